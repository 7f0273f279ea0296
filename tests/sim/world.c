/* SPDX-License-Identifier: Apache-2.0 */
/*
 * world.c — the simulated network's genesis, the nodes' stores, the
 * workload and the hostile authors (see sim.h).
 *
 * Every key comes from the seeded generator, every timestamp from the
 * virtual clock, and every entry is made by the real ledger code
 * (px_feed_append, px_entry_sign, px_record_validate), so the bytes a run
 * produces are the same on every run of the same seed. The genesis feed —
 * the root's admissions of the members that start in the network — is
 * written once into a template store, which each node's store is copied
 * from (as a secretariat hands its feed over with the genesis).
 *
 * Hostile authors are nodes whose stores the adversary writes directly
 * (px_store_put, bypassing the feed rules, as a member's own modified
 * software could): their real replication core then offers what is there
 * to its peers, and the honest nodes must refuse it by the same rules as
 * praxisd.
 */
#include "sim.h"

#include "crypto.h"
#include "error.h"
#include "jsonmp.h"
#include "index.h"
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t sim_node_clock(const sim_world *w, const sim_node *n)
{
    int64_t t = (int64_t)SIM_EPOCH_MS + (int64_t)(w->now / SIM_MS) + n->skew_ms;
    return t > 0 ? (uint64_t)t : 0;
}

bool sim_node_honest(const sim_world *w, const sim_node *n)
{
    (void)w;
    return !n->hostile;
}

int sim_track(sim_world *w, const uint8_t id[32], sim_mark mark, int node)
{
    if (w->n_tracked == w->cap_tracked) {
        size_t cap = w->cap_tracked ? w->cap_tracked * 2 : 256;
        sim_tracked *v = realloc(w->tracked, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        w->tracked = v;
        w->cap_tracked = cap;
    }
    sim_tracked *t = &w->tracked[w->n_tracked++];
    memset(t, 0, sizeof *t);
    memcpy(t->id, id, 32);
    t->mark = mark;
    t->node = node;
    t->at = w->now;
    return PX_OK;
}

/* --- stores ------------------------------------------------------------------ */

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return px_err_set(PX_EIO, "cannot read %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return px_err_set(PX_EIO, "cannot create %s: %s", to, strerror(errno));
    }
    char buf[65536];
    int rc = PX_OK;
    for (;;) {
        ssize_t k = read(in, buf, sizeof buf);
        if (k == 0)
            break;
        if (k < 0 || write(out, buf, (size_t)k) != k) {
            rc = px_err_set(PX_EIO, "cannot copy %s: %s", from, strerror(errno));
            break;
        }
    }
    close(in);
    if (close(out) != 0 && !rc)
        rc = px_err_set(PX_EIO, "cannot write %s: %s", to, strerror(errno));
    return rc;
}

int sim_reload_members(sim_world *w, sim_node *n)
{
    int rc = px_members_load(&n->members, n->store, w->genesis.root);
    n->cut_off = px_members_cut_off(&n->members, n->me.pk);
    n->members_gen++;
    return rc;
}

int sim_node_open(sim_world *w, sim_node *n)
{
    int rc = px_store_open(n->path, &n->store);
    if (rc)
        return rc;
    /* One process owns every store and a crash is simulated above SQLite
     * (uncommitted storage jobs never run), so neither durable syncs nor
     * file locks add anything: dropping them keeps 1,000 stores cheap. */
    if (sqlite3_exec(px_store_db(n->store),
                     "PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE", NULL, NULL,
                     NULL) != SQLITE_OK)
        return px_store_error(n->store, SQLITE_ERROR, "setting the simulator's pragmas");
    memset(&n->fc, 0, sizeof n->fc);
    n->fc.store = n->store;
    memcpy(n->fc.network_id, w->genesis.network_id, 32);
    /* The records index is left out: it is derived data the replication
     * rules never read, and leaving it out keeps 1,000 stores cheap. Bodies
     * are still classified by their kind's schema. */
    n->fc.schema = px_index_schema;
    n->fc.is_member = px_members_admits;
    n->fc.member_ctx = &n->members;
    return sim_reload_members(w, n);
}

void sim_node_close(sim_node *n)
{
    px_store_close(n->store);
    n->store = NULL;
    px_members_free(&n->members);
}

/* Sign and store the next entry of n's own feed with the real feed code,
 * stamped by n's clock. body is a JSON object (consumed). */
