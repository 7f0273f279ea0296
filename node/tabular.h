/*
 * tabular.h — printing query results (query.h) for people and programs:
 * CSV with correct quoting, numbers in a stable form, and record text made
 * safe for a terminal.
 *
 * Record text comes from peers. On a terminal it could carry escape
 * sequences that move the cursor, retitle the window or worse, so text
 * output goes through px_text_put, which shows control characters as '?'.
 * CSV is written as the data is (quoted per RFC 4180); JSON is escaped by
 * jansson; HTML by report.c.
 */
#ifndef PX_TABULAR_H
#define PX_TABULAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write s[0..n) as one CSV field: quoted (with '"' doubled) when it holds
 * a comma, a quote, CR or LF, or begins or ends with a space; as it is
 * otherwise. */
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

/* Write untrusted text to a terminal: C0 and C1 control characters and
 * DEL become '?' (a line break stays one when multi_line, else becomes a
 * space); invalid UTF-8 bytes become '?'. s may be NULL (writes nothing). */
void px_text_put(FILE *f, const char *s, bool multi_line);

/* The string under key in o, or `none` when it is absent or not a string. */
const char *px_json_str(const json_t *o, const char *key, const char *none);

#endif
