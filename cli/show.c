/*
 * show.c — `praxis show ID`: one entry, readable or as JSON. Exits 0 only
 * if the entry is held.
 */
#include "cli.h"

#include "error.h"
#include "jsonmp.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage[] = "usage: praxis show ID [--json]\n\n"
                            "Shows the entry with this id (64 hex digits): its header and its\n"
                            "record. Exits 0 only if the entry is held here.\n"
                            "  --json  the entry as a JSON object, body included\n";

int px_cmd_show(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
    bool json = false, first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (argc - optind != 1)
        return px_cli_usage_error(usage, "show needs one entry ID");
    uint8_t id[32];
    if (px_cli_parse_key(argv[optind], id, "entry id") != PX_OK)
        return px_cli_usage_error(usage, "%s", px_err_detail());
    px_local l;
    px_entry e;
    px_entry_meta m;
    px_buf body = {0};
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = px_store_get(l.store, id, &e, &body, &m);
    if (rc == PX_ENOENT)
        rc = px_err_set(rc, "no entry %s is held here", argv[optind]);
    if (!rc) {
        json_t *o = px_cli_entry_json(&e, &m, true);
        if (json) {
            px_cli_print_json(o);
        } else {
            char when[32], author[65], prev[65];
            printf("id         %s\n", argv[optind]);
            printf("kind       %s\n", e.h.kind);
            printf("author     %s\n", px_id_hex(author, e.h.author));
            printf("seq        %llu\n", (unsigned long long)e.h.seq);
            printf("prev       %s\n", e.h.has_prev ? px_id_hex(prev, e.h.prev) : "(none)");
            printf("time       %s\n", px_cli_time(when, e.h.timestamp_ms));
            printf("body       %llu bytes%s\n", (unsigned long long)e.h.body_len,
                   m.purged ? " (purged)" : "");
            json_t *b = json_object_get(o, "body");
            if (b && !json_is_null(b))
                px_cli_print_json(b);
        }
        json_decref(o);
    }
    px_buf_free(&body);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
