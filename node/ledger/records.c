/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records.c — schema validation and decoding of record bodies.
 *
 * Layout:
 *   1. small checkers: country list, language tags, codes, periods, UTF-8;
 *   2. the structural pre-scan: walks the raw msgpack bytes without
 *      allocating, so that msgpack-c never sees a body that is truncated,
 *      nests deeper than PX_RECORD_MAX_DEPTH or declares huge containers;
 *   3. field checks, one per field type, each writing the detail sentence;
 *   4. the kind tables (fields, types, required, enums) and the cross-field
 *      rules of each kind;
 *   5. px_record_validate and the scale check;
 *   6. reading helpers, decoded views, rescaling.
 *
 * schema/RECORDS.md is the written form of sections 3 and 4; change both
 * together.
 */
#include "records.h"

#include "addr.h"
#include "mpcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* ---- 1. small checkers ------------------------------------------------- */

/* The 249 officially assigned ISO 3166-1 alpha-2 codes (iso-codes 4.15),
 * sorted, two letters each. */
static const char countries[] = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJ"
                                "BLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCR"
                                "CUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFR"
                                "GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHU"
                                "IDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZ"
                                "LALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQ"
                                "MRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPF"
                                "PGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
                                "SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTR"
                                "TTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

bool px_country_valid(const char *s, size_t len)
{
    if (s == NULL || len != 2)
        return false;
    size_t lo = 0, hi = (sizeof countries - 1) / 2;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(countries + 2 * mid, s, 2);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool px_lang_valid(const char *s, size_t len)
{
    if (s == NULL)
        return false;
    size_t i = 0;
    while (i < len && is_lower(s[i]))
        i++;
    if (i < 2 || i > 3)
        return false;
    bool had_script = false, had_region = false;
    while (i < len) {
        if (s[i] != '-')
            return false;
        i++;
        size_t start = i;
        while (i < len && s[i] != '-')
            i++;
        size_t n = i - start;
        const char *t = s + start;
        if (n == 4 && !had_script && !had_region && is_upper(t[0]) && is_lower(t[1]) &&
            is_lower(t[2]) && is_lower(t[3])) {
            had_script = true;
        } else if (n == 2 && !had_region && is_upper(t[0]) && is_upper(t[1])) {
            had_region = true;
        } else if (n == 3 && !had_region && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2])) {
            had_region = true;
        } else {
            return false;
        }
    }
    return true;
}

bool px_code_valid(const char *s, size_t len)
{
    if (s == NULL || len < 1 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = is_lower(c) || is_upper(c) || is_digit(c);
        if (!alnum && (i == 0 || (c != '-' && c != '_')))
            return false;
    }
    return true;
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int px_period_parse(const char *s, size_t len, px_period *out)
{
    px_period p = {0};
    if (s == NULL || (len != 4 && len != 7))
        return PX_EFORMAT;
    p.year = digits(s, 4);
    if (p.year < PX_RECORD_YEAR_MIN || p.year > PX_RECORD_YEAR_MAX)
        return PX_EFORMAT;
    if (len == 7) {
        if (s[4] != '-')
            return PX_EFORMAT;
        if (s[5] == 'Q') {
            p.quarter = digits(s + 6, 1);
            if (p.quarter < 1 || p.quarter > 4)
                return PX_EFORMAT;
        } else {
            p.month = digits(s + 5, 2);
            if (p.month < 1 || p.month > 12)
                return PX_EFORMAT;
        }
    }
    if (out)
        *out = p;
    return PX_OK;
}

static long period_key(const px_period *p)
{
    long key = (long)p->year * 1000;
    if (p->quarter)
        key += (3L * p->quarter - 2) * 10 + 1;
    else if (p->month)
        key += (long)p->month * 10 + 2;
    return key;
}

int px_period_cmp(const px_period *a, const px_period *b)
{
    long ka = period_key(a), kb = period_key(b);
    return (ka > kb) - (ka < kb);
}

/* Offset of the first byte of s[0..n) that does not begin a valid UTF-8
 * sequence (overlong forms, surrogates and values above U+10FFFF are
 * invalid), or n if all of it is valid. */
static size_t utf8_bad_at(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i - 1 < need)
            return i;
        for (size_t k = 1; k <= need; k++) {
            uint8_t cc = s[i + k];
            if ((cc & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += need + 1;
    }
    return n;
}

bool px_utf8_valid(const char *s, size_t len)
{
    return s != NULL && utf8_bad_at((const uint8_t *)s, len) == len;
}

const char *px_record_show(char *out, size_t outlen, const char *p, size_t n)
{
    size_t o = 0, i = 0;
    if (outlen < 8) {
        if (outlen)
            out[0] = '\0';
        return out;
    }
    const size_t limit = outlen > 44 ? 40 : outlen - 4;
    while (i < n && o < limit) {
        uint8_t c = (uint8_t)p[i];
        if (c >= 0x80) {
            size_t bad = utf8_bad_at((const uint8_t *)p + i, n - i);
            size_t seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if (bad == 0 || o + seq > limit) {
                out[o++] = '?';
                i++;
                continue;
            }
            memcpy(out + o, p + i, seq);
            o += seq;
            i += seq;
            continue;
        }
        out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        i++;
    }
    if (i < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* ---- 2. structural pre-scan -------------------------------------------- */

/* Check that p[0..len) is exactly one msgpack map with string keys, no
 * container deeper than PX_RECORD_MAX_DEPTH and none with more than
 * PX_RECORD_MAX_ITEMS entries. Base's walker: iterative, allocates
 * nothing. */
static int prescan(const uint8_t *p, size_t len)
{
    const char *top_key = NULL;
    size_t top_key_len = 0;
    char shown[64];
    px_mp_walk w;
    px_mp_item it;
    px_mp_step st;

    if (len == 0)
        return px_err_set(PX_EFORMAT, "the body is empty; a record is a msgpack map");
    if (!((p[0] >= 0x80 && p[0] <= 0x8f) || p[0] == 0xde || p[0] == 0xdf))
        return px_err_set(PX_EFORMAT, "the body is not a msgpack map (first byte 0x%02x)", p[0]);
    px_mp_walk_init(&w, p, len, PX_RECORD_MAX_DEPTH);
    while ((st = px_mp_walk_next(&w, &it)) == PX_MP_VALUE) {
        bool at_top_key = it.depth == 1 && it.index % 2 == 0;
        if (at_top_key && it.h.cls != PX_MP_STR)
            return px_err_set(PX_EFORMAT, "key %llu of the body map is not a string",
                              (unsigned long long)(it.index / 2 + 1));
        if (at_top_key) {
            top_key = (const char *)p + it.off + it.h.hdr;
            top_key_len = (size_t)it.h.payload;
        }
        if (it.h.cls != PX_MP_ARRAY && it.h.cls != PX_MP_MAP)
            continue;
        uint64_t entries = it.h.cls == PX_MP_MAP ? it.h.children / 2 : it.h.children;
        if (entries <= PX_RECORD_MAX_ITEMS)
            continue;
        if (it.depth == 0)
            return px_err_set(PX_ESCHEMA, "the body has %llu fields; at most %u are allowed",
                              (unsigned long long)entries, PX_RECORD_MAX_ITEMS);
        return px_err_set(PX_ESCHEMA,
                          "field '%s': a list or map with %llu entries; at most %u are "
                          "allowed",
                          top_key ? px_record_show(shown, sizeof shown, top_key, top_key_len) : "?",
                          (unsigned long long)entries, PX_RECORD_MAX_ITEMS);
    }
    switch (st) {
    case PX_MP_DONE:
        if (w.pos != len)
            return px_err_set(PX_EFORMAT,
                              "%zu bytes follow the body map; a body is exactly one map",
                              len - w.pos);
        return PX_OK;
    case PX_MP_RESERVED: /* 0xc1 is never used */
        return px_err_set(PX_EFORMAT, "the body holds an invalid msgpack byte 0x%02x at offset %zu",
                          p[w.pos], w.pos);
    case PX_MP_DEEP:
        return px_err_set(PX_EFORMAT, "the body nests deeper than %d levels (under field '%s')",
                          PX_RECORD_MAX_DEPTH,
                          top_key ? px_record_show(shown, sizeof shown, top_key, top_key_len)
                                  : "?");
    default: /* the bytes end inside a value, or cannot hold the values declared */
        return px_err_set(PX_EFORMAT,
                          "the body is truncated (%zu bytes end inside a msgpack value)", len);
    }
}

int px_record_unpack(const uint8_t *body, size_t len, msgpack_unpacked *out)
{
    int rc = PX_OK;
    size_t off = 0;

    msgpack_unpacked_init(out);
    if (body == NULL && len > 0) {
        rc = px_err_set(PX_EINVAL, "no body given");
        goto out;
    }
    if (len > PX_RECORD_MAX_BODY) {
        rc = px_err_set(PX_ETOOBIG, "the body has %zu bytes; at most %u are allowed", len,
                        PX_RECORD_MAX_BODY);
        goto out;
    }
    rc = prescan(body, len);
    if (rc)
        goto out;
    msgpack_unpack_return ur = msgpack_unpack_next(out, (const char *)body, len, &off);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
        rc = px_err_set(PX_ENOMEM, "out of memory decoding a record body");
        goto out;
    }
    if (ur != MSGPACK_UNPACK_SUCCESS || off != len || out->data.type != MSGPACK_OBJECT_MAP) {
        rc = px_err_set(PX_EFORMAT, "the body is not one well-formed msgpack map");
        goto out;
    }
out:
    return rc;
}

/* ---- 3. field checks --------------------------------------------------- */

static const char *type_name(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return "null";
    case MSGPACK_OBJECT_BOOLEAN:
        return "true/false";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return "an integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "a number with a fraction";
    case MSGPACK_OBJECT_STR:
        return "a string";
    case MSGPACK_OBJECT_ARRAY:
        return "a list";
    case MSGPACK_OBJECT_MAP:
        return "a map";
    case MSGPACK_OBJECT_BIN:
        return "binary data";
    default:
        return "a msgpack extension value";
    }
}

static bool str_eq(const msgpack_object *o, const char *s)
{
    size_t n = strlen(s);
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           memcmp(o->via.str.ptr, s, n) == 0;
}

static bool is_number(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
           o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER || o->type == MSGPACK_OBJECT_FLOAT32 ||
           o->type == MSGPACK_OBJECT_FLOAT64;
}

static double num_value(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return (double)o->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return (double)o->via.i64;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return o->via.f64;
    default:
        return NAN;
    }
}

static int want(const char *label, const msgpack_object *o, const char *what)
{
    return px_err_set(PX_ESCHEMA, "%s: expected %s, got %s", label, what, type_name(o));
}

/* A non-empty string of valid UTF-8 without NUL characters. */
static int check_text_bytes(const char *label, const char *p, size_t n)
{
    if (n == 0)
        return px_err_set(PX_ESCHEMA, "%s: the text is empty", label);
    size_t bad = utf8_bad_at((const uint8_t *)p, n);
    if (bad != n)
        return px_err_set(PX_ESCHEMA, "%s: the text is not valid UTF-8 (bad byte at offset %zu)",
                          label, bad);
    if (memchr(p, '\0', n) != NULL)
        return px_err_set(PX_ESCHEMA, "%s: the text contains a NUL character", label);
    return PX_OK;
}

static int check_str(const char *label, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a string");
    return check_text_bytes(label, o->via.str.ptr, o->via.str.size);
}

static int check_langmap(const char *label, const msgpack_object *o)
{
    char shown[64], sub[160];
    if (o->type != MSGPACK_OBJECT_MAP)
        return want(label, o, "a language map such as {\"en\": \"text\", \"ru\": \"текст\"}");
    const msgpack_object_map *m = &o->via.map;
    if (m->size == 0)
        return px_err_set(PX_ESCHEMA,
                          "%s: the language map is empty; give the text in at least one "
                          "language, e.g. {\"en\": \"text\"}",
                          label);
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR)
            return px_err_set(PX_ESCHEMA,
                              "%s: key %u of the language map is %s, not a language code", label,
                              i + 1, type_name(k));
        if (!px_lang_valid(k->via.str.ptr, k->via.str.size))
            return px_err_set(PX_ESCHEMA,
                              "%s: '%s' is not a language code (2-3 lowercase letters, optionally "
                              "-Script or -REGION: en, ru, kk, az-Latn)",
                              label,
                              px_record_show(shown, sizeof shown, k->via.str.ptr, k->via.str.size));
        for (uint32_t j = 0; j < i; j++) {
            const msgpack_object *k2 = &m->ptr[j].key;
            if (k2->via.str.size == k->via.str.size &&
                (k->via.str.size == 0 || /* an empty key's pointer may be NULL */
                 memcmp(k2->via.str.ptr, k->via.str.ptr, k->via.str.size) == 0))
                return px_err_set(PX_ESCHEMA, "%s: language '%.*s' appears twice", label,
                                  (int)k->via.str.size, k->via.str.ptr);
        }
        snprintf(sub, sizeof sub, "%s, language '%.*s'", label, (int)k->via.str.size,
                 k->via.str.ptr);
        int rc = check_str(sub, &m->ptr[i].val);
        if (rc)
            return rc;
    }
    return PX_OK;
}

