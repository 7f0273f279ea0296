/* SPDX-License-Identifier: Apache-2.0 */
/*
 * host.c — one simulated node's host: it drives the node's real
 * replication core (replication/core.h) and carries out its actions, as
 * praxisd's libuv driver does, but on the virtual clock and network:
 *
 *   - SEND goes onto the connection (net.c); CLOSE closes it; PAUSE and
 *     RESUME stop and restart taking messages from it (they wait here,
 *     still counted in the sender's queue, so its core sees the
 *     back-pressure); WAKE schedules a tick;
 *   - STORE jobs are decoded and verified as they arrive (praxisd's
 *     thread pool: --verify-cost per entry), then queue for one storage
 *     worker which takes up to 32 prepared ones at a time, in order, and
 *     runs them with the same ingest.h functions as praxisd, in one
 *     transaction, when its modelled work is done (--batch-cost plus
 *     --entry-cost per entry; a crash before then loses them: they were
 *     never committed); the outcome goes back to the core. When no job
 *     waits, the worker indexes what it stored in a transaction of its own
 *     (praxisd's deferred index: --index-cost plus --index-entry-cost per
 *     entry; simulated stores keep no index, so only its time is
 *     modelled), and a job arriving meanwhile waits for it;
 *   - LOAD and LOAD_BODIES are read from the store at once;
 *   - the blob actions (PX_CORE_BLOB_*) go to blobs.c.
 *
 * The dialler is the host's too (as in praxisd's node.c): every node keeps
 * a connection to each of its bootstrap addresses (their keys known),
 * never dials a key that is cut off or banned, and backs off from
 * addresses that fail. A handshake succeeds only with the key the dialler
 * expects and if the accepting core admits the dialler's key; the secret
 * handshake itself is tested apart, so it is not simulated.
 *
 * Times the core sees are the node's clock (virtual time plus its skew).
 */
#include "sim.h"

#include "core.h"
#include "dialer.h"
#include "error.h"
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    UNIT_JOBS_MAX = 32, /* store jobs in one transaction (as praxisd) */
    DIAL_TICK_MS = 250, /* how often the dialler looks (praxisd's tick) */
    SIM_DIAL_MAX = 64,  /* bootstrap addresses of one node (--dial's bound) */
};

typedef struct held_msg {
    struct held_msg *next;
    uint8_t *data;
    size_t len;
} held_msg;

/* One end of a connection, as the host knows it (sim_conn.peer[end]). */
typedef struct sim_peer {
    uint64_t id; /* the core's peer id: the connection's id + 1 */
    int target;  /* the dial target it serves, or -1 (inbound) */
    bool open;   /* the core knows it */
    bool paused;
    held_msg *head, *tail;
    size_t held_bytes;
    uint8_t key[32];              /* the far end's key, once connected */
    size_t core_queued;           /* what the core counts as queued to this peer */
    struct sim_peer *prev, *next; /* the host's open peers */
} sim_peer;

typedef struct dial_target {
    int node;
    uint8_t key[32]; /* the key the address names */
    uint64_t next_try_ms;
    uint32_t failures;
    bool active; /* dialling or connected */
    uint64_t conn_id;
} dial_target;

/* A store job waiting for the worker. */
typedef struct pending_job {
    px_ingest_job *j;
    sim_time ready; /* decoded and verified by then */
    size_t entries;
} pending_job;

/* What the worker is doing. */
enum { WORKER_STORE = 0, WORKER_PREPARED = 1, WORKER_INDEX = 2 };

