/* SPDX-License-Identifier: Apache-2.0 */
/*
 * benchmarks.c — `praxis benchmarks`: the benchmark results held (not
 * retracted), filtered by indicator, country and period.
 */
#include "cli.h"

#include "error.h"
#include "query.h"
#include "tabular.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis benchmarks [--indicator CODE] [--country CC] [--period P]\n"
    "                         [--limit N] [--json | --csv]\n\n"
    "Lists the benchmark results held (retracted ones are left out), by\n"
    "indicator, country and period.\n"
    "  --indicator CODE  only results for this indicator\n"
    "  --country CC      only this country (ISO 3166-1 alpha-2)\n"
    "  --period P        only this period (2018, 2018-Q1, 2018-03)\n"
    "  --limit N         show at most N results (default: all)\n"
    "  --json            as JSON;  --csv  as CSV\n"
    "'praxis export' writes all results for statistics tools (SDMX-CSV too).\n";

static const char *const csv_cols[] = {"indicator", "indicator_version",
                                       "country",   "centre",
                                       "service",   "channel",
                                       "period",    "value",
                                       "n",         "ci_low",
                                       "ci_high",   "std_err",
                                       "method",    "status",
                                       "source",    "illustrative",
                                       "unit",      "id",
                                       "author"};

static void opt_put(const json_t *o, const char *key)
{
    const char *s = px_json_str(o, key, NULL);
    if (s) {
        printf(" · ");
        px_text_put(stdout, s, false);
    }
}

static void print_text(const json_t *res, const char *lang)
{
    (void)lang; /* codes and figures: nothing here is translated */
    const json_t *list = json_object_get(res, "results");
    size_t total = (size_t)json_integer_value(json_object_get(res, "total"));
    size_t i;
    const json_t *o;
    char v[32];
    if (total == 0) {
        printf("no benchmark results match\n");
        return;
    }
    printf("%zu benchmark result%s; each: indicator, country · centre · service · channel, "
           "period, value, n, CI, method, entry id\n\n",
           total, total == 1 ? "" : "s");
    json_array_foreach(list, i, o)
    {
        px_text_put(stdout, px_json_str(o, "indicator", ""), false);
        printf("  ");
        px_text_put(stdout, px_json_str(o, "country", ""), false);
        opt_put(o, "centre");
        opt_put(o, "service");
        opt_put(o, "channel");
        printf("  ");
        px_text_put(stdout, px_json_str(o, "period", ""), false);
        printf("  %s", px_num_format(v, json_number_value(json_object_get(o, "value"))));
        const char *unit = px_json_str(o, "unit", NULL);
        if (unit) {
            printf(" ");
            px_text_put(stdout, unit, false);
        }
        json_t *n = json_object_get(o, "n");
        if (json_is_integer(n))
            printf("  n %lld", (long long)json_integer_value(n));
        if (json_is_number(json_object_get(o, "ci_low"))) {
            char lo[32], hi[32];
            printf("  CI %s–%s", px_num_format(lo, json_number_value(json_object_get(o, "ci_low"))),
                   px_num_format(hi, json_number_value(json_object_get(o, "ci_high"))));
        }
        opt_put(o, "method");
        const char *status = px_json_str(o, "status", "normal");
        if (strcmp(status, "normal") != 0) {
            printf("  [");
            px_text_put(stdout, status, false);
            printf("]");
        }
        if (json_is_true(json_object_get(o, "illustrative")))
            printf("  [illustrative]");
        printf("  %.16s\n", px_json_str(o, "id", ""));
    }
    if (total > json_array_size(list))
        printf("(%zu of %zu shown)\n", json_array_size(list), total);
}

int px_cmd_benchmarks(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"indicator", required_argument, NULL, 'i'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"period", required_argument, NULL, 'p'},
                                         {"limit", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    px_bench_filter f = {0};
    px_cli_form form = PX_FORM_TEXT;
    bool first = true;
    uint64_t limit;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'i':
            f.indicator = optarg;
            break;
        case 'c':
            f.country = optarg;
            break;
        case 'p':
            f.period = optarg;
            break;
        case 'n':
            if (px_parse_u64(optarg, 1, 100000000, &limit) != PX_OK)
                return px_cli_usage_error(usage, "--limit takes a positive number");
            f.limit = (size_t)limit;
            break;
        default: {
            int ex = px_cli_listing_opt(c, &form, usage);
            if (ex != PX_CLI_GO_ON)
                return ex;
        }
        }
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "benchmarks takes no arguments; filter with options");
    static const px_cli_view view = {"results", NULL, csv_cols,
                                     sizeof csv_cols / sizeof csv_cols[0], print_text};
    px_local l;
    px_query q;
    json_t *res = NULL;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, NULL, &q);
    int rc = px_query_benchmarks(&q, &f, &res);
    return px_cli_answer(&l, rc, res, form, &view, NULL);
}