static int check_enum(const char *label, const msgpack_object *o, const char *const *values)
{
    char shown[64], list[256];
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a string");
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; values[i]; i++) {
        if (str_eq(o, values[i]))
            return PX_OK;
        int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", values[i]);
        if (n > 0 && (size_t)n < sizeof list - used)
            used += (size_t)n;
    }
    return px_err_set(PX_ESCHEMA, "%s: '%s' is not one of %s", label,
                      px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size), list);
}

/* Read an integer; floats (even 2018.0) are refused so that a JSON writer
 * learns to write 2018. */
static int get_int(const char *label, const msgpack_object *o, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return px_err_set(PX_ESCHEMA, "%s: %llu is too large", label,
                              (unsigned long long)o->via.u64);
        *out = (int64_t)o->via.u64;
        return PX_OK;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return PX_OK;
    }
    if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64)
        return px_err_set(PX_ESCHEMA, "%s: expected a whole number, got %.15g", label, o->via.f64);
    return want(label, o, "a whole number");
}

static int check_year(const char *label, const msgpack_object *o)
{
    int64_t v = 0;
    int rc = get_int(label, o, &v);
    if (rc)
        return rc;
    if (v < PX_RECORD_YEAR_MIN || v > PX_RECORD_YEAR_MAX)
        return px_err_set(PX_ESCHEMA, "%s: %lld is not a plausible year (%d-%d)", label,
                          (long long)v, PX_RECORD_YEAR_MIN, PX_RECORD_YEAR_MAX);
    return PX_OK;
}

static int check_int_min(const char *label, const msgpack_object *o, int64_t min, const char *what)
{
    int64_t v = 0;
    int rc = get_int(label, o, &v);
    if (rc)
        return rc;
    if (v < min)
        return px_err_set(PX_ESCHEMA, "%s: %lld is not allowed; it must be %s", label, (long long)v,
                          what);
    return PX_OK;
}

/* ---- indicator versions ------------------------------------------------- */

/* The one rule (RECORDS.md, "Indicator versions"): up to three components,
 * compared numerically left to right, a missing component counting as 0.
 * The key packs them as c0 * 10^12 + c1 * 10^6 + c2, so comparing keys is
 * comparing versions, and 2, "2" and "2.0" share one key. */
int px_version_parse(const char *s, size_t len, int64_t *key)
{
    int64_t part[3] = {0, 0, 0};
    size_t n = 0, i = 0;
    *key = 0;
    if (s == NULL || len == 0)
        return PX_EINVAL;
    for (;;) {
        size_t start = i;
        int64_t v = 0;
        if (n == 3)
            return PX_EINVAL; /* a fourth component */
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (s[i] - '0');
            if (v > PX_VERSION_PART_MAX)
                return PX_EINVAL;
            i++;
        }
        if (i == start || (s[start] == '0' && i - start > 1))
            return PX_EINVAL; /* empty or a leading zero */
        part[n++] = v;
        if (i == len)
            break;
        if (s[i] != '.' || ++i == len)
            return PX_EINVAL; /* not a dot, or a trailing dot */
    }
    *key = part[0] * 1000000000000LL + part[1] * 1000000LL + part[2];
    return *key > 0 ? PX_OK : PX_EINVAL;
}

