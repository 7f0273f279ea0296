/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tabular.h — printing query results (query.h) for people and programs:
 * CSV with correct quoting, numbers in a stable form, and record text made
 * safe for a terminal.
 *
 * Record text comes from peers. On a terminal it could carry escape
 * sequences that move the cursor, retitle the window or worse, or bidi
 * overrides that show it in another order than it is, so text output goes
 * through px_text_put, which shows each of them as '?'. In CSV, text is
 * quoted per RFC 4180 and a cell a spreadsheet would run as a formula is
 * neutralised (px_csv_field); JSON is escaped by jansson; HTML by report.c.
 */
#ifndef PX_TABULAR_H
#define PX_TABULAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether text s[0..n) would be a formula in a spreadsheet: its first
 * character other than a space is '=', '+', '-', '@', TAB or CR. */
bool px_csv_formula_lead(const char *s, size_t n);

/* Write text s[0..n) as one CSV field: with a "'" before it when
 * px_csv_formula_lead (so a spreadsheet shows it as text; EXPORTS.md 2),
 * then quoted (with '"' doubled) when it holds a comma, a quote, CR or LF,
 * or begins or ends with a space; as it is otherwise. Only for text:
 * numbers are written as numbers and never get the "'". */
void px_csv_field(FILE *f, const char *s, size_t n);

/* Write a header line naming cols (CRLF line end, as RFC 4180). */
void px_csv_header(FILE *f, const char *const *cols, size_t ncols);

/* Write the values of row (a JSON object) under cols as one CSV line:
 * strings as they are, integers in decimal, reals with px_num_format,
 * true/false, arrays joined with "; ", null or absent as an empty field. */
void px_csv_row(FILE *f, const json_t *row, const char *const *cols, size_t ncols);

/* A number as text: up to 15 significant digits, no exponent for usual
 * magnitudes, no trailing zeros ("4.66", "91.5", "10000"). out holds at
 * least 32 bytes. Returns out. */
const char *px_num_format(char *out, double v);

/* A number rounded to `decimals` places ("91.5", "87.0"). out >= 32. */
const char *px_num_fixed(char *out, double v, int decimals);

/* Write untrusted text to a terminal. Each of these becomes one '?': an
 * escape sequence (ESC and what a terminal would read as its CSI
 * parameters, control string up to its terminator, or final byte), a C1
 * control (U+0080..U+009F; CSI and control strings with what follows, as
 * for ESC), any other C0 control and DEL, a bidi embedding, override or
 * isolate (U+202A..U+202E, U+2066..U+2069), and a byte that is not UTF-8.
 * A tab becomes a space; a line break (LF, U+2028, U+2029) stays a line
 * break when multi_line, else becomes a space. s may be NULL (writes
 * nothing). */
void px_text_put(FILE *f, const char *s, bool multi_line);

/* The terminal columns px_text_put(f, s, false) takes: combining marks and
 * zero-width characters 0, East Asian wide characters 2, others 1 (a
 * locale-independent approximation of wcwidth). */
size_t px_text_width(const char *s);

/* Write s as px_text_put(f, s, false) does, in at most cols columns: when
 * it is wider, as much as fits in cols - 1 columns and then U+2026 '…',
 * never cutting a UTF-8 character or an escape apart. With pad, spaces
 * fill the rest up to cols. Returns the columns written. s may be NULL
 * (as ""). */
size_t px_text_put_cols(FILE *f, const char *s, size_t cols, bool pad);

/* The length of the longest prefix of s[0..n) of at most max bytes that
 * does not end inside a UTF-8 character: for cutting text to a byte limit
 * (a fixed-size field). */
size_t px_utf8_trunc(const char *s, size_t n, size_t max);

/* The string under key in o, or `none` when it is absent or not a string. */
const char *px_json_str(const json_t *o, const char *key, const char *none);

#endif
