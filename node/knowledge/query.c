/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c — the queries of query.h over the records index (index.h,
 * schema/003_records.sql).
 *
 * Layout: statements (prepared once per connection and kept in the store's
 * PX_STORE_EXT_QUERY slot); JSON helpers; cases (listing and full-text
 * search); indicators and results; the comparison engine that compare,
 * trend and aggregate share (indicator definitions, taking-part sources,
 * result rows, their evaluation and the choice of the broadest results per
 * group); the three queries built on it.
 */
#include "query.h"

#include "error.h"
#include "index.h"
#include "records.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_COLS                                                                                 \
    "rid, id, author, indicator, indicator_version, country, centre, service, channel, period, "   \
    "period_key, value, n, ci_low, ci_high, std_err, method, status, source, illustrative, "       \
    "indicator_version_written"
enum {
    B_RID,
    B_ID,
    B_AUTHOR,
    B_INDICATOR,
    B_VERSION,
    B_COUNTRY,
    B_CENTRE,
    B_SERVICE,
    B_CHANNEL,
    B_PERIOD,
    B_KEY,
    B_VALUE,
    B_N,
    B_CI_LOW,
    B_CI_HIGH,
    B_STD_ERR,
    B_METHOD,
    B_STATUS,
    B_SOURCE,
    B_ILLUSTRATIVE,
    B_VERSION_WRITTEN
};

/* What choosing the broadest results reads of each (engine_pick). */
#define PICK_COLS "rid, country, centre, service, channel, period_key, indicator_version"

#define CASE_FILTER                                                                                \
    "(?1 IS NULL OR c.country = ?1) AND (?2 IS NULL OR c.stage = ?2) AND (?3 IS NULL OR EXISTS "   \
    "(SELECT 1 FROM rec_case_tags t WHERE t.tag = ?3 AND t.rid = c.rid)) AND (?4 IS NULL OR "      \
    "EXISTS (SELECT 1 FROM rec_case_services s WHERE s.service = ?4 AND s.rid = c.rid)) AND "      \
    "(?5 IS NULL OR EXISTS (SELECT 1 FROM rec_case_channels h WHERE h.channel = ?5 AND "           \
    "h.rid = c.rid)) AND (?6 IS NULL OR c.start_year = ?6)"

#define STMTS(X)                                                                                   \
    X(cases_by_ts, "SELECT rid FROM rec_cases WHERE live = 1 ORDER BY ts DESC, rid DESC")          \
    X(cases_max, "SELECT max(rid) FROM rec_cases")                                                 \
    X(cases_ok, "SELECT c.rid FROM rec_cases c WHERE c.live = 1 AND " CASE_FILTER)                 \
    X(fts_all, "SELECT rowid FROM rec_cases_fts WHERE rec_cases_fts MATCH ?1")                     \
    X(fts_search, "SELECT px_search(rec_cases_fts) FROM rec_cases_fts WHERE rec_cases_fts "        \
                  "MATCH ?1 LIMIT 1")                                                              \
    X(fts_lang, "SELECT lang FROM rec_cases_fts WHERE rowid = ?1")                                 \
    X(fts_sizes, "SELECT id, sz FROM rec_cases_fts_docsize ORDER BY id")                           \
    X(data_version, "PRAGMA data_version")                                                         \
    X(read_begin, "BEGIN")                                                                         \
    X(read_end, "COMMIT")                                                                          \
    X(case_row, "SELECT id, author, ts, country, stage, centre, start_year, end_year, "            \
                "illustrative, version_no FROM rec_cases WHERE rid = ?1")                          \
    X(fts_text, "SELECT title, summary, body, extra FROM rec_cases_fts WHERE rowid = ?1")          \
    X(ind_list, "SELECT id, author, code, version, measure_type, domain, unit, scale_min, "        \
                "scale_max, higher_is_better, illustrative, version_no, (SELECT "                  \
                "coalesce(sum(g.live), 0) FROM rec_bench_groups g WHERE g.indicator = i.code), "   \
                "version_written "                                                                 \
                "FROM rec_indicators i WHERE live = 1 ORDER BY code, version, ts")                 \
    X(ind_get, "SELECT id, author, version, measure_type, unit, scale_min, scale_max, "            \
               "higher_is_better, illustrative, version_written FROM rec_indicators WHERE "        \
               "code = ?1 AND "                                                                    \
               "retracted = 0 AND ((?2 = 0 AND live = 1) OR version = ?2) "                        \
               "ORDER BY live DESC, version DESC, ts, rid LIMIT 1")                                \
    X(cw_for, "SELECT id, author, from_code, to_code, conversion, a, b, grade, illustrative "      \
              "FROM rec_crosswalks WHERE retracted = 0 AND (from_code = ?1 OR to_code = ?1) "      \
              "ORDER BY ts DESC, rid DESC")                                                        \
    X(latest, "SELECT period_key FROM rec_benchmarks WHERE indicator = ?1 AND retracted = 0 "      \
              "ORDER BY period_key DESC LIMIT 1")                                                  \
    X(bench_period, "SELECT " BENCH_COLS " FROM rec_benchmarks WHERE indicator = ?1 AND "          \
                    "retracted = 0 AND period_key = ?2 AND superseded = 0")                        \
    X(bench_series, "SELECT " BENCH_COLS " FROM rec_benchmarks WHERE indicator = ?1 AND "          \
                    "retracted = 0 AND superseded = 0 AND (?2 IS NULL OR country = ?2)")           \
    X(pick_period, "SELECT " PICK_COLS " FROM rec_benchmarks WHERE indicator = ?1 AND "            \
                   "retracted = 0 AND period_key = ?2 AND superseded = 0")                         \
    X(pick_series, "SELECT " PICK_COLS " FROM rec_benchmarks WHERE indicator = ?1 AND "            \
                   "retracted = 0 AND superseded = 0 AND (?2 IS NULL OR country = ?2)")            \
    X(bench_rid, "SELECT " BENCH_COLS " FROM rec_benchmarks WHERE rid = ?1")                       \
    X(groups_country, "SELECT country, max(latest_key) FROM rec_bench_groups WHERE "               \
                      "indicator = ?1 GROUP BY country")                                           \
    X(groups_all, "SELECT country, nullif(centre, ''), nullif(service, ''), "                      \
                  "nullif(channel, ''), latest_key FROM rec_bench_groups WHERE indicator = ?1")    \
    X(bench_each,                                                                                  \
      "SELECT " BENCH_COLS " FROM rec_benchmarks WHERE retracted = 0 AND superseded = 0 AND "      \
      "(?1 IS NULL OR indicator = ?1) AND (?2 IS NULL OR country = ?2) AND "                       \
      "(?3 IS NULL OR period_key = ?3) "                                                           \
      "ORDER BY indicator, country, period_key, centre, service, channel, rid")

enum { TERMS_MAX = 256 }; /* words a connection keeps (see "what the search keeps of each word") */

typedef struct qx {
    px_store *store;
    sqlite3 *db;
#define STMT_FIELD(name, sql) sqlite3_stmt *name;
    STMTS(STMT_FIELD)
#undef STMT_FIELD
    /* What the case search keeps between calls, until the store changes
     * (seen_version, seen_changes): the cases the last filter allowed, and
     * the length in tokens of every full-text row (ranking reads it for
     * every match; from SQLite it costs a lookup per row). */
    int64_t seen_version, seen_changes;
    char *ok_key; /* the filter ok is for, or NULL */
    uint8_t *ok;  /* bitmap over rec_cases rids */
    int64_t ok_nbits;
    int64_t *len_rowid; /* full-text rowids, ascending */
    uint32_t *len_tokens;
    size_t nlen;
    bool have_lens;
    /* the cases the last search found (a bitmap over rids), for the facets
     * of the same search and filter: found_key is its FTS5 query and the
     * filter's ok_key */
    char *found_key;
    uint8_t *found;
    int64_t found_nbits;
    struct rank_ctx *rk;           /* px_rank's; owned by the connection */
    struct term *terms[TERMS_MAX]; /* the words of the last searches */
    size_t nterms, terms_bytes;
    uint64_t term_tick; /* one more each search */
    bool have_stats;    /* the table's rows and mean row length, for bm25: */
    int64_t nrow;
    double avgdl;
    fts5_api *fts5;     /* the connection's */
    fts5_tokenizer tok; /* the table's tokenizer (snippets), made on first use */
    Fts5Tokenizer *tok_inst;
    void *tok_ctx;
    struct ftab *ftab; /* the facets of the live cases, or NULL */
    int64_t *by_ts;    /* the live cases, newest first (a listing's order), or NULL */
    size_t nby_ts;
} qx;

static void ftab_free(struct ftab *t);
static void terms_forget(qx *x);

static void qx_forget(qx *x)
{
    free(x->ok_key);
    free(x->ok);
    free(x->len_rowid);
    free(x->len_tokens);
    x->ok_key = NULL;
    x->ok = NULL;
    x->len_rowid = NULL;
    x->len_tokens = NULL;
    x->nlen = 0;
    x->have_lens = false;
    free(x->found_key);
    free(x->found);
    x->found_key = NULL;
    x->found = NULL;
    x->found_nbits = 0;
    ftab_free(x->ftab);
    x->ftab = NULL;
    free(x->by_ts);
    x->by_ts = NULL;
    x->nby_ts = 0;
    terms_forget(x);
}

/* The key of the cases a search with fts finds under the current filter
 * (x->ok_key, set by allowed_cases when it keeps its result); NULL when
 * not kept. malloc'd. */
static char *found_key_of(const qx *x, const char *fts)
{
    if (!x->ok_key)
        return NULL;
    size_t a = strlen(fts), b = strlen(x->ok_key);
    char *k = malloc(a + b + 2);
    if (k) {
        memcpy(k, fts, a);
        k[a] = '\x1e';
        memcpy(k + a + 1, x->ok_key, b + 1);
    }
    return k;
}

static int register_rank(qx *x);

static void qx_free(void *state)
{
    qx *x = state;
    if (!x)
        return;
#define STMT_FINALIZE(name, sql) sqlite3_finalize(x->name);
    STMTS(STMT_FINALIZE)
#undef STMT_FINALIZE
    if (x->tok_inst)
        x->tok.xDelete(x->tok_inst);
    qx_forget(x);
    free(x);
}

static int state(px_store *s, qx **out)
{
    qx *x = px_store_ext(s, PX_STORE_EXT_QUERY);
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
    x->seen_version = x->seen_changes = -1;
    rc = register_rank(x);
#define STMT_PREPARE(name, sql)                                                                    \
    if (!rc) {                                                                                     \
        int src_ = sqlite3_prepare_v3(x->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &x->name, NULL);  \
        if (src_ != SQLITE_OK)                                                                     \
            rc = px_store_error(s, src_, "preparing a query (" #name ")");                         \
    }
    STMTS(STMT_PREPARE)
#undef STMT_PREPARE
    if (rc) {
        qx_free(x);
        return rc;
    }
    px_store_set_ext(s, PX_STORE_EXT_QUERY, x, qx_free);
    *out = x;
    return PX_OK;
}

static void reset(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* ---- JSON helpers ---------------------------------------------------------- */

/* A string from untrusted bytes: null when absent or not valid UTF-8. */
static json_t *jtext(const char *s, size_t n)
{
    json_t *j = s ? json_stringn(s, n) : NULL;
    return j ? j : json_null();
}

static json_t *jstr(const char *s)
{
    return s ? jtext(s, strlen(s)) : json_null();
}

static json_t *jcol(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return jtext((const char *)sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
}

static json_t *jcol_int(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return json_integer(sqlite3_column_int64(st, col));
}

/* An indicator version as written (index.c keeps it in *_written): a
 * number when the record wrote one, else its text; null when absent. */
static json_t *jcol_version(sqlite3_stmt *st, int col)
{
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, col));
    case SQLITE_TEXT:
        return json_string((const char *)sqlite3_column_text(st, col));
    default:
        return json_null();
    }
}

/* The same into a C copy: *text "" when absent; *is_int when a number. */
static void col_version(sqlite3_stmt *st, int col, char text[PX_VERSION_TEXT_MAX], bool *is_int)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    *is_int = sqlite3_column_type(st, col) == SQLITE_INTEGER;
    snprintf(text, PX_VERSION_TEXT_MAX, "%s", t ? t : "");
}

/* A version copied by col_version as JSON. */
static json_t *jversion(const char *text, bool is_int)
{
    if (!text[0])
        return json_null();
    return is_int ? json_integer(strtoll(text, NULL, 10)) : json_string(text);
}

static json_t *jcol_real(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return json_null();
    return json_real(sqlite3_column_double(st, col));
}

/* A real, or null when it is missing or not a number (never 0). */
static json_t *jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static const uint8_t *centre_of(const px_query *q, const uint8_t author[32])
{
    return q->centre_of ? q->centre_of(q->centre_ctx, author) : author;
}

static json_t *jhex(const uint8_t *k)
{
    char hex[65];
    if (!k)
        return json_null();
    px_hex_encode(hex, k, 32);
    return json_string(hex);
}

static json_t *jcol_hex(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_bytes(st, col) != 32)
        return json_null();
    return jhex(sqlite3_column_blob(st, col));
}

static void col_bin32(sqlite3_stmt *st, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(st, col) == 32)
        memcpy(out, sqlite3_column_blob(st, col), 32);
    else
        memset(out, 0, 32);
}

static char *col_dup(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? strdup(t) : NULL;
}

/* o[key] = text picked from language map field of root for lang, and
 * o[lang_key] = the language it is in. */
static void set_text(json_t *o, const char *key, const char *lang_key, const msgpack_object *root,
                     const char *field, const char *lang)
{
    const msgpack_object *k = NULL;
    const msgpack_object *v = px_langmap_pick(px_record_get(root, field), lang, &k);
    json_object_set_new(o, key, v ? jtext(v->via.str.ptr, v->via.str.size) : json_null());
    if (lang_key)
        json_object_set_new(o, lang_key, k ? jtext(k->via.str.ptr, k->via.str.size) : json_null());
}

/* An entry's body, unpacked. *up must be destroyed by the caller also on
 * error; buf holds the bytes. PX_ENOENT when not held or purged. */
static int load_body(px_store *s, const uint8_t id[32], px_buf *buf, msgpack_unpacked *up)
{
    px_entry e;
    msgpack_unpacked_init(up);
    int rc = px_store_get(s, id, &e, buf, NULL);
    if (rc)
        return rc;
    if (!e.body)
        return PX_ENOENT;
    msgpack_unpacked_destroy(up);
    return px_record_unpack(e.body, e.body_len, up);
}

static int step_err(const qx *x, int src, const char *what)
{
    return px_store_error(x->store, src, what);
}

/* ---- cases ----------------------------------------------------------------- */

enum { SEARCH_MAX_BYTES = 1000, SEARCH_MAX_WORDS = 32 };

/* The words of a search: bytes p[0..n) of the search text, '*' left off
 * when prefix. */
typedef struct qword {
    const char *p;
    size_t n;
    bool prefix;
} qword;

typedef struct qwords {
    qword w[SEARCH_MAX_WORDS];
    size_t n;
} qwords;

/* Split a search into its words (runs of non-space); a trailing '*' makes
 * a prefix. OUT *out points into text. */
static int split_words(const char *text, qwords *out)
{
    out->n = 0;
    if (strlen(text) > SEARCH_MAX_BYTES)
        return px_err_set(PX_EINVAL, "search text is longer than %d bytes", SEARCH_MAX_BYTES);
    for (const char *p = text; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - start);
        bool prefix = n > 1 && start[n - 1] == '*';
        if (out->n == SEARCH_MAX_WORDS)
            return px_err_set(PX_EINVAL, "search text has more than %d words", SEARCH_MAX_WORDS);
        out->w[out->n++] = (qword){start, prefix ? n - 1 : n, prefix};
    }
    if (out->n == 0)
        return px_err_set(PX_EINVAL, "the search text has no words");
    return PX_OK;
}

/* Turn the words into an FTS5 query: each word a quoted string (so FTS5
 * syntax in the text is taken literally), all of them required; phrase i
 * of the query is word i. */
static int fts_query(const qwords *w, px_buf *out)
{
    int rc = PX_OK;
    for (size_t k = 0; !rc && k < w->n; k++) {
        const qword *q = &w->w[k];
        if (k > 0)
            rc = px_buf_append(out, " ", 1);
        if (!rc)
            rc = px_buf_append(out, "\"", 1);
        for (size_t i = 0; !rc && i < q->n; i++)
            rc = q->p[i] == '"' ? px_buf_append(out, "\"\"", 2) : px_buf_append(out, &q->p[i], 1);
        if (!rc)
            rc = px_buf_append(out, q->prefix ? "\"*" : "\"", q->prefix ? 2 : 1);
    }
    if (!rc)
        rc = px_buf_append(out, "", 1);
    return rc;
}

