/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verify.c — `praxis verify`: re-check every entry of every feed.
 */
#include "cli.h"

#include "error.h"
#include "util.h"

#include <stdio.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxis verify [--threads N] [--json]\n\n"
    "Re-checks every entry of every feed held: stored bytes, ids, network,\n"
    "chain links, timestamps, signatures and bodies. Names the first bad\n"
    "entry and exits 1 if any is found.\n"
    "  --threads N  threads for signature checks (default: CPU count)\n"
    "  --json       print the report as JSON (a failure also names the bad\n"
    "               entry there: error, bad_entry)\n";

int px_cmd_verify(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool json = false, first = true;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t threads = cpus > 0 ? (uint64_t)cpus : 1;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 't' && px_parse_u64(optarg, 1, 16, &threads) == PX_OK)
            continue;
        else if (c == 't')
            return px_cli_usage_error(usage, "--threads needs a number from 1 to 16");
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    px_local l;
    px_verify_report rep;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    uint64_t t0 = px_mono_ns();
    int rc = px_feed_verify(l.store, l.genesis.network_id, (int)threads, &rep);
    double secs = (double)(px_mono_ns() - t0) / 1e9;
    if (json) {
        char id[65];
        json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:f}", "entries", (json_int_t)rep.entries,
                              "feeds", (json_int_t)rep.feeds, "purged", (json_int_t)rep.purged,
                              "frozen_feeds", (json_int_t)rep.forks, "seconds", secs);
        if (rc) {
            json_object_set_new(o, "error", json_string(px_err_message(rc)));
            if (rep.bad)
                json_object_set_new(o, "bad_entry", json_string(px_id_hex(id, rep.bad_id)));
        }
        px_cli_print_json(o);
        json_decref(o);
    }
    px_local_close(&l);
    if (rc)
        return px_cli_fail(rc);
    if (!json)
        printf("ok: %llu entries in %llu feeds verified in %.2f s (%llu purged bodies, "
               "%llu feeds frozen by forks)\n",
               (unsigned long long)rep.entries, (unsigned long long)rep.feeds, secs,
               (unsigned long long)rep.purged, (unsigned long long)rep.forks);
    return PX_EXIT_OK;
}
