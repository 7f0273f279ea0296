/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_demo_data.c — the demo network's seed data (bootstrap/demo/) and the
 * examples of schema/RECORDS.md, checked with the same code that checks
 * published records: every JSON record and CSV row validates, every
 * benchmark lies inside its indicator's scale, crosswalks name indicators
 * that exist, data from or about countries other than Kazakhstan carries
 * illustrative: true, and the Kazakhstan figures are the ones in the seeds.
 *
 * File names tell the kind (as for `praxis publish KIND FILE`): the name up
 * to the first '-' or '.', singular ("cases.json", "case-x.json" -> case).
 */
#include "check.h"
#include "csvin.h"
#include "error.h"
#include "jsonmp.h"
#include "records.h"
#include "util.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>

#ifndef PX_SOURCE_DIR
#error "PX_SOURCE_DIR must name the source tree"
#endif

#define MAX_IND 64
#define MAX_BM 64

typedef struct ind_info {
    char code[72];
    double min, max;
    bool illustrative;
} ind_info;

typedef struct bm_info {
    char indicator[72];
    char period[8];
    double value;
    long long n;
} bm_info;

static ind_info inds[MAX_IND];
static int ninds;
static bm_info bms[MAX_BM];
static int nbms;

static const char *const nodes[] = {"hub", "g4c", "asan", "psh", "iccs"};

static bool node_is_kazakh(const char *node)
{
    return strcmp(node, "hub") == 0 || strcmp(node, "g4c") == 0;
}

static const ind_info *find_ind(const char *code)
{
    for (int i = 0; i < ninds; i++) {
        if (strcmp(inds[i].code, code) == 0)
            return &inds[i];
    }
    return NULL;
}

/* Kind from a file name: up to the first '-' or '.', without a plural s. */
static void kind_of(const char *file, char *kind, size_t n)
{
    size_t i = 0;
    while (file[i] && file[i] != '-' && file[i] != '.' && i + 1 < n) {
        kind[i] = file[i];
        i++;
    }
    kind[i] = '\0';
    if (i > 1 && kind[i - 1] == 's')
        kind[i - 1] = '\0';
}

static int pack(const json_t *j, px_buf *b)
{
    px_buf_reset(b);
    return px_json_to_msgpack(j, b);
}

static void remember_benchmark(const px_benchmark *b)
{
    if (nbms >= MAX_BM)
        return;
    bm_info *m = &bms[nbms++];
    snprintf(m->indicator, sizeof m->indicator, "%s", b->indicator);
    snprintf(m->period, sizeof m->period, "%s", b->period);
    m->value = b->value;
    m->n = b->n;
}

