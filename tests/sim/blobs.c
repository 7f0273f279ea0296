/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobs.c — blob transfers in the simulation (--blobs N, adversary
 * bad-chunk; schema/PROTOCOL.md "Blobs").
 *
 * The transfers run in each node's real replication core (its embedded
 * blob machine, which checks every chunk against the manifest); this file
 * is only what praxisd's blobnet.c is to it: the executor of the core's
 * PX_CORE_BLOB_* actions, against a blob store per node kept in memory
 * (it survives a crash, as a disk would; chunks are durable once stored),
 * plus the workload and the invariants:
 *
 *   - workload: N blobs of one to three chunks, each held from the start by
 *     one honest node (its owner); three other honest nodes fetch it during
 *     the publishing period, each within two dial hops of the owner or of
 *     an earlier fetcher (a want travels one hop further, so that reaches
 *     it); a failed fetch (a deadline passed in a partition) is asked again;
 *     a node that crashed asks again for what it had not finished;
 *   - bad-chunk: a hostile node claims every blob whole and answers every
 *     chunk request with the right length and one byte wrong;
 *   - invariants: no chunk an honest node stores differs from the blob's
 *     (the only check in the way is this executor's hash check, as in
 *     praxisd's blobnet worker: the core checks a chunk's length only, and
 *     a mismatch reported back must close the sender); every completed
 *     fetch's bytes hash, chunk by chunk, to a manifest whose hash is the
 *     blob's id; a node closed for a bad chunk (PX_EHASH) is the bad-chunk
 *     node, never an honest one; the run converges only when every fetch
 *     of a taking-part node has completed.
 *
 * Its generator is seeded from the run's seed apart from the world's, and
 * nothing here runs without --blobs, so other runs print the same bytes.
 */
#include "sim.h"

#include "blob.h"
#include "crypto.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

enum {
    FETCHERS = 3,         /* nodes that fetch each blob */
    RETRY_MS = 2000,      /* a fetch that failed is asked again after */
    DEADLINE_MS = 120000, /* each fetch's deadline */
};

typedef struct sblob {
    uint8_t id[32];
    px_buf manifest;
    px_blob_manifest m;
    uint8_t *data; /* the blob's bytes */
    size_t size;
    int owner;
} sblob;

/* What one node's store holds of one blob. */
typedef struct held {
    bool manifest;
    uint8_t *data;
    uint8_t *have; /* bitmap */
    uint32_t n_held;
} held;

typedef struct want {
    int node, blob;
    bool due; /* its time came (a node down then asks once it is back) */
    bool done;
    sim_time asked, done_at;
} want;

struct sim_blobs {
    px_rng rng;
    sblob *b;
    int nb;
    held *h; /* nodes x blobs */
    want *wants;
    int n_wants;
    int bad; /* the bad-chunk node, or -1 */
    uint64_t bad_closes, retries;
};

static held *held_of(sim_world *w, int node, int blob)
{
    return &w->blobs->h[(size_t)node * (size_t)w->blobs->nb + (size_t)blob];
}

static int blob_index(const sim_world *w, const uint8_t id[32])
{
    for (int k = 0; k < w->blobs->nb; k++)
        if (memcmp(w->blobs->b[k].id, id, 32) == 0)
            return k;
    return -1;
}

static size_t map_len(uint32_t n)
{
    return (n + 7) / 8;
}

static int take_all(sim_world *w, int node, int k)
{
    sblob *b = &w->blobs->b[k];
    held *h = held_of(w, node, k);
    h->data = malloc(b->size ? b->size : 1);
    h->have = calloc(map_len(b->m.n) + 1, 1);
    if (!h->data || !h->have)
        return PX_ENOMEM;
    memcpy(h->data, b->data, b->size);
    for (uint32_t i = 0; i < b->m.n; i++)
        h->have[i / 8] |= (uint8_t)(1u << (i % 8));
    h->manifest = true;
    h->n_held = b->m.n;
    return PX_OK;
}

