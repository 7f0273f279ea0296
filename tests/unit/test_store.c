/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c — the store (store.h) on its own: entries and heads,
 * transactions, walks, held-back entries, missing bodies, the index
 * backlog's flags, purges, fork proofs and metadata, across a reopen.
 * Entries are signed by hand (support.h); the feed rules are test_feed's.
 */
#include "check.h"
#include "support.h"

#include "crypto.h"
#include "error.h"
#include "storeinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static px_identity alice, bob;
static uint8_t net[32];

enum { N = 5 };
static px_entry feed_a[N];
static const uint8_t body_a[] = "\x81\xa1k\xa1v"; /* {"k": "v"} */

static void sign_feed(void)
{
    for (int i = 0; i < N; i++)
        ts_sign(&feed_a[i], &alice, net, (uint64_t)i + 1, i ? feed_a[i - 1].id : NULL,
                1000 + (uint64_t)i, i == 2 ? "address" : "case", body_a, sizeof body_a - 1);
}

static uint64_t count(px_store *s)
{
    uint64_t n = 0;
    CHECK_RC(px_store_count(s, &n), PX_OK);
    return n;
}

typedef struct walk {
    uint64_t seqs[16];
    size_t n;
} walk;

static int collect(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    walk *w = ctx;
    CHECK(m == NULL || m->decode_rc == PX_OK);
    if (w->n < 16)
        w->seqs[w->n++] = e->h.seq;
    return PX_OK;
}

static int stop_at_two(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    (void)m;
    walk *w = ctx;
    w->seqs[w->n++] = e->h.seq;
    return w->n == 2 ? PX_EEXIST : PX_OK;
}

static void test_put_get_head_and_transactions(void)
{
    px_store *s = ts_open_store("a.db", false);
    px_head h;
    CHECK_RC(px_store_head(s, alice.pk, &h), PX_ENOENT);
    CHECK(count(s) == 0);
    /* a rolled-back transaction leaves nothing */
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK(px_store_in_tx(s));
    CHECK_RC(px_store_begin(s), PX_EBUSY); /* no nesting */
    CHECK_RC(px_store_put(s, &feed_a[0], 0, 1), PX_OK);
    px_store_rollback(s);
    CHECK(!px_store_in_tx(s));
    CHECK(count(s) == 0);
    CHECK_RC(px_store_head(s, alice.pk, &h), PX_ENOENT);
    /* committed entries, the head follows */
    CHECK_RC(px_store_begin(s), PX_OK);
    for (int i = 0; i < N; i++)
        CHECK_RC(px_store_put(s, &feed_a[i], 0, 7), PX_OK);
    CHECK_RC(px_store_put(s, &feed_a[1], 0, 7), PX_EDUP);
    CHECK_RC(px_store_commit(s), PX_OK);
    CHECK(count(s) == N);
    CHECK_RC(px_store_head(s, alice.pk, &h), PX_OK);
    CHECK(h.seq == N && memcmp(h.id, feed_a[N - 1].id, 32) == 0 && !h.frozen);
    CHECK(h.timestamp_ms == feed_a[N - 1].h.timestamp_ms);
    /* get and get_seq give the same bytes back */
    px_entry e;
    px_buf body = {0};
    px_entry_meta m;
    CHECK_RC(px_store_get(s, feed_a[3].id, &e, &body, &m), PX_OK);
    CHECK(e.h.seq == 4 && e.body_len == sizeof body_a - 1);
    CHECK(e.body && memcmp(e.body, body_a, e.body_len) == 0);
    CHECK(m.received_ms == 7 && m.flags == 0 && !m.purged);
    CHECK_RC(px_entry_verify_sig(&e), PX_OK);
    CHECK_RC(px_store_get_seq(s, alice.pk, 2, &e, &body, NULL), PX_OK);
    CHECK(memcmp(e.id, feed_a[1].id, 32) == 0);
    CHECK_RC(px_store_get_seq(s, alice.pk, N + 1, &e, &body, NULL), PX_ENOENT);
    CHECK_RC(px_store_get_seq(s, bob.pk, 1, &e, &body, NULL), PX_ENOENT);
    px_buf_free(&body);
    px_store_close(s);
}

