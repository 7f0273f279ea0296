/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webformrec.c — publish forms to records and back (see webformrec.h).
 *
 * Layout: the posted fields; the errors; the form of each kind (a table of
 * its plain fields and its language-map fields); value conversion; form to
 * record; record to form; error paths to form fields.
 */
#include "webformrec.h"

#include "error.h"
#include "records.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the posted fields ---------------------------------------------------- */

int px_form_add(px_form *f, const char *name, const char *value)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        px_kv *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    char *n = strdup(name), *val = strdup(value ? value : "");
    if (!n || !val) {
        free(n);
        free(val);
        return PX_ENOMEM;
    }
    f->v[f->n++] = (px_kv){n, val};
    return PX_OK;
}

const char *px_form_get(const px_form *f, const char *name)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0)
            return f->v[i].value;
    return NULL;
}

void px_form_free(px_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free((char *)f->v[i].name);
        free((char *)f->v[i].value);
    }
    free(f->v);
    *f = (px_form){0};
}

/* ---- errors ------------------------------------------------------------------- */

int px_form_error_add(px_form_errors *e, const char *field, const char *message)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        px_form_error *v = realloc(e->v, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        e->v = v;
        e->cap = cap;
    }
    px_form_error *x = &e->v[e->n++];
    snprintf(x->field, sizeof x->field, "%s", field ? field : "");
    snprintf(x->message, sizeof x->message, "%s", message ? message : "");
    return PX_OK;
}

const char *px_form_error_for(const px_form_errors *e, const char *field)
{
    for (size_t i = 0; e && i < e->n; i++)
        if (strcmp(e->v[i].field, field) == 0)
            return e->v[i].message;
    return NULL;
}

void px_form_errors_free(px_form_errors *e)
{
    if (!e)
        return;
    free(e->v);
    *e = (px_form_errors){0};
}

/* ---- the forms ------------------------------------------------------------------ */

typedef enum ftype {
    T_TEXT,    /* a string */
    T_NUM,     /* a number: integer or real as written, else the text */
    T_VERSION, /* digits: an integer; anything else the text (1.2.0) */
    T_LIST,    /* one string per line */
    T_CHECK,   /* a checkbox: true when posted non-empty */
    T_BOOL,    /* "true" | "false" */
    T_SUB,     /* a key of a nested map (scale, conversion) */
} ftype;

typedef struct ffield {
    const char *name; /* the form field */
    ftype type;
    const char *parent; /* T_SUB: the record field holding the map */
    const char *key;    /* T_SUB: the key inside it */
    ftype subtype;      /* T_SUB: how the value converts */
} ffield;

typedef struct fform {
    const char *kind;
    const ffield *fields;
    size_t nfields;
    const char *const *texts; /* language-map fields, NULL-terminated */
} fform;

/* clang-format off */
static const ffield case_fields[] = {
    {"country", T_TEXT, NULL, NULL, 0},
    {"stage", T_TEXT, NULL, NULL, 0},
    {"start_year", T_NUM, NULL, NULL, 0},
    {"end_year", T_NUM, NULL, NULL, 0},
    {"centre", T_TEXT, NULL, NULL, 0},
    {"services", T_LIST, NULL, NULL, 0},
    {"channels", T_LIST, NULL, NULL, 0},
    {"tags", T_LIST, NULL, NULL, 0},
    {"contact", T_TEXT, NULL, NULL, 0},
    {"related_results", T_LIST, NULL, NULL, 0},
    {"supersedes", T_TEXT, NULL, NULL, 0},
    {"illustrative", T_CHECK, NULL, NULL, 0},
};
static const char *const case_texts[] = {"title", "summary", "problem", "solution",
    "implementation", "results", "lessons", "transferability", NULL};

static const ffield indicator_fields[] = {
    {"code", T_TEXT, NULL, NULL, 0},
    {"version", T_VERSION, NULL, NULL, 0},
    {"measure_type", T_TEXT, NULL, NULL, 0},
    {"domain", T_TEXT, NULL, NULL, 0},
    {"scale_min", T_SUB, "scale", "min", T_NUM},
    {"scale_max", T_SUB, "scale", "max", T_NUM},
    {"higher_is_better", T_SUB, "scale", "higher_is_better", T_BOOL},
    {"unit", T_TEXT, NULL, NULL, 0},
    {"supersedes", T_TEXT, NULL, NULL, 0},
    {"illustrative", T_CHECK, NULL, NULL, 0},
};
static const char *const indicator_texts[] = {"name", "description", "question",
    "unit_of_analysis", "aggregation", "methodology", NULL};

