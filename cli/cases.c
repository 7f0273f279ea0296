/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cases.c — `praxis cases`: the case studies held, filtered, or found by
 * full-text search in every language (latest versions only; retracted
 * ones never).
 */
#include "cli.h"

#include "error.h"
#include "query.h"
#include "tabular.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis cases [--search TEXT] [--country CC] [--tag TAG] [--stage STAGE]\n"
    "                    [--service S] [--channel C] [--year YYYY]\n"
    "                    [--lang L] [--limit N] [--json | --csv]\n\n"
    "Lists the case studies held (the latest version of each; retracted ones\n"
    "are left out), newest first; with --search, the ones whose text holds\n"
    "every word, in any language, best match first, with a snippet ([ ] mark\n"
    "the words found; a word ending in * matches as a prefix).\n"
    "  --country CC  only cases from this country (ISO 3166-1 alpha-2)\n"
    "  --tag TAG     only cases with this tag\n"
    "  --stage S     idea | pilot | implemented | evaluated | scaled\n"
    "  --service S   only cases that list this service (ASCII case ignored)\n"
    "  --channel C   only cases that list this channel (in person, online, ...)\n"
    "  --year YYYY   only cases that started in this year\n"
    "  --lang L      show titles in this language when there (kk, ru, en, ...)\n"
    "  --limit N     show at most N cases (default 50)\n"
    "  --json        the result as JSON;  --csv  as CSV\n";

static const char *const csv_cols[] = {"id",         "country",  "stage",          "centre",
                                       "start_year", "end_year", "title",          "title_lang",
                                       "tags",       "version",  "older_versions", "illustrative",
                                       "rank",       "snippet",  "snippet_lang",   "author"};

static void print_text(const json_t *res, const char *lang)
{
    const json_t *cases = json_object_get(res, "cases");
    size_t total = (size_t)json_integer_value(json_object_get(res, "total"));
    const char *search = px_json_str(res, "search", NULL);
    size_t i;
    const json_t *c;
    if (total == 0) {
        printf(search ? "no case study matches \"" : "no case studies are held");
        if (search) {
            px_text_put(stdout, search, false);
            printf("\"");
        }
        printf("\n");
        return;
    }
    if (search) {
        printf("%zu case %s \"", total, total == 1 ? "study matches" : "studies match");
        px_text_put(stdout, search, false);
        printf("\", best first:\n");
    } else {
        printf("%zu case %s, newest first:\n", total, total == 1 ? "study" : "studies");
    }
    json_array_foreach(cases, i, c)
    {
        const char *id = px_json_str(c, "id", "");
        printf("\n%.16s  ", id);
        px_text_put(stdout, px_json_str(c, "country", ""), false);
        printf("  ");
        px_text_put(stdout, px_json_str(c, "stage", ""), false);
        json_t *sy = json_object_get(c, "start_year"), *ey = json_object_get(c, "end_year");
        if (json_is_integer(sy)) {
            printf("  %lld", (long long)json_integer_value(sy));
            if (json_is_integer(ey) && json_integer_value(ey) != json_integer_value(sy))
                printf("–%lld", (long long)json_integer_value(ey));
        }
        if (json_is_true(json_object_get(c, "illustrative")))
            printf("  [illustrative]");
        json_int_t older = json_integer_value(json_object_get(c, "older_versions"));
        if (older > 0)
            printf("  (version %lld; %lld older version%s)",
                   (long long)json_integer_value(json_object_get(c, "version")), (long long)older,
                   older == 1 ? "" : "s");
        printf("\n  ");
        px_text_put(stdout, px_json_str(c, "title", "(no title)"), false);
        const char *tl = px_json_str(c, "title_lang", NULL);
        if (lang && tl && strcmp(tl, lang) != 0) {
            printf(" [");
            px_text_put(stdout, tl, false);
            printf("]");
        }
        printf("\n");
        const char *centre = px_json_str(c, "centre", NULL);
        if (centre) {
            printf("  ");
            px_text_put(stdout, centre, false);
            printf("\n");
        }
        const char *snippet = px_json_str(c, "snippet", NULL);
        if (snippet) {
            printf("  ");
            px_text_put(stdout, snippet, false);
            const char *sl = px_json_str(c, "snippet_lang", NULL);
            if (sl && (lang ? strcmp(sl, lang) != 0 : strcmp(sl, "en") != 0)) {
                printf(" [");
                px_text_put(stdout, sl, false);
                printf("]");
            }
            printf("\n");
        }
    }
    if (total > json_array_size(cases))
        printf("\n(%zu of %zu shown; --limit N shows more)\n", json_array_size(cases), total);
}

int px_cmd_cases(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"search", required_argument, NULL, 's'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"tag", required_argument, NULL, 't'},
                                         {"stage", required_argument, NULL, 'S'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"limit", required_argument, NULL, 'n'},
                                         {"service", required_argument, NULL, 'v'},
                                         {"channel", required_argument, NULL, 'H'},
                                         {"year", required_argument, NULL, 'y'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"csv", no_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    px_case_filter f = {0};
    const char *lang = NULL;
    px_cli_form form = PX_FORM_TEXT;
    bool first = true;
    int c;
    uint64_t limit, year;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 's':
            f.search = optarg;
            break;
        case 'c':
            f.country = optarg;
            break;
        case 't':
            f.tag = optarg;
            break;
        case 'S':
            f.stage = optarg;
            break;
        case 'l':
            lang = optarg;
            break;
        case 'v':
            f.service = optarg;
            break;
        case 'H':
            f.channel = optarg;
            break;
        case 'y':
            if (px_parse_u64(optarg, 1, 9999, &year) != PX_OK)
                return px_cli_usage_error(usage, "--year takes a year such as 2019");
            f.start_year = (int64_t)year;
            break;
        case 'n':
            if (px_parse_u64(optarg, 1, 100000, &limit) != PX_OK)
                return px_cli_usage_error(usage, "--limit takes a number from 1 to 100000");
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
        return px_cli_usage_error(usage, "cases takes no arguments; search with --search TEXT");
    static const px_cli_view view = {"cases", NULL, csv_cols, sizeof csv_cols / sizeof csv_cols[0],
                                     print_text};
    px_local l;
    px_query q;
    json_t *res = NULL;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, lang, &q);
    int rc = px_query_cases(&q, &f, &res);
    return px_cli_answer(&l, rc, res, form, &view, lang);
}
