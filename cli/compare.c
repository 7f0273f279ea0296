/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compare.c — `praxis compare INDICATOR`: results of one period side by
 * side across countries (or centres, services), rescaled to 0-100 by scale
 * endpoints and converted through the secretariat's crosswalks.
 */
#include "cli.h"

#include "error.h"
#include "query.h"
#include "tabular.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis compare INDICATOR [--period P] [--by country|centre|service]\n"
    "                      [--lang L] [--json | --csv]\n\n"
    "Compares the results for INDICATOR (a code) in one period (default: the\n"
    "latest with results), together with results of indicators that the\n"
    "secretariat's crosswalks link to it. Each row: the value on its own scale,\n"
    "rescaled to 0-100 by the scale's endpoints (4.66 on 1-5 is 91.5), converted\n"
    "onto INDICATOR's scale, n, CI, method, period, the node that published it,\n"
    "and flags. What cannot be compared is marked so and says why; a group that\n"
    "has no result for the period is listed as missing, never as zero.\n"
    "  --period P  2018, 2018-Q1 or 2018-03\n"
    "  --by X      group by country (default), centre or service\n"
    "  --lang L    names in this language when there\n"
    "  --json      as JSON;  --csv  as CSV (one line per row)\n";

static const char *const csv_cols[] = {"group",
                                       "country",
                                       "centre",
                                       "service",
                                       "channel",
                                       "indicator",
                                       "indicator_version",
                                       "value",
                                       "scale_min",
                                       "scale_max",
                                       "value_100",
                                       "converted",
                                       "converted_100",
                                       "n",
                                       "ci_low",
                                       "ci_high",
                                       "std_err",
                                       "method",
                                       "period",
                                       "status",
                                       "grade",
                                       "comparable",
                                       "missing",
                                       "latest_period",
                                       "illustrative",
                                       "flags",
                                       "note",
                                       "source",
                                       "author",
                                       "id"};

static void print_row(const json_t *r, const char *target)
{
    char b1[32], b2[32], b3[32];
    const json_t *c100 = json_object_get(r, "converted_100");
    bool missing = json_is_true(json_object_get(r, "missing"));
    if (json_is_true(json_object_get(r, "comparable")) && json_is_number(c100))
        printf("  %6s  ", px_num_fixed(b1, json_number_value(c100), 1));
    else
        printf("  %6s  ", "—");
    px_text_put(stdout, px_json_str(r, "group", ""), false);
    if (missing) {
        printf("  missing: no result for this period (latest: ");
        px_text_put(stdout, px_json_str(r, "latest_period", "?"), false);
        printf(")\n");
        return;
    }
    const char *ind = px_json_str(r, "indicator", "");
    printf("  %s", px_num_format(b1, json_number_value(json_object_get(r, "value"))));
    if (json_is_number(json_object_get(r, "scale_min")))
        printf(" on %s–%s", px_num_format(b2, json_number_value(json_object_get(r, "scale_min"))),
               px_num_format(b3, json_number_value(json_object_get(r, "scale_max"))));
    if (strcmp(ind, target) != 0) {
        printf(" (");
        px_text_put(stdout, ind, false);
        const json_t *conv = json_object_get(r, "converted");
        if (json_is_number(conv))
            printf(" → %s", px_num_format(b1, json_number_value(conv)));
        printf(")");
    }
    const json_t *n = json_object_get(r, "n");
    if (json_is_integer(n))
        printf("  n %lld", (long long)json_integer_value(n));
    if (json_is_number(json_object_get(r, "ci_low")))
        printf("  CI %s–%s", px_num_format(b1, json_number_value(json_object_get(r, "ci_low"))),
               px_num_format(b2, json_number_value(json_object_get(r, "ci_high"))));
    const char *method = px_json_str(r, "method", NULL);
    if (method) {
        printf("  ");
        px_text_put(stdout, method, false);
    }
    printf("  ");
    px_text_put(stdout, px_json_str(r, "period", ""), false);
    printf("  node %.16s", px_json_str(r, "author", ""));
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(r, "flags"), i, f)
    {
        printf(i ? ", " : "  [");
        px_text_put(stdout, json_string_value(f), false);
    }
    if (json_array_size(json_object_get(r, "flags")))
        printf("]");
    const char *note = px_json_str(r, "note", NULL);
    if (note) {
        printf("\n          ");
        px_text_put(stdout, note, false);
    }
    printf("\n");
}

static void print_text(const json_t *res, const char *lang)
{
    (void)lang; /* codes and figures: nothing here is translated */
    const json_t *ind = json_object_get(res, "indicator");
    const char *target = px_json_str(ind, "code", "");
    const char *period = px_json_str(res, "period", NULL);
    size_t i;
    const json_t *r;
    px_cli_print_indicator(ind);
    if (!period) {
        printf("no results are held for it or for indicators crosswalked to it\n");
        return;
    }
    printf("  period %s, by %s; 0-100 by scale endpoints", period, px_json_str(res, "by", ""));
    size_t nsrc = json_array_size(json_object_get(res, "sources"));
    if (nsrc > 1) {
        printf("; converted through crosswalks from ");
        json_array_foreach(json_object_get(res, "sources"), i, r)
        {
            if (i == 0)
                continue;
            printf(i > 1 ? ", " : "");
            px_text_put(stdout, px_json_str(r, "indicator", ""), false);
            if (!json_is_true(json_object_get(r, "endorsed")))
                printf(" (not the secretariat's)");
        }
    }
    printf("\n\n   0-100  group  value\n");
    json_array_foreach(json_object_get(res, "rows"), i, r) print_row(r, target);
    if (json_array_size(json_object_get(res, "rows")) == 0)
        printf("  (no results for this period)\n");
}

int px_cmd_compare(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"period", required_argument, NULL, 'p'},
                                         {"by", required_argument, NULL, 'b'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *period = NULL, *lang = NULL;
    px_by by = PX_BY_COUNTRY;
    px_cli_form form = PX_FORM_TEXT;
    bool first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'b':
            if (px_by_parse(optarg, &by) != PX_OK || by == PX_BY_NETWORK)
                return px_cli_usage_error(usage, "--by takes country, centre or service");
            break;
        case 'l':
            lang = optarg;
            break;
        default: {
            int ex = px_cli_listing_opt(c, &form, usage);
            if (ex != PX_CLI_GO_ON)
                return ex;
        }
        }
    }
    if (argc - optind != 1)
        return px_cli_usage_error(usage, "compare needs one INDICATOR code");
    static const px_cli_view view = {"rows", NULL, csv_cols, sizeof csv_cols / sizeof csv_cols[0],
                                     print_text};
    px_local l;
    px_query q;
    json_t *res = NULL;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, lang, &q);
    int rc = px_query_compare(&q, argv[optind], period, by, &res);
    return px_cli_answer(&l, rc, res, form, &view, lang);
}
