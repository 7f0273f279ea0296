/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.c — the records index: derived tables kept in step with the entries
 * (see index.h; the tables are schema/003_records.sql).
 *
 * Layout: the statements (one X-macro, prepared once per connection and kept
 * in the store's PX_STORE_EXT_INDEX slot); binding and msgpack helpers;
 * versions (supersedes) and retractions; one indexer per kind; the hooks;
 * rebuild and open; lookups.
 */
#include "index.h"

#include "error.h"
#include "feed.h"
#include "kinds.h"
#include "progress.h"
#include "util.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statements of the two versioned tables (cases, indicators). */
#define VERSIONED(X, p, table)                                                                     \
    X(p##_get, "SELECT version_no, prev_rid, live FROM " table " WHERE rid = ?1")                  \
    X(p##_id, "SELECT id FROM " table " WHERE rid = ?1")                                           \
    X(p##_unlive, "UPDATE " table " SET live = 0 WHERE rid = ?1")                                  \
    X(p##_relive,                                                                                  \
      "UPDATE " table " SET live = (retracted = 0 AND NOT EXISTS (SELECT 1 FROM " table            \
      " AS n WHERE n.prev_rid = ?1 AND n.live = 1)) WHERE rid = ?1")                               \
    X(p##_retract, "UPDATE " table " SET retracted = 1, live = 0 WHERE rid = ?1")                  \
    X(p##_next, "SELECT id FROM " table " WHERE prev_rid = ?1 ORDER BY live DESC, rid DESC "       \
                "LIMIT 1")

#define STMTS(X)                                                                                   \
    X(meta_get, "SELECT value FROM meta WHERE key = 'records_index'")                              \
    X(meta_set, "INSERT INTO meta (key, value) VALUES ('records_index', ?1) "                      \
                "ON CONFLICT (key) DO UPDATE SET value = ?1")                                      \
    X(ref_put,                                                                                     \
      "INSERT OR REPLACE INTO rec_index (author, seq, kind, rid) VALUES (?1, ?2, ?3, ?4)")         \
    X(ref_get, "SELECT r.author, r.kind, r.rid FROM entries e JOIN rec_index r "                   \
               "ON r.author = e.author AND r.seq = e.seq WHERE e.id = ?1")                         \
    X(case_put, "INSERT INTO rec_cases (id, author, ts, country, stage, centre, start_year, "      \
                "end_year, illustrative, prev_rid, version_no) "                                   \
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")                           \
    X(case_tag, "INSERT OR IGNORE INTO rec_case_tags (tag, rid) VALUES (?1, ?2)")                  \
    X(case_service, "INSERT OR IGNORE INTO rec_case_services (service, rid) VALUES (?1, ?2)")      \
    X(case_channel, "INSERT OR IGNORE INTO rec_case_channels (channel, rid) VALUES (?1, ?2)")      \
    X(case_fts, "INSERT INTO rec_cases_fts (rowid, title, summary, body, extra, case_rid, lang) "  \
                "VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)")                                             \
    X(ind_put,                                                                                     \
      "INSERT INTO rec_indicators (id, author, ts, code, version, measure_type, domain, "          \
      "unit, scale_min, scale_max, higher_is_better, illustrative, prev_rid, version_no, "         \
      "version_written) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "     \
      "?15)")                                                                                      \
    X(ind_find, "SELECT id, code, version, measure_type, domain, unit, scale_min, scale_max, "     \
                "higher_is_better, illustrative, version_written FROM rec_indicators WHERE "       \
                "code = ?1 AND "                                                                   \
                "retracted = 0 AND ((?2 = 0 AND live = 1) OR version = ?2) "                       \
                "ORDER BY live DESC, version DESC, ts, rid LIMIT 1")                               \
    X(bench_put, "INSERT INTO rec_benchmarks (id, author, ts, indicator, indicator_version, "      \
                 "country, centre, service, channel, period, period_key, value, n, ci_low, "       \
                 "ci_high, std_err, method, status, source, illustrative, "                        \
                 "indicator_version_written) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "    \
                 "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)")                         \
    X(bench_retract, "UPDATE rec_benchmarks SET retracted = 1 WHERE rid = ?1")                     \
    X(bench_supersede,                                                                             \
      "UPDATE rec_benchmarks INDEXED BY rec_benchmarks_current SET superseded = 1 WHERE "          \
      "indicator = ?1 AND country = ?3 AND "                                                       \
      "period_key = ?2 AND author = ?4 AND centre IS ?6 AND service IS ?7 AND channel IS ?8 AND "  \
      "indicator_version IS ?5 AND superseded = 0 AND retracted = 0 AND +rid < ?9")                \
    X(bench_twin, "SELECT id FROM rec_benchmarks INDEXED BY rec_benchmarks_current WHERE "         \
                  "indicator = ?1 AND country = ?3 AND "                                           \
                  "period_key = ?2 AND author = ?4 AND centre IS ?6 AND service IS ?7 AND "        \
                  "channel IS ?8 AND indicator_version IS ?5 AND superseded = 0 AND "              \
                  "retracted = 0 LIMIT 1")                                                         \
    X(bench_prev, "SELECT rid FROM rec_benchmarks INDEXED BY rec_benchmarks_ind WHERE "            \
                  "indicator = ?1 AND retracted = 0 AND period_key = ?2 AND country = ?3 AND "     \
                  "author = ?4 AND indicator_version IS ?5 AND centre IS ?6 AND service IS ?7 "    \
                  "AND channel IS ?8 AND +rid != ?9 ORDER BY +rid DESC LIMIT 1")                   \
    X(bench_key, "SELECT indicator, period_key, country, author, indicator_version, centre, "      \
                 "service, channel, superseded FROM rec_benchmarks WHERE rid = ?1")                \
    X(bench_current, "UPDATE rec_benchmarks SET superseded = 0 WHERE rid = ?1")                    \
    X(cw_put, "INSERT INTO rec_crosswalks (id, author, ts, from_code, to_code, conversion, a, b, " \
              "grade, illustrative) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")             \
    X(cw_retract, "UPDATE rec_crosswalks SET retracted = 1 WHERE rid = ?1")                        \
    X(agg_put,                                                                                     \
      "INSERT INTO rec_aggregates (id, author, ts, indicator, indicator_version, period, "         \
      "period_key, by_what, grp, weighting, basis, value, members, n, illustrative, "              \
      "indicator_version_written) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "     \
      "?13, ?14, ?15, ?16)")                                                                       \
    X(agg_retract, "UPDATE rec_aggregates SET retracted = 1 WHERE rid = ?1")                       \
    X(retraction_put, "INSERT OR IGNORE INTO rec_retractions (target, id, author, ts) "            \
                      "VALUES (?1, ?2, ?3, ?4)")                                                   \
    X(retraction_get, "SELECT id FROM rec_retractions WHERE target = ?1")                          \
    X(fts_config_get, "SELECT v FROM rec_cases_fts_config WHERE k = ?1")                           \
    X(fts_config_set, "INSERT INTO rec_cases_fts (rec_cases_fts, rank) VALUES (?1, ?2)")           \
    VERSIONED(X, case, "rec_cases")                                                                \
    VERSIONED(X, ind, "rec_indicators")

typedef struct ix {
    px_store *store;
    sqlite3 *db;
    msgpack_zone zone; /* reused for every body indexed on this connection */
#define STMT_FIELD(name, sql) sqlite3_stmt *name;
    STMTS(STMT_FIELD)
#undef STMT_FIELD
    px_index_until_fn until; /* entries past it do not count (index.h) */
    void *until_ctx;
    /* the full-text rows of the case being indexed (case_fulltext), kept
     * with their buffers from one case to the next: a bulk load allocates
     * them once, not twice per case */
    struct lang_rows *text;
    px_buf extra;
} ix;

static void lang_rows_free(struct lang_rows *lr);

/* The statements of one versioned table. */
typedef struct versioned {
    const char *kind;
    sqlite3_stmt *get, *id, *unlive, *relive, *retract, *next;
} versioned;

static void ix_free(void *state)
{
    ix *x = state;
    if (!x)
        return;
#define STMT_FINALIZE(name, sql) sqlite3_finalize(x->name);
    STMTS(STMT_FINALIZE)
#undef STMT_FINALIZE
    msgpack_zone_destroy(&x->zone);
    lang_rows_free(x->text);
    px_buf_free(&x->extra);
    free(x);
}

/* This connection's statements, prepared on first use. */
static int state(px_store *s, ix **out)
{
    ix *x = px_store_ext(s, PX_STORE_EXT_INDEX);
    int rc = PX_OK;
    if (x) {
        *out = x;
        return PX_OK;
    }
    x = calloc(1, sizeof *x);
    if (!x)
        return PX_ENOMEM;
    x->store = s;
    x->db = px_store_db(s);
    if (!msgpack_zone_init(&x->zone, MSGPACK_ZONE_CHUNK_SIZE)) {
        free(x);
        return PX_ENOMEM;
    }
#define STMT_PREPARE(name, sql)                                                                    \
    if (!rc) {                                                                                     \
        int src_ = sqlite3_prepare_v3(x->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &x->name, NULL);  \
        if (src_ != SQLITE_OK)                                                                     \
            rc = px_store_error(s, src_, "preparing the records index (" #name ")");               \
    }
    STMTS(STMT_PREPARE)
#undef STMT_PREPARE
    if (rc) {
        ix_free(x);
        return rc;
    }
    px_store_set_ext(s, PX_STORE_EXT_INDEX, x, ix_free);
    *out = x;
    return PX_OK;
}

static versioned versions_of(const ix *x, bool is_case)
{
    if (is_case)
        return (versioned){"case",         x->case_get,     x->case_id,  x->case_unlive,
                           x->case_relive, x->case_retract, x->case_next};
    return (versioned){"indicator",   x->ind_get,     x->ind_id,  x->ind_unlive,
                       x->ind_relive, x->ind_retract, x->ind_next};
}

/* ---- binding and msgpack helpers ---------------------------------------- */

static void reset(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Step a statement that returns no rows, then reset it. */
static int run(const ix *x, sqlite3_stmt *st, const char *what)
{
    int src = sqlite3_step(st);
    int rc = src == SQLITE_DONE ? PX_OK : px_store_error(x->store, src, what);
    reset(st);
    return rc;
}

/* Bind a msgpack str (or NULL when o is absent or not a str). The bytes
 * must stay valid until the statement is reset. */
static void bind_str(sqlite3_stmt *st, int i, const msgpack_object *o)
{
    if (o && o->type == MSGPACK_OBJECT_STR)
        sqlite3_bind_text(st, i, o->via.str.ptr, (int)o->via.str.size, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_cstr(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* A string field, or dflt when the record leaves it out. */
static void bind_str_or(sqlite3_stmt *st, int i, const msgpack_object *o, const char *dflt)
{
    if (o)
        bind_str(st, i, o);
    else
        sqlite3_bind_text(st, i, dflt, -1, SQLITE_STATIC);
}

/* A row id, NULL when 0 (none). */
static void bind_rid_opt(sqlite3_stmt *st, int i, int64_t rid)
{
    if (rid)
        sqlite3_bind_int64(st, i, rid);
    else
        sqlite3_bind_null(st, i);
}

static bool is_int(const msgpack_object *o)
{
    return o && (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
                 o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
}

static void bind_int_opt(sqlite3_stmt *st, int i, const msgpack_object *o)
{
    if (is_int(o))
        sqlite3_bind_int64(st, i, o->via.i64);
    else
        sqlite3_bind_null(st, i);
}

/* An indicator version's key (what equality and ORDER BY compare), or NULL
 * when the record gives none. */
static void bind_version(sqlite3_stmt *st, int i, const msgpack_object *o)
{
    int64_t key;
    if (o && px_version_key(o, &key) == PX_OK)
        sqlite3_bind_int64(st, i, key);
    else
        sqlite3_bind_null(st, i);
}

/* The version as written: an integer stays one, a text stays text. */
static void bind_version_written(sqlite3_stmt *st, int i, const msgpack_object *o)
{
    int64_t key;
    if (!o || px_version_key(o, &key) != PX_OK)
        sqlite3_bind_null(st, i);
    else if (o->type == MSGPACK_OBJECT_STR)
        sqlite3_bind_text(st, i, o->via.str.ptr, (int)o->via.str.size, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, i, o->via.i64);
}

static double num(const msgpack_object *o)
{
    if (!o)
        return NAN;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return (double)o->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return (double)o->via.i64;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return o->via.f64;
    default:
        return NAN;
    }
}

static bool flag(const msgpack_object *o)
{
    return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* An entry id field (validated as 64 lowercase hex digits). */
static bool get_id(const msgpack_object *o, uint8_t out[32])
{
    char hex[65];
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size != 64)
        return false;
    memcpy(hex, o->via.str.ptr, 64);
    hex[64] = '\0';
    return px_hex_decode(out, 32, hex) == PX_OK;
}

int64_t px_index_period_key(const px_period *p)
{
    int64_t key = (int64_t)p->year * 1000;
    if (p->quarter)
        key += (3 * (int64_t)p->quarter - 2) * 10 + 1;
    else if (p->month)
        key += (int64_t)p->month * 10 + 2;
    return key;
}

static int64_t period_key_of(const msgpack_object *o)
{
    px_period p;
    if (!o || o->type != MSGPACK_OBJECT_STR ||
        px_period_parse(o->via.str.ptr, o->via.str.size, &p) != PX_OK)
        return 0;
    return px_index_period_key(&p);
}

/* ---- references, versions, retractions ----------------------------------- */

typedef struct ref {
    uint8_t author[32];
    char kind[PX_KIND_MAX + 1];
    int64_t rid;
} ref;

/* PX_OK, PX_ENOENT or a store error. */
static int ref_get(const ix *x, const uint8_t id[32], ref *out)
{
    int rc = PX_ENOENT;
    sqlite3_bind_blob(x->ref_get, 1, id, 32, SQLITE_STATIC);
    int src = sqlite3_step(x->ref_get);
    if (src == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        if (sqlite3_column_bytes(x->ref_get, 0) == 32)
            memcpy(out->author, sqlite3_column_blob(x->ref_get, 0), 32);
        const char *k = (const char *)sqlite3_column_text(x->ref_get, 1);
        snprintf(out->kind, sizeof out->kind, "%s", k ? k : "");
        out->rid = sqlite3_column_int64(x->ref_get, 2);
        rc = PX_OK;
    } else if (src != SQLITE_DONE) {
        rc = px_store_error(x->store, src, "reading the records index");
    }
    reset(x->ref_get);
    return rc;
}

static int ref_put(const ix *x, const px_entry *e, const char *kind, int64_t rid)
{
    sqlite3_stmt *st = x->ref_put;
    sqlite3_bind_blob(st, 1, e->h.author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->h.seq);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, rid);
    return run(x, st, "indexing a record");
}

/* Parameters 1-3 of every kind's insert: the entry's id, author and
 * timestamp. */
static void bind_entry(sqlite3_stmt *st, const px_entry *e)
{
    sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, e->h.author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)e->h.timestamp_ms);
}

/* Run a kind's insert (st) and record where the entry's row is. OUT *rid
 * (may be NULL): the row. */
static int insert_ref(const ix *x, sqlite3_stmt *st, const px_entry *e, const char *kind,
                      const char *what, int64_t *rid)
{
    int rc = run(x, st, what);
    int64_t r = sqlite3_last_insert_rowid(x->db);
    if (!rc)
        rc = ref_put(x, e, kind, r);
    if (rid)
        *rid = r;
    return rc;
}

/* Read version_no, prev_rid and live of row rid of a versioned table. */
static int version_row(const ix *x, const versioned *v, int64_t rid, int64_t *version_no,
                       int64_t *prev_rid, bool *live)
{
    int rc = PX_ENOENT;
    sqlite3_bind_int64(v->get, 1, rid);
    int src = sqlite3_step(v->get);
    if (src == SQLITE_ROW) {
        *version_no = sqlite3_column_int64(v->get, 0);
        *prev_rid =
            sqlite3_column_type(v->get, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(v->get, 1);
        *live = sqlite3_column_int(v->get, 2) != 0;
        rc = PX_OK;
    } else if (src != SQLITE_DONE) {
        rc = px_store_error(x->store, src, "reading a version");
    }
    reset(v->get);
    return rc;
}

/* The version e supersedes, when it names one of its author's own records
 * of the same kind. OUT *prev_rid (0: none) and *version_no. */
static int resolve_prev(const ix *x, const versioned *v, const px_entry *e,
                        const msgpack_object *supersedes, int64_t *prev_rid, int64_t *version_no)
{
    uint8_t target[32];
    ref r;
    *prev_rid = 0;
    *version_no = 1;
    if (!get_id(supersedes, target))
        return PX_OK;
    int rc = ref_get(x, target, &r);
    if (rc == PX_ENOENT)
        return PX_OK;
    if (rc)
        return rc;
    if (memcmp(r.author, e->h.author, 32) != 0 || strcmp(r.kind, v->kind) != 0)
        return PX_OK;
    int64_t vno = 0, pprev = 0;
    bool live = false;
    rc = version_row(x, v, r.rid, &vno, &pprev, &live);
    if (rc == PX_ENOENT)
        return PX_OK;
    if (rc)
        return rc;
    *prev_rid = r.rid;
    *version_no = vno + 1;
    return PX_OK;
}

static int set_rid(const ix *x, sqlite3_stmt *st, int64_t rid, const char *what)
{
    sqlite3_bind_int64(st, 1, rid);
    return run(x, st, what);
}

/* ---- the indexers, one per kind ------------------------------------------ */

/* Cases: the full-text rows. Each language gets one row; at most this many
 * languages per case are indexed (a body may hold up to 1,000 entries per
 * language map; real cases hold a handful). Row i of case rid has the FTS
 * rowid rid * PX_INDEX_FTS_LANGS + i, so a search finds its cases from the
 * doclist alone, without reading the rows (query.c). */
enum { MAX_LANGS = PX_INDEX_FTS_LANGS };

typedef struct lang_rows {
    size_t n;
    const char *key[MAX_LANGS];
    size_t key_len[MAX_LANGS];
    px_buf col[MAX_LANGS][3]; /* title, summary, body; empty beyond n */
} lang_rows;

/* NULL-safe; frees lr too. */
static void lang_rows_free(lang_rows *lr)
{
    if (!lr)
        return;
    for (size_t i = 0; i < MAX_LANGS; i++)
        for (int c = 0; c < 3; c++)
            px_buf_free(&lr->col[i][c]);
    free(lr);
}

/* Empty the rows for the next case, keeping their buffers. */
static void lang_rows_reset(lang_rows *lr)
{
    for (size_t i = 0; i < lr->n; i++)
        for (int c = 0; c < 3; c++)
            px_buf_reset(&lr->col[i][c]);
    lr->n = 0;
}

static int append_text(px_buf *b, const char *p, size_t n)
{
    int rc = PX_OK;
    if (b->len)
        rc = px_buf_append(b, "\n", 1);
    if (!rc)
        rc = px_buf_append(b, p, n);
    return rc;
}

/* Add the entries of language map o to column col of their languages. */
static int add_langmap(lang_rows *lr, const msgpack_object *o, int col)
{
    if (!o || o->type != MSGPACK_OBJECT_MAP)
        return PX_OK;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key, *v = &o->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR || v->type != MSGPACK_OBJECT_STR)
            continue;
        size_t li = 0;
        while (li < lr->n && !(lr->key_len[li] == k->via.str.size &&
                               memcmp(lr->key[li], k->via.str.ptr, k->via.str.size) == 0))
            li++;
        if (li == lr->n) {
            if (lr->n == MAX_LANGS)
                continue;
            lr->key[li] = k->via.str.ptr;
            lr->key_len[li] = k->via.str.size;
            lr->n++;
        }
        int rc = append_text(&lr->col[li][col], v->via.str.ptr, v->via.str.size);
        if (rc)
            return rc;
    }
    return PX_OK;
}

static int add_strs(px_buf *b, const msgpack_object *o)
{
    if (!o)
        return PX_OK;
    if (o->type == MSGPACK_OBJECT_STR)
        return append_text(b, o->via.str.ptr, o->via.str.size);
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return PX_OK;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *it = &o->via.array.ptr[i];
        if (it->type != MSGPACK_OBJECT_STR)
            continue;
        int rc = append_text(b, it->via.str.ptr, it->via.str.size);
        if (rc)
            return rc;
    }
    return PX_OK;
}

static void bind_buf(sqlite3_stmt *st, int i, const px_buf *b)
{
    if (b->len)
        sqlite3_bind_text(st, i, (const char *)b->data, (int)b->len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int case_fulltext(ix *x, const msgpack_object *root, int64_t rid)
{
    static const char *const body_fields[] = {"problem", "solution", "implementation",
                                              "results", "lessons",  "transferability"};
    if (!x->text && !(x->text = calloc(1, sizeof *x->text)))
        return PX_ENOMEM;
    lang_rows *lr = x->text;
    px_buf *extra = &x->extra;
    lang_rows_reset(lr);
    px_buf_reset(extra);
    int rc = add_langmap(lr, px_record_get(root, "title"), 0);
    if (!rc)
        rc = add_langmap(lr, px_record_get(root, "summary"), 1);
    for (size_t f = 0; !rc && f < sizeof body_fields / sizeof body_fields[0]; f++)
        rc = add_langmap(lr, px_record_get(root, body_fields[f]), 2);
    static const char *const extra_fields[] = {"centre", "tags", "services", "channels"};
    for (size_t f = 0; !rc && f < sizeof extra_fields / sizeof extra_fields[0]; f++)
        rc = add_strs(extra, px_record_get(root, extra_fields[f]));
    for (size_t i = 0; !rc && i < lr->n; i++) {
        sqlite3_stmt *st = x->case_fts;
        bind_buf(st, 1, &lr->col[i][0]);
        bind_buf(st, 2, &lr->col[i][1]);
        bind_buf(st, 3, &lr->col[i][2]);
        bind_buf(st, 4, extra);
        sqlite3_bind_int64(st, 5, rid);
        sqlite3_bind_text(st, 6, lr->key[i], (int)lr->key_len[i], SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, rid * PX_INDEX_FTS_LANGS + (int64_t)i);
        rc = run(x, st, "indexing a case's text");
    }
    return rc;
}

/* One row of st (value, rid) per string of the array a (tags, services,
 * channels). */
static int case_list(const ix *x, sqlite3_stmt *st, const msgpack_object *a, int64_t rid,
                     const char *what)
{
    int rc = PX_OK;
    for (uint32_t i = 0; !rc && a && a->type == MSGPACK_OBJECT_ARRAY && i < a->via.array.size;
         i++) {
        bind_str(st, 1, &a->via.array.ptr[i]);
        sqlite3_bind_int64(st, 2, rid);
        rc = run(x, st, what);
    }
    return rc;
}

static int index_case(ix *x, const px_entry *e, const msgpack_object *root)
{
    versioned v = versions_of(x, true);
    int64_t prev = 0, vno = 1;
    int rc = resolve_prev(x, &v, e, px_record_get(root, "supersedes"), &prev, &vno);
    if (rc)
        return rc;
    sqlite3_stmt *st = x->case_put;
    bind_entry(st, e);
    bind_str(st, 4, px_record_get(root, "country"));
    bind_str(st, 5, px_record_get(root, "stage"));
    bind_str(st, 6, px_record_get(root, "centre"));
    bind_int_opt(st, 7, px_record_get(root, "start_year"));
    bind_int_opt(st, 8, px_record_get(root, "end_year"));
    sqlite3_bind_int(st, 9, flag(px_record_get(root, "illustrative")));
    bind_rid_opt(st, 10, prev);
    sqlite3_bind_int64(st, 11, vno);
    int64_t rid;
    rc = insert_ref(x, st, e, "case", "indexing a case", &rid);
    if (!rc)
        rc = case_list(x, x->case_tag, px_record_get(root, "tags"), rid, "indexing a case's tags");
    if (!rc)
        rc = case_list(x, x->case_service, px_record_get(root, "services"), rid,
                       "indexing a case's services");
    if (!rc)
        rc = case_list(x, x->case_channel, px_record_get(root, "channels"), rid,
                       "indexing a case's channels");
    if (!rc)
        rc = case_fulltext(x, root, rid);
    if (!rc && prev)
        rc = set_rid(x, v.unlive, prev, "marking a superseded case");
    return rc;
}

static int index_indicator(const ix *x, const px_entry *e, const msgpack_object *root)
{
    versioned v = versions_of(x, false);
    px_indicator ind;
    int64_t prev = 0, vno = 1;
    int rc = px_indicator_decode(e->body, e->body_len, &ind);
    if (rc)
        return rc;
    rc = resolve_prev(x, &v, e, px_record_get(root, "supersedes"), &prev, &vno);
    if (rc)
        goto out;
    sqlite3_stmt *st = x->ind_put;
    bind_entry(st, e);
    bind_cstr(st, 4, ind.code);
    sqlite3_bind_int64(st, 5, ind.version);
    bind_cstr(st, 6, ind.measure_type);
    bind_cstr(st, 7, ind.domain);
    bind_cstr(st, 8, ind.unit);
    sqlite3_bind_double(st, 9, ind.scale_min);
    sqlite3_bind_double(st, 10, ind.scale_max);
    sqlite3_bind_int(st, 11, ind.higher_is_better);
    sqlite3_bind_int(st, 12, ind.illustrative);
    bind_rid_opt(st, 13, prev);
    sqlite3_bind_int64(st, 14, vno);
    bind_version_written(st, 15, px_record_get(root, "version"));
    rc = insert_ref(x, st, e, "indicator", "indexing an indicator", NULL);
    if (!rc && prev)
        rc = set_rid(x, v.unlive, prev, "marking a superseded indicator");
out:
    px_indicator_free(&ind);
    return rc;
}

/* Benchmarks are the bulk of the data (a CSV import adds thousands a
 * second), so they are read straight from the validated body, binding its
 * bytes, without the copies px_benchmark_decode makes. */
static void bind_num_opt(sqlite3_stmt *st, int i, const msgpack_object *o)
{
    double v = num(o);
    if (o && isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static int index_benchmark(const ix *x, const px_entry *e, const msgpack_object *root)
{
    const msgpack_object *period = px_record_get(root, "period");
    const msgpack_object *status = px_record_get(root, "status");
    const msgpack_object *lo = px_record_get(root, "ci_low"), *hi = px_record_get(root, "ci_high");
    const msgpack_object *value = px_record_get(root, "value");
    if (!period || period->type != MSGPACK_OBJECT_STR || !value || !isfinite(num(value)))
        return PX_OK; /* cannot happen for a validated body */
    sqlite3_stmt *st = x->bench_put;
    bind_entry(st, e);
    bind_str(st, 4, px_record_get(root, "indicator"));
    bind_version(st, 5, px_record_get(root, "indicator_version"));
    bind_str(st, 6, px_record_get(root, "country"));
    bind_str(st, 7, px_record_get(root, "centre"));
    bind_str(st, 8, px_record_get(root, "service"));
    bind_str(st, 9, px_record_get(root, "channel"));
    bind_str(st, 10, period);
    sqlite3_bind_int64(st, 11, period_key_of(period));
    sqlite3_bind_double(st, 12, num(value));
    bind_int_opt(st, 13, px_record_get(root, "n"));
    if (lo && hi) {
        bind_num_opt(st, 14, lo);
        bind_num_opt(st, 15, hi);
    }
    bind_num_opt(st, 16, px_record_get(root, "std_err"));
    bind_str(st, 17, px_record_get(root, "method"));
    bind_str_or(st, 18, status, "normal");
    bind_str(st, 19, px_record_get(root, "source"));
    sqlite3_bind_int(st, 20, flag(px_record_get(root, "illustrative")));
    bind_version_written(st, 21, px_record_get(root, "indicator_version"));
    int64_t rid;
    int rc = insert_ref(x, st, e, "benchmark", "indexing a benchmark result", &rid);
    if (rc)
        return rc;
    /* One result per identity and author: this one, the latest in the
     * author's feed, replaces every earlier current one (RECORDS.md 4.2). */
    st = x->bench_supersede;
    bind_str(st, 1, px_record_get(root, "indicator"));
    sqlite3_bind_int64(st, 2, period_key_of(period));
    bind_str(st, 3, px_record_get(root, "country"));
    sqlite3_bind_blob(st, 4, e->h.author, 32, SQLITE_STATIC);
    bind_version(st, 5, px_record_get(root, "indicator_version"));
    bind_str(st, 6, px_record_get(root, "centre"));
    bind_str(st, 7, px_record_get(root, "service"));
    bind_str(st, 8, px_record_get(root, "channel"));
    sqlite3_bind_int64(st, 9, rid);
    return run(x, st, "superseding an earlier benchmark result");
}

/* Copy column c of st to parameter i of dst (NULL stays NULL). */
static void bind_col(sqlite3_stmt *dst, int i, sqlite3_stmt *st, int c)
{
    switch (sqlite3_column_type(st, c)) {
    case SQLITE_INTEGER:
        sqlite3_bind_int64(dst, i, sqlite3_column_int64(st, c));
        break;
    case SQLITE_TEXT:
        sqlite3_bind_text(dst, i, (const char *)sqlite3_column_text(st, c),
                          sqlite3_column_bytes(st, c), SQLITE_TRANSIENT);
        break;
    case SQLITE_BLOB:
        sqlite3_bind_blob(dst, i, sqlite3_column_blob(st, c), sqlite3_column_bytes(st, c),
                          SQLITE_TRANSIENT);
        break;
    default:
        sqlite3_bind_null(dst, i);
    }
}

/* A current benchmark result was retracted: the latest earlier result of
 * the same identity and author that is not retracted becomes current. */
static int bench_restore(const ix *x, int64_t rid)
{
    sqlite3_stmt *k = x->bench_key, *t = x->bench_prev;
    int rc = PX_OK;
    sqlite3_bind_int64(k, 1, rid);
    int src = sqlite3_step(k);
    if (src == SQLITE_ROW && sqlite3_column_int(k, 8) == 0) {
        for (int c = 0; c < 8; c++)
            bind_col(t, c + 1, k, c);
        sqlite3_bind_int64(t, 9, rid);
        src = sqlite3_step(t);
        int64_t prev = src == SQLITE_ROW ? sqlite3_column_int64(t, 0) : 0;
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = px_store_error(x->store, src, "finding an earlier benchmark result");
        reset(t);
        if (!rc && prev)
            rc = set_rid(x, x->bench_current, prev, "restoring an earlier benchmark result");
    } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = px_store_error(x->store, src, "reading a benchmark result");
    }
    reset(k);
    return rc;
}

static int index_crosswalk(const ix *x, const px_entry *e)
{
    px_crosswalk cw;
    int rc = px_crosswalk_decode(e->body, e->body_len, &cw);
    if (rc)
        return rc;
    sqlite3_stmt *st = x->cw_put;
    bind_entry(st, e);
    bind_cstr(st, 4, cw.from);
    bind_cstr(st, 5, cw.to);
    sqlite3_bind_text(st, 6, cw.conversion == PX_CONV_LINEAR ? "linear" : "endpoints", -1,
                      SQLITE_STATIC);
    if (cw.conversion == PX_CONV_LINEAR) {
        sqlite3_bind_double(st, 7, cw.a);
        sqlite3_bind_double(st, 8, cw.b);
    } else {
        sqlite3_bind_null(st, 7);
        sqlite3_bind_null(st, 8);
    }
    bind_cstr(st, 9, cw.grade);
    sqlite3_bind_int(st, 10, cw.illustrative);
    rc = insert_ref(x, st, e, "crosswalk", "indexing a crosswalk", NULL);
    px_crosswalk_free(&cw);
    return rc;
}

static int index_aggregate(const ix *x, const px_entry *e, const msgpack_object *root)
{
    const msgpack_object *by = px_record_get(root, "by"), *basis = px_record_get(root, "basis");
    const msgpack_object *period = px_record_get(root, "period");
    sqlite3_stmt *st = x->agg_put;
    bind_entry(st, e);
    bind_str(st, 4, px_record_get(root, "indicator"));
    bind_version(st, 5, px_record_get(root, "indicator_version"));
    bind_str(st, 6, period);
    sqlite3_bind_int64(st, 7, period_key_of(period));
    bind_str_or(st, 8, by, "network");
    bind_str(st, 9, px_record_get(root, "group"));
    bind_str(st, 10, px_record_get(root, "weighting"));
    bind_str_or(st, 11, basis, "scale");
    sqlite3_bind_double(st, 12, num(px_record_get(root, "value")));
    bind_int_opt(st, 13, px_record_get(root, "members"));
    bind_int_opt(st, 14, px_record_get(root, "n"));
    sqlite3_bind_int(st, 15, flag(px_record_get(root, "illustrative")));
    bind_version_written(st, 16, px_record_get(root, "indicator_version"));
    return insert_ref(x, st, e, "aggregate", "indexing an aggregate", NULL);
}

/* A retraction counts when its target is an indexed record of its author. */
static int index_retract(const ix *x, const px_entry *e, const msgpack_object *root)
{
    uint8_t target[32];
    ref r;
    if (!get_id(px_record_get(root, "target"), target))
        return PX_OK;
    int rc = ref_get(x, target, &r);
    if (rc == PX_ENOENT)
        return PX_OK;
    if (rc)
        return rc;
    if (memcmp(r.author, e->h.author, 32) != 0)
        return PX_OK;
    if (strcmp(r.kind, "case") == 0 || strcmp(r.kind, "indicator") == 0) {
        versioned v = versions_of(x, strcmp(r.kind, "case") == 0);
        int64_t vno = 0, prev = 0;
        bool live = false;
        rc = version_row(x, &v, r.rid, &vno, &prev, &live);
        if (!rc)
            rc = set_rid(x, v.retract, r.rid, "retracting a record");
        /* The version it superseded is shown again, unless another live
         * version supersedes that one too. */
        if (!rc && prev)
            rc = set_rid(x, v.relive, prev, "restoring a previous version");
    } else if (strcmp(r.kind, "benchmark") == 0) {
        rc = bench_restore(x, r.rid);
        if (!rc)
            rc = set_rid(x, x->bench_retract, r.rid, "retracting a benchmark result");
    } else if (strcmp(r.kind, "crosswalk") == 0) {
        rc = set_rid(x, x->cw_retract, r.rid, "retracting a crosswalk");
    } else if (strcmp(r.kind, "aggregate") == 0) {
        rc = set_rid(x, x->agg_retract, r.rid, "retracting an aggregate");
    }
    if (rc)
        return rc;
    sqlite3_stmt *st = x->retraction_put;
    sqlite3_bind_blob(st, 1, target, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, e->id, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, e->h.author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)e->h.timestamp_ms);
    return run(x, st, "recording a retraction");
}

/* ---- the hooks ----------------------------------------------------------- */

/* The kind of an entry the index keeps (kinds.h, PX_KIND_INDEXED), or
 * PX_KIND_COUNT for any other. */
static px_kind_id kind_of(const char *kind)
{
    const px_kind *k = px_kind_find(kind);
    return k && (k->flags & PX_KIND_INDEXED) ? k->id : PX_KIND_COUNT;
}

int px_index_schema(const char *kind, const uint8_t *body, size_t len)
{
    if (!px_record_kind_known(kind))
        return 0;
    return px_record_validate(kind, body, len) == PX_OK ? 0 : PX_ENTRY_FLAG_SCHEMA_INVALID;
}

/* Index one entry whose body is held and not flagged. checked: a schema
 * check passed this body just now (PX_FEED_SCHEMA_CHECKED). OUT *indexed. */
static int index_one(ix *x, const px_entry *e, bool checked, bool *indexed)
{
    px_kind_id k = kind_of(e->h.kind);
    msgpack_object obj;
    size_t off = 0;
    int rc;
    *indexed = false;
    if (k == PX_KIND_COUNT)
        return PX_OK;
    if (x->until && e->h.seq > x->until(x->until_ctx, e->h.author))
        return PX_OK; /* past its author's cut: evidence only */
    /* The body was judged by the schema hook, but a caller may have no
     * hook: never index what does not validate. */
    rc = checked ? PX_OK : px_record_validate(e->h.kind, e->body, e->body_len);
    if (rc == PX_ENOMEM)
        return rc;
    if (rc)
        return PX_OK;
    /* Validated, so its size, depth and counts are within the limits: decode
     * it into this connection's zone (no allocation once the zone has grown
     * to the size of a body). */
    msgpack_zone_clear(&x->zone);
    msgpack_unpack_return ur =
        msgpack_unpack((const char *)e->body, e->body_len, &off, &x->zone, &obj);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
        return PX_ENOMEM;
    if (ur != MSGPACK_UNPACK_SUCCESS || obj.type != MSGPACK_OBJECT_MAP)
        return PX_OK;
    rc = PX_OK;
    {
        const msgpack_object *root = &obj;
        switch (k) {
        case PX_KIND_CASE:
            rc = index_case(x, e, root);
            break;
        case PX_KIND_INDICATOR:
            rc = index_indicator(x, e, root);
            break;
        case PX_KIND_BENCHMARK:
            rc = index_benchmark(x, e, root);
            break;
        case PX_KIND_CROSSWALK:
            rc = index_crosswalk(x, e);
            break;
        case PX_KIND_RETRACT:
            rc = index_retract(x, e, root);
            break;
        case PX_KIND_AGGREGATE:
            rc = index_aggregate(x, e, root);
            break;
        default: /* not indexed */
            break;
        }
    }
    if (!rc)
        *indexed = true;
    return rc;
}

/* After a failed index write: ask the next px_index_open for a rebuild.
 * Best effort, keeping the error detail of the real failure. */
static void mark_stale(const ix *x)
{
    char detail[512];
    snprintf(detail, sizeof detail, "%s", px_err_detail());
    bind_cstr(x->meta_set, 1, "stale");
    (void)run(x, x->meta_set, "marking the records index stale");
    px_err_set(PX_OK, "%s", detail);
}

int px_index_entry(px_store *s, const px_entry *e, int flags)
{
    ix *x;
    bool indexed;
    if (!e->body || (flags & PX_ENTRY_FLAG_SCHEMA_INVALID) || kind_of(e->h.kind) == PX_KIND_COUNT)
        return PX_OK;
    int rc = state(s, &x);
    if (rc)
        return rc;
    rc = index_one(x, e, (flags & PX_FEED_SCHEMA_CHECKED) != 0, &indexed);
    if (rc)
        mark_stale(x);
    return rc;
}

/* ---- the rule for new versions ------------------------------------------------ */

int px_index_check_supersedes(px_store *s, const uint8_t author[32], const char *kind,
                              const uint8_t *body, size_t len)
{
    msgpack_unpacked up;
    px_index_info info;
    uint8_t id[32];
    char hex[65];
    int rc = px_record_unpack(body, len, &up);
    const msgpack_object *sup = rc ? NULL : px_record_get(&up.data, "supersedes");
    if (!sup || sup->type != MSGPACK_OBJECT_STR || sup->via.str.size != 64)
        goto out;
    memcpy(hex, sup->via.str.ptr, 64);
    hex[64] = '\0';
    if (px_hex_decode(id, 32, hex) != PX_OK)
        goto out;
    rc = px_index_info_get(s, id, &info);
    if (rc == PX_ENOENT) {
        rc = px_err_set(PX_ESCHEMA,
                        "field 'supersedes': no %s %.16s… is held here; a new version names "
                        "an earlier one of this node",
                        kind, hex);
        goto out;
    }
    if (rc)
        goto out;
    if (strcmp(info.kind, kind) != 0) {
        rc = px_err_set(PX_ESCHEMA, "field 'supersedes': %.16s… is %s %s entry, not a %s", hex,
                        strchr("aeiou", info.kind[0]) ? "an" : "a", info.kind, kind);
        goto out;
    }
    if (memcmp(info.author, author, 32) != 0) {
        rc = px_err_set(PX_ESCHEMA,
                        "field 'supersedes': %.16s… is a %s of another node; only its author "
                        "publishes new versions of it",
                        hex, kind);
        goto out;
    }
    if (info.retracted) {
        rc = px_err_set(PX_ESCHEMA, "field 'supersedes': %.16s… is retracted", hex);
        goto out;
    }
    if (info.has_next) {
        char next[PX_ID_HEX];
        rc = px_err_set(PX_ESCHEMA,
                        "field 'supersedes': %.16s… is already superseded by %s; a new version "
                        "supersedes the latest one",
                        hex, px_id_hex(next, info.next));
        goto out;
    }
    if (strcmp(kind, "indicator") == 0) {
        px_entry e;
        px_buf old = {0};
        px_indicator was = {0}, now = {0};
        rc = px_store_get(s, id, &e, &old, NULL);
        if (!rc && e.body)
            rc = px_indicator_decode(e.body, e.body_len, &was);
        if (!rc)
            rc = px_indicator_decode(body, len, &now);
        if (!rc && strcmp(was.code, now.code) != 0)
            rc = px_err_set(PX_ESCHEMA,
                            "field 'supersedes': %.16s… defines %s, not %s; a new version keeps "
                            "the code",
                            hex, was.code, now.code);
        else if (!rc && px_version_cmp(now.version, was.version) <= 0)
            rc = px_err_set(PX_ESCHEMA,
                            "field 'version': %s must be higher than the superseded "
                            "definition's %s",
                            now.version_text, was.version_text);
        px_indicator_free(&was);
        px_indicator_free(&now);
        px_buf_free(&old);
    }
out:
    msgpack_unpacked_destroy(&up);
    return rc;
}

/* ---- rebuild and open ---------------------------------------------------- */

static int meta_is_current(const ix *x, bool *current)
{
    int rc = PX_OK;
    *current = false;
    int src = sqlite3_step(x->meta_get);
    if (src == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(x->meta_get, 0);
        *current = v && strcmp(v, PX_INDEX_VERSION) == 0;
    } else if (src != SQLITE_DONE) {
        rc = px_store_error(x->store, src, "reading the records index version");
    }
    reset(x->meta_get);
    return rc;
}

typedef struct rebuild_walk {
    px_progress progress;
    uint64_t seen; /* entries walked, damaged ones included */
    ix *x;
    px_index_stats stats;
} rebuild_walk;

static int rebuild_one(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    rebuild_walk *w = ctx;
    bool indexed = false;
    px_progress_step(&w->progress, ++w->seen);
    if (m->decode_rc) /* a damaged row: `praxis verify` reports it */
        return PX_OK;
    w->stats.entries++;
    if (!e->body)
        return PX_OK;
    int flags = (m->flags & ~PX_ENTRY_FLAG_SCHEMA_INVALID) |
                px_index_schema(e->h.kind, e->body, e->body_len);
    if (flags != m->flags) {
        int rc = px_store_set_flags(w->x->store, e->id, flags);
        if (rc)
            return rc;
        w->stats.reflagged++;
    }
    if (flags & PX_ENTRY_FLAG_SCHEMA_INVALID) {
        w->stats.invalid++;
        return PX_OK;
    }
    int rc = index_one(w->x, e, true, &indexed); /* px_index_schema judged it above */
    if (!rc && indexed && kind_of(e->h.kind) != PX_KIND_RETRACT)
        w->stats.records++;
    return rc;
}

/* Empty the full-text table for a rebuild. FTS5 deletes a row at a time,
 * reading each back to write a delete marker for every one of its terms:
 * a third of the rebuild of 300,000 case studies. Dropping the table and
 * creating it again from its own definition, its settings copied over
 * (all but 'version', which FTS5 writes itself), takes no time at all;
 * inside the rebuild's transaction, a rollback restores the old one. */
static int fts_empty(ix *x)
{
    sqlite3_stmt *st = NULL;
    char *create = NULL;
    int src = sqlite3_prepare_v2(
        x->db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rec_cases_fts'", -1,
        &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(st);
    bool found = src == SQLITE_ROW && sqlite3_column_text(st, 0);
    if (found)
        create = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!found)
        return src == SQLITE_ROW || src == SQLITE_DONE
                   ? px_err_set(PX_ESTORE, "the store has no full-text table to rebuild")
                   : px_store_error(x->store, src, "reading the full-text table's definition");
    if (!create)
        return PX_ENOMEM;
    const char *const steps[] = {
        "CREATE TEMP TABLE px_fts_settings AS "
        "SELECT k, v FROM rec_cases_fts_config WHERE k <> 'version'",
        "DROP TABLE rec_cases_fts",
        create,
        "INSERT INTO rec_cases_fts (rec_cases_fts, rank) SELECT k, v FROM px_fts_settings",
        "DROP TABLE temp.px_fts_settings",
    };
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++) {
        src = sqlite3_exec(x->db, steps[i], NULL, NULL, NULL);
        if (src != SQLITE_OK)
            rc = px_store_error(x->store, src, "emptying the full-text index");
    }
    free(create);
    return rc;
}

static int rebuild(px_store *s, bool only_if_needed, px_index_stats *stats, bool *rebuilt)
{
    ix *x;
    rebuild_walk w = {0};
    bool current = false;
    if (rebuilt)
        *rebuilt = false;
    int rc = state(s, &x);
    if (rc)
        return rc;
    if (px_store_in_tx(s))
        return px_err_set(PX_EBUSY, "the records index cannot be rebuilt inside a transaction");
    rc = px_store_begin(s);
    if (rc)
        return rc;
    if (only_if_needed) { /* another process may have rebuilt it meanwhile */
        rc = meta_is_current(x, &current);
        if (rc || current)
            goto out;
    }
    w.x = x;
    int src = sqlite3_exec(x->db,
                           "DELETE FROM rec_index; DELETE FROM rec_cases; "
                           "DELETE FROM rec_case_tags; DELETE FROM rec_case_services; "
                           "DELETE FROM rec_case_channels; "
                           "DELETE FROM rec_indicators; DELETE FROM rec_benchmarks; "
                           "DELETE FROM rec_bench_groups; "
                           "DELETE FROM rec_crosswalks; DELETE FROM rec_aggregates; "
                           "DELETE FROM rec_retractions;",
                           NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = px_store_error(s, src, "emptying the records index");
        goto out;
    }
    rc = fts_empty(x);
    if (rc)
        goto out;
    /* everything is indexed below: no backlog left */
    rc = px_store_clear_flag(s, PX_ENTRY_FLAG_UNINDEXED);
    if (rc)
        goto out;
    uint64_t total = 0;
    if (px_progress_enabled() && px_store_count(s, &total) != PX_OK)
        total = 0; /* only the progress line needs it */
    /* every case study of the store in one transaction: a bulk load */
    px_index_bulk bulk;
    rc = px_index_bulk_begin(s, &bulk);
    if (rc)
        goto out;
    px_progress_start(&w.progress, "indexing", "entries", total);
    rc = px_store_each(s, NULL, 0, 0, rebuild_one, &w);
    px_progress_done(&w.progress);
    if (!rc)
        rc = px_index_bulk_end(s, &bulk);
    if (!rc) {
        bind_cstr(x->meta_set, 1, PX_INDEX_VERSION);
        rc = run(x, x->meta_set, "recording the records index version");
    }
    if (!rc && rebuilt)
        *rebuilt = true;
out:
    if (rc) {
        px_store_rollback(s);
        return rc;
    }
    rc = px_store_commit(s);
    if (!rc && stats)
        *stats = w.stats;
    return rc;
}

/* ---- bulk loads ------------------------------------------------------------ */

/* FTS5 keeps the terms of the rows inserted in a transaction in memory and
 * writes them out as a new level-0 segment once they pass 'hashsize' (1 MiB
 * by default: every ~3,500 case studies); once a level holds 'automerge'
 * segments (4), FTS5 merges them into the next level a little at every
 * flush, in proportion to the number of levels. A million case studies
 * published in one transaction with those settings make ~290 segments in
 * five levels: each posting is rewritten about four times, and the merge
 * work per case grows as the index deepens, which is why publishing slowed
 * from the first to the last 100,000 (issue 15; bench/publish.sh). A bulk
 * load writes segments eight times bigger and lets a level hold 16 before
 * FTS5 starts merging it. Seen in the structure record after a load (not
 * from FTS5's documentation): the benchmark's million flushes about 70
 * segments of ~14,000 cases; level 0 is merged twice, ~450,000 cases each
 * time (in the 5th and the 9th 100,000, which run ~30 % slower), and the
 * store ends with 7 segments in 2 levels. With 'automerge' 8 level 0 was
 * merged a little at every flush from the second or third 100,000 on, and
 * the rate fell to a plateau: the last 100,000 were over 20 % slower than
 * the first in five runs of seven, and in one run of nine with 16
 * (README.md has the runs). The merge work is the same (the totals agree
 * within the noise): 16 does it in two lumps that do not grow until level
 * 1 fills, at ~7 million cases. A search reads every segment, and took the
 * same time on both stores. The pending terms may take ~10 MB more memory
 * at the peak. Both settings are rows of FTS5's config table, so they
 * belong to the transaction: px_index_bulk_end writes the earlier ones back
 * before the commit (later writes merge the segments a little at a time,
 * as ever), and a rollback undoes both. */
enum {
    FTS_AUTOMERGE = 4, /* FTS5's defaults, when the store has none of its own */
    FTS_HASHSIZE = 1024 * 1024,
    BULK_AUTOMERGE = 16,
    BULK_HASHSIZE = 8 * 1024 * 1024,
};

static int fts_config_get(const ix *x, const char *key, int64_t dflt, int64_t *out)
{
    sqlite3_stmt *st = x->fts_config_get;
    bind_cstr(st, 1, key);
    int src = sqlite3_step(st);
    *out = src == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER
               ? sqlite3_column_int64(st, 0)
               : dflt;
    int rc = src == SQLITE_ROW || src == SQLITE_DONE
                 ? PX_OK
                 : px_store_error(x->store, src, "reading the full-text settings");
    reset(st);
    return rc;
}

static int fts_config_set(const ix *x, const char *key, int64_t value)
{
    sqlite3_stmt *st = x->fts_config_set;
    bind_cstr(st, 1, key);
    sqlite3_bind_int64(st, 2, value);
    return run(x, st, "setting the full-text index up");
}

int px_index_bulk_begin(px_store *s, px_index_bulk *b)
{
    ix *x;
    b->on = false;
    if (!px_store_in_tx(s))
        return px_err_set(PX_EINVAL, "a bulk load of the records index needs a transaction");
    int rc = state(s, &x);
    if (!rc)
        rc = fts_config_get(x, "automerge", FTS_AUTOMERGE, &b->automerge);
    if (!rc)
        rc = fts_config_get(x, "hashsize", FTS_HASHSIZE, &b->hashsize);
    if (!rc && b->automerge < BULK_AUTOMERGE)
        rc = fts_config_set(x, "automerge", BULK_AUTOMERGE);
    if (!rc && b->hashsize < BULK_HASHSIZE)
        rc = fts_config_set(x, "hashsize", BULK_HASHSIZE);
    if (!rc)
        b->on = true;
    return rc;
}

int px_index_bulk_end(px_store *s, px_index_bulk *b)
{
    ix *x;
    if (!b->on)
        return PX_OK;
    b->on = false;
    int rc = state(s, &x);
    if (!rc && b->automerge < BULK_AUTOMERGE)
        rc = fts_config_set(x, "automerge", b->automerge);
    if (!rc && b->hashsize < BULK_HASHSIZE)
        rc = fts_config_set(x, "hashsize", b->hashsize);
    return rc;
}

int px_index_set_until(px_store *s, px_index_until_fn fn, void *ctx)
{
    ix *x;
    int rc = state(s, &x);
    if (rc)
        return rc;
    x->until = fn;
    x->until_ctx = ctx;
    return PX_OK;
}

int px_index_rebuild(px_store *s, px_index_stats *stats)
{
    return rebuild(s, false, stats, NULL);
}

int px_index_open(px_store *s, bool *rebuilt)
{
    ix *x;
    bool current = false;
    if (rebuilt)
        *rebuilt = false;
    int rc = state(s, &x);
    if (!rc)
        rc = meta_is_current(x, &current);
    if (rc || current)
        return rc;
    return rebuild(s, true, NULL, rebuilt);
}

/* ---- lookups -------------------------------------------------------------- */

/* The one id a statement with rid bound at ?1 returns. PX_OK/PX_ENOENT. */
static int id_by_rid(const ix *x, sqlite3_stmt *st, int64_t rid, uint8_t out[32])
{
    int rc = PX_ENOENT;
    sqlite3_bind_int64(st, 1, rid);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(out, sqlite3_column_blob(st, 0), 32);
        rc = PX_OK;
    } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = px_store_error(x->store, src, "reading a version");
    }
    reset(st);
    return rc;
}

int px_index_info_get(px_store *s, const uint8_t id[32], px_index_info *out)
{
    ix *x;
    ref r;
    memset(out, 0, sizeof *out);
    int rc = state(s, &x);
    if (!rc)
        rc = ref_get(x, id, &r);
    if (rc)
        return rc;
    snprintf(out->kind, sizeof out->kind, "%s", r.kind);
    memcpy(out->author, r.author, 32);
    sqlite3_bind_blob(x->retraction_get, 1, id, 32, SQLITE_STATIC);
    int src = sqlite3_step(x->retraction_get);
    if (src == SQLITE_ROW && sqlite3_column_bytes(x->retraction_get, 0) == 32) {
        out->retracted = true;
        memcpy(out->retracted_by, sqlite3_column_blob(x->retraction_get, 0), 32);
    } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = px_store_error(s, src, "reading retractions");
    }
    reset(x->retraction_get);
    if (rc)
        return rc;
    bool is_case = strcmp(r.kind, "case") == 0;
    if (!is_case && strcmp(r.kind, "indicator") != 0)
        return PX_OK;
    versioned v = versions_of(x, is_case);
    int64_t prev = 0;
    out->versioned = true;
    rc = version_row(x, &v, r.rid, &out->version_no, &prev, &out->live);
    if (!rc && prev) {
        rc = id_by_rid(x, v.id, prev, out->prev);
        out->has_prev = rc == PX_OK;
        if (rc == PX_ENOENT)
            rc = PX_OK;
    }
    if (!rc) {
        rc = id_by_rid(x, v.next, r.rid, out->next);
        out->has_next = rc == PX_OK;
        if (rc == PX_ENOENT)
            rc = PX_OK;
    }
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? strdup(t) : NULL;
}

