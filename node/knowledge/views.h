/* SPDX-License-Identifier: Apache-2.0 */
/*
 * views.h — small views of the records index for pages and pickers, with
 * typed results, so that the layers above never write SQL: the periods an
 * indicator has results for, and the results indexed last.
 *
 * Both read live (unretracted) results only; strings passed to a callback
 * are valid during the call only.
 */
#ifndef PX_VIEWS_H
#define PX_VIEWS_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each row; return PX_OK to go on, anything else stops the walk
 * and is returned. */
typedef int (*px_period_fn)(void *ctx, const char *period);

/* The latest max periods (newest first) that indicator has results for:
 * one index seek each, whatever the number of results. */
int px_view_periods(px_store *s, const char *indicator, size_t max, px_period_fn fn, void *ctx);

/* One benchmark result as the home page lists it. */
typedef struct px_result_row {
    const char *indicator, *country, *period;
    double value;
    bool has_n;
    int64_t n;
} px_result_row;

typedef int (*px_result_fn)(void *ctx, const px_result_row *row);

/* The max results indexed last, newest first. */
int px_view_latest_results(px_store *s, size_t max, px_result_fn fn, void *ctx);

#endif
