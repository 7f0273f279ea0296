/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_feed.c — the feed rules against a real SQLite store: append, ingest,
 * each refusal (seq, prev, timestamp, network, signature, membership),
 * forks kept as proof, purge keeping verify green, and verify naming a
 * damaged entry.
 */
#include "check.h"
#include "support.h"
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity alice, bob;
static uint8_t net[32], other_net[32];
static px_store *open_store(const char *name)
{
    return ts_open_store(name, false);
}

static px_feed_ctx ctx_for(px_store *s)
{
    return ts_feed_ctx(s, net, false);
}

/* Sign an entry by hand (for the cases append would never produce). */
static void forge(px_entry *e, const px_identity *who, const uint8_t *network, uint64_t seq,
                  const uint8_t *prev, uint64_t ts, const char *text)
{
    ts_sign(e, who, network, seq, prev, ts, "case", (const uint8_t *)text, strlen(text));
}

static void test_append_and_ingest(void)
{
    px_store *a = open_store("a1.db"), *b = open_store("b1.db");
    px_feed_ctx fa = ctx_for(a), fb = ctx_for(b);
    px_entry e[3];
    px_head head;
    CHECK_RC(px_store_begin(a), PX_OK);
    for (int i = 0; i < 3; i++)
        CHECK_RC(px_feed_append(&fa, &alice, "case", (const uint8_t *)"\x80", 1, 1000 - (uint64_t)i,
                                &e[i]),
                 PX_OK);
    CHECK_RC(px_store_commit(a), PX_OK);
    /* A clock that steps back does not break the timestamp rule. */
    CHECK(e[1].h.timestamp_ms == 1000 && e[2].h.timestamp_ms == 1000);
    CHECK_RC(px_store_head(a, alice.pk, &head), PX_OK);
    CHECK(head.seq == 3 && memcmp(head.id, e[2].id, 32) == 0);

    CHECK_RC(px_store_begin(b), PX_OK);
    /* Out of order: seq 2 before seq 1 is a gap. */
    CHECK_RC(px_feed_ingest(&fb, &e[1], 0, 5), PX_ESEQ);
    for (int i = 0; i < 3; i++)
        CHECK_RC(px_feed_ingest(&fb, &e[i], 0, 5), PX_OK);
    CHECK_RC(px_feed_ingest(&fb, &e[1], 0, 5), PX_EDUP);
    CHECK_RC(px_store_commit(b), PX_OK);
    px_verify_report rep;
    CHECK_RC(px_feed_verify(b, net, 2, &rep), PX_OK);
    CHECK(rep.entries == 3 && rep.feeds == 1 && !rep.bad);
    px_store_close(a);
    px_store_close(b);
}

static void test_refusals(void)
{
    px_store *s = open_store("r.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry e1, bad;
    forge(&e1, &alice, net, 1, NULL, 100, "one");
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e1, 0, 1), PX_OK);

    forge(&bad, &alice, net, 3, e1.id, 200, "gap");
    CHECK_RC(px_feed_ingest(&fc, &bad, 0, 1), PX_ESEQ);
    forge(&bad, &alice, net, 2, (const uint8_t *)"wrongwrongwrongwrongwrongwrong!!", 200, "x");
    CHECK_RC(px_feed_ingest(&fc, &bad, 0, 1), PX_EPREV);
    forge(&bad, &alice, net, 2, e1.id, 99, "back in time");
    CHECK_RC(px_feed_ingest(&fc, &bad, 0, 1), PX_ETIME);
    forge(&bad, &alice, other_net, 2, e1.id, 200, "elsewhere");
    CHECK_RC(px_feed_ingest(&fc, &bad, 0, 1), PX_ENETWORK);
    /* Signed by bob but claiming alice: the signature fails. */
    forge(&bad, &bob, net, 2, e1.id, 200, "impostor");
    memcpy(bad.h.author, alice.pk, 32);
    px_header h = bad.h;
    bad.header_len = px_header_encode(&h, bad.header_bytes);
    CHECK_RC(
        px_entry_decode(&bad, bad.header_bytes, bad.header_len, bad.sig, bad.body, bad.body_len),
        PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &bad, 0, 1), PX_ESIG);
    /* A body that does not match its hash. */
    forge(&bad, &alice, net, 2, e1.id, 200, "good body");
    bad.body = (const uint8_t *)"evil body";
    CHECK_RC(px_feed_ingest(&fc, &bad, 0, 1), PX_EHASH);
    /* Nothing of that was stored. */
    px_head head;
    CHECK_RC(px_store_head(s, alice.pk, &head), PX_OK);
    CHECK(head.seq == 1);
    uint64_t n = 0;
    CHECK_RC(px_store_count(s, &n), PX_OK);
    CHECK(n == 1);
    px_store_commit(s);
    px_store_close(s);
}

static bool only_alice(void *ctx, const uint8_t author[32], uint64_t ts, const char *kind)
{
    (void)ctx;
    (void)ts;
    (void)kind;
    return memcmp(author, alice.pk, 32) == 0;
}

static void test_membership_hook(void)
{
    px_store *s = open_store("m.db");
    px_feed_ctx fc = ctx_for(s);
    fc.is_member = only_alice;
    px_entry e;
    forge(&e, &bob, net, 1, NULL, 1, "bob");
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e, 0, 1), PX_ENOTMEMBER);
    forge(&e, &alice, net, 1, NULL, 1, "alice");
    CHECK_RC(px_feed_ingest(&fc, &e, 0, 1), PX_OK);
    px_store_commit(s);
    px_store_close(s);
}

