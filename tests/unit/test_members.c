/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_members.c — the membership fold (members.c): authority by position
 * in feeds, never by timestamp. Revocation cuts at a named seq; a revoked
 * secretariat key's backdated counter-revocation changes nothing; only the
 * root manages secretariat members; successions and hand-overs make one
 * centre of two keys; and the same set of entries gives the same
 * membership whatever the order (a property test over random permutations).
 * The last test runs the rules through a real store and px_feed_ingest: an
 * entry signed after the revocation and stamped before it is refused.
 */
#include "check.h"
#include "support.h"
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "kinds.h"
#include "jsonmp.h"
#include "members.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t root[32];

static void key(uint8_t out[32], int n)
{
    memset(out, 0, 32);
    out[0] = 0x40;
    out[1] = (uint8_t)n;
}

static uint64_t id_counter;

static px_member_event ev_base(px_member_event_type type, const uint8_t author[32], uint64_t seq,
                               uint64_t ts, const uint8_t target[32])
{
    px_member_event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    memcpy(e.author, author, 32);
    e.seq = seq;
    e.ts = ts;
    id_counter++;
    memcpy(e.id, &id_counter, sizeof id_counter);
    e.id[31] = 0x99;
    memcpy(e.key, target, 32);
    return e;
}

static px_member_event admit_ev(const uint8_t author[32], uint64_t seq, uint64_t ts,
                                const uint8_t target[32], px_role role, const char *org)
{
    px_member_event e = ev_base(PX_MEV_MEMBER, author, seq, ts, target);
    e.role = role;
    snprintf(e.organisation, sizeof e.organisation, "%s", org);
    memcpy(e.country, "KZ", 3);
    return e;
}

static px_member_event revoke_ev(const uint8_t author[32], uint64_t seq, uint64_t ts,
                                 const uint8_t target[32], uint64_t after)
{
    px_member_event e = ev_base(PX_MEV_REVOKE, author, seq, ts, target);
    e.has_after = true;
    e.after = after;
    return e;
}

static px_member_event handover_ev(const uint8_t author[32], uint64_t seq, uint64_t ts,
                                   const uint8_t to[32])
{
    px_member_event e = admit_ev(author, seq, ts, to, PX_ROLE_CENTRE, "ignored");
    e.has_continues = true;
    memcpy(e.continues, author, 32);
    return e;
}

static px_role role_of(px_members *m, int n)
{
    uint8_t k[32];
    key(k, n);
    return px_members_role(m, k);
}

static void test_secretariat_chain(void)
{
    uint8_t s1[32], c1[32];
    key(s1, 1);
    key(c1, 2);
    px_member_event ev[] = {
        admit_ev(root, 1, 100, s1, PX_ROLE_SECRETARIAT, "Hub office"),
        admit_ev(s1, 1, 200, c1, PX_ROLE_CENTRE, "Centre one"),
    };
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, 2), PX_OK);
    CHECK(role_of(&m, 1) == PX_ROLE_SECRETARIAT);
    CHECK(role_of(&m, 2) == PX_ROLE_CENTRE);
    CHECK(px_members_role(&m, root) == PX_ROLE_ROOT);
    CHECK(px_members_admits(&m, c1, 7, "case"));
    CHECK(!px_members_admits(&m, c1, 7, "revoke"));
    CHECK(!px_members_admits(&m, c1, 7, "aggregate"));
    CHECK(px_members_admits(&m, s1, 7, "aggregate"));
    CHECK_STR(px_members_find(&m, c1)->organisation, "Centre one");
    px_members_free(&m);
}

/* A revocation cuts at the named seq, not at a time. */
static void test_revocation_cuts(void)
{
    uint8_t c[32];
    key(c, 3);
    const px_member_event a = admit_ev(root, 1, 100, c, PX_ROLE_CENTRE, "Centre"),
                          r = revoke_ev(root, 2, 5000, c, 3);
    px_member_event ev[] = {a, r};
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, 2), PX_OK);
    CHECK(role_of(&m, 3) == PX_ROLE_NONE);
    CHECK(px_members_cut_off(&m, c));
    CHECK(px_members_valid_until(&m, c) == 3);
    CHECK(px_members_admits(&m, c, 3, "case"));  /* before the cut: still valid */
    CHECK(!px_members_admits(&m, c, 4, "case")); /* after it: refused, whatever its stamp */
    CHECK(!px_members_may_connect(&m, c));
    const px_member *x = px_members_find(&m, c);
    CHECK(x && x->revoked && x->cut && x->cut_seq == 3);
    /* A later admission cannot undo a revocation. */
    px_member_event again[] = {a, r, admit_ev(root, 3, 9000, c, PX_ROLE_CENTRE, "Again")};
    CHECK_RC(px_members_fold(&m, root, again, 3), PX_OK);
    CHECK(role_of(&m, 3) == PX_ROLE_NONE);
    /* A revoke without `after` (older entries) voids the whole feed. */
    px_member_event bare[] = {a, revoke_ev(root, 2, 5000, c, 0)};
    bare[1].has_after = false;
    CHECK_RC(px_members_fold(&m, root, bare, 2), PX_OK);
    CHECK(!px_members_admits(&m, c, 1, "case"));
    px_members_free(&m);
}

