/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c — SQLite persistence for entries, heads, forks and metadata
 * (see store.h).
 *
 * Layout: open/close and migrations; transactions; one prepared statement per
 * query, prepared once at open (the STMTS X-macro lists them all); then the
 * operations. SQLite result codes become px_err here and nowhere else.
 */
#include "store.h"

#include "error.h"
#include "migrations.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The backlog's condition, as schema/005_index_backlog.sql's partial index
 * spells it (SQLite uses that index only for the same literal). */
#define UNINDEXED "(flags & " PX_STR(PX_ENTRY_FLAG_UNINDEXED) ") != 0"

#define STMTS(X)                                                                                   \
    X(head, "SELECT seq, head_id, ts, frozen FROM feeds WHERE author = ?1")                        \
    X(insert, "INSERT INTO entries (id, author, seq, ts, kind, header, sig, body, flags, "         \
              "received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")                     \
    X(set_head, "INSERT INTO feeds (author, seq, head_id, ts) VALUES (?1, ?2, ?3, ?4) "            \
                "ON CONFLICT (author) DO UPDATE SET seq = ?2, head_id = ?3, ts = ?4")              \
    X(insert_fork, "INSERT OR IGNORE INTO forks (id, author, seq, header, sig, body, "             \
                   "detected_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                             \
    X(freeze, "UPDATE feeds SET frozen = 1 WHERE author = ?1")                                     \
    X(has_fork, "SELECT 1 FROM forks WHERE id = ?1")                                               \
    X(get_id, "SELECT header, sig, body, purged, flags, received_ms, author, seq, id "             \
              "FROM entries WHERE id = ?1")                                                        \
    X(get_seq, "SELECT header, sig, body, purged, flags, received_ms, author, seq, id "            \
               "FROM entries WHERE author = ?1 AND seq = ?2")                                      \
    X(each_all, "SELECT header, sig, body, purged, flags, received_ms, author, seq, id "           \
                "FROM entries ORDER BY author, seq")                                               \
    X(each_feed, "SELECT header, sig, body, purged, flags, received_ms, author, seq, id "          \
                 "FROM entries WHERE author = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3")             \
    X(each_kind, "SELECT header, sig, body, purged, flags, received_ms, author, seq, id "          \
                 "FROM entries WHERE kind = ?1 ORDER BY author, seq DESC")                         \
    X(hold, "INSERT INTO held (id, author, seq, header, sig, body, received_ms) "                  \
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                                 \
    X(each_held, "SELECT header, sig, body, 0, 0, received_ms, author, seq, id FROM held "         \
                 "WHERE author = ?1 ORDER BY seq")                                                 \
    X(unhold, "DELETE FROM held WHERE id = ?1")                                                    \
    X(held_stats, "SELECT count(*), coalesce(sum(length(header) + 64 + "                           \
                  "coalesce(length(body), 0)), 0) FROM held")                                      \
    X(held_authors, "SELECT DISTINCT author FROM held")                                            \
    X(held_author_stats, "SELECT count(*), coalesce(sum(length(header) + 64 + "                    \
                         "coalesce(length(body), 0)), 0) FROM held WHERE author = ?1")             \
    X(held_expire, "DELETE FROM held WHERE received_ms < ?1")                                      \
    X(fill_body, "UPDATE entries SET body = ?2, flags = ?3 "                                       \
                 "WHERE id = ?1 AND body IS NULL AND purged = 0")                                  \
    X(missing, "SELECT id FROM entries WHERE body IS NULL AND purged = 0 LIMIT ?1")                \
    X(get_body, "SELECT body FROM entries WHERE id = ?1 AND body IS NOT NULL")                     \
    X(feeds, "SELECT author, seq, head_id, ts, frozen FROM feeds ORDER BY author")                 \
    X(purge, "UPDATE entries SET body = NULL, purged = 1 WHERE id = ?1")                           \
    X(unindexed, "SELECT id FROM entries WHERE " UNINDEXED " ORDER BY author, seq LIMIT ?1")       \
    X(set_flags, "UPDATE entries SET flags = ?2 WHERE id = ?1")                                    \
    X(clear_flag, "UPDATE entries SET flags = flags & ~?1 WHERE (flags & ?1) != 0")                \
    X(unindexed_count, "SELECT count(*) FROM entries WHERE " UNINDEXED)                            \
    X(count, "SELECT count(*) FROM entries")                                                       \
    X(forks_all, "SELECT header, sig, body, 0, 0, detected_ms, author, seq, id FROM forks "        \
                 "ORDER BY author, seq")                                                           \
    X(meta_get, "SELECT value FROM meta WHERE key = ?1")                                           \
    X(meta_set, "INSERT INTO meta (key, value) VALUES (?1, ?2) "                                   \
                "ON CONFLICT (key) DO UPDATE SET value = ?2")                                      \
    X(data_version, "PRAGMA data_version")

struct px_store {
    sqlite3 *db;
    bool in_tx;
    void *ext[PX_STORE_EXT_MAX]; /* see px_store_set_ext */
    void (*ext_fini[PX_STORE_EXT_MAX])(void *state);
#define STMT_FIELD(name, sql) sqlite3_stmt *name;
    STMTS(STMT_FIELD)
#undef STMT_FIELD
};

/* Translate an SQLite failure, with its message, into px_err. */
static int db_err(px_store *s, int src, const char *what)
{
    int rc;
    switch (src & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        rc = PX_EBUSY;
        break;
    case SQLITE_CONSTRAINT:
        rc = PX_EDUP;
        break;
    case SQLITE_NOMEM:
        rc = PX_ENOMEM;
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        rc = PX_EFORMAT;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
        rc = PX_EPERM;
        break;
    case SQLITE_IOERR:
    case SQLITE_FULL:
        rc = PX_EIO;
        break;
    default:
        rc = PX_ESTORE;
    }
    return px_err_set(rc, "store: %s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : "");
}

static int exec(px_store *s, const char *sql, const char *what)
{
    int src = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return src == SQLITE_OK ? PX_OK : db_err(s, src, what);
}

static int user_version(px_store *s, int *out)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(st);
    if (src != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_err(s, src, "reading schema version");
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return PX_OK;
}

/* Apply every migration newer than the database, each in its own
 * transaction together with the version bump, so a crash leaves the store at
 * a whole version. Another process may be migrating at the same moment:
 * re-read the version once the write lock is held. */
static int migrate(px_store *s)
{
    int rc = PX_OK;
    for (int i = 0; i < px_migration_count; i++) {
        const px_migration *m = &px_migrations[i];
        int have = 0;
        rc = user_version(s, &have);
        if (rc)
            return rc;
        if (m->version <= have)
            continue;
        rc = exec(s, "BEGIN IMMEDIATE", "starting migration");
        if (rc)
            return rc;
        rc = user_version(s, &have);
        if (!rc && m->version > have) {
            char bump[64];
            rc = exec(s, m->sql, m->name);
            snprintf(bump, sizeof bump, "PRAGMA user_version = %d", m->version);
            if (!rc)
                rc = exec(s, bump, "recording schema version");
        }
        if (rc) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        rc = exec(s, "COMMIT", "committing migration");
        if (rc)
            return rc;
    }
    int have = 0;
    rc = user_version(s, &have);
    if (!rc && px_migration_count > 0 && have > px_migrations[px_migration_count - 1].version)
        rc = px_err_set(PX_ESTORE,
                        "store schema version %d is newer than this program knows (%d); "
                        "upgrade praxis",
                        have, px_migrations[px_migration_count - 1].version);
    return rc;
}

int px_store_open(const char *path, px_store **out)
{
    int rc = PX_OK;
    int src;
    px_store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return PX_ENOMEM;
    src = sqlite3_open_v2(path, &s->db,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = px_err_set(PX_EPERM, "cannot open store %s: %s", path,
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(s->db, 30000);
    sqlite3_extended_result_codes(s->db, 1);
    /* 16 KiB pages (new stores only; it must precede WAL): a batch of
     * entries becomes fewer, larger writes. WAL lets readers (the CLI) work
     * while a writer (praxisd) commits; synchronous=FULL makes every commit
     * durable against power loss. Reads go through mmap and checkpoints are
     * rarer (every 4096 pages, 64 MiB), because system calls, not the disk,
     * dominate a bulk sync on a virtual machine. */
    rc = exec(s, "PRAGMA page_size = 16384", "setting the page size");
    if (!rc)
        rc = exec(s, "PRAGMA journal_mode = WAL", "enabling WAL");
    if (!rc)
        rc = exec(s, "PRAGMA mmap_size = 268435456; PRAGMA wal_autocheckpoint = 4096",
                  "setting I/O pragmas");
    if (!rc)
        rc = exec(s,
                  "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                  /* 16 MiB of page cache: the id index is keyed by hashes, so
                   * inserts touch its pages at random. */
                  "PRAGMA cache_size = -16384",
                  "setting pragmas");
    if (!rc)
        rc = migrate(s);
    if (rc)
        goto out;
#define STMT_PREPARE(name, sql)                                                                    \
    src = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->name, NULL);           \
    if (src != SQLITE_OK) {                                                                        \
        rc = db_err(s, src, "preparing " #name);                                                   \
        goto out;                                                                                  \
    }
    STMTS(STMT_PREPARE)
#undef STMT_PREPARE
    *out = s;
    s = NULL;
out:
    px_store_close(s);
    return rc;
}

void px_store_close(px_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        px_store_rollback(s);
    for (int i = 0; i < PX_STORE_EXT_MAX; i++)
        px_store_set_ext(s, i, NULL, NULL);
#define STMT_FINALIZE(name, sql) sqlite3_finalize(s->name);
    STMTS(STMT_FINALIZE)
#undef STMT_FINALIZE
    sqlite3_close(s->db);
    free(s);
}

sqlite3 *px_store_db(px_store *s)
{
    return s->db;
}

void px_store_set_ext(px_store *s, int slot, void *state, void (*fini)(void *state))
{
    if (slot < 0 || slot >= PX_STORE_EXT_MAX)
        return;
    if (s->ext[slot] && s->ext_fini[slot])
        s->ext_fini[slot](s->ext[slot]);
    s->ext[slot] = state;
    s->ext_fini[slot] = fini;
}

void *px_store_ext(px_store *s, int slot)
{
    return slot >= 0 && slot < PX_STORE_EXT_MAX ? s->ext[slot] : NULL;
}

int px_store_error(px_store *s, int sqlite_rc, const char *what)
{
    return db_err(s, sqlite_rc, what);
}

/* --- transactions ------------------------------------------------------ */

int px_store_begin(px_store *s)
{
    if (s->in_tx)
        return px_err_set(PX_EBUSY, "store: a transaction is already open");
    int rc = exec(s, "BEGIN IMMEDIATE", "starting a write transaction");
    if (!rc)
        s->in_tx = true;
    return rc;
}

static void cache_set(px_store *s, long long size)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", size);
    (void)sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}

void px_store_cache_grow(px_store *s, long long kib, long long *was)
{
    sqlite3_stmt *st = NULL;
    *was = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA cache_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        long long now = sqlite3_column_int64(st, 0);
        /* negative: KiB; positive: pages */
        if (now > -kib && now != 0) {
            *was = now;
            cache_set(s, -kib);
        }
    }
    sqlite3_finalize(st);
}

void px_store_cache_restore(px_store *s, long long was)
{
    if (was)
        cache_set(s, was);
}

int px_store_commit(px_store *s)
{
    if (!s->in_tx)
        return px_err_set(PX_EINVAL, "store: commit without a transaction");
    int rc = exec(s, "COMMIT", "committing");
    if (rc) {
        px_store_rollback(s);
        return rc;
    }
    s->in_tx = false;
    return PX_OK;
}

void px_store_rollback(px_store *s)
{
    if (!s->in_tx)
        return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
}

bool px_store_in_tx(const px_store *s)
{
    return s->in_tx;
}

/* --- helpers ------------------------------------------------------------ */

/* Run a statement that returns no rows; always reset it. */
static int step_done(px_store *s, sqlite3_stmt *st, const char *what)
{
    int src = sqlite3_step(st);
    int rc = src == SQLITE_DONE ? PX_OK : db_err(s, src, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Bind a body: NULL when absent, a zero-length blob (not NULL) when empty. */
static void bind_body(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
    if (!p)
        sqlite3_bind_null(st, i);
    else if (n == 0)
        sqlite3_bind_zeroblob(st, i, 0);
    else
        sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
}

/* Bind an entry kept outside the feed (a fork proof, a held entry): both
 * tables take (id, author, seq, header, sig, body, time). */
static void bind_kept(sqlite3_stmt *st, const px_entry *e, uint64_t ms)
{
    sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, e->h.author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)e->h.seq);
    sqlite3_bind_blob(st, 4, e->header_bytes, (int)e->header_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, e->sig, 64, SQLITE_STATIC);
    bind_body(st, 6, e->body, e->body_len);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)ms);
}

