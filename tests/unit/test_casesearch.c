/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_casesearch.c — the case search of query.c against what SQLite says
 * on its own: px_rank equals FTS5's bm25 (the table's rank) on every row;
 * totals, order and ranks equal a plain SQL search with the same filters;
 * the snippet comes from the reader's language when it matches there, and
 * is the bytes FTS5's snippet() makes of that row;
 * facets and filters for services, channels and start years (ASCII case
 * ignored for the lists); and what the search keeps between calls is
 * dropped when this connection or another one writes.
 */
#include "check.h"
#include "support.h"
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "index.h"
#include "jsonmp.h"
#include "query.h"
#include "records.h"
#include "tabular.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity author;
static uint8_t net[32];
static char path[256];
static uint64_t clock_ms = 1700000000000ull;

static px_store *open_store(void)
{
    px_store *s = NULL;
    CHECK_RC(px_store_open(path, &s), PX_OK);
    CHECK_RC(px_index_open(s, NULL), PX_OK);
    return s;
}

static void pub(px_store *s, const char *kind, json_t *j, char id[65])
{
    px_feed_ctx fc = {.store = s, .schema = px_index_schema, .index = px_index_entry};
    px_buf b = {0};
    px_entry e;
    memcpy(fc.network_id, net, 32);
    CHECK_RC(px_json_to_msgpack(j, &b), PX_OK);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_append(&fc, &author, kind, b.data, b.len, clock_ms++, &e), PX_OK);
    CHECK_RC(px_store_commit(s), PX_OK);
    if (id)
        px_id_hex(id, e.id);
    px_buf_free(&b);
    json_decref(j);
}

static const char *const en[] = {"waiting", "queue", "online", "portal", "passport", "staff",
                                 "kiosk",   "rural", "survey", "mobile", "licence",  "pension"};
static const char *const ru[] = {"очередь", "окно",     "портал", "паспорт",
                                 "опрос",   "персонал", "услуга", "пенсия"};
static const char *const channels[] = {"in person", "Online", "online", "phone"};

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) % n;
}

static json_t *words(const char *const *w, size_t n, int k)
{
    char buf[1024] = "";
    size_t len = 0;
    for (int i = 0; i < k; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "",
                                w[rnd((unsigned)n)]);
    return json_string(buf);
}

#define N_EN (sizeof en / sizeof en[0])
#define N_RU (sizeof ru / sizeof ru[0])

static json_t *a_case(int i)
{
    json_t *c = json_object();
    json_t *title = json_object(), *summary = json_object();
    json_object_set_new(title, "en", words(en, N_EN, 4));
    json_object_set_new(summary, "en", words(en, N_EN, 3 + i % 20));
    if (i % 3) {
        json_object_set_new(title, "ru", words(ru, N_RU, 4));
        json_object_set_new(summary, "ru", words(ru, N_RU, 5 + i % 7));
    }
    json_object_set_new(c, "title", title);
    json_object_set_new(c, "summary", summary);
    json_object_set_new(c, "country", json_string(i % 4 ? "KZ" : "GE"));
    json_object_set_new(c, "stage", json_string(i % 2 ? "pilot" : "scaled"));
    json_object_set_new(c, "start_year", json_integer(2010 + i % 5));
    json_object_set_new(c, "tags", json_pack("[s]", en[rnd(N_EN)]));
    json_object_set_new(c, "services", json_pack("[s]", i % 2 ? "Passport" : "pension"));
    json_object_set_new(c, "channels", json_pack("[s]", channels[i % 4]));
    return c;
}

/* What a plain SQL search finds: live cases that pass the filter, their
 * best bm25 (the table's rank) over their rows. */
typedef struct ref {
    char id[65];
    double rank;
} ref;

