/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webblobs.c — attachments in the web interface: the list on a case page
 * (name, size, media type, whether this node holds the blob), fetching one
 * from peers on demand (through praxisd's control socket, as `praxis blob
 * get` does) with its progress as JSON for app.js to poll, and downloads.
 *
 * A download is always `application/octet-stream` with `Content-Disposition:
 * attachment` (and the framework's nosniff): a blob is bytes from another
 * member and is never rendered by the browser, whatever its media type
 * says. It is copied from the blob store (every chunk verified on the way)
 * into a temporary file that the framework streams, so memory stays
 * bounded by one read step.
 */
#include "webblobs.h"

#include "blob.h"
#include "control.h"
#include "datadir.h"
#include "error.h"
#include "mpcheck.h"
#include "util.h"
#include "webint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The blob store over this worker's read-only connection. */
static px_blobs *reader(px_req *r)
{
    px_local *l = px_req_local(r);
    px_blobs *b = NULL;
    px_blob_limits lim = {.reader = true};
    if (l && px_blobs_open(&b, px_req_store(r), l->paths.dir, &lim) == PX_OK)
        return b;
    return NULL;
}

static const char *size_text(px_req *r, uint64_t n)
{
    if (n < 1024)
        return px_req_printf(r, "%s B", px_req_int(r, (long long)n));
    if (n < 1024 * 1024)
        return px_req_printf(r, "%s KiB", px_req_num(r, (double)n / 1024, 1));
    return px_req_printf(r, "%s MiB", px_req_num(r, (double)n / (1024 * 1024), 1));
}

static const char *str_of(px_req *r, const msgpack_object *o)
{
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return NULL;
    char *s = px_req_alloc(r, o->via.str.size + 1);
    if (!s)
        return NULL;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    s[o->via.str.size] = '\0';
    return s;
}

void px_web_attachments(px_req *r, const msgpack_object *rec, const char *case_path)
{
    const msgpack_object *a = px_mp_get(rec, "attachments");
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0)
        return;
    px_blobs *b = reader(r);
    px_hf(r, "<section><h2>%s</h2><ul class=\"attachments\">", px_t(r, "Attachments"));
    for (uint32_t i = 0; i < a->via.array.size && i < 64; i++) {
        const msgpack_object *it = &a->via.array.ptr[i];
        const char *hex = str_of(r, px_mp_get(it, "blob")),
                   *name = str_of(r, px_mp_get(it, "name"));
        const char *mime = str_of(r, px_mp_get(it, "mime"));
        const msgpack_object *size = px_mp_get(it, "size");
        uint8_t id[32];
        if (!hex || !name || strlen(hex) != 64 || px_hex_decode(id, 32, hex) != PX_OK)
            continue;
        px_blob_info info;
        bool held = b && px_blob_info_get(b, id, &info) == PX_OK;
        px_err_clear();
        bool complete = held && info.complete;
        const char *dl = px_req_url(r, px_req_printf(r, "/blobs/%s", hex), "name", name, NULL);
        px_hf(r, "<li data-blob=\"%s\"><strong>%s</strong> <span class=\"dim\">%s · %s</span> ",
              hex, name,
              size && size->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? size_text(r, size->via.u64)
                                                                    : "?",
              mime ? mime : "application/octet-stream");
        px_hf(r, "<a href=\"%s\" data-blob-download%s>%s</a>", dl, complete ? "" : " hidden",
              px_t(r, "Download"));
        if (!complete) {
            px_hf(r, " <span data-blob-state>%s</span> ",
                  held ? px_req_printf(r, px_t(r, "%u of %u chunks held here"), info.held,
                                       info.chunks)
                       : px_t(r, "not held here"));
            px_hf(r, "<progress data-blob-progress max=\"%u\" value=\"%u\"%s></progress>",
                  held ? info.chunks : 1, held ? info.held : 0, held ? "" : " hidden");
            px_hf(r,
                  "<form method=\"post\" action=\"/blobs/%s\" class=\"inline\" "
                  "data-blob-fetch>",
                  hex);
            px_csrf_input(r);
            px_hf(r,
                  "<input type=\"hidden\" name=\"back\" value=\"%s\">"
                  "<button type=\"submit\">%s</button></form>",
                  case_path, px_t(r, "Fetch from peers"));
        }
        px_h(r, "</li>");
    }
    px_h(r, "</ul></section>");
    px_blobs_close(b);
}

static int path_blob(px_req *r, uint8_t id[32])
{
    const char *hex = px_req_param(r);
    if (!hex || strlen(hex) != 64 || px_hex_decode(id, 32, hex) != PX_OK)
        return px_err_set(PX_EINVAL, "a blob id is 64 hex digits");
    return PX_OK;
}

/* Ask the daemon (over its control socket) to fetch, or how a fetch goes. */
static int ask_daemon(px_req *r, const char *op, const char *hex, json_t **resp)
{
    px_local *l = px_req_local(r);
    if (!l)
        return PX_EIO;
    json_t *req = json_pack("{s:s, s:s, s:i}", "op", op, "id", hex, "timeout_ms", 120000);
    int rc = req ? px_control_call(l->paths.socket, req, 5000, resp) : PX_ENOMEM;
    json_decref(req);
    return rc;
}

static int download(px_req *r, const uint8_t id[32])
{
    px_blobs *b = reader(r);
    if (!b)
        return px_err_set(PX_EIO, "the blob store cannot be opened");
    px_blob_info info;
    int rc = px_blob_info_get(b, id, &info);
    if (!rc && !info.complete)
        rc = px_err_set(PX_ENOENT,
                        "this node holds only part of the attachment yet: fetch it from the "
                        "case page first");
    FILE *f = rc ? NULL : tmpfile();
    if (!rc && !f)
        rc = px_err_set(PX_EIO, "no room for a temporary file");
    const size_t step = 16 * (size_t)PX_BLOB_CHUNK;
    uint8_t *buf = rc ? NULL : malloc(step);
    if (!rc && !buf)
        rc = PX_ENOMEM;
    for (uint64_t off = 0; !rc && off < info.size; off += step) {
        size_t n = info.size - off < step ? (size_t)(info.size - off) : step;
        rc = px_blob_read(b, id, off, buf, n);
        if (!rc && fwrite(buf, 1, n, f) != n)
            rc = px_err_set(PX_EIO, "writing a temporary file failed");
    }
    free(buf);
    px_blobs_close(b);
    if (rc) {
        if (f)
            fclose(f);
        return rc;
    }
    const char *name = px_req_arg(r, "name");
    char hex[PX_ID_HEX];
    px_req_type(r, "application/octet-stream");
    px_req_download(r, name && *name ? name : px_req_printf(r, "%.16s.bin", px_id_hex(hex, id)));
    return px_req_send_file(r, f);
}

int px_page_blob(px_req *r)
{
    uint8_t id[32];
    int rc = path_blob(r, id);
    if (rc)
        return rc;
    if (!px_req_is_post(r))
        return download(r, id);
    json_t *resp = NULL;
    rc = ask_daemon(r, "blob_fetch", px_req_param(r), &resp);
    json_decref(resp);
    if (rc)
        return rc;
    const char *back = px_req_field(r, "back");
    /* Only back to a case page of ours: never an address from elsewhere. */
    bool ok = back && strncmp(back, "/cases/", 7) == 0 && strlen(back) == 7 + 64 &&
              strspn(back + 7, "0123456789abcdef") == 64;
    px_req_redirect(r, ok ? back : "/cases");
    return PX_OK;
}

int px_api_blob(px_req *r)
{
    uint8_t id[32];
    int rc = path_blob(r, id);
    if (rc)
        return rc;
    json_t *resp = NULL;
    rc = ask_daemon(r, px_req_is_post(r) ? "blob_fetch" : "blob_status", px_req_param(r), &resp);
    if (rc)
        return rc;
    json_object_del(resp, "ok");
    rc = px_req_json(r, resp);
    json_decref(resp);
    return rc;
}
