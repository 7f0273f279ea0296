/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tabular.c — CSV fields and rows, number formatting and terminal-safe text
 * (see tabular.h).
 */
#include "tabular.h"

#include "records.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool px_csv_formula_lead(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    return i < n && (s[i] == '=' || s[i] == '+' || s[i] == '-' || s[i] == '@' || s[i] == '\t' ||
                     s[i] == '\r');
}

void px_csv_field(FILE *f, const char *s, size_t n)
{
    /* A spreadsheet would read this text as a formula: a quote before it
     * (inside the field's quotes, if any) makes it text there (EXPORTS.md
     * 2). Numbers never come here. */
    bool formula = px_csv_formula_lead(s, n);
    bool quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; !quote && i < n; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        if (formula)
            fputc('\'', f);
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

void px_csv_header(FILE *f, const char *const *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            fputc(',', f);
        px_csv_field(f, cols[i], strlen(cols[i]));
    }
    fputs("\r\n", f);
}

const char *px_num_format(char *out, double v)
{
    if (!isfinite(v)) {
        out[0] = '\0';
        return out;
    }
    snprintf(out, 32, "%.15g", v);
    if (strchr(out, 'e') && fabs(v) < 1e15 && fabs(v) >= 1e-6) {
        /* %g chose an exponent for a number people write plainly */
        snprintf(out, 32, "%.6f", v);
        char *end = out + strlen(out) - 1;
        while (end > out && *end == '0')
            *end-- = '\0';
        if (*end == '.')
            *end = '\0';
    }
    return out;
}

const char *px_num_fixed(char *out, double v, int decimals)
{
    if (!isfinite(v)) {
        out[0] = '\0';
        return out;
    }
    if (decimals < 0 || decimals > 10)
        decimals = 1;
    /* Round half away from zero on the decimal value people see (91.45
     * stored as 91.4499999... still rounds to 91.5). */
    double scale = pow(10, decimals);
    double r = round(v * scale * (1 + 4 * 2.220446049250313e-16)) / scale;
    snprintf(out, 32, "%.*f", decimals, r == 0 ? 0.0 : r);
    return out;
}

