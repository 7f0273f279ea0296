/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trend.c — `praxis trend INDICATOR`: each country's results by period,
 * on one 0-100 scale, with the points where a series breaks marked.
 */
#include "cli.h"

#include "error.h"
#include "query.h"
#include "tabular.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis trend INDICATOR [--country CC] [--lang L] [--json | --csv]\n\n"
    "Shows the series of INDICATOR (and of indicators the secretariat's\n"
    "crosswalks link to it) by period: per country its broadest results, on the\n"
    "indicator's scale and rescaled to 0-100. A point breaks the series (marked\n"
    "BREAK, with the reason) when its status says so, or its indicator,\n"
    "definition version or method differs from the previous point's.\n"
    "  --country CC  only this country\n"
    "  --lang L      names in this language when there\n"
    "  --json        as JSON;  --csv  as CSV (one line per point)\n";

static const char *const csv_cols[] = {
    "group",      "country",   "centre",       "service",       "channel", "period", "indicator",
    "value",      "converted", "value_100",    "converted_100", "n",       "method", "status",
    "comparable", "break",     "break_reason", "illustrative",  "note",    "author", "id"};

static void print_text(const json_t *res, const char *lang)
{
    (void)lang; /* codes and figures: nothing here is translated */
    size_t si, pi;
    const json_t *s, *p;
    char b1[32], b2[32];
    const char *target = px_json_str(json_object_get(res, "indicator"), "code", "");
    px_cli_print_indicator(json_object_get(res, "indicator"));
    if (json_array_size(json_object_get(res, "series")) == 0)
        printf("no results are held for it or for indicators crosswalked to it\n");
    json_array_foreach(json_object_get(res, "series"), si, s)
    {
        printf("\n");
        px_text_put(stdout, px_json_str(s, "group", ""), false);
        printf("\n");
        json_array_foreach(json_object_get(s, "points"), pi, p)
        {
            const json_t *c100 = json_object_get(p, "converted_100");
            printf("  %-8s %6s  ", px_json_str(p, "period", ""),
                   json_is_number(c100) ? px_num_fixed(b1, json_number_value(c100), 1) : "—");
            printf("%s", px_num_format(b2, json_number_value(json_object_get(p, "value"))));
            const char *ind = px_json_str(p, "indicator", "");
            if (strcmp(ind, target) != 0) {
                printf(" (");
                px_text_put(stdout, ind, false);
                const json_t *conv = json_object_get(p, "converted");
                if (json_is_number(conv))
                    printf(" → %s", px_num_format(b1, json_number_value(conv)));
                printf(")");
            }
            const json_t *n = json_object_get(p, "n");
            if (json_is_integer(n))
                printf("  n %lld", (long long)json_integer_value(n));
            const char *status = px_json_str(p, "status", "normal");
            if (strcmp(status, "normal") != 0) {
                printf("  [");
                px_text_put(stdout, status, false);
                printf("]");
            }
            if (json_is_true(json_object_get(p, "illustrative")))
                printf("  [illustrative]");
            if (json_is_true(json_object_get(p, "break"))) {
                printf("  BREAK: ");
                px_text_put(stdout, px_json_str(p, "break_reason", ""), false);
            }
            const char *note = px_json_str(p, "note", NULL);
            if (note) {
                printf("  (not comparable: ");
                px_text_put(stdout, note, false);
                printf(")");
            }
            printf("\n");
        }
    }
}

/* One CSV line per point, with its series' columns. */
static json_t *flatten(const json_t *res)
{
    json_t *rows = json_array();
    size_t si, pi;
    const json_t *s, *p;
    json_array_foreach(json_object_get(res, "series"), si, s)
        json_array_foreach(json_object_get(s, "points"), pi, p)
    {
        json_t *r = json_deep_copy(p);
        json_object_set(r, "group", json_object_get(s, "group"));
        json_object_set(r, "country", json_object_get(s, "country"));
        json_object_set(r, "centre", json_object_get(s, "centre"));
        json_object_set(r, "service", json_object_get(s, "service"));
        json_object_set(r, "channel", json_object_get(s, "channel"));
        json_array_append_new(rows, r);
    }
    return rows;
}

int px_cmd_trend(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"country", required_argument, NULL, 'c'}, {"lang", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},          {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},          {0}};
    const char *country = NULL, *lang = NULL;
    px_cli_form form = PX_FORM_TEXT;
    bool first = true;
    int c, ex;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'c')
            country = optarg;
        else if (c == 'l')
            lang = optarg;
        else if ((ex = px_cli_listing_opt(c, &form, usage)) != PX_CLI_GO_ON)
            return ex;
    }
    if (argc - optind != 1)
        return px_cli_usage_error(usage, "trend needs one INDICATOR code");
    static const px_cli_view view = {NULL, flatten, csv_cols, sizeof csv_cols / sizeof csv_cols[0],
                                     print_text};
    px_local l;
    px_query q;
    json_t *res = NULL;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, lang, &q);
    int rc = px_query_trend(&q, argv[optind], country, &res);
    return px_cli_answer(&l, rc, res, form, &view, lang);
}