static int append_json(sim_world *w, sim_node *n, const char *kind, json_t *body, px_entry *out)
{
    px_buf mp = {0};
    px_entry e;
    int rc = body ? px_json_to_msgpack(body, &mp) : PX_ENOMEM;
    json_decref(body);
    if (!rc)
        rc = px_record_validate(kind, mp.data, mp.len);
    if (!rc)
        rc = px_store_begin(n->store);
    if (!rc) {
        rc = px_feed_append(&n->fc, &n->me, kind, mp.data, mp.len, sim_node_clock(w, n), &e);
        bool admin = strcmp(kind, "member") == 0 || strcmp(kind, "revoke") == 0;
        if (!rc && admin)
            rc = sim_reload_members(w, n);
        if (!rc && admin) {
            size_t released = 0;
            rc = px_members_release(&n->fc, sim_node_clock(w, n), &released);
        }
        if (!rc)
            rc = px_store_commit(n->store);
        else
            px_store_rollback(n->store);
        if (rc || admin)
            sim_reload_members(w, n);
    }
    if (!rc && out) {
        *out = e;
        out->body = NULL; /* mp is freed below */
        out->body_len = 0;
    }
    px_buf_free(&mp);
    return rc;
}

static void key_hex(char out[65], const uint8_t key[32])
{
    px_hex_encode(out, key, 32);
}

/* A case record, as a centre publishes it. */
static json_t *case_body(sim_world *w, sim_node *n, uint64_t k)
{
    char title[96];
    static const char *const stages[] = {"idea", "pilot", "implemented", "evaluated", "scaled"};
    static const char *const countries[] = {"KZ", "AZ", "GE", "CA", "UZ", "KG"};
    snprintf(title, sizeof title, "practice %llu of node %d", (unsigned long long)k, n->idx);
    return json_pack("{s:{s:s}, s:{s:s}, s:s, s:s}", "title", "en", title, "summary", "en",
                     "a simulated case study", "country", countries[px_rng_below(&w->rng, 6)],
                     "stage", stages[px_rng_below(&w->rng, 5)]);
}

int sim_publish(sim_world *w, sim_node *n, px_entry *out)
{
    static uint64_t counter;
    return append_json(w, n, "case", case_body(w, n, ++counter), out);
}

static json_t *member_body(const uint8_t key[32], int idx, const char *role)
{
    char hex[65], org[64];
    key_hex(hex, key);
    snprintf(org, sizeof org, "centre %d", idx);
    return json_pack("{s:s, s:s, s:s, s:s}", "key", hex, "organisation", org, "country", "KZ",
                     "role", role);
}

int sim_admin_admit(sim_world *w, sim_node *admin, sim_node *target)
{
    return append_json(w, admin, "member", member_body(target->me.pk, target->idx, "centre"), NULL);
}

/* The last entry of key's feed the admin holds: where a revocation cuts. */
static int held_head(sim_node *admin, const uint8_t key[32], px_head *h)
{
    int rc = px_store_head(admin->store, key, h);
    if (rc == PX_ENOENT) {
        memset(h, 0, sizeof *h);
        return PX_OK;
    }
    return rc;
}

int sim_admin_revoke(sim_world *w, sim_node *admin, sim_node *target, uint8_t id[32])
{
    px_head h;
    char hex[65], after_id[65];
    int rc = held_head(admin, target->me.pk, &h);
    if (rc)
        return rc;
    key_hex(hex, target->me.pk);
    json_t *body;
    if (h.seq) {
        key_hex(after_id, h.id);
        body = json_pack("{s:s, s:I, s:s, s:s}", "key", hex, "after", (json_int_t)h.seq, "after_id",
                         after_id, "reason", "simulated revocation");
    } else {
        body = json_pack("{s:s, s:I, s:s}", "key", hex, "after", (json_int_t)0, "reason",
                         "simulated revocation");
    }
    px_entry e;
    rc = append_json(w, admin, "revoke", body, &e);
    if (!rc && id)
        memcpy(id, e.id, 32);
    return rc;
}

/* `praxis member add NEW --continues OLD`: the admin admits a new key for
 * the same centre; the old one is cut at the last entry the admin holds. */
int sim_admin_succeed(sim_world *w, sim_node *admin, sim_node *target, px_identity *next)
{
    uint8_t seed[32];
    px_head h;
    char hex[65], old[65], after_id[65], org[64];
    sim_bytes(&w->rng, seed, 32);
    px_identity_from_seed(next, seed);
    int rc = held_head(admin, target->me.pk, &h);
    if (rc)
        return rc;
    key_hex(hex, next->pk);
    key_hex(old, target->me.pk);
    snprintf(org, sizeof org, "centre %d", target->idx);
    json_t *body =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "key", hex, "organisation", org, "country",
                  "KZ", "role", "centre", "continues", old, "after", (json_int_t)h.seq);
    if (body && h.seq) {
        key_hex(after_id, h.id);
        json_object_set_new(body, "after_id", json_string(after_id));
    }
    return append_json(w, admin, "member", body, NULL);
}