static bool column_bin32(sqlite3_stmt *st, int col, uint8_t out[32])
{
    if (sqlite3_column_bytes(st, col) != 32)
        return false;
    memcpy(out, sqlite3_column_blob(st, col), 32);
    return true;
}

/* Decode the current row of a get/each statement (columns: header, sig,
 * body, purged, flags, received_ms, author, seq, id). When body_buf is NULL
 * the body points into SQLite's row memory (valid until the next step). */
static int row_entry(sqlite3_stmt *st, px_entry *out, px_buf *body_buf, px_entry_meta *meta)
{
    int rc = PX_OK;
    bool has_body = sqlite3_column_type(st, 2) != SQLITE_NULL;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    px_entry_meta m = {
        .purged = sqlite3_column_int(st, 3) != 0,
        .flags = sqlite3_column_int(st, 4),
        .received_ms = (uint64_t)sqlite3_column_int64(st, 5),
    };
    column_bin32(st, 8, m.stored_id);
    if (has_body) {
        body = sqlite3_column_blob(st, 2);
        body_len = (size_t)sqlite3_column_bytes(st, 2);
        if (body_buf) {
            px_buf_reset(body_buf);
            rc = px_buf_append(body_buf, body, body_len);
            if (rc)
                return rc;
            body = body_buf->data;
        }
        if (!body) /* an empty body still needs a non-NULL pointer */
            body = (const uint8_t *)"";
    }
    const uint8_t *sig = sqlite3_column_blob(st, 1);
    if (sqlite3_column_bytes(st, 1) != 64)
        m.decode_rc = px_err_set(PX_EFORMAT, "stored signature is not 64 bytes");
    else
        m.decode_rc = px_entry_decode(out, sqlite3_column_blob(st, 0),
                                      (size_t)sqlite3_column_bytes(st, 0), sig, body, body_len);
    if (m.decode_rc) {
        memset(out, 0, sizeof *out);
        column_bin32(st, 6, out->h.author);
        out->h.seq = (uint64_t)sqlite3_column_int64(st, 7);
        memcpy(out->id, m.stored_id, 32);
    }
    if (meta)
        *meta = m;
    return rc;
}