typedef struct sim_host {
    px_core *core;
    px_ingest *ig;
    pending_job *pending; /* store jobs in the order given */
    size_t n_pending, cap_pending;
    size_t pending_bytes;
    px_ingest_job *unit[UNIT_JOBS_MAX]; /* the worker's current jobs */
    size_t n_unit;
    bool busy;          /* storing, or indexing */
    bool indexing;      /* the unit running is an indexing one */
    uint64_t unindexed; /* entries stored and not yet indexed */
    sim_time prep_wait; /* the worker waits for the next job to be prepared until then */
    uint64_t unit_gen, prep_gen, wake_gen, wake_at_ms;
    dial_target *targets;
    int n_targets;
    px_buf scratch;
    bool strip;      /* a hostile relay that strips bodies */
    bool liar;       /* a hostile relay that never sends entries or bodies it claims */
    sim_peer *peers; /* connected (open) peers */
} sim_host;

/* Whether the first bytes of a message name this string (tracing only). */
static bool names(const uint8_t *msg, size_t len, const char *s)
{
    size_t k = strlen(s), n = len < 40 ? len : 40;
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(msg + i, s, k) == 0)
            return true;
    return false;
}

/* A message's type, for traces. */
static const char *type_of(const uint8_t *msg, size_t len)
{
    static const char *const types[] = {"want_bodies", "bodies", "entries", "have", "clock",
                                        "prune",       "graft",  "hello",   NULL};
    for (int i = 0; types[i]; i++)
        if (names(msg, len, types[i]))
            return types[i];
    return "?";
}

static uint64_t gen_counter; /* one sequence for every generation: never reused */

static uint64_t now_ms(const sim_world *w, const sim_node *n)
{
    return sim_node_clock(w, n);
}

/* A node-clock time back to virtual time. */
static sim_time virtual_at(const sim_world *w, const sim_node *n, uint64_t at_ms)
{
    int64_t v = (int64_t)at_ms - (int64_t)SIM_EPOCH_MS - n->skew_ms;
    sim_time t = v > 0 ? (sim_time)v * SIM_MS : 0;
    return t < w->now ? w->now : t;
}

static sim_conn *conn_of(sim_world *w, uint64_t peer_id)
{
    return peer_id ? sim_net_conn(w, peer_id - 1) : NULL;
}

static int end_of(const sim_conn *c, const sim_node *n)
{
    return c->end[0] == n->idx ? 0 : 1;
}

static void free_peer(sim_host *h, sim_peer *p)
{
    if (p->open) {
        if (p->prev)
            p->prev->next = p->next;
        else
            h->peers = p->next;
        if (p->next)
            p->next->prev = p->prev;
    }
    for (held_msg *m = p->head; m;) {
        held_msg *next = m->next;
        free(m->data);
        free(m);
        m = next;
    }
    free(p);
}

static void start_unit(sim_world *w, sim_node *n);
static void drain(sim_world *w, sim_node *n);

/* The core closed a peer, or the far end did: forget our end. */
static void drop_end(sim_world *w, sim_node *n, sim_conn *c, int end, int rc, bool tell_core)
{
    sim_peer *p = c->peer[end];
    if (!p)
        return;
    sim_host *h = n->host;
    if (p->target >= 0 && p->target < h->n_targets) {
        dial_target *t = &h->targets[p->target];
        if (t->conn_id == c->id) {
            t->active = false;
            if (rc != PX_OK && rc != PX_ECLOSED) {
                t->failures++;
            }
            t->next_try_ms = now_ms(w, n) + px_dial_backoff_ms(t->failures, NULL);
        }
    }
    bool was_open = p->open;
    uint64_t id = p->id;
    free_peer(h, p);
    c->peer[end] = NULL;
    if (tell_core && was_open)
        px_core_peer_closed(h->core, id, rc, now_ms(w, n));
}

