/* SPDX-License-Identifier: Apache-2.0 */
/*
 * indicators.c — `praxis indicators`: the indicator definitions held (the
 * latest version of each), with their scales and how many results use them.
 */
#include "cli.h"

#include "error.h"
#include "query.h"
#include "tabular.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis indicators [--lang L] [--json | --csv]\n\n"
    "Lists the indicator definitions held (latest versions; retracted ones are\n"
    "left out): code, version, measure, scale, unit, name and the number of\n"
    "benchmark results held for each.\n"
    "  --lang L  names in this language when there\n"
    "  --json    as JSON;  --csv  as CSV\n";

static const char *const csv_cols[] = {
    "code",    "version",        "name",         "name_lang", "measure_type",
    "domain",  "scale_min",      "scale_max",    "unit",      "higher_is_better",
    "results", "older_versions", "illustrative", "id",        "author"};

static void print_text(const json_t *res, const char *lang)
{
    (void)lang; /* codes and figures: nothing here is translated */
    const json_t *list = json_object_get(res, "indicators");
    size_t i;
    const json_t *o;
    char lo[32], hi[32];
    if (json_array_size(list) == 0) {
        printf("no indicator definitions are held\n");
        return;
    }
    printf("%zu indicator definition%s (latest versions): code, version, measure, scale, "
           "results held; then the name\n\n",
           json_array_size(list), json_array_size(list) == 1 ? "" : "s");
    json_array_foreach(list, i, o)
    {
        printf("%s", i ? "\n" : "");
        px_text_put(stdout, px_json_str(o, "code", ""), false);
        const json_t *ver = json_object_get(o, "version");
        if (json_is_string(ver))
            printf(" v%s  ", json_string_value(ver)); /* digits and dots only (RECORDS.md) */
        else
            printf(" v%lld  ", (long long)json_integer_value(ver));
        px_text_put(stdout, px_json_str(o, "measure_type", ""), false);
        printf(", scale %s–%s",
               px_num_format(lo, json_number_value(json_object_get(o, "scale_min"))),
               px_num_format(hi, json_number_value(json_object_get(o, "scale_max"))));
        const char *unit = px_json_str(o, "unit", NULL);
        if (unit) {
            printf(" ");
            px_text_put(stdout, unit, false);
        }
        printf(", %s is better",
               json_is_true(json_object_get(o, "higher_is_better")) ? "higher" : "lower");
        long long n = (long long)json_integer_value(json_object_get(o, "results"));
        printf(", %lld result%s", n, n == 1 ? "" : "s");
        if (json_is_true(json_object_get(o, "illustrative")))
            printf("  [illustrative]");
        long long older = (long long)json_integer_value(json_object_get(o, "older_versions"));
        if (older)
            printf("  (%lld older version%s)", older, older == 1 ? "" : "s");
        printf("\n  ");
        px_text_put(stdout, px_json_str(o, "name", ""), false);
        printf("\n");
    }
}

int px_cmd_indicators(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"lang", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *lang = NULL;
    px_cli_form form = PX_FORM_TEXT;
    bool first = true;
    int c, ex;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'l')
            lang = optarg;
        else if ((ex = px_cli_listing_opt(c, &form, usage)) != PX_CLI_GO_ON)
            return ex;
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "indicators takes no arguments");
    static const px_cli_view view = {"indicators", NULL, csv_cols,
                                     sizeof csv_cols / sizeof csv_cols[0], print_text};
    px_local l;
    px_query q;
    json_t *res = NULL;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, lang, &q);
    int rc = px_query_indicators(&q, &res);
    return px_cli_answer(&l, rc, res, form, &view, lang);
}
