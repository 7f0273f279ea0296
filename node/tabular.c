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

void px_csv_field(FILE *f, const char *s, size_t n)
{
    bool quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; !quote && i < n; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
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

void px_text_put(FILE *f, const char *s, bool multi_line)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c == '\n') {
            fputc(multi_line ? '\n' : ' ', f);
            i++;
            continue;
        }
        if (c == '\t') {
            fputc(' ', f);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            fputc('?', f);
            i++;
            continue;
        }
        size_t len = utf8_len(p + i, n - i);
        if (len == 0) {
            fputc('?', f);
            i++;
            continue;
        }
        /* C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8 */
        if (len == 2 && c == 0xc2 && p[i + 1] < 0xa0) {
            fputc('?', f);
            i += 2;
            continue;
        }
        fwrite(p + i, 1, len, f);
        i += len;
    }
}

const char *px_json_str(const json_t *o, const char *key, const char *none)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : none;
}
