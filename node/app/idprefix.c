/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idprefix.c — unique hex prefixes of ids and keys (see idprefix.h).
 *
 * A prefix is turned into the range of 32-byte values that begin with it
 * (the missing digits all 0 for the low end, all f for the high end), and
 * the stored ids in that range are read through the unique index on them:
 * a lookup costs one index seek whatever the store's size.
 */
#include "idprefix.h"

#include "error.h"
#include "storeinfo.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { SHOW_MAX = 4 }; /* candidates named in an ambiguity error */

typedef struct cand {
    uint8_t v[32];
    char what[24]; /* kind of entry, or role of key */
} cand;

typedef struct range {
    uint8_t lo[32], hi[32];
    size_t digits;
} range;

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Check hex and fill r; PX_OK, PX_EINVAL (with a detail). */
static int parse(const char *hex, const char *what, range *r)
{
    size_t n = strlen(hex);
    for (size_t i = 0; i < n; i++)
        if (hexval(tolower((unsigned char)hex[i])) < 0) {
            /* name the character only when it prints as itself */
            unsigned char ch = (unsigned char)hex[i];
            if (ch > 32 && ch < 127 && ch != '\'')
                return px_err_set(PX_EINVAL, "%s '%.64s' is not hex: '%c' is not one of 0-9, a-f",
                                  what, hex, ch);
            return px_err_set(PX_EINVAL, "%s is not hex: character %zu is not one of 0-9, a-f",
                              what, i + 1);
        }
    if (n > 64)
        return px_err_set(PX_EINVAL, "%s '%.16s...' is longer than 64 hex digits", what, hex);
    if (n < PX_PREFIX_MIN)
        return px_err_set(PX_EINVAL,
                          "%s '%s' is too short: give at least %d hex digits (or all 64)", what,
                          hex, PX_PREFIX_MIN);
    memset(r->lo, 0x00, 32);
    memset(r->hi, 0xff, 32);
    for (size_t i = 0; i < n; i++) {
        int d = hexval(tolower((unsigned char)hex[i]));
        if (i % 2 == 0) {
            r->lo[i / 2] = (uint8_t)(d << 4);
            r->hi[i / 2] = (uint8_t)(d << 4 | 0x0f);
        } else {
            r->lo[i / 2] |= (uint8_t)d;
            r->hi[i / 2] = (uint8_t)((r->hi[i / 2] & 0xf0) | d);
        }
    }
    r->digits = n;
    return PX_OK;
}

static bool in_range(const range *r, const uint8_t v[32])
{
    return memcmp(v, r->lo, 32) >= 0 && memcmp(v, r->hi, 32) <= 0;
}

/* Add v to the list unless it is there; *n counts all distinct ones, the
 * first SHOW_MAX + 1 are kept. */
static void add(cand *c, size_t *n, const uint8_t v[32], const char *what)
{
    size_t kept = *n < SHOW_MAX + 1 ? *n : SHOW_MAX + 1;
    for (size_t i = 0; i < kept; i++)
        if (memcmp(c[i].v, v, 32) == 0)
            return;
    if (*n < SHOW_MAX + 1) {
        memcpy(c[*n].v, v, 32);
        snprintf(c[*n].what, sizeof c[*n].what, "%s", what);
    }
    (*n)++;
}

/* The one candidate, or the error naming them all. */
static int decide(const cand *c, size_t n, const char *hex, const char *what, const char *noun,
                  const char *nouns, uint8_t out[32])
{
    if (n == 1) {
        memcpy(out, c[0].v, 32);
        return PX_OK;
    }
    if (n == 0)
        return px_err_set(PX_ENOENT, "no %s held here begins with %s '%s'", noun, what, hex);
    char list[SHOW_MAX * 96] = "", line[96], h[65];
    size_t len = 0;
    for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
        px_hex_encode(h, c[i].v, 32);
        int k = snprintf(line, sizeof line, "\n  %s  %s", h, c[i].what);
        if (k > 0 && len + (size_t)k < sizeof list) {
            memcpy(list + len, line, (size_t)k + 1);
            len += (size_t)k;
        }
    }
    return px_err_set(PX_EINVAL,
                      "%s '%s' is ambiguous: %zu %s held here begin with it%s%s\ngive more digits",
                      what, hex, n, nouns, list, n > SHOW_MAX ? "\n  ..." : "");
}

static int full(const char *hex, const char *what, uint8_t out[32])
{
    if (strlen(hex) != 64)
        return PX_EAGAIN;
    if (px_hex_decode(out, 32, hex) != PX_OK)
        return px_err_set(PX_EINVAL, "%s '%s' is not 64 hex digits", what, hex);
    return PX_OK;
}

typedef struct scan_ctx {
    cand *c;
    size_t *n;
} scan_ctx;

static void scan_add(void *ctx, const uint8_t v[32], const char *label)
{
    scan_ctx *x = ctx;
    add(x->c, x->n, v, label);
}

/* The ids of set in the range. LIMIT: enough to tell one from many and to
 * name a few. */
static int scan(px_store *s, px_idset set, const range *r, cand *c, size_t *n)
{
    scan_ctx x = {c, n};
    return px_store_ids_between(s, set, r->lo, r->hi, 1000, scan_add, &x);
}

int px_prefix_entry(px_store *s, const char *hex, const char *what, uint8_t out[32])
{
    int rc = full(hex, what, out);
    if (rc != PX_EAGAIN)
        return rc;
    range r;
    if ((rc = parse(hex, what, &r)))
        return rc;
    cand c[SHOW_MAX + 1];
    size_t n = 0;
    rc = scan(s, PX_IDS_ENTRIES, &r, c, &n);
    return rc ? rc : decide(c, n, hex, what, "entry", "entries", out);
}

int px_prefix_key(px_store *s, const px_members *m, const char *hex, const char *what,
                  uint8_t out[32])
{
    int rc = full(hex, what, out);
    if (rc != PX_EAGAIN)
        return rc;
    range r;
    if ((rc = parse(hex, what, &r)))
        return rc;
    cand c[SHOW_MAX + 1];
    size_t n = 0;
    if (m) {
        if (in_range(&r, m->root))
            add(c, &n, m->root, "root");
        for (size_t i = 0; i < m->n; i++)
            if (in_range(&r, m->v[i].key))
                add(c, &n, m->v[i].key,
                    m->v[i].revoked ? "revoked member" : px_role_name(m->v[i].role));
    }
    rc = scan(s, PX_IDS_AUTHORS, &r, c, &n);
    return rc ? rc : decide(c, n, hex, what, "key", "keys", out);
}
