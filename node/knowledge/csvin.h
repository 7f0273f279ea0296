/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csvin.h — benchmark results imported from CSV, the form in which survey
 * results usually arrive.
 *
 * The first non-blank line is a header naming the fields (the benchmark
 * field names of schema/RECORDS.md, matched ignoring ASCII case and
 * surrounding spaces); each later line is one benchmark result. The
 * separator is ',', ';' or a tab, detected from the header line (whichever
 * occurs most often outside quotes). Fields may be quoted with '"' ("" inside a
 * quoted field is one quote; quoted fields may span lines). Numbers use a
 * decimal point. A UTF-8 byte-order mark and CRLF line ends are accepted.
 * Empty cells are omitted from the record; lines whose cells are all empty
 * are skipped.
 *
 * Columns: indicator, indicator_version, country, centre, service, channel,
 * period, value, n, ci_low, ci_high, std_err, method, status, source,
 * illustrative. value, ci_low, ci_high and std_err become JSON numbers;
 * n a JSON integer; indicator_version a JSON integer when it is digits,
 * else its text ("1.0", judged by the schema); illustrative a JSON boolean
 * (true/false, yes/no, 1/0); the rest strings. Language-map fields (notes)
 * cannot be given in CSV.
 *
 * Every row is checked with the benchmark schema (px_record_validate), and
 * every rejected row is reported with its line number, all at once; nothing
 * is returned unless the whole file is good.
 */
#ifndef PX_CSVIN_H
#define PX_CSVIN_H

#include <stddef.h>

#include <jansson.h>

#include "records.h"

/* Largest CSV file px_csvin_benchmarks_file reads. */
#define PX_CSVIN_MAX_FILE (256u * 1024u * 1024u)

/* Optional per-row check beyond the schema, e.g. the indicator's scale
 * (px_record_check_scale) once the caller has looked the indicator up.
 * row is valid only during the call. Return PX_OK to accept the row,
 * PX_ESCHEMA with a px_err_set() detail to reject it (the detail is
 * reported with the row's line number like a schema error), or any other
 * code to stop the import with that code and detail. */
typedef int (*px_csvin_check_fn)(void *ctx, const px_benchmark *row);

/* Convert CSV text data[0..len) into benchmark records.
 *   name   used in messages ("benchmarks.csv: line 4: ..."); not NULL.
 *   check  optional per-row check (may be NULL), with ctx passed through.
 * OUT *out: on PX_OK a new JSON array of objects, one per data row in file
 *   order (keys in header order), ready for `praxis publish benchmark`;
 *   the caller json_decref()s it. NULL on any error.
 * OUT *report (may be NULL): on PX_ESCHEMA from rejected rows, a malloc'd
 *   text listing every rejected row, "NAME: K rows rejected:\n" then
 *   "  line N: reason\n" per row (at most 100000 rows listed, then a count
 *   of the rest); the caller frees it. NULL otherwise.
 * Returns:
 *   PX_OK;
 *   PX_ESCHEMA  rows were rejected: the detail reads "NAME: 2 rows
 *               rejected: line 4: field 'period': ...; line 9: ..." and is
 *               cut (saying how many more) when it would not fit the error
 *               detail, so print *report when you have it; or the header
 *               names an unknown, duplicate or nameless column, or lacks a
 *               required one (detail names the column); or there are no
 *               data rows;
 *   PX_EFORMAT  the text is empty or not well-formed CSV (detail names the
 *               line);
 *   PX_ENOMEM, or whatever check returned to stop the import. */
int px_csvin_benchmarks(const char *name, const char *data, size_t len, px_csvin_check_fn check,
                        void *ctx, json_t **out, char **report);

/* The rows of CSV text data[0..len) one at a time, for a caller that checks
 * and stores each row itself (node/app/publish.c): fn gets the row's 1-based
 * number, the line it starts on, and either the row as a JSON object (keys
 * in header order; not yet checked against the benchmark schema; borrowed
 * for the call) with field and message NULL, or obj NULL with the column
 * (field; "" for the row as a whole) and the reason one cell or the row
 * cannot be converted (called once per bad cell). fn returns PX_OK to go
 * on; any other code stops the reading and is returned.
 * Returns PX_OK; PX_ESCHEMA / PX_EFORMAT for a header that cannot be used,
 * malformed quoting or no rows (detail names the line or column); PX_ENOMEM;
 * or fn's code. */
typedef int (*px_csvin_row_fn)(void *ctx, size_t record, size_t line, const json_t *obj,
                               const char *field, const char *message);
int px_csvin_each(const char *name, const char *data, size_t len, px_csvin_row_fn fn, void *ctx);

/* The same, fed in pieces of any size (a file read chunk by chunk): memory
 * holds one line at most (a line longer than PX_CSVIN_MAX_LINE is refused
 * with PX_ETOOBIG). open; feed as often as needed (returns PX_OK, or the
 * code that stopped the reading, which every later call returns too);
 * close (always: it frees c) finishes the last line and returns what
 * px_csvin_each would. */
#define PX_CSVIN_MAX_LINE (16u * 1024u * 1024u)
typedef struct px_csvin px_csvin;
int px_csvin_open(const char *name, px_csvin_row_fn fn, void *ctx, px_csvin **out);
int px_csvin_feed(px_csvin *c, const char *data, size_t len);
int px_csvin_close(px_csvin *c);

/* The same for a file ("-" reads standard input and is called "stdin" in
 * messages). Adds PX_ENOENT/PX_EIO/PX_ETOOBIG from reading the file. */
int px_csvin_benchmarks_file(const char *path, px_csvin_check_fn check, void *ctx, json_t **out,
                             char **report);

#endif