static void take_store(sim_world *w, sim_node *n, px_core_action *a)
{
    sim_host *h = n->host;
    px_ingest_job *j = NULL;
    uint8_t *msg = a->bytes;
    a->bytes = NULL;
    int rc = px_ingest_job_new(a->job, a->kind, msg, a->len, a->members_hint, &j);
    if (rc) {
        sim_violation(w, "node %d: cannot queue a store job: %s", n->idx, px_err_message(rc));
        return;
    }
    if (h->n_pending == h->cap_pending) {
        size_t cap = h->cap_pending ? h->cap_pending * 2 : 16;
        pending_job *v = realloc(h->pending, cap * sizeof *v);
        if (!v) {
            px_ingest_job_free(j);
            sim_violation(w, "node %d: out of memory queueing a store job", n->idx);
            return;
        }
        h->pending = v;
        h->cap_pending = cap;
    }
    /* Decoded and verified now (a pure function of the bytes: the
     * outcome's entries count is known from here on), ready when the
     * modelled verification ends. */
    px_ingest_prepare(j);
    size_t entries = a->kind == PX_CORE_JOB_ENTRIES ? px_ingest_outcome(j)->entries : 0;
    h->pending[h->n_pending++] =
        (pending_job){.j = j, .ready = w->now + w->cfg.verify_cost * entries, .entries = entries};
    h->pending_bytes += px_ingest_job_len(j);
    if (h->pending_bytes > (size_t)PX_CORE_QUEUE_MAX + 2 * 1024 * 1024)
        sim_violation(w,
                      "node %d: %zu bytes of received messages wait to be stored, over the "
                      "core's bound",
                      n->idx, h->pending_bytes);
    start_unit(w, n);
}

/* Carry out the core's actions, in order, until there are none. */
static void drain(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    px_core_action a;
    while (h && h->core && px_core_next_action(h->core, &a)) {
        sim_conn *c = conn_of(w, a.peer);
        int end = c ? end_of(c, n) : 0;
        sim_peer *p = c ? c->peer[end] : NULL;
        switch (a.type) {
        case PX_CORE_SEND:
            if (h->liar && (names(a.bytes, a.len, "entries") || names(a.bytes, a.len, "bodies"))) {
                /* Its core goes on claiming what it stored; none of it goes out. */
                if (p)
                    px_core_peer_queued(h->core, a.peer, p->core_queued, now_ms(w, n));
                break;
            }
            if (w->trace == n->idx)
                fprintf(stderr, "trace %.3f node %d: send %zu bytes to node %d: %s\n",
                        (double)w->now / SIM_S, n->idx, a.len, c ? c->end[1 - end] : -1,
                        type_of(a.bytes, a.len));
            if (p && sim_net_send(w, c, end, a.bytes, a.len) != PX_OK)
                px_core_peer_queued(h->core, a.peer, 0, now_ms(w, n));
            else if (p)
                p->core_queued += a.len;
            if (p) {
                size_t q = c->queued[end];
                if (q > (size_t)PX_CORE_HIGH_WATER + 2 * 1024 * 1024)
                    sim_violation(w,
                                  "node %d: %zu bytes queued to one peer, over the core's "
                                  "high-water mark",
                                  n->idx, q);
            }
            break;
        case PX_CORE_CLOSE:
            if (c)
                sim_blobs_closed(w, n, c->end[1 - end], a.rc);
            if (p) {
                drop_end(w, n, c, end, a.rc, false);
                sim_net_close(w, c, end);
            }
            px_core_peer_closed(h->core, a.peer, a.rc, now_ms(w, n));
            break;
        case PX_CORE_PAUSE:
            if (p)
                p->paused = true;
            break;
        case PX_CORE_RESUME:
            if (p && p->paused) {
                p->paused = false;
                /* What waited is taken now, in order, unless it pauses again. */
                while (p->head && !p->paused && c->peer[end] == p) {
                    held_msg *m = p->head;
                    p->head = m->next;
                    if (!p->head)
                        p->tail = NULL;
                    p->held_bytes -= m->len;
                    uint64_t id = p->id;
                    px_core_peer_message(h->core, id, m->data, m->len, now_ms(w, n));
                    sim_net_consumed(w, c, end, m->len);
                    free(m->data);
                    free(m);
                    c = conn_of(w, a.peer);
                    if (!c)
                        break;
                }
            }
            break;
        case PX_CORE_WAKE:
            if (w->trace == n->idx)
                fprintf(stderr, "trace %.3f node %d: wake at %+lld ms\n", (double)w->now / SIM_S,
                        n->idx, (long long)a.at_ms - (long long)now_ms(w, n));
            h->wake_gen = ++gen_counter;
            h->wake_at_ms = a.at_ms;
            sim_schedule(w, virtual_at(w, n, a.at_ms), SIM_EV_WAKE, n->idx, 0, h->wake_gen, NULL,
                         0);
            break;
        case PX_CORE_STORE:
            take_store(w, n, &a);
            break;
        case PX_CORE_LOAD:
            px_ingest_answer_load(n->store, h->core, &a, &h->scratch, now_ms(w, n));
            break;
        case PX_CORE_LOAD_BODIES:
            px_ingest_load_bodies(n->store, h->core, &a, now_ms(w, n));
            break;
        case PX_CORE_BAN:
            for (int i = 0; i < h->n_targets; i++)
                if (memcmp(h->targets[i].key, a.key, 32) == 0 &&
                    h->targets[i].next_try_ms < a.until_ms)
                    h->targets[i].next_try_ms = a.until_ms;
            break;
        case PX_CORE_READY:
            if (p && p->target >= 0 && p->target < h->n_targets)
                h->targets[p->target].failures = 0;
            break;
        case PX_CORE_WATCH: /* queues are reported as they drain (sim_host_drained) */
            break;
        case PX_CORE_BLOB_PUT_MANIFEST:
        case PX_CORE_BLOB_PUT_CHUNK:
        case PX_CORE_BLOB_LOOKUP:
        case PX_CORE_BLOB_SERVE:
        case PX_CORE_BLOB_DONE:
            sim_blobs_action(w, n, &a);
            break;
        }
        px_core_action_release(&a);
        h = n->host;
    }
}