static int make_blob(sim_world *w, sblob *b)
{
    px_rng *r = &w->blobs->rng;
    b->size = (size_t)PX_BLOB_CHUNK * (1 + px_rng_below(r, 3)) - px_rng_below(r, PX_BLOB_CHUNK / 2);
    b->data = malloc(b->size);
    if (!b->data)
        return PX_ENOMEM;
    sim_bytes(r, b->data, b->size);
    px_blob_manifest m = {
        .size = b->size, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(b->size)};
    m.hashes = calloc(m.n ? m.n : 1, 32);
    if (!m.hashes)
        return PX_ENOMEM;
    for (uint32_t c = 0; c < m.n; c++)
        px_hash(m.hashes[c], b->data + (size_t)c * PX_BLOB_CHUNK, px_blob_chunk_len(&m, c));
    int rc = px_blob_manifest_encode(&m, &b->manifest);
    free(m.hashes);
    if (!rc)
        rc = px_blob_manifest_decode((const uint8_t *)b->manifest.data, b->manifest.len,
                                     PX_BLOB_MAX_DEFAULT, &b->m);
    if (!rc)
        px_blob_id(b->id, (const uint8_t *)b->manifest.data, b->manifest.len);
    return rc;
}

/* Whether a dials b or b dials a (a connection either way). */
static bool linked(const sim_world *w, int a, int b)
{
    for (int d = 0; d < w->nodes[a].n_dial; d++)
        if (w->nodes[a].dial[d] == b)
            return true;
    for (int d = 0; d < w->nodes[b].n_dial; d++)
        if (w->nodes[b].dial[d] == a)
            return true;
    return false;
}

/* Whether j is within two dial hops of a node in set. */
static bool near(const sim_world *w, const bool *set, int j)
{
    for (int a = 0; a < w->n; a++) {
        if (!set[a])
            continue;
        if (a == j || linked(w, a, j))
            return true;
        for (int x = 0; x < w->n; x++)
            if (x != a && x != j && linked(w, a, x) && linked(w, x, j))
                return true;
    }
    return false;
}

int sim_blobs_plan(sim_world *w)
{
    const sim_cfg *c = &w->cfg;
    if (c->blobs <= 0)
        return PX_OK;
    sim_blobs *s = calloc(1, sizeof *s);
    if (!s)
        return PX_ENOMEM;
    w->blobs = s;
    px_rng_seed(&s->rng, c->seed ^ 0xb10bb10bb10bb10bull);
    s->bad = w->adv_node[6]; /* SIM_ADV_BADCHUNK is bit 6 */
    s->nb = c->blobs;
    s->b = calloc((size_t)s->nb, sizeof *s->b);
    s->h = calloc((size_t)w->n * (size_t)s->nb, sizeof *s->h);
    s->wants = calloc((size_t)s->nb * FETCHERS, sizeof *s->wants);
    bool *set = calloc((size_t)w->n, 1);
    if (!s->b || !s->h || !s->wants || !set) {
        free(set);
        return PX_ENOMEM;
    }
    int rc = PX_OK;
    for (int k = 0; !rc && k < s->nb; k++) {
        sblob *b = &s->b[k];
        if ((rc = make_blob(w, b)) != PX_OK)
            break;
        /* Owners and fetchers: honest nodes past the root and the late joiners. */
        b->owner = -1;
        for (int tries = 0; tries < 1000 && b->owner < 0; tries++) {
            int i = 3 + (int)px_rng_below(&s->rng, (uint64_t)(w->n > 3 ? w->n - 3 : 1));
            if (i < w->n && !w->nodes[i].hostile)
                b->owner = i;
        }
        if (b->owner < 0)
            b->owner = 0;
        if ((rc = take_all(w, b->owner, k)) != PX_OK)
            break;
        memset(set, 0, (size_t)w->n);
        set[b->owner] = true;
        sim_time t = 3 * SIM_S + px_rng_below(&s->rng, c->publish_for);
        for (int f = 0; f < FETCHERS; f++) {
            int pick = -1;
            for (int tries = 0; tries < 200 && pick < 0; tries++) {
                int j = (int)px_rng_below(&s->rng, (uint64_t)w->n);
                if (!set[j] && !w->nodes[j].hostile && j > 2 && near(w, set, j))
                    pick = j;
            }
            if (pick < 0)
                break;
            set[pick] = true;
            want *x = &s->wants[s->n_wants++];
            x->node = pick;
            x->blob = k;
            t += SIM_S / 2 + px_rng_below(&s->rng, 2 * SIM_S);
            if (t > w->quiet_from)
                w->quiet_from = t;
            sim_schedule(w, t, SIM_EV_BLOB, pick, s->n_wants - 1, 0, NULL, 0);
        }
    }
    free(set);
    return rc;
}

