/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export.c — `praxis export --format json|csv|sdmx-csv|sdmx-csv2`: the benchmark
 * results held, for statistics tools (columns: schema/EXPORTS.md).
 */
#include "cli.h"

#include "error.h"
#include "export.h"
#include "outfile.h"
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis export --format json|csv|sdmx-csv|sdmx-csv2\n"
    "                     [--indicator CODE] [--country CC] [--period P]\n"
    "                     [--out FILE]\n\n"
    "Writes the benchmark results held (retracted ones are left out) to\n"
    "standard output or FILE:\n"
    "  json      an array of objects with every field, entry id and author\n"
    "  csv       the columns 'praxis publish benchmark' reads, then unit, id,\n"
    "            author (RFC 4180 quoting)\n"
    "  sdmx-csv  SDMX-CSV version 1: DATAFLOW, REF_AREA, CENTRE, SERVICE,\n"
    "            INDICATOR, TIME_PERIOD, OBS_VALUE, UNIT_MEASURE, OBS_STATUS,\n"
    "            N_OBS, CI_LOWER, CI_UPPER, COLL_METHOD\n"
    "  sdmx-csv2 SDMX-CSV version 2: STRUCTURE (dataflow), STRUCTURE_ID,\n"
    "            ACTION (I), then the columns of sdmx-csv after DATAFLOW\n"
    "The columns are described in schema/EXPORTS.md.\n";

int px_cmd_export(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"indicator", required_argument, NULL, 'i'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    px_bench_filter f = {0};
    const char *format = NULL, *path = NULL;
    px_export_format fmt;
    bool first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'i':
            f.indicator = optarg;
            break;
        case 'c':
            f.country = optarg;
            break;
        case 'p':
            f.period = optarg;
            break;
        case 'o':
            path = optarg;
            break;
        case 'h':
            return px_cli_help(usage);
        default:
            return px_cli_usage_error(usage, "bad option");
        }
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "export takes no arguments");
    if (!format)
        return px_cli_usage_error(usage, "export needs --format json, csv, sdmx-csv or sdmx-csv2");
    if (px_export_format_parse(format, &fmt) != PX_OK)
        return px_cli_usage_error(usage, "%s", px_err_detail());
    px_local l;
    px_query q;
    px_export_stats st = {0};
    FILE *out = stdout;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, NULL, &q);
    /* FILE appears whole or not at all (outfile.h): a failed export leaves
     * what was there before. */
    px_outfile of = {0};
    int rc = path ? px_outfile_open(&of, path, 0644, false) : PX_OK;
    if (path && !rc)
        out = of.f;
    if (!rc)
        rc = px_export_benchmarks(&q, &f, fmt, out, &st);
    if (path && !rc)
        rc = px_outfile_commit(&of);
    px_outfile_abort(&of);
    if (!rc && path)
        fprintf(stderr, "%zu result%s written to %s\n", st.rows, st.rows == 1 ? "" : "s", path);
    if (!rc && st.skipped)
        fprintf(stderr,
                "%zu result%s for single channels left out: SDMX-CSV here has no CHANNEL "
                "dimension (json and csv hold them)\n",
                st.skipped, st.skipped == 1 ? "" : "s");
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
