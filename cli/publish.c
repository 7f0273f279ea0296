/*
 * publish.c — `praxis publish KIND FILE [KIND FILE]...`: turn records (JSON,
 * or CSV for benchmarks) into signed entries of this node's feed.
 *
 * All or nothing: every record of every file is parsed, converted to
 * msgpack and checked — against its kind's schema (RECORDS.md), a benchmark
 * value against its indicator's scale, a `supersedes` against the entry it
 * names — before the write transaction starts; every rejected record is
 * reported (file, record or line, field), and nothing is stored unless all
 * are good. The transaction commits only if every append succeeded. The
 * ids of the new entries print one per line, in order.
 *
 * Layout: the batch of bodies; indicator scales (held here, or published
 * earlier in the same command); the checks; loading JSON and CSV; the verb.
 */
#include "cli.h"

#include "csvin.h"
#include "error.h"
#include "index.h"
#include "jsonmp.h"
#include "records.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
    "usage: praxis publish [--csv] KIND FILE [KIND FILE]...\n\n"
    "Signs each record of each FILE as a new entry of this node's feed and\n"
    "prints the id of each new entry on its own line.\n"
    "  KIND   case | indicator | benchmark | crosswalk\n"
    "  FILE   a JSON object, or an array of them (one entry each); for\n"
    "         benchmark also CSV (a file ending in .csv; header row naming the\n"
    "         fields, ',' or ';' separated). '-' reads standard input.\n"
    "  --csv  read '-' as CSV\n\n"
    "Every record is checked before anything is stored: its kind's schema\n"
    "(schema/RECORDS.md); a benchmark's value against its indicator's scale\n"
    "(the indicator must be held here, or published earlier in the same\n"
    "command); a 'supersedes' must name a case or indicator of this node (an\n"
    "indicator: same code, higher version). Every rejected record is listed\n"
    "(file, record or line, field) and nothing is stored unless all are good.\n"
    "Withdraw an entry with 'praxis retract ID'.\n";

static const char *const kinds[] = {"case", "indicator", "benchmark", "crosswalk"};

enum { FILE_MAX = 256 * 1024 * 1024, REJECTS_SHOWN = 50 };

/* The bodies to publish, msgpack-encoded back to back, each with its kind. */
typedef struct batch {
    px_buf bytes;
    size_t *ends; /* ends[i]: end offset of body i */
    const char **kind;
    size_t n, cap;
} batch;

/* An indicator scale known to this command. */
typedef struct scale {
    char *code;
    int64_t version; /* the definition's version */
    bool found;
    int64_t asked; /* the version looked up (0: latest) */
    double min, max;
} scale;

typedef struct publisher {
    px_local *l;
    batch b;
    scale *scales; /* lookups, and indicators of this command */
    size_t nscales;
    size_t rejected; /* records rejected in the current file */
    px_buf report;   /* their reasons */
    px_buf scratch;  /* one record's msgpack, before it joins the batch */
} publisher;

static int batch_add(batch *b, const char *kind, const px_buf *body)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        size_t *ends = realloc(b->ends, cap * sizeof *ends);
        if (!ends)
            return PX_ENOMEM;
        b->ends = ends;
        const char **k = realloc(b->kind, cap * sizeof *k);
        if (!k)
            return PX_ENOMEM;
        b->kind = k;
        b->cap = cap;
    }
    int rc = px_buf_append(&b->bytes, body->data, body->len);
    if (rc)
        return rc;
    b->kind[b->n] = kind;
    b->ends[b->n++] = b->bytes.len;
    return PX_OK;
}

/* ---- indicator scales ------------------------------------------------------- */