/* A secretariat key revoked by the root at its seq 2 publishes, at seq 3 and
 * stamped long before its revocation, a revoke of the root (the member that
 * revoked it), a revoke of another secretariat member, an admission and a
 * revoke of a centre it admitted. None of it counts; its earlier admission
 * stays. */
static void test_backdated_counter_revoke(void)
{
    uint8_t s1[32], s2[32], c1[32], c2[32];
    key(s1, 1);
    key(s2, 2);
    key(c1, 3);
    key(c2, 4);
    px_member_event ev[] = {
        admit_ev(root, 1, 1000, s1, PX_ROLE_SECRETARIAT, "S1"),
        admit_ev(root, 2, 1001, s2, PX_ROLE_SECRETARIAT, "S2"),
        admit_ev(s1, 1, 2000, c1, PX_ROLE_CENTRE, "C1"),
        revoke_ev(root, 3, 9000, s1, 2),
        /* within its cut, but beyond its rights: */
        revoke_ev(s1, 2, 3000, s2, 0),
        /* beyond its cut, stamped before its revocation: */
        revoke_ev(s1, 3, 10, root, 0),
        revoke_ev(s1, 4, 11, c1, 0),
        admit_ev(s1, 5, 12, c2, PX_ROLE_CENTRE, "C2"),
    };
    size_t n = sizeof ev / sizeof ev[0];
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, n), PX_OK);
    CHECK(px_members_role(&m, root) == PX_ROLE_ROOT);
    CHECK(role_of(&m, 1) == PX_ROLE_NONE);         /* revoked */
    CHECK(role_of(&m, 2) == PX_ROLE_SECRETARIAT);  /* only the root revokes secretariat */
    CHECK(role_of(&m, 3) == PX_ROLE_CENTRE);       /* admitted before the cut: stays */
    CHECK(role_of(&m, 4) == PX_ROLE_NONE);         /* admitted after the cut: void */
    CHECK(px_members_valid_until(&m, c2) == 0);    /* none of its feed counts */
    CHECK(px_members_admits(&m, s1, 2, "revoke")); /* its entries up to the cut replicate */
    CHECK(!px_members_admits(&m, s1, 3, "revoke"));
    CHECK(!px_members_admits(&m, s1, 3, "case"));
    px_members_free(&m);
}

/* Only the root gives or changes the secretariat role. */
static void test_only_root_manages_secretariat(void)
{
    uint8_t s1[32], s2[32], x[32], c[32];
    key(s1, 1);
    key(s2, 2);
    key(x, 5);
    key(c, 6);
    const px_member_event a0 = admit_ev(root, 1, 10, s1, PX_ROLE_SECRETARIAT, "S1"),
                          a4 = admit_ev(s1, 1, 22, c, PX_ROLE_CENTRE, "C"),
                          a5 = admit_ev(s1, 2, 23, c, PX_ROLE_CENTRE, "C renamed");
    px_member_event ev[] = {
        a0,
        admit_ev(root, 2, 11, s2, PX_ROLE_SECRETARIAT, "S2"),
        admit_ev(s2, 1, 20, s1, PX_ROLE_OBSERVER, "demoted?"),
        admit_ev(s2, 2, 21, x, PX_ROLE_SECRETARIAT, "promoted?"),
        a4,
        a5,
    };
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, sizeof ev / sizeof ev[0]), PX_OK);
    CHECK(role_of(&m, 1) == PX_ROLE_SECRETARIAT);
    CHECK_STR(px_members_find(&m, s1)->organisation, "S1");
    CHECK(role_of(&m, 5) == PX_ROLE_NONE);
    CHECK(role_of(&m, 6) == PX_ROLE_CENTRE);
    CHECK_STR(px_members_find(&m, c)->organisation, "C renamed");

    /* The root demotes S1, keeping what it did up to its seq 1. */
    px_member_event d[] = {a0, a4, a5, admit_ev(root, 3, 30, s1, PX_ROLE_CENTRE, "S1")};
    d[3].has_after = true;
    d[3].after = 1;
    CHECK_RC(px_members_fold(&m, root, d, 4), PX_OK);
    CHECK(role_of(&m, 1) == PX_ROLE_CENTRE);
    CHECK(role_of(&m, 6) == PX_ROLE_CENTRE);
    CHECK_STR(px_members_find(&m, c)->organisation, "C"); /* its seq 2 no longer counts */
    CHECK(px_members_admits(&m, s1, 1, "member"));
    CHECK(!px_members_admits(&m, s1, 3, "aggregate"));
    px_members_free(&m);
}

/* Several secretariat members describe one centre: the narrowest role of
 * their latest entries wins, whatever the order. */
static void test_secretariat_disagree(void)
{
    uint8_t s1[32], s2[32], c[32];
    key(s1, 1);
    key(s2, 2);
    key(c, 3);
    px_member_event ev[] = {
        admit_ev(root, 1, 10, s1, PX_ROLE_SECRETARIAT, "S1"),
        admit_ev(root, 2, 11, s2, PX_ROLE_SECRETARIAT, "S2"),
        admit_ev(s1, 1, 20, c, PX_ROLE_CENTRE, "C"),
        admit_ev(s2, 1, 21, c, PX_ROLE_OBSERVER, "C"),
    };
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, 4), PX_OK);
    CHECK(role_of(&m, 3) == PX_ROLE_OBSERVER);
    CHECK(!px_members_admits(&m, c, 5, "case"));
    px_members_free(&m);
}