static int cmp_ref(const void *pa, const void *pb)
{
    const ref *a = pa, *b = pb;
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static size_t ref_search(px_store *s, const char *fts, const char *filter_sql, ref *out, size_t cap)
{
    char sql[1024];
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    snprintf(
        sql, sizeof sql,
        "SELECT c.id, min(f.rank) FROM rec_cases_fts f JOIN rec_cases c ON c.rid = f.rowid / %d "
        "WHERE rec_cases_fts MATCH ?1 AND c.live = 1 %s GROUP BY c.rid",
        PX_INDEX_FTS_LANGS, filter_sql);
    CHECK(sqlite3_prepare_v2(px_store_db(s), sql, -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
    while (st && sqlite3_step(st) == SQLITE_ROW && n < cap) {
        px_hex_encode(out[n].id, sqlite3_column_blob(st, 0), 32);
        out[n++].rank = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    qsort(out, n, sizeof *out, cmp_ref);
    return n;
}

/* px_query_cases against ref_search: same total, the same cases in the
 * same order where ranks differ, and ranks equal to the bit. */
static void check_against_sql(px_store *s, px_case_filter f, const char *fts,
                              const char *filter_sql)
{
    static ref want[4096];
    px_query q = {.store = s, .lang = "en"};
    json_t *res = NULL;
    f.limit = 4096;
    size_t n = ref_search(s, fts, filter_sql, want, 4096);
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
    json_t *cases = json_object_get(res, "cases");
    CHECK((size_t)json_integer_value(json_object_get(res, "total")) == n);
    CHECK(json_array_size(cases) == n);
    for (size_t i = 0; i < n && i < json_array_size(cases); i++) {
        const json_t *c = json_array_get(cases, i);
        double rank = -json_real_value(json_object_get(c, "rank"));
        CHECK(rank == want[i].rank); /* the same bm25, bit for bit */
        /* equal ranks may come in either order */
        if ((i == 0 || want[i - 1].rank != want[i].rank) &&
            (i + 1 == n || want[i + 1].rank != want[i].rank))
            CHECK_STR(px_json_str(c, "id", ""), want[i].id);
    }
    json_decref(res);
    if (n == 0)
        CHECK(strcmp(fts, "\"nothing\"") == 0);
}

static void test_rank_is_bm25(void)
{
    px_store *s = open_store();
    for (int i = 0; i < 300; i++)
        pub(s, "case", a_case(i), NULL);
    px_query q = {.store = s, .lang = "en"};
    px_case_filter f = {.search = "waiting", .limit = 1};
    json_t *res = NULL;
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK); /* registers px_rank */
    json_decref(res);
    static const char *const queries[] = {"\"waiting\"", "\"queue\" \"online\"", "\"очередь\"",
                                          "\"пор\"*", "\"passport\" \"staff\" \"kiosk\""};
    for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
        sqlite3_stmt *st = NULL;
        int rows = 0, same = 0;
        CHECK(sqlite3_prepare_v2(px_store_db(s),
                                 "SELECT px_rank(rec_cases_fts), rank FROM rec_cases_fts "
                                 "WHERE rec_cases_fts MATCH ?1",
                                 -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_text(st, 1, queries[k], -1, SQLITE_STATIC);
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            rows++;
            same += sqlite3_column_double(st, 0) == sqlite3_column_double(st, 1);
        }
        sqlite3_finalize(st);
        CHECK(rows > 0);
        CHECK(same == rows);
    }
    check_against_sql(s, (px_case_filter){.search = "waiting"}, "\"waiting\"", "");
    check_against_sql(s, (px_case_filter){.search = "queue online"}, "\"queue\" \"online\"", "");
    check_against_sql(s, (px_case_filter){.search = "очередь", .country = "GE"}, "\"очередь\"",
                      "AND c.country = 'GE'");
    check_against_sql(s, (px_case_filter){.search = "пор*", .stage = "pilot", .start_year = 2012},
                      "\"пор\"*", "AND c.stage = 'pilot' AND c.start_year = 2012");
    check_against_sql(s, (px_case_filter){.search = "waiting", .service = "PASSPORT"},
                      "\"waiting\"",
                      "AND EXISTS (SELECT 1 FROM rec_case_services v WHERE v.rid = c.rid AND "
                      "v.service = 'passport' COLLATE NOCASE)");
    check_against_sql(s, (px_case_filter){.search = "waiting", .channel = "online", .tag = "queue"},
                      "\"waiting\"",
                      "AND EXISTS (SELECT 1 FROM rec_case_channels v WHERE v.rid = c.rid AND "
                      "v.channel = 'online' COLLATE NOCASE) AND EXISTS (SELECT 1 FROM "
                      "rec_case_tags t WHERE t.rid = c.rid AND t.tag = 'queue')");
    check_against_sql(s, (px_case_filter){.search = "nothing"}, "\"nothing\"", "");
    px_store_close(s);
}

static int64_t facet_count(const json_t *res, const char *facet, const char *value)
{
    const json_t *list = json_object_get(json_object_get(res, "facets"), facet), *v;
    size_t i;
    json_array_foreach(list, i, v) if (strcmp(px_json_str(v, "value", ""), value) == 0) return (
        int64_t)json_integer_value(json_object_get(v, "count"));
    return -1;
}

static void test_facets_and_filters(void)
{
    px_store *s = open_store();
    px_query q = {.store = s, .lang = "ru"};
    json_t *res = NULL;
    /* 300 cases from test_rank_is_bm25: services alternate Passport /
     * pension, channels cycle in person, Online, online, phone; start
     * years 2010 + i % 5. */
    CHECK_RC(px_query_case_facets(&q, &(px_case_filter){0}, 0, &res), PX_OK);
    CHECK(facet_count(res, "service", "Passport") == 150);
    CHECK(facet_count(res, "service", "pension") == 150);
    CHECK(facet_count(res, "channel", "in person") == 75);
    CHECK(facet_count(res, "channel", "Online") == 75); /* as written, each spelling */
    CHECK(facet_count(res, "channel", "online") == 75);
    CHECK(facet_count(res, "year", "2012") == 60);
    json_decref(res);
    /* the filters: a channel ignores ASCII case; a start year; together */
    px_case_filter f = {.channel = "ONLINE"};
    CHECK_RC(px_query_case_facets(&q, &f, 0, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 150);
    json_decref(res);
    f = (px_case_filter){.start_year = 2013, .service = "passport"};
    CHECK_RC(px_query_case_facets(&q, &f, 0, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 30);
    CHECK(facet_count(res, "year", "2013") == 30);
    CHECK(facet_count(res, "year", "2012") == -1);
    json_decref(res);
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 30);
    const json_t *c = json_array_get(json_object_get(res, "cases"), 0);
    CHECK(json_integer_value(json_object_get(c, "start_year")) == 2013);
    json_decref(res);

    /* What is kept goes when this connection writes... */
    f = (px_case_filter){.search = "zebra", .start_year = 2013};
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 0);
    json_decref(res);
    pub(s, "case",
        json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:i, s:[s]}", "title", "en",
                  "A zebra crossing", "ru", "Зебра", "summary", "en", "Zebra.", "ru",
                  "Зебра у центра.", "country", "KZ", "stage", "idea", "start_year", 2013, "tags",
                  "zebra"),
        NULL);
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 1);
    /* the word is in the tags, so in both languages' rows: the reader's
     * language gives the snippet */
    c = json_array_get(json_object_get(res, "cases"), 0);
    CHECK_STR(px_json_str(c, "snippet_lang", ""), "ru");
    json_decref(res);
    q.lang = "en";
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
    c = json_array_get(json_object_get(res, "cases"), 0);
    CHECK_STR(px_json_str(c, "snippet_lang", ""), "en");
    json_decref(res);
    /* ...and when another one does. */
    px_store *other = open_store();
    pub(other, "case",
        json_pack("{s:{s:s}, s:{s:s}, s:s, s:s, s:i}", "title", "en", "Zebra two", "summary", "en",
                  "Zebra again.", "country", "KZ", "stage", "idea", "start_year", 2013),
        NULL);
    px_store_close(other);
    CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 2);
    json_decref(res);
    /* (the facets of the search just made reuse the cases it found) */
    CHECK_RC(px_query_case_facets(&q, &f, 0, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 2);
    CHECK(facet_count(res, "year", "2013") == 2);
    json_decref(res);
    /* ...but never for another filter or other words */
    f.stage = "pilot";
    CHECK_RC(px_query_case_facets(&q, &f, 0, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 0);
    json_decref(res);
    f = (px_case_filter){.search = "crossing", .start_year = 2013};
    CHECK_RC(px_query_case_facets(&q, &f, 0, &res), PX_OK);
    CHECK(json_integer_value(json_object_get(res, "total")) == 1);
    json_decref(res);
    px_store_close(s);
}

/* A page (offset, limit) lists what the whole list holds at its place,
 * snippets and ranks included, with the same total. */
static void test_paging(void)
{
    px_store *s = open_store();
    px_query q = {.store = s, .lang = "ru"};
    static const char *const searches[] = {"waiting", "очередь", NULL};
    for (size_t k = 0; k < sizeof searches / sizeof searches[0]; k++) {
        json_t *all = NULL, *page = NULL;
        CHECK_RC(px_query_cases(&q, &(px_case_filter){.search = searches[k], .limit = 4096}, &all),
                 PX_OK);
        size_t total = (size_t)json_integer_value(json_object_get(all, "total"));
        CHECK(total > 20);
        size_t offsets[] = {0, 7, total - 3, total, total + 5};
        for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
            px_case_filter f = {.search = searches[k], .limit = 5, .offset = offsets[o]};
            CHECK_RC(px_query_cases(&q, &f, &page), PX_OK);
            CHECK((size_t)json_integer_value(json_object_get(page, "total")) == total);
            const json_t *list = json_object_get(page, "cases");
            size_t want = offsets[o] >= total ? 0 : total - offsets[o] < 5 ? total - offsets[o] : 5;
            CHECK(json_array_size(list) == want);
            for (size_t i = 0; i < json_array_size(list); i++) {
                const json_t *a = json_array_get(list, i);
                const json_t *b = json_array_get(json_object_get(all, "cases"), offsets[o] + i);
                CHECK(json_equal(a, b));
            }
            json_decref(page);
        }
        json_decref(all);
    }
    px_store_close(s);
}

