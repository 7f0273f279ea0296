/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_csv.c — libFuzzer target for the CSV benchmark importer
 * (px_csvin_benchmarks in csvin.c), what `praxis publish benchmark
 * FILE.csv` reads.
 *
 * The input is the CSV text. The importer runs once without a per-row
 * check and, when that succeeds, once more with a scale check that rejects
 * values outside [1, 5] (the path where a caller's check rejects rows).
 * Invariants: only documented results; on success every row of the result
 * is a JSON object that converts to msgpack and validates as a benchmark
 * (the importer promises it checked each one), and the report is NULL; on
 * rejected rows the report, when given, names them.
 */
#include "csvin.h"
#include "error.h"
#include "fuzz_fixtures.h"
#include "jsonmp.h"
#include "records.h"

static int scale_check(void *ctx, const px_benchmark *row)
{
    int *calls = ctx;
    (*calls)++;
    FUZZ_ASSERT(row != NULL && row->indicator != NULL && row->period != NULL);
    return px_record_check_scale(row->value, 1.0, 5.0, row->indicator);
}

static void check_result(int rc, json_t *out, char *report, size_t max_rows)
{
    FUZZ_ASSERT(rc == PX_OK || rc == PX_ESCHEMA || rc == PX_EFORMAT);
    if (rc != PX_OK) {
        FUZZ_ASSERT(out == NULL);
        if (report)
            FUZZ_ASSERT(rc == PX_ESCHEMA && strstr(report, "rejected") != NULL);
        free(report);
        return;
    }
    FUZZ_ASSERT(report == NULL);
    FUZZ_ASSERT(json_is_array(out) && json_array_size(out) >= 1);
    FUZZ_ASSERT(json_array_size(out) <= max_rows);
    size_t i;
    json_t *row;
    json_array_foreach(out, i, row)
    {
        px_buf b = {0};
        FUZZ_ASSERT(json_is_object(row));
        FUZZ_ASSERT(px_json_to_msgpack(row, &b) == PX_OK);
        int vrc = px_record_validate("benchmark", b.data, b.len);
        if (vrc != PX_OK)
            fprintf(stderr, "row %zu does not validate: %s\n", i + 1, px_err_message(vrc));
        FUZZ_ASSERT(vrc == PX_OK);
        px_buf_free(&b);
    }
    json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *out = NULL;
    char *report = NULL;
    int calls = 0;

    fuzz_setup();
    /* A data row takes at least one line end or byte; bound for the check. */
    size_t max_rows = size + 1;
    int rc = px_csvin_benchmarks("fuzz.csv", (const char *)data, size, NULL, NULL, &out, &report);
    bool ok = rc == PX_OK;
    check_result(rc, out, report, max_rows);
    if (!ok)
        return 0;

    out = NULL;
    report = NULL;
    rc = px_csvin_benchmarks("fuzz.csv", (const char *)data, size, scale_check, &calls, &out,
                             &report);
    FUZZ_ASSERT(calls >= 1);
    check_result(rc, out, report, max_rows);
    return 0;
}
