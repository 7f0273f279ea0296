/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.c — the invariants (see sim.h), checked with the real ledger code:
 *
 *   - every honest store verifies (px_feed_verify: every entry's bytes,
 *     chain, timestamps, signature and body);
 *   - no honest node holds an entry with a bad signature or one that could
 *     only follow it, and none stored an entry past a revocation's cut
 *     after it held the revocation;
 *   - honest members that hold the same entries agree on the membership
 *     (px_members_load, the pure fold), and after the faults end every
 *     honest member holds the same feeds, to the same forwardable seq, with
 *     their bodies, within a bound;
 *   - held-back entries stay within their limits and each node's queues
 *     stay bounded while the run goes on.
 */
#include "sim.h"

#include "crypto.h"
#include "error.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_violation(sim_world *w, const char *fmt, ...)
{
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->violations++ == 0)
        snprintf(w->first_violation, sizeof w->first_violation, "at %.3f s: %s",
                 (double)w->now / SIM_S, msg);
    if (w->violations <= 20)
        fprintf(stderr, "praxis-sim: violation at %.3f s: %s\n", (double)w->now / SIM_S, msg);
}

/* A member that takes part: honest, running, and a member in its own view. */
static bool participant(const sim_world *w, const sim_node *n)
{
    return sim_node_honest(w, n) && n->up && n->store && !n->cut_off && !n->revoked &&
           px_members_role(&n->members, n->me.pk) != PX_ROLE_NONE;
}

typedef struct digest_ctx {
    const sim_node *n;
    px_hash_state st;
    uint64_t feeds;
} digest_ctx;

static int digest_feed(void *ctx, const px_head *h)
{
    digest_ctx *d = ctx;
    uint64_t until = px_members_valid_until(&d->n->members, h->author);
    uint64_t seq = h->seq < until ? h->seq : until;
    if (seq == 0)
        return PX_OK;
    uint8_t rec[41];
    memcpy(rec, h->author, 32);
    /* A frozen feed's heads may differ (each side of the fork went on
     * before the proof arrived): only that it is frozen must agree. */
    uint64_t v = h->frozen ? UINT64_MAX : seq;
    for (int k = 0; k < 8; k++)
        rec[32 + k] = (uint8_t)(v >> (8 * k));
    rec[40] = h->frozen;
    px_hash_update(&d->st, rec, sizeof rec);
    d->feeds++;
    return PX_OK;
}

static void digest_members(const px_members *m, px_hash_state *st)
{
    for (size_t i = 0; i < m->n; i++) {
        const px_member *x = &m->v[i];
        uint8_t rec[32 + 8 + 8 + 8 + 32];
        memset(rec, 0, sizeof rec);
        memcpy(rec, x->key, 32);
        rec[32] = (uint8_t)x->role;
        rec[33] = x->admitted;
        rec[34] = x->revoked;
        rec[35] = x->cut;
        rec[36] = x->retired;
        rec[37] = x->has_successor;
        for (int k = 0; k < 8; k++) {
            rec[40 + k] = (uint8_t)(x->cut_seq >> (8 * k));
            rec[48 + k] = (uint8_t)(x->admin_until >> (8 * k));
        }
        if (x->has_successor)
            memcpy(rec + 56, x->successor, 32);
        px_hash_update(st, rec, sizeof rec);
    }
}

/* Bodies an honest author published that n still lacks. */
static int missing_honest_bodies(sim_world *w, sim_node *n, size_t *out)
{
    enum { MAX = 256 };
    uint8_t(*ids)[32] = malloc(MAX * sizeof *ids);
    size_t k = 0;
    *out = 0;
    int rc = ids ? px_store_missing_bodies(n->store, ids, MAX, &k) : PX_ENOMEM;
    for (size_t i = 0; !rc && i < k; i++) {
        px_entry e;
        if (px_store_get(n->store, ids[i], &e, NULL, NULL) != PX_OK)
            continue;
        /* Past its author's cut (revoked, handed over): evidence that no
         * one forwards, so its body may never come. */
        if (e.h.seq > px_members_valid_until(&n->members, e.h.author))
            continue;
        for (int j = 0; j < w->n; j++)
            if (memcmp(w->nodes[j].me.pk, e.h.author, 32) == 0 && !w->nodes[j].hostile)
                (*out)++;
    }
    free(ids);
    return rc;
}