int px_version_cmp(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

int px_version_number(int64_t v, int64_t *key)
{
    *key = 0;
    if (v < 1 || v > PX_VERSION_PART_MAX)
        return PX_EINVAL;
    *key = v * 1000000000000LL;
    return PX_OK;
}

int px_version_key(const msgpack_object *o, int64_t *key)
{
    *key = 0;
    if (o == NULL)
        return PX_EINVAL;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return o->via.u64 > PX_VERSION_PART_MAX ? PX_EINVAL
                                                : px_version_number((int64_t)o->via.u64, key);
    if (o->type == MSGPACK_OBJECT_STR)
        return px_version_parse(o->via.str.ptr, o->via.str.size, key);
    return PX_EINVAL;
}

int px_version_text(const msgpack_object *o, char out[PX_VERSION_TEXT_MAX])
{
    int64_t key;
    out[0] = '\0';
    if (px_version_key(o, &key) != PX_OK)
        return PX_EINVAL;
    if (o->type == MSGPACK_OBJECT_STR) {
        memcpy(out, o->via.str.ptr, o->via.str.size);
        out[o->via.str.size] = '\0';
    } else {
        snprintf(out, PX_VERSION_TEXT_MAX, "%llu", (unsigned long long)o->via.u64);
    }
    return PX_OK;
}

static int check_version(const char *label, const msgpack_object *o)
{
    int64_t key;
    if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64)
        return px_err_set(PX_ESCHEMA,
                          "%s: expected a whole number or a version text like \"1.2.0\", got "
                          "%.15g",
                          label, o->via.f64);
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
        (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == 0))
        return px_err_set(PX_ESCHEMA, "%s: %lld is not allowed; it must be 1 or more", label,
                          (long long)o->via.i64);
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > PX_VERSION_PART_MAX)
            return px_err_set(PX_ESCHEMA, "%s: %llu is too large; a version is at most %d", label,
                              (unsigned long long)o->via.u64, PX_VERSION_PART_MAX);
        return PX_OK;
    }
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a whole number or a version text like \"1.2.0\"");
    if (px_version_parse(o->via.str.ptr, o->via.str.size, &key) == PX_OK)
        return PX_OK;
    char shown[64];
    return px_err_set(PX_ESCHEMA,
                      "%s: '%s' is not a version; write 1 to 3 whole numbers separated by dots, "
                      "without leading zeros, each at most %d, not all 0 (\"1\", \"1.0\", "
                      "\"1.2.0\")",
                      label, px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size),
                      PX_VERSION_PART_MAX);
}

static int get_num(const char *label, const msgpack_object *o, double *out)
{
    if (!is_number(o))
        return want(label, o, "a number");
    double v = num_value(o);
    if (!isfinite(v))
        return px_err_set(PX_ESCHEMA, "%s: the number is not finite", label);
    *out = v;
    return PX_OK;
}

static int check_code(const char *label, const msgpack_object *o)
{
    char shown[64];
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "an indicator code (a string)");
    if (!px_code_valid(o->via.str.ptr, o->via.str.size))
        return px_err_set(PX_ESCHEMA,
                          "%s: '%s' is not an indicator code (1-64 letters, digits, '-' or '_', "
                          "e.g. KZ-SAT-OVERALL)",
                          label,
                          px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size));
    return PX_OK;
}

static int check_country(const char *label, const msgpack_object *o)
{
    char shown[64];
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a country code (a string)");
    const char *s = o->via.str.ptr;
    size_t n = o->via.str.size;
    if (px_country_valid(s, n))
        return PX_OK;
    if (n == 2 && is_lower(s[0]) && is_lower(s[1])) {
        char up[3] = {(char)(s[0] - 'a' + 'A'), (char)(s[1] - 'a' + 'A'), '\0'};
        if (px_country_valid(up, 2))
            return px_err_set(PX_ESCHEMA,
                              "%s: '%.2s' must be written in capitals: '%s' (ISO 3166-1 alpha-2)",
                              label, s, up);
    }
    return px_err_set(PX_ESCHEMA,
                      "%s: '%s' is not an assigned ISO 3166-1 alpha-2 country code (two capital "
                      "letters, e.g. KZ, AZ, GE, CA)",
                      label, px_record_show(shown, sizeof shown, s, n));
}

static int check_period(const char *label, const msgpack_object *o)
{
    char shown[64];
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return px_err_set(PX_ESCHEMA, "%s: write the period as a string, e.g. \"%llu\"", label,
                          (unsigned long long)o->via.u64);
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a period string (2018, 2018-Q1 or 2018-03)");
    if (px_period_parse(o->via.str.ptr, o->via.str.size, NULL) != PX_OK)
        return px_err_set(PX_ESCHEMA,
                          "%s: '%s' is not YYYY, YYYY-Qn or YYYY-MM (e.g. 2018, 2018-Q1, 2018-03; "
                          "years %d-%d)",
                          label,
                          px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size),
                          PX_RECORD_YEAR_MIN, PX_RECORD_YEAR_MAX);
    return PX_OK;
}

static bool is_id(const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return false;
    }
    return true;
}

static int check_id(const char *label, const msgpack_object *o)
{
    char shown[64];
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "an entry id (a string of 64 lowercase hex digits)");
    if (!is_id(o->via.str.ptr, o->via.str.size))
        return px_err_set(PX_ESCHEMA, "%s: '%s' is not an entry id (64 lowercase hex digits)",
                          label,
                          px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size));
    return PX_OK;
}

static int check_key(const char *label, const msgpack_object *o)
{
    char shown[64];
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a public key (a string of 64 lowercase hex digits)");
    if (!is_id(o->via.str.ptr, o->via.str.size))
        return px_err_set(PX_ESCHEMA, "%s: '%s' is not a public key (64 lowercase hex digits)",
                          label,
                          px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size));
    return PX_OK;
}

static int check_lang_tag(const char *label, const msgpack_object *o)
{
    char shown[64];
    if (o->type != MSGPACK_OBJECT_STR)
        return want(label, o, "a language code (a string)");
    if (!px_lang_valid(o->via.str.ptr, o->via.str.size))
        return px_err_set(PX_ESCHEMA,
                          "%s: '%s' is not a language code (2-3 lowercase letters, optionally "
                          "-Script or -REGION: en, ru, kk, az-Latn)",
                          label,
                          px_record_show(shown, sizeof shown, o->via.str.ptr, o->via.str.size));
    return PX_OK;
}

typedef int (*item_check)(const char *label, const msgpack_object *o);

static int check_list(const char *label, const msgpack_object *o, item_check item, const char *what)
{
    char sub[160];
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return want(label, o, what);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        snprintf(sub, sizeof sub, "%s, item %u", label, i + 1);
        int rc = item(sub, &o->via.array.ptr[i]);
        if (rc)
            return rc;
    }
    return PX_OK;
}

/* Refuse a nested map whose string keys repeat (a hostile body could say
 * "min" twice and mean different things to different readers). */
static int check_no_dup_keys(const char *label, const msgpack_object *o)
{
    char shown[64];
    const msgpack_object_map *m = &o->via.map;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR)
            return px_err_set(PX_ESCHEMA, "%s: key %u is %s, not a string", label, i + 1,
                              type_name(k));
        for (uint32_t j = 0; j < i; j++) {
            const msgpack_object *k2 = &m->ptr[j].key;
            if (k2->via.str.size == k->via.str.size &&
                (k->via.str.size == 0 || /* an empty key's pointer may be NULL */
                 memcmp(k2->via.str.ptr, k->via.str.ptr, k->via.str.size) == 0))
                return px_err_set(
                    PX_ESCHEMA, "%s: key '%s' appears twice", label,
                    px_record_show(shown, sizeof shown, k->via.str.ptr, k->via.str.size));
        }
    }
    return PX_OK;
}

/* A nested map with string keys, each once, each one of keys (NULL-ended);
 * an unknown key is named, with known (what the map may hold). */
static int check_map_keys(const char *label, const msgpack_object *o, const char *const *keys,
                          const char *known)
{
    char shown[64];
    int rc = check_no_dup_keys(label, o);
    for (uint32_t i = 0; !rc && i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        size_t j = 0;
        while (keys[j] && !str_eq(k, keys[j]))
            j++;
        if (!keys[j])
            rc = px_err_set(PX_ESCHEMA, "%s: unknown key '%s' (%s)", label,
                            px_record_show(shown, sizeof shown, k->via.str.ptr, k->via.str.size),
                            known);
    }
    return rc;
}

/* An attachment (schema/RECORDS.md 2.1): {blob, name, size, mime?}. The
 * name is a file name to offer for download, so no path separators, no
 * control characters and at most 255 bytes; mime is type/subtype. */
static bool mime_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           strchr("!#$&^_.+-", c) != NULL;
}