/* Ask the node's core for the blob, with what its store holds of it. */
static void start_fetch(sim_world *w, want *x)
{
    sim_node *n = &w->nodes[x->node];
    px_core *core = sim_host_core(n);
    x->due = true;
    if (!x->asked)
        x->asked = w->now;
    if (!n->up || !core || x->done)
        return; /* asked again once it is back (sim_blobs_started) */
    held *h = held_of(w, x->node, x->blob);
    const sblob *b = &w->blobs->b[x->blob];
    uint64_t now = sim_node_clock(w, n);
    int rc = px_core_blob_fetch(core, b->id, h->manifest ? (const uint8_t *)b->manifest.data : NULL,
                                b->manifest.len, h->have, h->have ? map_len(b->m.n) : 0,
                                now + DEADLINE_MS, now);
    if (rc)
        sim_violation(w, "node %d: cannot fetch blob %d: %s", n->idx, x->blob, px_err_message(rc));
    sim_host_kick(w, n);
}

void sim_blobs_event(sim_world *w, sim_event *e)
{
    if (!w->blobs || e->arg < 0 || e->arg >= w->blobs->n_wants)
        return;
    start_fetch(w, &w->blobs->wants[e->arg]);
}

void sim_blobs_started(sim_world *w, sim_node *n)
{
    if (!w->blobs)
        return;
    for (int i = 0; i < w->blobs->n_wants; i++) {
        want *x = &w->blobs->wants[i];
        if (x->node == n->idx && x->due && !x->done)
            start_fetch(w, x);
    }
}

/* A fetch ended on node n: verify what it holds, or ask again. */
static void fetch_done(sim_world *w, sim_node *n, const uint8_t id[32], int rc)
{
    sim_blobs *s = w->blobs;
    int k = blob_index(w, id);
    for (int i = 0; k >= 0 && i < s->n_wants; i++) {
        want *x = &s->wants[i];
        if (x->node != n->idx || x->blob != k || x->done)
            continue;
        if (rc) { /* a deadline passed (a partition, a crash): the user asks again */
            s->retries++;
            sim_schedule(w, w->now + RETRY_MS * SIM_MS, SIM_EV_BLOB, n->idx, i, 0, NULL, 0);
            return;
        }
        /* Every chunk held must hash to the manifest's hash, and the
         * manifest to the id: the blob is whole and is the one asked for. */
        const sblob *b = &s->b[k];
        const held *h = held_of(w, n->idx, k);
        bool ok = h->manifest && h->n_held == b->m.n;
        for (uint32_t c = 0; ok && c < b->m.n; c++) {
            uint8_t hash[32];
            px_hash(hash, h->data + (size_t)c * PX_BLOB_CHUNK, px_blob_chunk_len(&b->m, c));
            ok = memcmp(hash, b->m.hashes[c], 32) == 0;
        }
        uint8_t again[32];
        px_blob_id(again, (const uint8_t *)b->manifest.data, b->manifest.len);
        if (!ok || memcmp(again, id, 32) != 0)
            sim_violation(w, "node %d: blob %d completed but its bytes do not hash to its id",
                          n->idx, k);
        x->done = true;
        x->done_at = w->now;
        return;
    }
}

