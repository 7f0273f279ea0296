/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_replication.c — one verdict on every path (issue 10): a bad
 * signature inside a validly signed run, bodies stripped in transit and
 * filled in later, membership entries that count only whole, entries
 * stamped ahead of the receiver's clock (an injected clock), one fork
 * proof per feed, checked and bounded held entries, and the misbehaviour
 * table. Real SQLite stores in a temporary directory.
 */
#include "check.h"
#include "support.h"
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "jsonmp.h"
#include "members.h"
#include "offence.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity root, alice, bob;
static uint8_t net[32];
static px_store *open_store(const char *name)
{
    return ts_open_store(name, false);
}

static px_feed_ctx ctx_for(px_store *s)
{
    return ts_feed_ctx(s, net, false);
}

/* Sign entry seq of who's feed after prev (NULL for seq 1), kind, body
 * (borrowed: must outlive e; NULL for none). */
static void make(px_entry *e, const px_identity *who, uint64_t seq, const uint8_t *prev,
                 uint64_t ts, const char *kind, const uint8_t *body, size_t len)
{
    ts_sign(e, who, net, seq, prev, ts, kind, body, len);
}

/* Replace e's signature with garbage; the id follows (it hashes the
 * signature), so later entries can link onto the bad one consistently. */
static void spoil_sig(px_entry *e)
{
    uint8_t sig[64];
    memset(sig, 0xa5, sizeof sig);
    CHECK_RC(px_entry_decode(e, e->header_bytes, e->header_len, sig, e->body, e->body_len), PX_OK);
}

static uint64_t count_entries(px_store *s)
{
    uint64_t n = 0;
    CHECK_RC(px_store_count(s, &n), PX_OK);
    return n;
}

/* --- 1: a bad signature does not ride on a good one ------------------------- */

static const uint8_t case_body[] = "\x81\xa1x\x01"; /* {"x": 1} */

static void bad_run(px_entry *e, size_t n, size_t bad /* 1-based */)
{
    for (size_t i = 0; i < n; i++) {
        make(&e[i], &alice, i + 1, i ? e[i - 1].id : NULL, 1000 + i, "case", case_body,
             sizeof case_body - 1);
        if (i + 1 == bad)
            spoil_sig(&e[i]);
    }
}

static void test_bad_signature_in_run(void)
{
    enum { N = 300, BAD = 150 };
    px_entry *e = calloc(N, sizeof *e);
    bad_run(e, N, BAD);
    /* Whatever the batch boundaries, the node keeps exactly 149. */
    const size_t cuts[][3] = {{256, 44, 0}, {100, 100, 100}, {149, 151, 0}, {150, 150, 0}};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.db", c);
        px_store *s = open_store(name);
        px_feed_ctx fc = ctx_for(s);
        size_t at = 0;
        int last = PX_OK;
        for (size_t k = 0; k < 3 && cuts[c][k]; k++) {
            px_ingest_result res;
            CHECK_RC(px_store_begin(s), PX_OK);
            last = px_feed_ingest_batch(&fc, e + at, cuts[c][k], 5000, &res);
            CHECK_RC(px_store_commit(s), PX_OK);
            CHECK(res.sig_checks == cuts[c][k]); /* every signature */
            if (at + cuts[c][k] >= BAD && at < BAD) {
                CHECK_RC(last, PX_ESIG);
                CHECK(res.bad_index == BAD - 1 - at);
            }
            at += cuts[c][k];
        }
        CHECK(last != PX_OK);
        px_head head;
        CHECK_RC(px_store_head(s, alice.pk, &head), PX_OK);
        CHECK(head.seq == BAD - 1 && memcmp(head.id, e[BAD - 2].id, 32) == 0);
        CHECK(count_entries(s) == BAD - 1);
        px_verify_report rep;
        CHECK_RC(px_feed_verify(s, net, 2, &rep), PX_OK);
        CHECK(!rep.bad && rep.entries == BAD - 1);
        px_store_close(s);
    }
    /* Entry by entry (import's path) gives the same verdict. */
    px_store *s = open_store("bad-single.db");
    px_feed_ctx fc = ctx_for(s);
    CHECK_RC(px_store_begin(s), PX_OK);
    for (size_t i = 0; i < BAD - 1; i++)
        CHECK_RC(px_feed_ingest(&fc, &e[i], 0, 5000), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e[BAD - 1], 0, 5000), PX_ESIG);
    /* The next one links onto the bad one, which is not held: a gap. */
    CHECK_RC(px_feed_ingest(&fc, &e[BAD], 0, 5000), PX_ESEQ);
    CHECK_RC(px_store_commit(s), PX_OK);
    CHECK(count_entries(s) == BAD - 1);
    px_store_close(s);
    free(e);
}