/* --- operations ---------------------------------------------------------- */

int px_store_meta_get(px_store *s, const char *key, char *buf, size_t buflen)
{
    int rc = PX_ENOENT;
    sqlite3_bind_text(s->meta_get, 1, key, -1, SQLITE_STATIC);
    int src = sqlite3_step(s->meta_get);
    if (src == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s->meta_get, 0);
        size_t n = v ? strlen(v) : 0;
        if (n >= buflen) {
            rc = PX_ETOOBIG;
        } else {
            memcpy(buf, v ? v : "", n + 1);
            rc = PX_OK;
        }
    } else if (src != SQLITE_DONE) {
        rc = db_err(s, src, "reading metadata");
    }
    done(s->meta_get);
    return rc;
}

int px_store_meta_set(px_store *s, const char *key, const char *value)
{
    sqlite3_bind_text(s->meta_set, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->meta_set, 2, value, -1, SQLITE_STATIC);
    return step_done(s, s->meta_set, "writing metadata");
}

int px_store_head(px_store *s, const uint8_t author[32], px_head *out)
{
    int rc = PX_ENOENT;
    memset(out, 0, sizeof *out);
    memcpy(out->author, author, 32);
    sqlite3_bind_blob(s->head, 1, author, 32, SQLITE_STATIC);
    int src = sqlite3_step(s->head);
    if (src == SQLITE_ROW) {
        out->seq = (uint64_t)sqlite3_column_int64(s->head, 0);
        column_bin32(s->head, 1, out->id);
        out->timestamp_ms = (uint64_t)sqlite3_column_int64(s->head, 2);
        out->frozen = sqlite3_column_int(s->head, 3) != 0;
        rc = PX_OK;
    } else if (src != SQLITE_DONE) {
        rc = db_err(s, src, "reading feed head");
    }
    done(s->head);
    return rc;
}

