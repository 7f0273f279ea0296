/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webi18n.c — .mo catalogues read without gettext(3) (see webi18n.h).
 *
 * .mo layout (GNU gettext manual, "The Format of GNU MO Files"): a header
 * of 32-bit words — magic 0x950412de, revision, N, offset of the originals
 * table, offset of the translations table, hash size and offset — then two
 * tables of N (length, offset) pairs. msgfmt sorts the originals, so a
 * binary search finds a msgid; an image that is not sorted is searched
 * linearly.
 */
#include "webi18n.h"

#include "error.h"
#include "log.h"
#include "webassets.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t word(const px_mo *mo, size_t off)
{
    const uint8_t *p = mo->data + off;
    if (mo->swap)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* String i of the table at off: OUT *len; NULL if out of bounds. */
static const char *entry(const px_mo *mo, uint32_t table, uint32_t i, uint32_t *len)
{
    size_t at = (size_t)table + (size_t)i * 8;
    uint32_t l = word(mo, at), o = word(mo, at + 4);
    *len = l;
    return (const char *)mo->data + o;
}

int px_mo_open(px_mo *mo, const uint8_t *data, size_t len)
{
    memset(mo, 0, sizeof *mo);
    mo->data = data;
    mo->len = len;
    if (len < 28)
        return px_err_set(PX_EFORMAT, "catalogue: %zu bytes is too short for a .mo header", len);
    uint32_t magic = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
    if (magic == 0xde120495u)
        mo->swap = true;
    else if (magic != 0x950412deu)
        return px_err_set(PX_EFORMAT, "catalogue: not a .mo file (bad magic number)");
    if ((word(mo, 4) >> 16) != 0)
        return px_err_set(PX_EFORMAT, "catalogue: unknown .mo major revision");
    mo->n = word(mo, 8);
    mo->orig = word(mo, 12);
    mo->trans = word(mo, 16);
    if (mo->n > len / 16 || (size_t)mo->orig + (size_t)mo->n * 8 > len ||
        (size_t)mo->trans + (size_t)mo->n * 8 > len || (mo->orig % 4) || (mo->trans % 4))
        return px_err_set(PX_EFORMAT, "catalogue: string tables lie outside the file");
    for (uint32_t t = 0; t < 2; t++) {
        uint32_t table = t ? mo->trans : mo->orig;
        for (uint32_t i = 0; i < mo->n; i++) {
            size_t at = (size_t)table + (size_t)i * 8;
            uint32_t l = word(mo, at), o = word(mo, at + 4);
            if ((size_t)o + l >= len || data[(size_t)o + l] != '\0')
                return px_err_set(PX_EFORMAT,
                                  "catalogue: string %u lies outside the file or is "
                                  "not terminated",
                                  i);
        }
    }
    mo->sorted = true;
    for (uint32_t i = 1; i < mo->n && mo->sorted; i++) {
        uint32_t la, lb;
        const char *a = entry(mo, mo->orig, i - 1, &la), *b = entry(mo, mo->orig, i, &lb);
        /* Compare whole keys, plural keys ("sing\0plural") included. */
        size_t m = la < lb ? la : lb;
        int c = memcmp(a, b, m);
        if (c > 0 || (c == 0 && la > lb))
            mo->sorted = false;
    }
    return PX_OK;
}

/* Compare key (klen bytes, may hold one NUL for plurals) with original i. */
static int cmp_key(const px_mo *mo, const char *key, size_t klen, uint32_t i)
{
    uint32_t l;
    const char *s = entry(mo, mo->orig, i, &l);
    size_t m = klen < l ? klen : l;
    int c = memcmp(key, s, m);
    if (c)
        return c;
    return klen < l ? -1 : klen > l ? 1 : 0;
}

static const char *lookup(const px_mo *mo, const char *key, size_t klen, uint32_t *tlen)
{
    if (!mo || !mo->data)
        return NULL;
    int64_t found = -1;
    if (mo->sorted) {
        uint32_t lo = 0, hi = mo->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            int c = cmp_key(mo, key, klen, mid);
            if (c == 0) {
                found = mid;
                break;
            }
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    } else {
        for (uint32_t i = 0; i < mo->n && found < 0; i++)
            if (cmp_key(mo, key, klen, i) == 0)
                found = i;
    }
    if (found < 0)
        return NULL;
    const char *t = entry(mo, mo->trans, (uint32_t)found, tlen);
    return *tlen ? t : NULL;
}

const char *px_mo_get(const px_mo *mo, const char *msgid)
{
    uint32_t tl;
    if (!msgid || !*msgid) /* "" is the header */
        return NULL;
    return lookup(mo, msgid, strlen(msgid), &tl);
}

unsigned px_plural_index(const char *lang, unsigned long n)
{
    if (lang && strcmp(lang, "ru") == 0) {
        if (n % 10 == 1 && n % 100 != 11)
            return 0;
        if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20))
            return 1;
        return 2;
    }
    return n != 1;
}

