/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobnet.c — blob transfers in praxisd (see blobnet.h): the executor of
 * the replication core's blob storage actions (PX_CORE_BLOB_*; the
 * protocol itself runs in replication/core.c and blobxfer.c).
 *
 * Layout: the state; the workers (manifests and chunks written off the
 * loop); carrying out the core's blob actions; lifecycle; control. Chunks
 * asked of this node are read and verified off the loop too, by
 * blobserve.c's worker.
 *
 * Two lanes of work, each a worker with its own store connection, one
 * batch at a time: the chunk lane checks chunks' hashes and writes their
 * bytes (it only reads SQLite); the store lane does what writes SQLite —
 * manifests, the syncs that make written chunks durable and held, the keep
 * sweeps. With one lane a sync (an fdatasync and a commit, 10-20 ms) held
 * up the chunks behind it, the fetch's store backlog filled and requests
 * stopped; in two, chunks are written while the last ones are synced. A
 * sync only ever names chunks already written, so the lanes need no other
 * order between them.
 */
#include "blobnet.h"

#include "blobserve.h"
#include "core.h"
#include "gossip.h"
#include "error.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum {
    BATCH_MAX = 16,   /* items a lane takes in one go (a chunk run: 1 MiB) */
    RESULTS_MAX = 32, /* finished fetches remembered for status */
    TIMEOUT_DEFAULT = 30000,
    TIMEOUT_MAX = 600000,
    /* A keep sweep scans the keepers' case records for every blob not kept
     * yet: during a bulk sync, one every few seconds is plenty. */
    SWEEP_EVERY_MS = 5000,
    /* Chunks are written as they come and made durable in batches: a sync
     * (fdatasync, then the bitmap in one transaction) once this many are
     * written, or this long after the first of them. Until then they do not
     * count as held (after a crash they are fetched again). */
    SYNC_CHUNKS = 128,
    SYNC_MS = 40,
};

/* A chunk written, not yet durable. */
typedef struct unsynced {
    uint8_t id[32];
    uint32_t index;
    int rc;
} unsynced;

/* Something for the worker to write. */
enum { KEEPERS_MAX = 64 };

typedef struct item {
    struct item *next;
    bool manifest;
    bool sweep;             /* mark kept the blobs held that the keepers' records attach */
    bool sync;              /* make the chunks in data (unsynced[len]) durable */
    size_t marked;          /* sweep: how many it marked */
    uint8_t (*keepers)[32]; /* manifest, sweep: whose records' attachments are kept */
    size_t n_keepers;
    uint8_t id[32];
    uint32_t index;
    int rc;
    char why[200];
    size_t len;
    /* A chunk's bytes: aligned (PX_BLOB_DIRECT_ALIGN), so the store writes
     * them with O_DIRECT; the other items carry theirs in data. */
    uint8_t *chunk;
    uint8_t data[];
} item;

static void item_free(item *it)
{
    free(it->keepers);
    free(it->chunk);
    free(it);
}

typedef struct result {
    bool used;
    uint8_t id[32];
    int rc;
    char why[200];
    uint64_t started, at; /* loop ms: the fetch asked for, and ended */
} result;

/* A worker and the items waiting for it. */
typedef struct lane {
    px_blobnet *b;
    px_store *store; /* its own connection, used by its worker only */
    px_blobs *blobs;
    item *pending, **pending_tail;
    item *batch; /* being worked on */
    bool busy;
    uv_work_t work;
} lane;

enum { LANE_CHUNKS, LANE_STORE, LANES };

struct px_blobnet {
    uv_loop_t *loop;
    px_local *local;
    px_blobs *blobs; /* loop thread: reads */
    lane lanes[LANES];
    px_gossip *gossip;
    px_core *core; /* the replication core, which runs the protocol */
    bool stopping;
    uv_timer_t sweep_timer; /* the keep sweep, at most every SWEEP_EVERY_MS */
    bool sweep_open, sweep_armed, swept;
    uint64_t last_sweep;
    uv_timer_t sync_timer; /* the sync of chunks written, SYNC_MS after the first */
    bool sync_open, sync_armed;
    unsynced *unsynced; /* chunks written, not in a sync item yet */
    size_t n_unsynced, cap_unsynced;
    px_blobserve *srv; /* chunks read for peers, off the loop */
    result results[RESULTS_MAX];
    size_t next_result;
    uint64_t fetches;
};