/* --- hostile authors ----------------------------------------------------------- */

/* Sign the next entry of key's feed in s (following its head) without any
 * rule: the adversary's own software. ts 0: h's clock. */
static int raw_next(sim_world *w, sim_node *h, const px_identity *key, const char *kind,
                    const px_buf *body, uint64_t ts, px_entry *out)
{
    px_head head;
    px_header hd = {0};
    int rc = px_store_head(h->store, key->pk, &head);
    bool empty = rc == PX_ENOENT;
    if (rc && !empty)
        return rc;
    memcpy(hd.network_id, w->genesis.network_id, 32);
    memcpy(hd.author, key->pk, 32);
    hd.seq = empty ? 1 : head.seq + 1;
    hd.has_prev = !empty;
    if (!empty)
        memcpy(hd.prev, head.id, 32);
    hd.timestamp_ms = ts ? ts : sim_node_clock(w, h);
    if (!empty && head.timestamp_ms > hd.timestamp_ms)
        hd.timestamp_ms = head.timestamp_ms;
    snprintf(hd.kind, sizeof hd.kind, "%s", kind);
    return px_entry_sign(out, &hd, body->data, body->len, key->sk);
}

static int case_msgpack(sim_world *w, sim_node *n, px_buf *out)
{
    static uint64_t counter;
    json_t *b = case_body(w, n, ++counter);
    int rc = b ? px_json_to_msgpack(b, out) : PX_ENOMEM;
    json_decref(b);
    return rc;
}

/* A run of entries of h's own feed, one of which carries a broken
 * signature: honest nodes keep the run up to it and refuse the rest. */
int sim_attack_badsig(sim_world *w, sim_node *h)
{
    int len = 4 + (int)px_rng_below(&w->rng, 12),
        bad = 1 + (int)px_rng_below(&w->rng, (uint64_t)len - 1);
    int rc = px_store_begin(h->store);
    for (int i = 0; !rc && i < len; i++) {
        px_buf body = {0};
        px_entry e;
        rc = case_msgpack(w, h, &body);
        if (!rc)
            rc = raw_next(w, h, &h->me, "case", &body, 0, &e);
        if (!rc && i >= bad) {
            if (i == bad) {
                e.sig[px_rng_below(&w->rng, 64)] ^= (uint8_t)(1u << px_rng_below(&w->rng, 8));
                /* The id covers the signature: recompute it as a decoder would. */
                px_entry d;
                rc = px_entry_decode(&d, e.header_bytes, e.header_len, e.sig, e.body, e.body_len);
                if (!rc)
                    e = d;
            }
            if (!rc)
                rc = sim_track(w, e.id, SIM_MARK_POISON, h->idx);
        }
        if (!rc)
            rc = px_store_put(h->store, &e, 0, sim_node_clock(w, h));
        px_buf_free(&body);
    }
    if (!rc)
        rc = px_store_commit(h->store);
    else
        px_store_rollback(h->store);
    return rc;
}

/* Two validly signed entries for the next seq of h's feed: one stays in
 * h's store, the other goes to other's (the author publishing from two
 * machines with one key; other imports it as `feed import` would). Every
 * honest node must end with the feed frozen. */
int sim_attack_fork(sim_world *w, sim_node *h, sim_node *other)
{
    px_buf b1 = {0}, b2 = {0};
    px_entry e1, e2;
    int rc = case_msgpack(w, h, &b1);
    if (!rc)
        rc = case_msgpack(w, h, &b2);
    if (!rc)
        rc = raw_next(w, h, &h->me, "case", &b1, 0, &e1);
    if (!rc)
        rc = raw_next(w, h, &h->me, "case", &b2, sim_node_clock(w, h) + 1, &e2);
    if (!rc)
        rc = px_store_begin(h->store);
    if (!rc) {
        rc = px_store_put(h->store, &e1, 0, sim_node_clock(w, h));
        if (!rc)
            rc = px_store_commit(h->store);
        else
            px_store_rollback(h->store);
    }
    /* other judges e2 by the real rules: it may hold h's feed to a
     * different head, in which case e2 is a gap (refused, harmless) or a
     * fork proof at once. */
    if (!rc && other->up) {
        rc = px_store_begin(other->store);
        if (!rc) {
            int irc = px_feed_ingest(&other->fc, &e2, 0, sim_node_clock(w, other));
            (void)irc;
            rc = px_store_commit(other->store);
        }
    }
    px_buf_free(&b1);
    px_buf_free(&b2);
    return rc;
}

