/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blob.c — `praxis blob add|list|get|rm|pin|unpin`: the attachments held in
 * this node's blob store (node/ledger/blob.h, schema/BLOBS.md).
 *
 * The blob store needs only the data directory's store, not the identity,
 * so these verbs never ask for a passphrase. `get` of a blob not complete
 * here asks praxisd to fetch it from peers (control op blob_fetch), shows
 * progress on a terminal and waits at most --timeout seconds.
 */
#include "cli.h"

#include "blob.h"
#include "error.h"
#include "ctlclient.h"
#include "outfile.h"
#include "progress.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxis blob add FILE\n"
    "       praxis blob list [--json]\n"
    "       praxis blob get ID --out FILE [--timeout SECONDS]\n"
    "       praxis blob rm ID\n"
    "       praxis blob pin ID | praxis blob unpin ID\n\n"
    "Attachments (survey reports, charters, questionnaires) as content-addressed\n"
    "blobs: 64 KiB chunks, each checked against the blob's manifest (schema/BLOBS.md).\n"
    "  add FILE       store FILE (at most 64 MiB) and print its id; blobs added\n"
    "                 here are kept, never evicted\n"
    "  list [--json]  every blob held: id, size, chunks held of total, complete,\n"
    "                 pinned, own (kept), and why a blob a keeper's record\n"
    "                 attaches is not kept (its quota per author; \"unkept\");\n"
    "                 --json: {\"blobs\": [...]}\n"
    "  get ID --out FILE\n"
    "                 write the blob to FILE ('-' for stdout), whole or not at\n"
    "                 all; a blob not held here is fetched from peers by the\n"
    "                 running praxisd, waiting at most --timeout seconds\n"
    "                 (default 60; progress on a terminal)\n"
    "  rm ID          remove the blob from this node\n"
    "  pin ID, unpin ID\n"
    "                 keep the blob, or let the cache evict it again\n"
    "ID: 64 hex digits, or a unique prefix of at least 8.\n";

typedef struct bctx {
    px_datadir paths;
    px_store *store;
    px_blobs *blobs;
} bctx;

static int bopen(px_cli *cli, bctx *c)
{
    memset(c, 0, sizeof *c);
    int rc = px_datadir_resolve(&c->paths, cli->data_dir);
    if (!rc && (access(c->paths.key, F_OK) != 0 || access(c->paths.genesis, F_OK) != 0))
        rc = px_err_set(PX_ENOENT,
                        "%s is not an initialised praxis data directory; run 'praxis init' first",
                        c->paths.dir);
    if (!rc)
        rc = px_store_open(c->paths.store, &c->store);
    if (!rc)
        rc = px_blobs_open(&c->blobs, c->store, c->paths.dir, NULL);
    if (rc)
        px_cli_fail(rc);
    return rc;
}

static void bclose(bctx *c)
{
    px_blobs_close(c->blobs);
    px_store_close(c->store);
}

/* An id argument; returns an exit code (reported) or PX_EXIT_OK. */
static int id_arg(bctx *c, const char *arg, uint8_t id[32])
{
    int rc = px_blob_resolve(c->blobs, arg, id);
    if (rc == PX_ENOENT && strlen(arg) == 64 && px_hex_decode(id, 32, arg) == PX_OK) {
        px_err_clear(); /* a whole id not held: get fetches it */
        return PX_EXIT_OK;
    }
    if (rc == PX_OK)
        return PX_EXIT_OK;
    px_cli_fail(rc);
    return rc == PX_ENOENT ? PX_EXIT_FAIL : PX_EXIT_USAGE;
}