static const ffield benchmark_fields[] = {
    {"indicator", T_TEXT, NULL, NULL, 0},
    {"indicator_version", T_VERSION, NULL, NULL, 0},
    {"country", T_TEXT, NULL, NULL, 0},
    {"period", T_TEXT, NULL, NULL, 0},
    {"value", T_NUM, NULL, NULL, 0},
    {"centre", T_TEXT, NULL, NULL, 0},
    {"service", T_TEXT, NULL, NULL, 0},
    {"channel", T_TEXT, NULL, NULL, 0},
    {"n", T_NUM, NULL, NULL, 0},
    {"ci_low", T_NUM, NULL, NULL, 0},
    {"ci_high", T_NUM, NULL, NULL, 0},
    {"std_err", T_NUM, NULL, NULL, 0},
    {"method", T_TEXT, NULL, NULL, 0},
    {"status", T_TEXT, NULL, NULL, 0},
    {"source", T_TEXT, NULL, NULL, 0},
    {"illustrative", T_CHECK, NULL, NULL, 0},
};
static const char *const benchmark_texts[] = {"notes", NULL};

static const ffield crosswalk_fields[] = {
    {"from", T_TEXT, NULL, NULL, 0},
    {"to", T_TEXT, NULL, NULL, 0},
    {"conversion", T_SUB, "conversion", "type", T_TEXT},
    {"a", T_SUB, "conversion", "a", T_NUM},
    {"b", T_SUB, "conversion", "b", T_NUM},
    {"grade", T_TEXT, NULL, NULL, 0},
    {"illustrative", T_CHECK, NULL, NULL, 0},
};
static const char *const crosswalk_texts[] = {"caveats", NULL};
/* clang-format on */

#define FORM(k, f, t)                                                                              \
    {                                                                                              \
        k, f, sizeof f / sizeof f[0], t                                                            \
    }
static const fform forms[] = {
    FORM("case", case_fields, case_texts),
    FORM("indicator", indicator_fields, indicator_texts),
    FORM("benchmark", benchmark_fields, benchmark_texts),
    FORM("crosswalk", crosswalk_fields, crosswalk_texts),
};
#undef FORM

static const fform *find_form(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof forms / sizeof forms[0]; i++)
        if (strcmp(forms[i].kind, kind) == 0)
            return &forms[i];
    return NULL;
}

bool px_formrec_kind(const char *kind)
{
    return find_form(kind) != NULL;
}

const char *const *px_formrec_text_fields(const char *kind)
{
    const fform *ff = find_form(kind);
    return ff ? ff->texts : NULL;
}

static const ffield *find_field(const fform *ff, const char *name)
{
    for (size_t i = 0; i < ff->nfields; i++)
        if (strcmp(ff->fields[i].name, name) == 0)
            return &ff->fields[i];
    return NULL;
}

/* Split "title_3" into the text field "title" and 3, if the prefix is
 * "lang" or a language-map field of ff and the suffix a small number. */