/* --- storage worker ------------------------------------------------------------ */

enum { INDEX_CHUNK = 2000 }; /* entries praxisd indexes per transaction (ingest.c) */

/* Give the worker its next unit, as praxisd's gossip.c does: up to
 * UNIT_JOBS_MAX prepared jobs from the head of the queue; if the head is
 * still being verified, nothing until it is; if none waits, part of the
 * index backlog. */
static void start_unit(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    if (h->busy)
        return;
    if (h->n_pending == 0) {
        if (h->unindexed == 0 || w->cfg.index_cost == 0)
            return;
        uint64_t k = h->unindexed < INDEX_CHUNK ? h->unindexed : INDEX_CHUNK;
        h->unindexed -= k;
        h->busy = h->indexing = true;
        h->unit_gen = ++gen_counter;
        sim_schedule(w, w->now + w->cfg.index_cost + w->cfg.index_entry_cost * k, SIM_EV_STORED,
                     n->idx, WORKER_INDEX, h->unit_gen, NULL, 0);
        return;
    }
    if (h->pending[0].ready > w->now) {
        if (h->prep_wait != h->pending[0].ready) {
            h->prep_wait = h->pending[0].ready;
            h->prep_gen = ++gen_counter;
            sim_schedule(w, h->prep_wait, SIM_EV_STORED, n->idx, WORKER_PREPARED, h->prep_gen, NULL,
                         0);
        }
        return;
    }
    size_t k = 0, entries = 0;
    while (k < h->n_pending && k < UNIT_JOBS_MAX && h->pending[k].ready <= w->now) {
        h->unit[k] = h->pending[k].j;
        entries += h->pending[k].entries;
        k++;
    }
    memmove(h->pending, h->pending + k, (h->n_pending - k) * sizeof *h->pending);
    h->n_pending -= k;
    h->n_unit = k;
    h->busy = true;
    h->indexing = false;
    h->unit_gen = ++gen_counter;
    sim_time cost = w->cfg.step_cost + w->cfg.entry_cost * entries;
    sim_schedule(w, w->now + cost, SIM_EV_STORED, n->idx, WORKER_STORE, h->unit_gen, NULL, 0);
}