/* Lost key: the secretariat admits a new key that continues the old one,
 * which is revoked at its last valid entry. One centre. */
static void test_succession(void)
{
    uint8_t old[32], nw[32];
    key(old, 7);
    key(nw, 8);
    px_member_event ev[] = {
        admit_ev(root, 1, 10, old, PX_ROLE_CENTRE, "ASAN"),
        admit_ev(root, 2, 20, nw, PX_ROLE_CENTRE, "ASAN"),
    };
    ev[1].has_continues = true;
    memcpy(ev[1].continues, old, 32);
    ev[1].has_after = true;
    ev[1].after = 4;
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, 2), PX_OK);
    CHECK(role_of(&m, 7) == PX_ROLE_NONE);
    CHECK(role_of(&m, 8) == PX_ROLE_CENTRE);
    CHECK(px_members_admits(&m, old, 4, "case"));
    CHECK(!px_members_admits(&m, old, 5, "case"));
    CHECK_MEM(px_members_centre(&m, nw), old, 32);
    CHECK_MEM(px_members_centre(&m, old), old, 32);
    const px_member *o = px_members_find(&m, old);
    CHECK(o && o->revoked && o->has_successor && memcmp(o->successor, nw, 32) == 0);
    px_members_free(&m);
}

/* The secretariat replaces a centre's lost key; a cut naming another entry
 * at its seq (a fork) does not let that entry count. */
static void test_secretariat_succession_and_cut_id(void)
{
    uint8_t s1[32], old[32], nw[32], c[32];
    key(s1, 1);
    key(old, 2);
    key(nw, 3);
    key(c, 4);
    px_member_event cont = admit_ev(s1, 2, 30, nw, PX_ROLE_CENTRE, "Old");
    cont.has_continues = true;
    memcpy(cont.continues, old, 32);
    cont.has_after = true;
    cont.after = 9;
    px_member_event ev[] = {
        admit_ev(root, 1, 10, s1, PX_ROLE_SECRETARIAT, "S1"),
        admit_ev(s1, 1, 20, old, PX_ROLE_CENTRE, "Old"),
        cont,
        admit_ev(s1, 3, 40, c, PX_ROLE_CENTRE, "C"),
        revoke_ev(root, 2, 50, s1, 3),
    };
    ev[4].has_after_id = true;
    memset(ev[4].after_id, 0xab, 32); /* not the id of s1's entry 3 */
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, 5), PX_OK);
    CHECK(role_of(&m, 2) == PX_ROLE_NONE);
    CHECK(role_of(&m, 3) == PX_ROLE_CENTRE);
    CHECK(px_members_valid_until(&m, old) == 9);
    CHECK_MEM(px_members_centre(&m, nw), old, 32);
    CHECK(role_of(&m, 4) == PX_ROLE_NONE); /* at the cut's seq, but another entry */
    CHECK(px_members_find(&m, s1)->root_only && px_members_find(&m, s1)->root_managed);
    CHECK(!px_members_find(&m, old)->root_managed);
    px_members_free(&m);
}

/* Rotation: the centre hands over to a key of its own; no secretariat
 * entry is needed. A leaked key cannot hand over once revoked. */
static void test_handover(void)
{
    uint8_t s[32], c[32], n1[32], n2[32], other[32];
    key(s, 1);
    key(c, 2);
    key(n1, 3);
    key(n2, 4);
    key(other, 5);
    const px_member_event e0 = admit_ev(root, 1, 10, s, PX_ROLE_SECRETARIAT, "S"),
                          e1 = admit_ev(s, 1, 20, c, PX_ROLE_CENTRE, "ASAN"),
                          e2 = handover_ev(c, 6, 30, n1);
    px_member_event ev[] = {e0, e1, e2, handover_ev(n1, 3, 40, n2)}; /* and again */
    px_members m = {0};
    CHECK_RC(px_members_fold(&m, root, ev, 4), PX_OK);
    CHECK(role_of(&m, 2) == PX_ROLE_NONE);
    CHECK(role_of(&m, 3) == PX_ROLE_NONE);
    CHECK(role_of(&m, 4) == PX_ROLE_CENTRE);
    CHECK_STR(px_members_find(&m, n2)->organisation, "ASAN");
    CHECK(px_members_admits(&m, c, 6, "member"));
    CHECK(!px_members_admits(&m, c, 7, "case"));
    CHECK(px_members_cut_off(&m, c));
    CHECK(!px_members_find(&m, c)->revoked && px_members_find(&m, c)->retired);
    CHECK_MEM(px_members_centre(&m, n2), c, 32);
    CHECK_MEM(px_members_centre(&m, n1), c, 32);

    /* Revoked at seq 5: the hand-over at seq 6 is void. */
    px_member_event r[] = {e0, e1, e2, revoke_ev(s, 2, 25, c, 5)};
    CHECK_RC(px_members_fold(&m, root, r, 4), PX_OK);
    CHECK(role_of(&m, 3) == PX_ROLE_NONE);
    CHECK(!px_members_find(&m, n1));

    /* No hand-over to a key that is a member already, nor by the
     * secretariat (the root admits its new key instead). */
    px_member_event h[] = {e0, e1, admit_ev(s, 2, 21, other, PX_ROLE_OBSERVER, "Other"),
                           handover_ev(c, 6, 30, other), handover_ev(s, 3, 31, n1)};
    CHECK_RC(px_members_fold(&m, root, h, 5), PX_OK);
    CHECK(role_of(&m, 2) == PX_ROLE_CENTRE);
    CHECK(role_of(&m, 5) == PX_ROLE_OBSERVER);
    CHECK(role_of(&m, 1) == PX_ROLE_SECRETARIAT);
    CHECK(role_of(&m, 3) == PX_ROLE_NONE);
    px_members_free(&m);
}