/* Texts for the snippets: sentences of 1 to 30 words with the
 * punctuation, letter case, diacritics and hyphenated words that move a
 * snippet's window, its marks and its ellipses. */
static const char *const sn_words[] = {
    "waiting",       "Waiting", "QUEUE",   "queue",    "one-stop",  "shop", "café",       "cafe",
    "online",        "очередь", "Очередь", "окно",     "ёлка",      "елка", "stop",       "one",
    "<b>portal</b>", "[x]",     "e.g.",    "passport", "passports", "time", "time-limit", "ОКНО"};
static const char *const sn_seps[] = {" ",  " ",   " ",  ", ",  ". ", ": ", " - ",
                                      "; ", ".\n", "  ", "...", " (", ") "};

static json_t *sn_text(int max_words)
{
    char buf[2048];
    size_t len = 0;
    int n = 1 + (int)rnd((unsigned)max_words);
    buf[0] = '\0';
    for (int i = 0; i < n && len + 64 < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
                                i ? sn_seps[rnd(sizeof sn_seps / sizeof sn_seps[0])] : "",
                                sn_words[rnd(sizeof sn_words / sizeof sn_words[0])]);
    if (rnd(3) == 0)
        snprintf(buf + len, sizeof buf - len, ".");
    return json_string(buf);
}