/* Bodies a stripping relay drops from what it just stored (other
 * authors' entries from old+1 to new). */
static void strip_new(sim_world *w, sim_node *n, const uint8_t author[32], uint64_t from,
                      uint64_t to)
{
    if (memcmp(author, n->me.pk, 32) == 0)
        return;
    for (uint64_t s = from; s <= to && s - from < 256; s++) {
        px_entry e;
        if (px_store_get_seq(n->store, author, s, &e, NULL, NULL) == PX_OK)
            sim_strip_bodies(w, n, &e, 1);
    }
}

static void unit_done(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    uint64_t now = now_ms(w, n);
    h->busy = false;
    int rc = px_ingest_run(h->ig, h->unit, h->n_unit, now);
    if (rc)
        sim_violation(w, "node %d: storing a batch failed: %s", n->idx, px_err_message(rc));
    bool forks = false, members = false;
    for (size_t i = 0; i < h->n_unit; i++) {
        const px_core_outcome *o = px_ingest_outcome(h->unit[i]);
        forks |= o->forks > 0;
        members |= o->members_changed;
    }
    if (forks)
        px_ingest_feed_core(n->store, h->core, now);
    if (members)
        sim_reload_members(w, n);
    for (size_t i = 0; i < h->n_unit; i++) {
        px_ingest_job *j = h->unit[i];
        const px_core_outcome *o = px_ingest_outcome(j);
        h->pending_bytes -= px_ingest_job_len(j);
        h->unindexed += o->added + o->released;
        if (o->entries) {
            w->copies_new += o->added;
            w->copies_dup += o->dups;
            n->received += o->added;
            n->dups += o->dups;
        }
        if (h->strip && o->added)
            for (size_t k = 0; k < o->n_heads; k++) {
                uint64_t before = px_core_head(h->core, o->heads[k].author);
                if (o->heads[k].seq > before)
                    strip_new(w, n, o->heads[k].author, before + 1, o->heads[k].seq);
            }
        if (w->trace == n->idx)
            fprintf(stderr,
                    "trace %.3f node %d: job %llu: rc %d entries %zu added %zu dups %zu held %zu "
                    "released %zu filled %zu members_changed %d want_set %d n_want %zu%s%s\n",
                    (double)w->now / SIM_S, n->idx, (unsigned long long)px_ingest_job_id(j), o->rc,
                    o->entries, o->added, o->dups, o->held, o->released, o->filled,
                    o->members_changed, o->want_set, o->n_want, o->rc ? ": " : "",
                    o->rc ? o->err : "");
        px_core_stored(h->core, px_ingest_job_id(j), o, now);
        px_ingest_job_free(j);
        h->unit[i] = NULL;
    }
    h->n_unit = 0;
    n->stored_work++;
    if (members)
        px_core_members_changed(h->core, false, now);
    drain(w, n);
    if (n->host)
        start_unit(w, n);
}

/* --- dialler ----------------------------------------------------------------------- */

static bool connected_to(sim_world *w, sim_node *n, const uint8_t key[32])
{
    (void)w;
    sim_host *h = n->host;
    for (int i = 0; i < h->n_targets; i++)
        if (h->targets[i].active && memcmp(h->targets[i].key, key, 32) == 0)
            return true;
    for (const sim_peer *p = h->peers; p; p = p->next)
        if (memcmp(p->key, key, 32) == 0)
            return true;
    return false;
}