int px_store_put(px_store *s, const px_entry *e, int flags, uint64_t received_ms)
{
    int rc = px_store_insert(s, e, flags, received_ms);
    if (rc)
        return rc;
    px_head h = {.seq = e->h.seq, .timestamp_ms = e->h.timestamp_ms};
    memcpy(h.author, e->h.author, 32);
    memcpy(h.id, e->id, 32);
    return px_store_set_head(s, &h);
}

int px_store_insert(px_store *s, const px_entry *e, int flags, uint64_t received_ms)
{
    sqlite3_stmt *st = s->insert;
    sqlite3_bind_blob(st, 1, e->id, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, e->h.author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)e->h.seq);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)e->h.timestamp_ms);
    sqlite3_bind_text(st, 5, e->h.kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, e->header_bytes, (int)e->header_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, e->sig, 64, SQLITE_STATIC);
    bind_body(st, 8, e->body, e->body_len);
    sqlite3_bind_int(st, 9, flags);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)received_ms);
    return step_done(s, st, "inserting entry");
}

int px_store_set_head(px_store *s, const px_head *h)
{
    sqlite3_stmt *st = s->set_head;
    sqlite3_bind_blob(st, 1, h->author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)h->seq);
    sqlite3_bind_blob(st, 3, h->id, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)h->timestamp_ms);
    return step_done(s, st, "updating feed head");
}