bool sim_converged(sim_world *w, char *why, size_t whylen)
{
    uint8_t ref[32], ref_m[32];
    int ref_node = -1;
    for (int i = 0; i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        if (!participant(w, n))
            continue;
        /* The digests and missing bodies depend only on its store (its
         * connection's changes), its membership and every node's key. */
        uint64_t changes = (uint64_t)sqlite3_total_changes64(px_store_db(n->store));
        if (!n->seen.valid || n->seen.epoch != n->epoch || n->seen.changes != changes ||
            n->seen.members_gen != n->members_gen || n->seen.keys_gen != w->keys_gen) {
            digest_ctx d = {.n = n};
            px_hash_state ms;
            n->seen.valid = false;
            px_hash_init(&d.st);
            if (px_store_each_feed(n->store, digest_feed, &d) != PX_OK) {
                snprintf(why, whylen, "node %d: cannot read its feeds", i);
                return false;
            }
            px_hash_final(&d.st, n->seen.feeds);
            px_hash_init(&ms);
            digest_members(&n->members, &ms);
            px_hash_final(&ms, n->seen.members);
            if (missing_honest_bodies(w, n, &n->seen.missing) != PX_OK) {
                snprintf(why, whylen, "node %d: cannot read its missing bodies", i);
                return false;
            }
            n->seen.valid = true;
            n->seen.epoch = n->epoch;
            n->seen.changes = changes;
            n->seen.members_gen = n->members_gen;
            n->seen.keys_gen = w->keys_gen;
        }
        const uint8_t *dg = n->seen.feeds, *mg = n->seen.members;
        size_t missing = n->seen.missing;
        if (missing) {
            snprintf(why, whylen, "node %d lacks %zu bodies", i, missing);
            return false;
        }
        if (ref_node < 0) {
            memcpy(ref, dg, 32);
            memcpy(ref_m, mg, 32);
            ref_node = i;
            continue;
        }
        if (memcmp(ref_m, mg, 32) != 0 && memcmp(ref, dg, 32) == 0) {
            /* The same entries, a different membership: a violation, not
             * just slowness. */
            sim_violation(w,
                          "nodes %d and %d hold the same feeds but compute different "
                          "memberships",
                          ref_node, i);
        }
        if (memcmp(ref, dg, 32) != 0 || memcmp(ref_m, mg, 32) != 0) {
            snprintf(why, whylen, "nodes %d and %d hold different feeds", ref_node, i);
            return false;
        }
    }
    return true;
}