static bool split_lang_name(const fform *ff, const char *name, const char **text, size_t *idx)
{
    const char *us = strrchr(name, '_');
    if (!us || us[1] == '\0' || strlen(us + 1) > 2)
        return false;
    size_t v = 0;
    for (const char *p = us + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    if (v >= PX_FORMREC_MAX_LANGS)
        return false;
    size_t plen = (size_t)(us - name);
    if (plen == 4 && strncmp(name, "lang", 4) == 0) {
        *text = "lang";
        *idx = v;
        return true;
    }
    for (const char *const *t = ff->texts; *t; t++) {
        if (strlen(*t) == plen && strncmp(name, *t, plen) == 0) {
            *text = *t;
            *idx = v;
            return true;
        }
    }
    return false;
}

bool px_formrec_known(const char *kind, const char *name)
{
    const fform *ff = find_form(kind);
    const char *t;
    size_t i;
    return ff && (find_field(ff, name) || split_lang_name(ff, name, &t, &i));
}

size_t px_formrec_nlangs(const char *kind, const px_form *f)
{
    const fform *ff = find_form(kind);
    size_t n = 1;
    for (size_t i = 0; ff && f && i < f->n; i++) {
        const char *t;
        size_t idx;
        if (split_lang_name(ff, f->v[i].name, &t, &idx) && idx + 1 > n)
            n = idx + 1;
    }
    return n;
}

/* ---- values ----------------------------------------------------------------------- */

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* s trimmed, as a new string; NULL when nothing is left (or no memory: the
 * caller tells the two apart with *oom). */
static char *trimmed(const char *s, bool *oom)
{
    *oom = false;
    if (!s)
        return NULL;
    while (space(*s))
        s++;
    size_t n = strlen(s);
    while (n && space(s[n - 1]))
        n--;
    if (!n)
        return NULL;
    char *o = strndup(s, n);
    *oom = o == NULL;
    return o;
}

/* A number as written: "-12" an integer, "4.66" or "1e3" a real; anything
 * else (including "4,66", "inf", "0x10", an integer too large) is NULL. */
static json_t *number(const char *s, bool integer_only)
{
    size_t i = 0;
    bool digits_only = true;
    if (s[i] == '-' || s[i] == '+')
        i++;
    if (!s[i])
        return NULL;
    for (size_t j = i; s[j]; j++) {
        char c = s[j];
        if (c >= '0' && c <= '9')
            continue;
        digits_only = false;
        if (integer_only || !(c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return NULL;
    }
    char *end;
    errno = 0;
    if (digits_only) {
        long long v = strtoll(s, &end, 10);
        if (errno || *end)
            return NULL;
        return json_integer((json_int_t)v);
    }
    double d = strtod(s, &end);
    if (errno || *end || !isfinite(d))
        return NULL;
    return json_real(d);
}

/* The JSON value of a posted (trimmed, non-empty) value of type t. */
static json_t *convert(ftype t, const char *v)
{
    json_t *j = NULL;
    switch (t) {
    case T_NUM:
        j = number(v, false);
        break;
    case T_VERSION:
        j = number(v, true);
        break;
    case T_BOOL:
        if (strcmp(v, "true") == 0)
            return json_true();
        if (strcmp(v, "false") == 0)
            return json_false();
        break;
    case T_CHECK:
        return json_true();
    case T_LIST: {
        json_t *a = json_array();
        const char *p = v;
        while (a && *p) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            char *line = strndup(p, len);
            bool oom;
            char *item = line ? trimmed(line, &oom) : NULL;
            if (!line || (oom && !item)) {
                free(line);
                json_decref(a);
                return NULL;
            }
            /* nocheck: bytes that are not UTF-8 reach the validator, which names them */
            if (item && json_array_append_new(a, json_stringn_nocheck(item, strlen(item)))) {
                free(item);
                free(line);
                json_decref(a);
                return NULL;
            }
            free(item);
            free(line);
            p += len + (nl ? 1 : 0);
        }
        return a;
    }
    default:
        break;
    }
    if (!j)
        j = json_stringn_nocheck(v, strlen(v));
    return j;
}

/* ---- form to record ------------------------------------------------------------- */

static bool skipped(const char *const *skip, const char *name)
{
    for (size_t i = 0; skip && skip[i]; i++)
        if (strcmp(skip[i], name) == 0)
            return true;
    return false;
}

static int set_field(json_t *rec, const ffield *fd, const char *raw)
{
    bool oom;
    char *v = trimmed(raw, &oom);
    if (oom)
        return PX_ENOMEM;
    /* A list is never trimmed line by line before this: convert() does. */
    if (!v)
        return PX_OK;
    int rc = PX_OK;
    if (fd->type == T_SUB) {
        json_t *sub = json_object_get(rec, fd->parent);
        if (!sub) {
            sub = json_object();
            if (!sub || json_object_set_new(rec, fd->parent, sub)) {
                free(v);
                return PX_ENOMEM;
            }
        }
        json_t *j = convert(fd->subtype, v);
        if (!j || json_object_set_new(sub, fd->key, j))
            rc = PX_ENOMEM;
    } else {
        json_t *j = convert(fd->type, v);
        if (!j || json_object_set_new(rec, fd->name, j))
            rc = PX_ENOMEM;
    }
    free(v);
    return rc;
}

/* Marks a string for the catalogues (po/check.sh) without web.h. */
#ifndef PX_N_
#define PX_N_(s) (s)
#endif

/* The two messages of this module, translated by the caller's tr. */
static const char *tr_or(const px_formrec_tr *tr, const char *msgid)
{
    return tr && tr->fn ? tr->fn(tr->ctx, msgid) : msgid;
}

static int twice_error(px_form_errors *errs, const char *field, const char *lang,
                       const px_formrec_tr *tr)
{
    char msg[512], shown[64];
    const char *fmt = tr_or(
        tr, PX_N_("The language %s is given twice; write each language's text in one block."));
    const char *at = strstr(fmt, "%s");
    /* the translation must keep exactly one %s; print it by hand, not as a format */
    px_record_show(shown, sizeof shown, lang, strlen(lang));
    if (!at || strstr(at + 2, "%"))
        snprintf(msg, sizeof msg, "%s", fmt);
    else
        snprintf(msg, sizeof msg, "%.*s'%s'%s", (int)(at - fmt), fmt, shown, at + 2);
    return px_form_error_add(errs, field, msg);
}

/* The language blocks: lang_N gives the key of every TEXT_N. */
static int build_texts(const fform *ff, const px_form *f, json_t *rec, px_form_errors *errs,
                       const px_formrec_tr *tr)
{
    size_t nl = px_formrec_nlangs(ff->kind, f);
    char name[80];
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < nl; i++) {
        snprintf(name, sizeof name, "lang_%zu", i);
        bool oom;
        char *lang = trimmed(px_form_get(f, name), &oom);
        if (oom)
            return PX_ENOMEM;
        bool any_text = false;
        for (const char *const *t = ff->texts; !rc && *t; t++) {
            char tn[80];
            snprintf(tn, sizeof tn, "%s_%zu", *t, i);
            char *text = trimmed(px_form_get(f, tn), &oom);
            if (oom) {
                rc = PX_ENOMEM;
                break;
            }
            if (!text)
                continue;
            any_text = true;
            if (lang) {
                json_t *map = json_object_get(rec, *t);
                if (!map) {
                    map = json_object();
                    if (!map || json_object_set_new(rec, *t, map))
                        rc = PX_ENOMEM;
                }
                if (!rc && json_object_get(map, lang))
                    rc = px_form_error_for(errs, name) ? PX_OK : twice_error(errs, name, lang, tr);
                else if (!rc && json_object_set_new_nocheck(
                                    map, lang, json_stringn_nocheck(text, strlen(text))))
                    rc = PX_ENOMEM;
            }
            free(text);
        }
        if (!rc && any_text && !lang)
            rc = px_form_error_add(
                errs, name,
                tr_or(tr, PX_N_("Choose the language this block's text is written in.")));
        free(lang);
    }
    return rc;
}

int px_formrec_build(const char *kind, const px_form *f, const char *const *skip,
                     const px_formrec_tr *tr, json_t **rec, px_form_errors *errs)
{
    const fform *ff = find_form(kind);
    *rec = NULL;
    if (!ff)
        return px_err_set(PX_EINVAL, "no form for records of kind '%s'", kind ? kind : "");
    json_t *r = json_object();
    if (!r)
        return PX_ENOMEM;
    int rc = PX_OK;
    /* Plain fields in the form's order, so the record reads like the CLI's. */
    for (size_t i = 0; !rc && i < ff->nfields; i++) {
        const char *v = px_form_get(f, ff->fields[i].name);
        if (v)
            rc = set_field(r, &ff->fields[i], v);
    }
    if (!rc)
        rc = build_texts(ff, f, r, errs, tr);
    /* Anything else goes to the validator, which refuses what it does not know. */
    for (size_t i = 0; !rc && i < f->n; i++) {
        const char *name = f->v[i].name;
        const char *t;
        size_t idx;
        if (skipped(skip, name) || find_field(ff, name) || split_lang_name(ff, name, &t, &idx) ||
            json_object_get(r, name))
            continue;
        bool oom;
        char *v = trimmed(f->v[i].value, &oom);
        if (oom)
            rc = PX_ENOMEM;
        else if (json_object_set_new(r, name, json_stringn_nocheck(v ? v : "", v ? strlen(v) : 0)))
            rc = PX_ENOMEM;
        free(v);
    }
    if (rc) {
        json_decref(r);
        return rc;
    }
    *rec = r;
    return PX_OK;
}

/* ---- record to form ----------------------------------------------------------------- */

static int fill_value(px_form *out, const char *name, const json_t *v)
{
    char buf[64];
    if (json_is_string(v))
        return px_form_add(out, name, json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return px_form_add(out, name, buf);
    }
    if (json_is_real(v)) {
        /* shortest form that reads back the same */
        double d = json_real_value(v);
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        return px_form_add(out, name, buf);
    }
    if (json_is_boolean(v))
        return px_form_add(out, name, json_is_true(v) ? "true" : "false");
    if (json_is_array(v)) {
        px_buf b = {0};
        size_t i;
        json_t *x;
        int rc = PX_OK;
        json_array_foreach(v, i, x)
        {
            if (!json_is_string(x))
                continue;
            if (b.len)
                rc = px_buf_append(&b, "\n", 1);
            if (!rc)
                rc = px_buf_append(&b, json_string_value(x), json_string_length(x));
            if (rc)
                break;
        }
        if (!rc)
            rc = px_buf_append(&b, "", 1);
        if (!rc)
            rc = px_form_add(out, name, (const char *)b.data);
        px_buf_free(&b);
        return rc;
    }
    return PX_OK;
}

int px_formrec_fill(const char *kind, const json_t *rec, px_form *out)
{
    const fform *ff = find_form(kind);
    if (!ff || !json_is_object(rec))
        return px_err_set(PX_EINVAL, "no form for records of kind '%s'", kind ? kind : "");
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < ff->nfields; i++) {
        const ffield *fd = &ff->fields[i];
        const json_t *v = fd->type == T_SUB
                              ? json_object_get(json_object_get(rec, fd->parent), fd->key)
                              : json_object_get(rec, fd->name);
        if (!v)
            continue;
        if (fd->type == T_CHECK)
            rc = json_is_true(v) ? px_form_add(out, fd->name, "1") : PX_OK;
        else
            rc = fill_value(out, fd->name, v);
    }
    /* Languages in the order they first appear among the text fields. */
    const char *langs[PX_FORMREC_MAX_LANGS];
    size_t nl = 0;
    for (const char *const *t = ff->texts; *t; t++) {
        const json_t *map = json_object_get(rec, *t);
        const char *k;
        const json_t *v;
        if (!json_is_object(map))
            continue;
        json_object_foreach((json_t *)map, k, v)
        {
            size_t j = 0;
            while (j < nl && strcmp(langs[j], k) != 0)
                j++;
            if (j == nl && nl < PX_FORMREC_MAX_LANGS)
                langs[nl++] = k;
        }
    }
    char name[80];
    for (size_t j = 0; !rc && j < nl; j++) {
        snprintf(name, sizeof name, "lang_%zu", j);
        rc = px_form_add(out, name, langs[j]);
        for (const char *const *t = ff->texts; !rc && *t; t++) {
            const json_t *v = json_object_get(json_object_get(rec, *t), langs[j]);
            if (json_is_string(v)) {
                snprintf(name, sizeof name, "%s_%zu", *t, j);
                rc = px_form_add(out, name, json_string_value(v));
            }
        }
    }
    return rc;
}