/* Whether a language tag suits the reader (exact, or same primary). */
static bool lang_suits(const char *tag, const char *lang)
{
    if (!tag || !lang || !*lang)
        return false;
    size_t a = strcspn(tag, "-"), b = strcspn(lang, "-");
    return a == b && strncmp(tag, lang, a) == 0;
}

/* The JSON of one case (row rid of rec_cases). */
static int case_json(const px_query *q, qx *x, int64_t rid, json_t **out)
{
    sqlite3_stmt *st = x->case_row;
    uint8_t id[32];
    px_buf buf = {0};
    msgpack_unpacked up;
    json_t *o = NULL;
    int rc = PX_OK;
    *out = NULL;
    msgpack_unpacked_init(&up);
    sqlite3_bind_int64(st, 1, rid);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        rc = src == SQLITE_DONE ? PX_ENOENT : step_err(x, src, "reading a case");
        reset(st);
        goto out;
    }
    col_bin32(st, 0, id);
    o = json_object();
    json_object_set_new(o, "id", jcol_hex(st, 0));
    json_object_set_new(o, "author", jcol_hex(st, 1));
    if (sqlite3_column_bytes(st, 1) == 32)
        json_object_set_new(o, "centre_key",
                            jhex(centre_of(q, (const uint8_t *)sqlite3_column_blob(st, 1))));
    json_object_set_new(o, "timestamp_ms", jcol_int(st, 2));
    json_object_set_new(o, "country", jcol(st, 3));
    json_object_set_new(o, "stage", jcol(st, 4));
    json_object_set_new(o, "centre", jcol(st, 5));
    json_object_set_new(o, "start_year", jcol_int(st, 6));
    json_object_set_new(o, "end_year", jcol_int(st, 7));
    json_object_set_new(o, "illustrative", json_boolean(sqlite3_column_int(st, 8)));
    int64_t version = sqlite3_column_int64(st, 9);
    json_object_set_new(o, "version", json_integer(version));
    json_object_set_new(o, "older_versions", json_integer(version > 1 ? version - 1 : 0));
    reset(st);
    msgpack_unpacked_destroy(&up);
    rc = load_body(q->store, id, &buf, &up);
    if (rc == PX_ENOENT) { /* purged since it was indexed */
        rc = PX_OK;
        json_object_set_new(o, "title", json_null());
        goto out;
    }
    if (rc)
        goto out;
    set_text(o, "title", "title_lang", &up.data, "title", q->lang);
    set_text(o, "summary", "summary_lang", &up.data, "summary", q->lang);
    json_t *tags = json_array();
    const msgpack_object *t = px_record_get(&up.data, "tags");
    for (uint32_t i = 0; t && t->type == MSGPACK_OBJECT_ARRAY && i < t->via.array.size; i++) {
        const msgpack_object *it = &t->via.array.ptr[i];
        if (it->type == MSGPACK_OBJECT_STR)
            json_array_append_new(tags, jtext(it->via.str.ptr, it->via.str.size));
    }
    json_object_set_new(o, "tags", tags);
out:
    msgpack_unpacked_destroy(&up);
    px_buf_free(&buf);
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

static void bind_case_filter(sqlite3_stmt *st, const px_case_filter *f)
{
    bind_opt(st, 1, f->country);
    bind_opt(st, 2, f->stage);
    bind_opt(st, 3, f->tag);
    bind_opt(st, 4, f->service);
    bind_opt(st, 5, f->channel);
    if (f->start_year)
        sqlite3_bind_int64(st, 6, f->start_year);
    else
        sqlite3_bind_null(st, 6);
}

/* ---- what the case search keeps until the store changes ------------------------- */

/* Forget what was kept when anything was committed since: by another
 * connection (PRAGMA data_version) or by this one (total changes). */
static int check_fresh(qx *x)
{
    int64_t v = -1, c = sqlite3_total_changes64(x->db);
    int src = sqlite3_step(x->data_version);
    if (src == SQLITE_ROW)
        v = sqlite3_column_int64(x->data_version, 0);
    reset(x->data_version);
    if (src != SQLITE_ROW)
        return step_err(x, src, "reading the store's data version");
    if (v != x->seen_version || c != x->seen_changes) {
        qx_forget(x);
        x->seen_version = v;
        x->seen_changes = c;
    }
    return PX_OK;
}

/* The reads of one query in one read transaction, when the connection is
 * not in one already: one snapshot for all of them, and one lock of the
 * WAL instead of one a statement (a search page runs about a hundred).
 * OUT *began: whether read_end has one to end. */
static int read_begin(qx *x, bool *began)
{
    *began = false;
    if (!sqlite3_get_autocommit(x->db))
        return PX_OK;
    int src = sqlite3_step(x->read_begin);
    sqlite3_reset(x->read_begin);
    if (src != SQLITE_DONE)
        return step_err(x, src, "starting a read");
    *began = true;
    return PX_OK;
}

static void read_end(qx *x, bool began)
{
    if (!began)
        return;
    int src = sqlite3_step(x->read_end);
    sqlite3_reset(x->read_end);
    if (src != SQLITE_DONE) /* (a read holds no lock that COMMIT waits for: never, but
                                never left open either) */
        sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A varint as SQLite and FTS5 write them. Returns its length, 0 if it runs
 * past end. */
static size_t get_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < 9; i++) {
        if (p + i >= end)
            return 0;
        if (i == 8) {
            *v = (*v << 8) | p[i];
            return 9;
        }
        *v = (*v << 7) | (p[i] & 0x7f);
        if (!(p[i] & 0x80))
            return i + 1;
    }
    return 0;
}

/* The length in tokens of every full-text row, from FTS5's docsize table
 * (one varint per column; a row whose sizes do not parse is left out, and
 * px_rank asks FTS5 for it). */
static int load_lens(qx *x)
{
    size_t cap = 0;
    int src, rc = PX_OK;
    if (x->have_lens)
        return PX_OK;
    while (!rc && (src = sqlite3_step(x->fts_sizes)) == SQLITE_ROW) {
        const uint8_t *p = sqlite3_column_blob(x->fts_sizes, 1);
        const uint8_t *end = p + sqlite3_column_bytes(x->fts_sizes, 1);
        uint64_t sum = 0, v;
        bool ok = p != NULL;
        for (size_t n; ok && p < end; p += n) {
            n = get_varint(p, end, &v);
            ok = n > 0 && v <= UINT32_MAX;
            sum += v;
        }
        if (!ok || sum > UINT32_MAX)
            continue;
        if (x->nlen == cap) {
            cap = cap ? cap * 2 : 4096;
            int64_t *r = realloc(x->len_rowid, cap * sizeof *r);
            if (r)
                x->len_rowid = r;
            uint32_t *t = r ? realloc(x->len_tokens, cap * sizeof *t) : NULL;
            if (t)
                x->len_tokens = t;
            if (!r || !t) {
                rc = PX_ENOMEM;
                break;
            }
        }
        x->len_rowid[x->nlen] = sqlite3_column_int64(x->fts_sizes, 0);
        x->len_tokens[x->nlen++] = (uint32_t)sum;
    }
    if (!rc && src != SQLITE_DONE)
        rc = step_err(x, src, "reading the lengths of the case texts");
    reset(x->fts_sizes);
    if (rc) {
        free(x->len_rowid);
        free(x->len_tokens);
        x->len_rowid = NULL;
        x->len_tokens = NULL;
        x->nlen = 0;
        return rc;
    }
    x->have_lens = true;
    return PX_OK;
}

static bool bit(const uint8_t *bits, int64_t n, int64_t i)
{
    return i >= 0 && i < n && (bits[i / 8] & (1u << (i % 8)));
}

/* The cases a listing may show (live, matching the filters), as a bitmap
 * over rec_cases rids, kept for the next call with the same filter. OUT
 * *bits (owned by x), *nbits. */
static int allowed_cases(qx *x, const px_case_filter *f, const uint8_t **bits, int64_t *nbits)
{
    char key[1024], year[24] = "";
    int rc = PX_OK, src;
    int64_t max = 0;
    if (f->start_year)
        snprintf(year, sizeof year, "%lld", (long long)f->start_year);
    int kn = snprintf(key, sizeof key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
                      f->country ? f->country : "", f->stage ? f->stage : "", f->tag ? f->tag : "",
                      f->service ? f->service : "", f->channel ? f->channel : "", year);
    bool keep = kn > 0 && (size_t)kn < sizeof key; /* long filters: not kept */
    if (keep && x->ok_key && strcmp(x->ok_key, key) == 0) {
        *bits = x->ok;
        *nbits = x->ok_nbits;
        return PX_OK;
    }
    free(x->ok_key);
    free(x->ok);
    x->ok_key = NULL;
    x->ok = NULL;
    src = sqlite3_step(x->cases_max);
    if (src == SQLITE_ROW)
        max = sqlite3_column_int64(x->cases_max, 0);
    else if (src != SQLITE_DONE)
        rc = step_err(x, src, "counting cases");
    reset(x->cases_max);
    if (rc)
        return rc;
    x->ok_nbits = max + 1;
    x->ok = calloc((size_t)(x->ok_nbits / 8 + 1), 1);
    if (!x->ok)
        return PX_ENOMEM;
    bind_case_filter(x->cases_ok, f);
    while ((src = sqlite3_step(x->cases_ok)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(x->cases_ok, 0);
        if (rid >= 0 && rid < x->ok_nbits)
            x->ok[rid / 8] |= (uint8_t)(1u << (rid % 8));
    }
    if (src != SQLITE_DONE)
        rc = step_err(x, src, "filtering cases");
    reset(x->cases_ok);
    if (!rc && keep)
        x->ok_key = strdup(key); /* not kept when out of memory: computed again */
    *bits = x->ok;
    *nbits = x->ok_nbits;
    return rc;
}

/* ---- ranking ----------------------------------------------------------------------- */

/* The ranking is FTS5's bm25 with the weights of the table's rank
 * (schema/003_records.sql: title 10, summary 5, body 1, extra 3), computed
 * the same way to the last bit (test_casesearch checks it against bm25 row
 * by row and case by case). A search ranks every match in one pass instead
 * of one call a row: it takes each word's rows (every row that holds it,
 * with the word's weighted frequency: what FTS5's bm25 walks anyway to
 * count them for the IDF), from what the connection keeps of the word
 * (below) or else by walking them with xQueryPhrase in px_search; then
 * merges the words' rows, keeping those of the cases the filters allow
 * that hold every word, and scores them in C, each row's length from qx's
 * table (load_lens) instead of a lookup in FTS5's docsize table. Stepping
 * SQLite's VM and FTS5's AND once a row took most of a search for two
 * common words. px_rank(rec_cases_fts) is the same score for one row, in
 * SQL. */
static const double rank_weights[] = {10.0, 5.0, 1.0, 3.0, 0.0, 0.0};

typedef struct mrow { /* a matching full-text row */
    int64_t rowid;
    double rank; /* bm25: lower is better */
} mrow;

/* The weighted frequency of phrase ip in the current row: the sum of the
 * weights of the columns of its instances, in the order xInst lists them
 * (column, then offset), as bm25 adds them. */
static int phrase_freq(const Fts5ExtensionApi *api, Fts5Context *fc, int ip, double *out)
{
    Fts5PhraseIter it;
    int ic = -1, io = 0;
    double f = 0.0;
    int rc = api->xPhraseFirst(fc, ip, &it, &ic, &io);
    for (; rc == SQLITE_OK && ic >= 0; api->xPhraseNext(fc, &it, &ic, &io))
        f += (size_t)ic < sizeof rank_weights / sizeof rank_weights[0] ? rank_weights[ic] : 1.0;
    *out = f;
    return rc;
}

/* bm25's IDF of a phrase in nhit of nrow rows, never below 1e-6 (a word in
 * most rows). */
static double idf_of(int64_t nrow, int64_t nhit)
{
    double idf = log((nrow - nhit + 0.5) / (nhit + 0.5));
    return idf <= 0.0 ? 1e-6 : idf;
}

/* bm25 of a row of length D: lower is better. */
static double bm25(const double *idf, const double *freq, int nphrase, double D, double avgdl)
{
    static const double k1 = 1.2, b = 0.75;
    double score = 0.0;
    for (int i = 0; i < nphrase; i++)
        score += idf[i] * ((freq[i] * (k1 + 1.0)) / (freq[i] + k1 * (1 - b + b * D / avgdl)));
    return -1.0 * score;
}

/* The length in tokens of the current row (px_rank's): from x's table
 * when it holds the row (x may be NULL), else from FTS5. */
static int row_len(const Fts5ExtensionApi *api, Fts5Context *fc, const qx *x, double *out)
{
    int64_t rowid = api->xRowid(fc);
    size_t lo = 0, hi = x ? x->nlen : 0;
    while (lo < hi) { /* binary search */
        size_t mid = lo + (hi - lo) / 2;
        if (x->len_rowid[mid] < rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (x && lo < x->nlen && x->len_rowid[lo] == rowid) {
        *out = (double)x->len_tokens[lo];
        return SQLITE_OK;
    }
    int ntok = 0, rc = api->xColumnSize(fc, -1, &ntok);
    *out = (double)ntok;
    return rc;
}

/* The rows and the mean row length, as bm25 takes them. */
static int avg_len(const Fts5ExtensionApi *api, Fts5Context *fc, sqlite3_int64 *nrow, double *avgdl)
{
    sqlite3_int64 ntok = 0;
    int rc = api->xRowCount(fc, nrow);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fc, -1, &ntok);
    *avgdl = (double)ntok / (double)*nrow;
    return rc;
}

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fc, void *ctx)
{
    (void)api;
    (void)fc;
    (*(int64_t *)ctx)++;
    return SQLITE_OK;
}

/* ---- what the search keeps of each word ---------------------------------------- */

/* A word's rows, as ranking reads them: every full-text row that holds it
 * (the filters aside: they differ from search to search), each with the
 * word's weighted frequency. The connection keeps the words of its last
 * searches until the store changes, the least recently used going first
 * beyond TERMS_MAX_BYTES (16 bytes a row: a word in 9,000 rows takes
 * 144 KB) or TERMS_MAX words: the words people search for recur, and the common ones
 * are those that cost most to walk (FTS5's doclist and every row's
 * positions: most of a search), while a kept one costs a merge. A search
 * whose words are all kept does not ask FTS5 at all. Keyed by the word's
 * tokens as the table's tokenizer folds them (so "Queue" and "queue" are
 * one), '*' after a prefix. */
enum { TERMS_MAX_BYTES = 16 << 20, TERM_ROW_BYTES = 8 + 8 };

typedef struct term {
    char *key;
    int64_t *rowid; /* ascending */
    double *freq;
    size_t n, cap;
    uint64_t used; /* qx's term_tick when last used */
} term;

static void term_free(term *t)
{
    if (!t)
        return;
    free(t->key);
    free(t->rowid);
    free(t->freq);
    free(t);
}

/* Give back what growing left unused (best effort). */
static void term_shrink(term *t)
{
    if (t->n == 0 || t->n == t->cap)
        return;
    int64_t *r = realloc(t->rowid, t->n * sizeof *r);
    if (r)
        t->rowid = r;
    double *f = realloc(t->freq, t->n * sizeof *f);
    if (f)
        t->freq = f;
    if (r && f)
        t->cap = t->n;
}

static size_t term_bytes(const term *t)
{
    return t->n * TERM_ROW_BYTES + strlen(t->key) + sizeof *t;
}

static void terms_forget(qx *x)
{
    for (size_t i = 0; i < x->nterms; i++)
        term_free(x->terms[i]);
    x->nterms = 0;
    x->terms_bytes = 0;
    x->have_stats = false;
}

/* The kept word key, or NULL; marked as used by the current search (so
 * that keeping another one does not drop it). */
static term *term_find(qx *x, const char *key)
{
    for (size_t i = 0; i < x->nterms; i++)
        if (strcmp(x->terms[i]->key, key) == 0) {
            x->terms[i]->used = x->term_tick;
            return x->terms[i];
        }
    return NULL;
}

/* Keep t (made by term_scan, its key set), dropping the least recently
 * used words not used by the current search to make room. false: not
 * kept (too big, or no room), the caller still owns it. */
static bool term_keep(qx *x, term *t)
{
    size_t need = term_bytes(t);
    if (need > TERMS_MAX_BYTES / 4)
        return false;
    while (x->nterms == TERMS_MAX || x->terms_bytes + need > TERMS_MAX_BYTES) {
        size_t victim = x->nterms;
        for (size_t i = 0; i < x->nterms; i++)
            if (x->terms[i]->used != x->term_tick &&
                (victim == x->nterms || x->terms[i]->used < x->terms[victim]->used))
                victim = i;
        if (victim == x->nterms)
            return false;
        x->terms_bytes -= term_bytes(x->terms[victim]);
        term_free(x->terms[victim]);
        x->terms[victim] = x->terms[--x->nterms];
    }
    t->used = x->term_tick;
    x->terms[x->nterms++] = t;
    x->terms_bytes += need;
    return true;
}

/* What a search ranks with (px_search's context, set by search_cases for
 * the length of one search). */
typedef struct rank_ctx {
    qx *x;
    const uint8_t *ok; /* the cases that count */
    int64_t nbits;
    int nwords;                         /* keys: the words' keys, phrase order; */
    const char *keys[SEARCH_MAX_WORDS]; /* nwords 0: none (nothing kept) */
    term *t[SEARCH_MAX_WORDS];          /* each phrase's rows, kept by x or */
    bool owned[SEARCH_MAX_WORDS];       /* the search's own */
    mrow *rows; /* the answer (malloc'd, for search_cases to take), rowid order */
    size_t nrows;
    bool ranked;
} rank_ctx;

/* xQueryPhrase's callback: one row of the word walked. */
static int term_row(const Fts5ExtensionApi *api, Fts5Context *fc, void *ctx)
{
    term *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        int64_t *r = realloc(t->rowid, cap * sizeof *r);
        if (r)
            t->rowid = r;
        double *f = r ? realloc(t->freq, cap * sizeof *f) : NULL;
        if (!f)
            return SQLITE_NOMEM;
        t->freq = f;
        t->cap = cap;
    }
    int rc = phrase_freq(api, fc, 0, &t->freq[t->n]);
    if (rc == SQLITE_OK)
        t->rowid[t->n++] = api->xRowid(fc);
    return rc;
}