static void sweep_soon(px_blobnet *b);

/* --- the workers ------------------------------------------------------------ */

static void work_cb(uv_work_t *w)
{
    lane *l = w->data;
    px_blobs *blobs = l->blobs;
    for (item *it = l->batch; it;) {
        if (it->sweep) {
            it->rc = px_blob_keep_attached(blobs, (const uint8_t(*)[32])it->keepers, it->n_keepers,
                                           &it->marked);
            if (it->rc)
                snprintf(it->why, sizeof it->why, "%s", px_err_message(it->rc));
            it = it->next;
            continue;
        }
        if (it->sync) { /* one sync and one transaction per blob */
            unsynced *u = (unsynced *)(void *)it->data;
            size_t n = it->len;
            uint32_t *index = malloc(n * sizeof *index);
            int *rcs = malloc(n * sizeof *rcs);
            bool *done = calloc(n, 1);
            for (size_t k = 0; k < n; k++)
                u[k].rc = PX_ENOMEM;
            for (size_t k = 0; index && rcs && done && k < n; k++) {
                if (done[k])
                    continue;
                size_t m = 0;
                for (size_t j = k; j < n; j++)
                    if (!done[j] && memcmp(u[j].id, u[k].id, 32) == 0)
                        index[m++] = u[j].index;
                px_blob_record_chunks(blobs, u[k].id, m, index, rcs);
                m = 0;
                for (size_t j = k; j < n; j++)
                    if (!done[j] && memcmp(u[j].id, u[k].id, 32) == 0) {
                        u[j].rc = rcs[m++];
                        done[j] = true;
                    }
            }
            free(index);
            free(rcs);
            free(done);
            it = it->next;
            continue;
        }
        if (it->manifest) {
            /* The quota per author first (nothing is recorded for a blob
             * refused); attachments of our own records and of the
             * secretariat's are never refused, and kept within the quota
             * of the keeper that attaches them. */
            px_blob_manifest m;
            bool keep = false;
            it->rc = px_blob_manifest_decode(it->data, it->len, PX_BLOB_MAX_LIMIT, &m);
            if (!it->rc)
                it->rc = px_blob_quota_check(
                    blobs, it->id, m.size, (const uint8_t(*)[32])it->keepers, it->n_keepers, &keep);
            px_blob_manifest_free(&m);
            if (!it->rc)
                it->rc = px_blob_put_manifest(blobs, it->id, it->data, it->len);
            if (!it->rc && keep) /* a keeper attaches it: kept within its quota */
                px_blob_keep_for(blobs, it->id, (const uint8_t(*)[32])it->keepers, it->n_keepers,
                                 NULL);
            if (it->rc)
                snprintf(it->why, sizeof it->why, "%s", px_err_message(it->rc));
            it = it->next;
            continue;
        }
        /* A run of chunks of one blob: one write, one sync, one commit. */
        uint32_t index[BATCH_MAX];
        const uint8_t *data[BATCH_MAX];
        size_t len[BATCH_MAX];
        int rcs[BATCH_MAX];
        item *run_items[BATCH_MAX];
        size_t n = 0;
        item *j = it;
        while (j && !j->manifest && !j->sweep && !j->sync && n < BATCH_MAX &&
               memcmp(j->id, it->id, 32) == 0) {
            index[n] = j->index;
            data[n] = j->chunk;
            len[n] = j->len;
            run_items[n++] = j;
            j = j->next;
        }
        /* Each chunk's hash is checked here, against the manifest of this id
         * (the core checked only its length, to keep BLAKE2b off the loop);
         * one that does not match is not written, and its PX_EHASH goes back
         * to the core, which closes the peer that sent it. Written only: a
         * sync item makes them durable and held. */
        px_blob_write_chunks(blobs, it->id, n, index, data, len, false, rcs);
        for (size_t k = 0; k < n; k++) {
            run_items[k]->rc = rcs[k];
            if (rcs[k])
                snprintf(run_items[k]->why, sizeof run_items[k]->why, "%s", px_err_message(rcs[k]));
        }
        it = j;
    }
}

