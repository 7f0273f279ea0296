/*
 * publish.c — `praxis publish KIND FILE`: turn JSON records into signed
 * entries of this node's feed.
 *
 * All or nothing: every record of the file is parsed, converted and checked
 * before the write transaction starts, and the transaction commits only if
 * every append succeeded. The ids of the new entries print one per line.
 */
#include "cli.h"

#include "error.h"
#include "jsonmp.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: praxis publish KIND FILE\n\n"
    "Signs each record of FILE as a new entry of this node's feed and prints\n"
    "the id of each new entry on its own line.\n"
    "  KIND  case | indicator | benchmark | crosswalk\n"
    "  FILE  a JSON object, or an array of them (one entry each); '-' reads\n"
    "        standard input. Nothing is stored unless every record is good.\n";

static const char *const kinds[] = {"case", "indicator", "benchmark", "crosswalk"};

enum { FILE_MAX = 256 * 1024 * 1024 };

/* The bodies to publish, msgpack-encoded back to back. */
typedef struct batch {
    px_buf bytes;
    size_t *ends; /* ends[i]: end offset of body i */
    size_t n;
} batch;

static int add_record(batch *b, const json_t *rec, size_t index, const char *file)
{
    if (!json_is_object(rec))
        return px_err_set(PX_EINVAL, "%s: record %zu is not a JSON object", file, index + 1);
    size_t start = b->bytes.len;
    int rc = px_json_to_msgpack(rec, &b->bytes);
    if (rc)
        return px_err_set(rc, "%s: record %zu: %s", file, index + 1, px_err_message(rc));
    if (b->bytes.len - start > PX_BODY_MAX)
        return px_err_set(PX_ETOOBIG, "%s: record %zu is %zu bytes encoded; the limit is %d",
                          file, index + 1, b->bytes.len - start, PX_BODY_MAX);
    size_t *ends = realloc(b->ends, (b->n + 1) * sizeof *ends);
    if (!ends)
        return PX_ENOMEM;
    b->ends = ends;
    b->ends[b->n++] = b->bytes.len;
    return PX_OK;
}

static int load_records(const char *file, batch *b)
{
    uint8_t *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    int rc = px_read_file(file, FILE_MAX, &text, &len);
    if (!rc)
        rc = px_json_parse((const char *)text, len, strcmp(file, "-") == 0 ? "stdin" : file, &doc);
    if (rc)
        goto out;
    if (json_is_array(doc)) {
        if (json_array_size(doc) == 0) {
            rc = px_err_set(PX_EINVAL, "%s: the array holds no records", file);
            goto out;
        }
        size_t i;
        json_t *rec;
        json_array_foreach(doc, i, rec)
        {
            rc = add_record(b, rec, i, file);
            if (rc)
                goto out;
        }
    } else if (json_is_object(doc)) {
        rc = add_record(b, doc, 0, file);
    } else {
        rc = px_err_set(PX_EINVAL, "%s: expected a JSON object or an array of objects", file);
    }
out:
    json_decref(doc);
    free(text);
    return rc;
}

int px_cmd_publish(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    bool first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'h')
            return px_cli_help(usage);
        return px_cli_usage_error(usage, "bad option");
    }
    if (argc - optind != 2)
        return px_cli_usage_error(usage, "publish needs KIND and FILE");
    const char *kind = argv[optind], *file = argv[optind + 1];
    bool known = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        known |= strcmp(kind, kinds[i]) == 0;
    if (!known)
        return px_cli_usage_error(usage,
                                  "unknown kind '%s'; use case, indicator, benchmark or crosswalk",
                                  kind);

    batch b = {0};
    px_local l;
    px_entry e;
    char **ids = NULL;
    int rc = load_records(file, &b);
    if (rc) {
        px_cli_fail(rc);
        goto done;
    }
    rc = px_cli_open(cli, &l);
    if (rc)
        goto done;
    ids = calloc(b.n, sizeof *ids);
    rc = ids ? px_store_begin(l.store) : PX_ENOMEM;
    uint64_t now = px_now_ms();
    for (size_t i = 0; !rc && i < b.n; i++) {
        size_t start = i ? b.ends[i - 1] : 0;
        rc = px_feed_append(&l.feed, &l.me, kind, b.bytes.data + start, b.ends[i] - start, now,
                            &e);
        if (!rc) {
            ids[i] = malloc(PX_ID_HEX);
            rc = ids[i] ? PX_OK : PX_ENOMEM;
            if (!rc)
                px_id_hex(ids[i], e.id);
        }
    }
    if (!rc)
        rc = px_store_commit(l.store);
    else
        px_store_rollback(l.store);
    if (rc) {
        px_cli_fail(rc);
    } else {
        for (size_t i = 0; i < b.n; i++)
            puts(ids[i]);
        px_cli_notify(&l);
    }
    px_local_close(&l);
done:
    for (size_t i = 0; ids && i < b.n; i++)
        free(ids[i]);
    free(ids);
    free(b.ends);
    px_buf_free(&b.bytes);
    return rc ? PX_EXIT_FAIL : PX_EXIT_OK;
}