/* Walk phrase ip's rows. OUT *out (malloc'd, without a key). */
static int term_scan(const Fts5ExtensionApi *api, Fts5Context *fc, int ip, term **out)
{
    term *t = calloc(1, sizeof *t);
    int rc = t ? api->xQueryPhrase(fc, ip, t, term_row) : SQLITE_NOMEM;
    if (rc != SQLITE_OK) {
        term_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

/* Where rowid is in v[0..n) (ascending), or would be: galloping from
 * *from on (the rowids asked for ascend), then bisecting; *from moves on. */
static size_t seek_rowid(const int64_t *v, size_t n, int64_t rowid, size_t *from)
{
    size_t lo = *from, step = 1;
    while (lo + step < n && v[lo + step] < rowid) {
        lo += step;
        step *= 2;
    }
    size_t hi = lo + step < n ? lo + step + 1 : n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    *from = lo;
    return lo;
}

/* Rank the rows of the cases k->ok allows that hold every phrase, from
 * their terms: walked in rowid order from the word with the fewest rows,
 * the others followed by galloping; each row's length from x's table
 * (every row has one, as in FTS5's docsize table). OUT k->rows, k->nrows. */
static int rank_rows(rank_ctx *k, int np, int64_t nrow, double avgdl)
{
    const qx *x = k->x;
    double idf[SEARCH_MAX_WORDS], freq[SEARCH_MAX_WORDS];
    size_t at[SEARCH_MAX_WORDS] = {0}, cap = 0, n = 0, len_at = 0;
    mrow *rows = NULL;
    int lead = 0;
    for (int ip = 0; ip < np; ip++) {
        idf[ip] = idf_of(nrow, (int64_t)k->t[ip]->n);
        if (k->t[ip]->n < k->t[lead]->n)
            lead = ip;
    }
    const term *l = k->t[lead];
    for (size_t i = 0; i < l->n; i++) {
        int64_t rowid = l->rowid[i];
        if (!bit(k->ok, k->nbits, rowid / PX_INDEX_FTS_LANGS))
            continue; /* a case the filters exclude */
        int ip = 0;
        for (; ip < np; ip++) {
            const term *t = k->t[ip];
            size_t j = seek_rowid(t->rowid, t->n, rowid, &at[ip]);
            if (j == t->n || t->rowid[j] != rowid)
                break; /* a row without this word */
            freq[ip] = t->freq[j];
        }
        if (ip < np)
            continue;
        size_t j = seek_rowid(x->len_rowid, x->nlen, rowid, &len_at);
        if (j == x->nlen || x->len_rowid[j] != rowid) {
            free(rows);
            return SQLITE_CORRUPT_VTAB; /* (FTS5 says so of a row without its size too) */
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            mrow *m = realloc(rows, cap * sizeof *m);
            if (!m) {
                free(rows);
                return SQLITE_NOMEM;
            }
            rows = m;
        }
        rows[n++] = (mrow){rowid, bm25(idf, freq, np, (double)x->len_tokens[j], avgdl)};
    }
    k->rows = rows;
    k->nrows = n;
    k->ranked = true;
    return SQLITE_OK;
}

/* px_search(rec_cases_fts), called on the first match of a search when
 * some of its words are not kept: walks those (keeping them), then ranks
 * every match of the cases the filters allow into the context's rows. */
static void search_fn(const Fts5ExtensionApi *api, Fts5Context *fc, sqlite3_context *ctx, int nval,
                      sqlite3_value **val)
{
    (void)nval;
    (void)val;
    rank_ctx *k = api->xUserData(fc);
    int np = api->xPhraseCount(fc);
    int rc =
        k->x && k->ok && !k->ranked && np > 0 && np <= SEARCH_MAX_WORDS ? SQLITE_OK : SQLITE_MISUSE;
    qx *x = k->x;
    sqlite3_int64 nrow = 0;
    double avgdl = 0;
    bool keyed = rc == SQLITE_OK && np == k->nwords; /* else its words are not ours to keep */
    if (rc == SQLITE_OK)
        rc = avg_len(api, fc, &nrow, &avgdl);
    if (rc == SQLITE_OK) {
        x->nrow = nrow;
        x->avgdl = avgdl;
        x->have_stats = true;
    }
    for (int ip = 0; rc == SQLITE_OK && ip < np; ip++) {
        if (!keyed && k->t[ip] && !k->owned[ip])
            k->t[ip] = NULL; /* (found by a key that is not this phrase's) */
        if (keyed && !k->t[ip])
            k->t[ip] = term_find(x, k->keys[ip]); /* (a word twice in the search) */
        if (k->t[ip])
            continue;
        rc = term_scan(api, fc, ip, &k->t[ip]);
        if (rc != SQLITE_OK)
            break;
        k->owned[ip] = true;
        term_shrink(k->t[ip]);
        if (keyed && (k->t[ip]->key = strdup(k->keys[ip])) && term_keep(x, k->t[ip]))
            k->owned[ip] = false;
    }
    if (rc == SQLITE_OK)
        rc = rank_rows(k, np, nrow, avgdl);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_result_int64(ctx, (sqlite3_int64)k->nrows);
}

/* px_rank's data for one query (IDF and mean length), made on its first
 * row. */
typedef struct rank_data {
    int nphrase;
    double avgdl;
    double *idf, *freq;
} rank_data;

static int rank_data_make(const Fts5ExtensionApi *api, Fts5Context *fc, rank_data **out)
{
    int np = api->xPhraseCount(fc);
    sqlite3_int64 nrow = 0;
    rank_data *d = sqlite3_malloc64(sizeof *d + 2 * (size_t)(np > 0 ? np : 1) * sizeof(double));
    if (!d)
        return SQLITE_NOMEM;
    d->nphrase = np;
    d->idf = (double *)(d + 1);
    d->freq = d->idf + (np > 0 ? np : 1);
    int rc = avg_len(api, fc, &nrow, &d->avgdl);
    for (int i = 0; rc == SQLITE_OK && i < np; i++) {
        int64_t nhit = 0;
        rc = api->xQueryPhrase(fc, i, &nhit, count_hit);
        d->idf[i] = idf_of(nrow, nhit);
    }
    if (rc != SQLITE_OK) {
        sqlite3_free(d);
        return rc;
    }
    rc = api->xSetAuxdata(fc, d, sqlite3_free); /* frees d itself on failure */
    *out = rc == SQLITE_OK ? d : NULL;
    return rc;
}

/* px_rank(rec_cases_fts): one row's score. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fc, sqlite3_context *ctx, int nval,
                    sqlite3_value **val)
{
    (void)nval;
    (void)val;
    rank_data *d = api->xGetAuxdata(fc, 0);
    int rc = d ? SQLITE_OK : rank_data_make(api, fc, &d);
    for (int i = 0; rc == SQLITE_OK && i < d->nphrase; i++)
        rc = phrase_freq(api, fc, i, &d->freq[i]);
    double D = 0;
    if (rc == SQLITE_OK)
        rc = row_len(api, fc, ((const rank_ctx *)api->xUserData(fc))->x, &D);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    sqlite3_result_double(ctx, bm25(d->idf, d->freq, d->nphrase, D, d->avgdl));
}

/* Register px_rank and px_search on x's connection. Their context belongs
 * to the connection (freed when it closes), so it never outlives what it
 * points to: qx sets it only for the length of a search. */
static int register_rank(qx *x)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(x->db, "SELECT fts5(?1)", -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2)
        return px_err_set(PX_ESTORE, "SQLite has no FTS5 extension API (version 2 or later)");
    x->fts5 = api;
    x->rk = calloc(1, sizeof *x->rk);
    if (!x->rk)
        return PX_ENOMEM;
    src = api->xCreateFunction(api, "px_rank", x->rk, rank_fn, free);
    if (src != SQLITE_OK) { /* xDestroy is not called then */
        free(x->rk);
        x->rk = NULL;
        return px_store_error(x->store, src, "registering the case ranking");
    }
    src = api->xCreateFunction(api, "px_search", x->rk, search_fn, NULL);
    if (src != SQLITE_OK)
        return px_store_error(x->store, src, "registering the case search");
    return PX_OK;
}

/* ---- snippets ------------------------------------------------------------------ */

/* A snippet is made from the stored text of the one row it is for, by the
 * rules of FTS5's snippet(rec_cases_fts, -1, '[', ']', '…', 16) and to the
 * same bytes (test_casesearch checks it against FTS5 row by row): the
 * texts are split with the table's own tokenizer, and a word matches
 * where FTS5's index says it does (its tokens in a row; the last one as a
 * prefix when the word ends in '*'). The window is 16 tokens of one
 * column; every place where a word matches is a candidate (the window
 * centred on the words it holds), and so is the start of the sentence
 * before it; a window scores 1000 for each word it holds and 1 for each
 * repetition, a sentence's start 100 more (120 at the column's start); the
 * first best one wins, columns in table order. The matches that start in
 * the window are marked, with '…' where the window cuts the text.
 * Asking FTS5 for it cost a full-text query a snippet (a seek in every
 * segment for every word) on top of the same tokenizing: about a third of
 * a search page's time. */
enum { SNIPPET_TOKENS = 16, SNIPPET_COLS = 4, SNIPPET_BONUS_START = 120, SNIPPET_BONUS = 100 };
#define SNIPPET_ELLIPSIS "…"
/* The tokenizer of rec_cases_fts (schema/003_records.sql). */
#define CASE_FTS_TOKENIZER "unicode61"
static const char *const case_fts_tokenizer_args[] = {"remove_diacritics", "2"};

typedef struct stok { /* a token: bytes [start, end) of its text, its folded form fold[at..at+n) */
    int start, end;
    size_t at, n;
} stok;

typedef struct scol { /* one column of a row, tokenized */
    const char *text;
    int len;
    stok *t;
    size_t n, cap;
    px_buf fold;
} scol;

typedef struct sinst { /* where word ip matches: tokens pos .. pos + ntok - 1 */
    int pos, ip, ntok;
} sinst;

typedef struct snip { /* the words of one search, as the tokenizer folds them, and scratch */
    scol words;       /* every word's tokens, word after word */
    size_t w0[SEARCH_MAX_WORDS], wn[SEARCH_MAX_WORDS];
    bool prefix[SEARCH_MAX_WORDS];
    int nwords;
    scol col[SNIPPET_COLS];
    sinst *inst; /* of the column being scored, in (pos, word) order */
    size_t ninst, icap;
    int *first; /* the tokens that start a sentence */
    size_t nfirst, fcap;
} snip;

static void scol_free(scol *c)
{
    free(c->t);
    px_buf_free(&c->fold);
}

static void snip_free(snip *sn)
{
    scol_free(&sn->words);
    for (int c = 0; c < SNIPPET_COLS; c++)
        scol_free(&sn->col[c]);
    free(sn->inst);
    free(sn->first);
}

static int on_token(void *ctx, int tflags, const char *tok, int ntok, int start, int end)
{
    scol *c = ctx;
    if (tflags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK; /* (synonyms hold no position of their own) */
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        stok *t = realloc(c->t, cap * sizeof *t);
        if (!t)
            return SQLITE_NOMEM;
        c->t = t;
        c->cap = cap;
    }
    if (ntok < 0 || start < 0 || end < start)
        return SQLITE_ERROR;
    c->t[c->n] = (stok){start, end, c->fold.len, (size_t)ntok};
    if (px_buf_append(&c->fold, tok, (size_t)ntok))
        return SQLITE_NOMEM;
    c->n++;
    return SQLITE_OK;
}

/* Split text[0..len) into c's tokens (appended) with the table's
 * tokenizer, made on x's first snippet. */
static int tokenize(qx *x, int flags, const char *text, int len, scol *c)
{
    if (!x->tok_inst) {
        int src = x->fts5->xFindTokenizer(x->fts5, CASE_FTS_TOKENIZER, &x->tok_ctx, &x->tok);
        if (src == SQLITE_OK)
            src = x->tok.xCreate(
                x->tok_ctx, (const char **)case_fts_tokenizer_args,
                (int)(sizeof case_fts_tokenizer_args / sizeof case_fts_tokenizer_args[0]),
                &x->tok_inst);
        if (src != SQLITE_OK) {
            x->tok_inst = NULL;
            return px_store_error(x->store, src, "making the case text tokenizer");
        }
    }
    int src = x->tok.xTokenize(x->tok_inst, c, flags, text, len, on_token);
    return src == SQLITE_OK ? PX_OK : px_store_error(x->store, src, "tokenizing a case text");
}

/* The words of a search, tokenized as FTS5 tokenizes its query. */
static int snip_words(qx *x, const qwords *w, snip *sn)
{
    int rc = PX_OK;
    sn->nwords = (int)w->n;
    for (size_t k = 0; !rc && k < w->n; k++) {
        sn->w0[k] = sn->words.n;
        sn->prefix[k] = w->w[k].prefix;
        rc = tokenize(x, FTS5_TOKENIZE_QUERY | (w->w[k].prefix ? FTS5_TOKENIZE_PREFIX : 0),
                      w->w[k].p, (int)w->w[k].n, &sn->words);
        sn->wn[k] = sn->words.n - sn->w0[k];
    }
    return rc;
}

static bool token_is(const scol *c, const stok *t, const scol *wc, const stok *w, bool prefix)
{
    if (prefix ? t->n < w->n : t->n != w->n)
        return false;
    return memcmp(c->fold.data + t->at, wc->fold.data + w->at, w->n) == 0;
}

/* The places in column c where the words match, in (position, word)
 * order, as FTS5's xInst lists them. */
static int find_instances(snip *sn, const scol *c)
{
    sn->ninst = 0;
    for (size_t pos = 0; pos < c->n; pos++)
        for (int ip = 0; ip < sn->nwords; ip++) {
            size_t n = sn->wn[ip], k = 0;
            if (n == 0 || pos + n > c->n)
                continue;
            for (; k < n; k++)
                if (!token_is(c, &c->t[pos + k], &sn->words, &sn->words.t[sn->w0[ip] + k],
                              sn->prefix[ip] && k == n - 1))
                    break;
            if (k < n)
                continue;
            if (sn->ninst == sn->icap) {
                size_t cap = sn->icap ? sn->icap * 2 : 64;
                sinst *v = realloc(sn->inst, cap * sizeof *v);
                if (!v)
                    return PX_ENOMEM;
                sn->inst = v;
                sn->icap = cap;
            }
            sn->inst[sn->ninst++] = (sinst){(int)pos, ip, (int)n};
        }
    return PX_OK;
}

/* The tokens of column c that start a sentence: the first, and every one
 * after a '.' or ':' and white space. */
static int find_sentences(snip *sn, const scol *c)
{
    sn->nfirst = 0;
    for (size_t i = 0; i < c->n; i++) {
        int j = c->t[i].start - 1;
        while (j >= 0 && (c->text[j] == ' ' || c->text[j] == '\t' || c->text[j] == '\n' ||
                          c->text[j] == '\r'))
            j--;
        bool starts = i == 0 || (j >= 0 && j != c->t[i].start - 1 &&
                                 (c->text[j] == '.' || c->text[j] == ':'));
        if (!starts)
            continue;
        if (sn->nfirst == sn->fcap) {
            size_t cap = sn->fcap ? sn->fcap * 2 : 64;
            int *v = realloc(sn->first, cap * sizeof *v);
            if (!v)
                return PX_ENOMEM;
            sn->first = v;
            sn->fcap = cap;
        }
        sn->first[sn->nfirst++] = (int)i;
    }
    return PX_OK;
}

/* The score of the window of SNIPPET_TOKENS tokens from pos, given the
 * first instance at or after it (at); OUT *centred: where the window
 * starts when centred on the words it holds (within the column's ntok). */
static int window_score(const snip *sn, size_t at, int pos, int ntok, int *centred)
{
    uint64_t seen = 0;
    int score = 0, first = -1, last = 0;
    for (size_t i = at; i < sn->ninst && sn->inst[i].pos < pos + SNIPPET_TOKENS; i++) {
        const sinst *in = &sn->inst[i];
        score += seen & (1ull << in->ip) ? 1 : 1000;
        seen |= 1ull << in->ip;
        if (first < 0)
            first = in->pos;
        last = in->pos + in->ntok;
    }
    if (centred) {
        int adj = first - (SNIPPET_TOKENS - (last - first)) / 2;
        if (adj + SNIPPET_TOKENS > ntok)
            adj = ntok - SNIPPET_TOKENS;
        *centred = adj < 0 ? 0 : adj;
    }
    return score;
}

typedef struct sbest {
    int score, col, start;
} sbest;

/* The best window of column ci (instances and sentences found). */
static void best_window(const snip *sn, int ci, sbest *best)
{
    int ntok = (int)sn->col[ci].n;
    size_t lo = 0, f = 0, at = 0; /* (each only moves on: positions come in order) */
    for (size_t i = 0; i < sn->ninst; i++) {
        int pos = sn->inst[i].pos, start;
        while (sn->inst[lo].pos < pos)
            lo++; /* the first instance of the window from pos */
        int score = window_score(sn, lo, pos, ntok, &start);
        if (score > best->score)
            *best = (sbest){score, ci, start};
        if (sn->nfirst == 0 || ntok <= SNIPPET_TOKENS)
            continue;
        while (f + 1 < sn->nfirst && sn->first[f + 1] <= pos)
            f++; /* the last sentence that starts at or before pos */
        int from = sn->first[f];
        if (from >= pos)
            continue;
        while (sn->inst[at].pos < from)
            at++; /* the first instance of the window from there */
        score = window_score(sn, at, from, ntok, NULL) +
                (from == 0 ? SNIPPET_BONUS_START : SNIPPET_BONUS);
        if (score > best->score)
            *best = (sbest){score, ci, from};
    }
}

static int put(px_buf *out, const char *p, size_t n)
{
    return px_buf_append(out, p, n);
}

/* Write the window of column c from token start, the matches that start
 * in it marked (sn's instances are column c's). Overlapping matches are
 * one mark, counted from the column's start, as FTS5 does. */
static int write_window(const snip *sn, const scol *c, int start, px_buf *out)
{
    int last = start + SNIPPET_TOKENS - 1, ntok = (int)c->n, rc = PX_OK;
    int off = start > 0 && start < ntok ? c->t[start].start : 0; /* written up to */
    int mark = -1, mark_end = -1; /* the next mark in the window: its first and last token */
    size_t i = 0;
    if (start > 0)
        rc = put(out, SNIPPET_ELLIPSIS, strlen(SNIPPET_ELLIPSIS));
    for (int pos = start; !rc && pos <= last && pos < ntok; pos++) {
        while (mark < pos && i < sn->ninst) { /* the next run of overlapping matches */
            mark = sn->inst[i].pos;
            mark_end = mark + sn->inst[i].ntok - 1;
            for (i++; i < sn->ninst && sn->inst[i].pos <= mark_end; i++)
                if (sn->inst[i].pos + sn->inst[i].ntok - 1 > mark_end)
                    mark_end = sn->inst[i].pos + sn->inst[i].ntok - 1;
        }
        if (pos == mark) {
            int end = mark_end < last ? mark_end : last;
            rc = put(out, c->text + off, (size_t)(c->t[pos].start - off));
            if (!rc)
                rc = put(out, "[", 1);
            if (!rc)
                rc = put(out, c->text + c->t[pos].start, (size_t)(c->t[end].end - c->t[pos].start));
            if (!rc)
                rc = put(out, "]", 1);
            off = c->t[end].end;
            pos = end;
        } else if (pos == last || pos == ntok - 1) {
            rc = put(out, c->text + off, (size_t)(c->t[pos].end - off));
            off = c->t[pos].end;
        }
    }
    if (!rc && last >= ntok - 1)
        rc = put(out, c->text + off, (size_t)(c->len - off));
    else if (!rc)
        rc = put(out, SNIPPET_ELLIPSIS, strlen(SNIPPET_ELLIPSIS));
    return rc;
}

/* The snippet of full-text row rowid for the words in sn. OUT *text
 * (malloc'd; NULL when the row holds no text). */
static int make_snippet(qx *x, snip *sn, int64_t rowid, char **text)
{
    sqlite3_stmt *st = x->fts_text;
    sbest best = {0, 0, 0};
    px_buf out = {0};
    int rc = PX_OK;
    *text = NULL;
    sqlite3_bind_int64(st, 1, rowid);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        rc = src == SQLITE_DONE ? PX_OK : step_err(x, src, "reading a case text");
        reset(st);
        return rc;
    }
    for (int c = 0; !rc && c < SNIPPET_COLS; c++) {
        scol *col = &sn->col[c];
        col->n = 0;
        px_buf_reset(&col->fold);
        col->text = (const char *)sqlite3_column_text(st, c);
        col->len = sqlite3_column_bytes(st, c);
        if (!col->text) {
            col->text = "";
            col->len = 0;
        }
        rc = tokenize(x, FTS5_TOKENIZE_DOCUMENT, col->text, col->len, col);
        if (!rc)
            rc = find_instances(sn, col);
        if (!rc)
            rc = find_sentences(sn, col);
        if (!rc)
            best_window(sn, c, &best);
    }
    if (!rc && sqlite3_column_type(st, best.col) != SQLITE_NULL) {
        rc = find_instances(sn, &sn->col[best.col]);
        if (!rc)
            rc = write_window(sn, &sn->col[best.col], best.start, &out);
        if (!rc && out.len) /* (an empty one is none, as from FTS5) */
            rc = put(&out, "", 1);
        if (!rc && out.len) {
            *text = (char *)out.data;
            out.data = NULL;
        }
    }
    px_buf_free(&out);
    reset(st);
    return rc;
}

