/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_text.c — libFuzzer target for what praxis writes of untrusted text
 * (tabular.c): the terminal-safe writer px_text_put, its width-limited form
 * px_text_put_cols, px_utf8_trunc and the CSV field writer px_csv_field.
 *
 * Input: the first byte is a column count (0..255), the rest the text
 * (cut at its first NUL, as the C-string functions see it).
 * Invariants:
 *   - px_text_put output is valid UTF-8 with no C0 control (but LF when
 *     multi-line), no DEL, no C1 control and no bidi embedding, override or
 *     isolate; it takes as many columns as the input; writing it again
 *     changes nothing;
 *   - px_text_put_cols output is the same kind of text, in exactly the
 *     columns asked for (with pad), and never more without;
 *   - px_utf8_trunc gives a prefix within the limit that never ends inside
 *     a character of valid UTF-8 input;
 *   - px_csv_field output, read back as one RFC 4180 field, is the input,
 *     with a "'" before it exactly when px_csv_formula_lead says so.
 */
#include "fuzz_fixtures.h"
#include "records.h"
#include "tabular.h"

static char *put_of(const char *s, bool multi_line)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_ASSERT(f != NULL);
    px_text_put(f, s, multi_line);
    FUZZ_ASSERT(fclose(f) == 0);
    return buf;
}

static void check_safe(const char *s, bool multi_line)
{
    size_t n = strlen(s);
    FUZZ_ASSERT(px_utf8_valid(s, n));
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(p[i] >= 0x20 || (multi_line && p[i] == '\n'));
        FUZZ_ASSERT(p[i] != 0x7f);
        FUZZ_ASSERT(!(p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f));
        if (p[i] == 0xe2 && i + 2 < n) {
            FUZZ_ASSERT(!(p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae));
            FUZZ_ASSERT(!(p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9));
        }
    }
}

/* Read one CSV field back (RFC 4180). */
static char *csv_unquote(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n + 1);
    FUZZ_ASSERT(out != NULL);
    size_t o = 0;
    if (n > 0 && s[0] == '"') {
        FUZZ_ASSERT(n >= 2 && s[n - 1] == '"');
        for (size_t i = 1; i + 1 < n; i++) {
            if (s[i] == '"') {
                FUZZ_ASSERT(i + 2 < n && s[i + 1] == '"'); /* a quote inside is doubled */
                i++;
            }
            out[o++] = s[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            FUZZ_ASSERT(s[i] != '"' && s[i] != ',' && s[i] != '\n' && s[i] != '\r');
            out[o++] = s[i];
        }
    }
    *outlen = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cols = data[0];
    char *text = malloc(size);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t n = strlen(text);

    for (int ml = 0; ml < 2; ml++) {
        char *shown = put_of(text, ml);
        check_safe(shown, ml);
        char *again = put_of(shown, ml);
        FUZZ_ASSERT(strcmp(again, shown) == 0);
        free(again);
        if (!ml)
            FUZZ_ASSERT(px_text_width(shown) == px_text_width(text));
        free(shown);
    }

    for (int pad = 0; pad < 2; pad++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        FUZZ_ASSERT(f != NULL);
        size_t used = px_text_put_cols(f, text, cols, pad);
        FUZZ_ASSERT(fclose(f) == 0);
        check_safe(buf, false);
        FUZZ_ASSERT(px_text_width(buf) == used);
        FUZZ_ASSERT(used <= cols);
        FUZZ_ASSERT(!pad || used == cols);
        if (px_text_width(text) <= cols && !pad) {
            char *shown = put_of(text, false);
            FUZZ_ASSERT(strcmp(shown, buf) == 0); /* fits: written whole */
            free(shown);
        }
        free(buf);
    }

    size_t k = px_utf8_trunc(text, n, cols);
    FUZZ_ASSERT(k <= n && k <= cols);
    if (n <= cols)
        FUZZ_ASSERT(k == n);
    if (px_utf8_valid(text, n))
        FUZZ_ASSERT(px_utf8_valid(text, k));

    /* CSV takes any bytes, NULs included: the whole input after byte 0 */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    FUZZ_ASSERT(f != NULL);
    const char *cell = (const char *)data + 1;
    size_t cell_len = size - 1;
    px_csv_field(f, cell, cell_len);
    FUZZ_ASSERT(fclose(f) == 0);
    size_t back_len;
    char *back = csv_unquote(buf, len, &back_len);
    if (px_csv_formula_lead(cell, cell_len)) {
        FUZZ_ASSERT(back_len == cell_len + 1 && back[0] == '\'');
        FUZZ_ASSERT(memcmp(back + 1, cell, cell_len) == 0);
    } else {
        FUZZ_ASSERT(back_len == cell_len && memcmp(back, cell, cell_len) == 0);
    }
    free(back);
    free(buf);
    free(text);
    return 0;
}
