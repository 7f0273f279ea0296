/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csvin.c — benchmark import from CSV with libcsv (see csvin.h).
 *
 * The text is fed to libcsv one physical line at a time, so that the line on
 * which each row begins is known even when quoted fields span lines. libcsv
 * calls cell() for every field and row_end() at the end of every record;
 * the first record is the header, every later one becomes a JSON object
 * that is converted to msgpack (jsonmp.h) and checked with the benchmark
 * schema (records.h), so CSV rows and JSON records obey exactly the same
 * rules. Rejections are collected, not returned at the first one.
 *
 * Layout: column table; cell conversion; rejection bookkeeping; header and
 * row handling (the libcsv callbacks); the driver.
 */
#include "csvin.h"

#include <csv.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonmp.h"
#include "util.h"

/* C_VERSION: a whole number becomes a JSON integer, anything else the text
 * ("1.0"), which the benchmark schema then judges. */
typedef enum ctype { C_STR, C_REAL, C_INT, C_BOOL, C_VERSION } ctype;

static const struct column {
    const char *name;
    ctype type;
    bool required;
} columns[] = {
    {"indicator", C_STR, true}, {"indicator_version", C_VERSION, false},
    {"country", C_STR, true},   {"centre", C_STR, false},
    {"service", C_STR, false},  {"channel", C_STR, false},
    {"period", C_STR, true},    {"value", C_REAL, true},
    {"n", C_INT, false},        {"ci_low", C_REAL, false},
    {"ci_high", C_REAL, false}, {"std_err", C_REAL, false},
    {"method", C_STR, false},   {"status", C_STR, false},
    {"source", C_STR, false},   {"illustrative", C_BOOL, false},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])
#define COLUMN_LIST                                                                                \
    "indicator, indicator_version, country, centre, service, channel, period, value, n, "          \
    "ci_low, ci_high, std_err, method, status, source, illustrative"

#define MAX_CELLS 64      /* cells kept per row; more are only counted */
#define MAX_LISTED 100000 /* rejected rows listed in the report */
#define DETAIL_BUDGET 400 /* bytes of row reasons put in the error detail */
#define MAX_NUMBER_CHARS 63

typedef struct importer {
    const char *name;
    px_csvin_check_fn check;
    void *ctx;
    px_csvin_row_fn row_fn; /* px_csvin_each: rows go here instead */
    void *row_ctx;
    struct csv_parser parser;
    size_t line;     /* physical line being fed, from 1 */
    size_t row_line; /* line on which the current record began */
    bool in_row;
    bool have_header;
    size_t ncols;
    size_t colmap[NCOLUMNS]; /* header column -> columns[] index */
    /* the current record */
    px_buf cells; /* cell texts, each followed by a NUL */
    size_t cell_off[MAX_CELLS];
    size_t cell_len[MAX_CELLS];
    size_t ncells;
    /* results */
    json_t *array;
    px_buf packed;
    px_buf report;
    px_buf summary;
    size_t rows, rejected, in_summary;
    bool summary_full;
    int rc; /* a fatal error: stops the import */
} importer;

/* ---- cell conversion --------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++) {
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* A decimal number with a decimal point: [+-]digits[.digits][e[+-]digits].
 * Independent of the C locale's decimal separator. */
static bool parse_real(const char *s, size_t n, double *out)
{
    char tmp[MAX_NUMBER_CHARS + 1];
    size_t i = 0, mant = 0;

    if (n == 0 || n > MAX_NUMBER_CHARS)
        return false;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (i < n && is_digit(s[i])) {
        i++;
        mant++;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            i++;
            mant++;
        }
    }
    if (mant == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && is_digit(s[i])) {
            i++;
            exp++;
        }
        if (exp == 0)
            return false;
    }
    if (i != n)
        return false;
    /* strtod follows LC_NUMERIC; give it the locale's decimal point. */
    const struct lconv *lc = localeconv();
    char point = (lc && lc->decimal_point && lc->decimal_point[0]) ? lc->decimal_point[0] : '.';
    for (i = 0; i < n; i++)
        tmp[i] = s[i] == '.' ? point : s[i];
    tmp[n] = '\0';
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end != tmp + n || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_int(const char *s, size_t n, long long *out)
{
    size_t i = 0;
    bool neg = false;
    unsigned long long v = 0;

    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i++;
    }
    if (i == n || n - i > 18)
        return false;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = neg ? -(long long)v : (long long)v;
    return true;
}