static void test_fork(void)
{
    px_store *s = open_store("f.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry e1, e2, e2b, e3;
    px_head head;
    forge(&e1, &alice, net, 1, NULL, 1, "one");
    forge(&e2, &alice, net, 2, e1.id, 2, "two");
    forge(&e2b, &alice, net, 2, e1.id, 2, "two, differently");
    forge(&e3, &alice, net, 3, e2.id, 3, "three");
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e1, 0, 1), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e2, 0, 1), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e2b, 0, 1), PX_EFORK);
    /* Both kept: e2 in the feed, e2b as proof; the feed is frozen. */
    CHECK(px_store_has_fork(s, e2b.id));
    CHECK_RC(px_store_head(s, alice.pk, &head), PX_OK);
    CHECK(head.frozen && head.seq == 2);
    CHECK_RC(px_feed_ingest(&fc, &e3, 0, 1), PX_EFORK);
    CHECK_RC(px_feed_ingest(&fc, &e2b, 0, 1), PX_EFORK); /* again: same answer */
    /* An unsigned "fork" proves nothing and is refused. */
    px_entry fake = e2b;
    fake.sig[0] ^= 1;
    CHECK_RC(px_entry_decode(&fake, fake.header_bytes, fake.header_len, fake.sig, fake.body,
                             fake.body_len),
             PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &fake, 0, 1), PX_ESIG);
    CHECK(!px_store_has_fork(s, fake.id));
    /* Our own frozen feed cannot grow. */
    px_entry mine;
    CHECK_RC(px_feed_append(&fc, &alice, "case", (const uint8_t *)"\x80", 1, 9, &mine), PX_EFORK);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_verify_report rep;
    CHECK_RC(px_feed_verify(s, net, 1, &rep), PX_OK);
    CHECK(rep.forks == 1);
    px_store_close(s);
}

static void test_purge_and_damage(void)
{
    char path[256];
    px_store *s = open_store("p.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry e[5];
    px_verify_report rep;
    CHECK_RC(px_store_begin(s), PX_OK);
    for (int i = 0; i < 5; i++)
        CHECK_RC(
            px_feed_append(&fc, &alice, "case", (const uint8_t *)"\x81\xa1k\xa1v", 4, 10, &e[i]),
            PX_OK);
    CHECK_RC(px_feed_purge(s, e[2].id), PX_OK);
    CHECK_RC(px_store_commit(s), PX_OK);
    CHECK_RC(px_feed_verify(s, net, 2, &rep), PX_OK);
    CHECK(rep.entries == 5 && rep.purged == 1);
    px_entry got;
    px_buf body = {0};
    px_entry_meta m;
    CHECK_RC(px_store_get(s, e[2].id, &got, &body, &m), PX_OK);
    CHECK(m.purged && got.body == NULL);
    px_buf_free(&body);

    /* Damage one byte of entry 4's stored signature behind the store's
     * back: verify names that entry. */
    ts_path(path, "p.db");
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "UPDATE entries SET sig = "
                       "substr(sig, 1, 9) || x'ff' || substr(sig, 11) WHERE seq = 4",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK_RC(px_feed_verify(s, net, 2, &rep), PX_EHASH); /* id no longer matches */
    CHECK(rep.bad && rep.bad_seq == 4 && memcmp(rep.bad_id, e[3].id, 32) == 0);
    char hex[65];
    CHECK(strstr(px_err_detail(), px_id_hex(hex, e[3].id)) != NULL);
    px_store_close(s);
}

static void test_verify_damaged_body(void)
{
    char path[256];
    px_store *s = open_store("d.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry e[3];
    px_verify_report rep;
    CHECK_RC(px_store_begin(s), PX_OK);
    for (int i = 0; i < 3; i++)
        CHECK_RC(
            px_feed_append(&fc, &alice, "case", (const uint8_t *)"\x81\xa1k\xa1v", 4, 10, &e[i]),
            PX_OK);
    CHECK_RC(px_store_commit(s), PX_OK);
    ts_path(path, "d.db");
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE entries SET body = x'81a16ba177' WHERE seq = 2", NULL, NULL,
                       NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK_RC(px_feed_verify(s, net, 1, &rep), PX_EHASH);
    CHECK(rep.bad_seq == 2);
    px_store_close(s);
}

static void test_meta_and_reopen(void)
{
    px_store *s = open_store("meta.db");
    char v[32];
    CHECK_RC(px_store_meta_get(s, "k", v, sizeof v), PX_ENOENT);
    CHECK_RC(px_store_meta_set(s, "k", "hello"), PX_OK);
    CHECK_RC(px_store_meta_get(s, "k", v, sizeof v), PX_OK);
    CHECK_STR(v, "hello");
    CHECK_RC(px_store_meta_get(s, "k", v, 3), PX_ETOOBIG);
    px_store_close(s);
    s = open_store("meta.db"); /* migrations are not applied twice */
    CHECK_RC(px_store_meta_get(s, "k", v, sizeof v), PX_OK);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_store_begin(s), PX_EBUSY);
    px_store_rollback(s);
    px_store_close(s);
}

int main(void)
{
    uint8_t seed[32] = {1};
    px_crypto_init();
    px_identity_from_seed(&alice, seed);
    seed[0] = 2;
    px_identity_from_seed(&bob, seed);
    memset(net, 0x11, 32);
    memset(other_net, 0x22, 32);
    ts_tmpdir("feed");
    RUN(test_append_and_ingest);
    RUN(test_refusals);
    RUN(test_membership_hook);
    RUN(test_fork);
    RUN(test_purge_and_damage);
    RUN(test_verify_damaged_body);
    RUN(test_meta_and_reopen);
    return check_summary();
}
