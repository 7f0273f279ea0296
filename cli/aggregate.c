/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aggregate.c — `praxis aggregate INDICATOR --period P`: the network's (or
 * each country's, centre's, service's) mean of the comparable results,
 * n-weighted and unweighted, with the members counted; --publish signs them
 * as aggregate records (the secretariat only).
 */
#include "cli.h"

#include "admin.h"
#include "error.h"
#include "jsonmp.h"
#include "query.h"
#include "records.h"
#include "tabular.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: praxis aggregate INDICATOR --period P [--by network|country|centre|service]\n"
    "                        [--publish] [--lang L] [--json | --csv]\n\n"
    "Averages the comparable results of 'praxis compare INDICATOR --period P'\n"
    "(converted onto INDICATOR's scale) for the whole network or per group:\n"
    "n-weighted (sum of n*value / sum of n, over results that give n) and\n"
    "unweighted (the plain mean), each also rescaled to 0-100, with the members\n"
    "(publishing nodes), results and observations counted.\n"
    "  --period P  2018, 2018-Q1 or 2018-03 (required)\n"
    "  --by X      network (default), country, centre or service\n"
    "  --publish   sign each mean as an aggregate record of this node's feed\n"
    "              (the secretariat only; for now the network's root) and print\n"
    "              the new entry ids\n"
    "  --json      as JSON;  --csv  as CSV (one line per group and weighting)\n";

static const char *const csv_cols[] = {"group",    "weighting",   "value", "value_100",
                                       "members",  "results",     "n",     "without_n",
                                       "excluded", "illustrative"};

static void print_text(const json_t *res, const char *lang)
{
    (void)lang; /* codes and figures: nothing here is translated */
    size_t i;
    const json_t *g;
    char b1[32], b2[32];
    px_cli_print_indicator(json_object_get(res, "indicator"));
    printf("  period %s, by %s; means of the comparable results on the indicator's scale\n",
           px_json_str(res, "period", ""), px_json_str(res, "by", ""));
    if (json_array_size(json_object_get(res, "groups")) == 0)
        printf("\nno results are held for this period\n");
    json_array_foreach(json_object_get(res, "groups"), i, g)
    {
        printf("\n");
        px_text_put(stdout, px_json_str(g, "group", ""), false);
        printf(": %lld member%s, %lld result%s, n %lld",
               (long long)json_integer_value(json_object_get(g, "members")),
               json_integer_value(json_object_get(g, "members")) == 1 ? "" : "s",
               (long long)json_integer_value(json_object_get(g, "results")),
               json_integer_value(json_object_get(g, "results")) == 1 ? "" : "s",
               (long long)json_integer_value(json_object_get(g, "n")));
        if (json_is_true(json_object_get(g, "illustrative")))
            printf("  [illustrative inputs]");
        printf("\n");
        static const char *const w[] = {"n_weighted", "unweighted"};
        static const char *const label[] = {"n-weighted mean", "unweighted mean"};
        for (int k = 0; k < 2; k++) {
            const json_t *m = json_object_get(g, w[k]);
            if (!json_is_object(m)) {
                printf("  %-16s —  (no result gives n)\n", label[k]);
                continue;
            }
            printf("  %-16s %s  (0-100: %s)\n", label[k],
                   px_num_fixed(b1, json_number_value(json_object_get(m, "value")), 3),
                   px_num_fixed(b2, json_number_value(json_object_get(m, "value_100")), 1));
        }
        long long without = (long long)json_integer_value(json_object_get(g, "without_n"));
        long long excluded = (long long)json_integer_value(json_object_get(g, "excluded"));
        if (without)
            printf("  %lld result%s without n count%s only in the unweighted mean\n", without,
                   without == 1 ? "" : "s", without == 1 ? "s" : "");
        if (excluded)
            printf("  %lld result%s left out as not comparable (see 'praxis compare')\n", excluded,
                   excluded == 1 ? "" : "s");
    }
}

/* One line per group and weighting, for --csv. */
static json_t *flatten(const json_t *res)
{
    json_t *rows = json_array();
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(res, "groups"), i, g)
    {
        static const char *const w[] = {"n_weighted", "unweighted"};
        static const char *const name[] = {"n-weighted", "unweighted"};
        for (int k = 0; k < 2; k++) {
            const json_t *m = json_object_get(g, w[k]);
            json_t *r = json_deep_copy(g);
            json_object_del(r, "n_weighted");
            json_object_del(r, "unweighted");
            json_object_del(r, "result_ids");
            json_object_set_new(r, "weighting", json_string(name[k]));
            json_object_set(r, "value", m ? json_object_get(m, "value") : json_null());
            json_object_set(r, "value_100", m ? json_object_get(m, "value_100") : json_null());
            json_array_append_new(rows, r);
        }
    }
    return rows;
}

