/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export.c — JSON, CSV and SDMX-CSV (1.0 and 2.0) exports of benchmark results (see
 * export.h and schema/EXPORTS.md). Each format is one row writer called by
 * px_query_each_benchmark, so an export of millions of results streams.
 */
#include "export.h"
#include "jsonout.h"

#include "error.h"
#include "tabular.h"

#include <stdlib.h>
#include <string.h>

/* The columns after the dataflow, the same in SDMX-CSV 1.0 and 2.0. */
#define SDMX_COLUMNS                                                                               \
    "REF_AREA,CENTRE,SERVICE,INDICATOR,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,N_OBS,"       \
    "CI_LOWER,CI_UPPER,COLL_METHOD"

const char px_export_sdmx_header[] = "DATAFLOW," SDMX_COLUMNS;
const char px_export_sdmx2_header[] = "STRUCTURE,STRUCTURE_ID,ACTION," SDMX_COLUMNS;

static const char *const csv_cols[] = {"indicator", "indicator_version",
                                       "country",   "centre",
                                       "service",   "channel",
                                       "period",    "value",
                                       "n",         "ci_low",
                                       "ci_high",   "std_err",
                                       "method",    "status",
                                       "source",    "illustrative",
                                       "unit",      "id",
                                       "author",    "centre_key"};

int px_export_format_parse(const char *s, px_export_format *out)
{
    if (s && strcmp(s, "json") == 0)
        *out = PX_EXPORT_JSON;
    else if (s && strcmp(s, "csv") == 0)
        *out = PX_EXPORT_CSV;
    else if (s && strcmp(s, "sdmx-csv") == 0)
        *out = PX_EXPORT_SDMX;
    else if (s && strcmp(s, "sdmx-csv2") == 0)
        *out = PX_EXPORT_SDMX2;
    else
        return px_err_set(PX_EINVAL, "format '%s' is not one of json, csv, sdmx-csv, sdmx-csv2",
                          s ? s : "");
    return PX_OK;
}

typedef struct writer {
    FILE *out;
    px_export_format fmt;
    px_export_stats stats;
} writer;

static int json_row(void *ctx, json_t *row)
{
    writer *w = ctx;
    char *s = px_json_dumps(row, PX_JSON_KEEP_NULL); /* nulls as EXPORTS.md says; shortest reals */
    if (!s)
        return PX_ENOMEM;
    fputs(w->stats.rows ? ",\n  " : "\n  ", w->out);
    fputs(s, w->out);
    free(s);
    w->stats.rows++;
    return ferror(w->out) ? PX_EIO : PX_OK;
}

static int csv_row(void *ctx, json_t *row)
{
    writer *w = ctx;
    px_csv_row(w->out, row, csv_cols, sizeof csv_cols / sizeof csv_cols[0]);
    w->stats.rows++;
    return ferror(w->out) ? PX_EIO : PX_OK;
}

/* The SDMX observation status for a result's status (SDMX's CL_OBS_STATUS
 * codes). */
static const char *obs_status(const char *status)
{
    static const struct {
        const char *status, *code;
    } map[] = {{"normal", "A"},
               {"provisional", "P"},
               {"estimated", "E"},
               {"break", "B"},
               {"definition differs", "D"}};
    for (size_t i = 0; status && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(status, map[i].status) == 0)
            return map[i].code;
    return "A";
}

static void field_str(FILE *f, const json_t *row, const char *key, const char *none)
{
    const char *s = px_json_str(row, key, none);
    fputc(',', f);
    if (s)
        px_csv_field(f, s, strlen(s));
}

static void field_num(FILE *f, const json_t *row, const char *key)
{
    const json_t *v = json_object_get(row, key);
    char num[32];
    fputc(',', f);
    if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        fputs(px_num_format(num, json_real_value(v)), f);
}

static int sdmx_row(void *ctx, json_t *row)
{
    writer *w = ctx;
    FILE *f = w->out;
    if (json_is_string(json_object_get(row, "channel"))) {
        w->stats.skipped++; /* no CHANNEL dimension: it would repeat a key */
        return PX_OK;
    }
    fputs(w->fmt == PX_EXPORT_SDMX2 ? PX_EXPORT_SDMX2_LEAD : PX_EXPORT_DATAFLOW, f);
    field_str(f, row, "country", NULL);
    field_str(f, row, "centre", "_T");
    field_str(f, row, "service", "_T");
    field_str(f, row, "indicator", NULL);
    field_str(f, row, "period", NULL);
    field_num(f, row, "value");
    const char *unit = px_json_str(row, "unit", NULL);
    fputc(',', f);
    if (unit && strcmp(unit, "%") == 0)
        fputs("PC", f);
    else if (unit)
        px_csv_field(f, unit, strlen(unit));
    fputc(',', f);
    fputs(obs_status(px_json_str(row, "status", NULL)), f);
    field_num(f, row, "n");
    field_num(f, row, "ci_low");
    field_num(f, row, "ci_high");
    field_str(f, row, "method", NULL);
    fputs("\r\n", f);
    w->stats.rows++;
    return ferror(f) ? PX_EIO : PX_OK;
}

int px_export_benchmarks(const px_query *q, const px_bench_filter *f, px_export_format fmt,
                         FILE *out, px_export_stats *stats)
{
    writer w = {.out = out, .fmt = fmt};
    px_bench_filter all = *f;
    px_query_row_fn fn = fmt == PX_EXPORT_JSON  ? json_row
                         : fmt == PX_EXPORT_CSV ? csv_row
                                                : sdmx_row;
    all.limit = 0;
    if (fmt == PX_EXPORT_JSON)
        fputc('[', out);
    else if (fmt == PX_EXPORT_CSV)
        px_csv_header(out, csv_cols, sizeof csv_cols / sizeof csv_cols[0]);
    else
        fprintf(out, "%s\r\n",
                fmt == PX_EXPORT_SDMX2 ? px_export_sdmx2_header : px_export_sdmx_header);
    int rc = px_query_each_benchmark(q, &all, fn, &w);
    if (!rc && fmt == PX_EXPORT_JSON)
        fputs(w.stats.rows ? "\n]\n" : "]\n", out);
    if (!rc && (fflush(out) != 0 || ferror(out)))
        rc = px_err_set(PX_EIO, "cannot write the export");
    if (stats)
        *stats = w.stats;
    return rc;
}

int px_export_sdmx_row(FILE *out, const json_t *row)
{
    writer w = {.out = out, .fmt = PX_EXPORT_SDMX};
    sdmx_row(&w, (json_t *)row);
    return (int)w.stats.rows;
}

int px_export_sdmx2_row(FILE *out, const json_t *row)
{
    writer w = {.out = out, .fmt = PX_EXPORT_SDMX2};
    sdmx_row(&w, (json_t *)row);
    return (int)w.stats.rows;
}