/* Convert one non-empty cell to its JSON value. PX_OK with *out, PX_ESCHEMA
 * with a detail naming the field, or PX_ENOMEM. */
static int convert_cell(const struct column *col, const char *s, size_t n, json_t **out)
{
    char shown[64];
    *out = NULL;
    if (col->type == C_STR) {
        if (!px_utf8_valid(s, n))
            return px_err_set(PX_ESCHEMA,
                              "field '%s': the text is not valid UTF-8 (save the file "
                              "as UTF-8)",
                              col->name);
        if (memchr(s, '\0', n))
            return px_err_set(PX_ESCHEMA, "field '%s': the text contains a NUL character",
                              col->name);
        *out = json_stringn_nocheck(s, n);
    } else {
        trim(&s, &n);
        px_record_show(shown, sizeof shown, s, n);
        if (col->type == C_REAL) {
            double v = 0;
            if (!parse_real(s, n, &v)) {
                const char *comma = memchr(s, ',', n);
                if (comma && memchr(comma + 1, ',', n - (size_t)(comma - s) - 1) == NULL)
                    return px_err_set(PX_ESCHEMA,
                                      "field '%s': '%s' is not a number; use a decimal point, "
                                      "e.g. 4.57",
                                      col->name, shown);
                return px_err_set(PX_ESCHEMA, "field '%s': '%s' is not a number", col->name, shown);
            }
            *out = json_real(v);
        } else if (col->type == C_INT) {
            long long v = 0;
            if (!parse_int(s, n, &v))
                return px_err_set(PX_ESCHEMA,
                                  "field '%s': '%s' is not a whole number (digits only, no "
                                  "separators)",
                                  col->name, shown);
            *out = json_integer(v);
        } else if (col->type == C_VERSION) {
            long long v = 0;
            if (n > 0 && is_digit(s[0]) && (s[0] != '0' || n == 1) && parse_int(s, n, &v))
                *out = json_integer(v); /* "01", "+1" stay text, which the schema refuses */
            else if (!px_utf8_valid(s, n) || memchr(s, '\0', n))
                return px_err_set(PX_ESCHEMA,
                                  "field '%s': '%s' is not a version (\"1\", \"1.0\", \"1.2.0\")",
                                  col->name, shown);
            else
                *out = json_stringn_nocheck(s, n);
        } else {
            if (eq_nocase(s, n, "true") || eq_nocase(s, n, "yes") || eq_nocase(s, n, "1"))
                *out = json_true();
            else if (eq_nocase(s, n, "false") || eq_nocase(s, n, "no") || eq_nocase(s, n, "0"))
                *out = json_false();
            else
                return px_err_set(PX_ESCHEMA, "field '%s': '%s' is not true or false", col->name,
                                  shown);
        }
    }
    return *out ? PX_OK : PX_ENOMEM;
}

/* ---- rejections -------------------------------------------------------- */

static void fail(importer *im, int rc)
{
    if (im->rc == PX_OK)
        im->rc = rc;
}

static void reject(importer *im, size_t line, const char *reason)
{
    char piece[640];
    im->rejected++;
    if (im->rejected <= MAX_LISTED) {
        int n = snprintf(piece, sizeof piece, "  line %zu: %s\n", line, reason);
        if (n > 0 && px_buf_append(&im->report, piece, strlen(piece)) != PX_OK)
            fail(im, PX_ENOMEM);
    }
    if (im->summary_full)
        return;
    int n =
        snprintf(piece, sizeof piece, "%sline %zu: %s", im->in_summary ? "; " : "", line, reason);
    size_t plen = strlen(piece);
    if (n < 0 || (im->in_summary > 0 && im->summary.len + plen > DETAIL_BUDGET)) {
        im->summary_full = true;
        return;
    }
    if (px_buf_append(&im->summary, piece, plen) != PX_OK) {
        fail(im, PX_ENOMEM);
        return;
    }
    im->in_summary++;
}

/* ---- header and rows --------------------------------------------------- */

static const char *cell_text(const importer *im, size_t i)
{
    return (const char *)im->cells.data + im->cell_off[i];
}