static void kick_worker(px_blobnet *b);
static void submit(px_blobnet *b, item *it);
static void queue_sync(px_blobnet *b);
static void on_sync_timer(uv_timer_t *t);

/* Chunk index of id is written: it waits for the next sync. */
static void note_written(px_blobnet *b, const uint8_t id[32], uint32_t index)
{
    if (b->n_unsynced == b->cap_unsynced) {
        size_t cap = b->cap_unsynced ? 2 * b->cap_unsynced : SYNC_CHUNKS;
        unsynced *v = realloc(b->unsynced, cap * sizeof *v);
        if (!v) { /* out of memory: the chunk is fetched again */
            px_core_blob_chunk_stored(b->core, id, index, PX_ENOMEM, px_gossip_now());
            return;
        }
        b->unsynced = v;
        b->cap_unsynced = cap;
    }
    unsynced *u = &b->unsynced[b->n_unsynced++];
    memcpy(u->id, id, 32);
    u->index = index;
    u->rc = PX_OK;
    px_core_blob_chunk_written(b->core, id, index, px_gossip_now());
    /* The blob's last chunk written: made durable now, not SYNC_MS later. */
    px_bx_status st;
    px_core_blob_status(b->core, id, &st);
    if (st.active && st.have_manifest && st.held + st.written == st.chunks)
        queue_sync(b);
}

static void after_work_cb(uv_work_t *w, int status)
{
    lane *l = w->data;
    px_blobnet *b = l->b;
    (void)status;
    item *batch = l->batch;
    l->batch = NULL;
    l->busy = false;
    uint64_t now = px_gossip_now();
    for (item *it = batch; it;) {
        item *next = it->next;
        if (it->sweep) {
            if (it->rc)
                px_warn("blob", "cannot mark the attachments of kept records: %s", it->why);
            else if (it->marked)
                px_info("blob",
                        "%zu blob(s) held are now kept: records this node keeps attach them",
                        it->marked);
        } else if (!b->stopping) {
            if (it->rc)
                px_err_set(it->rc, "%s", it->why);
            if (it->manifest) {
                px_core_blob_manifest_stored(b->core, it->id, it->rc, now);
            } else if (it->sync) {
                const unsynced *u = (const unsynced *)(const void *)it->data;
                for (size_t k = 0; k < it->len; k++) {
                    if (u[k].rc)
                        px_err_set(u[k].rc, "%s", px_err_message(u[k].rc));
                    px_core_blob_chunk_stored(b->core, u[k].id, u[k].index, u[k].rc, now);
                }
            } else if (it->rc) {
                px_core_blob_chunk_stored(b->core, it->id, it->index, it->rc, now);
            } else {
                note_written(b, it->id, it->index);
            }
        }
        item_free(it);
        it = next;
    }
    if (b->n_unsynced >= SYNC_CHUNKS) {
        queue_sync(b);
    } else if (b->n_unsynced && b->sync_open && !b->sync_armed && !b->stopping) {
        b->sync_armed = true;
        uv_timer_start(&b->sync_timer, on_sync_timer, SYNC_MS, 0);
    }
    kick_worker(b);
    if (!b->stopping)
        px_gossip_kick(b->gossip); /* what the answers caused */
}

/* Hand the chunks written so far to the worker to make durable. */
static void queue_sync(px_blobnet *b)
{
    if (b->sync_armed) {
        uv_timer_stop(&b->sync_timer);
        b->sync_armed = false;
    }
    if (!b->n_unsynced || b->stopping)
        return;
    size_t n = b->n_unsynced;
    item *it = malloc(sizeof *it + n * sizeof(unsynced));
    if (!it) { /* out of memory: they are fetched again */
        for (size_t k = 0; k < n; k++)
            px_core_blob_chunk_stored(b->core, b->unsynced[k].id, b->unsynced[k].index, PX_ENOMEM,
                                      px_gossip_now());
        b->n_unsynced = 0;
        px_gossip_kick(b->gossip);
        return;
    }
    memset(it, 0, sizeof *it);
    it->sync = true;
    it->len = n;
    memcpy(it->data, b->unsynced, n * sizeof(unsynced));
    b->n_unsynced = 0;
    submit(b, it);
}

