/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_publish.c — node/app/publish.c and the one-result-per-key rule of the
 * records index, against real SQLite stores:
 *   - strict publishing: an unknown field refused with the nearest known
 *     name; a record with three errors reports all three (with fields);
 *     every record's errors at once; all or nothing; check stores nothing;
 *   - benchmark identity: a repeat refused naming the earlier entry,
 *     replace supersedes it, a repeat inside one publication named as such;
 *   - duplicates appended without those checks (as an older node does) and
 *     replicated into another store count once in benchmarks, trend and
 *     aggregate; a retraction of the current one restores the one before;
 *     another author's result for the same key stays apart, labelled;
 *   - files: JSON arrays and JSON Lines split element by element with the
 *     right record and line numbers, a BOM dropped, CSV recognised by
 *     content, tab-separated CSV read, a file that is neither named;
 *   - the pipeline (case studies signed on one thread, stored and indexed
 *     on another): a long run of cases with a supersede, an indicator and a
 *     result in between stores every entry in feed order, the store
 *     verifies, the index finds them; a rejection late in a long run stores
 *     nothing.
 */
#include "check.h"
#include "crypto.h"
#include "csvin.h"
#include "error.h"
#include "feed.h"
#include "index.h"
#include "jsonmp.h"
#include "publish.h"
#include "query.h"
#include "records.h"
#include "tabular.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity me, older, other;
static uint8_t net[32];
static char dir[64];
static uint64_t clock_ms = 1700000000000ull;

static const char indicator[] =
    "{\"code\": \"KZ-SAT-OVERALL\", \"version\": 1, \"name\": {\"en\": \"Satisfaction\"}, "
    "\"measure_type\": \"mean score\", \"scale\": {\"min\": 1, \"max\": 5}}";

/* A local node over a fresh store, as px_local_open leaves it (the fields
 * px_pub uses). */
static void open_local(px_local *l, const char *name, const px_identity *who)
{
    char path[128];
    memset(l, 0, sizeof *l);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK_RC(px_store_open(path, &l->store), PX_OK);
    CHECK_RC(px_index_open(l->store, NULL), PX_OK);
    l->me = *who;
    l->feed = (px_feed_ctx){.store = l->store, .schema = px_index_schema, .index = px_index_entry};
    memcpy(l->feed.network_id, net, 32);
}

static json_t *parse(const char *text)
{
    json_t *j = NULL;
    CHECK_RC(px_json_parse(text, strlen(text), "test", &j), PX_OK);
    return j;
}

/* Publish one JSON text as kind through px_pub; returns px_pub_finish's code. */
static int publish1(px_local *l, const char *kind, const char *text, bool replace)
{
    px_pub *p = NULL;
    json_t *j = parse(text);
    int rc = px_pub_begin(l, &(px_pub_opts){.replace = replace}, &p);
    if (!rc)
        rc = px_pub_add_json(p, kind, j, "test", 1, 0);
    if (!rc)
        rc = px_pub_finish(p);
    px_pub_free(p);
    json_decref(j);
    return rc;
}

/* Append a body without any publish check, as an older node would. */
static void append_raw(px_local *l, const px_identity *who, const char *kind, const char *text,
                       uint8_t id[32])
{
    json_t *j = parse(text);
    px_buf b = {0};
    px_entry e;
    CHECK_RC(px_json_to_msgpack(j, &b), PX_OK);
    CHECK_RC(px_store_begin(l->store), PX_OK);
    CHECK_RC(px_feed_append(&l->feed, who, kind, b.data, b.len, clock_ms++, &e), PX_OK);
    CHECK_RC(px_store_commit(l->store), PX_OK);
    if (id)
        memcpy(id, e.id, 32);
    px_buf_free(&b);
    json_decref(j);
}

static uint64_t entries(px_local *l)
{
    uint64_t n = 0;
    CHECK_RC(px_store_count(l->store, &n), PX_OK);
    return n;
}

static bool has_error(const px_pub *p, size_t record, const char *field, const char *part)
{
    for (size_t i = 0; i < px_pub_nerrors(p); i++) {
        const px_pub_error *e = px_pub_error_at(p, i);
        if (e && e->record == record && strcmp(e->field, field) == 0 && strstr(e->message, part))
            return true;
    }
    return false;
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : -1;
}

static void write_text(const char *name, const char *text, char path[128])
{
    snprintf(path, 128, "%s/%s", dir, name);
    CHECK_RC(px_write_file(path, text, strlen(text), 0600, false), PX_OK);
}

/* ---- strict publishing ------------------------------------------------------ */