static int list_cb(void *ctx, const px_blob_info *i)
{
    char hex[PX_ID_HEX];
    px_id_hex(hex, i->id);
    if (ctx) {
        json_t *row =
            json_pack("{s:s, s:I, s:I, s:I, s:b, s:b, s:b}", "id", hex, "size", (json_int_t)i->size,
                      "chunks", (json_int_t)i->chunks, "chunks_held", (json_int_t)i->held,
                      "complete", i->complete, "pinned", i->pinned, "own", i->own);
        if (row && i->unkept[0])
            json_object_set_new(row, "unkept", json_string(i->unkept));
        if (!row || json_array_append_new(ctx, row))
            return px_err_set(PX_ENOMEM, "out of memory");
        return PX_OK;
    }
    printf("%s  %10llu bytes  %5u/%-5u %s%s%s%s%s\n", hex, (unsigned long long)i->size, i->held,
           i->chunks, i->complete ? "complete" : "partial", i->pinned ? " pinned" : "",
           i->own ? " own" : "", i->unkept[0] ? "  " : "", i->unkept);
    return PX_OK;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The output of a get, written in order as chunks become held here: the
 * file is written while the blob still arrives, rather than all of it
 * read, verified and written after the last chunk. */
typedef struct writer {
    FILE *f;
    const char *name; /* for errors */
    uint32_t next;    /* the first chunk not written yet */
    uint8_t *buf;     /* STEP bytes */
} writer;

/* 16 chunks (1 MiB) per read: bounded memory, and few calls. */
#define STEP (16 * (size_t)PX_BLOB_CHUNK)

/* Write the chunks held from w->next on, up to the first one missing (all
 * of them once the blob is complete). Each is verified as it is read
 * (px_blob_read). */
static int write_ready(bctx *c, const uint8_t id[32], writer *w)
{
    px_blob_info info;
    int rc = px_blob_info_get(c->blobs, id, &info);
    if (rc == PX_ENOENT) { /* no manifest here yet */
        px_err_clear();
        return PX_OK;
    }
    if (rc || w->next >= info.chunks)
        return rc;
    uint32_t upto = info.chunks;
    if (!info.complete) {
        size_t n = 0;
        uint32_t miss;
        rc = px_blob_missing(c->blobs, id, w->next, &miss, 1, &n);
        if (rc)
            return rc;
        if (n)
            upto = miss;
    }
    while (!rc && w->next < upto) {
        uint64_t off = (uint64_t)w->next * PX_BLOB_CHUNK;
        uint64_t end = (uint64_t)upto * PX_BLOB_CHUNK;
        if (end > info.size)
            end = info.size;
        size_t n = end - off < STEP ? (size_t)(end - off) : STEP;
        rc = px_blob_read(c->blobs, id, off, w->buf, n);
        if (!rc && fwrite(w->buf, 1, n, w->f) != n)
            rc = px_err_set(PX_EIO, "writing %s failed", w->name);
        if (!rc)
            w->next = px_blob_chunk_count(off + n);
    }
    return rc;
}

/* Ask praxisd to fetch id and wait until it is complete here, it fails, or
 * timeout_s pass, writing what has arrived meanwhile to w (write_ready;
 * NULL: nothing). */
static int fetch(bctx *c, const uint8_t id[32], uint64_t timeout_s, writer *w)
{
    char hex[PX_ID_HEX];
    px_id_hex(hex, id);
    uint64_t t0 = mono_ms(), limit = timeout_s * 1000;
    json_t *req = json_pack("{s:s, s:s, s:I}", "op", "blob_fetch", "id", hex, "timeout_ms",
                            (json_int_t)limit);
    json_t *resp = NULL;
    int rc = req ? px_control_call(c->paths.socket, req, 5000, &resp) : PX_ENOMEM;
    json_decref(req);
    if (rc == PX_ENOENT)
        return px_err_set(PX_ENOENT,
                          "blob %s is not complete here, and no praxisd runs on %s to fetch it "
                          "from peers: start praxisd and try again",
                          hex, c->paths.dir);
    px_progress pr;
    px_progress_start(&pr, "fetching", "chunks", 0);
    while (!rc) {
        json_t *err = json_object_get(resp, "failed");
        if (json_is_true(json_object_get(resp, "complete")))
            break;
        if (err) {
            rc = px_err_set(PX_ENOENT, "blob %s could not be fetched: %s", hex,
                            json_string_value(err) ? json_string_value(err) : "unknown error");
            break;
        }
        json_int_t total = json_integer_value(json_object_get(resp, "chunks"));
        if (total > 0 && pr.total == 0)
            pr.total = (uint64_t)total;
        px_progress_step(&pr, (uint64_t)json_integer_value(json_object_get(resp, "chunks_held")));
        if (mono_ms() - t0 >= limit + 1000) {
            rc = px_err_set(PX_ETIMEDOUT,
                            "no peer sent blob %s within %llu s (%s); is the id right, and is a "
                            "node that holds it connected?",
                            hex, (unsigned long long)timeout_s,
                            total > 0 ? "it arrived only in part" : "no connected peer offered it");
            break;
        }
        if (!json_is_true(json_object_get(resp, "active")) && total <= 0 &&
            mono_ms() - t0 >= limit) {
            rc = px_err_set(PX_ETIMEDOUT, "no peer sent blob %s within %llu s", hex,
                            (unsigned long long)timeout_s);
            break;
        }
        uint64_t woke = mono_ms();
        if (w && (rc = write_ready(c, id, w)) != PX_OK)
            break;
        /* A status costs the daemon one row lookup: asking every 20 ms
         * ends the wait soon after the last chunk. */
        uint64_t spent = mono_ms() - woke;
        if (spent < 20) {
            struct timespec ts = {0, (long)(20 - spent) * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        json_decref(resp);
        resp = NULL;
        req = json_pack("{s:s, s:s}", "op", "blob_status", "id", hex);
        rc = req ? px_control_call(c->paths.socket, req, 5000, &resp) : PX_ENOMEM;
        json_decref(req);
    }
    px_progress_done(&pr);
    json_decref(resp);
    return rc;
}

static int do_get(bctx *c, const uint8_t id[32], const char *out, uint64_t timeout_s)
{
    px_blob_info info;
    char hex[PX_ID_HEX];
    int rc = px_blob_info_get(c->blobs, id, &info);
    bool complete = !rc && info.complete;
    if (rc == PX_ENOENT) {
        px_err_clear();
        rc = PX_OK;
    }
    if (rc)
        return rc;
    px_outfile of = {0};
    bool to_stdout = strcmp(out, "-") == 0;
    writer w = {.f = stdout, .name = to_stdout ? "stdout" : out};
    if (!(w.buf = malloc(STEP)))
        return px_err_set(PX_ENOMEM, "out of memory");
    if (!to_stdout && (rc = px_outfile_open(&of, out, 0644, false)) == PX_OK)
        w.f = of.f;
    /* Output goes to stdout only once the blob is whole here (a failed
     * fetch must not leave half of it in a pipe); a file is written as the
     * chunks arrive and appears, whole, only at the end. */
    if (!rc && !complete)
        rc = fetch(c, id, timeout_s, to_stdout ? NULL : &w);
    if (!rc)
        rc = px_blob_info_get(c->blobs, id, &info);
    if (!rc && !info.complete)
        rc = px_err_set(PX_ENOENT, "blob %s is not complete here", px_id_hex(hex, id));
    if (!rc)
        rc = write_ready(c, id, &w);
    free(w.buf);
    if (to_stdout) {
        if (!rc && fflush(stdout) != 0)
            rc = px_err_set(PX_EIO, "writing stdout failed");
    } else if (rc) {
        px_outfile_abort(&of);
    } else {
        rc = px_outfile_commit(&of);
    }
    return rc;
}

int px_cmd_blob(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool first = true, json = false;
    const char *out = NULL;
    uint64_t timeout_s = 60;
    bool timeout_given = false;
    int c;
    while ((c = px_cli_getopt(argc, argv, "ho:", opts, &first)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'o')
            out = optarg;
        else if (c == 't') {
            if (px_parse_u64(optarg, 1, 600, &timeout_s) != PX_OK)
                return px_cli_usage_error(usage, "--timeout needs seconds from 1 to 600");
            timeout_given = true;
        } else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (optind >= argc)
        return px_cli_usage_error(usage,
                                  "blob needs a sub-command: add, list, get, rm, pin or unpin");
    const char *sub = argv[optind++];
    int nargs = argc - optind;
    bool is_list = strcmp(sub, "list") == 0, is_get = strcmp(sub, "get") == 0;
    if (!is_list && strcmp(sub, "add") && !is_get && strcmp(sub, "rm") && strcmp(sub, "pin") &&
        strcmp(sub, "unpin"))
        return px_cli_usage_error(usage, "unknown blob sub-command '%s'", sub);
    if (json && !is_list)
        return px_cli_usage_error(usage, "--json goes with 'blob list' only");
    if ((out || timeout_given) && !is_get)
        return px_cli_usage_error(usage, "--out and --timeout go with 'blob get' only");
    if (is_list && nargs != 0)
        return px_cli_usage_error(usage, "blob list takes no arguments");
    if (!is_list && nargs != 1)
        return px_cli_usage_error(usage, "blob %s needs one %s", sub,
                                  strcmp(sub, "add") == 0 ? "FILE" : "ID");
    if (is_get && !out)
        return px_cli_usage_error(usage, "blob get needs --out FILE ('-' for stdout)");
    bctx b;
    if (bopen(cli, &b)) {
        bclose(&b);
        return PX_EXIT_FAIL;
    }
    int rc = PX_OK, code = PX_EXIT_OK;
    uint8_t id[32];
    char hex[PX_ID_HEX];
    if (strcmp(sub, "add") == 0) {
        rc = px_blob_add_file(b.blobs, argv[optind], id);
        if (!rc)
            printf("%s\n", px_id_hex(hex, id));
    } else if (is_list) {
        json_t *rows = json ? json_array() : NULL;
        if (json && !rows)
            rc = px_err_set(PX_ENOMEM, "out of memory");
        if (!rc)
            rc = px_blob_each(b.blobs, list_cb, rows);
        if (!rc && json) {
            json_t *top = json_pack("{s:O}", "blobs", rows);
            if (top)
                px_cli_print_json(top);
            else
                rc = px_err_set(PX_ENOMEM, "out of memory");
            json_decref(top);
        }
        json_decref(rows);
    } else {
        code = id_arg(&b, argv[optind], id);
        if (code == PX_EXIT_OK) {
            if (is_get)
                rc = do_get(&b, id, out, timeout_s);
            else if (strcmp(sub, "rm") == 0)
                rc = px_blob_remove(b.blobs, id);
            else
                rc = px_blob_pin(b.blobs, id, strcmp(sub, "pin") == 0);
        }
    }
    bclose(&b);
    if (code != PX_EXIT_OK)
        return code;
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