static int check_attachment(const char *label, const msgpack_object *o)
{
    char sub[200], shown[64];
    if (o->type != MSGPACK_OBJECT_MAP)
        return want(label, o, "an attachment ({\"blob\": ID, \"name\": ..., \"size\": N})");
    static const char *const keys[] = {"blob", "name", "size", "mime", NULL};
    int rc = check_map_keys(label, o, keys, "an attachment has blob, name, size, mime");
    if (rc)
        return rc;
    const msgpack_object *blob = px_mp_get(o, "blob"), *name = px_mp_get(o, "name"),
                         *size = px_mp_get(o, "size"), *mime = px_mp_get(o, "mime");
    if (!blob || !name || !size)
        return px_err_set(PX_ESCHEMA, "%s: an attachment needs blob, name and size", label);
    snprintf(sub, sizeof sub, "%s, blob", label);
    if (blob->type != MSGPACK_OBJECT_STR || !is_id(blob->via.str.ptr, blob->via.str.size))
        return px_err_set(PX_ESCHEMA, "%s: not a blob id (64 lowercase hex digits)", sub);
    snprintf(sub, sizeof sub, "%s, name", label);
    rc = check_str(sub, name);
    if (rc)
        return rc;
    if (name->via.str.size > 255)
        return px_err_set(PX_ESCHEMA, "%s: longer than 255 bytes", sub);
    for (uint32_t i = 0; i < name->via.str.size; i++) {
        unsigned char c = (unsigned char)name->via.str.ptr[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return px_err_set(PX_ESCHEMA,
                              "%s: a file name without path separators or control characters", sub);
    }
    if ((name->via.str.size == 1 && name->via.str.ptr[0] == '.') ||
        (name->via.str.size == 2 && memcmp(name->via.str.ptr, "..", 2) == 0))
        return px_err_set(PX_ESCHEMA, "%s: '.' and '..' are not file names", sub);
    snprintf(sub, sizeof sub, "%s, size", label);
    if (size->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return want(sub, size, "a size in bytes (0 or more)");
    if (mime) {
        snprintf(sub, sizeof sub, "%s, mime", label);
        if (mime->type != MSGPACK_OBJECT_STR)
            return want(sub, mime, "a media type such as application/pdf");
        const char *m = mime->via.str.ptr;
        size_t n = mime->via.str.size, slash = 0, slashes = 0;
        bool ok = n >= 3 && n <= 127;
        for (size_t i = 0; ok && i < n; i++) {
            if (m[i] == '/') {
                slash = i;
                slashes++;
            } else if (!mime_char(m[i])) {
                ok = false;
            }
        }
        if (!ok || slashes != 1 || slash == 0 || slash == n - 1)
            return px_err_set(PX_ESCHEMA,
                              "%s: '%s' is not a media type (type/subtype, e.g. "
                              "application/pdf)",
                              sub, px_record_show(shown, sizeof shown, m, n));
    }
    return PX_OK;
}

static int check_attachments(const char *label, const msgpack_object *o)
{
    if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size > 64)
        return px_err_set(PX_ESCHEMA, "%s: at most 64 attachments", label);
    return check_list(label, o, check_attachment, "a list of attachments");
}

/* The indicator's scale map (field 'scale'). */
static int check_scale(const msgpack_object *o)
{
    double lo = 0, hi = 0;
    int rc;
    if (o->type != MSGPACK_OBJECT_MAP)
        return want("field 'scale'", o,
                    "a map such as {\"min\": 1, \"max\": 5, \"higher_is_better\": true}");
    rc = check_no_dup_keys("field 'scale'", o);
    if (rc)
        return rc;
    const msgpack_object *min = px_mp_get(o, "min");
    const msgpack_object *max = px_mp_get(o, "max");
    const msgpack_object *hib = px_mp_get(o, "higher_is_better");
    if (min == NULL)
        return px_err_set(PX_ESCHEMA, "field 'scale.min' is missing; a scale needs min and max");
    if (max == NULL)
        return px_err_set(PX_ESCHEMA, "field 'scale.max' is missing; a scale needs min and max");
    rc = get_num("field 'scale.min'", min, &lo);
    if (rc)
        return rc;
    rc = get_num("field 'scale.max'", max, &hi);
    if (rc)
        return rc;
    if (!(lo < hi))
        return px_err_set(PX_ESCHEMA, "field 'scale': min %.15g must be less than max %.15g", lo,
                          hi);
    if (hib != NULL && hib->type != MSGPACK_OBJECT_BOOLEAN)
        return want("field 'scale.higher_is_better'", hib, "true or false");
    return PX_OK;
}

/* The crosswalk's conversion map (field 'conversion'). */
static int check_conversion(const msgpack_object *o)
{
    static const char *const types[] = {"linear", "endpoints", NULL};
    double a = 0, b = 0;
    int rc;
    if (o->type != MSGPACK_OBJECT_MAP)
        return want("field 'conversion'", o,
                    "a map such as {\"type\": \"endpoints\"} or {\"type\": \"linear\", \"a\": 0.4, "
                    "\"b\": 1}");
    rc = check_no_dup_keys("field 'conversion'", o);
    if (rc)
        return rc;
    const msgpack_object *type = px_mp_get(o, "type");
    if (type == NULL)
        return px_err_set(PX_ESCHEMA,
                          "field 'conversion.type' is missing; it is linear or endpoints");
    rc = check_enum("field 'conversion.type'", type, types);
    if (rc)
        return rc;
    if (str_eq(type, "linear")) {
        const msgpack_object *oa = px_mp_get(o, "a");
        const msgpack_object *ob = px_mp_get(o, "b");
        if (oa == NULL || ob == NULL)
            return px_err_set(PX_ESCHEMA,
                              "field 'conversion.%s' is missing; a linear conversion to = a*from "
                              "+ b needs a and b",
                              oa == NULL ? "a" : "b");
        rc = get_num("field 'conversion.a'", oa, &a);
        if (rc)
            return rc;
        rc = get_num("field 'conversion.b'", ob, &b);
        if (rc)
            return rc;
        if (a == 0)
            return px_err_set(PX_ESCHEMA,
                              "field 'conversion.a': 0 maps every value to b; a must not be 0");
    }
    return PX_OK;
}

/* ---- 4. kinds ---------------------------------------------------------- */

typedef enum ftype {
    F_TEXT,        /* language map */
    F_TEXT_OR_STR, /* language map or plain string */
    F_STR,         /* non-empty UTF-8 string */
    F_CODE,        /* indicator code */
    F_ENUM,        /* one of field.values */
    F_COUNTRY,
    F_PERIOD,
    F_YEAR,
    F_POSINT, /* whole number >= 1 */
    /* indicator version: whole number >= 1 or "1.2.0" */
    F_VERSION,
    F_COUNT,  /* whole number >= 0 */
    F_NUM,    /* finite number */
    F_NONNEG, /* finite number >= 0 */
    F_BOOL,
    F_ID,    /* entry id */
    F_KEY,   /* public key, 64 hex digits */
    F_IDS,   /* list of entry ids */
    F_STRS,  /* list of strings */
    F_LANGS, /* list of language codes */
    F_SCALE,
    F_CONVERSION,
    F_ATTACHMENTS,
} ftype;

typedef struct field {
    const char *name;
    ftype type;
    bool required;
    const char *const *values; /* F_ENUM: NULL-terminated */
} field;

#define MAX_FIELDS 24

/* A kind's schema; its name and who publishes it are in kinds.h's table. */
typedef struct kind_spec {
    const char *article; /* "a case", for messages */
    const char *required_list;
    const field *fields;
    size_t nfields;
    /* cross-field rules; vals[i] is the value of fields[i] or NULL */
    int (*rules)(const struct kind_spec *spec, const msgpack_object *const *vals);
} kind_spec;

/* The value of the field called name in vals (as filled by validate_map),
 * or NULL when absent. */
static const msgpack_object *fv(const kind_spec *spec, const msgpack_object *const *vals,
                                const char *name)
{
    for (size_t i = 0; i < spec->nfields; i++) {
        if (strcmp(spec->fields[i].name, name) == 0)
            return vals[i];
    }
    return NULL;
}

static const char *const stages[] = {"idea", "pilot", "implemented", "evaluated", "scaled", NULL};
static const char *const domains[] = {
    "overall satisfaction", "accessibility",  "information", "procedures", "staff", "outcome",
    "timeliness",           "non-corruption", "other",       NULL};
static const char *const measure_types[] = {"mean score", "proportion", "rate",
                                            "count",      "duration",   NULL};
static const char *const methods[] = {"questionnaire", "mystery shopper", "focus group",
                                      "interview",     "administrative",  NULL};
static const char *const statuses[] = {"normal", "provisional",        "estimated",
                                       "break",  "definition differs", NULL};
static const char *const grades[] = {"exact", "close", "broad", NULL};
static const char *const weightings[] = {"n-weighted", "unweighted", NULL};
static const char *const roles[] = {"centre", "secretariat", "observer", NULL};
static const char *const bys[] = {"network", "country", "centre", "service", NULL};
static const char *const bases[] = {"scale", "0-100", NULL};

/* The field tables, one field per line. */
/* clang-format off */
static const field case_fields[] = {
    {"title", F_TEXT, true, NULL},
    {"summary", F_TEXT, true, NULL},
    {"country", F_COUNTRY, true, NULL},
    {"stage", F_ENUM, true, stages},
    {"problem", F_TEXT, false, NULL},
    {"solution", F_TEXT, false, NULL},
    {"start_year", F_YEAR, false, NULL},
    {"end_year", F_YEAR, false, NULL},
    {"implementation", F_TEXT, false, NULL},
    {"results", F_TEXT, false, NULL},
    {"centre", F_STR, false, NULL},
    {"services", F_STRS, false, NULL},
    {"channels", F_STRS, false, NULL},
    {"tags", F_STRS, false, NULL},
    {"lessons", F_TEXT, false, NULL},
    {"transferability", F_TEXT, false, NULL},
    {"contact", F_STR, false, NULL},
    {"related_results", F_IDS, false, NULL},
    {"languages", F_LANGS, false, NULL},
    {"supersedes", F_ID, false, NULL},
    {"illustrative", F_BOOL, false, NULL},
    {"attachments", F_ATTACHMENTS, false, NULL},
};

static const field indicator_fields[] = {
    {"code", F_CODE, true, NULL},
    {"version", F_VERSION, true, NULL},
    {"name", F_TEXT, true, NULL},
    {"measure_type", F_ENUM, true, measure_types},
    {"scale", F_SCALE, true, NULL},
    {"description", F_TEXT, false, NULL},
    {"domain", F_ENUM, false, domains},
    {"unit", F_STR, false, NULL},
    {"question", F_TEXT, false, NULL},
    {"unit_of_analysis", F_TEXT, false, NULL},
    {"aggregation", F_TEXT, false, NULL},
    {"methodology", F_TEXT, false, NULL},
    {"supersedes", F_ID, false, NULL},
    {"illustrative", F_BOOL, false, NULL},
};

static const field benchmark_fields[] = {
    {"indicator", F_CODE, true, NULL},
    {"country", F_COUNTRY, true, NULL},
    {"period", F_PERIOD, true, NULL},
    {"value", F_NUM, true, NULL},
    {"indicator_version", F_VERSION, false, NULL},
    {"centre", F_STR, false, NULL},
    {"service", F_STR, false, NULL},
    {"channel", F_STR, false, NULL},
    {"n", F_COUNT, false, NULL},
    {"ci_low", F_NUM, false, NULL},
    {"ci_high", F_NUM, false, NULL},
    {"std_err", F_NONNEG, false, NULL},
    {"method", F_ENUM, false, methods},
    {"status", F_ENUM, false, statuses},
    {"source", F_STR, false, NULL},
    {"notes", F_TEXT, false, NULL},
    {"supersedes", F_ID, false, NULL},
    {"illustrative", F_BOOL, false, NULL},
};

static const field crosswalk_fields[] = {
    {"from", F_CODE, true, NULL},
    {"to", F_CODE, true, NULL},
    {"conversion", F_CONVERSION, true, NULL},
    {"grade", F_ENUM, true, grades},
    {"caveats", F_TEXT, false, NULL},
    {"illustrative", F_BOOL, false, NULL},
};

static const field retract_fields[] = {
    {"target", F_ID, true, NULL},
    {"reason", F_TEXT_OR_STR, false, NULL},
};

/* member / revoke: admissions, successions, hand-overs and revocations,
 * effective only as members.c's fold says (authority by feed position).
 * after / after_id name the last valid entry of a feed: the revoked key's,
 * the continued key's, or a demoted secretariat member's. */
static const field member_fields[] = {
    {"key", F_KEY, true, NULL},
    {"organisation", F_STR, true, NULL},
    {"country", F_COUNTRY, true, NULL},
    {"role", F_ENUM, true, roles},
    {"continues", F_KEY, false, NULL},
    {"after", F_COUNT, false, NULL},
    {"after_id", F_ID, false, NULL},
};

static const field revoke_fields[] = {
    {"key", F_KEY, true, NULL},
    {"after", F_COUNT, false, NULL},
    {"after_id", F_ID, false, NULL},
    {"reason", F_TEXT_OR_STR, false, NULL},
};

/* after_id pins the entry at seq `after`: it needs `after`, and there is
 * no entry 0. */
static int cut_rules(const kind_spec *spec, const msgpack_object *const *v)
{
    const msgpack_object *after = fv(spec, v, "after"), *id = fv(spec, v, "after_id");
    if (id && !after)
        return px_err_set(PX_ESCHEMA, "field 'after' is missing: after_id names the entry at "
                                      "seq 'after'");
    if (id && after->via.u64 == 0)
        return px_err_set(PX_ESCHEMA, "field 'after_id': there is no entry at seq 0");
    return PX_OK;
}

/* address: where the author's node can be reached. The author's key is the
 * entry's author, so the addresses are plain HOST:PORT. */
static const field address_fields[] = {
    {"addresses", F_STRS, true, NULL},
};

static int address_rules(const kind_spec *spec, const msgpack_object *const *vals)
{
    const msgpack_object *list = fv(spec, vals, "addresses");
    if (list->via.array.size == 0 || list->via.array.size > 8)
        return px_err_set(PX_ESCHEMA, "field 'addresses' must hold 1 to 8 addresses");
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *a = &list->via.array.ptr[i];
        char text[PX_ADDR_TEXT_MAX];
        if (a->via.str.size >= sizeof text)
            return px_err_set(PX_ESCHEMA, "field 'addresses': item %u is too long", i + 1);
        memcpy(text, a->via.str.ptr, a->via.str.size);
        text[a->via.str.size] = '\0';
        px_addr parsed;
        if (px_addr_parse(text, &parsed) != PX_OK || parsed.has_key)
            return px_err_set(PX_ESCHEMA, "field 'addresses': item %u '%s' is not HOST:PORT", i + 1,
                              text);
    }
    return PX_OK;
}

