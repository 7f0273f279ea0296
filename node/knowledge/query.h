/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.h — the questions practitioners and analysts ask of the records
 * index (index.h): which cases match, which indicators and results are
 * held, how countries compare, how a series develops, what the network's
 * aggregate is.
 *
 * Every query answers with a JSON document (jansson) that the CLI prints as
 * text, JSON or CSV (tabular.h), that exports and the HTML report are made
 * from, and that unit tests inspect. Numbers that are missing or cannot be
 * computed are JSON null, never 0. Text in the documents is the records'
 * own (untrusted) text: whoever prints it escapes it for the medium.
 *
 * Comparison rules (DESIGN.md, "Knowledge and benchmarks"; RECORDS.md 5):
 *   - a comparison is about one target indicator; results of other
 *     indicators take part when a crosswalk links the two indicators in
 *     either direction and its author is the secretariat (px_secretariat_fn,
 *     one hop only); a crosswalk by anyone else is shown, but its results
 *     are marked not comparable;
 *   - every value is shown on its own scale, rescaled to 0-100 by its own
 *     indicator's endpoints (value_100), and converted onto the target's
 *     scale (converted, converted_100);
 *   - not comparable (comparable false, with a note): the indicator
 *     definition is not held, the value lies outside its scale, the status
 *     is "definition differs", or the crosswalk is not the secretariat's;
 *   - per group (country, centre or service) the broadest results are
 *     compared: for --by country those naming the fewest of centre, service
 *     and channel; a group that reports the indicator in other periods but
 *     not this one gets a row with missing true and its latest period.
 */
#ifndef PX_QUERY_H
#define PX_QUERY_H

#include "store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whose crosswalks count for comparisons and who may publish aggregates. */
typedef bool (*px_secretariat_fn)(void *ctx, const uint8_t key[32]);

/* What every query needs. Plain data; store is borrowed. */
typedef struct px_query {
    px_store *store;
    const char *lang;                 /* the reader's language (px_langmap_pick), or NULL */
    px_secretariat_fn is_secretariat; /* NULL: no crosswalk counts */
    void *secretariat_ctx;
    /* The key that identifies author's centre across key successions (the
     * first key of its chain, members.h), shown as `centre_key` beside
     * `author`; aggregates count members by it. NULL: each key its own. */
    const uint8_t *(*centre_of)(void *ctx, const uint8_t author[32]);
    void *centre_ctx;
} px_query;

/* Listings show at most this many rows unless told otherwise. */
enum { PX_QUERY_DEFAULT_LIMIT = 50 };

/* ---- cases --------------------------------------------------------------- */

typedef struct px_case_filter {
    const char *country; /* ISO code, or NULL */
    const char *tag;     /* one tag (ASCII case ignored), or NULL */
    const char *stage;   /* or NULL */
    const char *search;  /* words to find (all of them), or NULL */
    size_t limit;        /* 0: PX_QUERY_DEFAULT_LIMIT */
    const char *service; /* one service (ASCII case ignored), or NULL */
    const char *channel; /* one channel (ASCII case ignored), or NULL */
    int64_t start_year;  /* the year it started, or 0: any */
    size_t offset;       /* paging: the cases listed start after this many */
} px_case_filter;

/* The live versions of the cases that match (retracted ones never).
 * Without search: newest first. With search: ranked by FTS5's bm25 over the
 * text in every language (title counts most, then summary, tags and the
 * rest), each with a snippet of the best-matching language, the reader's
 * language preferred; matches are marked with [ and ]. search is plain
 * words; a word ending in '*' matches as a prefix; quotes and FTS5 syntax
 * are taken literally. The list holds the limit cases after the first
 * offset (only those are read, and snippets made for). Snippets are the
 * bytes FTS5's snippet() would make (16 tokens of the best column). Reads
 * in one read transaction unless the connection is in one. The store's
 * connection keeps, until the store changes, what searches read: the
 * rows of the words searched for (at most 16 MB and 256 words, the least
 * recently used dropped first), the filters' last cases, the length of
 * every full-text row and the facets' values; freed with the store.
 * OUT *out: {"search", "total", "cases": [{"id", "author", "country",
 *   "stage", "centre", "start_year", "end_year", "title", "title_lang",
 *   "summary", "summary_lang", "tags", "illustrative", "version",
 *   "older_versions", "rank", "snippet", "snippet_lang", "timestamp_ms"}]}
 * (absent values are null). PX_EINVAL (detail) for a search without words. */
int px_query_cases(const px_query *q, const px_case_filter *f, json_t **out);

/* ---- indicators and results ------------------------------------------------ */

/* Live indicator definitions, by code and version.
 * OUT *out: {"indicators": [{"id", "author", "code", "version", "name",
 *   "name_lang", "measure_type", "domain", "unit", "scale_min",
 *   "scale_max", "higher_is_better", "illustrative", "older_versions",
 *   "results"}]} where results counts live benchmark results. "version" and
 *   every "indicator_version" are as written: a number (2) or a text
 *   ("1.2.0"); RECORDS.md, "Indicator versions". */