/* ---- full-text search ------------------------------------------------------------ */

typedef struct hit { /* a matching case: its rows are rows[row0 .. row0 + nrows) */
    int64_t rid;
    double rank; /* its best row's */
    size_t row0, nrows;
} hit;

static int cmp_hit(const void *pa, const void *pb)
{
    const hit *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->rid < b->rid ? -1 : a->rid > b->rid;
}

typedef struct search_res {
    mrow *rows;
    hit *hits; /* every matching case, the best first */
    size_t nrows, nhits;
} search_res;

static void search_res_free(search_res *sr)
{
    free(sr->rows);
    free(sr->hits);
    memset(sr, 0, sizeof *sr);
}

/* The keys of the words of sn that make phrases of the FTS5 query (FTS5
 * drops the words without tokens), into keys (k->keys point into it). */
static int word_keys(const snip *sn, px_buf *keys, rank_ctx *k)
{
    size_t at[SEARCH_MAX_WORDS];
    int rc = PX_OK;
    k->nwords = 0;
    for (int w = 0; !rc && w < sn->nwords; w++) {
        if (sn->wn[w] == 0)
            continue;
        at[k->nwords++] = keys->len;
        for (size_t i = 0; !rc && i < sn->wn[w]; i++) {
            const stok *t = &sn->words.t[sn->w0[w] + i];
            if (i > 0)
                rc = px_buf_append(keys, " ", 1);
            if (!rc)
                rc = px_buf_append(keys, sn->words.fold.data + t->at, t->n);
        }
        if (!rc && sn->prefix[w])
            rc = px_buf_append(keys, "*", 1);
        if (!rc)
            rc = px_buf_append(keys, "", 1);
    }
    for (int i = 0; !rc && i < k->nwords; i++)
        k->keys[i] = (const char *)keys->data + at[i];
    return rc;
}

/* Full-text search: the matches ranked (rowid order, so a case's rows are
 * neighbours), from the words kept when all of them are, else by
 * px_search; the cases sorted by their best row. sn: the search's words,
 * tokenized. */
static int search_cases(qx *x, const px_case_filter *f, const char *fts, const snip *sn,
                        search_res *sr)
{
    const uint8_t *ok;
    int64_t nbits;
    size_t hcap = 0;
    px_buf keys = {0};
    rank_ctx *k = x->rk;
    int src, rc = allowed_cases(x, f, &ok, &nbits);
    memset(sr, 0, sizeof *sr);
    if (!rc)
        rc = load_lens(x);
    if (rc)
        return rc;
    *k = (rank_ctx){.x = x, .ok = ok, .nbits = nbits};
    x->term_tick++;
    rc = word_keys(sn, &keys, k);
    bool kept = !rc && k->nwords > 0 && x->have_stats;
    for (int i = 0; !rc && i < k->nwords; i++)
        kept &= (k->t[i] = term_find(x, k->keys[i])) != NULL;
    if (rc) {
        k->nwords = 0; /* (out of memory: nothing kept) */
        rc = PX_OK;
    }
    if (kept) {
        src = rank_rows(k, k->nwords, x->nrow, x->avgdl);
        if (src != SQLITE_OK)
            rc = src == SQLITE_NOMEM ? PX_ENOMEM : step_err(x, src, "ranking cases");
    } else {
        sqlite3_bind_text(x->fts_search, 1, fts, -1, SQLITE_STATIC);
        src = sqlite3_step(x->fts_search); /* no row: nothing matches */
        if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = step_err(x, src, "searching cases");
        reset(x->fts_search);
    }
    sr->rows = k->rows;
    sr->nrows = k->nrows;
    for (int i = 0; i < SEARCH_MAX_WORDS; i++)
        if (k->owned[i])
            term_free(k->t[i]);
    *k = (rank_ctx){0};
    px_buf_free(&keys);
    for (size_t i = 0; !rc && i < sr->nrows; i++) {
        int64_t rid = sr->rows[i].rowid / PX_INDEX_FTS_LANGS;
        double rank = sr->rows[i].rank;
        hit *h = sr->nhits ? &sr->hits[sr->nhits - 1] : NULL;
        if (h && h->rid == rid) {
            h->nrows++;
            if (rank < h->rank)
                h->rank = rank;
            continue;
        }
        if (sr->nhits == hcap) {
            hcap = hcap ? hcap * 2 : 1024;
            hit *n = realloc(sr->hits, hcap * sizeof *n);
            if (!n) {
                rc = PX_ENOMEM;
                break;
            }
            sr->hits = n;
        }
        sr->hits[sr->nhits++] = (hit){rid, rank, i, 1};
    }
    if (!rc) { /* keep what was found for the facets of the same search */
        char *key = found_key_of(x, fts);
        uint8_t *bits = key ? calloc((size_t)(nbits / 8 + 1), 1) : NULL;
        for (size_t i = 0; bits && i < sr->nhits; i++)
            if (sr->hits[i].rid >= 0 && sr->hits[i].rid < nbits)
                bits[sr->hits[i].rid / 8] |= (uint8_t)(1u << (sr->hits[i].rid % 8));
        free(x->found_key);
        free(x->found);
        x->found_key = bits ? key : NULL;
        x->found = bits;
        x->found_nbits = bits ? nbits : 0;
        if (!bits)
            free(key);
    }
    if (rc)
        search_res_free(sr);
    return rc;
}

static void hit_swap(hit *a, hit *b)
{
    hit t = *a;
    *a = *b;
    *b = t;
}

/* Move the best k of h[0..n) to the front, in order (a heap of the k best
 * seen: sorting all of them took 3 ms for a common word). */
static void top_hits(hit *h, size_t n, size_t k)
{
    if (k >= n) {
        if (n > 1)
            qsort(h, n, sizeof *h, cmp_hit);
        return;
    }
    if (k == 0)
        return;
    /* h[0..k) a max-heap: its root is the worst of the best k so far */
    for (size_t i = k / 2; i-- > 0;)
        for (size_t p = i, c; (c = 2 * p + 1) < k; p = c) {
            if (c + 1 < k && cmp_hit(&h[c + 1], &h[c]) > 0)
                c++;
            if (cmp_hit(&h[c], &h[p]) <= 0)
                break;
            hit_swap(&h[c], &h[p]);
        }
    for (size_t j = k; j < n; j++) {
        if (cmp_hit(&h[j], &h[0]) >= 0)
            continue;
        hit_swap(&h[j], &h[0]);
        for (size_t p = 0, c; (c = 2 * p + 1) < k; p = c) {
            if (c + 1 < k && cmp_hit(&h[c + 1], &h[c]) > 0)
                c++;
            if (cmp_hit(&h[c], &h[p]) <= 0)
                break;
            hit_swap(&h[c], &h[p]);
        }
    }
    qsort(h, k, sizeof *h, cmp_hit);
}

/* The row of a hit to take the snippet from: the best-ranked one in the
 * reader's language, else the best-ranked one. OUT lang (that row's). */
static int snippet_row(const px_query *q, qx *x, const search_res *sr, const hit *h, int64_t *rowid,
                       char lang[24])
{
    const mrow *best = NULL, *best_suits = NULL;
    char best_lang[24] = "";
    int rc = PX_OK;
    lang[0] = '\0';
    for (size_t i = h->row0; !rc && i < h->row0 + h->nrows; i++) {
        const mrow *m = &sr->rows[i];
        char l[24] = "";
        sqlite3_bind_int64(x->fts_lang, 1, m->rowid);
        int src = sqlite3_step(x->fts_lang);
        if (src == SQLITE_ROW && sqlite3_column_type(x->fts_lang, 0) == SQLITE_TEXT)
            snprintf(l, sizeof l, "%s", (const char *)sqlite3_column_text(x->fts_lang, 0));
        else if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = step_err(x, src, "reading a case text's language");
        reset(x->fts_lang);
        if (!best || m->rank < best->rank) {
            best = m;
            snprintf(best_lang, sizeof best_lang, "%s", l);
        }
        if (lang_suits(l, q->lang) && (!best_suits || m->rank < best_suits->rank)) {
            best_suits = m;
            snprintf(lang, 24, "%s", l);
        }
    }
    if (!best_suits) {
        best_suits = best;
        snprintf(lang, 24, "%s", best_lang);
    }
    *rowid = best_suits ? best_suits->rowid : 0;
    return rc;
}

/* The live cases newest first (ts, then rid, descending), read once until
 * the store changes. */
static int cases_newest_first(qx *x)
{
    size_t cap = 0;
    int src, rc = PX_OK;
    if (x->by_ts)
        return PX_OK;
    int64_t *v = NULL;
    size_t n = 0;
    while (!rc && (src = sqlite3_step(x->cases_by_ts)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            int64_t *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                rc = PX_ENOMEM;
                break;
            }
            v = nv;
        }
        v[n++] = sqlite3_column_int64(x->cases_by_ts, 0);
    }
    if (!rc && src != SQLITE_DONE)
        rc = step_err(x, src, "listing cases");
    reset(x->cases_by_ts);
    if (!rc && !v && !(v = malloc(sizeof *v))) /* none: an empty list, kept */
        rc = PX_ENOMEM;
    if (rc) {
        free(v);
        return rc;
    }
    x->by_ts = v;
    x->nby_ts = n;
    return PX_OK;
}