/* Pass 1 records indicators, pass 2 checks everything that refers to them. */
static void check_record(const char *where, const char *node, const char *kind, const json_t *obj,
                         int pass)
{
    px_buf b = {0};
    CHECK_RC(pack(obj, &b), PX_OK);
    int rc = px_record_validate(kind, b.data, b.len);
    if (rc)
        fprintf(stderr, "%s: %s\n", where, px_err_message(rc));
    CHECK_RC(rc, PX_OK);
    if (rc)
        goto out;
    bool must_be_illustrative = !node_is_kazakh(node);
    if (strcmp(kind, "indicator") == 0 && pass == 1) {
        px_indicator ind;
        CHECK_RC(px_indicator_decode(b.data, b.len, &ind), PX_OK);
        CHECK(find_ind(ind.code) == NULL); /* one definition per code */
        if (ninds < MAX_IND) {
            ind_info *i = &inds[ninds++];
            snprintf(i->code, sizeof i->code, "%s", ind.code);
            i->min = ind.scale_min;
            i->max = ind.scale_max;
            i->illustrative = ind.illustrative;
        }
        if (must_be_illustrative && !ind.illustrative)
            fprintf(stderr, "%s: indicator %s must carry illustrative: true\n", where, ind.code);
        CHECK(!must_be_illustrative || ind.illustrative);
        CHECK(!node_is_kazakh(node) || strncmp(ind.code, "KZ-", 3) == 0);
        px_indicator_free(&ind);
    } else if (strcmp(kind, "benchmark") == 0 && pass == 2) {
        px_benchmark bm;
        CHECK_RC(px_benchmark_decode(b.data, b.len, &bm), PX_OK);
        const ind_info *ind = find_ind(bm.indicator);
        if (ind == NULL)
            fprintf(stderr, "%s: indicator %s is not defined in the demo data\n", where,
                    bm.indicator);
        CHECK(ind != NULL);
        if (ind) {
            CHECK_RC(px_record_check_scale(bm.value, ind->min, ind->max, ind->code), PX_OK);
            CHECK(bm.illustrative == ind->illustrative);
        }
        bool foreign = strcmp(bm.country, "KZ") != 0;
        if ((must_be_illustrative || foreign) && !bm.illustrative)
            fprintf(stderr, "%s: benchmark must carry illustrative: true\n", where);
        CHECK(!(must_be_illustrative || foreign) || bm.illustrative);
        /* an illustrative figure says so in its source too */
        CHECK(!bm.illustrative || (bm.source && strstr(bm.source, "Illustrative")));
        remember_benchmark(&bm);
        px_benchmark_free(&bm);
    } else if (strcmp(kind, "case") == 0 && pass == 2) {
        msgpack_unpacked up;
        CHECK_RC(px_record_unpack(b.data, b.len, &up), PX_OK);
        const msgpack_object *country = px_record_get(&up.data, "country");
        const msgpack_object *ill = px_record_get(&up.data, "illustrative");
        bool is_ill = ill && ill->type == MSGPACK_OBJECT_BOOLEAN && ill->via.boolean;
        bool foreign = country->via.str.size != 2 || memcmp(country->via.str.ptr, "KZ", 2) != 0;
        if ((must_be_illustrative || foreign) && !is_ill)
            fprintf(stderr, "%s: case must carry illustrative: true\n", where);
        CHECK(!(must_be_illustrative || foreign) || is_ill);
        if (is_ill) { /* and says so in its own text */
            char *summary = NULL;
            CHECK_RC(px_langmap_pick_dup(px_record_get(&up.data, "summary"), "en", &summary, NULL),
                     PX_OK);
            CHECK(summary && strstr(summary, "Illustrative") == summary);
            free(summary);
        }
        /* Kazakhstan's cases are readable in English and Russian */
        if (!foreign) {
            const msgpack_object *title = px_record_get(&up.data, "title");
            const msgpack_object *lang = NULL;
            px_langmap_pick(title, "ru", &lang);
            CHECK(lang && lang->via.str.size == 2 && memcmp(lang->via.str.ptr, "ru", 2) == 0);
            px_langmap_pick(title, "en", &lang);
            CHECK(lang && lang->via.str.size == 2 && memcmp(lang->via.str.ptr, "en", 2) == 0);
        }
        msgpack_unpacked_destroy(&up);
    } else if (strcmp(kind, "crosswalk") == 0 && pass == 2) {
        px_crosswalk cw;
        CHECK_RC(px_crosswalk_decode(b.data, b.len, &cw), PX_OK);
        CHECK(strcmp(node, "hub") == 0); /* only the secretariat's count */
        const ind_info *from = find_ind(cw.from), *to = find_ind(cw.to);
        CHECK(from != NULL && to != NULL);
        if (from && to)
            CHECK(cw.illustrative == (from->illustrative || to->illustrative));
        px_crosswalk_free(&cw);
    }
out:
    px_buf_free(&b);
}

static int scale_of_row(void *ctx, const px_benchmark *row)
{
    (void)ctx;
    const ind_info *ind = find_ind(row->indicator);
    if (ind == NULL)
        return px_err_set(PX_ESCHEMA, "field 'indicator': %s is not defined in the demo data",
                          row->indicator);
    return px_record_check_scale(row->value, ind->min, ind->max, ind->code);
}

static void check_file(const char *node, const char *dir, const char *file, int pass)
{
    char path[512], kind[32], where[600];
    uint8_t *text = NULL;
    size_t len = 0;
    json_t *j = NULL;

    CHECK_RC(px_path_join(path, sizeof path, dir, file), PX_OK);
    kind_of(file, kind, sizeof kind);
    if (!px_record_kind_known(kind))
        fprintf(stderr, "%s: the file name does not start with a record kind\n", path);
    CHECK(px_record_kind_known(kind));
    size_t n = strlen(file);
    if (n > 4 && strcmp(file + n - 4, ".csv") == 0) {
        CHECK(strcmp(kind, "benchmark") == 0);
        if (pass != 2)
            return;
        char *report = NULL;
        int rc = px_csvin_benchmarks_file(path, scale_of_row, NULL, &j, &report);
        if (rc)
            fprintf(stderr, "%s\n", report ? report : px_err_message(rc));
        CHECK_RC(rc, PX_OK);
        free(report);
    } else {
        CHECK(n > 5 && strcmp(file + n - 5, ".json") == 0);
        CHECK_RC(px_read_file(path, 1 << 20, &text, &len), PX_OK);
        CHECK_RC(px_json_parse((const char *)text, len, path, &j), PX_OK);
    }
    if (j == NULL)
        goto out;
    if (json_is_array(j)) {
        size_t i;
        json_t *obj;
        CHECK(json_array_size(j) > 0);
        json_array_foreach(j, i, obj)
        {
            snprintf(where, sizeof where, "%s, record %zu", path, i + 1);
            CHECK(json_is_object(obj));
            check_record(where, node, kind, obj, pass);
        }
    } else {
        CHECK(json_is_object(j));
        check_record(path, node, kind, j, pass);
    }
out:
    json_decref(j);
    free(text);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_node(const char *node, int pass)
{
    char dir[512];
    char *names[64];
    int count = 0;
    snprintf(dir, sizeof dir, "%s/bootstrap/demo/%s", PX_SOURCE_DIR, node);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (e->d_name[0] == '.' || count >= 64)
            continue;
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], cmp_names);
    CHECK(count > 0);
    for (int i = 0; i < count; i++) {
        check_file(node, dir, names[i], pass);
        free(names[i]);
    }
}