static const field aggregate_fields[] = {
    {"indicator", F_CODE, true, NULL},
    {"period", F_PERIOD, true, NULL},
    {"weighting", F_ENUM, true, weightings},
    {"value", F_NUM, true, NULL},
    {"members", F_POSINT, true, NULL},
    {"by", F_ENUM, false, bys},
    {"group", F_STR, false, NULL},
    {"indicator_version", F_VERSION, false, NULL},
    {"n", F_COUNT, false, NULL},
    {"basis", F_ENUM, false, bases},
    {"results", F_IDS, false, NULL},
    {"illustrative", F_BOOL, false, NULL},
};
/* clang-format on */

static int case_rules(const kind_spec *spec, const msgpack_object *const *v)
{
    const msgpack_object *s = fv(spec, v, "start_year"), *e = fv(spec, v, "end_year");
    if (s && e && e->via.i64 < s->via.i64)
        return px_err_set(PX_ESCHEMA, "field 'end_year': %lld is before start_year %lld",
                          (long long)e->via.i64, (long long)s->via.i64);
    return PX_OK;
}

static int benchmark_rules(const kind_spec *spec, const msgpack_object *const *v)
{
    const msgpack_object *lo = fv(spec, v, "ci_low"), *hi = fv(spec, v, "ci_high");
    if ((lo == NULL) != (hi == NULL))
        return px_err_set(PX_ESCHEMA,
                          "field '%s' is missing: give ci_low and ci_high together, or neither",
                          lo ? "ci_high" : "ci_low");
    if (lo) {
        double l = num_value(lo), h = num_value(hi), x = num_value(fv(spec, v, "value"));
        if (l > h)
            return px_err_set(PX_ESCHEMA, "field 'ci_low': %.15g is above ci_high %.15g", l, h);
        if (x < l || x > h)
            return px_err_set(PX_ESCHEMA,
                              "field 'value': %.15g lies outside its confidence interval "
                              "%.15g-%.15g (ci_low <= value <= ci_high)",
                              x, l, h);
    }
    return PX_OK;
}

static int crosswalk_rules(const kind_spec *spec, const msgpack_object *const *v)
{
    const msgpack_object *f = fv(spec, v, "from"), *t = fv(spec, v, "to");
    if (f->via.str.size == t->via.str.size &&
        memcmp(f->via.str.ptr, t->via.str.ptr, f->via.str.size) == 0)
        return px_err_set(PX_ESCHEMA, "fields 'from' and 'to' both name indicator '%.*s'",
                          (int)f->via.str.size, f->via.str.ptr);
    return PX_OK;
}