/* h was revoked by revoke_id; it goes on signing entries past the cut,
 * stamped before the revocation, hoping they count somewhere. No honest
 * node may store them once it holds the revocation. */
int sim_attack_backdate(sim_world *w, sim_node *h, const uint8_t revoke_id[32])
{
    int len = 1 + (int)px_rng_below(&w->rng, 5);
    int rc = px_store_begin(h->store);
    for (int i = 0; !rc && i < len; i++) {
        px_buf body = {0};
        px_entry e;
        px_head head;
        rc = case_msgpack(w, h, &body);
        uint64_t ts = 1;
        if (!rc && px_store_head(h->store, h->me.pk, &head) == PX_OK)
            ts = head.timestamp_ms; /* as early as the chain allows */
        if (!rc)
            rc = raw_next(w, h, &h->me, "case", &body, ts, &e);
        if (!rc)
            rc = px_store_put(h->store, &e, 0, sim_node_clock(w, h));
        if (!rc && (rc = sim_track(w, e.id, SIM_MARK_BACKDATED, h->idx)) == PX_OK)
            memcpy(w->tracked[w->n_tracked - 1].revoke, revoke_id, 32);
        px_buf_free(&body);
    }
    if (!rc)
        rc = px_store_commit(h->store);
    else
        px_store_rollback(h->store);
    return rc;
}

/* Many entries at once: of h's own feed (a member flooding), or of a key
 * that was never admitted (held back by every node, within its limits). */
int sim_attack_flood(sim_world *w, sim_node *h, int count, bool non_member)
{
    const px_identity *key = non_member ? &w->flood_key : &h->me;
    int rc = px_store_begin(h->store);
    for (int i = 0; !rc && i < count; i++) {
        px_buf body = {0};
        px_entry e;
        rc = case_msgpack(w, h, &body);
        if (!rc)
            rc = raw_next(w, h, key, "case", &body, 0, &e);
        if (!rc)
            rc = px_store_put(h->store, &e, 0, sim_node_clock(w, h));
        px_buf_free(&body);
    }
    if (!rc)
        rc = px_store_commit(h->store);
    else
        px_store_rollback(h->store);
    return rc;
}

/* A relay that strips bodies: what it just stored loses its body before it
 * forwards it (member, revoke and address entries included). */
int sim_strip_bodies(sim_world *w, sim_node *h, const px_entry *entries, size_t n)
{
    (void)w;
    int rc = px_store_begin(h->store);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = px_store_purge(h->store, entries[i].id);
        if (rc == PX_ENOENT)
            rc = PX_OK;
    }
    if (!rc)
        rc = px_store_commit(h->store);
    else
        px_store_rollback(h->store);
    return rc;
}

/* --- creation ------------------------------------------------------------------ */

static void identity_from_rng(px_rng *r, px_identity *id)
{
    uint8_t seed[32];
    sim_bytes(r, seed, 32);
    px_identity_from_seed(id, seed);
}