/* ---- error paths to form fields ------------------------------------------------------ */

static void field_for(const char *kind, const char *path, const px_form *f, char *out,
                      size_t outlen, bool nearest);

void px_formrec_field_for(const char *kind, const char *path, const px_form *f, char *out,
                          size_t outlen)
{
    field_for(kind, path, f, out, outlen, true);
}

static void field_for(const char *kind, const char *path, const px_form *f, char *out,
                      size_t outlen, bool nearest)
{
    const fform *ff = find_form(kind);
    char head[80], sub[80] = "";
    out[0] = '\0';
    if (!ff || !path || !path[0])
        return;
    /* head: up to the first '.' or '['; sub: after a '.' up to the next '.' or '[' */
    size_t h = strcspn(path, ".[");
    if (h >= sizeof head)
        return;
    memcpy(head, path, h);
    head[h] = '\0';
    if (path[h] == '.') {
        size_t s = strcspn(path + h + 1, ".[");
        if (s < sizeof sub) {
            memcpy(sub, path + h + 1, s);
            sub[s] = '\0';
        }
    }
    /* A nested map's key, or the map itself (its first field). */
    for (size_t i = 0; i < ff->nfields; i++) {
        const ffield *fd = &ff->fields[i];
        if (fd->type == T_SUB && strcmp(fd->parent, head) == 0 &&
            (!sub[0] || strcmp(fd->key, sub) == 0)) {
            snprintf(out, outlen, "%s", fd->name);
            return;
        }
    }
    const ffield *fd = find_field(ff, head);
    if (fd && fd->type != T_SUB) {
        snprintf(out, outlen, "%s", fd->name);
        return;
    }
    for (const char *const *t = ff->texts; *t; t++) {
        if (strcmp(*t, head) != 0)
            continue;
        /* title.en: the block whose language is en; else the first block */
        size_t nl = px_formrec_nlangs(kind, f), at = 0;
        char name[80];
        for (size_t i = 0; sub[0] && i < nl; i++) {
            snprintf(name, sizeof name, "lang_%zu", i);
            const char *l = px_form_get(f, name);
            if (l && strcmp(l, sub) == 0) {
                at = i;
                /* a bad language tag belongs beside the language */
                if (!px_lang_valid(sub, strlen(sub))) {
                    snprintf(out, outlen, "lang_%zu", i);
                    return;
                }
                break;
            }
        }
        snprintf(out, outlen, "%s_%zu", *t, at);
        return;
    }
    /* A field no form has (a typo posted by a hand-made request): beside
     * the field it is nearest to, which its message names. */
    const char *near = nearest ? px_record_nearest_field(kind, head, strlen(head)) : NULL;
    if (near)
        field_for(kind, near, f, out, outlen, false);
}