static json_t *sn_case(int i)
{
    json_t *c = json_object();
    json_t *title = json_object(), *summary = json_object(), *problem = json_object();
    json_object_set_new(title, "en", sn_text(6));
    json_object_set_new(summary, "en", sn_text(i % 3 ? 40 : 8));
    if (i % 2)
        json_object_set_new(problem, "en", sn_text(25));
    if (i % 3) {
        json_object_set_new(title, "ru", sn_text(5));
        json_object_set_new(summary, "ru", sn_text(30));
    }
    json_object_set_new(c, "title", title);
    json_object_set_new(c, "summary", summary);
    json_object_set_new(c, "problem", problem);
    json_object_set_new(c, "country", json_string("AM"));
    json_object_set_new(c, "stage", json_string("idea"));
    json_object_set_new(c, "tags",
                        json_pack("[s, s]", sn_words[rnd(sizeof sn_words / sizeof sn_words[0])],
                                  i % 5 ? "one-stop shop" : "time"));
    return c;
}

/* Every case a search finds has the snippet FTS5's snippet(rec_cases_fts,
 * -1, '[', ']', '…', 16) makes of the row it names (snippet_lang). */
static void test_snippet_is_fts5(void)
{
    char spath[256];
    px_store *s = NULL;
    ts_path(spath, "snippets.db");
    CHECK_RC(px_store_open(spath, &s), PX_OK);
    CHECK_RC(px_index_open(s, NULL), PX_OK);
    for (int i = 0; i < 400; i++)
        pub(s, "case", sn_case(i), NULL);
    static const char *const searches[] = {
        "waiting",   "queue waiting", "one-stop",     "one-stop shop",
        "stop one",  "wait*",         "оч*",          "cafe",
        "café",      "ёлка",          "елка окно",    "waiting waiting",
        "passport*", "time-limit",    "time",         "portal",
        "x",         "e.g.",          "ОКНО очередь", "p*",
        "o* s*"};
    sqlite3_stmt *st = NULL;
    CHECK(sqlite3_prepare_v2(px_store_db(s),
                             "SELECT snippet(rec_cases_fts, -1, '[', ']', '…', 16) FROM "
                             "rec_cases_fts f JOIN rec_cases c ON c.rid = f.rowid / " PX_STR(
                                 PX_INDEX_FTS_LANGS) " WHERE rec_cases_fts MATCH ?1 AND "
                                                     "c.id = ?2 AND f.lang = ?3",
                             -1, &st, NULL) == SQLITE_OK);
    size_t checked = 0, differ = 0;
    for (size_t k = 0; k < sizeof searches / sizeof searches[0]; k++)
        for (int l = 0; l < 2; l++) {
            px_query q = {.store = s, .lang = l ? "ru" : "en"};
            px_case_filter f = {.search = searches[k], .limit = 4096};
            json_t *res = NULL;
            px_buf fts = {0};
            CHECK_RC(px_query_cases(&q, &f, &res), PX_OK);
            /* the FTS5 query px_query_cases makes of these words */
            for (const char *p = searches[k]; *p;) {
                size_t n = strcspn(p, " ");
                bool prefix = n > 1 && p[n - 1] == '*';
                if (fts.len)
                    px_buf_append(&fts, " ", 1);
                px_buf_append(&fts, "\"", 1);
                px_buf_append(&fts, p, prefix ? n - 1 : n);
                px_buf_append(&fts, prefix ? "\"*" : "\"", prefix ? 2 : 1);
                p += n + (p[n] == ' ');
            }
            px_buf_append(&fts, "", 1);
            const json_t *list = json_object_get(res, "cases"), *c;
            size_t i;
            CHECK(json_array_size(list) > 0);
            json_array_foreach(list, i, c)
            {
                uint8_t id[32];
                CHECK_RC(px_hex_decode(id, 32, px_json_str(c, "id", "")), PX_OK);
                sqlite3_bind_text(st, 1, (const char *)fts.data, -1, SQLITE_STATIC);
                sqlite3_bind_blob(st, 2, id, 32, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, px_json_str(c, "snippet_lang", ""), -1, SQLITE_STATIC);
                CHECK(sqlite3_step(st) == SQLITE_ROW);
                const char *want = (const char *)sqlite3_column_text(st, 0);
                const char *got = px_json_str(c, "snippet", NULL);
                checked++;
                if (!want != !got || (want && strcmp(want, got) != 0)) {
                    if (differ++ < 5)
                        fprintf(stderr, "search '%s': snippet\n  %s\nFTS5 makes\n  %s\n",
                                searches[k], got ? got : "(none)", want ? want : "(none)");
                }
                sqlite3_reset(st);
            }
            px_buf_free(&fts);
            json_decref(res);
        }
    sqlite3_finalize(st);
    CHECK(checked > 2000);
    CHECK(differ == 0);
    px_store_close(s);
}

