/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gossip.c — the replication core driven on libuv (see gossip.h).
 *
 * Layout: peers (core peer ids <-> connections); carrying out the core's
 * actions (drain); store jobs (prepared on the thread pool as they arrive,
 * then stored by one worker in arrival order, up to UNIT_JOBS_MAX per
 * transaction; the records index caught up when none waits); the inputs
 * node.c feeds in; progress.
 */
#include "gossip.h"

#include "core.h"
#include "crypto.h"
#include "error.h"
#include "ingest.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct px_gossip_peer {
    uint64_t id;
    px_conn *conn;
    bool dirty; /* sent something: report its queue to the core next turn */
    px_gossip_peer *prev, *next;
};

/* One store job: a PX_CORE_STORE action on its way through the pool. */
typedef struct sjob {
    px_gossip *g;
    px_ingest_job *ij;
    uv_work_t prep;
    bool preparing, prepared;
    uint64_t queued_ns;
    struct sjob *next;
} sjob;

enum { UNIT_JOBS_MAX = 32, PREPARE_AHEAD = 16 };

typedef struct work_unit {
    uv_work_t req;
    px_gossip *g;
    sjob *jobs[UNIT_JOBS_MAX];
    size_t n;
    bool index_only;
    size_t indexed;
    bool backlog_left;
    int rc;
    uint64_t work_ns;
} work_unit;

struct px_gossip {
    uv_loop_t *loop;
    px_local *local;
    px_core *core;
    px_ingest *ig;
    px_store *wstore;   /* the worker's own connection */
    bool index_backlog; /* replicated entries may wait to be indexed */
    px_gossip_peer *peers;
    uint64_t next_peer_id;
    sjob *queue_head, *queue_tail;
    size_t preparing;
    bool unit_running;
    bool draining;
    bool stopping;
    uv_timer_t wake;
    uv_idle_t resync;
    bool resync_active;
    px_buf scratch;
    void (*on_stored)(void *ctx, bool members_changed);
    void *on_stored_ctx;
    void (*on_ban)(void *ctx, const uint8_t key[32], uint64_t until_ms);
    void *on_ban_ctx;
    void (*blob_exec)(void *ctx, px_core *core, const px_core_action *a, uint64_t now);
    void *blob_ctx;
};

static void drain(px_gossip *g);
static void start_unit(px_gossip *g);
static void prepare_more(px_gossip *g);

/* --- peers ------------------------------------------------------------------------ */