int sim_world_create(sim_world *w, const sim_cfg *cfg)
{
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    const char *trace = getenv("PRAXIS_SIM_TRACE");
    w->trace = trace && *trace ? (int)strtol(trace, NULL, 10) : -1;
    const char *slow = getenv("PRAXIS_SIM_SLOW");
    w->slow = slow && *slow ? (int)strtol(slow, NULL, 10) : 0;
    w->slow = w->slow < 0 ? 0 : w->slow > 64 ? 64 : w->slow;
    px_rng_seed(&w->rng, cfg->seed);
    sim_rng_fork(&w->rng, &w->net_rng);
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    if (cfg->keep)
        snprintf(w->dir, sizeof w->dir, "%s", cfg->keep);
    else
        snprintf(w->dir, sizeof w->dir, "%s/px-sim.XXXXXX", base);
    if (!cfg->keep && !mkdtemp(w->dir))
        return px_err_set(PX_EIO, "cannot create a directory under %s: %s", base, strerror(errno));
    identity_from_rng(&w->rng, &w->root);
    identity_from_rng(&w->rng, &w->flood_key);
    int rc = px_genesis_create(&w->genesis, "praxis-sim", w->root.pk);
    if (rc)
        return rc;
    sim_bytes(&w->rng, w->genesis.network_key, 32); /* seeded, not the system's */
    px_genesis_derive_id(&w->genesis);

    w->n = cfg->nodes;
    w->nodes = calloc((size_t)w->n, sizeof *w->nodes);
    if (!w->nodes)
        return PX_ENOMEM;
    for (int i = 0; i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        n->idx = i;
        n->epoch = 1;
        if (i == 0)
            n->me = w->root;
        else
            identity_from_rng(&w->rng, &n->me);
        if (snprintf(n->path, sizeof n->path, "%s/n%d.db", w->dir, i) >= (int)sizeof n->path)
            return px_err_set(PX_ETOOBIG, "the directory name %s is too long", w->dir);
    }
    /* Who is hostile, who joins late. Node 0 is the root's (the hub
     * secretariat's) node and honest. */
    /* One node of its own for each kind of hostile author (the last ones),
     * so one attack does not hide another (entries after a bad signature,
     * or past a fork, are never accepted at all). */
    int next = w->n - 1;
    for (int k = 0; k < SIM_ADV_KINDS; k++) {
        w->adv_node[k] = -1;
        if ((cfg->adversary & (1u << k)) && w->n >= 8 && next > w->n - 1 - w->n / 5) {
            w->adv_node[k] = next;
            w->nodes[next--].hostile = true;
        }
    }
    for (int i = 1; i < w->n; i++)
        w->nodes[i].member_at_start = true;
    if (cfg->membership && w->n >= 8) /* two join during the run */
        w->nodes[1].member_at_start = w->nodes[2].member_at_start = false;

    /* The genesis feed: the root's admissions, in a template store. */
    char tpl[PATH_MAX];
    if (snprintf(tpl, sizeof tpl, "%s/template.db", w->dir) >= (int)sizeof tpl)
        return px_err_set(PX_ETOOBIG, "the directory name %s is too long", w->dir);
    sim_node *root = &w->nodes[0];
    char n0[PATH_MAX];
    memcpy(n0, root->path, sizeof n0);
    memcpy(root->path, tpl, sizeof tpl);
    rc = sim_node_open(w, root);
    for (int i = 1; !rc && i < w->n; i++)
        if (w->nodes[i].member_at_start)
            rc = append_json(w, root, "member", member_body(w->nodes[i].me.pk, i, "centre"), NULL);
    sim_node_close(root);
    memcpy(root->path, n0, sizeof n0);
    for (int i = 0; !rc && i < w->n; i++)
        rc = copy_file(tpl, w->nodes[i].path);
    unlink(tpl);
    for (int i = 0; !rc && i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        rc = sim_node_open(w, n);
        n->up = rc == PX_OK;
    }
    if (rc)
        return rc;

    /* Topology: each node has 4-6 (dial_min..dial_max) bootstrap addresses
     * of random other nodes, as a genesis and announced addresses give. */
    int span = cfg->dial_max - cfg->dial_min + 1;
    for (int i = 0; cfg->bench_topology && i < w->n; i++) {
        /* bench/spread.sh: the previous node and one random earlier one. */
        sim_node *n = &w->nodes[i];
        n->dial = calloc(2, sizeof *n->dial);
        if (!n->dial)
            return PX_ENOMEM;
        if (i == 0)
            continue;
        n->dial[n->n_dial++] = i - 1;
        int j = (int)px_rng_below(&w->rng, (uint64_t)i);
        if (j != i - 1)
            n->dial[n->n_dial++] = j;
    }
    for (int i = 0; !cfg->bench_topology && i < w->n; i++) {
        sim_node *n = &w->nodes[i];
        int k = cfg->dial_min + (int)px_rng_below(&w->rng, (uint64_t)(span > 0 ? span : 1));
        if (k > w->n - 1)
            k = w->n - 1;
        n->dial = calloc((size_t)(k > 0 ? k : 1), sizeof *n->dial);
        if (!n->dial)
            return PX_ENOMEM;
        while (n->n_dial < k) {
            int j = (int)px_rng_below(&w->rng, (uint64_t)w->n);
            bool dup = j == i;
            for (int m = 0; !dup && m < n->n_dial; m++)
                dup = n->dial[m] == j;
            if (!dup)
                n->dial[n->n_dial++] = j;
        }
    }
    return PX_OK;
}

static void remove_store(const char *path)
{
    char p[PATH_MAX + 8];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

void sim_world_free(sim_world *w)
{
    for (int i = 0; w->nodes && i < w->n; i++) {
        sim_node_close(&w->nodes[i]);
        if (!w->cfg.keep)
            remove_store(w->nodes[i].path);
        free(w->nodes[i].dial);
        px_identity_clear(&w->nodes[i].me);
    }
    if (!w->cfg.keep && w->dir[0])
        rmdir(w->dir);
    free(w->nodes);
    free(w->tracked);
    px_identity_clear(&w->root);
    px_identity_clear(&w->flood_key);
}