static void on_sync_timer(uv_timer_t *t)
{
    px_blobnet *b = t->data;
    b->sync_armed = false;
    queue_sync(b);
}

static void kick_lane(px_blobnet *b, lane *l)
{
    if (l->busy || !l->pending || b->stopping)
        return;
    item **tail = &l->batch;
    for (size_t k = 0; k < BATCH_MAX && l->pending; k++) {
        item *it = l->pending;
        l->pending = it->next;
        it->next = NULL;
        *tail = it;
        tail = &it->next;
    }
    if (!l->pending)
        l->pending_tail = &l->pending;
    l->busy = true;
    l->work.data = l;
    if (uv_queue_work(b->loop, &l->work, work_cb, after_work_cb) != 0) {
        l->busy = false; /* cannot happen with a live loop; the items are dropped */
        while (l->batch) {
            item *it = l->batch;
            l->batch = it->next;
            item_free(it);
        }
    }
}

static void kick_worker(px_blobnet *b)
{
    for (size_t i = 0; i < LANES; i++)
        kick_lane(b, &b->lanes[i]);
}

/* Queue it on its lane: chunk bytes on the chunk lane, the rest (what
 * writes SQLite) on the store lane. */
static void submit(px_blobnet *b, item *it)
{
    bool chunk = !it->manifest && !it->sweep && !it->sync;
    lane *l = &b->lanes[chunk ? LANE_CHUNKS : LANE_STORE];
    *l->pending_tail = it;
    l->pending_tail = &it->next;
    kick_lane(b, l);
}

/* The keys whose records' attachments this node keeps (and does not charge
 * to a quota): its own, the root's, the secretariat's, as members say now. */
static void set_keepers(px_blobnet *b, item *it)
{
    if ((it->keepers = calloc(KEEPERS_MAX, 32)) == NULL)
        return;
    const px_members *m = &b->local->members;
    memcpy(it->keepers[it->n_keepers++], b->local->me.pk, 32);
    memcpy(it->keepers[it->n_keepers++], b->local->genesis.root, 32);
    for (size_t i = 0; i < m->n && it->n_keepers < KEEPERS_MAX; i++)
        if (m->v[i].role == PX_ROLE_SECRETARIAT || m->v[i].role == PX_ROLE_ROOT)
            memcpy(it->keepers[it->n_keepers++], m->v[i].key, 32);
}

static void enqueue(px_blobnet *b, bool manifest, const uint8_t id[32], uint32_t index,
                    const uint8_t *data, size_t len)
{
    item *it = malloc(sizeof *it + (manifest ? len : 0));
    if (!it)
        return; /* the protocol asks again after its timeout */
    memset(it, 0, sizeof *it);
    if (!manifest) {
        void *p = NULL;
        size_t room =
            (len + PX_BLOB_DIRECT_ALIGN - 1) / PX_BLOB_DIRECT_ALIGN * PX_BLOB_DIRECT_ALIGN;
        if (posix_memalign(&p, PX_BLOB_DIRECT_ALIGN, room ? room : PX_BLOB_DIRECT_ALIGN) != 0) {
            free(it);
            return; /* as above */
        }
        it->chunk = p;
        if (len)
            memcpy(it->chunk, data, len);
    }
    it->manifest = manifest;
    memcpy(it->id, id, 32);
    it->index = index;
    it->len = len;
    if (manifest && len)
        memcpy(it->data, data, len);
    if (manifest)
        set_keepers(b, it);
    submit(b, it);
}

/* --- carrying out the core's blob actions ----------------------------------------- */