static int query_cases(const px_query *q, qx *x, const px_case_filter *f, json_t **out)
{
    px_buf fts = {0};
    qwords words;
    snip sn = {0};
    int64_t *rids = NULL;
    search_res sr = {0};
    char(*langs)[24] = NULL, **snips = NULL;
    size_t nrids = 0, total = 0, first = 0; /* rids[first..nrids) or hits[...] are listed */
    size_t limit = f->limit ? f->limit : PX_QUERY_DEFAULT_LIMIT;
    if (f->offset > SIZE_MAX - limit)
        return px_err_set(PX_EINVAL, "the offset is too large");
    size_t end = f->offset + limit;
    json_t *cases = json_array();
    int rc = check_fresh(x);
    *out = NULL;
    if (!rc && f->search)
        rc = split_words(f->search, &words);
    if (!rc && f->search)
        rc = fts_query(&words, &fts);
    if (rc)
        goto out;
    if (f->search) {
        rc = snip_words(x, &words, &sn);
        if (!rc)
            rc = search_cases(x, f, (const char *)fts.data, &sn, &sr);
        total = sr.nhits;
        nrids = sr.nhits < end ? sr.nhits : end;
        first = f->offset < nrids ? f->offset : nrids;
        top_hits(sr.hits, sr.nhits, nrids);
        if (!rc && nrids) {
            langs = calloc(nrids, sizeof *langs);
            snips = calloc(nrids, sizeof *snips);
            if (!langs || !snips)
                rc = PX_ENOMEM;
        }
        for (size_t i = first; !rc && i < nrids; i++) {
            int64_t rowid;
            rc = snippet_row(q, x, &sr, &sr.hits[i], &rowid, langs[i]);
            if (!rc)
                rc = make_snippet(x, &sn, rowid, &snips[i]);
        }
    } else {
        /* A listing walks the live cases newest first (kept until the
         * store changes) through the filter's cases (allowed_cases): an
         * ORDER BY over every case took 8 ms for 10,000. */
        const uint8_t *ok;
        int64_t nbits;
        rids = calloc(limit, sizeof *rids);
        if (!rids)
            rc = PX_ENOMEM;
        if (!rc)
            rc = allowed_cases(x, f, &ok, &nbits);
        if (!rc)
            rc = cases_newest_first(x);
        for (size_t i = 0; !rc && i < x->nby_ts; i++) {
            if (!bit(ok, nbits, x->by_ts[i]))
                continue;
            if (total >= f->offset && nrids < limit)
                rids[nrids++] = x->by_ts[i];
            total++;
        }
    }
    for (size_t i = first; !rc && i < nrids; i++) {
        json_t *o;
        rc = case_json(q, x, f->search ? sr.hits[i].rid : rids[i], &o);
        if (rc == PX_ENOENT) {
            rc = PX_OK;
            continue;
        }
        if (rc)
            break;
        if (f->search) {
            json_object_set_new(o, "rank", json_real(-sr.hits[i].rank));
            json_object_set_new(o, "snippet", jstr(snips[i]));
            json_object_set_new(o, "snippet_lang", jstr(langs[i]));
        } else {
            json_object_set_new(o, "rank", json_null());
            json_object_set_new(o, "snippet", json_null());
            json_object_set_new(o, "snippet_lang", json_null());
        }
        json_array_append_new(cases, o);
    }
out:
    if (!rc)
        *out = json_pack("{s:o, s:I, s:o}", "search", jstr(f->search), "total", (json_int_t)total,
                         "cases", cases);
    else
        json_decref(cases);
    if (!rc && !*out)
        rc = PX_ENOMEM;
    free(rids);
    for (size_t i = 0; snips && i < nrids; i++)
        free(snips[i]);
    free(snips);
    free(langs);
    snip_free(&sn);
    search_res_free(&sr);
    px_buf_free(&fts);
    return rc;
}

int px_query_cases(const px_query *q, const px_case_filter *f, json_t **out)
{
    qx *x;
    bool began = false;
    int rc = state(q->store, &x);
    *out = NULL;
    if (!rc)
        rc = read_begin(x, &began);
    if (!rc)
        rc = query_cases(q, x, f, out);
    read_end(x, began);
    return rc;
}

/* ---- indicators and results -------------------------------------------------- */

int px_query_indicators(const px_query *q, json_t **out)
{
    qx *x;
    json_t *list = json_array();
    px_buf buf = {0};
    int rc = state(q->store, &x);
    *out = NULL;
    sqlite3_stmt *st = rc ? NULL : x->ind_list;
    while (!rc) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = step_err(x, src, "listing indicators");
            break;
        }
        uint8_t id[32];
        msgpack_unpacked up;
        col_bin32(st, 0, id);
        json_t *o = json_object();
        json_object_set_new(o, "id", jcol_hex(st, 0));
        json_object_set_new(o, "author", jcol_hex(st, 1));
        json_object_set_new(o, "code", jcol(st, 2));
        json_object_set_new(o, "version", jcol_version(st, 13));
        if (load_body(q->store, id, &buf, &up) == PX_OK) {
            set_text(o, "name", "name_lang", &up.data, "name", q->lang);
        } else {
            json_object_set_new(o, "name", json_null());
            json_object_set_new(o, "name_lang", json_null());
        }
        msgpack_unpacked_destroy(&up);
        json_object_set_new(o, "measure_type", jcol(st, 4));
        json_object_set_new(o, "domain", jcol(st, 5));
        json_object_set_new(o, "unit", jcol(st, 6));
        json_object_set_new(o, "scale_min", jcol_real(st, 7));
        json_object_set_new(o, "scale_max", jcol_real(st, 8));
        json_object_set_new(o, "higher_is_better", json_boolean(sqlite3_column_int(st, 9)));
        json_object_set_new(o, "illustrative", json_boolean(sqlite3_column_int(st, 10)));
        int64_t vno = sqlite3_column_int64(st, 11);
        json_object_set_new(o, "older_versions", json_integer(vno > 1 ? vno - 1 : 0));
        json_object_set_new(o, "results", jcol_int(st, 12));
        json_array_append_new(list, o);
    }
    if (st)
        reset(st);
    px_buf_free(&buf);
    if (!rc)
        *out = json_pack("{s:o}", "indicators", list);
    else
        json_decref(list);
    return rc;
}

/* A benchmark row (BENCH_COLS) as JSON. */
static json_t *bench_json(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", jcol_hex(st, B_ID));
    json_object_set_new(o, "author", jcol_hex(st, B_AUTHOR));
    json_object_set_new(o, "indicator", jcol(st, B_INDICATOR));
    json_object_set_new(o, "indicator_version", jcol_version(st, B_VERSION_WRITTEN));
    json_object_set_new(o, "country", jcol(st, B_COUNTRY));
    json_object_set_new(o, "centre", jcol(st, B_CENTRE));
    json_object_set_new(o, "service", jcol(st, B_SERVICE));
    json_object_set_new(o, "channel", jcol(st, B_CHANNEL));
    json_object_set_new(o, "period", jcol(st, B_PERIOD));
    json_object_set_new(o, "value", jcol_real(st, B_VALUE));
    json_object_set_new(o, "n", jcol_int(st, B_N));
    json_object_set_new(o, "ci_low", jcol_real(st, B_CI_LOW));
    json_object_set_new(o, "ci_high", jcol_real(st, B_CI_HIGH));
    json_object_set_new(o, "std_err", jcol_real(st, B_STD_ERR));
    json_object_set_new(o, "method", jcol(st, B_METHOD));
    json_object_set_new(o, "status", jcol(st, B_STATUS));
    json_object_set_new(o, "source", jcol(st, B_SOURCE));
    json_object_set_new(o, "illustrative", json_boolean(sqlite3_column_int(st, B_ILLUSTRATIVE)));
    return o;
}

static int check_filter(const px_bench_filter *f, int64_t *key)
{
    px_period p;
    *key = 0;
    if (f->period) {
        if (px_period_parse(f->period, strlen(f->period), &p) != PX_OK)
            return px_err_set(PX_EINVAL,
                              "period '%s' is not YYYY, YYYY-Qn or YYYY-MM (e.g. 2018, 2018-Q1, "
                              "2018-03)",
                              f->period);
        *key = px_index_period_key(&p);
    }
    if (f->country && !px_country_valid(f->country, strlen(f->country)))
        return px_err_set(PX_EINVAL, "country '%s' is not an ISO 3166-1 alpha-2 code such as KZ",
                          f->country);
    return PX_OK;
}

int px_query_each_benchmark(const px_query *q, const px_bench_filter *f, px_query_row_fn fn,
                            void *ctx)
{
    qx *x;
    int64_t key;
    char last_code[80] = "";
    json_t *unit = json_null();
    size_t n = 0;
    int rc = check_filter(f, &key);
    if (!rc)
        rc = state(q->store, &x);
    if (rc) {
        json_decref(unit);
        return rc;
    }
    sqlite3_stmt *st = x->bench_each;
    bind_opt(st, 1, f->indicator);
    bind_opt(st, 2, f->country);
    if (f->period)
        sqlite3_bind_int64(st, 3, key);
    while (!rc && (!f->limit || n < f->limit)) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = step_err(x, src, "listing benchmark results");
            break;
        }
        const char *code = (const char *)sqlite3_column_text(st, B_INDICATOR);
        if (code && strcmp(code, last_code) != 0) { /* rows come by indicator */
            px_indicator ind;
            snprintf(last_code, sizeof last_code, "%s", code);
            json_decref(unit);
            unit = json_null();
            if (px_index_indicator(q->store, code, 0, &ind, NULL) == PX_OK) {
                json_decref(unit);
                unit = jstr(ind.unit);
                px_indicator_free(&ind);
            }
        }
        json_t *row = bench_json(st);
        json_object_set(row, "unit", unit);
        if (sqlite3_column_bytes(st, B_AUTHOR) == 32)
            json_object_set_new(
                row, "centre_key",
                jhex(centre_of(q, (const uint8_t *)sqlite3_column_blob(st, B_AUTHOR))));
        rc = fn(ctx, row);
        json_decref(row);
        n++;
    }
    reset(st);
    json_decref(unit);
    return rc;
}

typedef struct collect {
    json_t *list;
    size_t limit, total;
} collect;

static int collect_row(void *ctx, json_t *row)
{
    collect *c = ctx;
    if (!c->limit || c->total < c->limit)
        json_array_append(c->list, row);
    c->total++;
    return PX_OK;
}

int px_query_benchmarks(const px_query *q, const px_bench_filter *f, json_t **out)
{
    px_bench_filter all = *f;
    collect c = {json_array(), f->limit, 0};
    all.limit = 0;
    *out = NULL;
    int rc = px_query_each_benchmark(q, &all, collect_row, &c);
    if (rc) {
        json_decref(c.list);
        return rc;
    }
    *out = json_pack("{s:o, s:I}", "results", c.list, "total", (json_int_t)c.total);
    return *out ? PX_OK : PX_ENOMEM;
}

/* ---- the comparison engine --------------------------------------------------- */

const char *px_by_name(px_by by)
{
    switch (by) {
    case PX_BY_NETWORK:
        return "network";
    case PX_BY_COUNTRY:
        return "country";
    case PX_BY_CENTRE:
        return "centre";
    case PX_BY_SERVICE:
        return "service";
    }
    return "country";
}

int px_by_parse(const char *s, px_by *out)
{
    static const px_by all[] = {PX_BY_NETWORK, PX_BY_COUNTRY, PX_BY_CENTRE, PX_BY_SERVICE};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, px_by_name(all[i])) == 0) {
            *out = all[i];
            return PX_OK;
        }
    }
    return px_err_set(PX_EINVAL, "'%s' is not one of network, country, centre, service",
                      s ? s : "");
}

/* An indicator definition as comparisons need it. */
typedef struct idef {
    char code[72];
    int64_t want; /* the version asked for; 0: the latest */
    bool held;
    int64_t version;                 /* its key */
    char vtext[PX_VERSION_TEXT_MAX]; /* as written */
    bool vint;                       /* written as a number */
    double min, max;
    bool hib;
    bool illustrative;
    char *unit, *measure_type;
    uint8_t id[32], author[32];
} idef;

/* An indicator whose results take part: the target, or one linked to it by
 * a crosswalk. */
typedef struct source {
    char code[72];
    bool is_target;
    bool has_cw;
    bool endorsed; /* the crosswalk's author is the secretariat */
    bool reverse;  /* the crosswalk goes from the target to this one */
    bool linear;
    double a, b;
    char grade[16];
    bool cw_illustrative;
    uint8_t cw_id[32], cw_author[32];
} source;

/* A benchmark result and what the comparison makes of it. */
typedef struct brow {
    uint8_t id[32], author[32];
    char *indicator, *centre, *service, *channel, *period, *method, *status, *src_text;
    char country[3];
    int64_t version, key, n;         /* version (its key) 0 and n -1 when absent */
    char vtext[PX_VERSION_TEXT_MAX]; /* the version as written; "" when absent */
    bool vint;
    double value, ci_low, ci_high, std_err;
    bool has_ci, has_se, illustrative;
    size_t src;  /* index into engine.src */
    int level;   /* how narrow it is: centre 1 + service 2 + channel 4 */
    char *group; /* group key under the grouping (NULL: not a candidate) */
    bool keep;
    bool shared; /* kept, and another author has a kept result with the same identity */
    /* evaluation */
    const idef *own;
    bool comparable;
    double value_100, converted, converted_100;
    char note[320];
} brow;

typedef struct engine {
    const px_query *q;
    qx *x;
    idef target;
    source *src;
    size_t nsrc;
    idef **defs;
    size_t ndefs;
    brow *rows;
    size_t nrows, cap;
} engine;

static void idef_clear(idef *d)
{
    free(d->unit);
    free(d->measure_type);
    d->unit = d->measure_type = NULL;
}

static void brow_free(brow *b)
{
    free(b->indicator);
    free(b->centre);
    free(b->service);
    free(b->channel);
    free(b->period);
    free(b->method);
    free(b->status);
    free(b->src_text);
    free(b->group);
}

static void engine_free(engine *e)
{
    for (size_t i = 0; i < e->nrows; i++)
        brow_free(&e->rows[i]);
    free(e->rows);
    for (size_t i = 0; i < e->ndefs; i++) {
        idef_clear(e->defs[i]);
        free(e->defs[i]);
    }
    free(e->defs);
    free(e->src);
    idef_clear(&e->target);
}

/* Look up a definition into d (code and want set by the caller). */
static int def_lookup(engine *e, idef *d)
{
    sqlite3_stmt *st = e->x->ind_get;
    int rc = PX_OK;
    sqlite3_bind_text(st, 1, d->code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, d->want);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        d->held = true;
        col_bin32(st, 0, d->id);
        col_bin32(st, 1, d->author);
        d->version = sqlite3_column_int64(st, 2);
        d->measure_type = col_dup(st, 3);
        d->unit = col_dup(st, 4);
        d->min = sqlite3_column_double(st, 5);
        d->max = sqlite3_column_double(st, 6);
        d->hib = sqlite3_column_int(st, 7) != 0;
        d->illustrative = sqlite3_column_int(st, 8) != 0;
        col_version(st, 9, d->vtext, &d->vint);
    } else if (src != SQLITE_DONE) {
        rc = step_err(e->x, src, "looking up an indicator");
    }
    reset(st);
    return rc;
}

/* The definition a result refers to, looked up once per (code, version). */
static int def_get(engine *e, const char *code, int64_t version, const idef **out)
{
    for (size_t i = 0; i < e->ndefs; i++) {
        if (e->defs[i]->want == version && strcmp(e->defs[i]->code, code) == 0) {
            *out = e->defs[i];
            return PX_OK;
        }
    }
    idef **defs = realloc(e->defs, (e->ndefs + 1) * sizeof *defs);
    if (!defs)
        return PX_ENOMEM;
    e->defs = defs;
    idef *d = calloc(1, sizeof *d);
    if (!d)
        return PX_ENOMEM;
    snprintf(d->code, sizeof d->code, "%s", code);
    d->want = version;
    e->defs[e->ndefs++] = d;
    *out = d;
    return def_lookup(e, d);
}

/* The target and the indicators crosswalked to it. */
static int engine_init(engine *e, const px_query *q, const char *code)
{
    memset(e, 0, sizeof *e);
    e->q = q;
    int rc = state(q->store, &e->x);
    if (rc)
        return rc;
    if (!px_code_valid(code, strlen(code)))
        return px_err_set(PX_EINVAL,
                          "'%s' is not an indicator code (letters, digits, '-' and '_'); "
                          "'praxis indicators' lists them",
                          code);
    snprintf(e->target.code, sizeof e->target.code, "%s", code);
    rc = def_lookup(e, &e->target);
    if (rc)
        return rc;
    if (!e->target.held)
        return px_err_set(PX_ENOENT,
                          "no definition of indicator %s is held here; 'praxis indicators' lists "
                          "the indicators this node holds",
                          code);
    e->src = calloc(1, sizeof *e->src);
    if (!e->src)
        return PX_ENOMEM;
    snprintf(e->src[0].code, sizeof e->src[0].code, "%s", code);
    e->src[0].is_target = true;
    e->nsrc = 1;
    sqlite3_stmt *st = e->x->cw_for;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    for (;;) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = step_err(e->x, src, "reading crosswalks");
            break;
        }
        const char *from = (const char *)sqlite3_column_text(st, 2);
        const char *to = (const char *)sqlite3_column_text(st, 3);
        if (!from || !to)
            continue;
        bool reverse = strcmp(from, code) == 0;
        const char *other = reverse ? to : from;
        uint8_t author[32];
        col_bin32(st, 1, author);
        bool endorsed = q->is_secretariat && q->is_secretariat(q->secretariat_ctx, author);
        size_t i = 0;
        while (i < e->nsrc && strcmp(e->src[i].code, other) != 0)
            i++;
        if (i < e->nsrc && (e->src[i].is_target || e->src[i].endorsed || !endorsed))
            continue; /* the newest endorsed crosswalk wins */
        if (i == e->nsrc) {
            source *s = realloc(e->src, (e->nsrc + 1) * sizeof *s);
            if (!s) {
                rc = PX_ENOMEM;
                break;
            }
            e->src = s;
            e->nsrc++;
        }
        source *s = &e->src[i];
        memset(s, 0, sizeof *s);
        snprintf(s->code, sizeof s->code, "%s", other);
        s->has_cw = true;
        s->endorsed = endorsed;
        s->reverse = reverse;
        const char *conv = (const char *)sqlite3_column_text(st, 4);
        s->linear = conv && strcmp(conv, "linear") == 0;
        s->a = sqlite3_column_double(st, 5);
        s->b = sqlite3_column_double(st, 6);
        const char *grade = (const char *)sqlite3_column_text(st, 7);
        snprintf(s->grade, sizeof s->grade, "%s", grade ? grade : "");
        s->cw_illustrative = sqlite3_column_int(st, 8) != 0;
        col_bin32(st, 0, s->cw_id);
        memcpy(s->cw_author, author, 32);
    }
    reset(st);
    return rc;
}