static void test_strict_and_every_error(void)
{
    px_local l;
    open_local(&l, "strict.db", &me);
    px_pub *p = NULL;
    uint64_t before = entries(&l);

    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    /* one good record, then: a typo; three errors in one record; another bad one */
    json_t *good = parse("{\"title\": {\"en\": \"t\"}, \"summary\": {\"en\": \"s\"}, "
                         "\"country\": \"KZ\", \"stage\": \"idea\"}");
    json_t *typo = parse("{\"title\": {\"en\": \"t\"}, \"summmary\": {\"en\": \"s\"}, "
                         "\"country\": \"KZ\", \"stage\": \"idea\"}");
    json_t *three = parse("{\"title\": {\"en\": \"t\"}, \"summary\": {\"en\": \"s\"}, "
                          "\"country\": \"UK\", \"stage\": \"done\", \"colour\": \"red\"}");
    json_t *bad = parse("{\"title\": \"plain\", \"summary\": {\"en\": \"s\"}, "
                        "\"country\": \"KZ\", \"stage\": \"idea\"}");
    CHECK_RC(px_pub_add_json(p, "case", good, "form", 1, 0), PX_OK);
    CHECK_RC(px_pub_add_json(p, "case", typo, "form", 2, 0), PX_OK);
    CHECK_RC(px_pub_add_json(p, "case", three, "form", 3, 0), PX_OK);
    CHECK_RC(px_pub_add_json(p, "case", bad, "form", 4, 0), PX_OK);
    CHECK_RC(px_pub_add_json(p, "report", good, "form", 5, 0), PX_EINVAL);
    CHECK(px_pub_count(p) == 1); /* the good one, before the first rejection */
    CHECK_RC(px_pub_finish(p), PX_ESCHEMA);
    CHECK(strstr(px_err_detail(), "3 records were rejected") != NULL);
    CHECK(has_error(p, 2, "summmary", "did you mean 'summary'?"));
    CHECK(has_error(p, 2, "summary", "is missing"));
    CHECK(has_error(p, 3, "country", "'UK'"));
    CHECK(has_error(p, 3, "stage", "'done' is not one of"));
    CHECK(has_error(p, 3, "colour", "is not a field of a case"));
    CHECK(has_error(p, 4, "title", ""));
    CHECK(px_pub_nerrors(p) == 6);
    CHECK(px_pub_rejected(p) == 3);
    const px_pub_source *s = px_pub_source_at(p, 0);
    CHECK(s && s->records == 4 && s->accepted == 1 && s->rejected == 3);
    px_pub_free(p);
    CHECK(entries(&l) == before); /* all or nothing */

    /* nearest-field suggestions only for plausible typos */
    CHECK_STR(px_record_nearest_field("benchmark", "vaule", 5), "value");
    CHECK_STR(px_record_nearest_field("case", "Summary", 7), "summary");
    CHECK(px_record_nearest_field("case", "colour", 6) == NULL);

    /* inside a scale too */
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    json_t *ind = parse("{\"code\": \"X\", \"version\": 1, \"name\": {\"en\": \"x\"}, "
                        "\"measure_type\": \"rate\", \"scale\": {\"min\": 0, \"max\": 1, "
                        "\"higher_is_beter\": true}}");
    CHECK_RC(px_pub_add_json(p, "indicator", ind, "form", 1, 0), PX_OK);
    CHECK(has_error(p, 1, "scale", "did you mean 'scale.higher_is_better'?"));
    CHECK(px_pub_count(p) == 0);
    px_pub_free(p);
    json_decref(ind);

    /* replicated records keep unknown fields (forward compatibility) */
    append_raw(&l, &other, "case",
               "{\"title\": {\"en\": \"t\"}, \"summary\": {\"en\": \"s\"}, \"country\": \"KZ\", "
               "\"stage\": \"idea\", \"future_field\": 1}",
               NULL);
    px_query q = {.store = l.store};
    json_t *res = NULL;
    CHECK_RC(px_query_cases(&q, &(px_case_filter){0}, &res), PX_OK);
    CHECK(num(res, "total") == 1);
    json_decref(res);

    /* check: a clean publication is checked and rolled back */
    CHECK_RC(px_pub_begin(&l, &(px_pub_opts){.check = true}, &p), PX_OK);
    CHECK_RC(px_pub_add_json(p, "case", good, "form", 1, 0), PX_OK);
    CHECK_RC(px_pub_finish(p), PX_OK);
    CHECK(px_pub_count(p) == 1);
    px_pub_free(p);
    CHECK(entries(&l) == before + 1);
    json_decref(good);
    json_decref(typo);
    json_decref(three);
    json_decref(bad);
    px_store_close(l.store);
}

/* ---- one result per key ------------------------------------------------------- */

static const char r2018[] = "{\"indicator\": \"KZ-SAT-OVERALL\", \"country\": \"KZ\", "
                            "\"period\": \"2018\", \"value\": 4.66, \"n\": 10000}";
static const char r2018b[] = "{\"indicator\": \"KZ-SAT-OVERALL\", \"country\": \"KZ\", "
                             "\"period\": \"2018\", \"value\": 4.7, \"n\": 10000}";