static void header(importer *im)
{
    char shown[64];
    bool seen[NCOLUMNS] = {false};
    size_t line = im->row_line;

    if (im->ncells > NCOLUMNS) {
        fail(im, px_err_set(PX_ESCHEMA,
                            "%s: line %zu: the header has %zu columns, but a benchmark has only "
                            "%zu fields: " COLUMN_LIST,
                            im->name, line, im->ncells, NCOLUMNS));
        return;
    }
    for (size_t i = 0; i < im->ncells; i++) {
        const char *s = cell_text(im, i);
        size_t n = im->cell_len[i];
        trim(&s, &n);
        if (n == 0) {
            fail(im, px_err_set(PX_ESCHEMA,
                                "%s: line %zu: column %zu of the header has no name; name every "
                                "column (" COLUMN_LIST ")",
                                im->name, line, i + 1));
            return;
        }
        size_t c = 0;
        while (c < NCOLUMNS && !eq_nocase(s, n, columns[c].name))
            c++;
        if (c == NCOLUMNS) {
            fail(im, px_err_set(PX_ESCHEMA,
                                "%s: line %zu: column %zu '%s' is not a benchmark field; the "
                                "fields are " COLUMN_LIST,
                                im->name, line, i + 1, px_record_show(shown, sizeof shown, s, n)));
            return;
        }
        if (seen[c]) {
            fail(im,
                 px_err_set(PX_ESCHEMA, "%s: line %zu: column %zu '%s' appears twice in the header",
                            im->name, line, i + 1, columns[c].name));
            return;
        }
        seen[c] = true;
        im->colmap[i] = c;
    }
    for (size_t c = 0; c < NCOLUMNS; c++) {
        if (columns[c].required && !seen[c]) {
            fail(im, px_err_set(PX_ESCHEMA,
                                "%s: line %zu: the header has no '%s' column; benchmarks need "
                                "indicator, country, period and value",
                                im->name, line, columns[c].name));
            return;
        }
    }
    im->ncols = im->ncells;
    im->have_header = true;
}

/* Check one converted row; PX_OK, PX_ESCHEMA (detail = reason) or fatal. */
static int check_row(importer *im, const json_t *obj)
{
    int rc;
    px_buf_reset(&im->packed);
    rc = px_json_to_msgpack(obj, &im->packed);
    if (rc)
        return rc == PX_EINVAL ? PX_ESCHEMA : rc;
    if (im->check == NULL)
        return px_record_validate("benchmark", im->packed.data, im->packed.len);
    px_benchmark b;
    rc = px_benchmark_decode(im->packed.data, im->packed.len, &b);
    if (rc == PX_OK)
        rc = im->check(im->ctx, &b);
    px_benchmark_free(&b);
    return rc;
}

/* px_csvin_each's form of row(): every cell that cannot be converted is
 * reported; a row whose cells all convert goes to row_fn as an object. */
static void row_each(importer *im, size_t line)
{
    json_t *obj = json_object();
    bool bad = false;
    int rc = obj ? PX_OK : PX_ENOMEM;
    for (size_t i = 0; !rc && i < im->ncols; i++) {
        const struct column *col = &columns[im->colmap[i]];
        const char *s = cell_text(im, i);
        size_t n = im->cell_len[i];
        json_t *v = NULL;
        trim(&s, &n);
        if (n == 0)
            continue;
        rc = convert_cell(col, s, n, &v);
        if (rc == PX_ESCHEMA) {
            bad = true;
            rc = im->row_fn(im->row_ctx, im->rows, line, NULL, col->name, px_err_detail());
        } else if (!rc && json_object_set_new(obj, col->name, v) != 0) {
            rc = PX_ENOMEM;
        }
    }
    if (!rc && !bad)
        rc = im->row_fn(im->row_ctx, im->rows, line, obj, NULL, NULL);
    json_decref(obj);
    if (rc)
        fail(im, rc);
}