void sim_blobs_action(sim_world *w, sim_node *n, const px_core_action *a)
{
    sim_blobs *s = w->blobs;
    px_core *core = sim_host_core(n);
    uint64_t now = sim_node_clock(w, n);
    int k = s ? blob_index(w, a->blob) : -1;
    const sblob *b = k >= 0 ? &s->b[k] : NULL;
    held *h = b ? held_of(w, n->idx, k) : NULL;
    bool bad = s && n->idx == s->bad;
    switch (a->type) {
    case PX_CORE_BLOB_PUT_MANIFEST:
        if (!h) { /* no manifest of another blob can hash to a wanted id */
            sim_violation(w, "node %d: asked to store the manifest of an unknown blob", n->idx);
            px_core_blob_manifest_stored(core, a->blob, PX_EINVAL, now);
            break;
        }
        if (!h->manifest) {
            h->data = calloc(1, b->size ? b->size : 1);
            h->have = calloc(map_len(b->m.n) + 1, 1);
            if (!h->data || !h->have) {
                px_core_blob_manifest_stored(core, a->blob, PX_ENOMEM, now);
                break;
            }
            h->manifest = true;
        }
        px_core_blob_manifest_stored(core, a->blob, PX_OK, now);
        break;
    case PX_CORE_BLOB_PUT_CHUNK:
        if (!h || !h->manifest || a->index >= b->m.n ||
            a->len != px_blob_chunk_len(&b->m, a->index)) {
            sim_violation(w, "node %d: asked to store a chunk it has no manifest for", n->idx);
            break;
        }
        { /* the store checks the hash against the manifest, as blobnet's worker */
            uint8_t hash[32];
            px_hash(hash, a->bytes, a->len);
            if (!px_memeq(hash, b->m.hashes[a->index], 32)) {
                px_core_blob_chunk_stored(core, a->blob, a->index, PX_EHASH, now);
                break;
            }
        }
        if (memcmp(a->bytes, b->data + (size_t)a->index * PX_BLOB_CHUNK, a->len) != 0)
            sim_violation(w, "node %d: stored chunk %u of blob %d, which is not the blob's", n->idx,
                          a->index, k);
        memcpy(h->data + (size_t)a->index * PX_BLOB_CHUNK, a->bytes, a->len);
        if (!(h->have[a->index / 8] >> (a->index % 8) & 1)) {
            h->have[a->index / 8] |= (uint8_t)(1u << (a->index % 8));
            h->n_held++;
        }
        px_core_blob_chunk_stored(core, a->blob, a->index, PX_OK, now);
        break;
    case PX_CORE_BLOB_LOOKUP:
        if (b && bad) { /* it claims every blob whole */
            uint8_t all[8];
            memset(all, 0xff, sizeof all);
            px_core_blob_looked_up(core, a->peer, a->blob, a->hops,
                                   (const uint8_t *)b->manifest.data, b->manifest.len, all,
                                   map_len(b->m.n), now);
        } else if (h && h->manifest) {
            px_core_blob_looked_up(core, a->peer, a->blob, a->hops,
                                   (const uint8_t *)b->manifest.data, b->manifest.len, h->have,
                                   map_len(b->m.n), now);
        } else {
            px_core_blob_looked_up(core, a->peer, a->blob, a->hops, NULL, 0, NULL, 0, now);
        }
        break;
    case PX_CORE_BLOB_SERVE: {
        static uint8_t chunk[PX_BLOB_CHUNK];
        bool held_it = h && (bad || (h->manifest && a->index < b->m.n &&
                                     (h->have[a->index / 8] >> (a->index % 8) & 1)));
        size_t len = held_it && a->index < b->m.n ? px_blob_chunk_len(&b->m, a->index) : 0;
        if (len) {
            memcpy(chunk, (bad ? b->data : h->data) + (size_t)a->index * PX_BLOB_CHUNK, len);
            if (bad)
                chunk[px_rng_below(&s->rng, len)] ^= 0x20;
        }
        px_core_blob_serve(core, a->peer, a->blob, a->index, len ? chunk : NULL, len, now);
        break;
    }
    case PX_CORE_BLOB_DONE:
        if (s)
            fetch_done(w, n, a->blob, a->rc);
        break;
    default:
        break;
    }
}