static int walk(px_store *s, sqlite3_stmt *st, bool skip_damaged, px_entry_cb cb, void *ctx,
                const char *what);

int px_store_each_fork(px_store *s, px_entry_cb cb, void *ctx)
{
    return walk(s, s->forks_all, true, cb, ctx, "listing fork proofs");
}

int px_store_put_fork(px_store *s, const px_entry *e, uint64_t detected_ms)
{
    bind_kept(s->insert_fork, e, detected_ms);
    int rc = step_done(s, s->insert_fork, "recording fork proof");
    if (rc)
        return rc;
    sqlite3_bind_blob(s->freeze, 1, e->h.author, 32, SQLITE_STATIC);
    return step_done(s, s->freeze, "freezing feed");
}

bool px_store_has_fork(px_store *s, const uint8_t id[32])
{
    sqlite3_bind_blob(s->has_fork, 1, id, 32, SQLITE_STATIC);
    bool found = sqlite3_step(s->has_fork) == SQLITE_ROW;
    done(s->has_fork);
    return found;
}

static int get_one(px_store *s, sqlite3_stmt *st, px_entry *out, px_buf *body_buf,
                   px_entry_meta *meta)
{
    int rc = PX_ENOENT;
    px_entry_meta m;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        rc = row_entry(st, out, body_buf, &m);
        if (!rc)
            rc = m.decode_rc;
        if (meta)
            *meta = m;
    } else if (src != SQLITE_DONE) {
        rc = db_err(s, src, "reading entry");
    }
    done(st);
    return rc;
}

int px_store_get(px_store *s, const uint8_t id[32], px_entry *out, px_buf *body_buf,
                 px_entry_meta *meta)
{
    sqlite3_bind_blob(s->get_id, 1, id, 32, SQLITE_STATIC);
    return get_one(s, s->get_id, out, body_buf, meta);
}

int px_store_get_seq(px_store *s, const uint8_t author[32], uint64_t seq, px_entry *out,
                     px_buf *body_buf, px_entry_meta *meta)
{
    sqlite3_bind_blob(s->get_seq, 1, author, 32, SQLITE_STATIC);
    sqlite3_bind_int64(s->get_seq, 2, (sqlite3_int64)seq);
    return get_one(s, s->get_seq, out, body_buf, meta);
}

/* Step a bound get/each statement to its end, handing each row's entry to
 * cb; skip_damaged leaves out rows whose bytes do not decode. Resets st. */
