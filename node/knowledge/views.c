/* SPDX-License-Identifier: Apache-2.0 */
/*
 * views.c — small views of the records index (see views.h): one-off
 * statements on the store's connection, over rec_benchmarks.
 */
#include "views.h"

#include "error.h"

#include <sqlite3.h>

int px_view_periods(px_store *s, const char *indicator, size_t max, px_period_fn fn, void *ctx)
{
    /* A recursive walk down period_key: one seek a period (a DISTINCT
     * would read every result of the indicator). */
    static const char sql[] = "WITH RECURSIVE k(p) AS (SELECT max(period_key) FROM rec_benchmarks "
                              "WHERE indicator = ?1 AND retracted = 0 UNION ALL SELECT (SELECT "
                              "max(period_key) FROM rec_benchmarks WHERE indicator = ?1 AND "
                              "retracted = 0 AND period_key < k.p) FROM k WHERE k.p IS NOT NULL "
                              "LIMIT ?2) SELECT (SELECT period FROM rec_benchmarks WHERE indicator "
                              "= ?1 AND retracted = 0 AND period_key = k.p LIMIT 1) FROM k WHERE "
                              "k.p IS NOT NULL";
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(px_store_db(s), sql, -1, &st, NULL);
    if (src != SQLITE_OK)
        return px_store_error(s, src, "listing an indicator's periods");
    sqlite3_bind_text(st, 1, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    int rc = PX_OK;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_text(st, 0);
        if (p)
            rc = fn(ctx, (const char *)p);
    }
    if (!rc && src != SQLITE_DONE)
        rc = px_store_error(s, src, "listing an indicator's periods");
    sqlite3_finalize(st);
    return rc;
}

int px_view_latest_results(px_store *s, size_t max, px_result_fn fn, void *ctx)
{
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(px_store_db(s),
                                 "SELECT indicator, country, period, value, n FROM rec_benchmarks "
                                 "WHERE retracted = 0 ORDER BY rid DESC LIMIT ?1",
                                 -1, &st, NULL);
    if (src != SQLITE_OK)
        return px_store_error(s, src, "listing the latest results");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    int rc = PX_OK;
    while (!rc && (src = sqlite3_step(st)) == SQLITE_ROW) {
        px_result_row row = {
            .indicator = (const char *)sqlite3_column_text(st, 0),
            .country = (const char *)sqlite3_column_text(st, 1),
            .period = (const char *)sqlite3_column_text(st, 2),
            .value = sqlite3_column_double(st, 3),
            .has_n = sqlite3_column_type(st, 4) != SQLITE_NULL,
            .n = sqlite3_column_int64(st, 4),
        };
        rc = fn(ctx, &row);
    }
    if (!rc && src != SQLITE_DONE)
        rc = px_store_error(s, src, "listing the latest results");
    sqlite3_finalize(st);
    return rc;
}