/* A member that hands over to keys of its own, again and again: the fold
 * stays linear (one pass), and only the last key is a member. */
static void test_long_handover_chain(void)
{
    enum { CHAIN = 5000 };
    px_member_event *ev = calloc(CHAIN + 1, sizeof *ev);
    CHECK(ev != NULL);
    if (!ev)
        return;
    uint8_t prev[32], next[32];
    key(prev, 0);
    prev[2] = 0xee;
    ev[0] = admit_ev(root, 1, 1, prev, PX_ROLE_CENTRE, "Chain");
    for (int i = 0; i < CHAIN; i++) {
        key(next, 0);
        next[2] = (uint8_t)(i >> 8);
        next[3] = (uint8_t)i;
        next[4] = 0x11;
        ev[i + 1] = handover_ev(prev, 2, (uint64_t)i, next);
        memcpy(prev, next, 32);
    }
    px_members m = {0};
    uint64_t t0 = px_mono_ns();
    CHECK_RC(px_members_fold(&m, root, ev, CHAIN + 1), PX_OK);
    double ms = (double)(px_mono_ns() - t0) / 1e6;
    CHECK(m.n == CHAIN + 1);
    CHECK(px_members_role(&m, prev) == PX_ROLE_CENTRE);
    size_t current = 0;
    for (size_t i = 0; i < m.n; i++)
        current += px_members_may_connect(&m, m.v[i].key);
    CHECK(current == 1);
    CHECK(ms < 2000);
    fprintf(stderr, "     %d hand-overs folded in %.1f ms\n", CHAIN, ms);
    px_members_free(&m);
    free(ev);
}

/* --- same entries, same membership: random scenarios, random orders ---------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

enum { KEYS = 12 };

static size_t random_scenario(px_member_event *ev, size_t max)
{
    uint8_t k[KEYS][32];
    uint64_t seq[KEYS] = {0}, rseq = 0;
    size_t n = 0;
    for (int i = 0; i < KEYS; i++)
        key(k[i], 20 + i);
    static const px_role roles[] = {PX_ROLE_SECRETARIAT, PX_ROLE_CENTRE, PX_ROLE_OBSERVER};
    while (n < max) {
        uint32_t what = rnd(10);
        int a = (int)rnd(KEYS), t = (int)rnd(KEYS);
        uint64_t ts = rnd(100000);
        if (what < 3) { /* the root admits, with any role */
            ev[n++] = admit_ev(root, ++rseq, ts, k[t], roles[rnd(3)], rnd(2) ? "A" : "B");
            if (rnd(4) == 0) {
                ev[n - 1].has_after = true;
                ev[n - 1].after = rnd(6);
            }
        } else if (what < 4) {
            ev[n++] = revoke_ev(root, ++rseq, ts, k[t], rnd(8));
        } else if (what < 7) { /* anyone's admission, maybe a succession */
            ev[n++] = admit_ev(k[a], ++seq[a], ts, k[t], roles[rnd(3)], rnd(2) ? "C" : "D");
            if (rnd(3) == 0) {
                ev[n - 1].has_continues = true;
                memcpy(ev[n - 1].continues, k[rnd(KEYS)], 32);
                ev[n - 1].has_after = true;
                ev[n - 1].after = rnd(6);
            }
        } else if (what < 9) {
            ev[n++] = revoke_ev(k[a], ++seq[a], ts, rnd(5) ? k[t] : root, rnd(8));
        } else {
            ev[n++] = handover_ev(k[a], ++seq[a], ts, k[t]);
        }
    }
    return n;
}

static bool same(const px_members *a, const px_members *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0);
}

static void test_arrival_order(void)
{
    enum { EVENTS = 60, SCENARIOS = 40, ORDERS = 50 };
    px_member_event ev[EVENTS], shuffled[EVENTS];
    int differs = 0, nontrivial = 0;
    for (int sc = 0; sc < SCENARIOS; sc++) {
        size_t n = random_scenario(ev, EVENTS);
        px_members want = {0}, got = {0};
        memcpy(shuffled, ev, sizeof ev);
        CHECK_RC(px_members_fold(&want, root, shuffled, n), PX_OK);
        nontrivial += want.n > 3;
        for (int o = 0; o < ORDERS; o++) {
            memcpy(shuffled, ev, sizeof ev);
            for (size_t i = n - 1; i > 0; i--) {
                size_t j = rnd((uint32_t)i + 1);
                px_member_event t = shuffled[i];
                shuffled[i] = shuffled[j];
                shuffled[j] = t;
            }
            CHECK_RC(px_members_fold(&got, root, shuffled, n), PX_OK);
            differs += !same(&want, &got);
        }
        px_members_free(&want);
        px_members_free(&got);
    }
    CHECK(differs == 0);
    CHECK(nontrivial > SCENARIOS / 2); /* the scenarios admit people */
}