/* An indicator published in this command counts for later benchmarks. */
static int scale_add_batch(publisher *p, const px_indicator *ind)
{
    scale *s = realloc(p->scales, (p->nscales + 1) * sizeof *s);
    if (!s)
        return PX_ENOMEM;
    p->scales = s;
    s = &p->scales[p->nscales];
    *s = (scale){.code = strdup(ind->code),
                 .version = ind->version,
                 .found = true,
                 .asked = -1,
                 .min = ind->scale_min,
                 .max = ind->scale_max};
    if (!s->code)
        return PX_ENOMEM;
    p->nscales++;
    return PX_OK;
}

/* The scale a benchmark of (code, version) is checked against: this
 * command's indicators first (the highest version when none is asked for),
 * then the index. OUT *out (NULL when no definition is known). */
static int scale_find(publisher *p, const char *code, int64_t version, const scale **out)
{
    const scale *best = NULL;
    *out = NULL;
    for (size_t i = 0; i < p->nscales; i++) {
        const scale *s = &p->scales[i];
        if (s->asked != -1 || strcmp(s->code, code) != 0)
            continue;
        if (version ? s->version == version : (!best || s->version > best->version))
            best = s;
    }
    if (best) {
        *out = best;
        return PX_OK;
    }
    for (size_t i = 0; i < p->nscales; i++) {
        if (p->scales[i].asked == version && strcmp(p->scales[i].code, code) == 0) {
            *out = p->scales[i].found ? &p->scales[i] : NULL;
            return PX_OK;
        }
    }
    px_indicator ind;
    int rc = px_index_indicator(p->l->store, code, version, &ind, NULL);
    if (rc && rc != PX_ENOENT)
        return rc;
    scale *s = realloc(p->scales, (p->nscales + 1) * sizeof *s);
    if (!s) {
        px_indicator_free(&ind);
        return PX_ENOMEM;
    }
    p->scales = s;
    s = &p->scales[p->nscales];
    *s = (scale){.code = strdup(code), .asked = version, .found = rc == PX_OK};
    if (rc == PX_OK) {
        s->version = ind.version;
        s->min = ind.scale_min;
        s->max = ind.scale_max;
    }
    px_indicator_free(&ind);
    if (!s->code)
        return PX_ENOMEM;
    p->nscales++;
    *out = s->found ? s : NULL;
    return PX_OK;
}

/* The scale check of one benchmark: PX_OK, PX_ESCHEMA with a detail, or a
 * lookup failure. */
static int check_scale(publisher *p, const px_benchmark *b)
{
    const scale *s;
    int rc = scale_find(p, b->indicator, b->indicator_version, &s);
    if (rc)
        return rc;
    if (!s) {
        if (b->indicator_version)
            return px_err_set(PX_ESCHEMA,
                              "field 'indicator': no definition of %s version %lld is held here "
                              "or published before it in this command; publish the indicator "
                              "first (praxis publish indicator FILE)",
                              b->indicator, (long long)b->indicator_version);
        return px_err_set(PX_ESCHEMA,
                          "field 'indicator': no definition of %s is held here or published "
                          "before it in this command; publish the indicator first (praxis "
                          "publish indicator FILE)",
                          b->indicator);
    }
    return px_record_check_scale(b->value, s->min, s->max, b->indicator);
}

static int csv_check(void *ctx, const px_benchmark *row)
{
    return check_scale(ctx, row);
}

/* ---- the checks ---------------------------------------------------------------- */

/* supersedes must name a case/indicator of this node (an indicator: same
 * code, higher version). */
