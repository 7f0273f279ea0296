/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive.c — write and stream-read the feed export format (see archive.h).
 */
#include "archive.h"

#include "error.h"
#include "mpcheck.h"

#include <msgpack.h>
#include <string.h>

static int buf_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

int px_archive_put(px_buf *out, const px_entry *e)
{
    msgpack_packer pk;
    size_t before = out->len;
    int rc = px_buf_reserve(out, 16 + e->header_len + 64 + e->body_len);
    if (rc)
        return rc;
    msgpack_packer_init(&pk, out, buf_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_bin(&pk, e->header_len);
    msgpack_pack_bin_body(&pk, e->header_bytes, e->header_len);
    msgpack_pack_bin(&pk, 64);
    msgpack_pack_bin_body(&pk, e->sig, 64);
    if (e->body) {
        msgpack_pack_bin(&pk, e->body_len);
        msgpack_pack_bin_body(&pk, e->body, e->body_len);
    } else {
        msgpack_pack_nil(&pk);
    }
    if (out->len == before)
        return PX_ENOMEM;
    return PX_OK;
}

/* Make sure at least one whole item is buffered (or the file has ended). */
static int fill(px_archive_reader *r, size_t *item_len)
{
    for (;;) {
        size_t avail = r->buf.len - r->pos;
        int rc = px_msgpack_check(r->buf.data ? r->buf.data + r->pos : NULL, avail, 2, item_len);
        if (avail > 0 && rc != PX_EAGAIN)
            return rc ? px_err_set(PX_EFORMAT, "item %llu is not valid msgpack: %s",
                                   (unsigned long long)r->index + 1, px_err_detail())
                      : PX_OK;
        if (avail > PX_ARCHIVE_ITEM_MAX)
            return px_err_set(PX_ETOOBIG, "item %llu is larger than any valid entry",
                              (unsigned long long)r->index + 1);
        if (r->eof)
            return avail == 0 ? PX_ENOENT
                              : px_err_set(PX_EFORMAT, "item %llu is truncated",
                                           (unsigned long long)r->index + 1);
        /* Compact, then read another chunk. */
        if (r->pos > 0) {
            memmove(r->buf.data, r->buf.data + r->pos, avail);
            r->buf.len = avail;
            r->pos = 0;
        }
        rc = px_buf_reserve(&r->buf, 65536);
        if (rc)
            return rc;
        size_t n = fread(r->buf.data + r->buf.len, 1, 65536, r->f);
        r->buf.len += n;
        if (n < 65536) {
            if (ferror(r->f))
                return px_err_set(PX_EIO, "read error in item %llu",
                                  (unsigned long long)r->index + 1);
            r->eof = true;
        }
    }
}

static int bin_field(const msgpack_object *o, const uint8_t **p, size_t *n)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return PX_EFORMAT;
    *p = (const uint8_t *)o->via.bin.ptr;
    *n = o->via.bin.size;
    return PX_OK;
}

int px_archive_next(px_archive_reader *r, px_entry *e)
{
    size_t item_len = 0;
    int rc = fill(r, &item_len);
    if (rc)
        return rc;
    const uint8_t *item = r->buf.data + r->pos;
    r->pos += item_len;
    r->index++;
    /* The framing is checked and the item bounded before decoding. */
    msgpack_zone zone;
    msgpack_object root;
    size_t off = 0;
    if (!msgpack_zone_init(&zone, 1024))
        return PX_ENOMEM;
    const uint8_t *h = NULL, *sig = NULL, *body = NULL;
    size_t hn = 0, sn = 0, bn = 0;
    if (msgpack_unpack((const char *)item, item_len, &off, &zone, &root) !=
            MSGPACK_UNPACK_SUCCESS ||
        root.type != MSGPACK_OBJECT_ARRAY || root.via.array.size != 3 ||
        bin_field(&root.via.array.ptr[0], &h, &hn) ||
        bin_field(&root.via.array.ptr[1], &sig, &sn) || sn != 64) {
        rc = px_err_set(PX_EFORMAT, "item %llu is not [header:bin, signature:bin64, body]",
                        (unsigned long long)r->index);
        goto out;
    }
    const msgpack_object *b = &root.via.array.ptr[2];
    if (b->type != MSGPACK_OBJECT_NIL && bin_field(b, &body, &bn)) {
        rc = px_err_set(PX_EFORMAT, "item %llu: body is neither binary nor nil",
                        (unsigned long long)r->index);
        goto out;
    }
    /* msgpack_unpack references bin payloads inside the input instead of
     * copying them into the zone, so body points into our buffer and stays
     * valid after the zone is gone, until the next call. Check, not trust. */
    if (body && (body < item || body + bn > item + item_len)) {
        rc = px_err_set(PX_EFORMAT, "item %llu: body not in the input buffer",
                        (unsigned long long)r->index);
        goto out;
    }
    rc = px_entry_decode(e, h, hn, sig, body, bn);
    if (rc)
        rc = px_err_set(rc, "item %llu: %s", (unsigned long long)r->index, px_err_detail());
out:
    msgpack_zone_destroy(&zone);
    return rc;
}

void px_archive_reader_free(px_archive_reader *r)
{
    if (r)
        px_buf_free(&r->buf);
}