/* --- through a store: the backdated entry is refused by ingest -------------------- */

static void sign(px_entry *e, const px_identity *who, const uint8_t net[32], uint64_t seq,
                 const uint8_t *prev, uint64_t ts, const char *kind, const char *json, px_buf *body)
{
    ts_msgpack(body, json);
    ts_sign(e, who, net, seq, prev, ts, kind, body->data, body->len);
}

/* A store whose feed asks the membership m, its root r and a key c the
 * root may admit (admit: the root's `member` body making c a centre). */
typedef struct rc_fix {
    px_store *s;
    px_identity r, c;
    uint8_t net[32];
    px_members m;
    px_feed_ctx fc;
    char ck[65], admit[512];
} rc_fix;

static void rc_fix_open(rc_fix *f, const char *db, uint8_t seed0, uint8_t netbyte)
{
    memset(f, 0, sizeof *f);
    f->s = ts_open_store(db, false);
    uint8_t seed[32] = {seed0};
    px_identity_from_seed(&f->r, seed);
    seed[0] = (uint8_t)(seed0 + 1);
    px_identity_from_seed(&f->c, seed);
    memset(f->net, netbyte, 32);
    f->fc = (px_feed_ctx){.store = f->s, .is_member = px_members_admits, .member_ctx = &f->m};
    memcpy(f->fc.network_id, f->net, 32);
    px_hex_encode(f->ck, f->c.pk, 32);
    snprintf(f->admit, sizeof f->admit,
             "{\"key\":\"%s\",\"organisation\":\"C\",\"country\":\"KZ\",\"role\":\"centre\"}",
             f->ck);
}

static void rc_fix_close(rc_fix *f)
{
    px_members_free(&f->m);
    px_store_close(f->s);
}

static void test_backdated_entry_refused(void)
{
    char json[512], cid[65];
    rc_fix f;
    rc_fix_open(&f, "s.db", 9, 0x33);
    px_buf b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0};
    px_entry admit1, c1, c2, rev, late;
    sign(&admit1, &f.r, f.net, 1, NULL, 1000, "member", f.admit, &b1);
    sign(&c1, &f.c, f.net, 1, NULL, 2000, "address", "{\"addresses\":[\"127.0.0.1:1\"]}", &b2);
    sign(&c2, &f.c, f.net, 2, c1.id, 3000, "address", "{\"addresses\":[\"127.0.0.1:2\"]}", &b3);
    px_hex_encode(cid, c2.id, 32);
    snprintf(json, sizeof json, "{\"key\":\"%s\",\"after\":2,\"after_id\":\"%s\"}", f.ck, cid);
    sign(&rev, &f.r, f.net, 2, admit1.id, 10000, "revoke", json, &b4);
    /* Signed after the revocation, stamped before it. */
    sign(&late, &f.c, f.net, 3, c2.id, 4000, "address", "{\"addresses\":[\"127.0.0.1:3\"]}", &b5);

    CHECK_RC(px_members_load(&f.m, f.s, f.r.pk), PX_OK);
    CHECK_RC(px_store_begin(f.s), PX_OK);
    CHECK_RC(px_feed_ingest(&f.fc, &admit1, 0, 1), PX_OK);
    CHECK_RC(px_members_load(&f.m, f.s, f.r.pk), PX_OK);
    CHECK_RC(px_feed_ingest(&f.fc, &c1, 0, 1), PX_OK);
    CHECK_RC(px_feed_ingest(&f.fc, &c2, 0, 1), PX_OK);
    CHECK_RC(px_feed_ingest(&f.fc, &rev, 0, 1), PX_OK);
    CHECK_RC(px_members_load(&f.m, f.s, f.r.pk), PX_OK);
    CHECK_RC(px_feed_ingest(&f.fc, &late, 0, 1), PX_ENOTMEMBER);
    CHECK(px_members_cut_off(&f.m, f.c.pk));
    CHECK(px_members_valid_until(&f.m, f.c.pk) == 2);
    px_store_commit(f.s);
    rc_fix_close(&f);
    px_buf_free(&b1);
    px_buf_free(&b2);
    px_buf_free(&b3);
    px_buf_free(&b4);
    px_buf_free(&b5);
}