static void remember(px_blobnet *b, const uint8_t id[32], int rc, const char *why)
{
    result *r = NULL;
    for (size_t i = 0; i < RESULTS_MAX && !r; i++)
        if (b->results[i].used && memcmp(b->results[i].id, id, 32) == 0)
            r = &b->results[i];
    if (!r) {
        r = &b->results[b->next_result];
        b->next_result = (b->next_result + 1) % RESULTS_MAX;
    }
    if (!r->used || memcmp(r->id, id, 32) != 0)
        r->started = 0;
    r->used = true;
    memcpy(r->id, id, 32);
    r->rc = rc;
    snprintf(r->why, sizeof r->why, "%s", why);
    r->at = uv_now(b->loop);
}

static result *result_of(px_blobnet *b, const uint8_t id[32])
{
    for (size_t i = 0; i < RESULTS_MAX; i++)
        if (b->results[i].used && memcmp(b->results[i].id, id, 32) == 0)
            return &b->results[i];
    return NULL;
}

/* A chunk the core serves: read (and verified) by blobserve's worker, then
 * handed back by served(). Out of memory: answered as not held (the
 * requester asks another peer). */
static void serve(px_blobnet *b, uint64_t peer, const uint8_t id[32], uint32_t index, uint64_t now)
{
    if (px_blobserve_request(b->srv, peer, id, index) != PX_OK) {
        px_err_clear();
        px_core_blob_serve(b->core, peer, id, index, NULL, 0, now);
    }
}

/* blobserve's callback, on the loop: the chunk, or NULL when it is not
 * held here (any more). The core sends it (a peer closed meanwhile is
 * ignored there); the drain carries out what follows. */
static void served(void *ctx, uint64_t peer, const uint8_t id[32], uint32_t index,
                   const uint8_t *data, size_t len)
{
    px_blobnet *b = ctx;
    if (b->stopping)
        return;
    px_core_blob_serve(b->core, peer, id, index, data, len, px_gossip_now());
    px_gossip_kick(b->gossip);
}

static void lookup(px_blobnet *b, const px_core_action *a, uint64_t now)
{
    px_buf m = {0}, have = {0};
    bool found = px_blob_state(b->blobs, a->blob, &m, &have) == PX_OK;
    px_err_clear();
    px_core_blob_looked_up(b->core, a->peer, a->blob, a->hops, found ? m.data : NULL, m.len,
                           have.data, have.len, now);
    px_buf_free(&m);
    px_buf_free(&have);
}

/* gossip.c's drain hands each PX_CORE_BLOB_* action here. */
static void execute(void *ctx, px_core *core, const px_core_action *a, uint64_t now)
{
    px_blobnet *b = ctx;
    (void)core;
    if (b->stopping)
        return;
    switch (a->type) {
    case PX_CORE_BLOB_PUT_MANIFEST:
        enqueue(b, true, a->blob, 0, a->bytes, a->len);
        break;
    case PX_CORE_BLOB_PUT_CHUNK:
        enqueue(b, false, a->blob, a->index, a->bytes, a->len);
        break;
    case PX_CORE_BLOB_LOOKUP:
        lookup(b, a, now);
        break;
    case PX_CORE_BLOB_SERVE:
        serve(b, a->peer, a->blob, a->index, now);
        break;
    case PX_CORE_BLOB_DONE: {
        char hex[PX_ID_HEX], why[200];
        snprintf(why, sizeof why, "%.*s", (int)a->len, a->bytes ? (const char *)a->bytes : "");
        remember(b, a->blob, a->rc, why);
        if (a->rc)
            px_info("blob", "fetching blob %.16s failed: %s", px_id_hex(hex, a->blob), why);
        else
            px_info("blob", "blob %.16s fetched", px_id_hex(hex, a->blob));
        break;
    }
    default:
        break;
    }
}

/* --- lifecycle ---------------------------------------------------------------------- */