/* px_feed_verify_sigs on several threads agrees with one thread. */
static void test_parallel_verdicts(void)
{
    enum { N = 100 };
    px_entry *e = calloc(N, sizeof *e);
    int one[N], many[N];
    bad_run(e, N, 37);
    spoil_sig(&e[90]);
    px_feed_verify_sigs(e, N, 1, one);
    px_feed_verify_sigs(e, N, 3, many);
    for (int i = 0; i < N; i++) {
        CHECK(one[i] == many[i]);
        CHECK((one[i] == PX_OK) == (i != 36 && i != 90));
    }
    free(e);
}

/* --- 2: bodies -------------------------------------------------------------- */

static void test_stripped_body(void)
{
    px_store *s = open_store("strip.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry e[2], bare;
    make(&e[0], &alice, 1, NULL, 10, "case", case_body, sizeof case_body - 1);
    make(&e[1], &alice, 2, e[0].id, 11, "case", case_body, sizeof case_body - 1);
    bare = e[0];
    bare.body = NULL;
    bare.body_len = 0;
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &bare, 0, 100), PX_OK); /* header only, head moves */
    CHECK_RC(px_feed_ingest(&fc, &e[1], 0, 100), PX_OK);
    uint8_t ids[4][32];
    size_t n = 0;
    CHECK_RC(px_store_missing_bodies(s, ids, 4, &n), PX_OK);
    CHECK(n == 1 && memcmp(ids[0], e[0].id, 32) == 0);
    /* A body that does not match is refused (the sender is at fault). */
    CHECK_RC(px_feed_fill_body(&fc, e[0].id, (const uint8_t *)"\x80", 1), PX_EHASH);
    /* The whole entry arriving later fills the body in. */
    px_ingest_result res;
    CHECK_RC(px_feed_ingest_batch(&fc, e, 1, 100, &res), PX_OK);
    CHECK(res.dups == 1 && res.bodies == 1);
    CHECK_RC(px_store_missing_bodies(s, ids, 4, &n), PX_OK);
    CHECK(n == 0);
    px_entry got;
    px_buf body = {0};
    CHECK_RC(px_store_get(s, e[0].id, &got, &body, NULL), PX_OK);
    CHECK(got.body && got.body_len == sizeof case_body - 1);
    /* A purged body is not missing: nothing asks for it again. */
    CHECK_RC(px_feed_purge(s, e[1].id), PX_OK);
    CHECK_RC(px_store_missing_bodies(s, ids, 4, &n), PX_OK);
    CHECK(n == 0);
    CHECK_RC(px_feed_fill_body(&fc, e[1].id, case_body, sizeof case_body - 1), PX_ENOENT);
    CHECK_RC(px_store_commit(s), PX_OK);
    /* Asked of a peer: px_feed_fill_body stores a matching body. */
    px_store *t = open_store("strip2.db");
    px_feed_ctx ft = ctx_for(t);
    CHECK_RC(px_store_begin(t), PX_OK);
    CHECK_RC(px_feed_ingest(&ft, &bare, 0, 100), PX_OK);
    CHECK_RC(px_feed_fill_body(&ft, e[0].id, case_body, sizeof case_body - 1), PX_OK);
    CHECK_RC(px_feed_fill_body(&ft, e[0].id, case_body, sizeof case_body - 1), PX_ENOENT);
    CHECK_RC(px_store_commit(t), PX_OK);
    px_verify_report rep;
    CHECK_RC(px_feed_verify(t, net, 1, &rep), PX_OK);
    CHECK(rep.purged == 0);
    px_buf_free(&body);
    px_store_close(t);
    px_store_close(s);
}