/* Organisation names are cut before a UTF-8 character, never inside one. */
static void test_utf8_truncation(void)
{
    char org[400], json[700], k[65];
    size_t n = 0;
    while (n + 2 < sizeof org - 1) { /* "é" is two bytes; 127 bytes are left in the record */
        org[n++] = (char)0xc3;
        org[n++] = (char)0xa9;
    }
    org[n] = '\0';
    uint8_t target[32];
    key(target, 1);
    px_hex_encode(k, target, 32);
    snprintf(json, sizeof json,
             "{\"key\":\"%s\",\"organisation\":\"%s\",\"country\":\"KZ\",\"role\":\"centre\"}", k,
             org);
    px_buf body = {0};
    px_entry e;
    px_identity r;
    uint8_t seed[32] = {9}, net[32] = {0};
    px_identity_from_seed(&r, seed);
    sign(&e, &r, net, 1, NULL, 1, "member", json, &body);
    px_member_event x;
    CHECK_RC(px_member_event_from_entry(&e, &x), PX_OK);
    size_t len = strlen(x.organisation);
    CHECK(len > 100 && len % 2 == 0);
    CHECK(((unsigned char)x.organisation[len - 1] & 0xc0) == 0x80);
    px_buf_free(&body);
}

/* --- through a store, any arrival order: the same membership ------------------- */

/* Real signed member, revoke and hand-over entries of several feeds arrive
 * in a seeded random order, as replication delivers them: a refused entry
 * goes through px_members_hold_back, held entries are offered again after
 * each membership change, and what is not stored yet comes again in the
 * next round (peers offer what a node lacks, in the same shuffled order)
 * until a round adds nothing. Whatever the order, every key ends with the
 * same role, cut and centre, and the same entries count. */
enum { AO_KEYS = 8, AO_MAX = 24 };

typedef struct ao_scenario {
    px_identity
        id[AO_KEYS]; /* 0 root, 1 S secretariat, 2 O observer, 3 C1, 4 C1', 5 C2, 6 C3, 7 C4 */
    px_entry e[AO_MAX];
    px_buf body[AO_MAX];
    size_t n;
    uint8_t net[32];
} ao_scenario;

static const px_entry *ao_add(ao_scenario *sc, int who, uint64_t seq, const px_entry *prev,
                              uint64_t ts, const char *kind, const char *json)
{
    size_t i = sc->n++;
    sign(&sc->e[i], &sc->id[who], sc->net, seq, prev ? prev->id : NULL, ts, kind, json,
         &sc->body[i]);
    return &sc->e[i];
}

static void ao_member(char *out, size_t len, const ao_scenario *sc, int key, const char *role,
                      int continues)
{
    char k[65], c[65];
    px_hex_encode(k, sc->id[key].pk, 32);
    px_hex_encode(c, sc->id[continues >= 0 ? continues : key].pk, 32);
    snprintf(out, len, "{'key':'%s','organisation':'O%d','country':'KZ','role':'%s'%s%s%s}", k, key,
             role, continues >= 0 ? ",'continues':'" : "", continues >= 0 ? c : "",
             continues >= 0 ? "'" : "");
}

static void ao_revoke(char *out, size_t len, const ao_scenario *sc, int key, uint64_t after)
{
    char k[65];
    px_hex_encode(k, sc->id[key].pk, 32);
    snprintf(out, len, "{'key':'%s','after':%llu}", k, (unsigned long long)after);
}

static void ao_build(ao_scenario *sc)
{
    char j[512];
    const char *addr = "{'addresses':['127.0.0.1:1']}";
    memset(sc, 0, sizeof *sc);
    memset(sc->net, 0x5a, 32);
    for (int i = 0; i < AO_KEYS; i++) {
        uint8_t seed[32] = {(uint8_t)(40 + i)};
        px_identity_from_seed(&sc->id[i], seed);
    }
    const px_entry *r = NULL, *sx = NULL, *c1 = NULL, *c3 = NULL;
    ao_member(j, sizeof j, sc, 1, "secretariat", -1);
    r = ao_add(sc, 0, 1, r, 100, "member", j);
    ao_member(j, sizeof j, sc, 2, "observer", -1);
    r = ao_add(sc, 0, 2, r, 200, "member", j);
    ao_member(j, sizeof j, sc, 3, "centre", -1);
    r = ao_add(sc, 0, 3, r, 300, "member", j);
    /* the secretariat admits C2 and C3, then C4 past its own cut */
    ao_member(j, sizeof j, sc, 5, "centre", -1);
    sx = ao_add(sc, 1, 1, sx, 400, "member", j);
    ao_member(j, sizeof j, sc, 6, "centre", -1);
    sx = ao_add(sc, 1, 2, sx, 500, "member", j);
    ao_member(j, sizeof j, sc, 7, "centre", -1);
    sx = ao_add(sc, 1, 3, sx, 520, "member", j);
    /* C1 announces, then hands over to C1', which announces */
    c1 = ao_add(sc, 3, 1, c1, 600, "address", addr);
    ao_member(j, sizeof j, sc, 4, "centre", 3);
    c1 = ao_add(sc, 3, 2, c1, 700, "member", j);
    c1 = ao_add(sc, 3, 3, c1, 710, "address", addr); /* past its own hand-over */
    ao_add(sc, 4, 1, NULL, 800, "address", addr);
    /* the observer and the centres announce */
    ao_add(sc, 2, 1, NULL, 900, "address", addr);
    ao_add(sc, 5, 1, NULL, 900, "address", addr);
    c3 = ao_add(sc, 6, 1, c3, 900, "address", addr);
    c3 = ao_add(sc, 6, 2, c3, 950, "address", addr); /* past C3's revocation */
    ao_add(sc, 7, 1, NULL, 900, "address", addr);
    /* the root revokes C3 after its first entry and the secretariat after two */
    ao_revoke(j, sizeof j, sc, 6, 1);
    r = ao_add(sc, 0, 4, r, 1000, "revoke", j);
    ao_revoke(j, sizeof j, sc, 1, 2);
    ao_add(sc, 0, 5, r, 1100, "revoke", j);
}

