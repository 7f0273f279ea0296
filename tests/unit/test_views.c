// SPDX-License-Identifier: Apache-2.0
/*
 * test_views.c — knowledge/views.h: an indicator's periods newest first
 * (each once, however many results share one; periods ordered as periods,
 * not as text; retracted results gone; the limit held) and the results
 * indexed last, newest first, with n only where it was given.
 */
#include "check.h"
#include "support.h"
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "jsonmp.h"
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static px_identity centre;
static uint8_t net[32];
static uint64_t clock_ms = 1700000000000ull;

static void pub(const px_feed_ctx *fc, const char *kind, const char *json, char id[65])
{
    char *text = ts_sq(json);
    json_t *j = NULL;
    px_buf b = {0};
    px_entry e;
    CHECK_RC(px_json_parse(text, strlen(text), "test", &j), PX_OK);
    if (j) {
        CHECK_RC(px_json_to_msgpack(j, &b), PX_OK);
        CHECK_RC(px_store_begin(fc->store), PX_OK);
        CHECK_RC(px_feed_append(fc, &centre, kind, b.data, b.len, clock_ms++, &e), PX_OK);
        CHECK_RC(px_store_commit(fc->store), PX_OK);
        if (id)
            px_id_hex(id, e.id);
    }
    json_decref(j);
    px_buf_free(&b);
    free(text);
}

static void result(const px_feed_ctx *fc, const char *country, const char *period, double value,
                   long n, char id[65])
{
    char body[300];
    if (n >= 0)
        snprintf(body, sizeof body,
                 "{'indicator': 'SAT', 'country': '%s', 'period': '%s', 'value': %g, 'n': %ld}",
                 country, period, value, n);
    else
        snprintf(body, sizeof body,
                 "{'indicator': 'SAT', 'country': '%s', 'period': '%s', 'value': %g}", country,
                 period, value);
    pub(fc, "benchmark", body, id);
}

/* Collects what a view hands over, joined by spaces. */
typedef struct seen {
    char text[512];
    size_t rows;
    int stop_after; /* > 0: return PX_EINVAL after that many rows */
} seen;

static void add(seen *s, const char *word)
{
    size_t len = strlen(s->text);
    snprintf(s->text + len, sizeof s->text - len, "%s%s", len ? " " : "", word);
}

static int on_period(void *ctx, const char *period)
{
    seen *s = ctx;
    add(s, period);
    return ++s->rows == (size_t)s->stop_after ? PX_EINVAL : PX_OK;
}

static int on_result(void *ctx, const px_result_row *r)
{
    seen *s = ctx;
    char word[128];
    if (r->has_n)
        snprintf(word, sizeof word, "%s/%s/%s=%g(n%lld)", r->indicator, r->country, r->period,
                 r->value, (long long)r->n);
    else
        snprintf(word, sizeof word, "%s/%s/%s=%g", r->indicator, r->country, r->period, r->value);
    add(s, word);
    return ++s->rows == (size_t)s->stop_after ? PX_EINVAL : PX_OK;
}

static void test_views(void)
{
    px_store *s = ts_open_store("views.db", true);
    px_feed_ctx fc = ts_feed_ctx(s, net, true);
    char retract_me[65], body[200];
    seen got = {0};

    /* No results yet: no rows, no error. */
    CHECK_RC(px_view_periods(s, "SAT", 5, on_period, &got), PX_OK);
    CHECK_RC(px_view_latest_results(s, 5, on_result, &got), PX_OK);
    CHECK(got.rows == 0);

    pub(&fc, "indicator",
        "{'code': 'SAT', 'version': 1, 'name': {'en': 'Satisfaction'}, 'measure_type': 'mean "
        "score', 'scale': {'min': 1, 'max': 5}}",
        NULL);
    result(&fc, "KZ", "2017", 4.5, 9517, NULL);
    result(&fc, "GE", "2017", 4.2, -1, NULL);     /* a second result in 2017 */
    result(&fc, "KZ", "2018-Q1", 4.6, 100, NULL); /* after 2018 as a period */
    result(&fc, "KZ", "2018", 4.66, 10000, NULL);
    result(&fc, "AZ", "2019", 4.9, 5, retract_me); /* retracted below */
    result(&fc, "GE", "2018-02", 4.3, 40, NULL);   /* a month: after 2018-Q1, though not as text */
    result(&fc, "KZ", "2016", 4.1, 20, NULL);

    /* Periods newest first, each once; 2019 counts until it is retracted. */
    CHECK_RC(px_view_periods(s, "SAT", 10, on_period, &got), PX_OK);
    CHECK_STR(got.text, "2019 2018-02 2018-Q1 2018 2017 2016");
    snprintf(body, sizeof body, "{'target': '%s'}", retract_me);
    pub(&fc, "retract", body, NULL);
    memset(&got, 0, sizeof got);
    CHECK_RC(px_view_periods(s, "SAT", 10, on_period, &got), PX_OK);
    CHECK_STR(got.text, "2018-02 2018-Q1 2018 2017 2016");
    /* The limit, and a callback that stops the walk (its code returned). */
    memset(&got, 0, sizeof got);
    CHECK_RC(px_view_periods(s, "SAT", 2, on_period, &got), PX_OK);
    CHECK_STR(got.text, "2018-02 2018-Q1");
    memset(&got, 0, sizeof got);
    got.stop_after = 1;
    CHECK_RC(px_view_periods(s, "SAT", 10, on_period, &got), PX_EINVAL);
    CHECK(got.rows == 1);
    /* An indicator with no results, and one that does not exist. */
    memset(&got, 0, sizeof got);
    CHECK_RC(px_view_periods(s, "NONE", 10, on_period, &got), PX_OK);
    CHECK(got.rows == 0);

    /* The results indexed last, newest first, without the retracted one;
     * n only where the record gave it. */
    memset(&got, 0, sizeof got);
    CHECK_RC(px_view_latest_results(s, 3, on_result, &got), PX_OK);
    CHECK_STR(got.text, "SAT/KZ/2016=4.1(n20) SAT/GE/2018-02=4.3(n40) SAT/KZ/2018=4.66(n10000)");
    memset(&got, 0, sizeof got);
    CHECK_RC(px_view_latest_results(s, 10, on_result, &got), PX_OK);
    CHECK(got.rows == 6);
    CHECK(strstr(got.text, "SAT/GE/2017=4.2 ") != NULL); /* no n given: none shown */
    CHECK(strstr(got.text, "AZ") == NULL);
    memset(&got, 0, sizeof got);
    got.stop_after = 2;
    CHECK_RC(px_view_latest_results(s, 10, on_result, &got), PX_EINVAL);
    CHECK(got.rows == 2);
    px_store_close(s);
}

int main(void)
{
    if (px_crypto_init() != PX_OK)
        return 1;
    ts_tmpdir("views");
    px_identity_generate(&centre);
    memset(net, 7, sizeof net);
    RUN(test_views);
    return check_summary();
}