static void test_walks(void)
{
    px_store *s = ts_open_store("a.db", false); /* as the test before left it */
    walk w = {0};
    CHECK_RC(px_store_each(s, NULL, 0, 0, collect, &w), PX_OK);
    CHECK(w.n == N && w.seqs[0] == 1 && w.seqs[N - 1] == N);
    memset(&w, 0, sizeof w);
    CHECK_RC(px_store_each(s, alice.pk, 3, 2, collect, &w), PX_OK);
    CHECK(w.n == 2 && w.seqs[0] == 3 && w.seqs[1] == 4);
    memset(&w, 0, sizeof w);
    CHECK_RC(px_store_each(s, bob.pk, 0, 0, collect, &w), PX_OK);
    CHECK(w.n == 0);
    /* a callback's error stops the walk and is returned */
    memset(&w, 0, sizeof w);
    CHECK_RC(px_store_each(s, NULL, 0, 0, stop_at_two, &w), PX_EEXIST);
    CHECK(w.n == 2);
    /* by kind: newest first within a feed */
    memset(&w, 0, sizeof w);
    CHECK_RC(px_store_each_kind(s, "case", collect, &w), PX_OK);
    CHECK(w.n == N - 1 && w.seqs[0] == N && w.seqs[w.n - 1] == 1);
    memset(&w, 0, sizeof w);
    CHECK_RC(px_store_each_kind(s, "address", collect, &w), PX_OK);
    CHECK(w.n == 1 && w.seqs[0] == 3);
    px_store_close(s);
}

static void test_flags_backlog_and_purge(void)
{
    px_store *s = ts_open_store("f.db", false);
    uint8_t ids[8][32];
    size_t n = 9;
    uint64_t left = 9;
    CHECK_RC(px_store_begin(s), PX_OK);
    for (int i = 0; i < N; i++)
        CHECK_RC(px_store_put(s, &feed_a[i], i % 2 ? PX_ENTRY_FLAG_UNINDEXED : 0, 1), PX_OK);
    CHECK_RC(px_store_unindexed(s, ids, 8, &n), PX_OK);
    CHECK(n == 2 && memcmp(ids[0], feed_a[1].id, 32) == 0 && memcmp(ids[1], feed_a[3].id, 32) == 0);
    CHECK_RC(px_store_unindexed_count(s, &left), PX_OK);
    CHECK(left == 2);
    /* one reflagged, the rest cleared at once; other bits stay */
    CHECK_RC(
        px_store_set_flags(s, feed_a[1].id, PX_ENTRY_FLAG_SCHEMA_INVALID | PX_ENTRY_FLAG_UNINDEXED),
        PX_OK);
    CHECK_RC(px_store_clear_flag(s, PX_ENTRY_FLAG_UNINDEXED), PX_OK);
    CHECK_RC(px_store_unindexed_count(s, &left), PX_OK);
    CHECK(left == 0);
    px_entry e;
    px_entry_meta m;
    CHECK_RC(px_store_get(s, feed_a[1].id, &e, NULL, &m), PX_OK);
    CHECK(m.flags == PX_ENTRY_FLAG_SCHEMA_INVALID);
    /* a purge keeps header and signature, drops the body for good */
    CHECK_RC(px_store_purge(s, feed_a[2].id), PX_OK);
    px_buf body = {0};
    CHECK_RC(px_store_get(s, feed_a[2].id, &e, &body, &m), PX_OK);
    CHECK(m.purged && e.body == NULL);
    CHECK_RC(px_entry_verify_sig(&e), PX_OK);
    CHECK_RC(px_store_get_body(s, feed_a[2].id, &body), PX_ENOENT);
    CHECK_RC(px_store_missing_bodies(s, ids, 8, &n), PX_OK);
    CHECK(n == 0); /* purged on purpose: not missing */
    CHECK_RC(px_store_fill_body(s, feed_a[2].id, body_a, sizeof body_a - 1, 0), PX_ENOENT);
    CHECK_RC(px_store_purge(s, bob.pk), PX_ENOENT);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_buf_free(&body);
    px_store_close(s);
}

static void test_missing_bodies(void)
{
    px_store *s = ts_open_store("m.db", false);
    px_entry bare = feed_a[0];
    bare.body = NULL; /* arrived without its body */
    uint8_t ids[4][32];
    size_t n = 9;
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_store_put(s, &bare, 0, 1), PX_OK);
    CHECK_RC(px_store_missing_bodies(s, ids, 4, &n), PX_OK);
    CHECK(n == 1 && memcmp(ids[0], feed_a[0].id, 32) == 0);
    CHECK_RC(
        px_store_fill_body(s, feed_a[0].id, body_a, sizeof body_a - 1, PX_ENTRY_FLAG_UNINDEXED),
        PX_OK);
    CHECK_RC(px_store_fill_body(s, feed_a[0].id, body_a, sizeof body_a - 1, 0), PX_ENOENT);
    CHECK_RC(px_store_missing_bodies(s, ids, 4, &n), PX_OK);
    CHECK(n == 0);
    px_buf body = {0};
    CHECK_RC(px_store_get_body(s, feed_a[0].id, &body), PX_OK);
    CHECK(body.len == sizeof body_a - 1 && memcmp(body.data, body_a, body.len) == 0);
    px_entry_meta m;
    px_entry e;
    CHECK_RC(px_store_get(s, feed_a[0].id, &e, &body, &m), PX_OK);
    CHECK(m.flags == PX_ENTRY_FLAG_UNINDEXED);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_buf_free(&body);
    px_store_close(s);
}

