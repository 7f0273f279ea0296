/* SPDX-License-Identifier: Apache-2.0 */
/*
 * show.c — `praxis show ID`: one entry, readable or as JSON. A record (case,
 * indicator, benchmark, crosswalk, retract, aggregate) is rendered field by
 * field in the reader's language, falling back to any language it has,
 * with its status: current, superseded, retracted, or failing its schema.
 * Exits 0 only if the entry is held.
 */
#include "cli.h"

#include "error.h"
#include "kinds.h"
#include "index.h"
#include "jsonmp.h"
#include "records.h"
#include "tabular.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: praxis show ID [--lang L] [--json]\n\n"
    "Shows the entry with this id (64 hex digits, or a unique prefix of at\n"
    "least 8): its header and its record, field by field, with texts in\n"
    "language L when the record has it (else in the nearest it has: the same\n"
    "language in another script, English, Russian, the first), and whether it\n"
    "is the current version, superseded or retracted. Exits 0 only if the\n"
    "entry is held here.\n"
    "  --lang L  kk, ru, en, az, ka, ... (default en)\n"
    "  --json    the entry as a JSON object, body included\n";

/* ---- small printers ------------------------------------------------------------ */

static void label(const char *name)
{
    printf("%-11s", name);
}

/* A msgpack str, terminal-safe. */
static void put_str(const msgpack_object *o)
{
    char *s;
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return;
    s = malloc(o->via.str.size + 1);
    if (!s)
        return;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    s[o->via.str.size] = '\0';
    px_text_put(stdout, s, false);
    free(s);
}

/* Text indented by two spaces on every line. */
static void put_block(const msgpack_object *o)
{
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return;
    char *s = malloc(o->via.str.size + 1);
    if (!s)
        return;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    s[o->via.str.size] = '\0';
    printf("  ");
    for (char *line = s, *nl; line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        px_text_put(stdout, line, false);
        if (nl)
            printf("\n  ");
    }
    printf("\n");
    free(s);
}

/* The note that the text is in another language than asked for. */
static void put_lang_note(const msgpack_object *key, const char *lang)
{
    if (!key || key->type != MSGPACK_OBJECT_STR)
        return;
    if (key->via.str.size == strlen(lang) && memcmp(key->via.str.ptr, lang, key->via.str.size) == 0)
        return;
    printf(" [");
    put_str(key);
    printf("]");
}

/* "name  text [lang]" on one line. */
static void field_line(const msgpack_object *root, const char *field, const char *name,
                       const char *lang)
{
    const msgpack_object *key = NULL, *o = px_record_get(root, field);
    const msgpack_object *v =
        o && o->type == MSGPACK_OBJECT_MAP ? px_langmap_pick(o, lang, &key) : o;
    if (!v || v->type != MSGPACK_OBJECT_STR)
        return;
    label(name);
    put_str(v);
    put_lang_note(key, lang);
    printf("\n");
}

/* A heading, then the text of a language map (or plain string) below. */
static void field_block(const msgpack_object *root, const char *field, const char *heading,
                        const char *lang)
{
    const msgpack_object *key = NULL;
    const msgpack_object *v = px_langmap_pick(px_record_get(root, field), lang, &key);
    if (!v)
        return;
    printf("\n%s", heading);
    put_lang_note(key, lang);
    printf("\n");
    put_block(v);
}

static bool num_of(const msgpack_object *o, double *out)
{
    if (!o)
        return false;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        *out = (double)o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        *out = (double)o->via.i64;
    else if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64)
        *out = o->via.f64;
    else
        return false;
    return true;
}

static void field_num(const msgpack_object *root, const char *field, const char *name)
{
    double v;
    char b[32];
    if (!num_of(px_record_get(root, field), &v))
        return;
    label(name);
    printf("%s\n", px_num_format(b, v));
}