static int rows_add(engine *e, sqlite3_stmt *st, size_t src)
{
    if (e->nrows == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        brow *rows = realloc(e->rows, cap * sizeof *rows);
        if (!rows)
            return PX_ENOMEM;
        e->rows = rows;
        e->cap = cap;
    }
    brow *b = &e->rows[e->nrows];
    memset(b, 0, sizeof *b);
    col_bin32(st, B_ID, b->id);
    col_bin32(st, B_AUTHOR, b->author);
    b->indicator = col_dup(st, B_INDICATOR);
    b->centre = col_dup(st, B_CENTRE);
    b->service = col_dup(st, B_SERVICE);
    b->channel = col_dup(st, B_CHANNEL);
    b->period = col_dup(st, B_PERIOD);
    b->method = col_dup(st, B_METHOD);
    b->status = col_dup(st, B_STATUS);
    b->src_text = col_dup(st, B_SOURCE);
    const char *c = (const char *)sqlite3_column_text(st, B_COUNTRY);
    snprintf(b->country, sizeof b->country, "%s", c ? c : "");
    b->version =
        sqlite3_column_type(st, B_VERSION) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, B_VERSION);
    col_version(st, B_VERSION_WRITTEN, b->vtext, &b->vint);
    b->key = sqlite3_column_int64(st, B_KEY);
    b->value = sqlite3_column_double(st, B_VALUE);
    b->n = sqlite3_column_type(st, B_N) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, B_N);
    b->has_ci = sqlite3_column_type(st, B_CI_LOW) != SQLITE_NULL;
    b->ci_low = sqlite3_column_double(st, B_CI_LOW);
    b->ci_high = sqlite3_column_double(st, B_CI_HIGH);
    b->has_se = sqlite3_column_type(st, B_STD_ERR) != SQLITE_NULL;
    b->std_err = sqlite3_column_double(st, B_STD_ERR);
    b->illustrative = sqlite3_column_int(st, B_ILLUSTRATIVE) != 0;
    b->src = src;
    b->level = (b->centre ? 1 : 0) + (b->service ? 2 : 0) + (b->channel ? 4 : 0);
    e->nrows++;
    if (!b->indicator || !b->period || !b->status)
        return PX_ENOMEM;
    return PX_OK;
}

/* Source i's results of one period (key > 0: the statement of_period) or
 * all (of_series; country filter optional), bound. */
static sqlite3_stmt *source_results(const engine *e, size_t i, int64_t key, const char *country,
                                    sqlite3_stmt *of_period, sqlite3_stmt *of_series)
{
    sqlite3_stmt *st = key > 0 ? of_period : of_series;
    sqlite3_bind_text(st, 1, e->src[i].code, -1, SQLITE_STATIC);
    if (key > 0)
        sqlite3_bind_int64(st, 2, key);
    else
        bind_opt(st, 2, country);
    return st;
}

/* Load every source's results: of one period (key > 0) or all (country
 * filter optional). */
static int engine_load(engine *e, int64_t key, const char *country)
{
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < e->nsrc; i++) {
        sqlite3_stmt *st =
            source_results(e, i, key, country, e->x->bench_period, e->x->bench_series);
        for (;;) {
            int src = sqlite3_step(st);
            if (src == SQLITE_DONE)
                break;
            if (src != SQLITE_ROW) {
                rc = step_err(e->x, src, "reading benchmark results");
                break;
            }
            rc = rows_add(e, st, i);
            if (rc)
                break;
        }
        reset(st);
    }
    return rc;
}

/* The latest period any source has results for (0: none). */
static int engine_latest(engine *e, int64_t *key)
{
    int rc = PX_OK;
    *key = 0;
    for (size_t i = 0; !rc && i < e->nsrc; i++) {
        sqlite3_stmt *st = e->x->latest;
        sqlite3_bind_text(st, 1, e->src[i].code, -1, SQLITE_STATIC);
        int src = sqlite3_step(st);
        if (src == SQLITE_ROW && sqlite3_column_int64(st, 0) > *key)
            *key = sqlite3_column_int64(st, 0);
        else if (src != SQLITE_ROW && src != SQLITE_DONE)
            rc = step_err(e->x, src, "finding the latest period");
        reset(st);
    }
    return rc;
}

/* "2018", "2018-Q1", "2018-03" from a period key. */
static void key_period(int64_t key, char out[16])
{
    int year = (int)((key / 1000) % 10000), rest = (int)(key % 1000);
    if (rest == 0)
        snprintf(out, 16, "%04d", year);
    else if (rest % 10 == 1)
        snprintf(out, 16, "%04d-Q%d", year, (rest / 10 % 100 + 2) / 3);
    else
        snprintf(out, 16, "%04d-%02d", year, rest / 10 % 100);
}

static void fmt_scale(char *out, size_t n, double lo, double hi)
{
    snprintf(out, n, "%.15g–%.15g", lo, hi);
}

/* Put a value of the source's indicator onto the target's scale. */
static double convert(const engine *e, const source *s, const idef *own, double x)
{
    /* A result filed under another version of the target indicator is on
     * that version's scale: it is carried over by the scale endpoints, like
     * an endpoint crosswalk, never read as if on the latest version's. */
    bool same_scale =
        own->min == e->target.min && own->max == e->target.max && own->hib == e->target.hib;
    if (s->is_target && same_scale)
        return x;
    if (!s->is_target && s->linear) {
        if (!s->reverse)
            return px_tidy_real(s->a * x + s->b);
        return s->a != 0 ? px_tidy_real((x - s->b) / s->a) : NAN;
    }
    px_crosswalk cw = {.conversion = PX_CONV_ENDPOINTS};
    px_indicator from = {
        .scale_min = own->min, .scale_max = own->max, .higher_is_better = own->hib};
    px_indicator to = {
        .scale_min = e->target.min, .scale_max = e->target.max, .higher_is_better = e->target.hib};
    return px_crosswalk_apply(&cw, x, &from, &to);
}

static int evaluate(engine *e, brow *b)
{
    const source *s = &e->src[b->src];
    const idef *own;
    char scale[80], who[17];
    int rc = def_get(e, b->indicator, b->version, &own);
    if (rc)
        return rc;
    b->own = own;
    b->comparable = true;
    b->value_100 = b->converted = b->converted_100 = NAN;
    if (!own->held) {
        b->comparable = false;
        if (b->version)
            snprintf(b->note, sizeof b->note,
                     "definition of %s version %s is not held here: no scale to compare on",
                     b->indicator, b->vtext);
        else
            snprintf(b->note, sizeof b->note,
                     "definition of %s is not held here: no scale to compare on", b->indicator);
        return PX_OK;
    }
    if (!(b->value >= own->min && b->value <= own->max)) {
        b->comparable = false;
        fmt_scale(scale, sizeof scale, own->min, own->max);
        snprintf(b->note, sizeof b->note, "value outside the scale %s of %s", scale, own->code);
        return PX_OK;
    }
    b->value_100 = px_rescale_100(b->value, own->min, own->max);
    if (s->has_cw && !s->endorsed) {
        b->comparable = false;
        px_hex_encode(who, s->cw_author, 8);
        snprintf(b->note, sizeof b->note,
                 "the crosswalk between %s and %s is by %s, not by the secretariat", s->code,
                 e->target.code, who);
        return PX_OK;
    }
    if (strcmp(b->status, "definition differs") == 0) {
        b->comparable = false;
        snprintf(b->note, sizeof b->note,
                 "measured differently from the definition (status: definition differs)");
        return PX_OK;
    }
    b->converted = convert(e, s, own, b->value);
    b->converted_100 = px_rescale_100(b->converted, e->target.min, e->target.max);
    if (!isfinite(b->converted) || !isfinite(b->converted_100)) {
        b->comparable = false;
        snprintf(b->note, sizeof b->note, "cannot be converted onto the scale of %s",
                 e->target.code);
    }
    return PX_OK;
}

/* The group key of a result under a grouping, and its label; NULL when it
 * does not belong to any group (e.g. no centre under --by centre). */
static char *group_key(px_by by, const char *country, const char *centre, const char *service)
{
    char buf[600];
    if (by == PX_BY_CENTRE) {
        if (!centre)
            return NULL;
        snprintf(buf, sizeof buf, "%s · %s", country, centre);
    } else if (by == PX_BY_SERVICE) {
        if (!service)
            return NULL;
        snprintf(buf, sizeof buf, "%s · %s", country, service);
    } else {
        return strdup(country); /* (for every result of a period: no formatting) */
    }
    return strdup(buf);
}

/* How narrow a result is within its group: the dimensions that the
 * grouping does not name. */
static int level_for(px_by by, const brow *b)
{
    if (by == PX_BY_CENTRE)
        return b->level & ~1;
    if (by == PX_BY_SERVICE)
        return b->level & ~2;
    return b->level;
}

/* The order both passes of compare sort their rows in: by group, then
 * period key, then level (broadest first). */
static int cmp_group_key_level(const char *ga, int64_t ka, int la, const char *gb, int64_t kb,
                               int lb)
{
    int c = strcmp(ga, gb);
    if (c)
        return c;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return (la > lb) - (la < lb);
}

static int cmp_group_level(const void *pa, const void *pb)
{
    const brow *a = *(const brow *const *)pa, *b = *(const brow *const *)pb;
    return cmp_group_key_level(a->group, a->key, a->level, b->group, b->key, b->level);
}

static int cmp_opt_str(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

/* Where a result is from: country, centre, service, channel. */
static int cmp_place(const brow *a, const brow *b)
{
    int c = strcmp(a->country, b->country);
    if (!c)
        c = cmp_opt_str(a->centre, b->centre);
    if (!c)
        c = cmp_opt_str(a->service, b->service);
    if (!c)
        c = cmp_opt_str(a->channel, b->channel);
    return c;
}

/* The identity of a result without its author (RECORDS.md 4.2), then the
 * author: runs of equal identity sort together. */
static int cmp_identity(const void *pa, const void *pb)
{
    const brow *a = *(const brow *const *)pa, *b = *(const brow *const *)pb;
    int c = strcmp(a->indicator, b->indicator);
    if (!c)
        c = px_version_cmp(a->version, b->version);
    if (!c)
        c = cmp_place(a, b);
    if (!c && a->key != b->key)
        c = a->key < b->key ? -1 : 1;
    return c;
}

/* Mark the kept results whose identity another author's kept result shares:
 * results of different members for the same key stay apart, labelled. */
static int mark_shared(engine *e)
{
    size_t n = 0;
    brow **v = malloc((e->nrows ? e->nrows : 1) * sizeof *v);
    if (!v)
        return PX_ENOMEM;
    for (size_t i = 0; i < e->nrows; i++) {
        e->rows[i].shared = false;
        if (e->rows[i].keep)
            v[n++] = &e->rows[i];
    }
    qsort(v, n, sizeof *v, cmp_identity);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        bool several = false;
        while (j < n && cmp_identity(&v[i], &v[j]) == 0) {
            several |= memcmp(v[i]->author, v[j]->author, 32) != 0;
            j++;
        }
        for (size_t k = i; several && k < j; k++)
            v[k]->shared = true;
        i = j;
    }
    free(v);
    return PX_OK;
}

/* Mark the broadest results of each group (and, for series, period). */
static int select_broadest(engine *e, px_by by)
{
    size_t n = 0;
    brow **v = malloc((e->nrows ? e->nrows : 1) * sizeof *v);
    if (!v)
        return PX_ENOMEM;
    for (size_t i = 0; i < e->nrows; i++) {
        brow *b = &e->rows[i];
        b->keep = false;
        b->group = group_key(by, b->country, b->centre, b->service);
        if (!b->group && (by == PX_BY_COUNTRY || by == PX_BY_NETWORK)) {
            free(v);
            return PX_ENOMEM;
        }
        if (b->group) {
            b->level = level_for(by, b);
            v[n++] = b;
        }
    }
    qsort(v, n, sizeof *v, cmp_group_level);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(v[j]->group, v[i]->group) == 0 && v[j]->key == v[i]->key) {
            v[j]->keep = v[j]->level == v[i]->level;
            j++;
        }
        i = j;
    }
    free(v);
    return mark_shared(e);
}

/* A result as engine_select's first pass reads it: enough to choose. */
typedef struct pick {
    int64_t rid, key;
    size_t src;
    int level;
    char *group; /* NULL: in no group */
    bool keep;
} pick;

static int cmp_pick(const void *pa, const void *pb)
{
    const pick *a = *(const pick *const *)pa, *b = *(const pick *const *)pb;
    return cmp_group_key_level(a->group, a->key, a->level, b->group, b->key, b->level);
}

/* The first pass: every source's results of one period (key > 0) or all
 * (country filter optional), with their group and level under by, and
 * their definitions looked up (the sources' "held" says which were
 * found); the broadest of each group and period marked keep. */
static int engine_pick(engine *e, int64_t key, const char *country, px_by by, pick **out,
                       size_t *nout, size_t *nkeep)
{
    pick *p = NULL, **v = NULL;
    size_t n = 0, cap = 0, nv = 0;
    int rc = PX_OK;
    *out = NULL;
    *nout = *nkeep = 0;
    for (size_t i = 0; !rc && i < e->nsrc; i++) {
        sqlite3_stmt *st = source_results(e, i, key, country, e->x->pick_period, e->x->pick_series);
        int src;
        while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                size_t c = cap ? cap * 2 : 256;
                pick *np = realloc(p, c * sizeof *np);
                if (!np) {
                    rc = PX_ENOMEM;
                    break;
                }
                p = np;
                cap = c;
            }
            const char *cc = (const char *)sqlite3_column_text(st, 1);
            const char *centre = (const char *)sqlite3_column_text(st, 2);
            const char *service = (const char *)sqlite3_column_text(st, 3);
            brow b = {.level = (centre ? 1 : 0) + (service ? 2 : 0) +
                               (sqlite3_column_type(st, 4) != SQLITE_NULL ? 4 : 0)};
            const idef *own;
            p[n] = (pick){sqlite3_column_int64(st, 0),
                          sqlite3_column_int64(st, 5),
                          i,
                          level_for(by, &b),
                          group_key(by, cc ? cc : "", centre, service),
                          false};
            n++;
            if (!p[n - 1].group && (by == PX_BY_COUNTRY || by == PX_BY_NETWORK))
                rc = PX_ENOMEM;
            if (!rc)
                rc = def_get(
                    e, e->src[i].code,
                    sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 6),
                    &own);
        }
        if (!rc && src != SQLITE_DONE)
            rc = step_err(e->x, src, "reading benchmark results");
        reset(st);
    }
    if (!rc && !(v = malloc((n ? n : 1) * sizeof *v)))
        rc = PX_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++)
        if (p[i].group)
            v[nv++] = &p[i];
    if (!rc)
        qsort(v, nv, sizeof *v, cmp_pick);
    for (size_t i = 0; !rc && i < nv;) {
        size_t j = i;
        for (; j < nv && strcmp(v[j]->group, v[i]->group) == 0 && v[j]->key == v[i]->key; j++)
            if ((v[j]->keep = v[j]->level == v[i]->level))
                ++*nkeep;
        i = j;
    }
    free(v);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            free(p[i].group);
        free(p);
        return rc;
    }
    *out = p;
    *nout = n;
    return PX_OK;
}

/* Load the results of one period (key > 0) or all (country filter
 * optional), choose the broadest of each group under by, and evaluate the
 * kept ones. Only those are shown or counted: evaluating is the dearer
 * part (every derived figure is tidied through its decimal text), and by
 * country 50 of 2,500 results are kept. So they alone are read in full,
 * by rowid, after a first pass that reads what choosing needs (reading
 * every result in full took most of a comparison); when most are kept,
 * all are read in one scan instead. */