static void test_held(void)
{
    px_store *s = ts_open_store("h.db", false);
    px_entry b[3];
    for (int i = 0; i < 3; i++)
        ts_sign(&b[i], &bob, net, (uint64_t)i + 1, i ? b[i - 1].id : NULL, 10, "case", body_a,
                sizeof body_a - 1);
    uint64_t cnt = 9, bytes = 9;
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_store_hold(s, &b[2], 100), PX_OK);
    CHECK_RC(px_store_hold(s, &b[0], 200), PX_OK);
    CHECK_RC(px_store_hold(s, &b[1], 300), PX_OK);
    CHECK_RC(px_store_hold(s, &b[1], 300), PX_EDUP);
    CHECK_RC(px_store_held_stats(s, &cnt, &bytes), PX_OK);
    CHECK(cnt == 3 && bytes >= 3 * (64 + sizeof body_a - 1));
    CHECK_RC(px_store_held_author_stats(s, bob.pk, &cnt, &bytes), PX_OK);
    CHECK(cnt == 3);
    CHECK_RC(px_store_held_author_stats(s, alice.pk, &cnt, &bytes), PX_OK);
    CHECK(cnt == 0 && bytes == 0);
    walk w = {0};
    CHECK_RC(px_store_each_held(s, bob.pk, collect, &w), PX_OK);
    CHECK(w.n == 3 && w.seqs[0] == 1 && w.seqs[1] == 2 && w.seqs[2] == 3); /* seq order */
    /* held entries are not entries of the feed */
    px_head h;
    CHECK_RC(px_store_head(s, bob.pk, &h), PX_ENOENT);
    CHECK(count(s) == 0);
    /* expiry by arrival time, then unhold */
    uint64_t dropped = 9;
    CHECK_RC(px_store_held_expire(s, 150, &dropped), PX_OK);
    CHECK(dropped == 1);
    CHECK_RC(px_store_unhold(s, b[0].id), PX_OK);
    CHECK_RC(px_store_held_stats(s, &cnt, &bytes), PX_OK);
    CHECK(cnt == 1);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_store_close(s);
}

static void test_forks_meta_and_reopen(void)
{
    px_store *s = ts_open_store("k.db", false);
    px_entry twin;
    ts_sign(&twin, &alice, net, 2, feed_a[0].id, 1001, "case", (const uint8_t *)"\x80", 1);
    char buf[8];
    CHECK_RC(px_store_meta_get(s, "x-test", buf, sizeof buf), PX_ENOENT);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_store_put(s, &feed_a[0], 0, 1), PX_OK);
    CHECK_RC(px_store_put(s, &feed_a[1], 0, 1), PX_OK);
    CHECK_RC(px_store_put_fork(s, &twin, 5), PX_OK);
    CHECK_RC(px_store_meta_set(s, "x-test", "a value"), PX_OK);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_store_close(s);
    s = ts_open_store("k.db", false); /* everything survives a reopen */
    CHECK(px_store_has_fork(s, twin.id));
    CHECK(!px_store_has_fork(s, feed_a[1].id));
    px_head h;
    CHECK_RC(px_store_head(s, alice.pk, &h), PX_OK);
    CHECK(h.frozen && h.seq == 2);
    walk w = {0};
    CHECK_RC(px_store_each_fork(s, collect, &w), PX_OK);
    CHECK(w.n == 1 && w.seqs[0] == 2);
    CHECK_RC(px_store_meta_get(s, "x-test", buf, sizeof buf), PX_OK);
    CHECK_STR(buf, "a value");
    CHECK_RC(px_store_meta_get(s, "x-test", buf, 4), PX_ETOOBIG);
    px_store_close(s);
}

typedef struct idlist {
    uint8_t v[4][32];
    char label[4][16];
    size_t n;
} idlist;

