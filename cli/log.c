/*
 * log.c — `praxis log [AUTHOR]`: list entries, one feed or all.
 */
#include "cli.h"

#include "error.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis log [AUTHOR] [--limit N] [--json]\n\n"
    "Lists the entries held, in feed order, under a header row: seq, id,\n"
    "kind, time, author (its first 16 hex digits).\n"
    "  AUTHOR     only this feed: a public key (64 hex digits, or a unique\n"
    "             prefix of at least 8), or 'me' for this node\n"
    "  --limit N  at most N entries\n"
    "  --json     {\"entries\": [...]}, bodies included\n";

typedef struct log_ctx {
    bool json;
    json_t *arr;
    uint64_t left; /* 0 = no limit */
    bool limited;
    uint64_t shown;
} log_ctx;

static int print_entry(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    log_ctx *lc = ctx;
    if (lc->limited && lc->left-- == 0)
        return PX_EAGAIN; /* stop the walk */
    if (lc->json) {
        json_array_append_new(lc->arr, px_cli_entry_json(e, m, true));
        return PX_OK;
    }
    char id[65], author[65], when[32];
    if (lc->shown++ == 0)
        printf("%6s  %-64s  %-10s %-20s  %s\n", "seq", "id", "kind", "time", "author");
    printf("%6llu  %s  %-10s %s  %.16s%s\n", (unsigned long long)e->h.seq, px_id_hex(id, e->id),
           e->h.kind, px_cli_time(when, e->h.timestamp_ms), px_id_hex(author, e->h.author),
           m->purged ? "  (body purged)" : "");
    return PX_OK;
}

int px_cmd_log(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    log_ctx lc = {0};
    bool first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'j') {
            lc.json = true;
        } else if (c == 'l') {
            if (px_parse_u64(optarg, 1, UINT64_MAX, &lc.left) != PX_OK)
                return px_cli_usage_error(usage, "--limit needs a positive number");
            lc.limited = true;
        } else if (c == 'h') {
            return px_cli_help(usage);
        } else {
            return px_cli_usage_error(usage, "bad option");
        }
    }
    if (argc - optind > 1)
        return px_cli_usage_error(usage, "log takes at most one AUTHOR");
    px_local l;
    uint8_t author[32];
    bool one = argc - optind == 1;
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = one ? px_cli_key_arg(&l, argv[optind], "author key", author) : PX_EXIT_OK;
    if (rc) {
        px_local_close(&l);
        return rc;
    }
    lc.arr = lc.json ? json_array() : NULL;
    rc = px_store_each(l.store, one ? author : NULL, 1, 0, print_entry, &lc);
    if (rc == PX_EAGAIN)
        rc = PX_OK;
    if (!rc && lc.json) {
        json_t *o = json_pack("{s:O}", "entries", lc.arr);
        px_cli_print_json(o);
        json_decref(o);
    } else if (!rc && lc.shown == 0) {
        fprintf(stderr, one ? "no entries of this feed are held\n" : "no entries are held\n");
    }
    json_decref(lc.arr);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