static int aggregate_rules(const kind_spec *spec, const msgpack_object *const *v)
{
    const msgpack_object *by = fv(spec, v, "by"), *group = fv(spec, v, "group");
    if (by == NULL || str_eq(by, "network"))
        return PX_OK;
    if (group == NULL)
        return px_err_set(PX_ESCHEMA,
                          "field 'group' is missing: an aggregate by %.*s names the %.*s it "
                          "covers",
                          (int)by->via.str.size, by->via.str.ptr, (int)by->via.str.size,
                          by->via.str.ptr);
    if (str_eq(by, "country"))
        return check_country("field 'group'", group);
    return PX_OK;
}

#define KIND(art, req, f, r)                                                                       \
    {                                                                                              \
        art, req, f, sizeof f / sizeof f[0], r                                                     \
    }
/* One schema for every kind of kinds.h's table, at its id. */
static const kind_spec kinds[PX_KIND_COUNT] = {
    [PX_KIND_CASE] = KIND("a case", "title, summary, country and stage", case_fields, case_rules),
    [PX_KIND_INDICATOR] =
        KIND("an indicator", "code, version, name, measure_type and scale", indicator_fields, NULL),
    [PX_KIND_BENCHMARK] = KIND("a benchmark", "indicator, country, period and value",
                               benchmark_fields, benchmark_rules),
    [PX_KIND_CROSSWALK] =
        KIND("a crosswalk", "from, to, conversion and grade", crosswalk_fields, crosswalk_rules),
    [PX_KIND_RETRACT] = KIND("a retraction", "target", retract_fields, NULL),
    [PX_KIND_AGGREGATE] = KIND("an aggregate", "indicator, period, weighting, value and members",
                               aggregate_fields, aggregate_rules),
    [PX_KIND_ADDRESS] = KIND("an address announcement", "addresses", address_fields, address_rules),
    [PX_KIND_MEMBER] =
        KIND("an admission", "key, organisation, country and role", member_fields, cut_rules),
    [PX_KIND_REVOKE] = KIND("a revocation", "key", revoke_fields, cut_rules),
};
#undef KIND

static const kind_spec *find_kind(const char *kind)
{
    const px_kind *k = px_kind_find(kind);
    return k && kinds[k->id].fields ? &kinds[k->id] : NULL;
}

static const char *kind_name(const kind_spec *spec)
{
    return px_kind_get((px_kind_id)(spec - kinds))->name;
}

bool px_record_kind_known(const char *kind)
{
    return find_kind(kind) != NULL;
}

const char *const *px_record_choices(const char *kind, const char *name)
{
    const kind_spec *spec = find_kind(kind);
    for (size_t i = 0; spec && name && i < spec->nfields; i++)
        if (spec->fields[i].type == F_ENUM && strcmp(spec->fields[i].name, name) == 0)
            return spec->fields[i].values;
    return NULL;
}

const char *px_country_code(size_t i, char out[3])
{
    if (i >= (sizeof countries - 1) / 2)
        return NULL;
    memcpy(out, countries + 2 * i, 2);
    out[2] = '\0';
    return out;
}

static int check_field(const field *f, const msgpack_object *o)
{
    char label[96];
    snprintf(label, sizeof label, "field '%s'", f->name);
    switch (f->type) {
    case F_TEXT:
        return check_langmap(label, o);
    case F_TEXT_OR_STR:
        if (o->type == MSGPACK_OBJECT_STR)
            return check_str(label, o);
        if (o->type != MSGPACK_OBJECT_MAP)
            return want(label, o, "a string or a language map such as {\"en\": \"text\"}");
        return check_langmap(label, o);
    case F_STR:
        return check_str(label, o);
    case F_CODE:
        return check_code(label, o);
    case F_ENUM:
        return check_enum(label, o, f->values);
    case F_COUNTRY:
        return check_country(label, o);
    case F_PERIOD:
        return check_period(label, o);
    case F_YEAR:
        return check_year(label, o);
    case F_POSINT:
        return check_int_min(label, o, 1, "1 or more");
    case F_VERSION:
        return check_version(label, o);
    case F_COUNT:
        return check_int_min(label, o, 0, "0 or more");
    case F_NUM: {
        double v = 0;
        return get_num(label, o, &v);
    }
    case F_NONNEG: {
        double v = 0;
        int rc = get_num(label, o, &v);
        if (rc)
            return rc;
        if (v < 0)
            return px_err_set(PX_ESCHEMA, "%s: %.15g is negative; it must be 0 or more", label, v);
        return PX_OK;
    }
    case F_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            return want(label, o, "true or false");
        return PX_OK;
    case F_ID:
        return check_id(label, o);
    case F_KEY:
        return check_key(label, o);
    case F_IDS:
        return check_list(label, o, check_id, "a list of entry ids");
    case F_STRS:
        return check_list(label, o, check_str, "a list of strings");
    case F_LANGS:
        return check_list(label, o, check_lang_tag, "a list of language codes");
    case F_SCALE:
        return check_scale(o);
    case F_CONVERSION:
        return check_conversion(o);
    case F_ATTACHMENTS:
        return check_attachments(label, o);
    }
    return px_err_set(PX_EINVAL, "internal: unknown field type for '%s'", f->name);
}

/* ASCII lower case, for comparing field names. */
static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The field a cross-field rule's message names first ("field 'ci_low': ..."
 * or "fields 'from' and 'to' ..."), copied into a static-per-thread buffer;
 * "" when it names none. */
static const char *rule_field(const char *detail)
{
    static _Thread_local char name[48];
    const char *q = strchr(detail, '\'');
    const char *e = q ? strchr(q + 1, '\'') : NULL;
    name[0] = '\0';
    if (q && e && (size_t)(e - q - 1) < sizeof name) {
        memcpy(name, q + 1, (size_t)(e - q - 1));
        name[e - q - 1] = '\0';
    }
    return name;
}

/* How validate_map reports: stop at the first problem (fn NULL), or tell fn
 * about every one and go on. */
typedef struct issues {
    px_record_issue_fn fn;
    void *ctx;
    int first; /* the code of the first problem, PX_OK if none */
    size_t n;  /* problems so far */
} issues;

/* Report a problem just set with px_err_set (rc, detail) about field
 * (may be ""). Returns rc when validation must stop, PX_OK to go on. */
static int issue(issues *is, int rc, const char *name)
{
    if (is->first == PX_OK)
        is->first = rc;
    is->n++;
    if (is->fn == NULL || (rc != PX_ESCHEMA && rc != PX_EFORMAT && rc != PX_ETOOBIG))
        return rc;
    is->fn(is->ctx, rc, name, px_err_detail());
    return PX_OK;
}

/* Levenshtein distance of a[0..an) and b, both short (field names); large
 * when either is longer than 31 bytes. */
