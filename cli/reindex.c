/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reindex.c — `praxis reindex`: rebuild the records index from the entries
 * held (also re-judging every body against its kind's schema).
 */
#include "cli.h"

#include "error.h"
#include "index.h"
#include "util.h"

#include <stdio.h>

static const char usage[] =
    "usage: praxis reindex [--json]\n\n"
    "Rebuilds the records index (case search, indicators, results, crosswalks,\n"
    "retractions, versions) from the entries held, checking every body against\n"
    "its kind's schema again. Needed only after a failure left the index\n"
    "incomplete; praxis rebuilds it by itself when a new version needs it.\n"
    "  --json  the counts as JSON\n";

int px_cmd_reindex(px_cli *cli, int argc, char **argv)
{
    bool json;
    int ex;
    if (!px_cli_json_flag(argc, argv, usage, false, &json, &ex))
        return ex;
    px_local l;
    px_index_stats st;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    uint64_t t0 = px_mono_ns();
    int rc = px_index_rebuild(l.store, &st);
    double secs = (double)(px_mono_ns() - t0) / 1e9;
    if (!rc && json) {
        json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:f}", "entries", (json_int_t)st.entries,
                              "records", (json_int_t)st.records, "invalid", (json_int_t)st.invalid,
                              "reflagged", (json_int_t)st.reflagged, "seconds", secs);
        px_cli_print_json(o);
        json_decref(o);
    } else if (!rc) {
        printf("reindexed %llu entries in %.2f s: %llu records indexed, %llu bodies fail "
               "their schema (%llu flags changed)\n",
               (unsigned long long)st.entries, secs, (unsigned long long)st.records,
               (unsigned long long)st.invalid, (unsigned long long)st.reflagged);
    }
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