static void row(importer *im)
{
    char reason[160];
    json_t *obj = NULL;
    size_t line = im->row_line;
    int rc = PX_OK;
    bool empty = true;

    for (size_t i = 0; i < im->ncells && i < MAX_CELLS; i++) {
        const char *s = cell_text(im, i);
        size_t n = im->cell_len[i];
        trim(&s, &n);
        if (n)
            empty = false;
    }
    if (empty && im->ncells <= MAX_CELLS)
        return; /* a line of separators only, as spreadsheets write them */
    im->rows++;
    if (im->ncells != im->ncols) {
        snprintf(reason, sizeof reason, "the row has %zu cells, but the header has %zu columns",
                 im->ncells, im->ncols);
        if (im->row_fn) {
            rc = im->row_fn(im->row_ctx, im->rows, line, NULL, "", reason);
            if (rc)
                fail(im, rc);
            return;
        }
        reject(im, line, reason);
        return;
    }
    if (im->row_fn) {
        row_each(im, line);
        return;
    }
    obj = json_object();
    if (obj == NULL) {
        rc = PX_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < im->ncols; i++) {
        const struct column *col = &columns[im->colmap[i]];
        const char *s = cell_text(im, i);
        size_t n = im->cell_len[i];
        json_t *v = NULL;
        trim(&s, &n);
        if (n == 0)
            continue;
        rc = convert_cell(col, s, n, &v);
        if (rc)
            goto out;
        if (json_object_set_new(obj, col->name, v) != 0) {
            rc = PX_ENOMEM;
            goto out;
        }
    }
    rc = check_row(im, obj);
    if (rc)
        goto out;
    if (im->rejected == 0) {
        if (json_array_append_new(im->array, obj) != 0) {
            obj = NULL;
            rc = PX_ENOMEM;
            goto out;
        }
        obj = NULL;
    }
out:
    json_decref(obj);
    if (rc == PX_ESCHEMA)
        reject(im, line, px_err_detail());
    else if (rc)
        fail(im, rc);
}

static void cell(void *s, size_t len, void *data)
{
    importer *im = data;
    if (im->rc)
        return;
    if (im->ncells < MAX_CELLS) {
        im->cell_off[im->ncells] = im->cells.len;
        im->cell_len[im->ncells] = len;
        if (px_buf_append(&im->cells, s ? s : "", len) != PX_OK ||
            px_buf_append(&im->cells, "", 1) != PX_OK) {
            fail(im, PX_ENOMEM);
            return;
        }
    }
    im->ncells++;
}

static void row_end(int c, void *data)
{
    importer *im = data;
    (void)c;
    if (im->rc == PX_OK) {
        if (im->have_header)
            row(im);
        else
            header(im);
    }
    px_buf_reset(&im->cells);
    im->ncells = 0;
    im->in_row = false;
}

/* ---- driver ------------------------------------------------------------ */

/* libcsv's idea of a space to trim, without the tab (the separator). */
static int is_space_not_tab(unsigned char c)
{
    return c == ' ';
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    }
    return true;
}

/* The separator of the first non-blank line: a tab, ';' or ',', whichever
 * occurs most often outside quotes (',' on a tie or when none occurs). */
static unsigned char detect_separator(const char *s, size_t n)
{
    size_t i = 0, commas = 0, semis = 0, tabs = 0;
    bool quoted = false, content = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r') && content)
            break;
        else if (!quoted && c == ',')
            commas++;
        else if (!quoted && c == ';')
            semis++;
        else if (!quoted && c == '\t' && content)
            tabs++;
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            content = true;
    }
    if (tabs > commas && tabs > semis)
        return '\t';
    return semis > commas ? ';' : ',';
}

/* Parse the complete lines of data[0..len) (all of them when final; else a
 * line whose end is not seen yet, or that ends in a CR that may be the
 * first half of CRLF, waits). Returns the bytes consumed. */
static size_t feed_lines(importer *im, const char *data, size_t len, bool final)
{
    size_t pos = 0;
    while (pos < len && im->rc == PX_OK) {
        size_t end = pos;
        while (end < len && data[end] != '\n' && data[end] != '\r')
            end++;
        if (end == len && !final)
            break;
        if (end < len) {
            if (data[end] == '\r' && end + 1 == len && !final)
                break;
            end += (data[end] == '\r' && end + 1 < len && data[end + 1] == '\n') ? 2 : 1;
        }
        im->line++;
        if (!im->in_row && !blank(data + pos, end - pos)) {
            im->row_line = im->line;
            im->in_row = true;
        }
        size_t done = csv_parse(&im->parser, data + pos, end - pos, cell, row_end, im);
        if (done != end - pos && im->rc == PX_OK) {
            if (csv_error(&im->parser) == CSV_EPARSE)
                fail(im, px_err_set(PX_EFORMAT,
                                    "%s: line %zu: malformed quotes; quote a whole field "
                                    "(\"like this\") and double a quote inside it (\"\")",
                                    im->name, im->line));
            else
                fail(im, PX_ENOMEM);
        }
        pos = end;
    }
    return pos;
}