static size_t edit_distance(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b), row[33];
    if (an > 31 || bn > 31)
        return SIZE_MAX;
    for (size_t j = 0; j <= bn; j++)
        row[j] = j;
    for (size_t i = 1; i <= an; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= bn; j++) {
            size_t up = row[j];
            size_t best = diag + (lower_ascii(a[i - 1]) != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[bn];
}

const char *px_record_nearest_field(const char *kind, const char *name, size_t len)
{
    const kind_spec *spec = find_kind(kind);
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    if (spec == NULL)
        return NULL;
    for (size_t f = 0; f < spec->nfields; f++) {
        size_t d = edit_distance(name, len, spec->fields[f].name);
        if (d < best_d) {
            best_d = d;
            best = spec->fields[f].name;
        }
    }
    /* Only a plausible typo: at most 2 edits, and fewer than half the name. */
    if (best == NULL || best_d > 2 || best_d * 2 >= strlen(best))
        return NULL;
    return best;
}

/* Strict publishing inside the two maps with fixed keys (a scale, a
 * conversion): a key they do not define, with the nearest one. */
static int nested_unknown(const field *fd, const msgpack_object *o, issues *is)
{
    static const char *const scale_keys[] = {"min", "max", "higher_is_better", NULL};
    static const char *const conv_keys[] = {"type", "a", "b", NULL};
    const char *const *keys = fd->type == F_SCALE ? scale_keys : conv_keys;
    const char *what = fd->type == F_SCALE ? "a scale" : "a conversion";
    char shown[64], path[96];
    int rc = PX_OK;
    if (o->type != MSGPACK_OBJECT_MAP)
        return PX_OK;
    for (uint32_t i = 0; i < o->via.map.size && !rc; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        size_t j = 0, best_d = SIZE_MAX;
        const char *best = NULL;
        if (k->type != MSGPACK_OBJECT_STR)
            continue;
        while (keys[j] && !str_eq(k, keys[j]))
            j++;
        if (keys[j])
            continue;
        for (j = 0; keys[j]; j++) {
            size_t d = edit_distance(k->via.str.ptr, k->via.str.size, keys[j]);
            if (d < best_d) {
                best_d = d;
                best = keys[j];
            }
        }
        if (best && (best_d > 2 || best_d * 2 >= strlen(best)))
            best = NULL;
        px_record_show(shown, sizeof shown, k->via.str.ptr, k->via.str.size);
        snprintf(path, sizeof path, "%s.%s", fd->name, shown);
        if (best)
            px_err_set(PX_ESCHEMA, "field '%s' is not part of %s; did you mean '%s.%s'?", path,
                       what, fd->name, best);
        else
            px_err_set(PX_ESCHEMA, "field '%s' is not part of %s, which has %s", path, what,
                       fd->type == F_SCALE ? "min, max and higher_is_better" : "type, a and b");
        rc = issue(is, PX_ESCHEMA, fd->name);
    }
    return rc;
}

/* Validate an unpacked body map against spec. OUT vals (MAX_FIELDS): the
 * value of each field or NULL. strict: a field the kind does not define is
 * a schema error. */
static int validate_map(const kind_spec *spec, const msgpack_object *root,
                        const msgpack_object **vals, bool strict, issues *is)
{
    char shown[64];
    const msgpack_object_map *m = &root->via.map;
    int rc = PX_OK;
    bool field_bad[MAX_FIELDS] = {false};
    bool any_bad = false;

    for (size_t f = 0; f < spec->nfields; f++)
        vals[f] = NULL;
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *k = &m->ptr[i].key;
        bool dup = false;
        if (k->type != MSGPACK_OBJECT_STR)
            return issue(
                is, px_err_set(PX_EFORMAT, "key %u of the body map is not a string", i + 1), "");
        for (uint32_t j = 0; j < i && !dup; j++) {
            const msgpack_object *k2 = &m->ptr[j].key;
            dup = k2->via.str.size == k->via.str.size &&
                  (k->via.str.size == 0 || /* an empty key's pointer may be NULL */
                   memcmp(k2->via.str.ptr, k->via.str.ptr, k->via.str.size) == 0);
        }
        if (dup) {
            any_bad = true;
            px_record_show(shown, sizeof shown, k->via.str.ptr, k->via.str.size);
            rc = issue(is, px_err_set(PX_ESCHEMA, "field '%s' appears twice", shown), shown);
            if (rc)
                return rc;
            continue;
        }
        size_t f = 0;
        while (f < spec->nfields && !str_eq(k, spec->fields[f].name))
            f++;
        if (f < spec->nfields) {
            vals[f] = &m->ptr[i].val;
        } else if (strict) {
            const char *near =
                px_record_nearest_field(kind_name(spec), k->via.str.ptr, k->via.str.size);
            any_bad = true;
            px_record_show(shown, sizeof shown, k->via.str.ptr, k->via.str.size);
            if (near)
                px_err_set(PX_ESCHEMA, "field '%s' is not a field of %s; did you mean '%s'?", shown,
                           spec->article, near);
            else
                px_err_set(PX_ESCHEMA,
                           "field '%s' is not a field of %s; its fields are listed in "
                           "schema/RECORDS.md",
                           shown, spec->article);
            rc = issue(is, PX_ESCHEMA, shown);
            if (rc)
                return rc;
        }
    }
    for (size_t f = 0; f < spec->nfields; f++) {
        const field *fd = &spec->fields[f];
        if (vals[f] == NULL) {
            if (fd->required) {
                any_bad = field_bad[f] = true;
                rc = issue(is,
                           px_err_set(PX_ESCHEMA, "field '%s' is missing; %s needs %s", fd->name,
                                      spec->article, spec->required_list),
                           fd->name);
                if (rc)
                    return rc;
            }
            continue;
        }
        rc = check_field(fd, vals[f]);
        if (rc) {
            any_bad = field_bad[f] = true;
            rc = issue(is, rc, fd->name);
            if (rc)
                return rc;
        } else if (strict && (fd->type == F_SCALE || fd->type == F_CONVERSION)) {
            size_t before = is->n;
            rc = nested_unknown(fd, vals[f], is);
            if (rc)
                return rc;
            any_bad |= is->n != before;
        }
    }
    /* The cross-field rules read only fields that passed their own checks. */
    if (spec->rules && !any_bad) {
        rc = spec->rules(spec, vals);
        if (rc)
            return issue(is, rc, rule_field(px_err_detail()));
    }
    return is->first;
}

/* ---- 5. validation entry points ---------------------------------------- */

static int unknown_kind(const char *kind)
{
    char shown[64], list[128];
    return px_err_set(PX_EINVAL, "'%s' is not a record kind; the kinds are %s",
                      kind ? px_record_show(shown, sizeof shown, kind, strlen(kind)) : "(none)",
                      px_kind_list(PX_KIND_INDEXED, " and ", list, sizeof list));
}

int px_record_validate(const char *kind, const uint8_t *body, size_t len)
{
    const msgpack_object *vals[MAX_FIELDS];
    msgpack_unpacked up;
    int rc = PX_OK;
    const kind_spec *spec = find_kind(kind);

    if (spec == NULL)
        return unknown_kind(kind);
    rc = px_record_unpack(body, len, &up);
    if (rc)
        goto out;
    issues is = {0};
    rc = validate_map(spec, &up.data, vals, false, &is);
out:
    msgpack_unpacked_destroy(&up);
    return rc;
}

int px_record_check(const char *kind, const uint8_t *body, size_t len, unsigned flags,
                    px_record_issue_fn fn, void *ctx)
{
    const msgpack_object *vals[MAX_FIELDS];
    msgpack_unpacked up;
    issues is = {.fn = fn, .ctx = ctx};
    const kind_spec *spec = find_kind(kind);
    int rc;

    if (spec == NULL)
        return unknown_kind(kind);
    rc = px_record_unpack(body, len, &up);
    if (rc)
        rc = issue(&is, rc, "");
    else
        rc = validate_map(spec, &up.data, vals, (flags & PX_RECORD_STRICT) != 0, &is);
    msgpack_unpacked_destroy(&up);
    return rc ? rc : is.first;
}

int px_record_check_scale(double value, double scale_min, double scale_max,
                          const char *indicator_code)
{
    if (isfinite(value) && value >= scale_min && value <= scale_max)
        return PX_OK;
    if (indicator_code)
        return px_err_set(PX_ESCHEMA,
                          "field 'value': %.15g is outside indicator %s's scale %.15g–%.15g", value,
                          indicator_code, scale_min, scale_max);
    return px_err_set(PX_ESCHEMA,
                      "field 'value': %.15g is outside the indicator's scale %.15g–%.15g", value,
                      scale_min, scale_max);
}

/* ---- 6. reading helpers and decoded views ------------------------------ */

const msgpack_object *px_record_get(const msgpack_object *map, const char *key)
{
    return px_mp_get(map, key);
}

static size_t primary_len(const char *s, size_t n)
{
    const char *dash = memchr(s, '-', n);
    return dash ? (size_t)(dash - s) : n;
}

const msgpack_object *px_langmap_pick(const msgpack_object *text, const char *lang,
                                      const msgpack_object **lang_out)
{
    enum { EXACT, PRIMARY, EN, RU, FIRST, NONE };
    const msgpack_object *best = NULL, *best_key = NULL;
    int best_rank = NONE;
    size_t lang_len = lang ? strlen(lang) : 0;

    if (lang_out)
        *lang_out = NULL;
    if (text == NULL)
        return NULL;
    if (text->type == MSGPACK_OBJECT_STR)
        return text;
    if (text->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < text->via.map.size; i++) {
        const msgpack_object *k = &text->via.map.ptr[i].key;
        const msgpack_object *v = &text->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR || v->type != MSGPACK_OBJECT_STR)
            continue;
        const char *ks = k->via.str.ptr;
        size_t kn = k->via.str.size;
        int rank = FIRST;
        if (lang_len && kn == lang_len && memcmp(ks, lang, kn) == 0) {
            rank = EXACT;
        } else if (lang_len && primary_len(ks, kn) == primary_len(lang, lang_len) &&
                   memcmp(ks, lang, primary_len(ks, kn)) == 0) {
            rank = PRIMARY;
        } else if (str_eq(k, "en")) {
            rank = EN;
        } else if (str_eq(k, "ru")) {
            rank = RU;
        }
        if (rank < best_rank) {
            best_rank = rank;
            best = v;
            best_key = k;
        }
    }
    if (lang_out)
        *lang_out = best_key;
    return best;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