static void record(px_buf *out, const char *kind, json_t *body)
{
    (void)kind;
    px_buf_reset(out);
    CHECK_RC(px_json_to_msgpack(body, out), PX_OK);
    json_decref(body);
}

/* A body-stripped revoke is refused (not stored, head still); the whole
 * entry arriving later revokes the key. */
static void test_stripped_revoke(void)
{
    px_store *s = open_store("revoke.db");
    px_members m = {0};
    px_feed_ctx fc = ctx_for(s);
    fc.is_member = px_members_admits;
    fc.member_ctx = &m;
    char hex[65];
    px_hex_encode(hex, bob.pk, 32);
    px_buf admit = {0}, revoke = {0};
    record(&admit, "member",
           json_pack("{s:s, s:s, s:s, s:s}", "key", hex, "organisation", "Bob's centre", "country",
                     "KZ", "role", "centre"));
    record(&revoke, "revoke", json_pack("{s:s, s:s}", "key", hex, "reason", "key leaked"));
    px_entry e1, e2, bare;
    make(&e1, &root, 1, NULL, 100, "member", admit.data, admit.len);
    make(&e2, &root, 2, e1.id, 200, "revoke", revoke.data, revoke.len);
    CHECK_RC(px_members_load(&m, s, root.pk), PX_OK);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e1, 0, 1000), PX_OK);
    CHECK_RC(px_members_load(&m, s, root.pk), PX_OK);
    CHECK(px_members_role(&m, bob.pk) == PX_ROLE_CENTRE);
    bare = e2;
    bare.body = NULL;
    bare.body_len = 0;
    CHECK_RC(px_feed_ingest(&fc, &bare, 0, 1000), PX_ENOENT);
    px_ingest_result res;
    CHECK_RC(px_feed_ingest_batch(&fc, &bare, 1, 1000, &res), PX_ENOENT);
    CHECK(res.added == 0);
    px_head head;
    CHECK_RC(px_store_head(s, root.pk, &head), PX_OK);
    CHECK(head.seq == 1);
    CHECK_RC(px_members_load(&m, s, root.pk), PX_OK);
    CHECK(px_members_role(&m, bob.pk) == PX_ROLE_CENTRE);
    /* The stripped copy is not an offence: only a stop. */
    CHECK(px_offence_of(PX_ENOENT) == NULL);
    CHECK_RC(px_feed_ingest_batch(&fc, &e2, 1, 1000, &res), PX_OK);
    CHECK(res.added == 1);
    CHECK_RC(px_store_commit(s), PX_OK);
    CHECK_RC(px_members_load(&m, s, root.pk), PX_OK);
    CHECK(px_members_role(&m, bob.pk) == PX_ROLE_NONE);
    CHECK(!px_members_may_connect(&m, bob.pk));
    /* An address announcement without its body is refused too. */
    px_entry a;
    make(&a, &root, 3, e2.id, 300, "address", (const uint8_t *)"\x80", 1);
    a.body = NULL;
    a.body_len = 0;
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &a, 0, 1000), PX_ENOENT);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_members_free(&m);
    px_buf_free(&admit);
    px_buf_free(&revoke);
    px_store_close(s);
}

/* --- 3: clocks (an injected clock) ------------------------------------------ */