static int check_supersedes(publisher *p, const char *kind, const uint8_t *body, size_t len)
{
    msgpack_unpacked up;
    px_index_info info;
    uint8_t id[32];
    char hex[65];
    int rc = px_record_unpack(body, len, &up);
    const msgpack_object *sup = rc ? NULL : px_record_get(&up.data, "supersedes");
    if (!sup || sup->type != MSGPACK_OBJECT_STR || sup->via.str.size != 64)
        goto out;
    memcpy(hex, sup->via.str.ptr, 64);
    hex[64] = '\0';
    if (px_hex_decode(id, 32, hex) != PX_OK)
        goto out;
    rc = px_index_info_get(p->l->store, id, &info);
    if (rc == PX_ENOENT) {
        rc = px_err_set(PX_ESCHEMA,
                        "field 'supersedes': no %s %.16s… is held here; a new version names "
                        "an earlier one of this node",
                        kind, hex);
        goto out;
    }
    if (rc)
        goto out;
    if (strcmp(info.kind, kind) != 0) {
        rc = px_err_set(PX_ESCHEMA, "field 'supersedes': %.16s… is %s %s entry, not a %s", hex,
                        strchr("aeiou", info.kind[0]) ? "an" : "a", info.kind, kind);
        goto out;
    }
    if (memcmp(info.author, p->l->me.pk, 32) != 0) {
        rc = px_err_set(PX_ESCHEMA,
                        "field 'supersedes': %.16s… is a %s of another node; only its author "
                        "publishes new versions of it",
                        hex, kind);
        goto out;
    }
    if (info.has_next) {
        char next[PX_ID_HEX];
        rc = px_err_set(PX_ESCHEMA,
                        "field 'supersedes': %.16s… is already superseded by %s; a new version "
                        "supersedes the latest one",
                        hex, px_id_hex(next, info.next));
        goto out;
    }
    if (strcmp(kind, "indicator") == 0) {
        px_entry e;
        px_buf old = {0};
        px_indicator was = {0}, now = {0};
        rc = px_store_get(p->l->store, id, &e, &old, NULL);
        if (!rc && e.body)
            rc = px_indicator_decode(e.body, e.body_len, &was);
        if (!rc)
            rc = px_indicator_decode(body, len, &now);
        if (!rc && strcmp(was.code, now.code) != 0)
            rc = px_err_set(PX_ESCHEMA,
                            "field 'supersedes': %.16s… defines %s, not %s; a new version keeps "
                            "the code",
                            hex, was.code, now.code);
        else if (!rc && now.version <= was.version)
            rc = px_err_set(PX_ESCHEMA,
                            "field 'version': %lld must be higher than the superseded "
                            "definition's %lld",
                            (long long)now.version, (long long)was.version);
        px_indicator_free(&was);
        px_indicator_free(&now);
        px_buf_free(&old);
    }
out:
    msgpack_unpacked_destroy(&up);
    return rc;
}

/* All checks of one msgpack body. PX_OK, PX_ESCHEMA/PX_EFORMAT/PX_ETOOBIG
 * (the record is rejected; detail says why) or a fatal error. */
static int check_body(publisher *p, const char *kind, const px_buf *body, bool scale_checked)
{
    /* A CSV row was converted and validated, scale included, by csvin
     * from the same JSON this conversion starts from. */
    int rc = scale_checked ? PX_OK : px_record_validate(kind, body->data, body->len);
    if (rc)
        return rc;
    if (strcmp(kind, "benchmark") == 0 && !scale_checked) {
        px_benchmark b;
        rc = px_benchmark_decode(body->data, body->len, &b);
        if (!rc)
            rc = check_scale(p, &b);
        px_benchmark_free(&b);
    } else if (strcmp(kind, "case") == 0 || strcmp(kind, "indicator") == 0) {
        rc = check_supersedes(p, kind, body->data, body->len);
    }
    if (!rc && strcmp(kind, "indicator") == 0) {
        px_indicator ind;
        rc = px_indicator_decode(body->data, body->len, &ind);
        if (!rc)
            rc = scale_add_batch(p, &ind);
        px_indicator_free(&ind);
    }
    return rc;
}

static bool rejection(int rc)
{
    return rc == PX_ESCHEMA || rc == PX_EFORMAT || rc == PX_ETOOBIG || rc == PX_EINVAL;
}