typedef struct ao_result {
    px_role role[AO_KEYS];
    bool cut_off[AO_KEYS];
    uint64_t valid_until[AO_KEYS];
    uint8_t centre[AO_KEYS][32];
    uint64_t counted[AO_KEYS]; /* entries held that count */
} ao_result;

typedef struct ao_count {
    const px_members *m;
    const uint8_t *author;
    uint64_t n;
} ao_count;

static int ao_count_one(void *ctx, const px_entry *e, const px_entry_meta *meta)
{
    ao_count *c = ctx;
    (void)meta;
    if (e->h.seq <= px_members_valid_until(c->m, c->author))
        c->n++;
    return PX_OK;
}

/* Deliver sc's entries in order[] to a fresh store; OUT *out. */
static void ao_deliver(const ao_scenario *sc, const size_t *order, const char *name, ao_result *out)
{
    px_store *s = ts_open_store(name, false);
    px_members m = {0};
    px_feed_ctx fc = ts_feed_ctx(s, sc->net, false);
    fc.is_member = px_members_admits;
    fc.member_ctx = &m;
    const uint64_t now = 10000;
    bool progress = true;
    CHECK_RC(px_members_load(&m, s, sc->id[0].pk), PX_OK);
    CHECK_RC(px_store_begin(s), PX_OK);
    for (size_t round = 0; progress && round <= sc->n; round++) {
        progress = false;
        for (size_t o = 0; o < sc->n; o++) {
            size_t i = order[o];
            px_entry held;
            if (px_store_get(s, sc->e[i].id, &held, NULL, NULL) == PX_OK)
                continue; /* stored already: nobody offers it again */
            int rc = px_feed_ingest(&fc, &sc->e[i], 0, now);
            if (rc == PX_ESEQ) /* its predecessor is not here yet */
                continue;
            px_holdback hb = px_members_hold_back(&m, s, &sc->e[i], rc, now);
            CHECK(rc == PX_OK || hb != PX_HOLD_NONE);
            if (rc != PX_OK && hb == PX_HOLD_NONE)
                fprintf(stderr, "entry %zu: %s (%s)\n", i, px_errname(rc), px_err_detail());
            progress |= rc == PX_OK;
            if (rc == PX_OK && px_kind_is(sc->e[i].h.kind, PX_KIND_MEMBERSHIP)) {
                size_t released = 0;
                CHECK_RC(px_members_load(&m, s, sc->id[0].pk), PX_OK);
                CHECK_RC(px_members_release(&fc, now, &released), PX_OK);
                CHECK_RC(px_members_load(&m, s, sc->id[0].pk), PX_OK);
            }
        }
    }
    CHECK_RC(px_store_commit(s), PX_OK);
    for (int k = 0; k < AO_KEYS; k++) {
        const uint8_t *pk = sc->id[k].pk;
        out->role[k] = px_members_role(&m, pk);
        out->cut_off[k] = px_members_cut_off(&m, pk);
        out->valid_until[k] = px_members_valid_until(&m, pk);
        memcpy(out->centre[k], px_members_centre(&m, pk), 32);
        ao_count c = {&m, pk, 0};
        CHECK_RC(px_store_each(s, pk, 1, 0, ao_count_one, &c), PX_OK);
        out->counted[k] = c.n;
    }
    px_members_free(&m);
    px_store_close(s);
}

/* A member's entry whose predecessor is not held yet stays held when the
 * admission releases the hold-back: the order C:2, admission, C:1 (C:1 took
 * another path, or the first batch was cut) once dropped C:2 as refused for
 * good, so the feed stopped at 1 until a peer offered 2 again. */