int px_index_indicator(px_store *s, const char *code, int64_t version, px_indicator *out,
                       uint8_t id[32])
{
    ix *x;
    memset(out, 0, sizeof *out);
    int rc = state(s, &x);
    if (rc)
        return rc;
    sqlite3_stmt *st = x->ind_find;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, version > 0 ? version : 0);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        if (id && sqlite3_column_bytes(st, 0) == 32)
            memcpy(id, sqlite3_column_blob(st, 0), 32);
        out->code = col_dup(st, 1);
        out->version = sqlite3_column_int64(st, 2);
        out->measure_type = col_dup(st, 3);
        out->domain = col_dup(st, 4);
        out->unit = col_dup(st, 5);
        out->scale_min = sqlite3_column_double(st, 6);
        out->scale_max = sqlite3_column_double(st, 7);
        out->higher_is_better = sqlite3_column_int(st, 8) != 0;
        out->illustrative = sqlite3_column_int(st, 9) != 0;
        if (sqlite3_column_type(st, 10) != SQLITE_NULL)
            snprintf(out->version_text, sizeof out->version_text, "%s",
                     (const char *)sqlite3_column_text(st, 10));
        rc = out->code && out->measure_type ? PX_OK : PX_ENOMEM;
    } else if (src == SQLITE_DONE) {
        rc = PX_ENOENT;
    } else {
        rc = px_store_error(s, src, "looking up an indicator");
    }
    reset(st);
    if (rc)
        px_indicator_free(out);
    return rc;
}

int px_index_benchmark_twin(px_store *s, const uint8_t author[32], const px_benchmark *b,
                            uint8_t id[32])
{
    ix *x;
    int rc = state(s, &x);
    if (rc)
        return rc;
    sqlite3_stmt *st = x->bench_twin;
    sqlite3_bind_text(st, 1, b->indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, px_index_period_key(&b->when));
    sqlite3_bind_text(st, 3, b->country, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, author, 32, SQLITE_STATIC);
    if (b->indicator_version)
        sqlite3_bind_int64(st, 5, b->indicator_version);
    else
        sqlite3_bind_null(st, 5);
    bind_cstr(st, 6, b->centre);
    bind_cstr(st, 7, b->service);
    bind_cstr(st, 8, b->channel);
    int src = sqlite3_step(st);
    rc = PX_ENOENT;
    if (src == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(id, sqlite3_column_blob(st, 0), 32);
        rc = PX_OK;
    } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = px_store_error(s, src, "looking up an earlier benchmark result");
    }
    reset(st);
    return rc;
}