static void test_demo_network(void)
{
    for (int pass = 1; pass <= 2; pass++) {
        for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
            walk_node(nodes[i], pass);
    }
    CHECK(ninds >= 12);
    fprintf(stderr, "     %d indicators, %d benchmark results\n", ninds, nbms);
}

static bool has_result(const char *indicator, const char *period, double value, long long n)
{
    for (int i = 0; i < nbms; i++) {
        if (strcmp(bms[i].indicator, indicator) == 0 && strcmp(bms[i].period, period) == 0 &&
            bms[i].value == value && bms[i].n == n)
            return true;
    }
    fprintf(stderr, "missing seed result %s %s %g n=%lld\n", indicator, period, value, n);
    return false;
}

/* The Kazakhstan monitoring figures of seeds/002, and the design's example
 * comparisons through the secretariat's crosswalk. */
static void test_seed_facts(void)
{
    CHECK(has_result("KZ-SAT-OVERALL-10", "2014", 8.7, 8923));
    CHECK(has_result("KZ-SAT-OVERALL", "2017", 4.57, 9517));
    CHECK(has_result("KZ-SAT-QUALITY-PCT", "2017", 65.9, 9517));
    CHECK(has_result("KZ-SAT-OVERALL", "2018", 4.66, 10000));
    CHECK(has_result("KZ-SAT-QUALITY-PCT", "2018", 72.4, 10000));
    const ind_info *ten = find_ind("KZ-SAT-OVERALL-10"), *five = find_ind("KZ-SAT-OVERALL");
    CHECK(ten && ten->min == 0 && ten->max == 10);
    CHECK(five && five->min == 1 && five->max == 5);
    if (ten && five) {
        CHECK(fabs(px_rescale_100(8.7, ten->min, ten->max) - 87.0) < 1e-9);
        CHECK(fabs(px_rescale_100(4.66, five->min, five->max) - 91.5) < 1e-9);
    }
    static const char *dims[] = {"KZ-SAT-ACCESS", "KZ-SAT-INFO",    "KZ-SAT-PROC",
                                 "KZ-SAT-STAFF",  "KZ-SAT-OUTCOME", "KZ-NONCORRUPTION"};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        CHECK(find_ind(dims[i]) != NULL);
}

/* Every block of RECORDS.md preceded by "<!-- example: KIND -->" validates. */
static void test_spec_examples(void)
{
    char path[512];
    uint8_t *md = NULL;
    size_t len = 0;
    int examples = 0;
    snprintf(path, sizeof path, "%s/schema/RECORDS.md", PX_SOURCE_DIR);
    CHECK_RC(px_read_file(path, 1 << 20, &md, &len), PX_OK);
    if (md == NULL)
        return;
    const char *p = (const char *)md;
    const char *marker = "<!-- example: ";
    for (p = strstr(p, marker); p != NULL; p = strstr(p, marker)) {
        char kind[32] = "";
        p += strlen(marker);
        size_t k = 0;
        while (p[k] && p[k] != ' ' && k + 1 < sizeof kind) {
            kind[k] = p[k];
            k++;
        }
        kind[k] = '\0';
        const char *open = strstr(p, "```");
        const char *body = open ? strchr(open, '\n') : NULL;
        const char *close = body ? strstr(body, "\n```") : NULL;
        CHECK(close != NULL);
        if (close == NULL)
            break;
        body++;
        size_t n = (size_t)(close - body) + 1;
        if (strcmp(kind, "csv") == 0) {
            json_t *a = NULL;
            char *report = NULL;
            int rc = px_csvin_benchmarks("RECORDS.md", body, n, NULL, NULL, &a, &report);
            if (rc)
                fprintf(stderr, "%s\n", report ? report : px_err_message(rc));
            CHECK_RC(rc, PX_OK);
            json_decref(a);
            free(report);
        } else {
            json_t *j = NULL;
            px_buf b = {0};
            CHECK_RC(px_json_parse(body, n, "RECORDS.md", &j), PX_OK);
            if (j) {
                CHECK_RC(px_json_to_msgpack(j, &b), PX_OK);
                int rc = px_record_validate(kind, b.data, b.len);
                if (rc)
                    fprintf(stderr, "RECORDS.md %s example: %s\n", kind, px_err_message(rc));
                CHECK_RC(rc, PX_OK);
            }
            px_buf_free(&b);
            json_decref(j);
        }
        examples++;
        p = close;
    }
    CHECK(examples >= 9);
    free(md);
}

int main(void)
{
    RUN(test_demo_network);
    RUN(test_seed_facts);
    RUN(test_spec_examples);
    return check_summary();
}