int px_blobnet_new(uv_loop_t *loop, px_local *local, const px_blob_limits *limits,
                   px_gossip *gossip, px_blobnet **out)
{
    px_blobnet *b = calloc(1, sizeof *b);
    if (!b)
        return px_err_set(PX_ENOMEM, "out of memory");
    b->loop = loop;
    b->local = local;
    b->gossip = gossip;
    b->core = px_gossip_core(gossip);
    int rc = px_blobs_open(&b->blobs, local->store, local->paths.dir, limits);
    for (size_t i = 0; i < LANES; i++) {
        lane *l = &b->lanes[i];
        l->b = b;
        l->pending_tail = &l->pending;
        if (!rc)
            rc = px_store_open(local->paths.store, &l->store);
        if (!rc)
            rc = px_blobs_open(&l->blobs, l->store, local->paths.dir, limits);
    }
    if (!rc)
        rc = px_blobserve_new(loop, local->paths.store, local->paths.dir, limits, served, b,
                              &b->srv);
    if (!rc && uv_timer_init(loop, &b->sweep_timer) == 0) {
        b->sweep_timer.data = b;
        b->sweep_open = true;
    }
    if (!rc && uv_timer_init(loop, &b->sync_timer) == 0) {
        b->sync_timer.data = b;
        b->sync_open = true;
    }
    if (rc) {
        px_blobnet_free(b);
        return rc;
    }
    *out = b;
    px_gossip_on_blob(gossip, execute, b);
    sweep_soon(b); /* records that arrived while it was not running */
    return PX_OK;
}

void px_blobnet_stop(px_blobnet *b)
{
    if (!b || b->stopping)
        return;
    b->stopping = true;
    px_blobserve_stop(b->srv);
    if (b->sweep_open) {
        uv_timer_stop(&b->sweep_timer);
        uv_close((uv_handle_t *)&b->sweep_timer, NULL);
    }
    if (b->sync_open) {
        uv_timer_stop(&b->sync_timer);
        uv_close((uv_handle_t *)&b->sync_timer, NULL);
    }
}

void px_blobnet_free(px_blobnet *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < LANES; i++) {
        lane *l = &b->lanes[i];
        while (l->pending) {
            item *it = l->pending;
            l->pending = it->next;
            item_free(it);
        }
        px_blobs_close(l->blobs);
        px_store_close(l->store);
    }
    free(b->unsynced);
    px_blobserve_free(b->srv);
    px_blobs_close(b->blobs);
    free(b);
}

static void queue_sweep(px_blobnet *b)
{
    b->swept = true;
    b->last_sweep = uv_now(b->loop);
    for (item *it = b->lanes[LANE_STORE].pending; it; it = it->next)
        if (it->sweep)
            return; /* one waits already: it will see these entries too */
    item *it = calloc(1, sizeof *it);
    if (!it)
        return;
    it->sweep = true;
    set_keepers(b, it);
    if (!it->keepers) {
        free(it);
        return;
    }
    submit(b, it);
}

static void on_sweep_timer(uv_timer_t *t)
{
    px_blobnet *b = t->data;
    b->sweep_armed = false;
    if (!b->stopping)
        queue_sweep(b);
}

static void sweep_soon(px_blobnet *b)
{
    uint64_t now = uv_now(b->loop), since = now - b->last_sweep;
    if (!b->swept || since >= SWEEP_EVERY_MS) {
        queue_sweep(b);
    } else if (b->sweep_open && !b->sweep_armed) {
        b->sweep_armed = true;
        uv_timer_start(&b->sweep_timer, on_sweep_timer, SWEEP_EVERY_MS - since, 0);
    }
}

void px_blobnet_entries_stored(px_blobnet *b)
{
    if (!b || b->stopping)
        return;
    sweep_soon(b);
}

/* --- control -------------------------------------------------------------------- */