static const char r2017[] = "{\"indicator\": \"KZ-SAT-OVERALL\", \"country\": \"KZ\", "
                            "\"period\": \"2017\", \"value\": 4.57, \"n\": 9000}";

static void aggregate_2018(px_store *s, double *results, double *n, double *value)
{
    px_query q = {.store = s};
    json_t *res = NULL;
    CHECK_RC(px_query_aggregate(&q, "KZ-SAT-OVERALL", "2018", PX_BY_NETWORK, &res), PX_OK);
    const json_t *g = json_array_get(json_object_get(res, "groups"), 0);
    *results = num(g, "results");
    *n = num(g, "n");
    *value = num(json_object_get(g, "unweighted"), "value");
    json_decref(res);
}

static size_t trend_points(px_store *s, size_t *nseries)
{
    px_query q = {.store = s};
    json_t *res = NULL;
    size_t pts = 0, i;
    const json_t *ser;
    CHECK_RC(px_query_trend(&q, "KZ-SAT-OVERALL", "KZ", &res), PX_OK);
    json_array_foreach(json_object_get(res, "series"), i, ser) pts +=
        json_array_size(json_object_get(ser, "points"));
    *nseries = json_array_size(json_object_get(res, "series"));
    json_decref(res);
    return pts;
}

/* rec_bench_groups (schema/010, kept by triggers) holds what rec_benchmarks
 * says, row for row; and how many groups and live results it has. */