static void reject(publisher *p, size_t index, const char *detail)
{
    char line[1200];
    p->rejected++;
    if (p->rejected > REJECTS_SHOWN)
        return;
    int n = snprintf(line, sizeof line, "  record %zu: %s\n", index + 1, detail);
    if (n > 0)
        px_buf_append(&p->report, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* ---- loading ------------------------------------------------------------------- */

static int add_record(publisher *p, const char *kind, const json_t *rec, size_t index,
                      const char *file, bool scale_checked)
{
    px_buf *body = &p->scratch;
    int rc;
    if (!json_is_object(rec))
        return px_err_set(PX_EINVAL, "%s: record %zu is not a JSON object", file, index + 1);
    px_buf_reset(body);
    rc = px_json_to_msgpack(rec, body);
    if (!rc)
        rc = check_body(p, kind, body, scale_checked);
    if (!rc)
        rc = batch_add(&p->b, kind, body);
    else if (rejection(rc))
        reject(p, index, px_err_detail());
    return rejection(rc) ? PX_OK : rc;
}

static bool is_csv(const char *file, bool csv_flag)
{
    size_t n = strlen(file);
    if (strcmp(file, "-") == 0)
        return csv_flag;
    return n > 4 && strcasecmp(file + n - 4, ".csv") == 0;
}

/* The scale check of a row converted from CSV (a JSON object that passed
 * the benchmark schema). */
static int check_scale_row(publisher *p, const json_t *rec)
{
    px_benchmark b = {0};
    const json_t *ver = json_object_get(rec, "indicator_version");
    b.indicator = (char *)json_string_value(json_object_get(rec, "indicator"));
    b.indicator_version = json_is_integer(ver) ? json_integer_value(ver) : 0;
    b.value = json_number_value(json_object_get(rec, "value"));
    if (!b.indicator)
        return px_err_set(PX_ESCHEMA, "field 'indicator' is missing");
    return check_scale(p, &b);
}

/* Benchmark results from CSV. Fast path: csvin checks every row's schema,
 * then the scales are checked here on the converted rows. If any row is
 * wrong, the text is converted again with the scale check inside csvin,
 * which costs a decode per row but reports every rejected row, schema or
 * scale, with its line, all at once. */
static int load_csv(publisher *p, const char *file, const char *name, json_t **doc)
{
    uint8_t *text = NULL;
    size_t len = 0;
    char *report = NULL;
    bool again = false;
    int rc = px_read_file(file, PX_CSVIN_MAX_FILE, &text, &len);
    if (!rc)
        rc = px_csvin_benchmarks(name, (const char *)text, len, NULL, NULL, doc, &report);
    if (rc == PX_ESCHEMA && report) {
        again = true;
        rc = PX_OK;
    }
    for (size_t i = 0; !rc && !again && i < json_array_size(*doc); i++) {
        rc = check_scale_row(p, json_array_get(*doc, i));
        again = rc == PX_ESCHEMA;
        if (again)
            rc = PX_OK;
    }
    if (!rc && again) {
        json_decref(*doc);
        *doc = NULL;
        free(report);
        report = NULL;
        rc = px_csvin_benchmarks(name, (const char *)text, len, csv_check, p, doc, &report);
        if (!rc) /* cannot happen: the same rows, the same checks */
            rc = px_err_set(PX_ESCHEMA, "%s: a row failed its checks", name);
    }
    if (rc == PX_ESCHEMA && report) {
        fputs(report, stderr);
        rc = px_err_set(PX_ESCHEMA, "%s: nothing was published; fix the rows listed above", name);
    }
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    free(report);
    free(text);
    return rc;
}

static int load_file(publisher *p, const char *kind, const char *file, bool csv_flag)
{
    uint8_t *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    const char *name = strcmp(file, "-") == 0 ? "stdin" : file;
    bool csv = is_csv(file, csv_flag);
    int rc;
    p->rejected = 0;
    px_buf_reset(&p->report);
    if (csv) {
        if (strcmp(kind, "benchmark") != 0)
            return px_err_set(PX_EINVAL,
                              "%s: only benchmark results can be read from CSV; "
                              "write %s records as JSON",
                              name, kind);
        rc = load_csv(p, file, name, &doc);
    } else {
        rc = px_read_file(file, FILE_MAX, &text, &len);
        if (!rc)
            rc = px_json_parse((const char *)text, len, name, &doc);
    }
    if (rc)
        goto out;
    if (json_is_array(doc)) {
        if (json_array_size(doc) == 0) {
            rc = px_err_set(PX_EINVAL, "%s: the array holds no records", name);
            goto out;
        }
        size_t i;
        json_t *rec;
        json_array_foreach(doc, i, rec)
        {
            rc = add_record(p, kind, rec, i, name, csv);
            if (rc)
                goto out;
        }
    } else if (json_is_object(doc)) {
        rc = add_record(p, kind, doc, 0, name, false);
    } else {
        rc = px_err_set(PX_EINVAL, "%s: expected a JSON object or an array of objects", name);
    }
    if (!rc && p->rejected) {
        fprintf(stderr, "%s: %zu %s rejected:\n", name, p->rejected,
                p->rejected == 1 ? "record" : "records");
        fwrite(p->report.data, 1, p->report.len, stderr);
        if (p->rejected > REJECTS_SHOWN)
            fprintf(stderr, "  ... and %zu more\n", p->rejected - REJECTS_SHOWN);
        rc =
            px_err_set(PX_ESCHEMA, "%s: nothing was published; fix the records listed above", name);
    }
out:
    json_decref(doc);
    free(text);
    return rc;
}

/* ---- the verb ----------------------------------------------------------------- */

static bool known_kind(const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return true;
    return false;
}

int px_cmd_publish(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"csv", no_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
    bool first = true, csv = false;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'c')
            csv = true;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    int nargs = argc - optind;
    if (nargs < 2 || nargs % 2)
        return px_cli_usage_error(usage, "publish needs KIND and FILE (or several pairs)");
    for (int i = optind; i < argc; i += 2)
        if (!known_kind(argv[i]))
            return px_cli_usage_error(
                usage, "unknown kind '%s'; use case, indicator, benchmark or crosswalk", argv[i]);

    px_local l;
    publisher p = {.l = &l};
    px_entry e;
    char **ids = NULL;
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = PX_OK;
    for (int i = optind; !rc && i < argc; i += 2)
        rc = load_file(&p, argv[i], argv[i + 1], csv);
    if (rc) {
        px_cli_fail(rc);
        goto done;
    }
    ids = calloc(p.b.n, sizeof *ids);
    rc = ids ? px_store_begin(l.store) : PX_ENOMEM;
    uint64_t now = px_now_ms();
    for (size_t i = 0; !rc && i < p.b.n; i++) {
        size_t start = i ? p.b.ends[i - 1] : 0;
        rc = px_feed_append(&l.feed, &l.me, p.b.kind[i], p.b.bytes.data + start,
                            p.b.ends[i] - start, now, &e);
        if (!rc) {
            ids[i] = malloc(PX_ID_HEX);
            rc = ids[i] ? PX_OK : PX_ENOMEM;
            if (!rc)
                px_id_hex(ids[i], e.id);
        }
    }
    if (!rc)
        rc = px_store_commit(l.store);
    else
        px_store_rollback(l.store);
    if (rc) {
        px_cli_fail(rc);
    } else {
        for (size_t i = 0; i < p.b.n; i++)
            puts(ids[i]);
        px_cli_notify(&l);
    }
done:
    px_local_close(&l);
    for (size_t i = 0; ids && i < p.b.n; i++)
        free(ids[i]);
    free(ids);
    free(p.b.ends);
    free(p.b.kind);
    px_buf_free(&p.b.bytes);
    px_buf_free(&p.report);
    px_buf_free(&p.scratch);
    for (size_t i = 0; i < p.nscales; i++)
        free(p.scales[i].code);
    free(p.scales);
    return rc ? PX_EXIT_FAIL : PX_EXIT_OK;
}