static void dial_tick(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    uint64_t now = now_ms(w, n);
    /* The decision is praxisd's (dialer.h); every target is a bootstrap
     * address (never learned), so no draw is made and nothing rotates. */
    px_dial_target dt[SIM_DIAL_MAX];
    size_t picked[SIM_DIAL_MAX];
    int k = h->n_targets < SIM_DIAL_MAX ? h->n_targets : SIM_DIAL_MAX;
    for (int i = 0; i < k; i++)
        dt[i] = (px_dial_target){.key = h->targets[i].key,
                                 .active = h->targets[i].active,
                                 .connected = connected_to(w, n, h->targets[i].key),
                                 .next_try_ms = h->targets[i].next_try_ms};
    px_dial_decision d;
    uint64_t no_rotation = UINT64_MAX;
    px_rng unused;
    px_rng_seed(&unused, 0);
    px_dial_decide(dt, (size_t)k, &n->members, h->core, 0, now, &no_rotation, &unused, picked, &d);
    for (size_t q = 0; q < d.n_dial; q++) {
        int i = (int)picked[q];
        dial_target *t = &h->targets[i];
        if (connected_to(w, n, t->key)) /* an earlier target of this round has that key */
            continue;
        int id = sim_net_dial(w, n->idx, t->node);
        t->active = true;
        t->conn_id = id >= 0 ? (uint64_t)id : UINT64_MAX;
        if (id >= 0) {
            sim_conn *c = sim_net_conn(w, (uint64_t)id);
            sim_peer *p = calloc(1, sizeof *p);
            if (!p) {
                sim_net_reset(w, c);
                continue;
            }
            p->id = (uint64_t)id + 1;
            p->target = i;
            c->peer[0] = p;
        }
    }
    sim_schedule(w, w->now + DIAL_TICK_MS * SIM_MS, SIM_EV_DIAL, n->idx, 0, n->epoch, NULL, 0);
}

void sim_host_dial_failed(sim_world *w, sim_node *n, int target)
{
    sim_host *h = n->host;
    if (!h)
        return;
    for (int i = 0; i < h->n_targets; i++) {
        dial_target *t = &h->targets[i];
        if (t->node == target && t->active && t->conn_id == UINT64_MAX) {
            t->active = false;
            t->failures++;
            t->next_try_ms = now_ms(w, n) + px_dial_backoff_ms(t->failures, NULL);
        }
    }
}

/* --- inputs from the network ---------------------------------------------------------- */

void sim_host_connected(sim_world *w, sim_node *n, sim_conn *c, int end)
{
    sim_host *h = n->host;
    sim_node *far = &w->nodes[c->end[1 - end]];
    uint64_t now = now_ms(w, n);
    if (!h)
        return;
    if (end == 1) {
        /* The server side of the handshake: the dialler must know our key,
         * and we must admit its key. */
        sim_peer *dp = c->peer[0];
        dial_target *t =
            dp && far->host && dp->target >= 0 ? &far->host->targets[dp->target] : NULL;
        if (!t || memcmp(t->key, n->me.pk, 32) != 0 || !px_core_admits(h->core, far->me.pk, now)) {
            sim_net_reset(w, c);
            return;
        }
        sim_peer *p = calloc(1, sizeof *p);
        if (!p) {
            sim_net_reset(w, c);
            return;
        }
        p->id = c->id + 1;
        p->target = -1;
        c->peer[1] = p;
    }
    sim_peer *p = c->peer[end];
    if (!p) {
        sim_net_reset(w, c);
        return;
    }
    p->open = true;
    memcpy(p->key, far->me.pk, 32);
    p->next = h->peers;
    if (h->peers)
        h->peers->prev = p;
    h->peers = p;
    if (px_core_peer_open(h->core, p->id, far->me.pk, end == 0, now) != PX_OK) {
        drop_end(w, n, c, end, PX_ENOMEM, false);
        sim_net_close(w, c, end);
    }
    drain(w, n);
}

void sim_host_message(sim_world *w, sim_node *n, sim_conn *c, int end, uint8_t *data, size_t len)
{
    sim_host *h = n->host;
    sim_peer *p = c->peer[end];
    if (!h || !p || !p->open) {
        free(data);
        return;
    }
    if (p->paused) {
        held_msg *m = calloc(1, sizeof *m);
        if (!m) {
            free(data);
            return;
        }
        m->data = data;
        m->len = len;
        if (p->tail)
            p->tail->next = m;
        else
            p->head = m;
        p->tail = m;
        p->held_bytes += len;
        return;
    }
    if (w->trace == n->idx || w->trace == c->end[1 - end])
        fprintf(stderr, "trace %.3f node %d: got %zu bytes from node %d: %s\n",
                (double)w->now / SIM_S, n->idx, len, c->end[1 - end], type_of(data, len));
    px_core_peer_message(h->core, p->id, data, len, now_ms(w, n));
    free(data);
    sim_net_consumed(w, c, end, len);
    drain(w, n);
}