/* An indicator version as written (2 or 1.2.0; digits and dots only). */
static void field_version(const msgpack_object *root, const char *field, const char *name)
{
    char t[PX_VERSION_TEXT_MAX];
    if (px_version_text(px_record_get(root, field), t) != PX_OK)
        return;
    label(name);
    printf("%s\n", t);
}

/* A list of strings on one line, joined by ", ". */
static void field_list(const msgpack_object *root, const char *field, const char *name)
{
    const msgpack_object *o = px_record_get(root, field);
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0)
        return;
    label(name);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        if (i)
            printf(", ");
        put_str(&o->via.array.ptr[i]);
    }
    printf("\n");
}

static bool is_true(const msgpack_object *root, const char *field)
{
    const msgpack_object *o = px_record_get(root, field);
    return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* ---- one renderer per kind ----------------------------------------------------- */

static void show_case(const msgpack_object *r, const char *lang)
{
    field_line(r, "title", "title", lang);
    field_line(r, "country", "country", lang);
    field_line(r, "stage", "stage", lang);
    double sy, ey;
    bool has_s = num_of(px_record_get(r, "start_year"), &sy);
    bool has_e = num_of(px_record_get(r, "end_year"), &ey);
    if (has_s || has_e) {
        label("years");
        if (has_s)
            printf("%.0f", sy);
        printf("%s", has_s && has_e ? "–" : has_e ? "until " : "");
        if (has_e)
            printf("%.0f", ey);
        printf("\n");
    }
    field_line(r, "centre", "centre", lang);
    field_list(r, "services", "services");
    field_list(r, "channels", "channels");
    field_list(r, "tags", "tags");
    field_line(r, "contact", "contact", lang);
    field_list(r, "languages", "languages");
    field_list(r, "related_results", "results");
    field_block(r, "summary", "Summary", lang);
    field_block(r, "problem", "Problem", lang);
    field_block(r, "solution", "Solution", lang);
    field_block(r, "implementation", "Implementation", lang);
    field_block(r, "results", "Results", lang);
    field_block(r, "lessons", "Lessons learned", lang);
    field_block(r, "transferability", "Transferability", lang);
}

static void show_indicator(const msgpack_object *r, const char *lang)
{
    field_line(r, "code", "code", lang);
    field_version(r, "version", "version");
    field_line(r, "name", "name", lang);
    field_line(r, "measure_type", "measure", lang);
    field_line(r, "domain", "domain", lang);
    const msgpack_object *scale = px_record_get(r, "scale");
    double lo, hi;
    if (num_of(px_record_get(scale, "min"), &lo) && num_of(px_record_get(scale, "max"), &hi)) {
        char a[32], b[32];
        const msgpack_object *hib = px_record_get(scale, "higher_is_better");
        label("scale");
        printf("%s–%s, %s is better\n", px_num_format(a, lo), px_num_format(b, hi),
               hib && hib->type == MSGPACK_OBJECT_BOOLEAN && !hib->via.boolean ? "lower"
                                                                               : "higher");
    }
    field_line(r, "unit", "unit", lang);
    field_block(r, "description", "Description", lang);
    field_block(r, "question", "Question", lang);
    field_block(r, "unit_of_analysis", "Unit of analysis", lang);
    field_block(r, "aggregation", "Aggregation", lang);
    field_block(r, "methodology", "Methodology", lang);
}

static void show_benchmark(px_local *l, const msgpack_object *r, const uint8_t *body, size_t len,
                           const char *lang)
{
    px_benchmark b;
    px_indicator ind;
    char v[32], x[32], y[32];
    field_line(r, "indicator", "indicator", lang);
    field_version(r, "indicator_version", "version");
    field_line(r, "country", "country", lang);
    field_line(r, "centre", "centre", lang);
    field_line(r, "service", "service", lang);
    field_line(r, "channel", "channel", lang);
    field_line(r, "period", "period", lang);
    if (px_benchmark_decode(body, len, &b) == PX_OK) {
        label("value");
        printf("%s", px_num_format(v, b.value));
        if (px_index_indicator(l->store, b.indicator, b.indicator_version, &ind, NULL) == PX_OK) {
            double r100 = px_rescale_100(b.value, ind.scale_min, ind.scale_max);
            printf(" on %s–%s", px_num_format(x, ind.scale_min), px_num_format(y, ind.scale_max));
            if (ind.unit) {
                printf(" ");
                px_text_put(stdout, ind.unit, false);
            }
            if (isfinite(r100) && b.value >= ind.scale_min && b.value <= ind.scale_max)
                printf(" (%s of 100)", px_num_fixed(v, r100, 1));
            else
                printf(" (outside the indicator's scale)");
            px_indicator_free(&ind);
        } else {
            printf(" (the indicator's definition is not held here)");
        }
        printf("\n");
        if (b.has_ci) {
            label("CI");
            printf("%s–%s\n", px_num_format(x, b.ci_low), px_num_format(y, b.ci_high));
        }
        px_benchmark_free(&b);
    }
    field_num(r, "n", "n");
    field_num(r, "std_err", "std. error");
    field_line(r, "method", "method", lang);
    field_line(r, "status", "status", lang);
    field_line(r, "source", "source", lang);
    field_block(r, "notes", "Notes", lang);
}

static void show_crosswalk(const msgpack_object *r, const char *lang)
{
    const msgpack_object *conv = px_record_get(r, "conversion");
    const msgpack_object *type = px_record_get(conv, "type");
    double a, b;
    char x[32], y[32];
    label("from");
    put_str(px_record_get(r, "from"));
    printf("\n");
    label("to");
    put_str(px_record_get(r, "to"));
    printf("\n");
    label("conversion");
    if (num_of(px_record_get(conv, "a"), &a) && num_of(px_record_get(conv, "b"), &b) && type &&
        type->type == MSGPACK_OBJECT_STR && type->via.str.size == 6)
        printf("linear: to = %s · from + %s\n", px_num_format(x, a), px_num_format(y, b));
    else
        printf("by scale endpoints\n");
    field_line(r, "grade", "grade", lang);
    field_block(r, "caveats", "Caveats", lang);
}

static void show_retract(const msgpack_object *r, const char *lang)
{
    field_line(r, "target", "withdraws", lang);
    field_line(r, "reason", "reason", lang);
}

static void show_aggregate(const msgpack_object *r, const char *lang)
{
    field_line(r, "indicator", "indicator", lang);
    field_line(r, "period", "period", lang);
    field_line(r, "by", "by", lang);
    field_line(r, "group", "group", lang);
    field_line(r, "weighting", "weighting", lang);
    field_num(r, "value", "value");
    field_line(r, "basis", "basis", lang);
    field_num(r, "members", "members");
    field_num(r, "n", "n");
    field_list(r, "results", "results");
}

/* The record's place among versions and retractions. */
static void show_status(px_local *l, const px_entry *e, const px_entry_meta *m)
{
    px_index_info info;
    char a[PX_ID_HEX];
    label("status");
    if (m->flags & PX_ENTRY_FLAG_SCHEMA_INVALID) {
        int rc = px_record_validate(e->h.kind, e->body, e->body_len);
        printf("kept but not indexed: the body fails the %s schema (%s)\n", e->h.kind,
               rc ? px_err_message(rc) : "?");
        return;
    }
    if (px_index_info_get(l->store, e->id, &info) != PX_OK) {
        printf("not indexed\n");
        return;
    }
    if (info.retracted) {
        printf("RETRACTED by entry %s\n", px_id_hex(a, info.retracted_by));
        px_entry re;
        px_buf buf = {0};
        msgpack_unpacked up;
        msgpack_unpacked_init(&up);
        if (px_store_get(l->store, info.retracted_by, &re, &buf, NULL) == PX_OK && re.body) {
            msgpack_unpacked_destroy(&up);
            if (px_record_unpack(re.body, re.body_len, &up) == PX_OK)
                field_line(&up.data, "reason", "reason", "en");
        }
        msgpack_unpacked_destroy(&up);
        px_buf_free(&buf);
    } else if (info.versioned && info.live) {
        printf("current version");
    } else if (info.versioned) {
        printf("superseded");
    } else {
        printf("current");
    }
    if (!info.retracted)
        printf("\n");
    if (info.versioned) {
        label("version");
        printf("%lld", (long long)info.version_no);
        if (info.has_prev)
            printf("; supersedes %s", px_id_hex(a, info.prev));
        printf("\n");
        if (info.has_next) {
            label("newer");
            printf("%s\n", px_id_hex(a, info.next));
        }
    }
}

static void show_record(px_local *l, const px_entry *e, const px_entry_meta *m, const char *lang)
{
    msgpack_unpacked up;
    const char *k = e->h.kind;
    show_status(l, e, m);
    if (px_record_unpack(e->body, e->body_len, &up) != PX_OK) {
        msgpack_unpacked_destroy(&up);
        return;
    }
    const msgpack_object *r = &up.data;
    printf("\n");
    if (strcmp(k, "case") == 0)
        show_case(r, lang);
    else if (strcmp(k, "indicator") == 0)
        show_indicator(r, lang);
    else if (strcmp(k, "benchmark") == 0)
        show_benchmark(l, r, e->body, e->body_len, lang);
    else if (strcmp(k, "crosswalk") == 0)
        show_crosswalk(r, lang);
    else if (strcmp(k, "retract") == 0)
        show_retract(r, lang);
    else if (strcmp(k, "aggregate") == 0)
        show_aggregate(r, lang);
    if (is_true(r, "illustrative"))
        printf("\n(illustrative: made-up demonstration data)\n");
    msgpack_unpacked_destroy(&up);
}

static bool is_record_kind(const char *k)
{
    return px_kind_is(k, PX_KIND_INDEXED);
}

int px_cmd_show(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool json = false, first = true;
    const char *lang = "en";
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'l')
            lang = optarg;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (argc - optind != 1)
        return px_cli_usage_error(usage, "show needs one entry ID");
    uint8_t id[32];
    char idhex[PX_ID_HEX];
    px_local l;
    px_entry e;
    px_entry_meta m;
    px_buf body = {0};
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    int rc = px_cli_entry_arg(&l, argv[optind], "entry id", id);
    if (rc) {
        px_local_close(&l);
        return rc;
    }
    px_id_hex(idhex, id);
    rc = px_store_get(l.store, id, &e, &body, &m);
    if (rc == PX_ENOENT)
        rc = px_err_set(rc, "no entry %s is held here", idhex);
    if (!rc) {
        json_t *o = px_cli_entry_json(&e, &m, true);
        if (json) {
            px_cli_print_json(o);
        } else {
            char when[32], author[65], prev[65];
            printf("id         %s\n", idhex);
            printf("kind       %s\n", e.h.kind);
            printf("author     %s\n", px_id_hex(author, e.h.author));
            printf("seq        %llu\n", (unsigned long long)e.h.seq);
            printf("prev       %s\n", e.h.has_prev ? px_id_hex(prev, e.h.prev) : "(none)");
            printf("time       %s\n", px_cli_time(when, e.h.timestamp_ms));
            printf("body       %llu bytes%s\n", (unsigned long long)e.h.body_len,
                   m.purged ? " (purged)" : "");
            json_t *b = json_object_get(o, "body");
            if (e.body && is_record_kind(e.h.kind) && !(m.flags & PX_ENTRY_FLAG_SCHEMA_INVALID)) {
                show_record(&l, &e, &m, lang);
            } else {
                if (e.body && is_record_kind(e.h.kind))
                    show_status(&l, &e, &m);
                if (b && !json_is_null(b))
                    px_cli_print_json(b);
            }
        }
        json_decref(o);
    }
    px_buf_free(&body);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