/* What the connection keeps of each word: more words than it keeps (the
 * least recently used go, never one the search at hand uses), a word in
 * another letter case is the same word, and every answer from kept words
 * is the one SQLite gives. */
static void test_words_kept(void)
{
    char spath[256];
    px_store *s = NULL;
    ts_path(spath, "words.db");
    CHECK_RC(px_store_open(spath, &s), PX_OK);
    CHECK_RC(px_index_open(s, NULL), PX_OK);
    enum { N = 300 }; /* more than a connection keeps (TERMS_MAX, 256) */
    for (int i = 0; i < N; i++) {
        char t[64];
        snprintf(t, sizeof t, "Waiting at desk%03d", i);
        pub(s, "case",
            json_pack("{s:{s:s}, s:{s:s}, s:s, s:s}", "title", "en", t, "summary", "en",
                      i % 2 ? "waiting time" : "a queue", "country", "KZ", "stage", "idea"),
            NULL);
    }
    char q[64], fts[64];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < N; i += round ? 7 : 1) {
            snprintf(q, sizeof q, "%s desk%03d", i % 3 ? "waiting" : "WAITING", i);
            snprintf(fts, sizeof fts, "\"waiting\" \"desk%03d\"", i);
            check_against_sql(s, (px_case_filter){.search = q}, fts, "");
        }
    check_against_sql(s, (px_case_filter){.search = "Waiting"}, "\"waiting\"", "");
    check_against_sql(s, (px_case_filter){.search = "waiting waiting time"},
                      "\"waiting\" \"waiting\" \"time\"", "");
    check_against_sql(s, (px_case_filter){.search = "desk1*"}, "\"desk1\"*", "");
    check_against_sql(s, (px_case_filter){.search = "desk1* waiting"}, "\"desk1\"* \"waiting\"",
                      "");
    check_against_sql(s, (px_case_filter){.search = "- waiting ,"}, "\"waiting\"", "");
    px_store_close(s);
}

int main(void)
{
    if (px_crypto_init() != PX_OK)
        return 1;
    ts_tmpdir("casesearch");
    ts_path(path, "store.db");
    px_identity_generate(&author);
    memset(net, 9, sizeof net);
    RUN(test_rank_is_bm25);
    RUN(test_facets_and_filters);
    RUN(test_paging);
    RUN(test_snippet_is_fts5);
    RUN(test_words_kept);
    return check_summary();
}
