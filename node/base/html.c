/* SPDX-License-Identifier: Apache-2.0 */
/*
 * html.c — the one HTML escaping rule (see html.h), shared by the web
 * interface (web.h) and the static HTML report (report.h).
 */
#include "html.h"

#include "error.h"

#include <stdio.h>
#include <string.h>

/* Decode one UTF-8 sequence at p (n bytes left). OUT *cp; returns its
 * length, or 0 if invalid (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_one(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static bool shown_as_code(uint32_t cp)
{
    if (cp < 0x20)
        return cp != '\t' && cp != '\n' && cp != '\r';
    return cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

int px_html_append(px_buf *out, const char *text, size_t n)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0, run = 0; /* run: bytes copied as they are, pending */
    int rc = PX_OK;
    if (!text)
        return PX_OK;
    while (i < n && !rc) {
        uint32_t cp;
        size_t len = utf8_one(p + i, n - i, &cp);
        const char *rep = NULL;
        char code[16];
        if (len == 0) {
            rep = "\xEF\xBF\xBD"; /* U+FFFD */
            len = 1;
        } else if (cp == '&') {
            rep = "&amp;";
        } else if (cp == '<') {
            rep = "&lt;";
        } else if (cp == '>') {
            rep = "&gt;";
        } else if (cp == '"') {
            rep = "&quot;";
        } else if (cp == '\'') {
            rep = "&#39;";
        } else if (shown_as_code(cp)) {
            snprintf(code, sizeof code, "[U+%04X]", (unsigned)cp);
            rep = code;
        }
        if (!rep) {
            i += len;
            run += len;
            continue;
        }
        if (run)
            rc = px_buf_append(out, p + i - run, run);
        run = 0;
        if (!rc)
            rc = px_buf_append(out, rep, strlen(rep));
        i += len;
    }
    if (!rc && run)
        rc = px_buf_append(out, p + i - run, run);
    return rc;
}