static int walk(px_store *s, sqlite3_stmt *st, bool skip_damaged, px_entry_cb cb, void *ctx,
                const char *what)
{
    int rc = PX_OK;
    px_entry e;
    px_entry_meta m;
    for (;;) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = db_err(s, src, what);
            break;
        }
        rc = row_entry(st, &e, NULL, &m);
        if (!rc && !(skip_damaged && m.decode_rc))
            rc = cb(ctx, &e, &m);
        if (rc)
            break;
    }
    done(st);
    return rc;
}

int px_store_each(px_store *s, const uint8_t *author, uint64_t from_seq, uint64_t limit,
                  px_entry_cb cb, void *ctx)
{
    sqlite3_stmt *st = author ? s->each_feed : s->each_all;
    if (author) {
        sqlite3_bind_blob(st, 1, author, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)from_seq);
        sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : -1);
    }
    return walk(s, st, false, cb, ctx, "walking entries");
}

int px_store_each_kind(px_store *s, const char *kind, px_entry_cb cb, void *ctx)
{
    sqlite3_bind_text(s->each_kind, 1, kind, -1, SQLITE_STATIC);
    return walk(s, s->each_kind, true, cb, ctx, "walking entries of a kind");
}

int px_store_each_feed(px_store *s, px_head_cb cb, void *ctx)
{
    int rc = PX_OK;
    sqlite3_stmt *st = s->feeds;
    for (;;) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = db_err(s, src, "listing feeds");
            break;
        }
        px_head h = {0};
        column_bin32(st, 0, h.author);
        h.seq = (uint64_t)sqlite3_column_int64(st, 1);
        column_bin32(st, 2, h.id);
        h.timestamp_ms = (uint64_t)sqlite3_column_int64(st, 3);
        h.frozen = sqlite3_column_int(st, 4) != 0;
        rc = cb(ctx, &h);
        if (rc)
            break;
    }
    done(st);
    return rc;
}

int px_store_hold(px_store *s, const px_entry *e, uint64_t received_ms)
{
    bind_kept(s->hold, e, received_ms);
    return step_done(s, s->hold, "holding an entry back");
}

int px_store_each_held(px_store *s, const uint8_t author[32], px_entry_cb cb, void *ctx)
{
    sqlite3_bind_blob(s->each_held, 1, author, 32, SQLITE_STATIC);
    return walk(s, s->each_held, false, cb, ctx, "walking held entries");
}

int px_store_unhold(px_store *s, const uint8_t id[32])
{
    sqlite3_bind_blob(s->unhold, 1, id, 32, SQLITE_STATIC);
    return step_done(s, s->unhold, "releasing a held entry");
}

int px_store_held_stats(px_store *s, uint64_t *count, uint64_t *bytes)
{
    int rc = PX_OK;
    int src = sqlite3_step(s->held_stats);
    if (src == SQLITE_ROW) {
        *count = (uint64_t)sqlite3_column_int64(s->held_stats, 0);
        *bytes = (uint64_t)sqlite3_column_int64(s->held_stats, 1);
    } else {
        rc = db_err(s, src, "counting held entries");
    }
    done(s->held_stats);
    return rc;
}

int px_store_held_author_stats(px_store *s, const uint8_t author[32], uint64_t *count,
                               uint64_t *bytes)
{
    int rc = PX_OK;
    sqlite3_bind_blob(s->held_author_stats, 1, author, 32, SQLITE_STATIC);
    int src = sqlite3_step(s->held_author_stats);
    if (src == SQLITE_ROW) {
        *count = (uint64_t)sqlite3_column_int64(s->held_author_stats, 0);
        *bytes = (uint64_t)sqlite3_column_int64(s->held_author_stats, 1);
    } else {
        rc = db_err(s, src, "counting an author's held entries");
    }
    done(s->held_author_stats);
    return rc;
}

int px_store_held_expire(px_store *s, uint64_t before_ms, uint64_t *dropped)
{
    sqlite3_bind_int64(s->held_expire, 1, (sqlite3_int64)before_ms);
    int rc = step_done(s, s->held_expire, "dropping expired held entries");
    if (dropped)
        *dropped = rc ? 0 : (uint64_t)sqlite3_changes(s->db);
    return rc;
}