static void test_future_entry_held(void)
{
    const uint64_t now = 1700000000000ull, min = 60000;
    px_store *s = open_store("clock.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry e1, e2;
    make(&e1, &alice, 1, NULL, now - 5 * min, "case", case_body, sizeof case_body - 1);
    make(&e2, &alice, 2, e1.id, now + 11 * min, "case", case_body, sizeof case_body - 1);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &e1, 0, now), PX_OK);
    /* 11 minutes ahead: neither accepted nor refused. */
    CHECK_RC(px_feed_ingest(&fc, &e2, 0, now), PX_EAGAIN);
    CHECK(px_offence_of(PX_EAGAIN) == NULL);
    px_ingest_result res;
    CHECK_RC(px_feed_ingest_batch(&fc, &e2, 1, now, &res), PX_EAGAIN);
    CHECK(res.added == 0 && res.bad_index == 0);
    CHECK_RC(px_members_hold(s, &e2, now), PX_OK);
    size_t released = 9;
    CHECK_RC(px_members_release(&fc, now + 30000, &released), PX_OK);
    CHECK(released == 0); /* still ahead: kept */
    uint64_t held = 0, bytes = 0;
    CHECK_RC(px_store_held_stats(s, &held, &bytes), PX_OK);
    CHECK(held == 1);
    /* Its time comes (within 10 minutes of it): accepted. */
    CHECK_RC(px_members_release(&fc, now + 2 * min, &released), PX_OK);
    CHECK(released == 1);
    CHECK_RC(px_store_held_stats(s, &held, &bytes), PX_OK);
    CHECK(held == 0);
    px_head head;
    CHECK_RC(px_store_head(s, alice.pk, &head), PX_OK);
    CHECK(head.seq == 2);
    CHECK_RC(px_store_commit(s), PX_OK);
    /* The allowance is configurable. */
    px_store *t = open_store("clock2.db");
    px_feed_ctx ft = ctx_for(t);
    ft.max_ahead_ms = 20 * min;
    CHECK_RC(px_store_begin(t), PX_OK);
    CHECK_RC(px_feed_ingest(&ft, &e1, 0, now), PX_OK);
    CHECK_RC(px_feed_ingest(&ft, &e2, 0, now), PX_OK);
    CHECK_RC(px_store_commit(t), PX_OK);
    px_store_close(t);
    px_store_close(s);
}

/* --- 4: bounds ----------------------------------------------------------------- */

static int count_fork(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    (void)m;
    size_t *n = ctx;
    n[memcmp(e->h.author, alice.pk, 32) == 0 ? 0 : 1]++;
    return PX_OK;
}

static void test_one_fork_proof_per_feed(void)
{
    px_store *s = open_store("forks.db");
    px_feed_ctx fc = ctx_for(s);
    px_entry a1, b1, v;
    make(&a1, &alice, 1, NULL, 10, "case", case_body, sizeof case_body - 1);
    make(&b1, &bob, 1, NULL, 10, "case", case_body, sizeof case_body - 1);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &a1, 0, 100), PX_OK);
    CHECK_RC(px_feed_ingest(&fc, &b1, 0, 100), PX_OK);
    /* Bob's own fork first: one proof for his feed. */
    make(&v, &bob, 1, NULL, 11, "case", (const uint8_t *)"\x81\xa1x\x02", 4);
    CHECK_RC(px_feed_ingest(&fc, &v, 0, 100), PX_EFORK);
    /* Then a flood of 200 variants of Alice's seq 1. */
    static uint8_t bodies[200][4];
    for (int i = 0; i < 200; i++) {
        bodies[i][0] = 0x81;
        bodies[i][1] = 0xa1;
        bodies[i][2] = 'y';
        bodies[i][3] = (uint8_t)(i & 0x7f);
        make(&v, &alice, 1, NULL, 20 + (uint64_t)i, "case", bodies[i], 4);
        CHECK_RC(px_feed_ingest(&fc, &v, 0, 100), PX_EFORK);
    }
    CHECK_RC(px_store_commit(s), PX_OK);
    size_t n[2] = {0, 0};
    CHECK_RC(px_store_each_fork(s, count_fork, n), PX_OK);
    CHECK(n[0] == 1); /* one proof for Alice's feed, not 200 */
    CHECK(n[1] == 1); /* and Bob's is still there */
    px_store_close(s);
}