static void value_put(FILE *f, const json_t *v)
{
    char num[32];
    const char *s;
    switch (json_typeof(v)) {
    case JSON_STRING:
        px_csv_field(f, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        fprintf(f, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        s = px_num_format(num, json_real_value(v));
        fputs(s, f);
        break;
    case JSON_TRUE:
        fputs("true", f);
        break;
    case JSON_FALSE:
        fputs("false", f);
        break;
    case JSON_ARRAY: {
        /* "a; b; c", quoted as one field when needed */
        size_t total = 0, i;
        json_t *it;
        json_array_foreach(v, i, it) if (json_is_string(it)) total += json_string_length(it) + 2;
        char *joined = malloc(total + 1);
        if (!joined)
            break;
        size_t at = 0;
        json_array_foreach(v, i, it)
        {
            if (!json_is_string(it))
                continue;
            if (at) {
                memcpy(joined + at, "; ", 2);
                at += 2;
            }
            memcpy(joined + at, json_string_value(it), json_string_length(it));
            at += json_string_length(it);
        }
        px_csv_field(f, joined, at);
        free(joined);
        break;
    }
    default:
        break;
    }
}

void px_csv_row(FILE *f, const json_t *row, const char *const *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            fputc(',', f);
        const json_t *v = json_object_get(row, cols[i]);
        if (v)
            value_put(f, v);
    }
    fputs("\r\n", f);
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xe0) == 0xc0 ? 2
                 : (s[0] & 0xf0) == 0xe0 ? 3
                 : (s[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    if (len == 0 || len > n)
        return 0;
    return px_utf8_valid((const char *)s, len) ? len : 0;
}

static uint32_t utf8_cp(const unsigned char *s, size_t len)
{
    switch (len) {
    case 1:
        return s[0];
    case 2:
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    case 3:
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
    default:
        return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
               (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
    }
}

/* Columns a printable code point takes on a terminal: 0 for combining
 * marks, zero-width characters and variation selectors, 2 for East Asian
 * wide and full-width characters, 1 otherwise. An approximation of
 * wcwidth() that does not depend on the locale. */
static size_t cp_width(uint32_t cp)
{
    static const uint32_t zero[][2] = {
        {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd},  {0x0610, 0x061a}, {0x064b, 0x065f},
        {0x0670, 0x0670}, {0x06d6, 0x06dc}, {0x0900, 0x0902},  {0x093c, 0x093c}, {0x0941, 0x0948},
        {0x094d, 0x094d}, {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff},  {0x200b, 0x200d}, {0x20d0, 0x20ff},
        {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xe0100, 0xe01ef}};
    static const uint32_t wide[][2] = {{0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},
                                       {0x3400, 0x4dbf},   {0x4e00, 0x9fff},   {0xa000, 0xa4cf},
                                       {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe30, 0xfe4f},
                                       {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
                                       {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd}};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

/* The C1 control at p (as UTF-8: 0xC2 0x80..0x9F), or -1. */
static int c1_at(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f ? p[1] : -1;
}

/* The end of the parameters, intermediates and final byte of a control
 * sequence whose body starts at p[i]: through the final byte when there is
 * one, else through the last parameter or intermediate byte. */
static size_t csi_end(const unsigned char *p, size_t n, size_t i)
{
    while (i < n && p[i] >= 0x30 && p[i] <= 0x3f)
        i++;
    while (i < n && p[i] >= 0x20 && p[i] <= 0x2f)
        i++;
    if (i < n && p[i] >= 0x40 && p[i] <= 0x7e)
        i++;
    return i;
}

/* Text being shown, scanned from the start to the end. */
typedef struct scan {
    const unsigned char *p;
    size_t n;
    bool multi_line;
    /* No control-string terminator lies at or after this offset (learnt
     * by one failed search), so a text of many unterminated introducers
     * costs one search, not one per introducer. */
    size_t no_end_from;
} scan;

/* The end of a control string (OSC, DCS, SOS, PM, APC) whose body starts at
 * p[i]: just past its terminator (BEL, ESC \ or ST), or 0 when it has none
 * (then only the introducer is dropped and the rest is shown as text). */
static size_t string_end(scan *sc, size_t i)
{
    const unsigned char *p = sc->p;
    size_t n = sc->n;
    if (i >= sc->no_end_from)
        return 0;
    for (size_t j = i; j < n; j++) {
        if (p[j] == 0x07)
            return j + 1;
        if (p[j] == 0x1b && j + 1 < n && p[j + 1] == '\\')
            return j + 2;
        if (c1_at(p + j, n - j) == 0x9c)
            return j + 2;
    }
    sc->no_end_from = i;
    return 0;
}

/* Bidirectional embeddings, overrides and isolates: U+202A..U+202E and
 * U+2066..U+2069 (they reorder what follows them on the screen). */
static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* One thing to show: bytes [i, i + used) of the input appear as out[0..len)
 * taking cols columns. */
typedef struct unit {
    size_t used;
    const char *out;
    size_t len;
    size_t cols;
} unit;

static void next_unit(scan *sc, size_t i, unit *u)
{
    static const char q[] = "?", sp[] = " ", nl[] = "\n";
    const unsigned char *p = sc->p;
    size_t n = sc->n;
    bool multi_line = sc->multi_line;
    unsigned char c = p[i];
    int c1;
    *u = (unit){.used = 1, .out = q, .len = 1, .cols = 1};
    if (c == '\n') {
        u->out = multi_line ? nl : sp;
        u->cols = multi_line ? 0 : 1;
        return;
    }
    if (c == '\t') {
        u->out = sp;
        return;
    }
    if (c == 0x1b) { /* ESC: the whole escape sequence becomes one '?' */
        unsigned char d = i + 1 < n ? p[i + 1] : 0;
        size_t end;
        if (d == '[')
            u->used = csi_end(p, n, i + 2) - i;
        else if ((d == ']' || d == 'P' || d == 'X' || d == '^' || d == '_') &&
                 (end = string_end(sc, i + 2)) != 0)
            u->used = end - i;
        else if (d >= 0x20 && d <= 0x2f) { /* nF: intermediates, then a final byte */
            size_t j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] <= 0x2f)
                j++;
            u->used = (j < n && p[j] >= 0x30 && p[j] <= 0x7e ? j + 1 : j) - i;
        } else if (d >= 0x30 && d <= 0x7e)
            u->used = 2;
        return;
    }
    if (c < 0x20 || c == 0x7f)
        return;
    if ((c1 = c1_at(p + i, n - i)) >= 0) { /* C1 controls, U+0080..U+009F */
        size_t end;
        u->used = 2;
        if (c1 == 0x9b)
            u->used = csi_end(p, n, i + 2) - i;
        else if ((c1 == 0x90 || c1 == 0x98 || c1 == 0x9d || c1 == 0x9e || c1 == 0x9f) &&
                 (end = string_end(sc, i + 2)) != 0)
            u->used = end - i;
        return;
    }
    size_t len = utf8_len(p + i, n - i);
    if (len == 0)
        return; /* a byte that is not UTF-8 */
    uint32_t cp = utf8_cp(p + i, len);
    u->used = len;
    if (is_bidi_control(cp))
        return;
    if (cp == 0x2028 || cp == 0x2029) { /* line and paragraph separators */
        u->out = multi_line ? nl : sp;
        u->cols = multi_line ? 0 : 1;
        return;
    }
    u->out = (const char *)p + i;
    u->len = len;
    u->cols = cp_width(cp);
}

void px_text_put(FILE *f, const char *s, bool multi_line)
{
    if (!s)
        return;
    scan sc = {(const unsigned char *)s, strlen(s), multi_line, SIZE_MAX};
    unit u;
    for (size_t i = 0; i < sc.n; i += u.used) {
        next_unit(&sc, i, &u);
        fwrite(u.out, 1, u.len, f);
    }
}

size_t px_text_width(const char *s)
{
    scan sc = {(const unsigned char *)(s ? s : ""), s ? strlen(s) : 0, false, SIZE_MAX};
    size_t cols = 0;
    unit u;
    for (size_t i = 0; i < sc.n; i += u.used) {
        next_unit(&sc, i, &u);
        cols += u.cols;
    }
    return cols;
}

size_t px_text_put_cols(FILE *f, const char *s, size_t cols, bool pad)
{
    static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026, one column */
    scan sc = {(const unsigned char *)(s ? s : ""), s ? strlen(s) : 0, false, SIZE_MAX};
    size_t used = 0;
    bool cut = px_text_width(s) > cols;
    size_t room = cut && cols > 0 ? cols - 1 : cols;
    unit u;
    for (size_t i = 0; i < sc.n; i += u.used) {
        next_unit(&sc, i, &u);
        if (used + u.cols > room)
            break;
        fwrite(u.out, 1, u.len, f);
        used += u.cols;
    }
    if (cut && cols > 0) {
        fputs(ellipsis, f);
        used++;
    }
    for (; pad && used < cols; used++)
        fputc(' ', f);
    return used;
}

size_t px_utf8_trunc(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t len = max;
    /* s[len] is the first byte left out: step back while it continues the
     * character before it (at most 3 bytes: a longer run is not UTF-8) */
    for (int k = 0; k < 3 && len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80; k++)
        len--;
    return ((unsigned char)s[len] & 0xc0) == 0x80 ? max : len;
}

const char *px_json_str(const json_t *o, const char *key, const char *none)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : none;
}
