/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index.c — the records index and the queries over it (index.c,
 * query.c, export.c, report.c, tabular.c) against real SQLite stores:
 * rescaling and crosswalks (4.66 on 1-5 is 91.5, 8.7 on 0-10 is 87.0),
 * what is and is not comparable, missing values never shown as zero,
 * n-weighted and unweighted aggregates, trend breaks, full-text search in
 * Latin, Cyrillic and Georgian script (and hostile search text),
 * supersession and retraction (only the author's count), schema flags,
 * rebuilding, indexing on the ingest path and on a second connection, CSV
 * quoting, the SDMX-CSV header and HTML escaping in the report.
 *
 * Records are written as JSON with single quotes (ts_sq() makes them double)
 * and appended with px_feed_append, with the index hooks that
 * px_local_open installs. Several identities append to one store, which is
 * what the store holds after replication.
 */
#include "check.h"
#include "support.h"
#include "crypto.h"
#include "error.h"
#include "export.h"
#include "feed.h"
#include "index.h"
#include "jsonmp.h"
#include "query.h"
#include "records.h"
#include "report.h"
#include "tabular.h"
#include "util.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity root, centre, other;
static uint8_t net[32];
static uint64_t clock_ms = 1700000000000ull;

/* ---- helpers ---------------------------------------------------------------- */

static px_store *open_store(const char *name)
{
    return ts_open_store(name, true);
}

static px_feed_ctx ctx_for(px_store *s)
{
    return ts_feed_ctx(s, net, true);
}

/* Append one record (single-quoted JSON) as who; OUT id (may be NULL). */
static void pub_tx(const px_feed_ctx *fc, const px_identity *who, const char *kind,
                   const char *json, char id[65], bool own_tx)
{
    char *text = ts_sq(json);
    json_t *j = NULL;
    px_buf b = {0};
    px_entry e;
    CHECK_RC(px_json_parse(text, strlen(text), "test", &j), PX_OK);
    if (!j) {
        free(text);
        return;
    }
    CHECK_RC(px_json_to_msgpack(j, &b), PX_OK);
    if (own_tx)
        CHECK_RC(px_store_begin(fc->store), PX_OK);
    CHECK_RC(px_feed_append(fc, who, kind, b.data, b.len, clock_ms++, &e), PX_OK);
    if (own_tx)
        CHECK_RC(px_store_commit(fc->store), PX_OK);
    if (id)
        px_id_hex(id, e.id);
    json_decref(j);
    px_buf_free(&b);
    free(text);
}

static void pub(const px_feed_ctx *fc, const px_identity *who, const char *kind, const char *json,
                char id[65])
{
    pub_tx(fc, who, kind, json, id, true);
}

static bool is_root(void *ctx, const uint8_t key[32])
{
    (void)ctx;
    return memcmp(key, root.pk, 32) == 0;
}

static px_query query_for(px_store *s, const char *lang)
{
    px_query q = {.store = s, .lang = lang, .is_secretariat = is_root};
    return q;
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The compare row of a group (and indicator, when given). */
static const json_t *row_of(const json_t *res, const char *group, const char *indicator)
{
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(res, "rows"), i, r)
    {
        if (strcmp(px_json_str(r, "group", ""), group) == 0 &&
            (!indicator || strcmp(px_json_str(r, "indicator", ""), indicator) == 0))
            return r;
    }
    return NULL;
}

/* The demo's Kazakhstan indicators and results, and the secretariat's
 * crosswalks, plus results that must not count. */
static void load_benchmarks(const px_feed_ctx *fc, char retract_me[65])
{
    pub(fc, &centre, "indicator",
        "{'code': 'KZ-SAT-OVERALL', 'version': 1, 'name': {'en': 'Satisfaction', 'ru': "
        "'Удовлетворённость'}, 'measure_type': 'mean score', 'scale': {'min': 1, 'max': 5}, "
        "'unit': 'points'}",
        NULL);
    pub(fc, &centre, "indicator",
        "{'code': 'KZ-SAT-OVERALL-10', 'version': 1, 'name': {'en': 'Satisfaction (0-10)'}, "
        "'measure_type': 'mean score', 'scale': {'min': 0, 'max': 10}}",
        NULL);
    pub(fc, &other, "indicator",
        "{'code': 'CA-DEMO', 'version': 1, 'name': {'en': 'Score'}, 'measure_type': 'mean "
        "score', 'scale': {'min': 0, 'max': 100}, 'illustrative': true}",
        NULL);
    pub(fc, &other, "indicator",
        "{'code': 'XX-ROGUE', 'version': 1, 'name': {'en': 'Rogue'}, 'measure_type': 'mean "
        "score', 'scale': {'min': 0, 'max': 10}}",
        NULL);
    /* the secretariat's crosswalks, and one by somebody else */
    pub(fc, &root, "crosswalk",
        "{'from': 'KZ-SAT-OVERALL-10', 'to': 'KZ-SAT-OVERALL', 'conversion': {'type': "
        "'endpoints'}, 'grade': 'close'}",
        NULL);
    pub(fc, &root, "crosswalk",
        "{'from': 'CA-DEMO', 'to': 'KZ-SAT-OVERALL', 'conversion': {'type': 'linear', 'a': "
        "0.04, 'b': 1}, 'grade': 'broad', 'illustrative': true}",
        NULL);
    pub(fc, &other, "crosswalk",
        "{'from': 'XX-ROGUE', 'to': 'KZ-SAT-OVERALL', 'conversion': {'type': 'endpoints'}, "
        "'grade': 'exact'}",
        NULL);
    pub(fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL-10', 'country': 'KZ', 'period': '2014', 'value': 8.7, "
        "'n': 8923, 'method': 'questionnaire'}",
        NULL);
    pub(fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'KZ', 'period': '2017', 'value': 4.57, 'n': "
        "9517, 'method': 'questionnaire'}",
        NULL);
    pub(fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'KZ', 'period': '2018', 'value': 4.66, 'n': "
        "10000, 'method': 'questionnaire', 'ci_low': 4.6, 'ci_high': 4.7}",
        NULL);
    /* a narrower KZ result: not compared beside the country-level one */
    pub(fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'KZ', 'service': 'passport', 'period': "
        "'2018', 'value': 3.0, 'n': 50}",
        NULL);
    pub(fc, &other, "benchmark",
        "{'indicator': 'CA-DEMO', 'country': 'CA', 'centre': 'ICCS', 'period': '2018', "
        "'value': 75, 'n': 1000, 'illustrative': true}",
        NULL);
    pub(fc, &other, "benchmark",
        "{'indicator': 'XX-ROGUE', 'country': 'FR', 'period': '2018', 'value': 9}", NULL);
    /* outside the scale: a peer's node did not check it */
    pub(fc, &other, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'BY', 'period': '2018', 'value': 7}", NULL);
    pub(fc, &other, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'DE', 'period': '2018', 'value': 4, "
        "'status': 'definition differs'}",
        NULL);
    /* Armenia reports 2017 only: missing in 2018, never 0 */
    pub(fc, &other, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'AM', 'period': '2017', 'value': 4.1}", NULL);
    /* retracted later: must vanish */
    pub(fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'UZ', 'period': '2018', 'value': 2.5}",
        retract_me);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_rescale_and_crosswalks(void)
{
    char b[32];
    CHECK(near(px_rescale_100(4.66, 1, 5), 91.5));
    CHECK(near(px_rescale_100(8.7, 0, 10), 87.0));
    CHECK_STR(px_num_fixed(b, px_rescale_100(4.66, 1, 5), 1), "91.5");
    CHECK_STR(px_num_fixed(b, px_rescale_100(8.7, 0, 10), 1), "87.0");
    CHECK(isnan(px_rescale_100(3, 5, 5)));
    px_crosswalk ep = {.conversion = PX_CONV_ENDPOINTS};
    px_indicator ten = {.scale_min = 0, .scale_max = 10, .higher_is_better = true};
    px_indicator five = {.scale_min = 1, .scale_max = 5, .higher_is_better = true};
    CHECK(near(px_crosswalk_apply(&ep, 8.7, &ten, &five), 4.48));
    px_crosswalk lin = {.conversion = PX_CONV_LINEAR, .a = 0.04, .b = 1};
    CHECK(near(px_crosswalk_apply(&lin, 75, NULL, NULL), 4.0));
    CHECK_STR(px_num_format(b, 4.66), "4.66");
    CHECK_STR(px_num_format(b, 10000), "10000");
    CHECK_STR(px_num_format(b, 0.04), "0.04");
    px_period p1, p2, p3;
    CHECK_RC(px_period_parse("2018", 4, &p1), PX_OK);
    CHECK_RC(px_period_parse("2018-Q1", 7, &p2), PX_OK);
    CHECK_RC(px_period_parse("2018-02", 7, &p3), PX_OK);
    /* the stored key orders periods as px_period_cmp does */
    CHECK(px_index_period_key(&p1) < px_index_period_key(&p2));
    CHECK(px_index_period_key(&p2) < px_index_period_key(&p3));
    CHECK((px_period_cmp(&p2, &p3) < 0) == (px_index_period_key(&p2) < px_index_period_key(&p3)));
}

static void test_compare(void)
{
    px_store *s = open_store("compare.db");
    px_feed_ctx fc = ctx_for(s);
    char retract_me[65], rid[65];
    load_benchmarks(&fc, retract_me);
    px_query q = query_for(s, "ru");
    json_t *res = NULL;

    /* 2014: 8.7 on 0-10 is 87.0, through the secretariat's crosswalk */
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2014", PX_BY_COUNTRY, &res), PX_OK);
    const json_t *kz = row_of(res, "KZ", NULL);
    CHECK(kz && json_is_true(json_object_get(kz, "comparable")));
    CHECK(near(num(kz, "value"), 8.7));
    CHECK(near(num(kz, "value_100"), 87.0));
    CHECK(near(num(kz, "converted"), 4.48));
    CHECK(near(num(kz, "converted_100"), 87.0));
    CHECK_STR(px_json_str(kz, "grade", ""), "close");
    CHECK_STR(px_json_str(json_object_get(res, "indicator"), "name", ""), "Удовлетворённость");
    json_decref(res);

    /* the latest period by default */
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", NULL, PX_BY_COUNTRY, &res), PX_OK);
    CHECK_STR(px_json_str(res, "period", ""), "2018");
    kz = row_of(res, "KZ", NULL);
    CHECK(kz && near(num(kz, "value_100"), 91.5) && near(num(kz, "converted_100"), 91.5));
    CHECK(kz && near(num(kz, "n"), 10000) && near(num(kz, "ci_low"), 4.6));
    CHECK(kz && strlen(px_json_str(kz, "author", "")) == 64);
    CHECK(row_of(res, "KZ", NULL) == json_array_get(json_object_get(res, "rows"), 0));
    /* the passport-only result is narrower than the country's: left out */
    size_t i, kz_rows = 0;
    const json_t *r;
    json_array_foreach(json_object_get(res, "rows"), i, r) kz_rows +=
        strcmp(px_json_str(r, "group", ""), "KZ") == 0;
    CHECK(kz_rows == 1);
    const json_t *ca = row_of(res, "CA", NULL);
    CHECK(ca && json_is_true(json_object_get(ca, "comparable")));
    CHECK(ca && near(num(ca, "value_100"), 75.0) && near(num(ca, "converted"), 4.0));
    CHECK(ca && json_is_true(json_object_get(ca, "illustrative")));
    /* not comparable, each saying why */
    const json_t *fr = row_of(res, "FR", NULL);
    CHECK(fr && json_is_false(json_object_get(fr, "comparable")));
    CHECK(fr && strstr(px_json_str(fr, "note", ""), "not by the secretariat"));
    CHECK(fr && json_is_null(json_object_get(fr, "converted")));
    const json_t *by = row_of(res, "BY", NULL);
    CHECK(by && json_is_false(json_object_get(by, "comparable")));
    CHECK(by && strstr(px_json_str(by, "note", ""), "outside the scale"));
    CHECK(by && json_is_null(json_object_get(by, "value_100")));
    const json_t *de = row_of(res, "DE", NULL);
    CHECK(de && json_is_false(json_object_get(de, "comparable")));
    CHECK(de && strstr(px_json_str(de, "note", ""), "definition differs"));
    /* missing: null, never 0, with the latest period it has */
    const json_t *am = row_of(res, "AM", NULL);
    CHECK(am && json_is_true(json_object_get(am, "missing")));
    CHECK(am && json_is_null(json_object_get(am, "value")));
    CHECK(am && json_is_null(json_object_get(am, "value_100")));
    CHECK(am && json_is_null(json_object_get(am, "converted_100")));
    CHECK(am && strcmp(px_json_str(am, "latest_period", ""), "2017") == 0);
    CHECK(row_of(res, "UZ", NULL) != NULL); /* not retracted yet */
    json_decref(res);

    /* without a secretariat nothing crosswalked is comparable */
    px_query q2 = query_for(s, NULL);
    q2.is_secretariat = NULL;
    CHECK_RC(px_query_compare(&q2, "KZ-SAT-OVERALL", "2018", PX_BY_COUNTRY, &res), PX_OK);
    ca = row_of(res, "CA", NULL);
    CHECK(ca && json_is_false(json_object_get(ca, "comparable")));
    json_decref(res);

    /* --by centre and --by service */
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018", PX_BY_CENTRE, &res), PX_OK);
    CHECK(row_of(res, "CA · ICCS", NULL) != NULL);
    CHECK(row_of(res, "KZ", NULL) == NULL);
    json_decref(res);
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018", PX_BY_SERVICE, &res), PX_OK);
    const json_t *pp = row_of(res, "KZ · passport", NULL);
    CHECK(pp && near(num(pp, "value_100"), 50.0));
    json_decref(res);

    /* retraction: only the author's counts */
    uint8_t target[32];
    CHECK_RC(px_hex_decode(target, 32, retract_me), PX_OK);
    char body[200];
    snprintf(body, sizeof body, "{'target': '%s'}", retract_me);
    pub(&fc, &other, "retract", body, NULL);
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018", PX_BY_COUNTRY, &res), PX_OK);
    CHECK(row_of(res, "UZ", NULL) != NULL);
    json_decref(res);
    pub(&fc, &centre, "retract", body, rid);
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018", PX_BY_COUNTRY, &res), PX_OK);
    CHECK(row_of(res, "UZ", NULL) == NULL);
    json_decref(res);
    px_index_info info;
    CHECK_RC(px_index_info_get(s, target, &info), PX_OK);
    CHECK(info.retracted);
    CHECK_STR(info.kind, "benchmark");

    /* errors */
    CHECK_RC(px_query_compare(&q, "NOT-HELD", NULL, PX_BY_COUNTRY, &res), PX_ENOENT);
    CHECK(strstr(px_err_detail(), "NOT-HELD") != NULL);
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018-Q5", PX_BY_COUNTRY, &res), PX_EINVAL);
    CHECK_RC(px_query_compare(&q, "bad code!", NULL, PX_BY_COUNTRY, &res), PX_EINVAL);
    px_store_close(s);
}

static void test_aggregate_and_trend(void)
{
    px_store *s = open_store("aggregate.db");
    px_feed_ctx fc = ctx_for(s);
    char retract_me[65];
    load_benchmarks(&fc, retract_me);
    char body[200];
    snprintf(body, sizeof body, "{'target': '%s'}", retract_me);
    pub(&fc, &centre, "retract", body, NULL);
    px_query q = query_for(s, NULL);
    json_t *res = NULL;

    CHECK_RC(px_query_aggregate(&q, "KZ-SAT-OVERALL", "2018", PX_BY_NETWORK, &res), PX_OK);
    const json_t *g = json_array_get(json_object_get(res, "groups"), 0);
    CHECK(json_array_size(json_object_get(res, "groups")) == 1);
    CHECK_STR(px_json_str(g, "group", ""), "network");
    /* comparable: KZ 4.66 (n 10000, centre) and CA 75 -> 4.0 (n 1000, other) */
    CHECK(num(g, "results") == 2 && num(g, "members") == 2 && num(g, "n") == 11000);
    CHECK(num(g, "excluded") == 3); /* FR, BY, DE */
    const json_t *w = json_object_get(g, "n_weighted"), *u = json_object_get(g, "unweighted");
    CHECK(near(num(w, "value"), (10000 * 4.66 + 1000 * 4.0) / 11000));
    CHECK(near(num(u, "value"), (4.66 + 4.0) / 2));
    CHECK(near(num(u, "value_100"), px_rescale_100((4.66 + 4.0) / 2, 1, 5)));
    CHECK(json_is_true(json_object_get(g, "illustrative")));
    CHECK(json_array_size(json_object_get(g, "result_ids")) == 2);
    json_decref(res);

    CHECK_RC(px_query_aggregate(&q, "KZ-SAT-OVERALL", "2018", PX_BY_COUNTRY, &res), PX_OK);
    CHECK(json_array_size(json_object_get(res, "groups")) >= 2);
    json_decref(res);
    CHECK_RC(px_query_aggregate(&q, "KZ-SAT-OVERALL", NULL, PX_BY_NETWORK, &res), PX_EINVAL);

    /* a series by period, with breaks marked */
    pub(&fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'KZ', 'period': '2019', 'value': 4.7, "
        "'status': 'break', 'method': 'questionnaire'}",
        NULL);
    CHECK_RC(px_query_trend(&q, "KZ-SAT-OVERALL", "KZ", &res), PX_OK);
    const json_t *series = json_object_get(res, "series");
    CHECK(json_array_size(series) == 1);
    const json_t *pts = json_object_get(json_array_get(series, 0), "points");
    CHECK(json_array_size(pts) == 4);
    const char *want_period[] = {"2014", "2017", "2018", "2019"};
    const bool want_break[] = {false, true, false, true};
    for (size_t i = 0; i < 4 && i < json_array_size(pts); i++) {
        const json_t *p = json_array_get(pts, i);
        CHECK_STR(px_json_str(p, "period", ""), want_period[i]);
        CHECK(json_is_true(json_object_get(p, "break")) == want_break[i]);
    }
    CHECK(strstr(px_json_str(json_array_get(pts, 1), "break_reason", ""), "indicator changed"));
    CHECK(strstr(px_json_str(json_array_get(pts, 3), "break_reason", ""), "status: break"));
    CHECK(near(num(json_array_get(pts, 0), "converted_100"), 87.0));
    CHECK(near(num(json_array_get(pts, 2), "converted_100"), 91.5));
    json_decref(res);
    CHECK_RC(px_query_trend(&q, "KZ-SAT-OVERALL", NULL, &res), PX_OK);
    CHECK(json_array_size(json_object_get(res, "series")) >= 5);
    json_decref(res);
    px_store_close(s);
}

static size_t search_count(px_query *q, const char *text, const char *country, json_t **keep)
{
    px_case_filter f = {.search = text, .country = country};
    json_t *res = NULL;
    CHECK_RC(px_query_cases(q, &f, &res), PX_OK);
    size_t n = res ? (size_t)json_integer_value(json_object_get(res, "total")) : 0;
    if (keep)
        *keep = res;
    else
        json_decref(res);
    return n;
}

static void test_fulltext_scripts(void)
{
    px_store *s = open_store("fts.db");
    px_feed_ctx fc = ctx_for(s);
    pub(&fc, &centre, "case",
        "{'title': {'en': 'Cutting waiting times in a service hall', 'ru': 'Сокращение времени "
        "ожидания в очереди'}, 'summary': {'en': 'An electronic queue.', 'ru': 'Электронная "
        "очередь.'}, 'country': 'GE', 'stage': 'implemented', 'tags': ['Queue management']}",
        NULL);
    pub(&fc, &centre, "case",
        "{'title': {'ka': 'რიგში ლოდინის დროის შემცირება', 'kk': 'Кезекте күту уақытын "
        "қысқарту'}, 'summary': {'ka': 'ელექტრონული რიგი.', 'kk': 'Электрондық кезек.'}, "
        "'country': 'KZ', 'stage': 'pilot'}",
        NULL);
    pub(&fc, &centre, "case",
        "{'title': {'az-Latn': 'Vahid pəncərə xidməti', 'fr': 'Guichet unique: un résumé'}, "
        "'summary': {'fr': 'Une expérience réussie.'}, 'country': 'AZ', 'stage': 'scaled', "
        "'centre': 'ASAN xidmət'}",
        NULL);
    px_query q = query_for(s, "ru");
    json_t *res = NULL;

    CHECK(search_count(&q, "waiting", NULL, NULL) == 1);
    CHECK(search_count(&q, "wait*", NULL, NULL) == 1);   /* a prefix */
    CHECK(search_count(&q, "WAITING", NULL, NULL) == 1); /* Latin case folding */
    CHECK(search_count(&q, "ОЧЕРЕДИ", NULL, NULL) == 1); /* Cyrillic case folding */
    CHECK(search_count(&q, "ожидания очереди", NULL, NULL) == 1);
    CHECK(search_count(&q, "очеред*", NULL, NULL) == 1); /* prefix */
    CHECK(search_count(&q, "ლოდინის", NULL, NULL) == 1); /* Georgian */
    CHECK(search_count(&q, "күту", NULL, NULL) == 1);    /* Kazakh */
    CHECK(search_count(&q, "resume", NULL, NULL) == 1);  /* diacritics removed */
    CHECK(search_count(&q, "reussie", NULL, NULL) == 1);
    CHECK(search_count(&q, "pəncərə", NULL, NULL) == 1); /* Azerbaijani Latin */
    CHECK(search_count(&q, "queue", "GE", NULL) == 1);
    CHECK(search_count(&q, "queue", "KZ", NULL) == 0);
    CHECK(search_count(&q, "ASAN", NULL, NULL) == 1);            /* centre is searchable */
    CHECK(search_count(&q, "waiting ლოდინის", NULL, NULL) == 0); /* every word required */
    /* hostile search text is taken literally, never an FTS5 syntax error */
    const char *hostile[] = {
        "\"",      "NEAR(", "a OR",       "*",    "\"unbalanced",
        "title:x", "^x",    "AND OR NOT", "x\"y", "'; DROP TABLE rec_cases; --",
        "-x",      "(a"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        search_count(&q, hostile[i], NULL, NULL);
    px_case_filter empty = {.search = "   "};
    CHECK_RC(px_query_cases(&q, &empty, &res), PX_EINVAL);

    /* the reader's language: title in Russian, snippet from the matching row */
    CHECK(search_count(&q, "waiting", NULL, &res) == 1);
    const json_t *c = json_array_get(json_object_get(res, "cases"), 0);
    CHECK_STR(px_json_str(c, "title", ""), "Сокращение времени ожидания в очереди");
    CHECK_STR(px_json_str(c, "title_lang", ""), "ru");
    CHECK(strstr(px_json_str(c, "snippet", ""), "[waiting]") != NULL);
    CHECK_STR(px_json_str(c, "snippet_lang", ""), "en");
    json_decref(res);
    /* a language the case lacks falls back (kk -> en, then ru, then the first) */
    px_query qk = query_for(s, "kk");
    px_case_filter all = {0};
    CHECK_RC(px_query_cases(&qk, &all, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 3);
    size_t i;
    json_array_foreach(json_object_get(res, "cases"), i, c)
    {
        if (strcmp(px_json_str(c, "country", ""), "GE") == 0)
            CHECK_STR(px_json_str(c, "title_lang", ""), "en");
        if (strcmp(px_json_str(c, "country", ""), "KZ") == 0)
            CHECK_STR(px_json_str(c, "title_lang", ""), "kk");
    }
    json_decref(res);
    /* filters without search */
    px_case_filter by_tag = {.tag = "queue MANAGEMENT"};
    CHECK_RC(px_query_cases(&q, &by_tag, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 1);
    json_decref(res);
    px_case_filter by_stage = {.stage = "scaled", .limit = 1};
    CHECK_RC(px_query_cases(&q, &by_stage, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 1);
    json_decref(res);
    px_store_close(s);
}

static void test_versions(void)
{
    px_store *s = open_store("versions.db");
    px_feed_ctx fc = ctx_for(s);
    char a[65], b[65], c[65], body[400];
    px_query q = query_for(s, NULL);
    px_case_filter all = {0};
    json_t *res = NULL;
    pub(&fc, &centre, "case",
        "{'title': {'en': 'Queue v1'}, 'summary': {'en': 's'}, 'country': 'KZ', 'stage': 'pilot'}",
        a);
    snprintf(body, sizeof body,
             "{'title': {'en': 'Queue v2'}, 'summary': {'en': 's'}, 'country': 'KZ', 'stage': "
             "'implemented', 'supersedes': '%s'}",
             a);
    pub(&fc, &centre, "case", body, b);
    CHECK_RC(px_query_cases(&q, &all, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 1);
    const json_t *one = json_array_get(json_object_get(res, "cases"), 0);
    CHECK_STR(px_json_str(one, "title", ""), "Queue v2");
    CHECK(json_integer_value(json_object_get(one, "older_versions")) == 1);
    json_decref(res);
    /* another node cannot supersede or retract it */
    snprintf(body, sizeof body,
             "{'title': {'en': 'Hijack'}, 'summary': {'en': 's'}, 'country': 'KZ', 'stage': "
             "'idea', 'supersedes': '%s'}",
             b);
    pub(&fc, &other, "case", body, c);
    snprintf(body, sizeof body, "{'target': '%s'}", b);
    pub(&fc, &other, "retract", body, NULL);
    CHECK_RC(px_query_cases(&q, &all, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 2); /* v2 and the other's own */
    json_decref(res);
    uint8_t id[32];
    px_index_info info;
    px_hex_decode(id, 32, b);
    CHECK_RC(px_index_info_get(s, id, &info), PX_OK);
    CHECK(info.live && !info.retracted && info.version_no == 2 && info.has_prev && !info.has_next);
    px_hex_decode(id, 32, a);
    CHECK_RC(px_index_info_get(s, id, &info), PX_OK);
    CHECK(!info.live && info.has_next && info.version_no == 1);
    /* the author retracts v2: v1 is current again */
    pub(&fc, &centre, "retract", body, NULL);
    CHECK_RC(px_index_info_get(s, id, &info), PX_OK);
    CHECK(info.live);
    px_case_filter search = {.search = "Queue"};
    CHECK_RC(px_query_cases(&q, &search, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 1);
    CHECK_STR(px_json_str(json_array_get(json_object_get(res, "cases"), 0), "title", ""),
              "Queue v1");
    json_decref(res);

    /* indicator versions: the latest live one defines the scale */
    char i1[65];
    pub(&fc, &centre, "indicator",
        "{'code': 'IND', 'version': 1, 'name': {'en': 'i'}, 'measure_type': 'rate', 'scale': "
        "{'min': 0, 'max': 10}}",
        i1);
    snprintf(body, sizeof body,
             "{'code': 'IND', 'version': 2, 'name': {'en': 'i'}, 'measure_type': 'rate', "
             "'scale': {'min': 0, 'max': 100}, 'supersedes': '%s'}",
             i1);
    pub(&fc, &centre, "indicator", body, NULL);
    px_indicator ind;
    CHECK_RC(px_index_indicator(s, "IND", 0, &ind, NULL), PX_OK);
    int64_t k1, k2;
    CHECK_RC(px_version_number(1, &k1), PX_OK);
    CHECK_RC(px_version_parse("2.0", 3, &k2), PX_OK);
    CHECK(ind.version == k2 && ind.scale_max == 100);
    CHECK_STR(ind.version_text, "2");
    px_indicator_free(&ind);
    CHECK_RC(px_index_indicator(s, "IND", k1, &ind, NULL), PX_OK);
    CHECK(ind.version == k1 && ind.scale_max == 10);
    px_indicator_free(&ind);
    CHECK_RC(px_index_indicator(s, "NONE", 0, &ind, NULL), PX_ENOENT);
    json_t *inds = NULL;
    CHECK_RC(px_query_indicators(&q, &inds), PX_OK);
    CHECK(json_array_size(json_object_get(inds, "indicators")) == 1);
    CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(inds, "indicators"), 0),
                                             "older_versions")) == 1);
    json_decref(inds);
    px_store_close(s);
}

static int count_rows(px_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(px_store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The full-text row of language i of the n-th case (rec_cases rid n), its
 * columns joined as "title|summary|body|extra|lang" (NULL as "-"). */
static void fts_row(px_store *s, int64_t rid, int i, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    snprintf(out, outlen, "(none)");
    if (sqlite3_prepare_v2(px_store_db(s),
                           "SELECT coalesce(title, '-') || '|' || coalesce(summary, '-') || '|' "
                           "|| coalesce(body, '-') || '|' || coalesce(extra, '-') || '|' || "
                           "lang FROM rec_cases_fts WHERE rowid = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, rid * PX_INDEX_FTS_LANGS + i);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
}

/* Each case's full-text rows hold its own text only: the rows' buffers are
 * kept from one case to the next on a connection, and a case with fewer
 * languages or fields than the one before must not see its leftovers. */
static void test_fulltext_rows(void)
{
    px_store *s = open_store("ftsrows.db");
    px_feed_ctx fc = ctx_for(s);
    char row[512];
    pub(&fc, &centre, "case",
        "{'title': {'en': 'Queue', 'ru': 'Очередь'}, 'summary': {'en': 'Short.'}, "
        "'problem': {'ru': 'Долго.'}, 'country': 'GE', 'stage': 'pilot', 'centre': 'Hall 1', "
        "'tags': ['queue', 'hall'], 'channels': ['online']}",
        NULL);
    pub(&fc, &centre, "case",
        "{'title': {'fr': 'Guichet'}, 'summary': {'fr': 'Un.'}, 'country': 'FR', "
        "'stage': 'idea'}",
        NULL);
    pub(&fc, &centre, "case",
        "{'title': {'kk': 'Кезек', 'en': 'Line'}, 'summary': {'en': 'Two.'}, 'country': 'KZ', "
        "'stage': 'scaled', "
        "'tags': ['line']}",
        NULL);
    fts_row(s, 1, 0, row, sizeof row);
    CHECK_STR(row, "Queue|Short.|-|Hall 1\nqueue\nhall\nonline|en");
    fts_row(s, 1, 1, row, sizeof row);
    CHECK_STR(row, "Очередь|-|Долго.|Hall 1\nqueue\nhall\nonline|ru");
    fts_row(s, 2, 0, row, sizeof row);
    CHECK_STR(row, "Guichet|Un.|-|-|fr");
    fts_row(s, 2, 1, row, sizeof row);
    CHECK_STR(row, "(none)");
    fts_row(s, 3, 0, row, sizeof row);
    CHECK_STR(row, "Кезек|-|-|line|kk");
    fts_row(s, 3, 1, row, sizeof row);
    CHECK_STR(row, "Line|Two.|-|line|en");
    px_store_close(s);
}

/* An FTS5 setting of the store's full-text index (-1: none set). */
static int64_t fts_setting(px_store *s, const char *key)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    CHECK(sqlite3_prepare_v2(px_store_db(s), "SELECT v FROM rec_cases_fts_config WHERE k = ?1", -1,
                             &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A bulk load sets FTS5 up for bigger segments merged eight at a time and
 * puts the settings back before the commit; a rollback undoes them; cases
 * indexed meanwhile are found as ever. */
static void test_bulk_load(void)
{
    px_store *s = open_store("bulk.db");
    px_feed_ctx fc = ctx_for(s);
    px_index_bulk b;
    CHECK_RC(px_index_bulk_begin(s, &b), PX_EINVAL); /* no transaction */
    CHECK(!b.on);
    /* opening the new store rebuilt its (empty) index, a bulk load that
     * wrote FTS5's defaults back */
    CHECK(fts_setting(s, "automerge") == 4 && fts_setting(s, "hashsize") == 1024 * 1024);

    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_index_bulk_begin(s, &b), PX_OK);
    CHECK(b.on && b.automerge == 4 && b.hashsize == 1024 * 1024);
    CHECK(fts_setting(s, "automerge") == 16 && fts_setting(s, "hashsize") == 8 * 1024 * 1024);
    px_store_rollback(s);
    CHECK(fts_setting(s, "automerge") == 4 && fts_setting(s, "hashsize") == 1024 * 1024);

    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_index_bulk_begin(s, &b), PX_OK);
    for (int i = 0; i < 300; i++) {
        char rec[200];
        snprintf(rec, sizeof rec,
                 "{'title': {'en': 'Bulk %d'}, 'summary': {'en': '%s'}, 'country': 'KZ', "
                 "'stage': 'pilot'}",
                 i, i % 3 ? "queue" : "kiosk");
        pub_tx(&fc, &centre, "case", rec, NULL, false); /* in this transaction */
    }
    CHECK_RC(px_index_bulk_end(s, &b), PX_OK);
    CHECK(!b.on);
    CHECK_RC(px_index_bulk_end(s, &b), PX_OK); /* once only */
    CHECK_RC(px_store_commit(s), PX_OK);
    CHECK(fts_setting(s, "automerge") == 4 && fts_setting(s, "hashsize") == 1024 * 1024);
    px_query q = {.store = s, .lang = "en"};
    json_t *res = NULL;
    CHECK_RC(px_query_cases(&q, &(px_case_filter){.search = "kiosk", .limit = 5}, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 100);
    json_decref(res);

    /* settings of the store's own are kept */
    CHECK(sqlite3_exec(px_store_db(s),
                       "INSERT INTO rec_cases_fts (rec_cases_fts, rank) VALUES ('automerge', 2);"
                       "INSERT INTO rec_cases_fts (rec_cases_fts, rank) VALUES ('hashsize', "
                       "16777216)",
                       NULL, NULL, NULL) == SQLITE_OK);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_index_bulk_begin(s, &b), PX_OK);
    CHECK(fts_setting(s, "automerge") == 16 && fts_setting(s, "hashsize") == 16777216);
    CHECK_RC(px_index_bulk_end(s, &b), PX_OK);
    CHECK_RC(px_store_commit(s), PX_OK);
    CHECK(fts_setting(s, "automerge") == 2 && fts_setting(s, "hashsize") == 16777216);
    px_store_close(s);
}

/* How many cases a search for "kept" finds on s. */
static int64_t kept_found(px_store *s)
{
    px_query q = {.store = s, .lang = "en"};
    json_t *res = NULL;
    int64_t n = -1;
    if (px_query_cases(&q, &(px_case_filter){.search = "kept", .limit = 5}, &res) == PX_OK)
        n = json_integer_value(json_object_get(res, "total"));
    json_decref(res);
    return n;
}

static void test_flags_and_rebuild(void)
{
    px_store *s = open_store("rebuild.db");
    px_feed_ctx fc = ctx_for(s);
    char retract_me[65];
    load_benchmarks(&fc, retract_me);
    pub(&fc, &centre, "case", "{'title': {'en': 'no summary'}, 'country': 'KZ', 'stage': 'idea'}",
        NULL);
    pub(&fc, &centre, "case",
        "{'title': {'en': 'Kept'}, 'summary': {'en': 's'}, 'country': 'KZ', 'stage': 'idea'}",
        NULL);
    pub(&fc, &centre, "address", "{'addresses': ['127.0.0.1:1']}", NULL);
    CHECK(count_rows(s, "SELECT count(*) FROM entries WHERE flags & 1") == 1);
    CHECK(count_rows(s, "SELECT count(*) FROM rec_cases") == 1);
    int benchmarks = count_rows(s, "SELECT count(*) FROM rec_benchmarks");
    int fts = count_rows(s, "SELECT count(*) FROM rec_cases_fts");
    CHECK(benchmarks == 10);

    /* the full-text table is made again by the rebuild: its settings are
     * kept, and another connection (a daemon's) reads the new one */
    CHECK(sqlite3_exec(px_store_db(s),
                       "INSERT INTO rec_cases_fts (rec_cases_fts, rank) VALUES ('automerge', 2)",
                       NULL, NULL, NULL) == SQLITE_OK);
    px_store *daemon = open_store("rebuild.db");
    CHECK(kept_found(daemon) == 1);

    px_index_stats st;
    CHECK_RC(px_index_rebuild(s, &st), PX_OK);
    CHECK(st.invalid == 1 && st.reflagged == 0);
    CHECK(count_rows(s, "SELECT count(*) FROM rec_benchmarks") == benchmarks);
    CHECK(count_rows(s, "SELECT count(*) FROM rec_cases_fts") == fts);
    /* a rebuild is a bulk load, and puts FTS5's settings back at its end */
    CHECK(fts_setting(s, "automerge") == 2 && fts_setting(s, "hashsize") == 1024 * 1024);
    CHECK(count_rows(s, "SELECT count(*) FROM rec_cases_fts_config WHERE k = 'rank' AND "
                        "v = 'bm25(10.0, 5.0, 1.0, 3.0, 0.0, 0.0)'") == 1);
    CHECK(kept_found(s) == 1 && kept_found(daemon) == 1);
    px_store_close(daemon);

    /* a store whose entries came before the index (and the schema hook):
     * opening rebuilds, and flags bodies that fail their schema */
    CHECK(sqlite3_exec(px_store_db(s),
                       "DELETE FROM meta WHERE key = 'records_index'; DELETE FROM rec_benchmarks;"
                       "UPDATE entries SET flags = 0;",
                       NULL, NULL, NULL) == SQLITE_OK);
    px_store_close(s);
    s = open_store("rebuild.db"); /* px_index_open */
    CHECK(count_rows(s, "SELECT count(*) FROM rec_benchmarks") == benchmarks);
    CHECK(count_rows(s, "SELECT count(*) FROM entries WHERE flags & 1") == 1);
    bool rebuilt = true;
    CHECK_RC(px_index_open(s, &rebuilt), PX_OK);
    CHECK(!rebuilt);

    /* the schema hook itself */
    const uint8_t not_a_map[] = {0x93, 1, 2, 3};
    CHECK(px_index_schema("case", not_a_map, sizeof not_a_map) == PX_ENTRY_FLAG_SCHEMA_INVALID);
    CHECK(px_index_schema("future-kind", not_a_map, sizeof not_a_map) == 0);
    px_store_close(s);
}

/* Entries replicated into another store (as gossip does) are indexed, on
 * a second connection too (as gossip's worker has). */
typedef struct copy {
    px_entry *v;
    uint8_t **bodies;
    size_t n;
} copy;

static int copy_entry(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    copy *c = ctx;
    (void)m;
    c->v = realloc(c->v, (c->n + 1) * sizeof *c->v);
    c->bodies = realloc(c->bodies, (c->n + 1) * sizeof *c->bodies);
    c->v[c->n] = *e;
    c->bodies[c->n] = malloc(e->body_len ? e->body_len : 1);
    memcpy(c->bodies[c->n], e->body, e->body_len);
    c->v[c->n].body = c->bodies[c->n];
    c->n++;
    return PX_OK;
}

static void test_ingest_indexes(void)
{
    px_store *a = open_store("ingest-a.db"), *b = open_store("ingest-b.db");
    px_feed_ctx fa = ctx_for(a);
    char retract_me[65];
    load_benchmarks(&fa, retract_me);
    copy c = {0};
    CHECK_RC(px_store_each(a, NULL, 0, 0, copy_entry, &c), PX_OK);
    /* a second connection to b, like gossip's worker */
    char path[256];
    px_store *b2 = NULL;
    ts_path(path, "ingest-b.db");
    CHECK_RC(px_store_open(path, &b2), PX_OK);
    px_feed_ctx fb2 = ctx_for(b2);
    px_ingest_result res;
    CHECK_RC(px_store_begin(b2), PX_OK);
    CHECK_RC(px_feed_ingest_batch(&fb2, c.v, c.n, clock_ms, &res), PX_OK);
    CHECK_RC(px_store_commit(b2), PX_OK);
    CHECK(res.added == c.n);
    px_query q = query_for(b, NULL);
    json_t *out = NULL;
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018", PX_BY_COUNTRY, &out), PX_OK);
    const json_t *kz = row_of(out, "KZ", NULL);
    CHECK(kz && near(num(kz, "converted_100"), 91.5));
    json_decref(out);
    CHECK(count_rows(b, "SELECT count(*) FROM rec_benchmarks") ==
          count_rows(a, "SELECT count(*) FROM rec_benchmarks"));
    for (size_t i = 0; i < c.n; i++)
        free(c.bodies[i]);
    free(c.bodies);
    free(c.v);
    px_store_close(b2);
    px_store_close(b);
    px_store_close(a);
}

static void test_csv_and_exports(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    px_csv_field(f, "plain", 5);
    fputc('|', f);
    px_csv_field(f, "a,b", 3);
    fputc('|', f);
    px_csv_field(f, "say \"hi\"", 8);
    fputc('|', f);
    px_csv_field(f, "two\nlines", 9);
    fputc('|', f);
    px_csv_field(f, " padded", 7);
    fclose(f);
    CHECK_STR(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" padded\"");
    free(buf);

    CHECK_STR(px_export_sdmx_header,
              "DATAFLOW,REF_AREA,CENTRE,SERVICE,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,"
              "OBS_STATUS,N_OBS,CI_LOWER,CI_UPPER,COLL_METHOD");
    px_store *s = open_store("export.db");
    px_feed_ctx fc = ctx_for(s);
    char retract_me[65];
    load_benchmarks(&fc, retract_me);
    pub(&fc, &centre, "benchmark",
        "{'indicator': 'KZ-SAT-OVERALL', 'country': 'KZ', 'centre': 'Hall, \\u0022Central\\u0022', "
        "'channel': 'online', 'period': '2018-Q2', 'value': 4.1, 'status': 'provisional'}",
        NULL);
    px_query q = query_for(s, NULL);
    px_bench_filter all = {0};
    px_export_stats st;
    f = open_memstream(&buf, &len);
    CHECK_RC(px_export_benchmarks(&q, &all, PX_EXPORT_SDMX, f, &st), PX_OK);
    fclose(f);
    CHECK(strncmp(buf, px_export_sdmx_header, strlen(px_export_sdmx_header)) == 0);
    CHECK(st.rows == 10 && st.skipped == 1);
    CHECK(strstr(buf, "PRAXIS:BENCHMARK(1.0),KZ,_T,_T,KZ-SAT-OVERALL,2018,4.66,points,A,10000,"
                      "4.6,4.7,questionnaire\r\n") != NULL);
    free(buf);
    /* SDMX-CSV 2.0: the same rows behind STRUCTURE, STRUCTURE_ID, ACTION. */
    px_export_format f2;
    CHECK_RC(px_export_format_parse("sdmx-csv2", &f2), PX_OK);
    CHECK(f2 == PX_EXPORT_SDMX2);
    CHECK_STR(px_export_sdmx2_header,
              "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,CENTRE,SERVICE,INDICATOR,TIME_PERIOD,"
              "OBS_VALUE,UNIT_MEASURE,OBS_STATUS,N_OBS,CI_LOWER,CI_UPPER,COLL_METHOD");
    f = open_memstream(&buf, &len);
    CHECK_RC(px_export_benchmarks(&q, &all, PX_EXPORT_SDMX2, f, &st), PX_OK);
    fclose(f);
    CHECK(strncmp(buf, px_export_sdmx2_header, strlen(px_export_sdmx2_header)) == 0);
    CHECK(strncmp(buf + strlen(px_export_sdmx2_header), "\r\n", 2) == 0);
    CHECK(st.rows == 10 && st.skipped == 1);
    CHECK(strstr(buf, "\r\ndataflow,PRAXIS:BENCHMARK(1.0),I,KZ,_T,_T,KZ-SAT-OVERALL,2018,4.66,"
                      "points,A,10000,4.6,4.7,questionnaire\r\n") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    CHECK_RC(px_export_benchmarks(&q, &all, PX_EXPORT_CSV, f, &st), PX_OK);
    fclose(f);
    CHECK(st.rows == 11);
    CHECK(strstr(buf, "\"Hall, \"\"Central\"\"\"") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    CHECK_RC(px_export_benchmarks(&q, &all, PX_EXPORT_JSON, f, &st), PX_OK);
    fclose(f);
    json_error_t je;
    json_t *arr = json_loads(buf, 0, &je);
    CHECK(json_is_array(arr) && json_array_size(arr) == 11);
    json_decref(arr);
    free(buf);
    px_bench_filter bad = {.period = "2018-13"};
    f = open_memstream(&buf, &len);
    CHECK_RC(px_export_benchmarks(&q, &bad, PX_EXPORT_CSV, f, &st), PX_EINVAL);
    fclose(f);
    free(buf);
    px_store_close(s);
}

static void test_report_escapes(void)
{
    px_store *s = open_store("report.db");
    px_feed_ctx fc = ctx_for(s);
    char retract_me[65];
    load_benchmarks(&fc, retract_me);
    pub(&fc, &centre, "case",
        "{'title': {'en': '<script>alert(1)</script> & \\u0022quotes\\u0022'}, 'summary': {'en': "
        "'<img src=x onerror=alert(2)>'}, 'country': 'KZ', 'stage': 'idea', 'tags': ['<b>']}",
        NULL);
    px_query q = query_for(s, NULL);
    px_report_opts o = {.by = PX_BY_COUNTRY, .network = "net<work>", .generated_ms = clock_ms};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_RC(px_report_html(&q, &o, f), PX_OK);
    fclose(f);
    CHECK(strstr(buf, "<script") == NULL);
    CHECK(strstr(buf, "<img") == NULL);
    CHECK(strstr(buf, "<b>") == NULL);
    CHECK(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;") != NULL);
    CHECK(strstr(buf, "net&lt;work&gt;") != NULL);
    CHECK(strstr(buf, "class=\"px-chart px-bar\"") != NULL);
    CHECK(strstr(buf, "class=\"px-chart px-line\"") != NULL);
    CHECK(strstr(buf, "Content-Security-Policy") != NULL);
    CHECK(strstr(buf, "http://") == NULL || strstr(buf, "http://www.w3.org/2000/svg") != NULL);
    /* KZ-SAT-OVERALL-10 and CA-DEMO are folded into KZ-SAT-OVERALL; the
     * rogue crosswalk is not the secretariat's, so XX-ROGUE has a section */
    CHECK(strstr(buf, "<span class=\"key\">KZ-SAT-OVERALL</span>") != NULL);
    CHECK(strstr(buf, "<span class=\"key\">CA-DEMO</span>") == NULL);
    CHECK(strstr(buf, "<span class=\"key\">XX-ROGUE</span>") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    px_html_escape(f, "a\x01<b>'");
    fclose(f);
    CHECK_STR(buf, "a[U+0001]&lt;b&gt;&#39;");
    free(buf);
    px_store_close(s);
}

static void test_terminal_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    px_text_put(f,
                "ok \x1b[2Jcleared\x07 \xc2\x9b"
                "31m ещё\nline \xff",
                false);
    fclose(f);
    CHECK_STR(buf, "ok ?cleared? ? ещё line ?"); /* each escape sequence is one ? */
    free(buf);
}

int main(void)
{
    if (px_crypto_init() != PX_OK)
        return 1;
    ts_tmpdir("index");
    px_identity_generate(&root);
    px_identity_generate(&centre);
    px_identity_generate(&other);
    memset(net, 7, sizeof net);
    RUN(test_rescale_and_crosswalks);
    RUN(test_compare);
    RUN(test_aggregate_and_trend);
    RUN(test_fulltext_scripts);
    RUN(test_fulltext_rows);
    RUN(test_bulk_load);
    RUN(test_versions);
    RUN(test_flags_and_rebuild);
    RUN(test_ingest_indexes);
    RUN(test_csv_and_exports);
    RUN(test_report_escapes);
    RUN(test_terminal_text);
    return check_summary();
}