static void fini(importer *im)
{
    if (im->rc == PX_OK && csv_fini(&im->parser, cell, row_end, im) != 0 && im->rc == PX_OK)
        fail(im, px_err_set(PX_EFORMAT,
                            "%s: line %zu: a quoted field is not closed by the end of the file",
                            im->name, im->row_line));
}

static void feed(importer *im, const char *data, size_t len)
{
    feed_lines(im, data, len, true);
    fini(im);
}

int px_csvin_benchmarks(const char *name, const char *data, size_t len, px_csvin_check_fn check,
                        void *ctx, json_t **out, char **report)
{
    importer im;
    int rc = PX_OK;
    bool parser_ready = false;

    *out = NULL;
    if (report)
        *report = NULL;
    memset(&im, 0, sizeof im);
    im.name = name ? name : "CSV";
    im.check = check;
    im.ctx = ctx;
    if (data == NULL && len > 0) {
        rc = px_err_set(PX_EINVAL, "%s: no data", im.name);
        goto out;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (blank(data, len)) {
        rc = px_err_set(PX_EFORMAT,
                        "%s is empty; its first line must name the fields, e.g. "
                        "indicator,country,period,value",
                        im.name);
        goto out;
    }
    im.array = json_array();
    if (im.array == NULL || csv_init(&im.parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
        rc = PX_ENOMEM;
        goto out;
    }
    parser_ready = true;
    unsigned char sep = detect_separator(data, len);
    csv_set_delim(&im.parser, sep);
    if (sep == '\t')
        csv_set_space_func(&im.parser, is_space_not_tab);
    feed(&im, data, len);
    rc = im.rc;
    if (rc)
        goto out;
    if (im.rejected) {
        const char *rows = im.rejected == 1 ? "row" : "rows";
        char more[64] = "";
        if (im.in_summary < im.rejected)
            snprintf(more, sizeof more, "; and %zu more", im.rejected - im.in_summary);
        rc = px_err_set(PX_ESCHEMA, "%s: %zu %s rejected: %.*s%s", im.name, im.rejected, rows,
                        (int)im.summary.len, im.summary.data ? (char *)im.summary.data : "", more);
        if (report) {
            char head[256], tail[96] = "";
            snprintf(head, sizeof head, "%s: %zu %s rejected:\n", im.name, im.rejected, rows);
            if (im.rejected > MAX_LISTED)
                snprintf(tail, sizeof tail, "  and %zu more rows\n", im.rejected - MAX_LISTED);
            size_t hn = strlen(head), tn = strlen(tail);
            char *r = malloc(hn + im.report.len + tn + 1);
            if (r == NULL) {
                rc = PX_ENOMEM;
                goto out;
            }
            memcpy(r, head, hn);
            if (im.report.len)
                memcpy(r + hn, im.report.data, im.report.len);
            memcpy(r + hn + im.report.len, tail, tn + 1);
            *report = r;
        }
        goto out;
    }
    if (!im.have_header) {
        rc = px_err_set(PX_EFORMAT, "%s has no header line naming the fields", im.name);
        goto out;
    }
    if (im.rows == 0) {
        rc = px_err_set(PX_ESCHEMA, "%s: no benchmark rows below the header", im.name);
        goto out;
    }
    *out = im.array;
    im.array = NULL;
out:
    if (parser_ready)
        csv_free(&im.parser);
    json_decref(im.array);
    px_buf_free(&im.cells);
    px_buf_free(&im.packed);
    px_buf_free(&im.report);
    px_buf_free(&im.summary);
    return rc;
}

/* ---- streaming ------------------------------------------------------------ */

struct px_csvin {
    importer im;
    px_buf carry; /* bytes not parsed yet: the start of an incomplete line */
    bool started; /* BOM handled, separator chosen */
    bool content; /* a non-blank byte was seen */
    bool parser_ready;
};

int px_csvin_open(const char *name, px_csvin_row_fn fn, void *ctx, px_csvin **out)
{
    px_csvin *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return PX_ENOMEM;
    c->im.name = name ? name : "CSV";
    c->im.row_fn = fn;
    c->im.row_ctx = ctx;
    if (csv_init(&c->im.parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
        free(c);
        return PX_ENOMEM;
    }
    c->parser_ready = true;
    *out = c;
    return PX_OK;
}

/* Whether the carry holds the whole first non-blank line (outside quotes),
 * which the separator is chosen from. */
static bool header_seen(const px_buf *b)
{
    bool content = false, quoted = false;
    for (size_t i = 0; i < b->len; i++) {
        char ch = (char)b->data[i];
        if (ch == '"')
            quoted = !quoted;
        else if (!quoted && (ch == '\n' || ch == '\r') && content)
            return true;
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            content = true;
    }
    return false;
}

static int process(px_csvin *c, bool final)
{
    importer *im = &c->im;
    const char *d = (const char *)c->carry.data;
    size_t n = c->carry.len, off = 0;
    if (!c->started) {
        if (!final && n < 3 + PX_CSVIN_MAX_LINE && !header_seen(&c->carry))
            return PX_OK;
        if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
            off = 3;
        unsigned char sep = detect_separator(d + off, n - off);
        csv_set_delim(&im->parser, sep);
        if (sep == '\t') /* a tab is data, not a space to trim, in a tab-separated file */
            csv_set_space_func(&im->parser, is_space_not_tab);
        c->started = true;
    }
    if (!c->content && !blank(d + off, n - off))
        c->content = true;
    size_t used = off + feed_lines(im, d + off, n - off, final);
    if (used < n)
        memmove(c->carry.data, c->carry.data + used, n - used);
    c->carry.len = n - used;
    if (im->rc)
        return im->rc;
    if (c->carry.len > PX_CSVIN_MAX_LINE)
        fail(im, px_err_set(PX_ETOOBIG, "%s: line %zu is longer than %u MiB; is this a CSV file?",
                            im->name, im->line + 1, PX_CSVIN_MAX_LINE >> 20));
    return im->rc;
}

int px_csvin_feed(px_csvin *c, const char *data, size_t len)
{
    if (c->im.rc)
        return c->im.rc;
    int rc = px_buf_append(&c->carry, data, len);
    return rc ? rc : process(c, false);
}

int px_csvin_close(px_csvin *c)
{
    int rc;
    if (!c)
        return PX_OK;
    rc = c->im.rc ? c->im.rc : process(c, true);
    if (!rc) {
        fini(&c->im);
        rc = c->im.rc;
    }
    if (!rc && !c->content)
        rc = px_err_set(PX_EFORMAT,
                        "%s is empty; its first line must name the fields, e.g. "
                        "indicator,country,period,value",
                        c->im.name);
    else if (!rc && !c->im.have_header)
        rc = px_err_set(PX_EFORMAT, "%s has no header line naming the fields", c->im.name);
    else if (!rc && c->im.rows == 0)
        rc = px_err_set(PX_ESCHEMA, "%s: no benchmark rows below the header", c->im.name);
    if (c->parser_ready)
        csv_free(&c->im.parser);
    px_buf_free(&c->carry);
    px_buf_free(&c->im.cells);
    px_buf_free(&c->im.packed);
    px_buf_free(&c->im.report);
    px_buf_free(&c->im.summary);
    free(c);
    return rc;
}

int px_csvin_each(const char *name, const char *data, size_t len, px_csvin_row_fn fn, void *ctx)
{
    px_csvin *c;
    if (data == NULL && len > 0)
        return px_err_set(PX_EINVAL, "%s: no data", name ? name : "CSV");
    int rc = px_csvin_open(name, fn, ctx, &c);
    if (rc)
        return rc;
    rc = len ? px_csvin_feed(c, data, len) : PX_OK;
    int crc = px_csvin_close(c);
    return rc ? rc : crc;
}

int px_csvin_benchmarks_file(const char *path, px_csvin_check_fn check, void *ctx, json_t **out,
                             char **report)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (report)
        *report = NULL;
    rc = px_read_file(path, PX_CSVIN_MAX_FILE, &data, &len);
    if (rc)
        goto out;
    rc = px_csvin_benchmarks(strcmp(path, "-") == 0 ? "stdin" : path, (const char *)data, len,
                             check, ctx, out, report);
out:
    free(data);
    return rc;
}