void sim_blobs_closed(sim_world *w, sim_node *n, int far, int rc)
{
    if (!w->blobs || rc != PX_EHASH)
        return;
    if (far == w->blobs->bad)
        w->blobs->bad_closes++;
    else
        sim_violation(w, "node %d closed node %d for a chunk that does not match its hash", n->idx,
                      far);
}

/* Whether the fetch still counts: its node takes part, and the blob's
 * owner was not revoked (nobody else may hold it then). */
static bool counts(const sim_world *w, const want *x)
{
    const sim_node *n = &w->nodes[x->node];
    const sim_node *o = &w->nodes[w->blobs->b[x->blob].owner];
    return n->up && sim_node_honest(w, n) && !n->cut_off && !n->revoked && !o->revoked;
}

bool sim_blobs_converged(sim_world *w, char *why, size_t len)
{
    if (!w->blobs)
        return true;
    for (int i = 0; i < w->blobs->n_wants; i++) {
        const want *x = &w->blobs->wants[i];
        if (counts(w, x) && !x->done) {
            px_bx_status st = {0};
            sim_node *n = &w->nodes[x->node];
            if (sim_host_core(n))
                px_core_blob_status(sim_host_core(n), w->blobs->b[x->blob].id, &st);
            snprintf(why, len,
                     "node %d has not fetched blob %d (owner %d; a fetch %s, %u of %u chunks "
                     "held, %u in flight, %u peers offer it)",
                     x->node, x->blob, w->blobs->b[x->blob].owner,
                     st.active ? "runs" : "does not run", st.held, st.chunks, st.in_flight,
                     st.peers);
            return false;
        }
    }
    return true;
}

static int cmp_time(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return x < y ? -1 : x > y;
}

void sim_blobs_figures(const sim_world *w, sim_blob_figures *out)
{
    memset(out, 0, sizeof *out);
    const sim_blobs *s = w->blobs;
    if (!s)
        return;
    sim_time *t = calloc((size_t)s->n_wants + 1, sizeof *t);
    size_t n = 0;
    for (int i = 0; i < s->n_wants; i++) {
        const want *x = &s->wants[i];
        out->fetches++;
        if (x->done) {
            out->fetched++;
            if (t)
                t[n++] = x->done_at - x->asked;
        }
    }
    if (t && n) {
        qsort(t, n, sizeof *t, cmp_time);
        out->fetch_p50_ms = (double)t[(n - 1) / 2] / SIM_MS;
        out->fetch_p99_ms = (double)t[(n * 99 + 99) / 100 - 1] / SIM_MS;
    }
    free(t);
    out->bad_chunk_closes = s->bad_closes;
    out->retries = s->retries;
}

void sim_blobs_free(sim_world *w)
{
    sim_blobs *s = w->blobs;
    if (!s)
        return;
    for (size_t i = 0; s->h && i < (size_t)w->n * (size_t)s->nb; i++) {
        free(s->h[i].data);
        free(s->h[i].have);
    }
    for (int k = 0; s->b && k < s->nb; k++) {
        free(s->b[k].data);
        px_buf_free(&s->b[k].manifest);
        px_blob_manifest_free(&s->b[k].m);
    }
    free(s->b);
    free(s->h);
    free(s->wants);
    free(s);
    w->blobs = NULL;
}
