/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storeinfo.c — a reader's view of the store (see storeinfo.h): one-off
 * statements on the store's own connection.
 */
#include "storeinfo.h"

#include "error.h"

#include <sqlite3.h>
#include <string.h>

/* Prepare sql on s, translating a failure. */
static int prep(px_store *s, const char *sql, sqlite3_stmt **st, const char *what)
{
    int src = sqlite3_prepare_v2(px_store_db(s), sql, -1, st, NULL);
    return src == SQLITE_OK ? PX_OK : px_store_error(s, src, what);
}

int px_store_summary_get(px_store *s, px_store_summary *out)
{
    *out = (px_store_summary){0};
    sqlite3_stmt *st = NULL;
    int rc = prep(s, "SELECT count(*), coalesce(sum(frozen), 0), max(ts) FROM feeds", &st,
                  "summing up the feeds");
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        out->feeds = (uint64_t)sqlite3_column_int64(st, 0);
        out->frozen_feeds = (uint64_t)sqlite3_column_int64(st, 1);
        out->has_newest = sqlite3_column_type(st, 2) != SQLITE_NULL;
        out->newest_entry_ms = (uint64_t)sqlite3_column_int64(st, 2);
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE)
        return px_store_error(s, src, "summing up the feeds");
    /* The entry stored last (rowids grow with every insert). */
    if ((rc = prep(s, "SELECT received_ms FROM entries ORDER BY rowid DESC LIMIT 1", &st,
                   "reading the entry stored last")))
        return rc;
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        out->has_received = true;
        out->received_ms = (uint64_t)sqlite3_column_int64(st, 0);
        src = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return src == SQLITE_DONE ? PX_OK : px_store_error(s, src, "reading the entry stored last");
}

int px_store_frozen_authors(px_store *s, uint8_t (*out)[32], size_t max, size_t *n)
{
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = prep(s, "SELECT author FROM feeds WHERE frozen = 1 LIMIT ?1", &st,
                  "listing the frozen feeds");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        if (sqlite3_column_bytes(st, 0) == 32)
            memcpy(out[(*n)++], sqlite3_column_blob(st, 0), 32);
    sqlite3_finalize(st);
    return src == SQLITE_DONE || src == SQLITE_ROW
               ? PX_OK
               : px_store_error(s, src, "listing the frozen feeds");
}

int px_store_ids_between(px_store *s, px_idset set, const uint8_t lo[32], const uint8_t hi[32],
                         size_t limit, px_id_fn fn, void *ctx)
{
    const char *sql =
        set == PX_IDS_ENTRIES
            ? "SELECT id, kind FROM entries WHERE id BETWEEN ?1 AND ?2 ORDER BY id LIMIT ?3"
            : "SELECT author, 'feed' FROM feeds WHERE author BETWEEN ?1 AND ?2 LIMIT ?3";
    sqlite3_stmt *st = NULL;
    int rc = prep(s, sql, &st, "preparing an id lookup");
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, lo, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, hi, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(st, 0);
        const unsigned char *label = sqlite3_column_text(st, 1);
        if (v && sqlite3_column_bytes(st, 0) == 32)
            fn(ctx, v, label ? (const char *)label : "");
    }
    rc = src == SQLITE_DONE ? PX_OK : px_store_error(s, src, "looking up an id prefix");
    sqlite3_finalize(st);
    return rc;
}

int px_store_make_readonly(px_store *s)
{
    char *err = NULL;
    int src = sqlite3_exec(px_store_db(s), "PRAGMA query_only = 1", NULL, NULL, &err);
    sqlite3_free(err);
    return src == SQLITE_OK ? PX_OK : px_store_error(s, src, "making the connection read-only");
}

void px_store_set_interrupt(px_store *s, int (*stop)(void *ctx), void *ctx)
{
    /* every 4000 virtual-machine steps: well under a millisecond */
    sqlite3_progress_handler(px_store_db(s), stop ? 4000 : 0, stop, ctx);
}