/* The aggregate records of res, msgpack-encoded back to back. */
static int build_records(const json_t *res, px_by by, px_buf *out, size_t **ends, size_t *n)
{
    const json_t *ind = json_object_get(res, "indicator");
    size_t i;
    const json_t *g;
    int rc = PX_OK;
    *n = 0;
    json_array_foreach(json_object_get(res, "groups"), i, g)
    {
        static const char *const w[] = {"n_weighted", "unweighted"};
        static const char *const name[] = {"n-weighted", "unweighted"};
        if (json_integer_value(json_object_get(g, "members")) < 1)
            continue;
        for (int k = 0; !rc && k < 2; k++) {
            const json_t *m = json_object_get(g, w[k]);
            if (!json_is_object(m))
                continue;
            json_t *r = json_object();
            json_object_set(r, "indicator", json_object_get(ind, "code"));
            json_object_set(r, "indicator_version", json_object_get(ind, "version"));
            json_object_set(r, "period", json_object_get(res, "period"));
            json_object_set_new(r, "by", json_string(px_by_name(by)));
            const char *group = by == PX_BY_COUNTRY   ? px_json_str(g, "country", NULL)
                                : by == PX_BY_CENTRE  ? px_json_str(g, "centre", NULL)
                                : by == PX_BY_SERVICE ? px_json_str(g, "service", NULL)
                                                      : NULL;
            if (group)
                json_object_set_new(r, "group", json_string(group));
            json_object_set_new(r, "weighting", json_string(name[k]));
            json_object_set(r, "value", json_object_get(m, "value"));
            json_object_set(r, "members", json_object_get(g, "members"));
            json_object_set(r, "n", json_object_get(g, "n"));
            json_object_set_new(r, "basis", json_string("scale"));
            const json_t *ids = json_object_get(g, "result_ids");
            if (json_array_size(ids) <= PX_RECORD_MAX_ITEMS)
                json_object_set(r, "results", (json_t *)ids);
            json_object_set(r, "illustrative", json_object_get(g, "illustrative"));
            size_t start = out->len;
            rc = px_json_to_msgpack(r, out);
            json_decref(r);
            if (!rc)
                rc = px_record_validate("aggregate", out->data + start, out->len - start);
            if (rc)
                return px_err_set(rc, "aggregate for %s: %s", px_json_str(g, "group", "?"),
                                  px_err_message(rc));
            size_t *e = realloc(*ends, (*n + 1) * sizeof *e);
            if (!e)
                return PX_ENOMEM;
            *ends = e;
            e[(*n)++] = out->len;
        }
    }
    return rc;
}

static int publish(px_local *l, const json_t *res, px_by by)
{
    px_buf bytes = {0};
    size_t *ends = NULL, n = 0;
    const uint8_t **bodies = NULL;
    size_t *lens = NULL;
    uint8_t(*ids)[32] = NULL;
    if (!px_cli_is_secretariat(l, l->me.pk))
        return px_err_set(PX_EPERM, "only the secretariat publishes aggregates (for now the "
                                    "network's root); this node can show them without --publish");
    int rc = build_records(res, by, &bytes, &ends, &n);
    if (!rc && n == 0)
        rc = px_err_set(PX_ENOENT, "there are no comparable results to aggregate for this period");
    if (!rc) {
        ids = calloc(n, sizeof *ids);
        bodies = calloc(n, sizeof *bodies);
        lens = calloc(n, sizeof *lens);
        rc = ids && bodies && lens ? PX_OK : PX_ENOMEM;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        size_t start = i ? ends[i - 1] : 0;
        bodies[i] = bytes.data + start;
        lens[i] = ends[i] - start;
    }
    if (!rc) /* build_records validated every body */
        rc = px_local_append(l, "aggregate", bodies, lens, n, PX_APPEND_NOTIFY, ids, NULL);
    if (!rc) {
        char hex[PX_ID_HEX];
        for (size_t i = 0; i < n; i++)
            puts(px_id_hex(hex, ids[i]));
        fprintf(stderr, "signed %zu aggregate entr%s for %s, period %s\n", n, n == 1 ? "y" : "ies",
                px_json_str(json_object_get(res, "indicator"), "code", "?"),
                px_json_str(res, "period", "?"));
    }
    free(bodies);
    free(lens);
    free(ids);
    free(ends);
    px_buf_free(&bytes);
    return rc;
}

int px_cmd_aggregate(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"period", required_argument, NULL, 'p'}, {"by", required_argument, NULL, 'b'},
        {"publish", no_argument, NULL, 'P'},      {"lang", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},         {"csv", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},         {0}};
    const char *period = NULL, *lang = NULL;
    px_by by = PX_BY_NETWORK;
    px_cli_form form = PX_FORM_TEXT;
    bool first = true, pub = false;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'p':
            period = optarg;
            break;
        case 'b':
            if (px_by_parse(optarg, &by) != PX_OK)
                return px_cli_usage_error(usage, "--by takes network, country, centre or service");
            break;
        case 'P':
            pub = true;
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
        return px_cli_usage_error(usage, "aggregate needs one INDICATOR code");
    if (!period)
        return px_cli_usage_error(usage, "aggregate needs --period P (e.g. --period 2018)");
    if (pub && form != PX_FORM_TEXT)
        return px_cli_usage_error(usage, "--publish prints the ids of the entries it signs; it "
                                         "excludes --json and --csv");
    static const px_cli_view view = {NULL, flatten, csv_cols, sizeof csv_cols / sizeof csv_cols[0],
                                     print_text};
    px_local l;
    px_query q;
    json_t *res = NULL;
    /* Only --publish signs: the other forms need no secret key. */
    if (pub ? px_cli_open(cli, &l) : px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    px_cli_query(&l, lang, &q);
    int rc = px_query_aggregate(&q, argv[optind], period, by, &res);
    if (!rc && pub) {
        rc = publish(&l, res, by);
        json_decref(res);
        px_local_close(&l);
        return rc ? px_cli_fail(rc) : PX_EXIT_OK;
    }
    return px_cli_answer(&l, rc, res, form, &view, lang);
}
