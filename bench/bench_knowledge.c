/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_knowledge.c — figures for the knowledge queries, through the real
 * library path: records are signed and appended with px_feed_append and
 * indexed by the hooks px_local_open installs, then the queries of query.h
 * are timed (after one warm-up run; the store is on disk, the page cache
 * warm, as on a node that answers queries all day).
 *
 *   bench_knowledge compare DIR [N]   N benchmark results (default 1,000,000):
 *                                     50 countries, each a node of its own;
 *                                     10 indicator families, each a target
 *                                     and 5 national variants on other
 *                                     scales linked by the secretariat's
 *                                     crosswalks; 40 quarters; per country,
 *                                     quarter and indicator one national
 *                                     result and 49 per service. Times
 *                                     `compare TARGET` (latest period, by
 *                                     country) and `compare --period`.
 *   bench_knowledge search DIR [N]    N case studies (default 10,000) in
 *                                     English and Russian, of ~150 words
 *                                     each; times `cases --search` for
 *                                     common and rare words, Latin and
 *                                     Cyrillic, a prefix, two words; then
 *                                     the web's search page (see page).
 *   bench_knowledge page FILE         the web's search page on the store
 *                                     FILE (e.g. bench/web.sh's, kept):
 *                                     a different pair of words on every
 *                                     call (so no answer kept from the
 *                                     last search serves it), page 1 or 2,
 *                                     the cases and their facets; wall and
 *                                     CPU time per page, and apart the CPU
 *                                     time of the pages whose two words
 *                                     the connection had not searched for
 *                                     before (nothing kept of them).
 *   bench_knowledge answers FILE      the answers (cases with ranks and
 *                                     snippets, facets) of about 1,500
 *                                     searches on the store FILE, one JSON
 *                                     line each: to compare byte for byte
 *                                     before and after a change of the
 *                                     search (single words, prefixes, pairs,
 *                                     filters, pages 1-3, English and
 *                                     Russian readers).
 *
 * Prints a human-readable summary, then "figure<TAB>name<TAB>value<TAB>unit"
 * lines. The store is left in DIR for a look with the CLI.
 */
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "index.h"
#include "jsonmp.h"
#include "query.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RUNS = 21 };

static px_identity secretariat;
static uint8_t net[32];
static uint64_t clock_ms = 1700000000000ull;

static bool is_secretariat(void *ctx, const uint8_t key[32])
{
    (void)ctx;
    return memcmp(key, secretariat.pk, 32) == 0;
}

static void die(int rc, const char *what)
{
    fprintf(stderr, "bench_knowledge: %s: %s\n", what, px_err_message(rc));
    exit(1);
}

/* Append one JSON record as who (inside the caller's transaction). */
static void append(const px_feed_ctx *fc, const px_identity *who, const char *kind, json_t *rec,
                   px_buf *scratch)
{
    px_entry e;
    px_buf_reset(scratch);
    int rc = px_json_to_msgpack(rec, scratch);
    if (!rc)
        rc = px_feed_append(fc, who, kind, scratch->data, scratch->len, clock_ms++, &e);
    if (rc)
        die(rc, "appending a record");
    json_decref(rec);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double p(uint64_t *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static px_store *open_store(const char *dir, const char *name)
{
    char path[1024];
    px_store *s;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    remove(path);
    int rc = px_store_open(path, &s);
    if (!rc)
        rc = px_index_open(s, NULL);
    if (rc)
        die(rc, path);
    return s;
}

/* ---- compare ------------------------------------------------------------------- */

static const char *const countries[50] = {
    "KZ", "AZ", "GE", "CA", "AM", "KG", "TJ", "UZ", "MN", "TR", "UA", "MD", "BY",
    "RU", "LT", "LV", "EE", "PL", "RO", "BG", "RS", "ME", "MK", "AL", "BA", "HR",
    "SI", "HU", "SK", "CZ", "AT", "DE", "FR", "IT", "ES", "PT", "GB", "IE", "NL",
    "BE", "DK", "SE", "NO", "FI", "IS", "US", "MX", "BR", "SG", "KR"};

static const double scales[5][2] = {{1, 5}, {0, 10}, {0, 100}, {1, 7}, {1, 10}};

static int bench_compare(const char *dir, size_t n)
{
    px_store *s = open_store(dir, "compare.db");
    px_feed_ctx fc = {.store = s, .schema = px_index_schema, .index = px_index_entry};
    memcpy(fc.network_id, net, 32);
    px_identity node[50];
    px_buf scratch = {0};
    char code[64], service[32], period[16];
    int rc;
    for (int c = 0; c < 50; c++)
        px_identity_generate(&node[c]);

    /* definitions and crosswalks */
    if ((rc = px_store_begin(s)))
        die(rc, "begin");
    for (int f = 0; f < 10; f++) {
        snprintf(code, sizeof code, "SAT-F%d", f);
        append(&fc, &secretariat, "indicator",
               json_pack("{s:s, s:i, s:{s:s}, s:s, s:{s:i, s:i}}", "code", code, "version", 1,
                         "name", "en", "Satisfaction (family target)", "measure_type", "mean score",
                         "scale", "min", 1, "max", 5),
               &scratch);
        for (int k = 0; k < 5; k++) {
            char var[64];
            snprintf(var, sizeof var, "SAT-F%d-V%d", f, k);
            append(&fc, &node[k], "indicator",
                   json_pack("{s:s, s:i, s:{s:s}, s:s, s:{s:f, s:f}}", "code", var, "version", 1,
                             "name", "en", "Satisfaction (national survey)", "measure_type",
                             "mean score", "scale", "min", scales[k][0], "max", scales[k][1]),
                   &scratch);
            append(&fc, &secretariat, "crosswalk",
                   json_pack("{s:s, s:s, s:{s:s}, s:s}", "from", var, "to", code, "conversion",
                             "type", "endpoints", "grade", "close"),
                   &scratch);
        }
    }
    if ((rc = px_store_commit(s)))
        die(rc, "commit");

    /* results: per quarter, family, country: one national + 49 services */
    uint64_t t0 = px_mono_ns();
    size_t made = 0;
    srand(7);
    for (int q = 0; q < 40 && made < n; q++) {
        snprintf(period, sizeof period, "%d-Q%d", 2009 + q / 4, q % 4 + 1);
        if ((rc = px_store_begin(s)))
            die(rc, "begin");
        for (int f = 0; f < 10 && made < n; f++) {
            for (int c = 0; c < 50 && made < n; c++) {
                int k = c % 5;
                snprintf(code, sizeof code, "SAT-F%d-V%d", f, k);
                for (int sv = 0; sv < 50 && made < n; sv++, made++) {
                    double lo = scales[k][0], hi = scales[k][1];
                    double v = lo + (hi - lo) * (0.55 + 0.4 * (double)rand() / RAND_MAX);
                    json_t *rec = json_pack(
                        "{s:s, s:s, s:s, s:f, s:i, s:s, s:s}", "indicator", code, "country",
                        countries[c], "period", period, "value", (double)(long)(v * 100) / 100, "n",
                        sv ? 200 + rand() % 300 : 5000 + rand() % 5000, "method", "questionnaire",
                        "source", "Synthetic benchmark data for bench_knowledge");
                    if (sv) {
                        snprintf(service, sizeof service, "service %02d", sv);
                        json_object_set_new(rec, "service", json_string(service));
                    }
                    append(&fc, &node[c], "benchmark", rec, &scratch);
                }
            }
        }
        if ((rc = px_store_commit(s)))
            die(rc, "commit");
        fprintf(stderr, "\r%zu results", made);
    }
    double build_s = (double)(px_mono_ns() - t0) / 1e9;
    fprintf(stderr, "\n");
    px_buf_free(&scratch);

    px_query qy = {.store = s, .lang = "en", .is_secretariat = is_secretariat};
    uint64_t latest[RUNS], period_runs[RUNS], by_service[RUNS];
    json_t *res = NULL;
    size_t rows = 0;
    for (int i = -1; i < RUNS; i++) {
        snprintf(code, sizeof code, "SAT-F%d", (i + 10) % 10);
        uint64_t a = px_mono_ns();
        if ((rc = px_query_compare(&qy, code, NULL, PX_BY_COUNTRY, &res)))
            die(rc, "compare");
        uint64_t b = px_mono_ns();
        rows = json_array_size(json_object_get(res, "rows"));
        json_decref(res);
        if ((rc = px_query_compare(&qy, code, "2012-Q2", PX_BY_COUNTRY, &res)))
            die(rc, "compare --period");
        uint64_t c2 = px_mono_ns();
        json_decref(res);
        if ((rc = px_query_compare(&qy, code, NULL, PX_BY_SERVICE, &res)))
            die(rc, "compare --by service");
        uint64_t d = px_mono_ns();
        json_decref(res);
        if (i >= 0) {
            latest[i] = b - a;
            period_runs[i] = c2 - b;
            by_service[i] = d - c2;
        }
    }
    printf("compare over %zu benchmark results (50 countries as 50 nodes, 60 indicators, 50\n"
           "crosswalks, 40 quarters; stored and indexed at %.0f results/s):\n",
           made, (double)made / build_s);
    printf("  compare SAT-Fn (latest period, by country, %zu rows): p50 %.1f ms, p90 %.1f ms\n",
           rows, p(latest, RUNS, 0.5), p(latest, RUNS, 0.9));
    printf("  compare SAT-Fn --period 2012-Q2:                        p50 %.1f ms\n",
           p(period_runs, RUNS, 0.5));
    printf("  compare SAT-Fn --by service (2,500 groups):             p50 %.1f ms\n",
           p(by_service, RUNS, 0.5));
    printf("figure\tcompare_p50\t%.1f\tms\n", p(latest, RUNS, 0.5));
    printf("figure\tcompare_period_p50\t%.1f\tms\n", p(period_runs, RUNS, 0.5));
    printf("figure\tcompare_by_service_p50\t%.1f\tms\n", p(by_service, RUNS, 0.5));
    printf("figure\tbenchmark_store_rate\t%.0f\tresults/s\n", (double)made / build_s);
    px_store_close(s);
    return 0;
}

/* ---- search --------------------------------------------------------------------- */

static const char *const en_words[] = {
    "service",      "centre",       "citizens",      "waiting",      "time",       "queue",
    "electronic",   "appointment",  "staff",         "digital",      "mobile",     "one-stop",
    "shop",         "reform",       "survey",        "satisfaction", "complaints", "charter",
    "standard",     "process",      "reengineering", "local",        "government", "licence",
    "passport",     "registration", "online",        "portal",       "training",   "feedback",
    "transparency", "corruption",   "payment",       "document",     "notary",     "property",
    "business",     "social",       "benefit",       "pension",      "rural",      "outreach",
    "kiosk",        "call",         "helpdesk"};
static const char *const ru_words[] = {
    "услуга",    "центр",       "граждане", "ожидание", "время",
    "очередь",   "электронная", "запись",   "персонал", "цифровой",
    "мобильный", "окно",        "реформа",  "опрос",    "удовлетворённость",
    "жалобы",    "стандарт",    "процесс",  "местный",  "лицензия",
    "паспорт",   "регистрация", "портал",   "обучение", "прозрачность",
    "коррупция", "платёж",      "документ", "пенсия"};

static void words(char *out, size_t cap, const char *const *w, size_t nw, int count)
{
    size_t at = 0;
    out[0] = '\0';
    for (int i = 0; i < count; i++) {
        const char *word = w[rand() % (int)nw];
        int k = snprintf(out + at, cap - at, "%s%s", i ? " " : "", word);
        if (k < 0 || (size_t)k >= cap - at)
            break;
        at += (size_t)k;
    }
}

static void bench_page(px_store *s, size_t nq);

static int bench_search(const char *dir, size_t n)
{
    px_store *s = open_store(dir, "search.db");
    px_feed_ctx fc = {.store = s, .schema = px_index_schema, .index = px_index_entry};
    memcpy(fc.network_id, net, 32);
    px_identity node[5];
    px_buf scratch = {0};
    char t_en[256], t_ru[512], s_en[2048], s_ru[4096], p_en[1024], p_ru[2048];
    static const char *const stages[] = {"idea", "pilot", "implemented", "evaluated", "scaled"};
    int rc;
    for (int i = 0; i < 5; i++)
        px_identity_generate(&node[i]);
    srand(11);
    uint64_t t0 = px_mono_ns();
    size_t nen = sizeof en_words / sizeof en_words[0], nru = sizeof ru_words / sizeof ru_words[0];
    for (size_t i = 0; i < n;) {
        if ((rc = px_store_begin(s)))
            die(rc, "begin");
        for (size_t k = 0; k < 1000 && i < n; k++, i++) {
            words(t_en, sizeof t_en, en_words, nen, 6);
            words(t_ru, sizeof t_ru, ru_words, nru, 6);
            words(s_en, sizeof s_en, en_words, nen, 60);
            words(s_ru, sizeof s_ru, ru_words, nru, 60);
            words(p_en, sizeof p_en, en_words, nen, 30);
            words(p_ru, sizeof p_ru, ru_words, nru, 30);
            json_t *rec =
                json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:[s, s]}", "title",
                          "en", t_en, "ru", t_ru, "summary", "en", s_en, "ru", s_ru, "problem",
                          "en", p_en, "ru", p_ru, "country", countries[i % 50], "stage",
                          stages[i % 5], "tags", "queue", i % 2 ? "digital" : "one-stop shop");
            append(&fc, &node[i % 5], "case", rec, &scratch);
        }
        if ((rc = px_store_commit(s)))
            die(rc, "commit");
    }
    double build_s = (double)(px_mono_ns() - t0) / 1e9;
    px_buf_free(&scratch);

    static const char *const queries[] = {"waiting",  "очередь",        "pension rural",
                                          "digital*", "helpdesk kiosk", "жалобы пенсия",
                                          "notary"};
    enum { NQ = sizeof queries / sizeof queries[0] };
    uint64_t all[NQ * RUNS], one[RUNS];
    px_query qy = {.store = s, .lang = "ru", .is_secretariat = is_secretariat};
    printf("search over %zu case studies (English and Russian, ~150 words each; stored and "
           "indexed at %.0f cases/s), 20 results with snippets:\n",
           n, (double)n / build_s);
    for (size_t k = 0; k < NQ; k++) {
        size_t total = 0;
        for (int i = -1; i < RUNS; i++) {
            px_case_filter f = {.search = queries[k], .limit = 20};
            json_t *res = NULL;
            uint64_t a = px_mono_ns();
            if ((rc = px_query_cases(&qy, &f, &res)))
                die(rc, "search");
            uint64_t b = px_mono_ns();
            total = (size_t)json_integer_value(json_object_get(res, "total"));
            json_decref(res);
            if (i >= 0)
                one[i] = all[k * RUNS + (size_t)i] = b - a;
        }
        printf("  %-16s %5zu matches: p50 %.1f ms\n", queries[k], total, p(one, RUNS, 0.5));
    }
    printf("  all queries: p50 %.1f ms, p90 %.1f ms\n", p(all, NQ * RUNS, 0.5),
           p(all, NQ * RUNS, 0.9));
    printf("figure\tsearch_p50\t%.1f\tms\n", p(all, NQ * RUNS, 0.5));
    printf("figure\tsearch_p90\t%.1f\tms\n", p(all, NQ * RUNS, 0.9));
    printf("figure\tcase_store_rate\t%.0f\tcases/s\n", (double)n / build_s);
    bench_page(s, 200);
    px_store_close(s);
    return 0;
}

/* The web's search page (node/daemon/webcases.c): the cases of page 1 or
 * 2 (20 a page: offset 0 or 20) and the facets (30 values each), for a different pair of
 * words on every call, in English or Russian in turn (the data set's
 * words). Wall and CPU time per page. */
static void bench_page(px_store *s, size_t nq)
{
    px_query qy = {.store = s, .lang = "en", .is_secretariat = is_secretariat};
    size_t nen = sizeof en_words / sizeof en_words[0], nru = sizeof ru_words / sizeof ru_words[0];
    uint64_t *wall = calloc(nq, sizeof *wall), *cpu = calloc(nq, sizeof *cpu);
    uint64_t total = 0;
    bool seen[2][64] = {{false}};
    double new_cpu = 0;
    size_t n_new = 0;
    char q[256];
    if (!wall || !cpu)
        die(PX_ENOMEM, "page");
    srand(23);
    for (size_t i = 0; i <= nq; i++) { /* the first one warms up, uncounted */
        const char *const *w = i % 2 ? en_words : ru_words;
        size_t nw = i % 2 ? nen : nru, a = (size_t)rand() % nw, b = (size_t)rand() % (nw - 1);
        b = b >= a ? b + 1 : b;
        bool fresh = !seen[i % 2][a] && !seen[i % 2][b];
        seen[i % 2][a] = seen[i % 2][b] = true;
        snprintf(q, sizeof q, "%s %s", w[a], w[b]);
        px_case_filter f = {.search = q, .limit = 20, .offset = i % 3 == 0 ? 20 : 0};
        json_t *res = NULL, *facets = NULL;
        struct timespec c0, c1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        uint64_t t0 = px_mono_ns();
        int rc = px_query_cases(&qy, &f, &res);
        if (!rc)
            rc = px_query_case_facets(&qy, &f, 30, &facets);
        uint64_t t1 = px_mono_ns();
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        if (rc)
            die(rc, "search page");
        total += (uint64_t)json_integer_value(json_object_get(res, "total"));
        json_decref(res);
        json_decref(facets);
        if (i > 0) {
            wall[i - 1] = t1 - t0;
            cpu[i - 1] =
                (uint64_t)((c1.tv_sec - c0.tv_sec) * 1000000000LL + (c1.tv_nsec - c0.tv_nsec));
            if (fresh) {
                new_cpu += (double)cpu[i - 1] / 1e6;
                n_new++;
            }
        }
    }
    double cpu_sum = 0;
    for (size_t i = 0; i < nq; i++)
        cpu_sum += (double)cpu[i] / 1e6;
    printf("search page, a different pair of words each time (%zu pages, %.0f matches on "
           "average), cases and facets:\n",
           nq, (double)total / (double)(nq + 1));
    printf("  wall p50 %.2f ms, p99 %.2f ms; CPU %.2f ms a page on average\n", p(wall, nq, 0.5),
           p(wall, nq, 0.99), cpu_sum / (double)nq);
    if (n_new)
        printf("  CPU %.2f ms a page on average for the %zu pages of two words not searched for "
               "before\n",
               new_cpu / (double)n_new, n_new);
    printf("figure\tsearch_page_varied_p50\t%.2f\tms\n", p(wall, nq, 0.5));
    printf("figure\tsearch_page_varied_cpu\t%.2f\tms\n", cpu_sum / (double)nq);
    if (n_new)
        printf("figure\tsearch_page_new_words_cpu\t%.2f\tms\n", new_cpu / (double)n_new);
    free(wall);
    free(cpu);
}

/* One search's answer (cases and facets) as a JSON line on stdout. */
static void answer(px_store *s, const char *lang, px_case_filter f)
{
    px_query qy = {.store = s, .lang = lang, .is_secretariat = is_secretariat};
    json_t *res = NULL, *facets = NULL;
    int rc = px_query_cases(&qy, &f, &res);
    if (rc == PX_OK)
        rc = px_query_case_facets(&qy, &f, 30, &facets);
    if (rc)
        die(rc, f.search);
    json_t *all =
        json_pack("{s:s, s:s?, s:s?, s:I, s:o, s:o}", "lang", lang, "country", f.country, "stage",
                  f.stage, "offset", (json_int_t)f.offset, "cases", res, "facets", facets);
    char *line = all ? json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    if (!line)
        die(PX_ENOMEM, "answers");
    puts(line);
    free(line);
    json_decref(all);
}

static void answers(px_store *s)
{
    size_t nen = sizeof en_words / sizeof en_words[0], nru = sizeof ru_words / sizeof ru_words[0];
    char q[256];
    srand(29);
    for (size_t i = 0; i < nen + nru; i++) { /* each word, and as a prefix */
        const char *w = i < nen ? en_words[i] : ru_words[i - nen];
        for (int k = 0; k < 6; k++) {
            px_case_filter f = {.search = w, .limit = 20, .offset = (size_t)(k % 3) * 20};
            answer(s, k < 3 ? "en" : "ru", f);
        }
        size_t n = strlen(w) > 8 ? 8 : 4; /* (bytes: a Cyrillic letter is 2) */
        snprintf(q, sizeof q, "%.*s*", (int)n, w);
        answer(s, "en", (px_case_filter){.search = q, .limit = 20});
    }
    for (int i = 0; i < 600; i++) { /* pairs and triples, with and without filters */
        const char *const *w = i % 2 ? en_words : ru_words;
        size_t nw = i % 2 ? nen : nru;
        snprintf(q, sizeof q, "%s %s%s%s", w[(size_t)rand() % nw], w[(size_t)rand() % nw],
                 i % 7 == 0 ? " " : "", i % 7 == 0 ? w[(size_t)rand() % nw] : "");
        px_case_filter f = {.search = q, .limit = 20, .offset = (size_t)(i % 3) * 20};
        if (i % 5 == 1)
            f.country = countries[(size_t)rand() % 50];
        if (i % 5 == 2)
            f.stage = "pilot";
        answer(s, i % 4 < 2 ? "en" : "ru", f);
    }
    for (int i = 0; i < 100; i++) { /* a word of each language */
        snprintf(q, sizeof q, "%s %s", en_words[(size_t)rand() % nen],
                 ru_words[(size_t)rand() % nru]);
        answer(s, i % 2 ? "en" : "ru", (px_case_filter){.search = q, .limit = 20});
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "compare") != 0 && strcmp(argv[1], "search") != 0 &&
                     strcmp(argv[1], "page") != 0 && strcmp(argv[1], "answers") != 0)) {
        fprintf(stderr,
                "usage: bench_knowledge compare|search DIR [N] | page FILE [N] | answers FILE\n");
        return 2;
    }
    if (px_crypto_init() != PX_OK)
        return 1;
    px_identity_generate(&secretariat);
    memset(net, 3, sizeof net);
    uint64_t n = 0;
    if (argc > 3 && px_parse_u64(argv[3], 1, 100000000, &n) != PX_OK) {
        fprintf(stderr, "bench_knowledge: N must be a positive number\n");
        return 2;
    }
    if (strcmp(argv[1], "page") == 0 || strcmp(argv[1], "answers") == 0) {
        px_store *s;
        int rc = px_store_open(argv[2], &s);
        if (!rc)
            rc = px_index_open(s, NULL);
        if (rc)
            die(rc, argv[2]);
        if (argv[1][0] == 'a')
            answers(s);
        else
            bench_page(s, n ? (size_t)n : 200);
        px_store_close(s);
        return 0;
    }
    if (strcmp(argv[1], "compare") == 0)
        return bench_compare(argv[2], n ? (size_t)n : 1000000);
    return bench_search(argv[2], n ? (size_t)n : 10000);
}