int px_store_fill_body(px_store *s, const uint8_t id[32], const uint8_t *body, size_t len,
                       int flags)
{
    sqlite3_bind_blob(s->fill_body, 1, id, 32, SQLITE_STATIC);
    bind_body(s->fill_body, 2, body ? body : (const uint8_t *)"", len);
    sqlite3_bind_int(s->fill_body, 3, flags);
    int rc = step_done(s, s->fill_body, "filling in a body");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = PX_ENOENT;
    return rc;
}

int px_store_missing_bodies(px_store *s, uint8_t (*ids)[32], size_t max, size_t *n)
{
    int rc = PX_OK;
    *n = 0;
    sqlite3_bind_int64(s->missing, 1, (sqlite3_int64)max);
    for (;;) {
        int src = sqlite3_step(s->missing);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = db_err(s, src, "listing missing bodies");
            break;
        }
        if (*n < max && column_bin32(s->missing, 0, ids[*n]))
            (*n)++;
    }
    done(s->missing);
    return rc;
}

int px_store_get_body(px_store *s, const uint8_t id[32], px_buf *out)
{
    int rc = PX_ENOENT;
    sqlite3_bind_blob(s->get_body, 1, id, 32, SQLITE_STATIC);
    int src = sqlite3_step(s->get_body);
    if (src == SQLITE_ROW) {
        px_buf_reset(out);
        int n = sqlite3_column_bytes(s->get_body, 0);
        rc = n > 0 ? px_buf_append(out, sqlite3_column_blob(s->get_body, 0), (size_t)n) : PX_OK;
    } else if (src != SQLITE_DONE) {
        rc = db_err(s, src, "reading a body");
    }
    done(s->get_body);
    return rc;
}

int px_store_held_authors(px_store *s, px_head_cb cb, void *ctx)
{
    int rc = PX_OK;
    sqlite3_stmt *st = s->held_authors;
    for (;;) {
        int src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = db_err(s, src, "listing held authors");
            break;
        }
        px_head h = {0};
        column_bin32(st, 0, h.author);
        rc = cb(ctx, &h);
        if (rc)
            break;
    }
    done(st);
    return rc;
}

int px_store_purge(px_store *s, const uint8_t id[32])
{
    sqlite3_bind_blob(s->purge, 1, id, 32, SQLITE_STATIC);
    int rc = step_done(s, s->purge, "purging body");
    if (!rc && sqlite3_changes(s->db) == 0)
        rc = px_err_set(PX_ENOENT, "no entry with that id is held");
    return rc;
}

int px_store_unindexed(px_store *s, uint8_t (*ids)[32], size_t max, size_t *n)
{
    int rc = PX_OK;
    *n = 0;
    sqlite3_bind_int64(s->unindexed, 1, (sqlite3_int64)max);
    for (;;) {
        int src = sqlite3_step(s->unindexed);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = db_err(s, src, "listing the index backlog");
            break;
        }
        if (*n < max && column_bin32(s->unindexed, 0, ids[*n]))
            (*n)++;
    }
    done(s->unindexed);
    return rc;
}

int px_store_unindexed_count(px_store *s, uint64_t *out)
{
    int rc = PX_OK;
    int src = sqlite3_step(s->unindexed_count);
    if (src == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(s->unindexed_count, 0);
    else
        rc = db_err(s, src, "counting the index backlog");
    done(s->unindexed_count);
    return rc;
}

int px_store_set_flags(px_store *s, const uint8_t id[32], int flags)
{
    sqlite3_bind_blob(s->set_flags, 1, id, 32, SQLITE_STATIC);
    sqlite3_bind_int(s->set_flags, 2, flags);
    return step_done(s, s->set_flags, "updating entry flags");
}

int px_store_clear_flag(px_store *s, int flag)
{
    sqlite3_bind_int(s->clear_flag, 1, flag);
    return step_done(s, s->clear_flag, "clearing an entry flag");
}

int px_store_count(px_store *s, uint64_t *out)
{
    int src = sqlite3_step(s->count);
    int rc = PX_OK;
    if (src == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(s->count, 0);
    else
        rc = db_err(s, src, "counting entries");
    done(s->count);
    return rc;
}

int64_t px_store_data_version(px_store *s)
{
    int64_t v =
        sqlite3_step(s->data_version) == SQLITE_ROW ? sqlite3_column_int64(s->data_version, 0) : -1;
    done(s->data_version);
    return v;
}