static int engine_select(engine *e, int64_t key, const char *country, px_by by)
{
    pick *p = NULL;
    size_t n = 0, nkeep = 0;
    int rc = engine_pick(e, key, country, by, &p, &n, &nkeep);
    if (!rc && nkeep * 4 > n) {
        rc = engine_load(e, key, country);
    } else {
        for (size_t i = 0; !rc && i < n; i++) {
            if (!p[i].keep)
                continue;
            sqlite3_stmt *st = e->x->bench_rid;
            sqlite3_bind_int64(st, 1, p[i].rid);
            int src = sqlite3_step(st);
            if (src == SQLITE_ROW)
                rc = rows_add(e, st, p[i].src);
            else if (src != SQLITE_DONE) /* (DONE: gone since, by a reindex) */
                rc = step_err(e->x, src, "reading a benchmark result");
            reset(st);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(p[i].group);
    free(p);
    if (!rc)
        rc = select_broadest(e, by);
    for (size_t i = 0; !rc && i < e->nrows; i++)
        if (e->rows[i].keep)
            rc = evaluate(e, &e->rows[i]);
    return rc;
}

/* The kept results (engine_select), in row order. OUT *v (malloc'd), *n. */
static int kept_rows(const engine *e, brow ***v, size_t *n)
{
    *n = 0;
    *v = malloc((e->nrows ? e->nrows : 1) * sizeof **v);
    if (!*v)
        return PX_ENOMEM;
    for (size_t i = 0; i < e->nrows; i++)
        if (e->rows[i].keep)
            (*v)[(*n)++] = &e->rows[i];
    return PX_OK;
}

static json_t *indicator_json(const engine *e)
{
    const idef *t = &e->target;
    json_t *o = json_object();
    px_buf buf = {0};
    msgpack_unpacked up;
    json_object_set_new(o, "code", json_string(t->code));
    json_object_set_new(o, "version", jversion(t->vtext, t->vint));
    if (load_body(e->q->store, t->id, &buf, &up) == PX_OK) {
        set_text(o, "name", "name_lang", &up.data, "name", e->q->lang);
    } else {
        json_object_set_new(o, "name", json_null());
        json_object_set_new(o, "name_lang", json_null());
    }
    msgpack_unpacked_destroy(&up);
    px_buf_free(&buf);
    json_object_set_new(o, "measure_type", jstr(t->measure_type));
    json_object_set_new(o, "unit", jstr(t->unit));
    json_object_set_new(o, "scale_min", json_real(t->min));
    json_object_set_new(o, "scale_max", json_real(t->max));
    json_object_set_new(o, "higher_is_better", json_boolean(t->hib));
    json_object_set_new(o, "illustrative", json_boolean(t->illustrative));
    json_object_set_new(o, "id", jhex(t->id));
    json_object_set_new(o, "author", jhex(t->author));
    return o;
}

static json_t *sources_json(const engine *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->nsrc; i++) {
        const source *s = &e->src[i];
        const idef *d = NULL;
        json_t *o = json_object();
        json_object_set_new(o, "indicator", json_string(s->code));
        json_object_set_new(o, "endorsed", json_boolean(s->is_target || s->endorsed));
        if (s->has_cw) {
            json_t *cw = json_object();
            json_object_set_new(cw, "id", jhex(s->cw_id));
            json_object_set_new(cw, "author", jhex(s->cw_author));
            json_object_set_new(cw, "grade", json_string(s->grade));
            json_object_set_new(cw, "conversion", json_string(s->linear ? "linear" : "endpoints"));
            json_object_set_new(cw, "a", s->linear ? json_real(s->a) : json_null());
            json_object_set_new(cw, "b", s->linear ? json_real(s->b) : json_null());
            json_object_set_new(cw, "reverse", json_boolean(s->reverse));
            json_object_set_new(cw, "illustrative", json_boolean(s->cw_illustrative));
            json_object_set_new(o, "crosswalk", cw);
        } else {
            json_object_set_new(o, "crosswalk", json_null());
        }
        bool held = s->is_target;
        for (size_t k = 0; !held && k < e->ndefs; k++) {
            d = e->defs[k];
            held = d->held && strcmp(d->code, s->code) == 0;
        }
        json_object_set_new(o, "held", json_boolean(held));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *row_json(const engine *e, const brow *b)
{
    const source *s = &e->src[b->src];
    json_t *o = json_object();
    json_t *flags = json_array();
    json_object_set_new(o, "group", jstr(b->group));
    json_object_set_new(o, "country", json_string(b->country));
    json_object_set_new(o, "centre", jstr(b->centre));
    json_object_set_new(o, "service", jstr(b->service));
    json_object_set_new(o, "channel", jstr(b->channel));
    json_object_set_new(o, "indicator", jstr(b->indicator));
    json_object_set_new(o, "indicator_version",
                        b->version ? jversion(b->vtext, b->vint) : json_null());
    json_object_set_new(o, "value", json_real(b->value));
    json_object_set_new(o, "scale_min",
                        b->own && b->own->held ? json_real(b->own->min) : json_null());
    json_object_set_new(o, "scale_max",
                        b->own && b->own->held ? json_real(b->own->max) : json_null());
    json_object_set_new(o, "value_100", jreal(b->value_100));
    json_object_set_new(o, "converted", jreal(b->converted));
    json_object_set_new(o, "converted_100", jreal(b->converted_100));
    json_object_set_new(o, "n", b->n >= 0 ? json_integer(b->n) : json_null());
    json_object_set_new(o, "ci_low", b->has_ci ? json_real(b->ci_low) : json_null());
    json_object_set_new(o, "ci_high", b->has_ci ? json_real(b->ci_high) : json_null());
    json_object_set_new(o, "std_err", b->has_se ? json_real(b->std_err) : json_null());
    json_object_set_new(o, "method", jstr(b->method));
    json_object_set_new(o, "period", jstr(b->period));
    json_object_set_new(o, "status", jstr(b->status));
    json_object_set_new(o, "source", jstr(b->src_text));
    json_object_set_new(o, "author", jhex(b->author));
    json_object_set_new(o, "centre_key", jhex(centre_of(e->q, b->author)));
    json_object_set_new(o, "id", jhex(b->id));
    json_object_set_new(o, "illustrative", json_boolean(b->illustrative));
    json_object_set_new(o, "grade", s->has_cw ? json_string(s->grade) : json_null());
    json_object_set_new(o, "comparable", json_boolean(b->comparable));
    json_object_set_new(o, "missing", json_false());
    json_object_set_new(o, "latest_period", json_null());
    if (strcmp(b->status, "normal") != 0)
        json_array_append_new(flags, jstr(b->status));
    if (b->illustrative)
        json_array_append_new(flags, json_string("illustrative"));
    if (s->has_cw && s->endorsed) {
        char f[48];
        snprintf(f, sizeof f, "crosswalk (%s)", s->grade);
        json_array_append_new(flags, json_string(f));
    }
    if (b->own && b->own->held && !b->own->hib)
        json_array_append_new(flags, json_string("lower is better"));
    if (!b->comparable)
        json_array_append_new(flags, json_string("not comparable"));
    if (b->shared) {
        char f[64], who[17];
        px_hex_encode(who, b->author, 8);
        snprintf(f, sizeof f, "author %s (other members report the same)", who);
        json_array_append_new(flags, json_string(f));
    }
    json_object_set_new(o, "flags", flags);
    json_object_set_new(o, "note", b->note[0] ? jstr(b->note) : json_null());
    return o;
}

/* A "missing" row: the group reports the indicator, but not in this period. */
static json_t *missing_json(const char *group, const char *country, const char *centre,
                            const char *service, int64_t latest)
{
    char period[16];
    key_period(latest, period);
    json_t *o = json_object();
    json_object_set_new(o, "group", jstr(group));
    json_object_set_new(o, "country", jstr(country));
    json_object_set_new(o, "centre", jstr(centre));
    json_object_set_new(o, "service", jstr(service));
    json_object_set_new(o, "channel", json_null());
    static const char *const nulls[] = {"indicator", "indicator_version",
                                        "value",     "scale_min",
                                        "scale_max", "value_100",
                                        "converted", "converted_100",
                                        "n",         "ci_low",
                                        "ci_high",   "std_err",
                                        "method",    "period",
                                        "status",    "source",
                                        "author",    "id",
                                        "grade"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        json_object_set_new(o, nulls[i], json_null());
    json_object_set_new(o, "illustrative", json_false());
    json_object_set_new(o, "comparable", json_false());
    json_object_set_new(o, "missing", json_true());
    json_object_set_new(o, "latest_period", json_string(period));
    json_object_set_new(o, "flags", json_pack("[s]", "missing"));
    char note[64];
    snprintf(note, sizeof note, "no result for this period; latest: %s", period);
    json_object_set_new(o, "note", json_string(note));
    return o;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Groups that report any taking-part indicator in any period, into
 * groups: group key -> [country, centre, service, latest period key]. */
static int engine_groups(engine *e, px_by by, json_t *groups)
{
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < e->nsrc; i++) {
        bool by_country = by == PX_BY_COUNTRY || by == PX_BY_NETWORK;
        sqlite3_stmt *st = by_country ? e->x->groups_country : e->x->groups_all;
        sqlite3_bind_text(st, 1, e->src[i].code, -1, SQLITE_STATIC);
        for (;;) {
            int src = sqlite3_step(st);
            if (src == SQLITE_DONE)
                break;
            if (src != SQLITE_ROW) {
                rc = step_err(e->x, src, "finding who reports an indicator");
                break;
            }
            const char *country = (const char *)sqlite3_column_text(st, 0);
            const char *centre = by_country ? NULL : (const char *)sqlite3_column_text(st, 1);
            const char *service = by_country ? NULL : (const char *)sqlite3_column_text(st, 2);
            int64_t key = sqlite3_column_int64(st, by_country ? 1 : 4);
            char *g = group_key(by, country ? country : "", centre, service);
            if (!g)
                continue;
            json_t *have = json_object_get(groups, g);
            if (!have) {
                json_object_set_new(groups, g,
                                    json_pack("[o, o, o, I]", jstr(country),
                                              jstr(by == PX_BY_CENTRE ? centre : NULL),
                                              jstr(by == PX_BY_SERVICE ? service : NULL),
                                              (json_int_t)key));
            } else if (key > json_integer_value(json_array_get(have, 3))) {
                json_array_set_new(have, 3, json_integer(key));
            }
            free(g);
        }
        reset(st);
    }
    return rc;
}

static int cmp_rows(const void *pa, const void *pb, bool hib)
{
    const brow *a = *(const brow *const *)pa, *b = *(const brow *const *)pb;
    if (a->comparable != b->comparable)
        return a->comparable ? -1 : 1;
    if (a->comparable && a->converted_100 != b->converted_100)
        return (a->converted_100 > b->converted_100) == hib ? -1 : 1;
    int c = strcmp(a->group, b->group);
    if (c)
        return c;
    return strcmp(a->indicator, b->indicator);
}

static int cmp_rows_hib(const void *a, const void *b)
{
    return cmp_rows(a, b, true);
}

static int cmp_rows_lib(const void *a, const void *b)
{
    return cmp_rows(a, b, false);
}

/* Load, evaluate and select the results of one period. OUT *key. */
static int engine_period(engine *e, const char *period, px_by by, int64_t *key)
{
    int rc = PX_OK;
    px_period p;
    if (period) {
        if (px_period_parse(period, strlen(period), &p) != PX_OK)
            return px_err_set(PX_EINVAL,
                              "period '%s' is not YYYY, YYYY-Qn or YYYY-MM (e.g. 2018, 2018-Q1, "
                              "2018-03)",
                              period);
        *key = px_index_period_key(&p);
    } else {
        rc = engine_latest(e, key);
    }
    if (!rc && *key > 0)
        rc = engine_select(e, *key, NULL, by);
    return rc;
}

int px_query_compare(const px_query *q, const char *indicator, const char *period, px_by by,
                     json_t **out)
{
    engine e;
    int64_t key = 0;
    char ptext[16] = "";
    json_t *rows = json_array(), *groups = json_object();
    brow **v = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = engine_init(&e, q, indicator);
    if (!rc)
        rc = engine_period(&e, period, by, &key);
    if (!rc)
        rc = engine_groups(&e, by, groups);
    if (!rc)
        rc = kept_rows(&e, &v, &n);
    if (rc)
        goto out;
    qsort(v, n, sizeof *v, e.target.hib ? cmp_rows_hib : cmp_rows_lib);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(rows, row_json(&e, v[i]));
        json_object_del(groups, v[i]->group);
    }
    /* What is left reports the indicator, but not in this period. json
     * objects keep insertion order; sort the keys for a stable listing. */
    size_t ng = json_object_size(groups);
    const char **keys = calloc(ng ? ng : 1, sizeof *keys);
    if (!keys) {
        rc = PX_ENOMEM;
        goto out;
    }
    const char *k;
    json_t *g;
    size_t gi = 0;
    json_object_foreach(groups, k, g) keys[gi++] = k;
    qsort(keys, ng, sizeof *keys, cmp_cstr);
    for (size_t i = 0; i < ng; i++) {
        g = json_object_get(groups, keys[i]);
        json_array_append_new(rows, missing_json(keys[i], json_string_value(json_array_get(g, 0)),
                                                 json_string_value(json_array_get(g, 1)),
                                                 json_string_value(json_array_get(g, 2)),
                                                 json_integer_value(json_array_get(g, 3))));
    }
    free(keys);
    if (key > 0)
        key_period(key, ptext);
    *out = json_pack("{s:o, s:o, s:s, s:o, s:o}", "indicator", indicator_json(&e), "period",
                     key > 0 ? json_string(ptext) : json_null(), "by", px_by_name(by), "sources",
                     sources_json(&e), "rows", rows);
    rows = NULL;
    if (!*out)
        rc = PX_ENOMEM;
out:
    json_decref(rows);
    json_decref(groups);
    free(v);
    engine_free(&e);
    return rc;
}

/* ---- trend ------------------------------------------------------------------ */

static int cmp_series(const void *pa, const void *pb)
{
    const brow *a = *(const brow *const *)pa, *b = *(const brow *const *)pb;
    int c = cmp_place(a, b);
    if (!c)
        c = memcmp(a->author, b->author, 32);
    if (!c && a->key != b->key)
        c = a->key < b->key ? -1 : 1;
    if (!c)
        c = strcmp(a->indicator, b->indicator);
    return c;
}

static bool same_series(const brow *a, const brow *b)
{
    return cmp_place(a, b) == 0 && memcmp(a->author, b->author, 32) == 0;
}

/* Why point b breaks the series after point a (NULL: it does not). */
static const char *break_reason(const brow *a, const brow *b, char *buf, size_t n)
{
    if (strcmp(b->status, "break") == 0)
        return "status: break";
    if (!a)
        return NULL;
    if (strcmp(a->indicator, b->indicator) != 0) {
        snprintf(buf, n, "indicator changed: %s to %s", a->indicator, b->indicator);
        return buf;
    }
    if (a->version && b->version && px_version_cmp(a->version, b->version) != 0) {
        snprintf(buf, n, "definition changed: version %s to %s", a->vtext, b->vtext);
        return buf;
    }
    if (a->method && b->method && strcmp(a->method, b->method) != 0) {
        snprintf(buf, n, "method changed: %s to %s", a->method, b->method);
        return buf;
    }
    return NULL;
}

/* A series is one author's: when several members report the same key, the
 * label names the author ("KZ · author 1a2b3c4d5e6f7a8b"). */
static void series_label(const brow *b, bool by_author, char *out, size_t n)
{
    char who[17];
    px_hex_encode(who, b->author, 8);
    snprintf(out, n, "%s%s%s%s%s%s%s%s%s", b->country, b->centre ? " · " : "",
             b->centre ? b->centre : "", b->service ? " · " : "", b->service ? b->service : "",
             b->channel ? " · " : "", b->channel ? b->channel : "", by_author ? " · author " : "",
             by_author ? who : "");
}

/* Whether another author's series has the same key as the series of v[i]. */
static bool key_shared(brow *const *v, size_t n, size_t i)
{
    for (size_t j = 0; j < n; j++) {
        if (cmp_place(v[j], v[i]) == 0 && memcmp(v[j]->author, v[i]->author, 32) != 0)
            return true;
    }
    return false;
}

int px_query_trend(const px_query *q, const char *indicator, const char *country, json_t **out)
{
    engine e;
    json_t *series = json_array();
    brow **v = NULL;
    size_t n = 0;
    *out = NULL;
    int rc = engine_init(&e, q, indicator);
    if (!rc && country && !px_country_valid(country, strlen(country)))
        rc = px_err_set(PX_EINVAL, "country '%s' is not an ISO 3166-1 alpha-2 code such as KZ",
                        country);
    if (!rc)
        rc = engine_select(&e, 0, country, PX_BY_COUNTRY);
    if (!rc)
        rc = kept_rows(&e, &v, &n);
    if (rc)
        goto out;
    qsort(v, n, sizeof *v, cmp_series);
    json_t *points = NULL;
    const brow *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const brow *b = v[i];
        char label[700], why[200];
        if (!prev || !same_series(prev, b)) {
            series_label(b, key_shared(v, n, i), label, sizeof label);
            points = json_array();
            json_array_append_new(series, json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o}", "group",
                                                    jstr(label), "country", b->country, "centre",
                                                    jstr(b->centre), "service", jstr(b->service),
                                                    "channel", jstr(b->channel), "author",
                                                    jhex(b->author), "points", points));
            prev = NULL;
        }
        const char *reason = break_reason(prev, b, why, sizeof why);
        json_t *p = json_object();
        json_object_set_new(p, "period", jstr(b->period));
        json_object_set_new(p, "value", json_real(b->value));
        json_object_set_new(p, "indicator", jstr(b->indicator));
        json_object_set_new(p, "converted", jreal(b->converted));
        json_object_set_new(p, "value_100", jreal(b->value_100));
        json_object_set_new(p, "converted_100", jreal(b->converted_100));
        json_object_set_new(p, "n", b->n >= 0 ? json_integer(b->n) : json_null());
        json_object_set_new(p, "method", jstr(b->method));
        json_object_set_new(p, "status", jstr(b->status));
        json_object_set_new(p, "comparable", json_boolean(b->comparable));
        json_object_set_new(p, "break", json_boolean(reason != NULL));
        json_object_set_new(p, "break_reason", jstr(reason));
        json_object_set_new(p, "id", jhex(b->id));
        json_object_set_new(p, "author", jhex(b->author));
        json_object_set_new(p, "centre_key", jhex(centre_of(q, b->author)));
        json_object_set_new(p, "illustrative", json_boolean(b->illustrative));
        json_object_set_new(p, "note", b->note[0] ? jstr(b->note) : json_null());
        json_array_append_new(points, p);
        prev = b;
    }
    *out = json_pack("{s:o, s:o, s:o, s:o}", "indicator", indicator_json(&e), "country",
                     jstr(country), "sources", sources_json(&e), "series", series);
    series = NULL;
    if (!*out)
        rc = PX_ENOMEM;
out:
    json_decref(series);
    free(v);
    engine_free(&e);
    return rc;
}