static void test_release_keeps_gap(void)
{
    rc_fix f;
    rc_fix_open(&f, "gap.db", 21, 0x44);
    px_buf b1 = {0}, b2 = {0}, b3 = {0};
    px_entry admit, c1, c2;
    sign(&admit, &f.r, f.net, 1, NULL, 1000, "member", f.admit, &b1);
    sign(&c1, &f.c, f.net, 1, NULL, 2000, "address", "{\"addresses\":[\"127.0.0.1:1\"]}", &b2);
    sign(&c2, &f.c, f.net, 2, c1.id, 3000, "address", "{\"addresses\":[\"127.0.0.1:2\"]}", &b3);
    const uint64_t now = 10000;
    uint64_t count = 0, bytes = 0;
    size_t released = 9;

    CHECK_RC(px_members_load(&f.m, f.s, f.r.pk), PX_OK);
    CHECK_RC(px_store_begin(f.s), PX_OK);
    /* C:2 first: C is not a member, so it is held */
    int rc = px_feed_ingest(&f.fc, &c2, 0, now);
    CHECK_RC(rc, PX_ENOTMEMBER);
    CHECK(px_members_hold_back(&f.m, f.s, &c2, rc, now) == PX_HOLD_HELD);
    /* the admission: C:2 is offered again, but C:1 is missing */
    CHECK_RC(px_feed_ingest(&f.fc, &admit, 0, now), PX_OK);
    CHECK_RC(px_members_load(&f.m, f.s, f.r.pk), PX_OK);
    CHECK_RC(px_members_release(&f.fc, now, &released), PX_OK);
    CHECK(released == 0);
    CHECK_RC(px_store_held_author_stats(f.s, f.c.pk, &count, &bytes), PX_OK);
    CHECK(count == 1); /* still held, not refused */
    /* C:1 arrives: stored; the next release stores C:2 behind it */
    CHECK_RC(px_feed_ingest(&f.fc, &c1, 0, now), PX_OK);
    CHECK_RC(px_members_release(&f.fc, now, &released), PX_OK);
    CHECK(released == 1);
    px_head h;
    CHECK_RC(px_store_head(f.s, f.c.pk, &h), PX_OK);
    CHECK(h.seq == 2 && memcmp(h.id, c2.id, 32) == 0);
    CHECK_RC(px_store_held_author_stats(f.s, f.c.pk, &count, &bytes), PX_OK);
    CHECK(count == 0);
    CHECK_RC(px_store_commit(f.s), PX_OK);
    rc_fix_close(&f);
    px_buf_free(&b1);
    px_buf_free(&b2);
    px_buf_free(&b3);
}

static void test_arrival_order_through_store(void)
{
    enum { ORDERS = 60 };
    static ao_scenario sc;
    ao_build(&sc);
    size_t order[AO_MAX];
    for (size_t i = 0; i < sc.n; i++)
        order[i] = i;
    ao_result want, got;
    memset(&want, 0, sizeof want);
    ao_deliver(&sc, order, "ao-ref.db", &want);
    /* the reference order (as signed) gives what the rules say */
    CHECK(want.role[0] == PX_ROLE_ROOT);
    CHECK(want.role[1] == PX_ROLE_NONE && want.cut_off[1] && want.valid_until[1] == 2);
    CHECK(want.role[2] == PX_ROLE_OBSERVER && want.counted[2] == 1);
    CHECK(want.role[3] == PX_ROLE_NONE && want.valid_until[3] == 2); /* handed over */
    CHECK(want.role[4] == PX_ROLE_CENTRE && memcmp(want.centre[4], sc.id[3].pk, 32) == 0);
    CHECK(want.role[5] == PX_ROLE_CENTRE && want.counted[5] == 1);
    CHECK(want.role[6] == PX_ROLE_NONE && want.valid_until[6] == 1 && want.counted[6] == 1);
    CHECK(want.role[7] == PX_ROLE_NONE && want.counted[7] == 0); /* admitted past S's cut */
    ts_rng gen = ts_rng_seed(0x5eed0012);
    int differs = 0;
    for (int o = 0; o < ORDERS; o++) {
        for (size_t i = sc.n - 1; i > 0; i--) {
            size_t j = ts_rng_below(&gen, (uint32_t)i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        char name[32];
        snprintf(name, sizeof name, "ao-%d.db", o);
        memset(&got, 0, sizeof got);
        ao_deliver(&sc, order, name, &got);
        if (memcmp(&want, &got, sizeof want) != 0) {
            differs++;
            for (int k = 0; k < AO_KEYS; k++)
                if (want.role[k] != got.role[k] || want.valid_until[k] != got.valid_until[k] ||
                    want.counted[k] != got.counted[k] || want.cut_off[k] != got.cut_off[k] ||
                    memcmp(want.centre[k], got.centre[k], 32))
                    fprintf(stderr, "key %d: role %d/%d until %llu/%llu counted %llu/%llu\n", k,
                            want.role[k], got.role[k], (unsigned long long)want.valid_until[k],
                            (unsigned long long)got.valid_until[k],
                            (unsigned long long)want.counted[k],
                            (unsigned long long)got.counted[k]);
            fprintf(stderr, "order %d gives another membership:", o);
            for (size_t i = 0; i < sc.n; i++)
                fprintf(stderr, " %zu", order[i]);
            fprintf(stderr, "\n");
        }
    }
    CHECK(differs == 0);
    for (size_t i = 0; i < sc.n; i++)
        px_buf_free(&sc.body[i]);
}

int main(void)
{
    px_crypto_init();
    ts_tmpdir("members");
    memset(root, 0x77, 32);
    RUN(test_secretariat_chain);
    RUN(test_revocation_cuts);
    RUN(test_backdated_counter_revoke);
    RUN(test_only_root_manages_secretariat);
    RUN(test_secretariat_disagree);
    RUN(test_succession);
    RUN(test_secretariat_succession_and_cut_id);
    RUN(test_handover);
    RUN(test_long_handover_chain);
    RUN(test_arrival_order);
    RUN(test_backdated_entry_refused);
    RUN(test_arrival_order_through_store);
    RUN(test_release_keeps_gap);
    RUN(test_utf8_truncation);
    return check_summary();
}