void sim_host_closed(sim_world *w, sim_node *n, sim_conn *c, int end)
{
    if (!n->host)
        return;
    drop_end(w, n, c, end, PX_ECLOSED, true);
    drain(w, n);
}

void sim_host_drained(sim_world *w, sim_node *n, sim_conn *c, int end)
{
    sim_host *h = n->host;
    sim_peer *p = c->peer[end];
    if (!h || !p || !p->open)
        return;
    /* As praxisd does: tell the core once the queue fell below the
     * low-water mark, if it counts more than that (its count only grows
     * with what it sends, so it cannot stay congested unseen). Telling it
     * on every delivery would cost a scan of every feed each time. */
    if (c->queued[end] >= PX_CORE_LOW_WATER || p->core_queued < PX_CORE_LOW_WATER)
        return;
    p->core_queued = c->queued[end];
    px_core_peer_queued(h->core, p->id, c->queued[end], now_ms(w, n));
    drain(w, n);
}

void sim_host_event(sim_world *w, sim_node *n, sim_event *e)
{
    sim_host *h = n->host;
    switch (e->type) {
    case SIM_EV_WAKE:
        if (e->gen != h->wake_gen)
            return;
        px_core_tick(h->core, now_ms(w, n));
        drain(w, n);
        break;
    case SIM_EV_STORED:
        if (e->arg == WORKER_PREPARED) {
            if (e->gen == h->prep_gen)
                start_unit(w, n);
            return;
        }
        if (e->gen != h->unit_gen || !h->busy)
            return;
        if (e->arg == WORKER_INDEX) {
            h->busy = h->indexing = false;
            start_unit(w, n);
            return;
        }
        unit_done(w, n);
        break;
    case SIM_EV_DIAL:
        if (e->gen != n->epoch)
            return;
        dial_tick(w, n);
        break;
    default:
        break;
    }
}

void sim_host_local_append(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    if (!h)
        return;
    int rc = px_ingest_feed_core(n->store, h->core, now_ms(w, n));
    if (rc)
        sim_violation(w, "node %d: cannot read its heads: %s", n->idx, px_err_message(rc));
    drain(w, n);
}

void sim_host_members_changed(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    if (!h)
        return;
    sim_reload_members(w, n);
    px_core_members_changed(h->core, true, now_ms(w, n));
    drain(w, n);
}

size_t sim_host_memory(const sim_world *w, const sim_node *n)
{
    (void)w;
    const sim_host *h = n->host;
    return h ? h->pending_bytes : 0;
}

/* --- life ------------------------------------------------------------------------------- */