static json_t *status_json(px_blobnet *b, const uint8_t id[32])
{
    char hex[PX_ID_HEX];
    px_id_hex(hex, id);
    json_t *o = json_pack("{s:s}", "id", hex);
    if (!o)
        return NULL;
    px_blob_info info;
    bool held = px_blob_info_get(b->blobs, id, &info) == PX_OK;
    px_err_clear();
    px_bx_status st;
    px_core_blob_status(b->core, id, &st);
    json_object_set_new(o, "complete", json_boolean(held && info.complete));
    json_object_set_new(o, "active", json_boolean(st.active));
    if (held) {
        json_object_set_new(o, "size", json_integer((json_int_t)info.size));
        json_object_set_new(o, "chunks", json_integer(info.chunks));
        json_object_set_new(o, "chunks_held", json_integer(info.held));
        json_object_set_new(o, "kept", json_boolean(info.own));
        if (info.unkept[0])
            json_object_set_new(o, "unkept", json_string(info.unkept));
    } else if (st.have_manifest) {
        json_object_set_new(o, "size", json_integer((json_int_t)st.size));
        json_object_set_new(o, "chunks", json_integer(st.chunks));
        json_object_set_new(o, "chunks_held", json_integer(st.held));
    }
    if (st.active) {
        json_object_set_new(o, "peers", json_integer(st.peers));
        json_object_set_new(o, "chunks_received", json_integer((json_int_t)st.received));
    }
    result *r = result_of(b, id);
    if (r && r->at && r->rc && !st.active && !(held && info.complete))
        json_object_set_new(o, "failed", json_string(r->why));
    if (r && r->at && !r->rc && r->started && held && info.complete)
        json_object_set_new(o, "fetch_ms", json_integer((json_int_t)(r->at - r->started)));
    return o;
}

json_t *px_blobnet_control(px_blobnet *b, const char *op, json_t *req)
{
    bool fetch = strcmp(op, "blob_fetch") == 0;
    if (!fetch && strcmp(op, "blob_status") != 0)
        return NULL;
    const char *hex = json_string_value(json_object_get(req, "id"));
    uint8_t id[32];
    if (!hex || strlen(hex) != 64 || px_hex_decode(id, 32, hex) != PX_OK)
        return json_pack("{s:b, s:s}", "ok", 0, "error",
                         "a blob id is 64 hex digits (the daemon fetches whole ids only)");
    if (fetch && !px_blob_is_complete(b->blobs, id)) {
        json_int_t t = json_integer_value(json_object_get(req, "timeout_ms"));
        uint64_t timeout = t > 0 ? (uint64_t)t : TIMEOUT_DEFAULT;
        if (timeout > TIMEOUT_MAX)
            timeout = TIMEOUT_MAX;
        px_buf m = {0}, have = {0};
        bool partial = px_blob_state(b->blobs, id, &m, &have) == PX_OK;
        px_err_clear();
        uint64_t now = uv_now(b->loop), cnow = px_gossip_now();
        int rc = px_core_blob_fetch(b->core, id, partial ? m.data : NULL, m.len, have.data,
                                    have.len, cnow + timeout, cnow);
        px_buf_free(&m);
        px_buf_free(&have);
        if (rc) {
            char why[300];
            snprintf(why, sizeof why, "%s", px_err_message(rc));
            px_gossip_kick(b->gossip);
            return json_pack("{s:b, s:s}", "ok", 0, "error", why);
        }
        result *r = result_of(b, id);
        if (!r) { /* remember when it started, for fetch_ms */
            r = &b->results[b->next_result];
            b->next_result = (b->next_result + 1) % RESULTS_MAX;
            memset(r, 0, sizeof *r);
            memcpy(r->id, id, 32);
            r->used = true;
            r->started = now;
        } else if (r->at) { /* a new attempt */
            memset(r, 0, sizeof *r);
            memcpy(r->id, id, 32);
            r->used = true;
            r->started = now;
        }
        b->fetches++;
        px_gossip_kick(b->gossip);
    }
    json_t *o = status_json(b, id);
    if (o)
        json_object_set_new(o, "ok", json_true());
    return o;
}

json_t *px_blobnet_counters(px_blobnet *b)
{
    px_bx_counters c;
    px_core_blob_counters(b->core, &c);
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "chunks_received", (json_int_t)c.chunks_received,
                     "chunks_sent", (json_int_t)c.chunks_sent, "bad_chunks",
                     (json_int_t)c.bad_chunks, "wants_relayed", (json_int_t)c.wants_relayed,
                     "fetches", (json_int_t)b->fetches);
}