int px_langmap_pick_dup(const msgpack_object *text, const char *lang, char **out, char **lang_out)
{
    const msgpack_object *key = NULL;
    int rc = PX_OK;

    *out = NULL;
    if (lang_out)
        *lang_out = NULL;
    const msgpack_object *v = px_langmap_pick(text, lang, &key);
    if (v == NULL)
        return PX_ENOENT;
    *out = dup_bytes(v->via.str.ptr, v->via.str.size);
    if (*out == NULL) {
        rc = PX_ENOMEM;
        goto out;
    }
    if (lang_out && key) {
        *lang_out = dup_bytes(key->via.str.ptr, key->via.str.size);
        if (*lang_out == NULL) {
            rc = PX_ENOMEM;
            goto out;
        }
    }
out:
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* Copy an optional string field; absent leaves *dst NULL. PX_ENOMEM. */
static int dup_field(const msgpack_object *o, char **dst)
{
    *dst = NULL;
    if (o == NULL)
        return PX_OK;
    *dst = dup_bytes(o->via.str.ptr, o->via.str.size);
    return *dst ? PX_OK : PX_ENOMEM;
}

/* Unpack and validate as `kind`, for the decoders. */
static int decode_begin(const kind_spec *spec, const uint8_t *body, size_t len,
                        msgpack_unpacked *up, const msgpack_object **vals)
{
    int rc = px_record_unpack(body, len, up);
    if (rc)
        return rc;
    issues is = {0};
    return validate_map(spec, &up->data, vals, false, &is);
}

void px_benchmark_free(px_benchmark *b)
{
    if (b == NULL)
        return;
    free(b->indicator);
    free(b->centre);
    free(b->service);
    free(b->channel);
    free(b->period);
    free(b->method);
    free(b->status);
    free(b->source);
    memset(b, 0, sizeof *b);
}

int px_benchmark_decode(const uint8_t *body, size_t len, px_benchmark *out)
{
    const msgpack_object *v[MAX_FIELDS];
    const kind_spec *k = find_kind("benchmark");
    msgpack_unpacked up;
    int rc;

    memset(out, 0, sizeof *out);
    rc = decode_begin(k, body, len, &up, v);
    if (rc)
        goto out;
    const msgpack_object *status = fv(k, v, "status"), *ver = fv(k, v, "indicator_version");
    const msgpack_object *n = fv(k, v, "n"), *lo = fv(k, v, "ci_low"), *hi = fv(k, v, "ci_high");
    const msgpack_object *se = fv(k, v, "std_err"), *ill = fv(k, v, "illustrative");
    if (dup_field(fv(k, v, "indicator"), &out->indicator) ||
        dup_field(fv(k, v, "period"), &out->period) ||
        dup_field(fv(k, v, "centre"), &out->centre) ||
        dup_field(fv(k, v, "service"), &out->service) ||
        dup_field(fv(k, v, "channel"), &out->channel) ||
        dup_field(fv(k, v, "method"), &out->method) ||
        dup_field(fv(k, v, "source"), &out->source)) {
        rc = PX_ENOMEM;
        goto out;
    }
    out->status =
        status ? dup_bytes(status->via.str.ptr, status->via.str.size) : dup_bytes("normal", 6);
    if (out->status == NULL) {
        rc = PX_ENOMEM;
        goto out;
    }
    memcpy(out->country, fv(k, v, "country")->via.str.ptr, 2);
    px_period_parse(out->period, strlen(out->period), &out->when);
    out->value = num_value(fv(k, v, "value"));
    if (ver) {
        px_version_key(ver, &out->indicator_version);
        px_version_text(ver, out->indicator_version_text);
    }
    out->n = n ? n->via.i64 : -1;
    out->has_ci = lo != NULL && hi != NULL;
    out->ci_low = lo ? num_value(lo) : 0;
    out->ci_high = hi ? num_value(hi) : 0;
    out->has_std_err = se != NULL;
    out->std_err = se ? num_value(se) : 0;
    out->illustrative = ill ? ill->via.boolean : false;
out:
    msgpack_unpacked_destroy(&up);
    if (rc)
        px_benchmark_free(out);
    return rc;
}

void px_indicator_free(px_indicator *ind)
{
    if (ind == NULL)
        return;
    free(ind->code);
    free(ind->domain);
    free(ind->measure_type);
    free(ind->unit);
    memset(ind, 0, sizeof *ind);
}

int px_indicator_decode(const uint8_t *body, size_t len, px_indicator *out)
{
    const msgpack_object *v[MAX_FIELDS];
    const kind_spec *k = find_kind("indicator");
    msgpack_unpacked up;
    int rc;

    memset(out, 0, sizeof *out);
    rc = decode_begin(k, body, len, &up, v);
    if (rc)
        goto out;
    if (dup_field(fv(k, v, "code"), &out->code) ||
        dup_field(fv(k, v, "measure_type"), &out->measure_type) ||
        dup_field(fv(k, v, "domain"), &out->domain) || dup_field(fv(k, v, "unit"), &out->unit)) {
        rc = PX_ENOMEM;
        goto out;
    }
    const msgpack_object *scale = fv(k, v, "scale"), *ill = fv(k, v, "illustrative");
    const msgpack_object *hib = px_mp_get(scale, "higher_is_better");
    px_version_key(fv(k, v, "version"), &out->version);
    px_version_text(fv(k, v, "version"), out->version_text);
    out->scale_min = num_value(px_mp_get(scale, "min"));
    out->scale_max = num_value(px_mp_get(scale, "max"));
    out->higher_is_better = hib ? hib->via.boolean : true;
    out->illustrative = ill ? ill->via.boolean : false;
out:
    msgpack_unpacked_destroy(&up);
    if (rc)
        px_indicator_free(out);
    return rc;
}

void px_crosswalk_free(px_crosswalk *cw)
{
    if (cw == NULL)
        return;
    free(cw->from);
    free(cw->to);
    free(cw->grade);
    memset(cw, 0, sizeof *cw);
}

int px_crosswalk_decode(const uint8_t *body, size_t len, px_crosswalk *out)
{
    const msgpack_object *v[MAX_FIELDS];
    const kind_spec *k = find_kind("crosswalk");
    msgpack_unpacked up;
    int rc;

    memset(out, 0, sizeof *out);
    rc = decode_begin(k, body, len, &up, v);
    if (rc)
        goto out;
    if (dup_field(fv(k, v, "from"), &out->from) || dup_field(fv(k, v, "to"), &out->to) ||
        dup_field(fv(k, v, "grade"), &out->grade)) {
        rc = PX_ENOMEM;
        goto out;
    }
    const msgpack_object *conv = fv(k, v, "conversion"), *ill = fv(k, v, "illustrative");
    if (str_eq(px_mp_get(conv, "type"), "linear")) {
        out->conversion = PX_CONV_LINEAR;
        out->a = num_value(px_mp_get(conv, "a"));
        out->b = num_value(px_mp_get(conv, "b"));
    } else {
        out->conversion = PX_CONV_ENDPOINTS;
    }
    out->illustrative = ill ? ill->via.boolean : false;
out:
    msgpack_unpacked_destroy(&up);
    if (rc)
        px_crosswalk_free(out);
    return rc;
}

double px_tidy_real(double x)
{
    /* Binary arithmetic leaves noise in the last bits (8.7 on 0-10 gives
     * 86.99999999999999): a derived figure is kept to 12 significant
     * digits, far beyond what any survey measures, so it prints as 87. */
    if (!isfinite(x) || x == 0)
        return x;
    char buf[32];
    snprintf(buf, sizeof buf, "%.12g", x);
    return strtod(buf, NULL);
}

double px_crosswalk_apply(const px_crosswalk *cw, double x, const px_indicator *from,
                          const px_indicator *to)
{
    if (cw == NULL || !isfinite(x))
        return NAN;
    if (cw->conversion == PX_CONV_LINEAR)
        return px_tidy_real(cw->a * x + cw->b);
    if (from == NULL || to == NULL || !(from->scale_min < from->scale_max) ||
        !(to->scale_min < to->scale_max))
        return NAN;
    double t = (x - from->scale_min) / (from->scale_max - from->scale_min);
    if (from->higher_is_better != to->higher_is_better)
        t = 1.0 - t;
    return px_tidy_real(to->scale_min + t * (to->scale_max - to->scale_min));
}

double px_rescale_100(double value, double scale_min, double scale_max)
{
    if (!isfinite(value) || !isfinite(scale_min) || !isfinite(scale_max) ||
        !(scale_min < scale_max))
        return NAN;
    return px_tidy_real(100.0 * (value - scale_min) / (scale_max - scale_min));
}