void sim_check_bounds(sim_world *w)
{
    for (int i = 0; i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        if (!n->up || !sim_node_honest(w, n))
            continue;
        uint64_t count = 0, bytes = 0;
        if (px_store_held_stats(n->store, &count, &bytes) != PX_OK)
            continue;
        if (count > PX_HELD_MAX_ENTRIES || bytes > PX_HELD_MAX_BYTES)
            sim_violation(w, "node %d holds %llu entries (%llu bytes) back, over the limits", i,
                          (unsigned long long)count, (unsigned long long)bytes);
        if (count &&
            px_store_held_author_stats(n->store, w->flood_key.pk, &count, &bytes) == PX_OK &&
            (count > PX_HELD_MAX_PER_AUTHOR || bytes > PX_HELD_MAX_BYTES_PER_AUTHOR))
            sim_violation(w, "node %d holds %llu entries of one non-member back, over the limit", i,
                          (unsigned long long)count);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(q * (double)n);
    return v[i < n ? i : n - 1];
}

/* When node i stored record t, in ms after it was published (virtual
 * time), or -1 if it does not hold it. */
static int64_t stored_after(const sim_world *w, int i, const sim_tracked *t)
{
    const sim_node *n = &w->nodes[i];
    px_entry e;
    px_entry_meta m;
    if (px_store_get(n->store, t->id, &e, NULL, &m) != PX_OK)
        return -1;
    int64_t at = (int64_t)m.received_ms - n->skew_ms - (int64_t)SIM_EPOCH_MS;
    return at - (int64_t)(t->at / SIM_MS);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* PRAXIS_SIM_SLOW=K: the K records that took longest to reach every
 * member, on stderr: who published them and when, when half, nine tenths
 * and all of the members held them, and the last members to store them.
 * lat[] is each measured record's spread, in the order of w->tracked. */
static void explain_slow(sim_world *w, const double *lat, size_t nl)
{
    int64_t *at = calloc((size_t)w->n, sizeof *at);
    for (int i = 0; i < w->n; i++)
        if (w->nodes[i].key_since)
            fprintf(stderr,
                    "praxis-sim: node %d's key was admitted or installed at %.3f s (records "
                    "published before are not measured to it)\n",
                    i, (double)w->nodes[i].key_since / SIM_S);
    for (int rank = 0; at && rank < w->slow; rank++) {
        /* the rank-th slowest: the largest spread not yet printed */
        size_t best = SIZE_MAX, j = 0, best_rec = 0;
        static size_t done[64];
        for (size_t k = 0; k < w->n_tracked && j < nl; k++) {
            if (w->tracked[k].mark != SIM_MARK_RECORD)
                continue;
            bool seen = false;
            for (int d = 0; d < rank && d < 64; d++)
                seen |= done[d] == k;
            if (!seen && (best == SIZE_MAX || lat[j] > lat[best])) {
                best = j;
                best_rec = k;
            }
            j++;
        }
        if (best == SIZE_MAX || rank >= 64)
            break;
        done[rank] = best_rec;
        const sim_tracked *t = &w->tracked[best_rec];
        const sim_node *o = &w->nodes[t->node];
        int m = 0, last[3] = {-1, -1, -1};
        int64_t last_at[3] = {-1, -1, -1};
        for (int i = 0; i < w->n; i++) {
            if (!participant(w, &w->nodes[i]) || w->nodes[i].key_since > t->at)
                continue;
            int64_t a = stored_after(w, i, t);
            if (a < 0)
                continue;
            at[m++] = a;
            for (int q = 0; q < 3; q++)
                if (a > last_at[q]) {
                    for (int r = 2; r > q; r--) {
                        last_at[r] = last_at[r - 1];
                        last[r] = last[r - 1];
                    }
                    last_at[q] = a;
                    last[q] = i;
                    break;
                }
        }
        qsort(at, (size_t)m, sizeof *at, cmp_i64);
        px_entry e;
        uint64_t seq = 0;
        if (o->store && px_store_get(o->store, t->id, &e, NULL, NULL) == PX_OK)
            seq = e.h.seq;
        fprintf(stderr,
                "praxis-sim: slow record: node %d%s seq %llu at %.3f s: %.0f ms; half the "
                "members by %lld ms, 90%% by %lld, all %d by %lld; last: node %d%s (%lld), "
                "%d%s (%lld), %d%s (%lld)\n",
                t->node, o->key_since ? " (key admitted or installed late)" : "",
                (unsigned long long)seq, (double)t->at / SIM_S, lat[best],
                m ? (long long)at[m / 2] : -1LL, m ? (long long)at[m * 9 / 10] : -1LL, m,
                m ? (long long)at[m - 1] : -1LL, last[0],
                last[0] >= 0 && w->nodes[last[0]].key_since ? " (late)" : "", (long long)last_at[0],
                last[1], last[1] >= 0 && w->nodes[last[1]].key_since ? " (late)" : "",
                (long long)last_at[1], last[2],
                last[2] >= 0 && w->nodes[last[2]].key_since ? " (late)" : "",
                (long long)last_at[2]);
    }
    free(at);
}

void sim_final_checks(sim_world *w, sim_figures *out)
{
    memset(out, 0, sizeof *out);
    out->nodes = w->n;
    out->converged = w->converged;
    for (int i = 0; i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        if (!n->up || !sim_node_honest(w, n))
            continue;
        uint64_t count = 0;
        if (px_store_count(n->store, &count) == PX_OK && count > out->entries)
            out->entries = count;
        px_verify_report rep;
        int rc = px_feed_verify(n->store, w->genesis.network_id, 1, &rep);
        if (rc || rep.bad)
            sim_violation(w, "node %d's store does not verify: %s (seq %llu)", i,
                          px_err_message(rc), (unsigned long long)rep.bad_seq);
        for (size_t k = 0; k < w->n_tracked; k++) {
            const sim_tracked *t = &w->tracked[k];
            px_entry e;
            px_entry_meta m;
            char hex[65];
            if (t->mark == SIM_MARK_POISON) {
                if (px_store_get(n->store, t->id, &e, NULL, NULL) == PX_OK ||
                    px_store_has_fork(n->store, t->id))
                    sim_violation(w, "node %d holds entry %.16s of a run with a bad signature", i,
                                  px_id_hex(hex, t->id));
            } else if (t->mark == SIM_MARK_BACKDATED) {
                px_entry r;
                px_entry_meta rm;
                if (px_store_get(n->store, t->id, &e, NULL, &m) == PX_OK &&
                    px_store_get(n->store, t->revoke, &r, NULL, &rm) == PX_OK &&
                    rm.received_ms < m.received_ms)
                    sim_violation(w,
                                  "node %d stored entry %.16s past a revocation's cut after "
                                  "it held the revocation",
                                  i, px_id_hex(hex, t->id));
            }
        }
    }
    /* Spread: from publishing (virtual time) to the last honest member
     * that stored it (its store's received_ms, on its own clock, taken back
     * to virtual time), of the members whose key was in the network when it
     * was published (a node admitted, or restarted with its successor key,
     * later catches up instead: its operator's delay is not the
     * protocol's). Copies: every entry an `entries` message brought, per
     * new one. */
    double *lat = calloc(w->n_tracked ? w->n_tracked : 1, sizeof *lat);
    size_t nl = 0;
    for (size_t k = 0; lat && k < w->n_tracked; k++) {
        const sim_tracked *t = &w->tracked[k];
        if (t->mark != SIM_MARK_RECORD)
            continue;
        int64_t last = -1;
        bool all = true;
        for (int i = 0; i < w->n; i++) {
            sim_node *n = &w->nodes[i];
            if (!participant(w, n) || n->key_since > t->at)
                continue;
            px_entry e;
            px_entry_meta m;
            if (px_store_get(n->store, t->id, &e, NULL, &m) != PX_OK) {
                all = false;
                continue;
            }
            int64_t at = (int64_t)m.received_ms - n->skew_ms - (int64_t)SIM_EPOCH_MS;
            if (at > last)
                last = at;
        }
        if (all && last >= 0) {
            int64_t d = last - (int64_t)(t->at / SIM_MS);
            lat[nl++] = d > 0 ? (double)d : 0;
        }
    }
    if (w->slow > 0 && lat)
        explain_slow(w, lat, nl);
    qsort(lat, nl, sizeof *lat, cmp_double);
    out->measured = nl;
    out->spread_p50_ms = quantile(lat, nl, 0.5);
    out->spread_p99_ms = quantile(lat, nl, 0.99);
    free(lat);
    out->copies_per_entry =
        w->copies_new ? (double)(w->copies_new + w->copies_dup) / (double)w->copies_new : 0;
    out->violations = w->violations;
}

/* --- diagnosis ------------------------------------------------------------------ */

typedef struct feed_row {
    uint8_t author[32];
    uint64_t seq;
    bool frozen;
} feed_row;

typedef struct rows {
    feed_row *v;
    size_t n;
    const sim_node *node;
} rows;

static int add_row(void *ctx, const px_head *h)
{
    rows *r = ctx;
    feed_row *v = realloc(r->v, (r->n + 1) * sizeof *v);
    if (!v)
        return PX_ENOMEM;
    r->v = v;
    uint64_t until = px_members_valid_until(&r->node->members, h->author);
    memcpy(v[r->n].author, h->author, 32);
    v[r->n].seq = h->seq < until ? h->seq : until;
    v[r->n].frozen = h->frozen;
    r->n++;
    return PX_OK;
}

static uint64_t row_seq(const rows *r, const uint8_t author[32], bool *frozen)
{
    for (size_t i = 0; i < r->n; i++)
        if (memcmp(r->v[i].author, author, 32) == 0) {
            *frozen = r->v[i].frozen;
            return r->v[i].seq;
        }
    *frozen = false;
    return 0;
}

static int node_of_key(const sim_world *w, const uint8_t key[32])
{
    for (int i = 0; i < w->n; i++)
        if (memcmp(w->nodes[i].me.pk, key, 32) == 0)
            return i;
    return -1;
}

void sim_explain(sim_world *w)
{
    rows *r = calloc((size_t)w->n, sizeof *r);
    if (!r)
        return;
    for (int i = 0; i < w->n; i++) {
        r[i].node = &w->nodes[i];
        if (participant(w, &w->nodes[i]))
            px_store_each_feed(w->nodes[i].store, add_row, &r[i]);
    }
    int ref = -1;
    for (int i = 0; i < w->n && ref < 0; i++)
        if (participant(w, &w->nodes[i]))
            ref = i;
    for (int i = 0; ref >= 0 && i < w->n; i++) {
        if (!participant(w, &w->nodes[i]) || i == ref)
            continue;
        /* Every feed either side holds. */
        for (int side = 0; side < 2; side++) {
            const rows *a = side ? &r[i] : &r[ref];
            for (size_t k = 0; k < a->n; k++) {
                bool fa, fb;
                uint64_t sa = row_seq(&r[ref], a->v[k].author, &fa);
                uint64_t sb = row_seq(&r[i], a->v[k].author, &fb);
                if (side && row_seq(&r[ref], a->v[k].author, &fa) != 0)
                    continue; /* seen from the reference side */
                if ((fa && fb) || (sa == sb && fa == fb))
                    continue;
                char hex[65];
                px_hex_encode(hex, a->v[k].author, 32);
                fprintf(stderr,
                        "praxis-sim:   feed %.16s (node %d's): node %d holds %llu%s, node %d "
                        "holds %llu%s\n",
                        hex, node_of_key(w, a->v[k].author), ref, (unsigned long long)sa,
                        fa ? " (frozen)" : "", i, (unsigned long long)sb, fb ? " (frozen)" : "");
            }
        }
    }
    for (int i = 0; i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        char d[400];
        sim_host_describe(w, n, d, sizeof d);
        fprintf(stderr, "praxis-sim:   node %d%s (role %s at node 0): %s\n", i,
                n->hostile ? " (hostile)" : "",
                px_role_name(px_members_role(&w->nodes[0].members, n->me.pk)), d);
        if (!participant(w, n) && !n->hostile)
            fprintf(stderr, "praxis-sim:   node %d is not taking part (%s)\n", i,
                    !n->up       ? "down"
                    : n->revoked ? "revoked"
                    : n->cut_off ? "cut off"
                                 : "not a member in its own view");
        free(r[i].v);
    }
    free(r);
}
