/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export.h — benchmark results for the statistics tools analysts already
 * use: JSON, CSV and SDMX-CSV. The columns are documented in
 * schema/EXPORTS.md; the two must agree.
 */
#ifndef PX_EXPORT_H
#define PX_EXPORT_H

#include "query.h"

#include <stdio.h>

typedef enum px_export_format {
    PX_EXPORT_JSON,
    PX_EXPORT_CSV,
    PX_EXPORT_SDMX, /* SDMX-CSV 1.0 */
    PX_EXPORT_SDMX2 /* SDMX-CSV 2.0 */
} px_export_format;

/* "json", "csv", "sdmx-csv", "sdmx-csv2" -> format; PX_EINVAL (detail)
 * otherwise. */
int px_export_format_parse(const char *s, px_export_format *out);

/* The SDMX-CSV 1.0 and 2.0 header lines, without line end (for tests and
 * docs). 2.0 is 1.0 with DATAFLOW replaced by STRUCTURE, STRUCTURE_ID and
 * ACTION. */
extern const char px_export_sdmx_header[];
extern const char px_export_sdmx2_header[];

/* The dataflow named in the DATAFLOW column (1.0) and the STRUCTURE_ID
 * column (2.0). */
#define PX_EXPORT_DATAFLOW "PRAXIS:BENCHMARK(1.0)"
/* The first three cells of every SDMX-CSV 2.0 row: the structure is a
 * dataflow, and the action is "I" (information: merge into what is held). */
#define PX_EXPORT_SDMX2_LEAD "dataflow," PX_EXPORT_DATAFLOW ",I"

/* What an export wrote. */
typedef struct px_export_stats {
    size_t rows;    /* results written */
    size_t skipped; /* results left out (SDMX-CSV: results for one channel) */
} px_export_stats;

/* Write the live benchmark results that match f (limit ignored) to out,
 * streaming (memory does not grow with the number of results). JSON: one
 * array of objects as px_query_each_benchmark gives them; CSV: the import
 * columns (RECORDS.md 4.1) plus unit, id and author; SDMX-CSV: see
 * EXPORTS.md. OUT *stats (may be NULL). Returns PX_OK, PX_EIO if out
 * fails, or a query error. */
int px_export_benchmarks(const px_query *q, const px_bench_filter *f, px_export_format fmt,
                         FILE *out, px_export_stats *stats);

/* Write one SDMX-CSV 1.0 line for row (keys as px_query_each_benchmark's:
 * country, centre, service, channel, indicator, period, value, unit,
 * status, n, ci_low, ci_high, method), for views that export what they
 * show. Returns 1 if written, 0 if skipped (a result for one channel: SDMX
 * has no CHANNEL dimension here). */
int px_export_sdmx_row(FILE *out, const json_t *row);

/* The same as an SDMX-CSV 2.0 line (STRUCTURE, STRUCTURE_ID, ACTION first). */
int px_export_sdmx2_row(FILE *out, const json_t *row);

#endif