static bool groups_agree(px_store *s, int64_t *ngroups, int64_t *nlive)
{
    static const char *const q[] = {
        "SELECT count(*) FROM (SELECT indicator, country, coalesce(centre, ''), "
        "coalesce(service, ''), coalesce(channel, ''), count(*), sum(superseded = 0), "
        "max(period_key) FROM rec_benchmarks WHERE retracted = 0 GROUP BY 1, 2, 3, 4, 5 "
        "EXCEPT SELECT * FROM rec_bench_groups)",
        "SELECT count(*) FROM (SELECT * FROM rec_bench_groups EXCEPT SELECT indicator, country, "
        "coalesce(centre, ''), coalesce(service, ''), coalesce(channel, ''), count(*), "
        "sum(superseded = 0), max(period_key) FROM rec_benchmarks WHERE retracted = 0 "
        "GROUP BY 1, 2, 3, 4, 5)",
        "SELECT count(*) FROM rec_bench_groups",
        "SELECT coalesce(sum(live), 0) FROM rec_bench_groups"};
    int64_t v[4] = {-1, -1, -1, -1};
    for (int i = 0; i < 4; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(px_store_db(s), q[i], -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v[i] = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    *ngroups = v[2];
    *nlive = v[3];
    return v[0] == 0 && v[1] == 0;
}

static void test_identity_at_publish(void)
{
    px_local l;
    px_pub *p = NULL;
    double results, n, value;
    size_t nseries;
    open_local(&l, "identity.db", &me);
    CHECK_RC(publish1(&l, "indicator", indicator, false), PX_OK);
    CHECK_RC(publish1(&l, "benchmark", r2018, false), PX_OK);
    uint8_t first[32];
    CHECK_RC(px_index_benchmark_twin(l.store, me.pk,
                                     &(px_benchmark){.indicator = "KZ-SAT-OVERALL",
                                                     .country = "KZ",
                                                     .period = "2018",
                                                     .when = {.year = 2018}},
                                     first),
             PX_OK);
    char hex[PX_ID_HEX];
    px_id_hex(hex, first);

    /* the same result again: refused, naming the earlier entry */
    uint64_t before = entries(&l);
    CHECK_RC(publish1(&l, "benchmark", r2018b, false), PX_ESCHEMA);
    CHECK(entries(&l) == before);
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    json_t *j = parse(r2018b);
    CHECK_RC(px_pub_add_json(p, "benchmark", j, "b.json", 1, 0), PX_OK);
    CHECK(has_error(p, 1, "", hex));
    CHECK(has_error(p, 1, "", "--replace"));
    px_pub_free(p);

    /* a centre's result has another identity */
    CHECK_RC(publish1(&l, "benchmark",
                      "{\"indicator\": \"KZ-SAT-OVERALL\", \"country\": \"KZ\", \"centre\": "
                      "\"Astana\", \"period\": \"2018\", \"value\": 4.1}",
                      false),
             PX_OK);

    /* replace: supersedes it; counted once */
    CHECK_RC(px_pub_begin(&l, &(px_pub_opts){.replace = true}, &p), PX_OK);
    CHECK_RC(px_pub_add_json(p, "benchmark", j, "b.json", 1, 0), PX_OK);
    CHECK_RC(px_pub_finish(p), PX_OK);
    px_pub_entry e;
    px_pub_entry_get(p, 0, &e);
    CHECK(px_pub_count(p) == 1 && e.replaced && px_pub_source_at(p, 0)->replaced == 1);
    uint8_t second[32];
    memcpy(second, e.id, 32);
    px_pub_free(p);
    aggregate_2018(l.store, &results, &n, &value);
    CHECK(results == 1 && n == 10000 && value == 4.7);
    int64_t ng, nl;
    CHECK(groups_agree(l.store, &ng, &nl) && ng == 2 && nl == 2); /* national, Astana */
    px_index_info info;
    CHECK_RC(px_index_info_get(l.store, second, &info), PX_OK);

    /* a result repeated inside one publication */
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    json_t *k = parse(r2017);
    CHECK_RC(px_pub_add_json(p, "benchmark", k, "c.json", 1, 0), PX_OK);
    CHECK_RC(px_pub_add_json(p, "benchmark", k, "c.json", 2, 0), PX_OK);
    CHECK_RC(px_pub_finish(p), PX_ESCHEMA);
    CHECK(has_error(p, 2, "", "as record 1 of c.json in this publication"));
    px_pub_free(p);
    json_decref(k);

    /* retracting the current result makes the one before it current */
    char body[120];
    px_id_hex(hex, second);
    snprintf(body, sizeof body, "{\"target\": \"%s\"}", hex);
    append_raw(&l, &me, "retract", body, NULL);
    aggregate_2018(l.store, &results, &n, &value);
    CHECK(results == 1 && value == 4.66);
    CHECK(trend_points(l.store, &nseries) == 1);
    CHECK(groups_agree(l.store, &ng, &nl) && ng == 2 && nl == 2);
    /* the group's last result retracted: the group is gone */
    px_id_hex(hex, first);
    snprintf(body, sizeof body, "{\"target\": \"%s\"}", hex);
    append_raw(&l, &me, "retract", body, NULL);
    CHECK(groups_agree(l.store, &ng, &nl) && ng == 1 && nl == 1);
    json_decref(j);
    px_store_close(l.store);
}

typedef struct copy_ctx {
    px_feed_ctx *to;
    int rc;
} copy_ctx;

static int copy_one(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    copy_ctx *c = ctx;
    (void)m;
    int rc = px_feed_ingest(c->to, e, 0, clock_ms);
    if (rc && rc != PX_EDUP && !c->rc)
        c->rc = rc;
    return PX_OK;
}

static void test_duplicates_by_replication(void)
{
    px_local a, b;
    double results, n, value;
    size_t nseries;
    open_local(&a, "older.db", &older);
    /* an older node published the same result three times, and 2017 once */
    append_raw(&a, &older, "indicator", indicator, NULL);
    append_raw(&a, &older, "benchmark", r2018, NULL);
    append_raw(&a, &older, "benchmark", r2018, NULL);
    append_raw(&a, &older, "benchmark", r2018b, NULL);
    append_raw(&a, &older, "benchmark", r2017, NULL);
    aggregate_2018(a.store, &results, &n, &value);
    CHECK(results == 1 && n == 10000 && value == 4.7); /* the latest by feed position */
    CHECK(trend_points(a.store, &nseries) == 2 && nseries == 1);
    int64_t ng, nl;
    CHECK(groups_agree(a.store, &ng, &nl) && ng == 1 && nl == 2); /* 2018 once, 2017 */

    /* replicated into another store: the same */
    open_local(&b, "replica.db", &me);
    copy_ctx c = {.to = &b.feed};
    CHECK_RC(px_store_begin(b.store), PX_OK);
    CHECK_RC(px_store_each(a.store, older.pk, 1, 0, copy_one, &c), PX_OK);
    CHECK_RC(c.rc, PX_OK);
    CHECK_RC(px_store_commit(b.store), PX_OK);
    aggregate_2018(b.store, &results, &n, &value);
    CHECK(results == 1 && n == 10000 && value == 4.7);
    px_query q = {.store = b.store};
    json_t *res = NULL;
    CHECK_RC(px_query_benchmarks(&q, &(px_bench_filter){0}, &res), PX_OK);
    CHECK(num(res, "total") == 2 || json_array_size(json_object_get(res, "benchmarks")) == 2);
    json_decref(res);

    /* another member's result for the same key stays apart, labelled */
    append_raw(&b, &other, "benchmark", r2018, NULL);
    aggregate_2018(b.store, &results, &n, &value);
    CHECK(results == 2 && n == 20000);
    CHECK(trend_points(b.store, &nseries) == 3 && nseries == 2);
    CHECK(groups_agree(b.store, &ng, &nl) && ng == 1 && nl == 3);
    CHECK_RC(px_query_trend(&q, "KZ-SAT-OVERALL", "KZ", &res), PX_OK);
    const json_t *s0 = json_array_get(json_object_get(res, "series"), 0);
    CHECK(strstr(px_json_str(s0, "group", ""), "author ") != NULL);
    json_decref(res);
    CHECK_RC(px_query_compare(&q, "KZ-SAT-OVERALL", "2018", PX_BY_COUNTRY, &res), PX_OK);
    size_t i, labelled = 0;
    const json_t *row, *f;
    json_array_foreach(json_object_get(res, "rows"), i, row)
    {
        size_t k;
        json_array_foreach(json_object_get(row, "flags"), k, f) labelled +=
            strstr(json_string_value(f), "other members report the same") != NULL;
    }
    CHECK(labelled == 2);
    json_decref(res);

    /* a rebuild applies the same rule */
    CHECK_RC(px_index_rebuild(b.store, NULL), PX_OK);
    aggregate_2018(b.store, &results, &n, &value);
    CHECK(results == 2 && n == 20000);
    CHECK(groups_agree(b.store, &ng, &nl) && ng == 1 && nl == 3);
    px_store_close(a.store);
    px_store_close(b.store);
}

/* ---- files ---------------------------------------------------------------------- */

static int add_file(px_local *l, const char *kind, const char *path, px_pub_format fmt,
                    px_pub **out)
{
    int rc = px_pub_begin(l, NULL, out);
    if (!rc)
        rc = px_pub_add_file(*out, kind, path, fmt);
    return rc;
}

static void test_files(void)
{
    px_local l;
    px_pub *p = NULL;
    char path[128];
    open_local(&l, "files.db", &me);
    CHECK_RC(publish1(&l, "indicator", indicator, false), PX_OK);

    /* JSON Lines, with a BOM, a bad line and a record spread over lines */
    write_text("cases.jsonl",
               "\xEF\xBB\xBF{\"title\": {\"en\": \"a\"}, \"summary\": {\"en\": \"s\"}, "
               "\"country\": \"KZ\", \"stage\": \"idea\"}\n"
               "{\"title\": {\"en\": \"b\"}, \"summary\": {\"en\": \"s\"}, \"country\": \"KZ\",\n"
               " \"stage\": \"pilot\"}\n"
               "{\"title\": {\"en\": \"c\"}, \"summary\": {\"en\": \"s\"}, \"country\": \"KZ\", "
               "\"stage\": \"idea\", \"sumary\": 1}\n",
               path);
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(px_pub_count(p) == 2);
    CHECK(px_pub_nerrors(p) == 1);
    const px_pub_error *e = px_pub_error_at(p, 0);
    CHECK(e && e->record == 3 && e->line == 4 && strstr(e->message, "did you mean 'summary'?"));
    px_pub_free(p);

    /* an array read element by element; strings with brackets and commas */
    write_text("cases.json",
               "[\n {\"title\": {\"en\": \"a [x], {y}\"}, \"summary\": {\"en\": \"s \\\" ]\"}, "
               "\"country\": \"KZ\", \"stage\": \"idea\"},\n"
               " {\"title\": {\"en\": \"b\"}, \"summary\": {\"en\": \"s\"}, \"country\": \"KZ\", "
               "\"stage\": \"idea\"}\n]\n",
               path);
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK_RC(px_pub_finish(p), PX_OK);
    CHECK(px_pub_count(p) == 2 && px_pub_nerrors(p) == 0);
    px_pub_free(p);

    /* malformed JSON: the record and line named */
    write_text("broken.json", "[{\"title\": 1},\n {\"title\" 2}]", path);
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(has_error(p, 2, "", "not valid JSON (line 2"));
    px_pub_free(p);

    /* CSV by content (a .txt name), tab-separated, with a BOM */
    write_text("results.txt",
               "\xEF\xBB\xBFindicator\tcountry\tperiod\tvalue\tn\n"
               "KZ-SAT-OVERALL\tKZ\t2018\t4.66\t10000\n"
               "KZ-SAT-OVERALL\tKZ\t2017\t4,57\t9000\n",
               path);
    CHECK_RC(add_file(&l, "benchmark", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(px_pub_count(p) == 1);
    CHECK(has_error(p, 2, "value", "use a decimal point"));
    px_pub_free(p);

    /* CSV for another kind; neither JSON nor CSV */
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(has_error(p, 0, "", "only benchmark results can be read from CSV"));
    px_pub_free(p);
    write_text("notes.txt", "hello world\n", path);
    CHECK_RC(add_file(&l, "benchmark", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(has_error(p, 0, "", "neither JSON"));
    CHECK(has_error(p, 0, "", "--csv"));
    px_pub_free(p);
    snprintf(path, sizeof path, "%s/missing.json", dir);
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(has_error(p, 0, "", "cannot open"));
    px_pub_free(p);
    write_text("empty.json", "[]", path);
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(has_error(p, 0, "", "holds no records"));
    px_pub_free(p);
    write_text("cut.json", "[{\"title\": {\"en\": \"a\"}", path);
    CHECK_RC(add_file(&l, "case", path, PX_PUB_AUTO, &p), PX_OK);
    CHECK(has_error(p, 0, "", "closing ']'"));
    px_pub_free(p);

    /* CSV text through the API, every row's errors */
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    const char csv[] = "indicator;country;period;value\n"
                       "KZ-SAT-OVERALL;UK;2018-Q5;9\n";
    CHECK_RC(px_pub_add_csv(p, "upload.csv", csv, strlen(csv)), PX_OK);
    CHECK(has_error(p, 1, "country", "'UK'"));
    CHECK(has_error(p, 1, "period", "2018-Q5"));
    CHECK(px_pub_error_at(p, 0)->line == 2);
    px_pub_free(p);
    px_store_close(l.store);
}

/* Hostile files: random bytes drawn from JSON's and CSV's punctuation never
 * crash the splitter or the CSV reader, and nothing is published. */
static void test_hostile_files(void)
{
    static const char alphabet[] = "{}[],:\"\\ \n\r\tab01;.-e\xEF\xBB\xBF";
    px_local l;
    char path[128];
    open_local(&l, "hostile.db", &me);
    uint64_t before = entries(&l);
    srand(15);
    for (int round = 0; round < 300; round++) {
        char text[512];
        size_t n = (size_t)(rand() % (int)(sizeof text - 1));
        for (size_t i = 0; i < n; i++)
            text[i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
        text[n] = '\0';
        write_text(round % 2 ? "h.csv" : "h.json", text, path);
        px_pub *p = NULL;
        CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
        int rc = px_pub_add_file(p, round % 3 ? "benchmark" : "case", path, PX_PUB_AUTO);
        CHECK(rc == PX_OK);
        rc = px_pub_finish(p);
        CHECK(rc == PX_ESCHEMA || (rc == PX_OK && px_pub_count(p) == 0));
        px_pub_free(p);
    }
    CHECK(entries(&l) == before);
    px_store_close(l.store);
}

/* ---- CSV in pieces ---------------------------------------------------------------- */

typedef struct rows_seen {
    size_t rows, bad;
    size_t lines[8];
} rows_seen;

static int count_row(void *ctx, size_t record, size_t line, const json_t *obj, const char *field,
                     const char *message)
{
    rows_seen *r = ctx;
    (void)field;
    (void)message;
    if (record <= 8)
        r->lines[record - 1] = line;
    if (obj)
        r->rows++;
    else
        r->bad++;
    return PX_OK;
}

static void test_csv_in_pieces(void)
{
    /* CRLF, a quoted field over two lines, a BOM, a blank line */
    const char text[] = "\xEF\xBB\xBFindicator;country;period;value;source\r\n"
                        "KZ-SAT-OVERALL;KZ;2018;4.66;\"a\r\nb\"\r\n"
                        "\r\n"
                        "KZ-SAT-OVERALL;KZ;2017;4,57;x\r\n"
                        "KZ-SAT-OVERALL;KZ;2016;4.5;y";
    for (size_t piece = 1; piece <= sizeof text; piece += piece < 4 ? 1 : 17) {
        rows_seen r = {0};
        px_csvin *c = NULL;
        int rc = px_csvin_open("pieces.csv", count_row, &r, &c);
        for (size_t off = 0; !rc && off < sizeof text - 1; off += piece) {
            size_t n = sizeof text - 1 - off < piece ? sizeof text - 1 - off : piece;
            rc = px_csvin_feed(c, text + off, n);
        }
        CHECK_RC(rc, PX_OK);
        CHECK_RC(px_csvin_close(c), PX_OK);
        CHECK(r.rows == 2 && r.bad == 1);
        CHECK(r.lines[0] == 2 && r.lines[1] == 5 && r.lines[2] == 6);
    }
    /* a line without an end is refused once it passes the limit */
    px_csvin *c = NULL;
    rows_seen r = {0};
    CHECK_RC(px_csvin_open("long.csv", count_row, &r, &c), PX_OK);
    char *big = malloc(1u << 20);
    memset(big, 'x', 1u << 20);
    int rc = PX_OK;
    for (int i = 0; i < 20 && !rc; i++)
        rc = px_csvin_feed(c, big, 1u << 20);
    CHECK_RC(rc, PX_ETOOBIG);
    CHECK_RC(px_csvin_close(c), PX_ETOOBIG);
    free(big);
}

/* ---- the pipeline --------------------------------------------------------------- */

static json_t *case_rec(int i)
{
    char t[160];
    snprintf(t, sizeof t,
             "{\"title\": {\"en\": \"Pipeline case %d queue\"}, \"summary\": {\"en\": \"Case %d "
             "of many\"}, \"country\": \"KZ\", \"stage\": \"pilot\"}",
             i, i);
    return parse(t);
}

static void test_pipeline(void)
{
    px_local l;
    px_pub *p = NULL;
    open_local(&l, "pipeline.db", &me);
    uint64_t before = entries(&l);
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    for (int i = 1; i <= 700; i++) {
        json_t *j = case_rec(i);
        CHECK_RC(px_pub_add_json(p, "case", j, "cases", (size_t)i, 0), PX_OK);
        json_decref(j);
    }
    /* records whose checks read the store, while cases wait to be stored */
    px_pub_entry pe;
    px_pub_entry_get(p, 9, &pe);
    char hex[PX_ID_HEX], sup[400];
    snprintf(sup, sizeof sup,
             "{\"title\": {\"en\": \"Pipeline case 10, second version\"}, \"summary\": "
             "{\"en\": \"v2\"}, \"country\": \"KZ\", \"stage\": \"scaled\", "
             "\"supersedes\": \"%s\"}",
             px_id_hex(hex, pe.id));
    json_t *j = parse(sup);
    CHECK_RC(px_pub_add_json(p, "case", j, "again", 1, 0), PX_OK);
    json_decref(j);
    j = parse(indicator);
    CHECK_RC(px_pub_add_json(p, "indicator", j, "ind", 1, 0), PX_OK);
    json_decref(j);
    j = parse("{\"indicator\": \"KZ-SAT-OVERALL\", \"country\": \"KZ\", \"period\": \"2024\", "
              "\"value\": 4.5, \"n\": 100, \"method\": \"questionnaire\"}");
    CHECK_RC(px_pub_add_json(p, "benchmark", j, "res", 1, 0), PX_OK);
    json_decref(j);
    for (int i = 701; i <= 900; i++) {
        j = case_rec(i);
        CHECK_RC(px_pub_add_json(p, "case", j, "more", (size_t)i, 0), PX_OK);
        json_decref(j);
    }
    for (size_t i = 0; i < px_pub_nerrors(p); i++)
        fprintf(stderr, "unexpected: record %zu: %s: %s\n", px_pub_error_at(p, i)->record,
                px_pub_error_at(p, i)->field, px_pub_error_at(p, i)->message);
    CHECK(px_pub_nerrors(p) == 0);
    CHECK(px_pub_count(p) == 903);
    CHECK_RC(px_pub_finish(p), PX_OK);
    px_pub_free(p);
    CHECK(entries(&l) == before + 903);
    px_verify_report vr;
    CHECK_RC(px_feed_verify(l.store, net, 1, &vr), PX_OK);
    CHECK(!vr.bad && vr.entries == before + 903);
    px_head head;
    CHECK_RC(px_store_head(l.store, me.pk, &head), PX_OK);
    CHECK(head.seq == before + 903);
    px_query q = {.store = l.store, .lang = "en"};
    json_t *res = NULL;
    CHECK_RC(px_query_cases(&q, &(px_case_filter){.search = "pipeline", .limit = 5}, &res), PX_OK);
    CHECK(num(res, "total") == 900); /* 900 live cases: the 10th superseded */
    json_decref(res);
    CHECK_RC(px_query_cases(&q, &(px_case_filter){.stage = "scaled"}, &res), PX_OK);
    CHECK(num(res, "total") == 1);
    json_decref(res);
    /* the full-text settings of the bulk load (index.h) are back to FTS5's */
    sqlite3_stmt *st = NULL;
    CHECK(
        sqlite3_prepare_v2(px_store_db(l.store),
                           "SELECT group_concat(k || '=' || v, ' ') FROM (SELECT k, v FROM "
                           "rec_cases_fts_config WHERE k IN ('automerge', 'hashsize') ORDER BY k)",
                           -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "automerge=4 hashsize=1048576");
    sqlite3_finalize(st);

    /* a rejection after many pipelined cases: nothing stored */
    before = entries(&l);
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    for (int i = 1; i <= 600; i++) {
        j = i == 550 ? parse("{\"title\": {\"en\": \"x\"}, \"summary\": {\"en\": \"x\"}, "
                             "\"country\": \"KZ\", \"stage\": \"pilot\", \"colour\": \"red\"}")
                     : case_rec(i);
        CHECK_RC(px_pub_add_json(p, "case", j, "bad", (size_t)i, 0), PX_OK);
        json_decref(j);
    }
    CHECK(px_pub_nerrors(p) == 1 && has_error(p, 550, "colour", "colour"));
    CHECK_RC(px_pub_finish(p), PX_ESCHEMA);
    px_pub_free(p);
    CHECK(entries(&l) == before);
    CHECK_RC(px_store_head(l.store, me.pk, &head), PX_OK);
    CHECK(head.seq == before);
    px_store_close(l.store);
}

/* ---- the fast reading ------------------------------------------------------- */

/* What the general way makes of text (json_element's jansson flags, then
 * px_json_to_msgpack); false when jansson refuses it or it is no object. */
static bool general_way(const char *text, size_t len, px_buf *out)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    bool ok = j && json_is_object(j) && px_json_to_msgpack(j, out) == PX_OK;
    json_decref(j);
    return ok;
}

/* When the fast reading takes a text, jansson reads it too and the bytes
 * are the same. OUT whether it was taken. */
static bool same_either_way(px_pub_fast **f, const char *text, size_t len)
{
    px_buf fast = {0}, slow = {0};
    bool taken = false;
    CHECK_RC(px_pub_fast_msgpack(f, text, len, &fast, &taken), PX_OK);
    if (taken) {
        bool ok = general_way(text, len, &slow);
        CHECK(ok);
        CHECK(ok && fast.len == slow.len && memcmp(fast.data, slow.data, fast.len) == 0);
        if (!ok || fast.len != slow.len || memcmp(fast.data, slow.data, fast.len) != 0)
            fprintf(stderr, "fast reading differs for: %.*s\n", (int)len, text);
    } else {
        CHECK(fast.len == 0);
    }
    px_buf_free(&fast);
    px_buf_free(&slow);
    return taken;
}

static void test_fast_reading(void)
{
    px_pub_fast *f = NULL;
    static const char *const taken[] = {
        "{\"title\": {\"en\": \"Queue\", \"ru\": \"Очередь\"}, \"country\": \"KZ\", \"n\": 0}",
        " {\"a\": [1, -1, 31, 32, -32, -33, 127, 128, 255, 256, 65535, 65536, -129, -32769]}\n",
        "{\"a\": [4294967295, 4294967296, -2147483648, -2147483649, 999999999999999999]}",
        "{\"a\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"b\": \"\\u00e9\\u0416\\uD83D\\uDE00\\u20AC\"}",
        "{\"a\": true, \"b\": false, \"c\": null, \"d\": {}, \"e\": [], \"f\": [[[{}]]]}",
        "{\"s\": \"0123456789012345678901234567890123456789\", \"é\": \"ქართ\", \"😀\": 1}",
        "{}",
    };
    static const char *const general[] = {
        "{\"a\": 1.5}",
        "{\"a\": 1e3}",
        "{\"a\": -0}",
        "{\"a\": 01}",
        "{\"a\": 1, \"a\": 2}",
        "{\"a\": \"\\u0000\"}",
        "{\"a\": \"\\uD800\"}",
        "{\"a\": \"\\uDC00\"}",
        "{\"a\": \"\t\"}",
        "{\"a\": 9223372036854775807}",
        "{\"a\": \"\xC0\xAF\"}",
        "{\"a\": \"\xED\xA0\x80\"}",
        "{\"a\": \"\xF4\x90\x80\x80\"}",
        "{\"a\": tru}",
        "{\"a\": 1} x",
        "[{\"a\": 1}]",
        "{\"a\": 1,}",
        "{\"supersedes\": \"x\"}",
        "{\"attachments\": []}",
        "{\"a\": [[[[[[[[[1]]]]]]]]]}",
        "{\"a\"}",
        "{\"a\": \"\\x\"}",
        "{\"a\": \"open",
        "",
    };
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
        CHECK(same_either_way(&f, taken[i], strlen(taken[i])));
    for (size_t i = 0; i < sizeof general / sizeof general[0]; i++)
        CHECK(!same_either_way(&f, general[i], strlen(general[i])));
    /* Damaged copies of a record: whatever the fast reading takes, jansson
     * reads alike. */
    static const char rec[] =
        "{\"title\": {\"en\": \"Case 7: queue \\\"online\\\"\", \"ru\": \"Случай 7\"}, "
        "\"summary\": {\"en\": \"one-stop shop\\n\\u00e9\"}, \"country\": \"KZ\", \"stage\": "
        "\"pilot\", \"start_year\": 2011, \"tags\": [\"a\", \"b\"], \"ok\": true, \"x\": null}";
    static const char alphabet[] = "{}[]\",:\\u0123456789-+.eE tfn\xD0\xB1\xF0\x9F\x98\x80\x80\xFF";
    char buf[sizeof rec + 8];
    uint32_t seed = 15;
    size_t ntaken = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = sizeof rec - 1;
        memcpy(buf, rec, len);
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            char c = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
            if ((seed >> 20) % 4 == 0 && len < sizeof buf - 1) { /* insert */
                memmove(buf + at + 1, buf + at, len - at);
                len++;
            } else if ((seed >> 20) % 4 == 1 && len > 1) { /* delete */
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                continue;
            }
            buf[at] = c;
        }
        ntaken += same_either_way(&f, buf, len);
    }
    CHECK(ntaken > 100); /* the damage often leaves valid JSON */
    px_pub_fast_free(f);
}

int main(void)
{
    if (px_crypto_init() != PX_OK)
        return 1;
    snprintf(dir, sizeof dir, "/tmp/px-test-publish.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    px_identity_generate(&me);
    px_identity_generate(&older);
    px_identity_generate(&other);
    memset(net, 7, sizeof net);
    RUN(test_strict_and_every_error);
    RUN(test_identity_at_publish);
    RUN(test_duplicates_by_replication);
    RUN(test_files);
    RUN(test_csv_in_pieces);
    RUN(test_hostile_files);
    RUN(test_pipeline);
    RUN(test_fast_reading);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
