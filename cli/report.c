/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.c — `praxis report --out FILE.html`: one self-contained HTML file
 * with a bar chart per comparison, a line chart per trend and case-study
 * summaries (node/knowledge/report.c draws it).
 */
#include "cli.h"

#include "error.h"
#include "outfile.h"
#include "query.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxis report --out FILE.html [--indicator CODE]... [--period P]\n"
    "                     [--by country|centre|service] [--country CC]\n"
    "                     [--cases N] [--lang L] [--title TEXT]\n\n"
    "Writes one self-contained HTML file (no scripts, nothing fetched from\n"
    "the network): for each indicator a bar chart of 'praxis compare' and a\n"
    "line chart of 'praxis trend' with the numbers beside them, then summaries\n"
    "of the latest case studies.\n"
    "  --indicator CODE  report on this indicator (repeatable; default: every\n"
    "                    indicator with results that no secretariat crosswalk\n"
    "                    folds into another)\n"
    "  --period P        comparisons for this period (default: the latest)\n"
    "  --by X            group comparisons by country (default), centre, service\n"
    "  --country CC      trends and case studies of one country only\n"
    "  --cases N         at most N case studies (default 20)\n"
    "  --lang L          texts in this language when there\n"
    "  --title TEXT      the report's title\n";

enum { MAX_INDICATORS = 64 };

int px_cmd_report(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},     {"indicator", required_argument, NULL, 'i'},
        {"period", required_argument, NULL, 'p'},  {"by", required_argument, NULL, 'b'},
        {"country", required_argument, NULL, 'c'}, {"cases", required_argument, NULL, 'n'},
        {"lang", required_argument, NULL, 'l'},    {"title", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {0}};
    const char *path = NULL, *lang = NULL, *inds[MAX_INDICATORS];
    px_report_opts o = {.by = PX_BY_COUNTRY};
    bool first = true;
    uint64_t n;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'o':
            path = optarg;
            break;
        case 'i':
            if (o.nindicators == MAX_INDICATORS)
                return px_cli_usage_error(usage, "at most %d --indicator options", MAX_INDICATORS);
            inds[o.nindicators++] = optarg;
            break;
        case 'p':
            o.period = optarg;
            break;
        case 'b':
            if (px_by_parse(optarg, &o.by) != PX_OK || o.by == PX_BY_NETWORK)
                return px_cli_usage_error(usage, "--by takes country, centre or service");
            break;
        case 'c':
            o.country = optarg;
            break;
        case 'n':
            if (px_parse_u64(optarg, 1, 10000, &n) != PX_OK)
                return px_cli_usage_error(usage, "--cases takes a number from 1 to 10000");
            o.max_cases = (size_t)n;
            break;
        case 'l':
            lang = optarg;
            break;
        case 't':
            o.title = optarg;
            break;
        case 'h':
            return px_cli_help(usage);
        default:
            return px_cli_usage_error(usage, "bad option");
        }
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "report takes no arguments");
    if (!path)
        return px_cli_usage_error(usage, "report needs --out FILE.html");
    if (o.nindicators)
        o.indicators = inds;
    px_local l;
    px_query q;
    px_outfile of;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, lang, &q);
    o.network = l.genesis.name;
    o.generated_ms = px_now_ms();
    /* Written whole or not at all (outfile.h): a failed report leaves no
     * half-written FILE behind, and no predictable temporary name is used. */
    int rc = px_outfile_open(&of, path, 0644, false);
    if (!rc)
        rc = px_report_html(&q, &o, of.f);
    if (!rc)
        rc = px_outfile_commit(&of);
    px_outfile_abort(&of);
    if (!rc)
        printf("%s\n", path);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