static void collect_id(void *ctx, const uint8_t v[32], const char *label)
{
    idlist *l = ctx;
    if (l->n < 4) {
        memcpy(l->v[l->n], v, 32);
        snprintf(l->label[l->n], sizeof l->label[l->n], "%s", label);
    }
    l->n++;
}

/* storeinfo.h on the store the test before left: alice's feed, two
 * entries, frozen by a fork proof. */
static void test_storeinfo(void)
{
    px_store *s = ts_open_store("k.db", false), *other = ts_open_store("k.db", false);
    px_store_summary sum;
    CHECK_RC(px_store_summary_get(s, &sum), PX_OK);
    CHECK(sum.feeds == 1 && sum.frozen_feeds == 1);
    CHECK(sum.has_newest && sum.newest_entry_ms == 1001);
    CHECK(sum.has_received && sum.received_ms == 1);
    uint8_t frozen[4][32];
    size_t n = 9;
    CHECK_RC(px_store_frozen_authors(s, frozen, 4, &n), PX_OK);
    CHECK(n == 1 && memcmp(frozen[0], alice.pk, 32) == 0);
    CHECK_RC(px_store_frozen_authors(s, frozen, 0, &n), PX_OK);
    CHECK(n == 0);

    uint8_t lo[32], hi[32];
    memset(lo, 0x00, 32);
    memset(hi, 0xff, 32);
    idlist l = {0};
    CHECK_RC(px_store_ids_between(s, PX_IDS_ENTRIES, lo, hi, 10, collect_id, &l), PX_OK);
    CHECK(l.n == 2 && strcmp(l.label[0], "case") == 0);
    memset(&l, 0, sizeof l);
    CHECK_RC(px_store_ids_between(s, PX_IDS_ENTRIES, lo, hi, 1, collect_id, &l), PX_OK);
    CHECK(l.n == 1); /* the limit holds */
    memset(&l, 0, sizeof l);
    CHECK_RC(
        px_store_ids_between(s, PX_IDS_ENTRIES, feed_a[1].id, feed_a[1].id, 10, collect_id, &l),
        PX_OK);
    CHECK(l.n == 1 && memcmp(l.v[0], feed_a[1].id, 32) == 0);
    memset(&l, 0, sizeof l);
    CHECK_RC(px_store_ids_between(s, PX_IDS_AUTHORS, lo, hi, 10, collect_id, &l), PX_OK);
    CHECK(l.n == 1 && memcmp(l.v[0], alice.pk, 32) == 0 && strcmp(l.label[0], "feed") == 0);

    /* another connection's commit changes the data version */
    int64_t v = px_store_data_version(s);
    CHECK(v >= 0 && px_store_data_version(s) == v);
    CHECK_RC(px_store_begin(other), PX_OK);
    CHECK_RC(px_store_meta_set(other, "x-test", "another"), PX_OK);
    CHECK_RC(px_store_commit(other), PX_OK);
    CHECK(px_store_data_version(s) != v);
    v = px_store_data_version(s); /* the statement is prepared once: asked again */
    CHECK_RC(px_store_begin(other), PX_OK);
    CHECK_RC(px_store_meta_set(other, "x-test", "again"), PX_OK);
    CHECK_RC(px_store_commit(other), PX_OK);
    CHECK(px_store_data_version(s) != v);
    CHECK_RC(px_store_begin(other), PX_OK);
    CHECK_RC(px_store_meta_set(other, "x-test", "another"), PX_OK);
    CHECK_RC(px_store_commit(other), PX_OK);

    /* a read-only connection reads and never writes */
    CHECK_RC(px_store_make_readonly(s), PX_OK);
    CHECK(px_store_meta_set(s, "x-test", "refused") != PX_OK);
    char buf[16];
    CHECK_RC(px_store_meta_get(s, "x-test", buf, sizeof buf), PX_OK);
    CHECK_STR(buf, "another");
    px_store_close(other);
    px_store_close(s);
}

int main(void)
{
    uint8_t seed[32] = {21};
    px_crypto_init();
    px_identity_from_seed(&alice, seed);
    seed[0] = 22;
    px_identity_from_seed(&bob, seed);
    memset(net, 0x66, 32);
    ts_tmpdir("store");
    sign_feed();
    RUN(test_put_get_head_and_transactions);
    RUN(test_walks);
    RUN(test_flags_backlog_and_purge);
    RUN(test_missing_bodies);
    RUN(test_held);
    RUN(test_forks_meta_and_reopen);
    RUN(test_storeinfo);
    return check_summary();
}