static void test_held_checked_and_bounded(void)
{
    px_store *s = open_store("held.db");
    px_entry e, bad;
    make(&e, &alice, 1, NULL, 10, "case", case_body, sizeof case_body - 1);
    bad = e;
    spoil_sig(&bad);
    CHECK_RC(px_store_begin(s), PX_OK);
    CHECK_RC(px_members_hold(s, &bad, 100), PX_ESIG);
    bad = e;
    bad.body = (const uint8_t *)"\x80";
    bad.body_len = 1;
    CHECK_RC(px_members_hold(s, &bad, 100), PX_EHASH);
    uint64_t count = 0, bytes = 0;
    CHECK_RC(px_store_held_stats(s, &count, &bytes), PX_OK);
    CHECK(count == 0);
    /* Per-author quota: Alice's flood stops at PX_HELD_MAX_PER_AUTHOR... */
    px_entry prev = e;
    CHECK_RC(px_members_hold(s, &e, 100), PX_OK);
    for (int i = 2; i <= PX_HELD_MAX_PER_AUTHOR; i++) {
        px_entry next;
        make(&next, &alice, (uint64_t)i, prev.id, 10 + (uint64_t)i, "case", case_body,
             sizeof case_body - 1);
        CHECK_RC(px_members_hold(s, &next, 100), PX_OK);
        prev = next;
    }
    px_entry over;
    make(&over, &alice, PX_HELD_MAX_PER_AUTHOR + 1, prev.id, 99999, "case", case_body,
         sizeof case_body - 1);
    CHECK_RC(px_members_hold(s, &over, 100), PX_ETOOBIG);
    /* ...and Bob is not crowded out. */
    px_entry b;
    make(&b, &bob, 1, NULL, 10, "case", case_body, sizeof case_body - 1);
    CHECK_RC(px_members_hold(s, &b, 100), PX_OK);
    /* Held entries expire: a week later Alice's are dropped and she has
     * room again. */
    uint64_t later = 100 + PX_HELD_EXPIRE_MS + 1;
    CHECK_RC(px_members_hold(s, &over, later), PX_OK);
    CHECK_RC(px_store_held_author_stats(s, alice.pk, &count, &bytes), PX_OK);
    CHECK(count == 1);
    CHECK_RC(px_store_commit(s), PX_OK);
    px_store_close(s);
}

/* --- the misbehaviour table ----------------------------------------------------- */

static void test_offence_table(void)
{
    const int faults[] = {PX_ESIG,    PX_EHASH,   PX_ENETWORK, PX_EPREV,  PX_ETIME,
                          PX_EFORMAT, PX_ETOOBIG, PX_EPROTO,   PX_ECRYPTO};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        CHECK(px_offence_of(faults[i]) != NULL);
        CHECK(px_offence_ban_ms(faults[i], 1) == 30000);
        CHECK(px_offence_ban_ms(faults[i], 2) == 60000);
        CHECK(px_offence_ban_ms(faults[i], 40) == 3600000);
    }
    /* Not the sender's fault: a gap, a non-member (held), an entry ahead of
     * our clock (held), a membership entry without its body, a fork (the
     * author's), a duplicate. */
    const int not_faults[] = {PX_ESEQ,  PX_ENOTMEMBER, PX_EAGAIN, PX_ENOENT,
                              PX_EFORK, PX_EDUP,       PX_OK};
    for (size_t i = 0; i < sizeof not_faults / sizeof not_faults[0]; i++) {
        CHECK(px_offence_of(not_faults[i]) == NULL);
        CHECK(px_offence_ban_ms(not_faults[i], 1) == 0);
    }
    /* No hello in time: closed, not banned. */
    CHECK(px_offence_of(PX_ETIMEDOUT) != NULL && px_offence_ban_ms(PX_ETIMEDOUT, 1) == 0);
}

int main(void)
{
    uint8_t seed[32] = {7};
    px_crypto_init();
    px_identity_from_seed(&root, seed);
    seed[0] = 8;
    px_identity_from_seed(&alice, seed);
    seed[0] = 9;
    px_identity_from_seed(&bob, seed);
    memset(net, 0x44, 32);
    ts_tmpdir("repl");
    RUN(test_bad_signature_in_run);
    RUN(test_parallel_verdicts);
    RUN(test_stripped_body);
    RUN(test_stripped_revoke);
    RUN(test_future_entry_held);
    RUN(test_one_fork_proof_per_feed);
    RUN(test_held_checked_and_bounded);
    RUN(test_offence_table);
    return check_summary();
}