const char *px_mo_nget(const px_mo *mo, const char *lang, const char *msgid, const char *plural,
                       unsigned long n)
{
    char key[1024];
    size_t a = strlen(msgid), b = strlen(plural);
    uint32_t tl;
    if (a + b + 1 >= sizeof key)
        return NULL;
    memcpy(key, msgid, a);
    key[a] = '\0';
    memcpy(key + a + 1, plural, b);
    const char *t = lookup(mo, key, a + 1 + b, &tl);
    if (!t)
        return NULL;
    /* Forms are NUL-separated inside the translation's tl bytes. */
    unsigned want = px_plural_index(lang, n);
    const char *p = t, *end = t + tl;
    for (unsigned i = 0; i < want; i++) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        if (!z)
            return NULL;
        p = z + 1;
    }
    return *p ? p : NULL; /* the image ends every string with a NUL */
}

/* ---- embedded catalogues ------------------------------------------------------ */

enum { LANGS_MAX = 8 };

typedef struct lang_cat {
    char code[8];
    px_mo mo;
} lang_cat;

static lang_cat cats[LANGS_MAX];
static size_t n_cats;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init_once(void)
{
    for (size_t i = 0; i < px_web_asset_count; i++) {
        const px_asset *a = &px_web_assets[i];
        size_t nl = strlen(a->name);
        if (nl < 4 || nl > 10 || strcmp(a->name + nl - 3, ".mo") != 0 || n_cats == LANGS_MAX)
            continue;
        lang_cat *c = &cats[n_cats];
        memcpy(c->code, a->name, nl - 3);
        c->code[nl - 3] = '\0';
        int rc = px_mo_open(&c->mo, a->data, a->len);
        if (rc) {
            px_error("web", "embedded catalogue %s: %s", a->name, px_err_message(rc));
            init_rc = rc;
            continue;
        }
        n_cats++;
    }
}

int px_i18n_init(void)
{
    pthread_once(&once, init_once);
    return init_rc;
}

size_t px_i18n_count(void)
{
    px_i18n_init();
    return 1 + n_cats;
}

const char *px_i18n_lang(size_t i)
{
    px_i18n_init();
    if (i == 0)
        return "en";
    return i - 1 < n_cats ? cats[i - 1].code : NULL;
}

const char *px_i18n_native(const char *lang)
{
    static const struct {
        const char *code, *name;
    } names[] = {{"en", "English"},
                 {"ru", "Русский"},
                 {"kk", "Қазақша"},
                 {"az", "Azərbaycanca"},
                 {"ka", "ქართული"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].code, lang) == 0)
            return names[i].name;
    return lang;
}

static const px_mo *cat_of(const char *lang)
{
    px_i18n_init();
    if (!lang)
        return NULL;
    for (size_t i = 0; i < n_cats; i++)
        if (strcmp(cats[i].code, lang) == 0)
            return &cats[i].mo;
    return NULL;
}

const char *px_i18n_supported(const char *lang)
{
    if (!lang)
        return NULL;
    for (size_t i = 0; i < px_i18n_count(); i++)
        if (strcmp(px_i18n_lang(i), lang) == 0)
            return px_i18n_lang(i);
    return NULL;
}

const char *px_i18n_negotiate(const char *h)
{
    const char *best = "en";
    double best_q = -1;
    if (!h)
        return best;
    const char *p = h;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *tag = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t tl = (size_t)(p - tag);
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                p++;
                while (*p == ' ')
                    p++;
                if (p[0] == 'q' && p[1] == '=') {
                    char *end = NULL;
                    q = strtod(p + 2, &end);
                    if (end == p + 2 || q < 0 || q > 1)
                        q = 0;
                    p = end > p ? end : p + 2;
                    continue;
                }
            }
            if (*p && *p != ',')
                p++;
        }
        /* primary subtag */
        size_t pl = 0;
        while (pl < tl && tag[pl] != '-' && tag[pl] != '_')
            pl++;
        char prim[9];
        if (pl > 0 && pl < sizeof prim && q > 0) {
            for (size_t i = 0; i < pl; i++)
                prim[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] - 'A' + 'a' : tag[i]);
            prim[pl] = '\0';
            const char *s = px_i18n_supported(prim);
            if (s && q > best_q) {
                best = s;
                best_q = q;
            }
        }
    }
    return best;
}

const char *px_i18n_get(const char *lang, const char *msgid)
{
    const char *t = px_mo_get(cat_of(lang), msgid);
    return t ? t : msgid;
}

const char *px_i18n_nget(const char *lang, const char *msgid, const char *plural, unsigned long n)
{
    const char *t = px_mo_nget(cat_of(lang), lang, msgid, plural, n);
    if (t)
        return t;
    return n == 1 ? msgid : plural;
}