/* ---- aggregate -------------------------------------------------------------- */

static int cmp_group_only(const void *pa, const void *pb)
{
    const brow *a = *(const brow *const *)pa, *b = *(const brow *const *)pb;
    return strcmp(a->group, b->group);
}

static json_t *mean_json(const engine *e, double v)
{
    return json_pack("{s:o, s:o}", "value", jreal(px_tidy_real(v)), "value_100",
                     jreal(px_rescale_100(v, e->target.min, e->target.max)));
}

int px_query_aggregate(const px_query *q, const char *indicator, const char *period, px_by by,
                       json_t **out)
{
    engine e;
    int64_t key = 0;
    char ptext[16] = "";
    json_t *groups = json_array();
    brow **v = NULL;
    size_t n = 0;
    *out = NULL;
    if (!period) {
        json_decref(groups);
        return px_err_set(PX_EINVAL, "an aggregate needs a period (--period 2018)");
    }
    int rc = engine_init(&e, q, indicator);
    if (!rc)
        rc = engine_period(&e, period, by == PX_BY_NETWORK ? PX_BY_COUNTRY : by, &key);
    if (!rc)
        rc = kept_rows(&e, &v, &n);
    if (rc)
        goto out;
    for (size_t i = 0; i < n; i++) {
        brow *b = v[i];
        if (by == PX_BY_NETWORK) {
            free(b->group);
            b->group = strdup("network");
            if (!b->group) {
                rc = PX_ENOMEM;
                goto out;
            }
        }
    }
    qsort(v, n, sizeof *v, cmp_group_only);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double sum = 0, wsum = 0;
        int64_t ntot = 0;
        size_t results = 0, without_n = 0, excluded = 0, members = 0;
        bool illustrative = false;
        json_t *ids = json_array();
        uint8_t(*authors)[32] = malloc((n - i) * 32);
        if (!authors) {
            json_decref(ids);
            rc = PX_ENOMEM;
            goto out;
        }
        for (; j < n && strcmp(v[j]->group, v[i]->group) == 0; j++) {
            const brow *b = v[j];
            if (!b->comparable) {
                excluded++;
                continue;
            }
            results++;
            sum += b->converted;
            if (b->n >= 0) {
                wsum += (double)b->n * b->converted;
                ntot += b->n;
            } else {
                without_n++;
            }
            illustrative |= b->illustrative || e.src[b->src].cw_illustrative;
            json_array_append_new(ids, jhex(b->id));
            /* one centre, however many keys it signed with */
            const uint8_t *who = centre_of(q, b->author);
            size_t m = 0;
            while (m < members && memcmp(authors[m], who, 32) != 0)
                m++;
            if (m == members)
                memcpy(authors[members++], who, 32);
        }
        free(authors);
        json_t *g = json_object();
        json_object_set_new(g, "group", jstr(v[i]->group));
        json_object_set_new(g, "country", by == PX_BY_NETWORK ? json_null() : jstr(v[i]->country));
        json_object_set_new(g, "centre", by == PX_BY_CENTRE ? jstr(v[i]->centre) : json_null());
        json_object_set_new(g, "service", by == PX_BY_SERVICE ? jstr(v[i]->service) : json_null());
        json_object_set_new(g, "members", json_integer((json_int_t)members));
        json_object_set_new(g, "results", json_integer((json_int_t)results));
        json_object_set_new(g, "n", json_integer(ntot));
        json_object_set_new(g, "without_n", json_integer((json_int_t)without_n));
        json_object_set_new(g, "excluded", json_integer((json_int_t)excluded));
        json_object_set_new(g, "n_weighted",
                            ntot > 0 ? mean_json(&e, wsum / (double)ntot) : json_null());
        json_object_set_new(g, "unweighted",
                            results ? mean_json(&e, sum / (double)results) : json_null());
        json_object_set_new(g, "illustrative", json_boolean(illustrative));
        json_object_set_new(g, "result_ids", ids);
        json_array_append_new(groups, g);
        i = j;
    }
    key_period(key, ptext);
    *out = json_pack("{s:o, s:s, s:s, s:o}", "indicator", indicator_json(&e), "period", ptext, "by",
                     px_by_name(by), "groups", groups);
    groups = NULL;
    if (!*out)
        rc = PX_ENOMEM;
out:
    json_decref(groups);
    free(v);
    engine_free(&e);
    return rc;
}

/* ---- facets -------------------------------------------------------------------- */

/* The facets' values of every live case, kept in memory (qx's ftab) until
 * the store changes: a facet is one (case, value) pair per value a case
 * has, the values interned, so that counting them for the cases a search
 * found is one pass over arrays. Read from SQLite, the same counts took
 * four scans of the case tables and a string comparison per row: most of
 * a search page's time. */
enum { F_COUNTRY, F_STAGE, F_TAG, F_SERVICE, F_CHANNEL, F_YEAR, N_FACETS };

static const char *const facet_names[N_FACETS] = {"country", "stage",   "tag",
                                                  "service", "channel", "year"};

typedef struct fpair {
    int64_t rid;
    uint32_t value; /* an index into the facet's values */
} fpair;

typedef struct fcol { /* one facet */
    char **values;    /* distinct, as written (ASCII case too) */
    size_t nvalues, vcap;
    uint32_t *slots; /* open addressing over values: index + 1, 0 empty */
    size_t nslots;
    fpair *pairs;
    size_t npairs, pcap;
} fcol;

typedef struct ftab {
    fcol col[N_FACETS];
} ftab;

static void ftab_free(ftab *t)
{
    if (!t)
        return;
    for (int c = 0; c < N_FACETS; c++) {
        for (size_t i = 0; i < t->col[c].nvalues; i++)
            free(t->col[c].values[i]);
        free(t->col[c].values);
        free(t->col[c].slots);
        free(t->col[c].pairs);
    }
    free(t);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The index of value in f, added when new. */
static int fcol_intern(fcol *f, const char *value, uint32_t *out)
{
    if (f->nvalues * 2 >= f->nslots) { /* grow and rehash: at most half full */
        size_t n = f->nslots ? f->nslots * 2 : 64;
        uint32_t *s = calloc(n, sizeof *s);
        if (!s)
            return PX_ENOMEM;
        for (size_t i = 0; i < f->nvalues; i++) {
            size_t h = (size_t)(str_hash(f->values[i]) & (n - 1));
            while (s[h])
                h = (h + 1) & (n - 1);
            s[h] = (uint32_t)i + 1;
        }
        free(f->slots);
        f->slots = s;
        f->nslots = n;
    }
    size_t h = (size_t)(str_hash(value) & (f->nslots - 1));
    for (; f->slots[h]; h = (h + 1) & (f->nslots - 1))
        if (strcmp(f->values[f->slots[h] - 1], value) == 0) {
            *out = f->slots[h] - 1;
            return PX_OK;
        }
    if (f->nvalues == f->vcap) {
        size_t cap = f->vcap ? f->vcap * 2 : 16;
        char **v = realloc(f->values, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        f->values = v;
        f->vcap = cap;
    }
    if (!(f->values[f->nvalues] = strdup(value)))
        return PX_ENOMEM;
    f->slots[h] = (uint32_t)++f->nvalues;
    *out = (uint32_t)(f->nvalues - 1);
    return PX_OK;
}

static int fcol_add(fcol *f, int64_t rid, const char *value)
{
    uint32_t v;
    int rc = fcol_intern(f, value, &v);
    if (rc)
        return rc;
    if (f->npairs == f->pcap) {
        size_t cap = f->pcap ? f->pcap * 2 : 1024;
        fpair *p = realloc(f->pairs, cap * sizeof *p);
        if (!p)
            return PX_ENOMEM;
        f->pairs = p;
        f->pcap = cap;
    }
    f->pairs[f->npairs++] = (fpair){rid, v};
    return PX_OK;
}

/* Add the (value, rid) rows of sql to facet c. */
static int ftab_list(qx *x, ftab *t, int c, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(x->db, sql, -1, &st, NULL), rc = PX_OK;
    if (src != SQLITE_OK)
        rc = step_err(x, src, "preparing a case facet");
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (v)
            rc = fcol_add(&t->col[c], sqlite3_column_int64(st, 1), v);
    }
    if (!rc && src != SQLITE_DONE)
        rc = step_err(x, src, "reading a case facet");
    sqlite3_finalize(st);
    return rc;
}

/* The facets of the live cases, read once until the store changes. */
static int facet_table(qx *x, const ftab **out)
{
    if (x->ftab) {
        *out = x->ftab;
        return PX_OK;
    }
    ftab *t = calloc(1, sizeof *t);
    sqlite3_stmt *st = NULL;
    int src, rc = t ? PX_OK : PX_ENOMEM;
    if (!rc && (src = sqlite3_prepare_v2(x->db,
                                         "SELECT rid, country, stage, start_year FROM rec_cases "
                                         "WHERE live = 1",
                                         -1, &st, NULL)) != SQLITE_OK)
        rc = step_err(x, src, "preparing the case facets");
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(st, 0);
        const char *c = (const char *)sqlite3_column_text(st, 1);
        const char *s = (const char *)sqlite3_column_text(st, 2);
        rc = fcol_add(&t->col[F_COUNTRY], rid, c ? c : "");
        if (!rc)
            rc = fcol_add(&t->col[F_STAGE], rid, s ? s : "");
        if (!rc && sqlite3_column_type(st, 3) != SQLITE_NULL) {
            char y[24];
            snprintf(y, sizeof y, "%lld", (long long)sqlite3_column_int64(st, 3));
            rc = fcol_add(&t->col[F_YEAR], rid, y);
        }
    }
    if (!rc && src != SQLITE_DONE)
        rc = step_err(x, src, "reading the case facets");
    sqlite3_finalize(st);
    if (!rc)
        rc = ftab_list(x, t, F_TAG, "SELECT tag, rid FROM rec_case_tags");
    if (!rc)
        rc = ftab_list(x, t, F_SERVICE, "SELECT service, rid FROM rec_case_services");
    if (!rc)
        rc = ftab_list(x, t, F_CHANNEL, "SELECT channel, rid FROM rec_case_channels");
    if (rc) {
        ftab_free(t);
        return rc;
    }
    x->ftab = t;
    *out = t;
    return PX_OK;
}

typedef struct facet_count {
    const char *value;
    int64_t count;
} facet_count;

static int cmp_facet(const void *pa, const void *pb)
{
    const facet_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->value, b->value);
}

static int cmp_facet_desc_value(const void *pa, const void *pb)
{
    const facet_count *a = pa, *b = pb;
    return strcmp(b->value, a->value);
}

/* Facet f's values over the cases in ok, at most max, most frequent first
 * (by_value_desc: by value, last first). OUT *total: the pairs counted. */
static int facet_json(const fcol *f, const uint8_t *ok, int64_t nbits, size_t max,
                      bool by_value_desc, int64_t *total, json_t **out)
{
    int64_t *counts = calloc(f->nvalues ? f->nvalues : 1, sizeof *counts);
    facet_count *v = calloc(f->nvalues ? f->nvalues : 1, sizeof *v);
    size_t n = 0;
    *total = 0;
    *out = NULL;
    if (!counts || !v) {
        free(counts);
        free(v);
        return PX_ENOMEM;
    }
    for (size_t i = 0; i < f->npairs; i++)
        if (bit(ok, nbits, f->pairs[i].rid)) {
            counts[f->pairs[i].value]++;
            ++*total;
        }
    for (size_t i = 0; i < f->nvalues; i++)
        if (counts[i])
            v[n++] = (facet_count){f->values[i], counts[i]};
    if (n)
        qsort(v, n, sizeof *v, by_value_desc ? cmp_facet_desc_value : cmp_facet);
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < max; i++)
        json_array_append_new(
            list, json_pack("{s:s, s:I}", "value", v[i].value, "count", (json_int_t)v[i].count));
    free(counts);
    free(v);
    *out = list;
    return list ? PX_OK : PX_ENOMEM;
}

static int query_case_facets(qx *x, const px_case_filter *f, size_t max_values, json_t **out)
{
    px_buf fts = {0};
    qwords words;
    const uint8_t *ok = NULL;
    uint8_t *found = NULL;
    const ftab *t = NULL;
    int64_t nbits = 0, total = 0;
    int src, rc = check_fresh(x);
    *out = NULL;
    if (!max_values)
        max_values = 50;
    if (!rc && f->search)
        rc = split_words(f->search, &words);
    if (!rc && f->search)
        rc = fts_query(&words, &fts);
    if (!rc)
        rc = allowed_cases(x, f, &ok, &nbits);
    char *fkey = !rc && f->search ? found_key_of(x, (const char *)fts.data) : NULL;
    if (fkey && x->found_key && strcmp(fkey, x->found_key) == 0 && x->found_nbits == nbits) {
        ok = x->found; /* the search just ran (px_query_cases) */
    } else if (!rc && f->search) {
        /* keep only the allowed cases that the search finds */
        found = calloc((size_t)(nbits / 8 + 1), 1);
        if (!found)
            rc = PX_ENOMEM;
        sqlite3_bind_text(x->fts_all, 1, (const char *)fts.data, -1, SQLITE_STATIC);
        while (!rc && (src = sqlite3_step(x->fts_all)) == SQLITE_ROW) {
            int64_t rid = sqlite3_column_int64(x->fts_all, 0) / PX_INDEX_FTS_LANGS;
            if (bit(ok, nbits, rid))
                found[rid / 8] |= (uint8_t)(1u << (rid % 8));
        }
        if (!rc && src != SQLITE_DONE)
            rc = step_err(x, src, "searching cases");
        reset(x->fts_all);
        ok = found;
    }
    if (!rc)
        rc = facet_table(x, &t);
    json_t *facets = json_object();
    for (int c = 0; !rc && c < N_FACETS; c++) {
        json_t *list;
        int64_t n;
        rc = facet_json(&t->col[c], ok, nbits, max_values, c == F_YEAR, &n, &list);
        if (c == F_COUNTRY)
            total = n; /* every live case has one country */
        if (!rc)
            json_object_set_new(facets, facet_names[c], list);
    }
    if (!rc)
        *out = json_pack("{s:I, s:o}", "total", (json_int_t)total, "facets", facets);
    else
        json_decref(facets);
    if (!rc && !*out)
        rc = PX_ENOMEM;
    free(found);
    free(fkey);
    px_buf_free(&fts);
    return rc;
}

int px_query_case_facets(const px_query *q, const px_case_filter *f, size_t max_values,
                         json_t **out)
{
    qx *x;
    bool began = false;
    int rc = state(q->store, &x);
    *out = NULL;
    if (!rc)
        rc = read_begin(x, &began);
    if (!rc)
        rc = query_case_facets(x, f, max_values, out);
    read_end(x, began);
    return rc;
}