int sim_host_start(sim_world *w, sim_node *n)
{
    sim_host *h = calloc(1, sizeof *h);
    if (!h)
        return PX_ENOMEM;
    uint64_t now = now_ms(w, n);
    px_core_cfg cc = {
        .me = n->me.pk,
        .network_id = w->genesis.network_id,
        .members = &n->members,
        .seed = w->cfg.seed ^ ((uint64_t)n->idx << 20) ^ (n->epoch * 0x9e3779b97f4a7c15ull),
        .now_ms = now,
        .software = "praxis-sim",
        .forward_delay_ms = w->cfg.forward_delay_ms,
        .graft_ms = w->cfg.graft_ms,
    };
    int rc = px_core_new(&cc, &h->core);
    px_ingest_cfg ic = {
        .store = n->store,
        .feed = n->fc,
        .root = w->genesis.root,
        .me = n->me.pk,
        .defer_index = false,
    };
    if (!rc)
        rc = px_ingest_new(&ic, &h->ig);
    h->n_targets = n->n_dial;
    h->targets = calloc((size_t)(n->n_dial ? n->n_dial : 1), sizeof *h->targets);
    if (!rc && !h->targets)
        rc = PX_ENOMEM;
    for (int i = 0; !rc && i < n->n_dial; i++) {
        h->targets[i].node = n->dial[i];
        memcpy(h->targets[i].key, w->nodes[n->dial[i]].me.pk, 32);
    }
    h->strip = n->idx == w->adv_node[3]; /* SIM_ADV_STRIP is bit 3 */
    h->liar = n->idx == w->adv_node[5];  /* SIM_ADV_LIAR is bit 5 */
    n->host = h;
    if (!rc)
        rc = px_ingest_feed_core(n->store, h->core, now);
    if (rc) {
        sim_host_stop(w, n);
        return rc;
    }
    sim_blobs_started(w, n); /* fetches it had not finished before a crash */
    drain(w, n);
    return PX_OK;
}

px_core *sim_host_core(sim_node *n)
{
    return n->host ? n->host->core : NULL;
}

void sim_host_kick(sim_world *w, sim_node *n)
{
    drain(w, n);
}

void sim_host_stop(sim_world *w, sim_node *n)
{
    sim_host *h = n->host;
    if (!h)
        return;
    /* Our ends of every connection go with the process. */
    for (size_t i = 0; i < w->n_conns; i++) {
        sim_conn *c = w->conns[i];
        for (int e = 0; c && e < 2; e++)
            if (c->end[e] == n->idx && c->peer[e]) {
                free_peer(h, c->peer[e]);
                c->peer[e] = NULL;
            }
    }
    for (size_t i = 0; i < h->n_pending; i++)
        px_ingest_job_free(h->pending[i].j);
    for (size_t i = 0; i < h->n_unit; i++)
        px_ingest_job_free(h->unit[i]);
    free(h->pending);
    free(h->targets);
    px_buf_free(&h->scratch);
    px_ingest_free(h->ig);
    px_core_free(h->core);
    free(h);
    n->host = NULL;
}

void sim_host_describe(const sim_world *w, const sim_node *n, char *out, size_t len)
{
    const sim_host *h = n->host;
    size_t k = 0;
    out[0] = 0;
    if (!h)
        return;
    int open = 0, paused = 0, ready = 0;
    for (const sim_peer *p = h->peers; p; p = p->next) {
        open++;
        paused += p->paused;
        ready += px_core_peer_ready(h->core, p->id);
    }
    px_core_progress pg;
    px_core_get_progress(h->core, now_ms(w, n), &pg);
    k += (size_t)snprintf(out + k, len - k,
                          "%d open peers (%d ready, %d paused), store %s, %zu jobs waiting (%zu "
                          "bytes), received %llu, remaining %llu; dials:",
                          open, ready, paused, h->busy ? "busy" : "idle", h->n_pending,
                          h->pending_bytes, (unsigned long long)pg.received,
                          (unsigned long long)pg.remaining);
    for (int i = 0; i < h->n_targets && k < len; i++) {
        const dial_target *t = &h->targets[i];
        k += (size_t)snprintf(out + k, len - k, " %d%s(f%u,next %+lld ms)", t->node,
                              t->active ? "*" : "", t->failures,
                              (long long)t->next_try_ms - (long long)now_ms(w, n));
    }
}

void sim_host_tree(const sim_world *w, const sim_node *n, uint64_t *prunes, uint64_t *grafts)
{
    if (!n->host)
        return;
    px_core_progress pg;
    px_core_get_progress(n->host->core, now_ms(w, n), &pg);
    *prunes += pg.prunes_sent;
    *grafts += pg.grafts_sent;
}

int sim_host_open_peers(const sim_node *n)
{
    int k = 0;
    for (const sim_peer *p = n->host ? n->host->peers : NULL; p; p = p->next)
        k++;
    return k;
}