int px_query_indicators(const px_query *q, json_t **out);

typedef struct px_bench_filter {
    const char *indicator; /* code, or NULL */
    const char *country;
    const char *period; /* exact period text, or NULL */
    size_t limit;       /* 0: no limit */
} px_bench_filter;

/* Called once per row; row is valid only during the call. Return PX_OK to
 * go on; anything else stops the walk and is returned. */
typedef int (*px_query_row_fn)(void *ctx, json_t *row);

/* Live (not retracted) benchmark results, by indicator, country, period,
 * centre, service and channel, one row at a time (memory stays bounded
 * for exports of millions of rows). Row: {"id", "author", "indicator",
 * "indicator_version", "country", "centre", "service", "channel",
 * "period", "value", "n", "ci_low", "ci_high", "std_err", "method",
 * "status", "source", "illustrative", "unit"} (unit from the indicator
 * definition when held). PX_EINVAL for a malformed period or country. */
int px_query_each_benchmark(const px_query *q, const px_bench_filter *f, px_query_row_fn fn,
                            void *ctx);

/* The same, collected. OUT *out: {"results": [...], "total"}; total counts
 * every match even when limit cut the list. */
int px_query_benchmarks(const px_query *q, const px_bench_filter *f, json_t **out);

/* ---- comparison, trend, aggregate ----------------------------------------- */

typedef enum px_by { PX_BY_NETWORK, PX_BY_COUNTRY, PX_BY_CENTRE, PX_BY_SERVICE } px_by;

/* "network", "country", ... and back; parse returns PX_EINVAL on others. */
const char *px_by_name(px_by by);
int px_by_parse(const char *s, px_by *out);

/* Compare results for indicator (a code) in one period (NULL: the latest
 * period any taking-part indicator has results for), grouped by `by`
 * (PX_BY_NETWORK is treated as country).
 * OUT *out: {"indicator": {code, version, name, name_lang, measure_type,
 *   unit, scale_min, scale_max, higher_is_better, id, author},
 *   "period", "by",
 *   "sources": [{"indicator", "endorsed", "crosswalk": {id, author,
 *     grade, conversion, a, b, reverse} | null, "held"}],
 *   "rows": [{"group", "country", "centre", "service", "channel",
 *     "indicator", "indicator_version", "value", "scale_min", "scale_max",
 *     "value_100", "converted", "converted_100", "n", "ci_low", "ci_high",
 *     "std_err", "method", "period", "status", "source", "author", "id",
 *     "illustrative", "grade", "comparable", "missing", "latest_period",
 *     "flags": [...], "note"}]}
 * Rows: comparable ones by converted_100 (best first), then the others,
 * then the missing. PX_ENOENT (detail) if the indicator is not held;
 * PX_EINVAL for a malformed period. */
int px_query_compare(const px_query *q, const char *indicator, const char *period, px_by by,
                     json_t **out);

/* The series of indicator (and of indicators crosswalked to it, as in
 * compare) by period, for every country or one. A series is one country's
 * broadest results (same centre, service, channel); a point breaks the
 * series when its status is "break", or its indicator, indicator version or
 * method differs from the previous point's.
 * OUT *out: {"indicator": {...as compare}, "country", "sources": [...],
 *   "series": [{"group", "country", "centre", "service", "channel",
 *     "points": [{"period", "value", "indicator", "converted",
 *       "value_100", "converted_100", "n", "method", "status",
 *       "comparable", "break", "break_reason", "id", "author",
 *       "illustrative", "note"}]}]} */
int px_query_trend(const px_query *q, const char *indicator, const char *country, json_t **out);

/* Means of the comparable results of compare (indicator, period, by) per
 * group (PX_BY_NETWORK: one group, "network"), on the target's scale and
 * rescaled to 0-100: n-weighted (sum n*x / sum n over results that give
 * n) and unweighted (plain mean), with the members (distinct publishing
 * nodes), results and observations counted.
 * OUT *out: {"indicator": {...}, "period", "by", "groups": [{"group",
 *   "country", "centre", "service" (those the grouping names, else null),
 *   "members", "results", "n", "without_n", "excluded",
 *   "n_weighted": {"value", "value_100"} | null,
 *   "unweighted": {"value", "value_100"}, "illustrative",
 *   "result_ids": [...]}]}. period is required (PX_EINVAL). */
int px_query_aggregate(const px_query *q, const char *indicator, const char *period, px_by by,
                       json_t **out);

/* ---- facets of a case search (the web interface's filters) -------------- */

/* How the live cases that match f (every filter; limit ignored) spread
 * over countries, stages, tags, services, channels and start years, each
 * value with its count, most frequent first (years newest first), at most
 * max_values per facet (0: 50).
 * OUT *out: {"total", "facets": {"country": [{"value", "count"}], "stage",
 *   "tag", "service", "channel", "year"}}. PX_EINVAL (detail) for a search
 * without words. */
int px_query_case_facets(const px_query *q, const px_case_filter *f, size_t max_values,
                         json_t **out);

#endif