static px_gossip_peer *find_peer(const px_gossip *g, uint64_t id)
{
    for (px_gossip_peer *p = g->peers; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

static void short_key(char out[17], const uint8_t pk[32])
{
    px_hex_encode(out, pk, 8);
}

/* --- store jobs --------------------------------------------------------------------- */

static void free_sjob(sjob *j)
{
    px_ingest_job_free(j->ij);
    free(j);
}

/* Thread pool: decode and verify, touching only the job. */
static void prepare_work(uv_work_t *req)
{
    sjob *j = req->data;
    px_ingest_prepare(j->ij);
}

static void prepare_done(uv_work_t *req, int status)
{
    sjob *j = req->data;
    px_gossip *g = j->g;
    (void)status;
    j->prepared = true;
    g->preparing--;
    prepare_more(g);
    start_unit(g);
}

/* Start preparing queued jobs, at most PREPARE_AHEAD ahead of the worker:
 * decoded batches take about twice their message's memory. */
static void prepare_more(px_gossip *g)
{
    size_t ahead = 0;
    for (sjob *j = g->queue_head; j && ahead < PREPARE_AHEAD; j = j->next) {
        ahead++;
        if (j->preparing || g->stopping)
            continue;
        j->preparing = true;
        if (uv_queue_work(g->loop, &j->prep, prepare_work, prepare_done) != 0) {
            /* cannot happen with a valid loop: the worker prepares it */
            j->prepared = true;
            continue;
        }
        g->preparing++;
    }
}

/* Thread pool: store a unit's jobs in one transaction, or index part of
 * the backlog. Touches only the unit's jobs and the worker's ingester. */
static void unit_work(uv_work_t *req)
{
    work_unit *w = req->data;
    px_gossip *g = w->g;
    uint64_t t0 = px_mono_ns();
    if (w->index_only) {
        w->rc = px_ingest_index_backlog(g->ig, &w->indexed, &w->backlog_left);
    } else {
        px_ingest_job *ij[UNIT_JOBS_MAX];
        for (size_t i = 0; i < w->n; i++)
            ij[i] = w->jobs[i]->ij;
        w->rc = px_ingest_run(g->ig, ij, w->n, px_now_ms());
    }
    w->work_ns = px_mono_ns() - t0;
}

static void unit_done(uv_work_t *req, int status)
{
    work_unit *w = req->data;
    px_gossip *g = w->g;
    (void)status;
    g->unit_running = false;
    uint64_t now = px_now_ms();
    bool members_changed = false, stored = false;
    if (w->index_only) {
        g->index_backlog = w->rc == PX_OK && w->backlog_left;
        if (w->rc)
            px_warn("gossip", "cannot index replicated entries: %s", px_err_message(w->rc));
        else if (w->indexed)
            px_debug("gossip", "indexed %zu replicated entries", w->indexed);
    } else {
        g->index_backlog = g->local->feed.index != NULL;
        bool forks = false;
        for (size_t i = 0; i < w->n; i++)
            forks |= px_ingest_outcome(w->jobs[i]->ij)->forks > 0;
        /* New fork proofs first, so the core can pass them on. */
        if (forks && px_ingest_feed_core(g->local->store, g->core, now) != PX_OK)
            px_warn("gossip", "cannot read fork proofs: %s", px_err_message(PX_ESTORE));
        for (size_t i = 0; i < w->n; i++) {
            const px_core_outcome *o = px_ingest_outcome(w->jobs[i]->ij);
            px_debug("gossip",
                     "stored a batch of %zu (%zu new) in a unit of %zu taking %.1f ms, "
                     "%.1f ms after it arrived",
                     o->entries, o->added, w->n, (double)w->work_ns / 1e6,
                     (double)(px_mono_ns() - w->jobs[i]->queued_ns) / 1e6);
            members_changed |= o->members_changed;
            stored |= o->added > 0 || o->released > 0;
            px_core_stored(g->core, px_ingest_job_id(w->jobs[i]->ij), o, now);
            free_sjob(w->jobs[i]);
        }
    }
    free(w);
    if ((stored || members_changed) && g->on_stored)
        g->on_stored(g->on_stored_ctx, members_changed);
    start_unit(g);
    drain(g);
}

/* Give the worker the next unit: up to UNIT_JOBS_MAX prepared jobs in
 * arrival order, or, when none waits, part of the index backlog. */
static void start_unit(px_gossip *g)
{
    if (g->unit_running || g->stopping)
        return;
    if (g->queue_head && !g->queue_head->prepared)
        return; /* the next batch is still being verified */
    if (!g->queue_head && !g->index_backlog)
        return;
    work_unit *w = calloc(1, sizeof *w);
    if (!w)
        return;
    w->g = g;
    w->req.data = w;
    w->index_only = g->queue_head == NULL;
    while (w->n < UNIT_JOBS_MAX && g->queue_head && g->queue_head->prepared) {
        sjob *j = g->queue_head;
        g->queue_head = j->next;
        j->next = NULL;
        w->jobs[w->n++] = j;
    }
    if (!g->queue_head)
        g->queue_tail = NULL;
    prepare_more(g); /* the next batches, while these are stored */
    g->unit_running = true;
    if (uv_queue_work(g->loop, &w->req, unit_work, unit_done) != 0) {
        g->unit_running = false;
        for (size_t i = 0; i < w->n; i++)
            free_sjob(w->jobs[i]); /* the core counts them outstanding; a stop follows */
        free(w);
    }
}

static void queue_store(px_gossip *g, px_core_action *a)
{
    if (g->stopping)
        return;
    sjob *j = calloc(1, sizeof *j);
    px_ingest_job *ij = NULL;
    int rc =
        j ? px_ingest_job_new(a->job, a->kind, a->bytes, a->len, a->members_hint, &ij) : PX_ENOMEM;
    if (!j)
        free(a->bytes);
    a->bytes = NULL; /* taken over by the job */
    if (rc) {
        free(j);
        px_warn("gossip", "cannot queue a received batch: %s", px_err_message(rc));
        return;
    }
    j->g = g;
    j->ij = ij;
    j->prep.data = j;
    j->queued_ns = px_mono_ns();
    if (a->kind == PX_CORE_JOB_RELEASE)
        j->prepared = j->preparing = true; /* nothing to decode */
    if (g->queue_tail)
        g->queue_tail->next = j;
    else
        g->queue_head = j;
    g->queue_tail = j;
    prepare_more(g);
    start_unit(g);
}

/* --- the core's actions ------------------------------------------------------------ */

static void on_wake(uv_timer_t *t)
{
    px_gossip *g = t->data;
    px_core_tick(g->core, px_now_ms());
    drain(g);
}

/* Next loop turn: tell the core how full the queues of the peers we sent
 * to are (libuv writes what it can at once). One round of sending per peer
 * per turn keeps the loop responsive during a bulk sync. */
static void on_resync(uv_idle_t *h)
{
    px_gossip *g = h->data;
    uv_idle_stop(&g->resync);
    g->resync_active = false;
    uint64_t now = px_now_ms();
    for (px_gossip_peer *p = g->peers; p; p = p->next)
        if (p->dirty) {
            p->dirty = false;
            px_core_peer_queued(g->core, p->id, px_conn_queued(p->conn), now);
        }
    drain(g);
}

static void execute(px_gossip *g, px_core_action *a)
{
    px_gossip_peer *p = a->peer ? find_peer(g, a->peer) : NULL;
    uint64_t now = px_now_ms();
    switch (a->type) {
    case PX_CORE_SEND:
        if (p) {
            int rc = px_conn_send(p->conn, a->bytes, a->len);
            if (rc)
                px_conn_close(p->conn, rc);
            p->dirty = true;
            if (!g->resync_active && !g->stopping) {
                g->resync_active = true;
                uv_idle_start(&g->resync, on_resync);
            }
        }
        break;
    case PX_CORE_CLOSE:
        if (p)
            px_conn_close(p->conn, a->rc);
        break;
    case PX_CORE_PAUSE:
        if (p)
            px_conn_pause(p->conn);
        break;
    case PX_CORE_RESUME:
        if (p)
            px_conn_resume(p->conn);
        break;
    case PX_CORE_WAKE:
        if (!g->stopping)
            uv_timer_start(&g->wake, on_wake, a->at_ms > now ? a->at_ms - now : 0, 0);
        break;
    case PX_CORE_STORE:
        queue_store(g, a);
        break;
    case PX_CORE_LOAD:
        /* Reads of our own store stay on the loop, as a batch is at most
         * 256 entries or about 512 KiB. */
        px_ingest_answer_load(g->local->store, g->core, a, &g->scratch, now);
        break;
    case PX_CORE_LOAD_BODIES:
        px_ingest_load_bodies(g->local->store, g->core, a, now);
        break;
    case PX_CORE_READY:
        if (p) {
            char k[17];
            short_key(k, px_conn_peer_pk(p->conn));
            px_info("node", "connected to %s at %s (%s, %s)", k, px_conn_addr(p->conn),
                    px_conn_is_outbound(p->conn) ? "outbound" : "inbound",
                    px_core_peer_software(g->core, p->id));
        }
        break;
    case PX_CORE_BAN:
        if (g->on_ban)
            g->on_ban(g->on_ban_ctx, a->key, a->until_ms);
        break;
    case PX_CORE_WATCH: /* blob chunks are sent while the queue is short */
        if (p && px_conn_queued(p->conn) < a->len)
            px_core_peer_queued(g->core, p->id, px_conn_queued(p->conn), now);
        else if (p)
            px_conn_watch_drain(p->conn, a->len);
        break;
    case PX_CORE_BLOB_PUT_MANIFEST:
    case PX_CORE_BLOB_PUT_CHUNK:
    case PX_CORE_BLOB_LOOKUP:
    case PX_CORE_BLOB_SERVE:
    case PX_CORE_BLOB_DONE:
        if (g->blob_exec && !g->stopping)
            g->blob_exec(g->blob_ctx, g->core, a, now);
        break;
    }
}

/* Carry out what the core asked for. Inputs given while draining (answers
 * to loads) append to the same queue, which this loop empties. */
static void drain(px_gossip *g)
{
    if (g->draining)
        return;
    g->draining = true;
    px_core_action a;
    while (px_core_next_action(g->core, &a)) {
        execute(g, &a);
        px_core_action_release(&a);
    }
    g->draining = false;
}

/* --- life ---------------------------------------------------------------------------- */

int px_gossip_new(uv_loop_t *loop, px_local *local, uint64_t seed, uint64_t hello_timeout_ms,
                  uint64_t blob_max_size, px_gossip **out)
{
    *out = NULL;
    px_gossip *g = calloc(1, sizeof *g);
    if (!g)
        return PX_ENOMEM;
    g->loop = loop;
    g->local = local;
    uint64_t now = px_now_ms();
    px_core_cfg cc = {
        .me = local->me.pk,
        .network_id = local->genesis.network_id,
        .members = &local->members,
        .seed = seed,
        .now_ms = now,
        .hello_timeout_ms = hello_timeout_ms,
        .blob_max_size = blob_max_size,
    };
    int rc = px_store_open(local->paths.store, &g->wstore);
    if (!rc) {
        px_ingest_cfg ic = {
            .store = g->wstore,
            .feed = local->feed,
            .root = local->genesis.root,
            .me = local->me.pk,
            /* Replication stores entries flagged unindexed and indexes them
             * when no received batch waits: the index is derived data, and
             * keeping it off the critical path keeps a bulk sync bounded by
             * checks and inserts. */
            .defer_index = true,
        };
        rc = px_ingest_new(&ic, &g->ig);
    }
    if (!rc)
        rc = px_core_new(&cc, &g->core);
    if (!rc)
        rc = px_ingest_feed_core(local->store, g->core, now);
    if (rc) {
        px_core_free(g->core);
        px_ingest_free(g->ig);
        px_store_close(g->wstore);
        free(g);
        return rc;
    }
    g->index_backlog = local->feed.index != NULL; /* a previous run may have left some */
    uv_timer_init(loop, &g->wake);
    g->wake.data = g;
    uv_idle_init(loop, &g->resync);
    g->resync.data = g;
    *out = g;
    drain(g); /* the first wake */
    start_unit(g);
    return PX_OK;
}

void px_gossip_stop(px_gossip *g)
{
    if (!g || g->stopping)
        return;
    g->stopping = true;
    uv_close((uv_handle_t *)&g->wake, NULL);
    uv_close((uv_handle_t *)&g->resync, NULL);
}

void px_gossip_free(px_gossip *g)
{
    if (!g)
        return;
    for (sjob *j = g->queue_head; j;) {
        sjob *next = j->next;
        free_sjob(j);
        j = next;
    }
    for (px_gossip_peer *p = g->peers; p;) {
        px_gossip_peer *next = p->next;
        free(p);
        p = next;
    }
    px_core_free(g->core);
    px_ingest_free(g->ig);
    px_store_close(g->wstore);
    px_buf_free(&g->scratch);
    free(g);
}

/* --- inputs ------------------------------------------------------------------------ */

bool px_gossip_admits(px_gossip *g, const uint8_t pk[32])
{
    return px_core_admits(g->core, pk, px_now_ms());
}

px_gossip_peer *px_gossip_peer_open(px_gossip *g, px_conn *c)
{
    px_gossip_peer *p = calloc(1, sizeof *p);
    if (!p) {
        px_conn_close(c, PX_ENOMEM);
        return NULL;
    }
    p->conn = c;
    p->id = ++g->next_peer_id;
    p->next = g->peers;
    if (g->peers)
        g->peers->prev = p;
    g->peers = p;
    if (px_core_peer_open(g->core, p->id, px_conn_peer_pk(c), px_conn_is_outbound(c),
                          px_now_ms()) != PX_OK)
        px_conn_close(c, PX_ENOMEM);
    drain(g);
    return p;
}

void px_gossip_peer_closed(px_gossip *g, px_gossip_peer *p, int rc)
{
    if (!p)
        return;
    if (p->prev)
        p->prev->next = p->next;
    else
        g->peers = p->next;
    if (p->next)
        p->next->prev = p->prev;
    px_core_peer_closed(g->core, p->id, rc, px_now_ms());
    free(p);
    drain(g);
}

void px_gossip_on_message(px_gossip *g, px_gossip_peer *p, const uint8_t *msg, size_t len)
{
    px_core_peer_message(g->core, p->id, msg, len, px_now_ms());
    drain(g);
}

void px_gossip_on_drain(px_gossip *g, px_gossip_peer *p)
{
    p->dirty = false;
    px_core_peer_queued(g->core, p->id, px_conn_queued(p->conn), px_now_ms());
    drain(g);
}

bool px_gossip_peer_ready(const px_gossip *g, const px_gossip_peer *p)
{
    return p && px_core_peer_ready(g->core, p->id);
}

const char *px_gossip_peer_software(const px_gossip *g, const px_gossip_peer *p)
{
    const char *s = p ? px_core_peer_software(g->core, p->id) : NULL;
    return s ? s : "";
}

void px_gossip_local_changed(px_gossip *g)
{
    if (px_ingest_feed_core(g->local->store, g->core, px_now_ms()) != PX_OK)
        px_warn("gossip", "cannot read our feeds' heads: %s", px_err_message(PX_ESTORE));
    drain(g);
}

void px_gossip_on_stored(px_gossip *g, void (*fn)(void *ctx, bool members_changed), void *ctx)
{
    g->on_stored = fn;
    g->on_stored_ctx = ctx;
}

void px_gossip_on_blob(px_gossip *g,
                       void (*exec)(void *ctx, px_core *core, const px_core_action *a,
                                    uint64_t now),
                       void *ctx)
{
    g->blob_exec = exec;
    g->blob_ctx = ctx;
}

px_core *px_gossip_core(px_gossip *g)
{
    return g->core;
}

void px_gossip_kick(px_gossip *g)
{
    drain(g);
}

uint64_t px_gossip_now(void)
{
    return px_now_ms();
}

void px_gossip_on_ban(px_gossip *g, void (*fn)(void *ctx, const uint8_t key[32], uint64_t until_ms),
                      void *ctx)
{
    g->on_ban = fn;
    g->on_ban_ctx = ctx;
}

void px_gossip_members_changed(px_gossip *g, bool behind_worker)
{
    px_core_members_changed(g->core, behind_worker, px_now_ms());
    drain(g);
}

uint64_t px_gossip_banned_until(const px_gossip *g, const uint8_t key[32])
{
    return px_core_banned_until(g->core, key);
}

json_t *px_gossip_bans(const px_gossip *g)
{
    json_t *bans = json_array();
    for (size_t i = 0; i < px_core_n_bans(g->core); i++) {
        const px_core_ban *b = px_core_ban_at(g->core, i);
        char key[65];
        px_hex_encode(key, b->key, 32);
        json_array_append_new(bans, json_pack("{s:s, s:i, s:I, s:s}", "public_key", key, "offences",
                                              (int)b->offences, "refused_until_ms",
                                              (json_int_t)b->until_ms, "last_offence",
                                              px_strerror(b->last_rc)));
    }
    return bans;
}

/* --- progress ---------------------------------------------------------------------- */

json_t *px_gossip_progress(px_gossip *g)
{
    px_core_progress pr;
    px_core_get_progress(g->core, px_now_ms(), &pr);
    bool busy = pr.busy || g->queue_head != NULL || g->unit_running;
    uint64_t unindexed = 0;
    if (g->local->feed.index && px_store_unindexed_count(g->local->store, &unindexed) != PX_OK)
        unindexed = 0;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:s, s:I, s:I, s:I, s:I, s:b}",
                     "received", (json_int_t)pr.received, "duplicates", (json_int_t)pr.duplicates,
                     "batches", (json_int_t)pr.batches, "signature_checks",
                     (json_int_t)pr.sig_checks, "bodies_filled", (json_int_t)pr.bodies_filled,
                     "peers_synced", pr.peers_synced, "remaining", (json_int_t)pr.remaining,
                     "remaining_basis", "estimate from delivering peers' claims", "unconfirmed",
                     (json_int_t)pr.unconfirmed, "bodies_wanted", (json_int_t)pr.bodies_wanted,
                     "queued_bytes", (json_int_t)pr.queued_bytes, "unindexed",
                     (json_int_t)unindexed, "busy", busy || unindexed > 0);
}

int px_gossip_peers_holding(const px_gossip *g, const uint8_t author[32], uint64_t seq)
{
    return px_core_peers_holding(g->core, author, seq);
}
