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
    "Lists the entries held, in feed order: seq, id, kind, time, author.\n"
    "  AUTHOR     only this feed (a public key in hex; 'me' for this node)\n"
    "  --limit N  at most N entries\n"
    "  --json     a JSON array of entries, bodies included\n";

typedef struct log_ctx {
    bool json;
    json_t *arr;
    uint64_t left; /* 0 = no limit */
    bool limited;
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
    int rc = px_cli_open(cli, &l);
    if (rc)
        return PX_EXIT_FAIL;
    if (one && strcmp(argv[optind], "me") == 0)
        memcpy(author, l.me.pk, 32);
    else if (one)
        rc = px_cli_parse_key(argv[optind], author, "author key");
    if (rc) {
        px_local_close(&l);
        return px_cli_usage_error(usage, "%s", px_err_detail());
    }
    lc.arr = lc.json ? json_array() : NULL;
    rc = px_store_each(l.store, one ? author : NULL, 1, 0, print_entry, &lc);
    if (rc == PX_EAGAIN)
        rc = PX_OK;
    if (!rc && lc.json)
        px_cli_print_json(lc.arr);
    json_decref(lc.arr);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
