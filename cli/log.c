/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.c — `praxis log [AUTHOR]`: list entries, one feed or all.
 */
#include "cli.h"

#include "error.h"
#include "jsonout.h"
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
        /* streamed: memory stays bounded by one entry, whatever the store holds */
        json_t *o = px_cli_entry_json(e, m, true);
        fputs(lc->shown++ ? ",\n    " : "\n    ", stdout);
        int rc = o ? px_json_print_at(stdout, o, 2) : PX_ENOMEM;
        json_decref(o);
        return rc;
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
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    int rc = one ? px_cli_key_arg(&l, argv[optind], "author key", author) : PX_EXIT_OK;
    if (rc) {
        px_local_close(&l);
        return rc;
    }
    if (lc.json)
        fputs("{\n  \"entries\": [", stdout);
    rc = px_store_each(l.store, one ? author : NULL, 1, 0, print_entry, &lc);
    if (rc == PX_EAGAIN)
        rc = PX_OK;
    if (lc.json)
        fputs(lc.shown ? "\n  ]\n}\n" : "]\n}\n", stdout); /* closed even after an error */
    else if (!rc && lc.shown == 0)
        fprintf(stderr, one ? "no entries of this feed are held\n" : "no entries are held\n");
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
