/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobxfer.c — the blob transfer protocol, sans I/O (see blobxfer.h and
 * schema/PROTOCOL.md, "Blobs").
 *
 * Layout: the action queue; peers; fetches (wants, the manifest,
 * scheduling chunk requests, chunks arriving, storing, timeouts, relays);
 * serving; status.
 *
 * A fetch keeps one state byte per chunk (missing, asked, storing, held),
 * and per peer the bitmap it announced and the bitmap of what was asked of
 * it. Each chunk is asked of one peer at a time; a peer that does not
 * answer within PX_BX_CHUNK_TIMEOUT_MS, or answers that it lacks the chunk,
 * is avoided for that chunk while another peer holds it. A chunk that does
 * not match the manifest's hash is the sender's offence (PX_EHASH): the
 * driver closes the connection, which releases everything asked of it.
 * Its length is checked here; its hash by the driver's store, off the
 * loop (PUT_CHUNK carries unverified bytes, 64 MiB of BLAKE2b is the
 * biggest cost of a transfer after the decryption): a mismatch comes back
 * as px_bx_chunk_stored(PX_EHASH), and the machine names the sender in a
 * PX_BXA_OFFENCE action, marks the chunk missing and asks elsewhere.
 *
 * One-hop wants: a want carries hops (1 from the node that wants the blob
 * for itself). A node asked with hops 1 for a blob it does not hold fetches
 * it itself (a relay fetch, with hops 0, so a want travels one hop and no
 * further) and keeps the asker informed with `blob_have` as chunks arrive;
 * the asker fetches those chunks from it as they become available. The
 * middle node thus stores what it relays (as evictable cache) and serves
 * it from its store like any other blob: no chunk is held in memory for
 * someone else, and the two hops pipeline.
 */
#include "blobxfer.h"

#include "crypto.h"
#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* --- state --------------------------------------------------------------- */

/* C_WRITTEN: written, not yet durable (no longer in memory: off the backlog). */
enum { C_MISSING = 0, C_ASKED, C_STORING, C_WRITTEN, C_HELD };
enum { NO_PEER = -1 };
/* A requester's window, with requests that timed out on its side still
 * queued at the server, stays within what a server queues. */
_Static_assert(2 * PX_BX_WINDOW <= PX_BX_SERVE_MAX, "the window must leave the serve queue room");

typedef struct fpeer {
    uint8_t *have;  /* announced bitmap (NULL: no manifest from it yet) */
    uint8_t *asked; /* chunks asked of it, not answered */
    uint32_t outstanding;
    uint32_t strikes; /* chunks it let time out since it last delivered one */
    bool wanted;      /* a want was sent */
    bool none;        /* it said it holds nothing of the blob */
    uint64_t wanted_ms;
    uint64_t interest_until; /* it asked us: keep it informed until then */
} fpeer;

typedef struct fetch {
    bool used;
    uint8_t id[32];
    bool user;  /* the driver asked for it (else a relay) */
    int origin; /* relay: the peer it is for */
    uint64_t deadline;
    px_buf manifest;    /* bytes, once a peer sent them (checked) */
    px_blob_manifest m; /* decoded */
    bool have_m;        /* manifest known (and stored, unless storing_m) */
    bool storing_m;
    uint8_t *state;     /* n bytes */
    int16_t *who;       /* asked of whom */
    int16_t *avoid;     /* whom not to ask again soon for this chunk */
    uint64_t *avoid_ms; /* since when */
    uint64_t *asked_ms;
    uint64_t *from; /* a chunk being stored: the peer (driver id) that sent it */
    uint32_t n_held, in_flight, first_missing, since_have;
    uint32_t storing;   /* chunks handed to the store, not yet stored */
    uint32_t n_written; /* chunks written, not yet durable (C_WRITTEN) */
    uint64_t received;
    fpeer fp[PX_BX_PEERS_MAX];
} fetch;

typedef struct sreq {
    uint8_t id[32];
    uint32_t index;
} sreq;

typedef struct bpeer {
    bool used;
    uint64_t tok;
    size_t room;
    bool watching;
    uint32_t window;      /* chunk requests outstanding on this connection, now */
    uint64_t quiet_after; /* entries arrived on it: the window stays small until then */
    sreq q[PX_BX_SERVE_MAX];
    size_t qh, qn;
} bpeer;

/* A chunk still with the store when its fetch ended (cancelled, timed
 * out, failed): the store's verdict on it comes later, and a mismatch is
 * still its sender's offence. Without this memory a sender would escape
 * the offence whenever the fetch was given up first, and a fetch of the
 * same blob started meanwhile would take the verdict as its own and blame
 * whoever it had asked for that chunk. */
typedef struct orphan {
    bool used;
    bool written; /* px_bx_chunk_written: its bytes matched, only durability is to come */
    uint8_t id[32];
    uint32_t index;
    uint64_t from;
} orphan;

/* Four times the store backlog of one fetch; the oldest is forgotten first
 * (a bounded gap: its verdict is then taken as a live fetch's, as before). */
enum { ORPHANS_MAX = 4 * PX_BX_STORE_BACKLOG };

struct px_bx {
    uint64_t max_size;
    bpeer peers[PX_BX_PEERS_MAX];
    fetch *fetches[PX_BX_FETCHES_MAX];
    px_bx_action *acts;
    size_t n_acts, cap_acts;
    uint8_t **owned; /* action data copies, freed by px_bx_clear */
    size_t n_owned, cap_owned;
    uint64_t next_wake;
    px_bx_counters ctr;
    int rr;        /* round-robin start for scheduling */
    uint64_t beat; /* the next look at timeouts while fetching (0: none) */
    uint64_t now;  /* of the latest input */
    orphan orphans[ORPHANS_MAX];
    size_t next_orphan; /* the ring's next slot */
    size_t n_orphans;   /* used: none (the usual case) spares every verdict a scan */
};

static bool bit(const uint8_t *b, uint32_t i)
{
    return (b[i / 8] >> (i % 8)) & 1;
}

static void set_bit(uint8_t *b, uint32_t i, bool on)
{
    if (on)
        b[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        b[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static size_t map_len(uint32_t n)
{
    return (n + 7) / 8;
}

int px_bx_new(const px_bx_cfg *cfg, px_bx **out)
{
    px_bx *bx = calloc(1, sizeof *bx);
    if (!bx)
        return px_err_set(PX_ENOMEM, "out of memory");
    bx->max_size = cfg && cfg->max_size ? cfg->max_size : PX_BLOB_MAX_DEFAULT;
    bx->next_wake = UINT64_MAX;
    *out = bx;
    return PX_OK;
}

static void fetch_free(fetch *f)
{
    if (!f)
        return;
    for (int p = 0; p < PX_BX_PEERS_MAX; p++) {
        free(f->fp[p].have);
        free(f->fp[p].asked);
    }
    free(f->state);
    free(f->who);
    free(f->avoid);
    free(f->avoid_ms);
    free(f->asked_ms);
    free(f->from);
    px_buf_free(&f->manifest);
    px_blob_manifest_free(&f->m);
    free(f);
}

void px_bx_clear(px_bx *bx)
{
    for (size_t i = 0; i < bx->n_owned; i++)
        free(bx->owned[i]);
    bx->n_owned = 0;
    bx->n_acts = 0;
}

void px_bx_free(px_bx *bx)
{
    if (!bx)
        return;
    px_bx_clear(bx);
    for (int i = 0; i < PX_BX_FETCHES_MAX; i++)
        fetch_free(bx->fetches[i]);
    free(bx->acts);
    free(bx->owned);
    free(bx);
}

const px_bx_action *px_bx_actions(const px_bx *bx, size_t *n)
{
    *n = bx->n_acts;
    return bx->acts;
}

uint64_t px_bx_next_wake(const px_bx *bx)
{
    return bx->next_wake;
}

/* --- the action queue ------------------------------------------------------ */

/* Queue an action whose data (len bytes, malloc'ed, or NULL) the machine
 * now owns until px_bx_clear() or px_bx_take(). Out of memory drops the
 * action (and frees data): every action is one the protocol recovers from
 * losing (a request times out, a want is sent again), except DONE, which
 * is retried by the tick. */
static px_bx_action *act_own(px_bx *bx, px_bx_kind kind, uint64_t peer, const uint8_t *id,
                             uint8_t *data, size_t len)
{
    if (bx->n_acts == bx->cap_acts) {
        size_t cap = bx->cap_acts ? bx->cap_acts * 2 : 64;
        px_bx_action *a = realloc(bx->acts, cap * sizeof *a);
        if (!a) {
            free(data);
            return NULL;
        }
        bx->acts = a;
        bx->cap_acts = cap;
    }
    if (data) {
        if (bx->n_owned == bx->cap_owned) {
            size_t cap = bx->cap_owned ? bx->cap_owned * 2 : 64;
            uint8_t **o = realloc(bx->owned, cap * sizeof *o);
            if (!o) {
                free(data);
                return NULL;
            }
            bx->owned = o;
            bx->cap_owned = cap;
        }
        bx->owned[bx->n_owned++] = data;
    }
    px_bx_action *a = &bx->acts[bx->n_acts++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->peer = peer;
    if (id)
        memcpy(a->id, id, 32);
    a->data = data;
    a->len = data ? len : 0;
    a->owned_at = data ? bx->n_owned - 1 : 0;
    return a;
}

/* Queue an action with a copy of data's len bytes. */
static px_bx_action *act(px_bx *bx, px_bx_kind kind, uint64_t peer, const uint8_t *id,
                         const uint8_t *data, size_t len)
{
    uint8_t *copy = NULL;
    if (len) {
        if ((copy = malloc(len)) == NULL)
            return NULL;
        memcpy(copy, data, len);
    }
    return act_own(bx, kind, peer, id, copy, len);
}

uint8_t *px_bx_take(px_bx *bx, const px_bx_action *a)
{
    if (!a->data || a->owned_at >= bx->n_owned || bx->owned[a->owned_at] != a->data)
        return NULL;               /* none, or taken already */
    bx->owned[a->owned_at] = NULL; /* px_bx_clear frees the rest */
    return (uint8_t *)a->data;
}

static void send_msg(px_bx *bx, int p, const px_msg_blob *m)
{
    px_buf b = {0};
    if (px_msg_encode_blob(&b, m) == PX_OK && b.len)
        act_own(bx, PX_BXA_SEND, bx->peers[p].tok, NULL, b.data, b.len); /* b's bytes handed over */
    else
        px_buf_free(&b);
}

/* --- peers ------------------------------------------------------------------ */

static int peer_slot(const px_bx *bx, uint64_t tok)
{
    for (int p = 0; p < PX_BX_PEERS_MAX; p++)
        if (bx->peers[p].used && bx->peers[p].tok == tok)
            return p;
    return NO_PEER;
}

static void send_want(px_bx *bx, fetch *f, int p, uint64_t now)
{
    px_msg_blob m = {.type = PX_MSG_BLOB_WANT, .hops = f->user ? 1 : 0};
    memcpy(m.id, f->id, 32);
    send_msg(bx, p, &m);
    f->fp[p].wanted = true;
    f->fp[p].none = false;
    f->fp[p].wanted_ms = now;
}

static void schedule(px_bx *bx, fetch *f, uint64_t now);
static void recompute_wake(px_bx *bx);
static bool full_bitmap(const uint8_t *manifest, size_t mlen, const uint8_t *have, size_t hlen);

void px_bx_peer_up(px_bx *bx, uint64_t peer, uint64_t now)
{
    bx->now = now;
    if (peer_slot(bx, peer) != NO_PEER)
        return;
    for (int p = 0; p < PX_BX_PEERS_MAX; p++) {
        if (bx->peers[p].used)
            continue;
        memset(&bx->peers[p], 0, sizeof bx->peers[p]);
        bx->peers[p].used = true;
        bx->peers[p].tok = peer;
        bx->peers[p].room = PX_BX_SEND_QUEUE;
        bx->peers[p].window = PX_BX_WINDOW;
        for (int i = 0; i < PX_BX_FETCHES_MAX; i++) {
            fetch *f = bx->fetches[i];
            if (f) {
                memset(&f->fp[p], 0, sizeof f->fp[p]);
                if (f->origin != p)
                    send_want(bx, f, p, now);
            }
        }
        break;
    }
    recompute_wake(bx);
}

/* Chunk i, asked and in flight, is missing again; the peer avoid (or
 * NO_PEER) is not asked for it for a while. */
static void chunk_missing(fetch *f, uint32_t i, int avoid, uint64_t now)
{
    f->state[i] = C_MISSING;
    f->in_flight--;
    if (avoid != NO_PEER) {
        f->avoid[i] = (int16_t)avoid;
        f->avoid_ms[i] = now;
    }
    if (i < f->first_missing)
        f->first_missing = i;
}

/* Forget what was asked of p for f: those chunks are missing again. */
static void release_peer(fetch *f, int p)
{
    fpeer *fp = &f->fp[p];
    if (fp->asked && f->have_m)
        for (uint32_t i = 0; i < f->m.n && fp->outstanding; i++)
            if (bit(fp->asked, i)) {
                set_bit(fp->asked, i, false);
                fp->outstanding--;
                if (f->state[i] == C_ASKED && f->who[i] == p)
                    chunk_missing(f, i, NO_PEER, 0);
            }
    free(fp->have);
    free(fp->asked);
    memset(fp, 0, sizeof *fp);
}

void px_bx_peer_down(px_bx *bx, uint64_t peer, uint64_t now)
{
    bx->now = now;
    int p = peer_slot(bx, peer);
    if (p == NO_PEER)
        return;
    bx->peers[p].used = false;
    for (int i = 0; i < PX_BX_FETCHES_MAX; i++) {
        fetch *f = bx->fetches[i];
        if (!f)
            continue;
        release_peer(f, p);
        if (f->origin == p)
            f->origin = NO_PEER;
    }
    for (int i = 0; i < PX_BX_FETCHES_MAX; i++)
        if (bx->fetches[i])
            schedule(bx, bx->fetches[i], now);
    recompute_wake(bx);
}

/* --- fetches ---------------------------------------------------------------- */

static fetch *find_fetch(const px_bx *bx, const uint8_t id[32], int *slot)
{
    for (int i = 0; i < PX_BX_FETCHES_MAX; i++)
        if (bx->fetches[i] && memcmp(bx->fetches[i]->id, id, 32) == 0) {
            if (slot)
                *slot = i;
            return bx->fetches[i];
        }
    return NULL;
}

/* Take fetch slot out and free it, remembering its chunks the store has
 * not given its verdict on yet. */
static void drop_fetch(px_bx *bx, int slot)
{
    fetch *f = bx->fetches[slot];
    bx->fetches[slot] = NULL;
    for (uint32_t k = 0; f->have_m && (f->storing || f->n_written) && k < f->m.n; k++) {
        if (f->state[k] != C_STORING && f->state[k] != C_WRITTEN)
            continue;
        orphan *o = &bx->orphans[bx->next_orphan];
        bx->next_orphan = (bx->next_orphan + 1) % ORPHANS_MAX;
        bx->n_orphans += !o->used;
        *o = (orphan){
            .used = true, .written = f->state[k] == C_WRITTEN, .index = k, .from = f->from[k]};
        memcpy(o->id, f->id, 32);
    }
    fetch_free(f);
}

/* The orphan a verdict on chunk index of id is for, if any (unwritten:
 * only one not yet written). The store answers in the order it was asked,
 * so the oldest match is the one. */
static orphan *find_orphan(px_bx *bx, const uint8_t id[32], uint32_t index, bool unwritten)
{
    for (size_t n = 0; bx->n_orphans && n < ORPHANS_MAX; n++) {
        orphan *o = &bx->orphans[(bx->next_orphan + n) % ORPHANS_MAX];
        if (o->used && o->index == index && memcmp(o->id, id, 32) == 0 &&
            !(unwritten && o->written))
            return o;
    }
    return NULL;
}

/* The store's verdict on a chunk of a fetch that has ended: true if it
 * was one (and a mismatch is then its sender's offence). */
static bool orphan_stored(px_bx *bx, const uint8_t id[32], uint32_t index, int rc)
{
    orphan *o = find_orphan(bx, id, index, false);
    if (o) {
        o->used = false;
        bx->n_orphans--;
        if (rc == PX_EHASH && !o->written) {
            bx->ctr.bad_chunks++;
            px_bx_action *a = act(bx, PX_BXA_OFFENCE, o->from, NULL, NULL, 0);
            if (a) {
                a->index = index;
                a->rc = PX_EHASH;
                memcpy(a->id, id, 32);
            }
        }
    }
    return o != NULL;
}

static void end_fetch(px_bx *bx, fetch *f, int rc)
{
    int slot = -1;
    if (find_fetch(bx, f->id, &slot) != f)
        return;
    if (f->user) {
        px_bx_action *a = act(bx, PX_BXA_DONE, 0, f->id, NULL, 0);
        if (a)
            a->rc = rc;
    }
    drop_fetch(bx, slot);
}

/* Take manifest bytes (already checked against the id and the limit) and
 * a bitmap of what the store holds: allocate the per-chunk state. */
static int adopt_manifest(fetch *f, const uint8_t *mb, size_t mlen, const px_blob_manifest *m,
                          const uint8_t *held, size_t hlen)
{
    uint32_t n = m->n;
    size_t cells = n ? n : 1;
    f->state = calloc(cells, 1);
    f->who = calloc(cells, sizeof *f->who);
    f->avoid = calloc(cells, sizeof *f->avoid);
    f->asked_ms = calloc(cells, sizeof *f->asked_ms);
    f->avoid_ms = calloc(cells, sizeof *f->avoid_ms);
    f->from = calloc(cells, sizeof *f->from);
    if (!f->state || !f->who || !f->avoid || !f->asked_ms || !f->avoid_ms || !f->from ||
        px_buf_append(&f->manifest, mb, mlen) != PX_OK)
        return px_err_set(PX_ENOMEM, "out of memory");
    f->m = *m;
    f->have_m = true;
    for (uint32_t i = 0; i < n; i++) {
        f->avoid[i] = NO_PEER;
        f->who[i] = NO_PEER;
        if (held && map_len(n) == hlen && bit(held, i)) {
            f->state[i] = C_HELD;
            f->n_held++;
        }
    }
    return PX_OK;
}

/* The manifest a peer (or the store) gave for f: must hash to the id and
 * decode within the limit. OUT *m on PX_OK. */
static int check_manifest(px_bx *bx, const fetch *f, const uint8_t *mb, size_t mlen,
                          px_blob_manifest *m)
{
    uint8_t got[32];
    px_blob_id(got, mb, mlen);
    if (!px_memeq(got, f->id, 32)) {
        memset(m, 0, sizeof *m);
        return px_err_set(PX_EHASH, "a blob manifest that does not hash to the id asked for");
    }
    return px_blob_manifest_decode(mb, mlen, bx->max_size, m);
}

/* A manifest held here in part (and its bitmap) for a new fetch f. */
static int take_manifest(px_bx *bx, fetch *f, const uint8_t *mb, size_t mlen, const uint8_t *have,
                         size_t hlen)
{
    px_blob_manifest m;
    int rc = check_manifest(bx, f, mb, mlen, &m);
    if (!rc && (rc = adopt_manifest(f, mb, mlen, &m, have, hlen)) != PX_OK)
        px_blob_manifest_free(&m);
    return rc;
}

static uint8_t *held_bitmap(const fetch *f)
{
    uint8_t *b = calloc(map_len(f->m.n) + 1, 1);
    if (b)
        for (uint32_t i = 0; i < f->m.n; i++)
            if (f->state[i] == C_HELD)
                set_bit(b, i, true);
    return b;
}

/* Tell the peers that asked us about f what we hold now. */
static void inform(px_bx *bx, fetch *f, bool with_manifest, uint64_t now)
{
    if (!f->have_m || f->storing_m)
        return;
    uint8_t *held = NULL;
    for (int p = 0; p < PX_BX_PEERS_MAX; p++) {
        if (!bx->peers[p].used || f->fp[p].interest_until <= now)
            continue;
        if (!held && !(held = held_bitmap(f)))
            return;
        px_msg_blob m = {.type = PX_MSG_BLOB_HAVE, .have = held, .have_len = map_len(f->m.n)};
        if (!m.have_len)
            m.have = (const uint8_t *)"";
        memcpy(m.id, f->id, 32);
        if (with_manifest) {
            m.manifest = f->manifest.data;
            m.manifest_len = f->manifest.len;
        }
        send_msg(bx, p, &m);
    }
    free(held);
    f->since_have = 0;
}

static void maybe_complete(px_bx *bx, fetch *f, uint64_t now)
{
    if (f->have_m && !f->storing_m && f->n_held == f->m.n) {
        inform(bx, f, false, now);
        end_fetch(bx, f, PX_OK);
    }
}

/* Ask peers for chunks: each chunk of one peer, up to the window. */
static void schedule(px_bx *bx, fetch *f, uint64_t now)
{
    if (!f->have_m || f->storing_m || f->storing >= PX_BX_STORE_BACKLOG)
        return;
    while (f->first_missing < f->m.n && f->state[f->first_missing] != C_MISSING)
        f->first_missing++;
    bx->rr = (bx->rr + 1) % PX_BX_PEERS_MAX;
    /* Peers that delivered come first; those that let requests time out
     * get what is left. */
    for (int k = 0; k < 2 * PX_BX_PEERS_MAX; k++) {
        int p = (bx->rr + k) % PX_BX_PEERS_MAX;
        fpeer *fp = &f->fp[p];
        uint32_t window = bx->peers[p].window;
        if (!bx->peers[p].used || !fp->have || fp->outstanding >= window ||
            (fp->strikes > 0) != (k >= PX_BX_PEERS_MAX))
            continue;
        px_msg_blob m = {.type = PX_MSG_BLOB_GET};
        memcpy(m.id, f->id, 32);
        for (uint32_t i = f->first_missing; i < f->m.n && fp->outstanding < window; i++) {
            if (f->state[i] != C_MISSING || !bit(fp->have, i) ||
                (f->avoid[i] == p && now - f->avoid_ms[i] < PX_BX_AVOID_MS))
                continue;
            f->state[i] = C_ASKED;
            f->who[i] = (int16_t)p;
            f->asked_ms[i] = now;
            set_bit(fp->asked, i, true);
            fp->outstanding++;
            f->in_flight++;
            m.chunks[m.n_chunks++] = i;
            if (m.n_chunks == PX_BX_GET_MAX) { /* the window spans several requests */
                send_msg(bx, p, &m);
                m.n_chunks = 0;
            }
        }
        if (m.n_chunks)
            send_msg(bx, p, &m);
    }
}

int px_bx_fetch(px_bx *bx, const uint8_t id[32], const uint8_t *manifest, size_t mlen,
                const uint8_t *have, size_t hlen, uint64_t deadline, uint64_t now)
{
    bx->now = now;
    fetch *f = find_fetch(bx, id, NULL);
    if (f) {
        f->user = true;
        if (deadline > f->deadline)
            f->deadline = deadline;
        recompute_wake(bx);
        return PX_OK;
    }
    int slot = -1;
    for (int i = 0; i < PX_BX_FETCHES_MAX && slot < 0; i++)
        if (!bx->fetches[i])
            slot = i;
    if (slot < 0)
        return px_err_set(PX_EBUSY, "%d blobs are being fetched already; try again later",
                          PX_BX_FETCHES_MAX);
    f = calloc(1, sizeof *f);
    if (!f)
        return px_err_set(PX_ENOMEM, "out of memory");
    memcpy(f->id, id, 32);
    f->user = true;
    f->origin = NO_PEER;
    f->deadline = deadline;
    int rc = manifest ? take_manifest(bx, f, manifest, mlen, have, hlen) : PX_OK;
    if (rc) {
        fetch_free(f);
        return rc;
    }
    bx->fetches[slot] = f;
    for (int p = 0; p < PX_BX_PEERS_MAX; p++)
        if (bx->peers[p].used)
            send_want(bx, f, p, now);
    maybe_complete(bx, f, now);
    recompute_wake(bx);
    return PX_OK;
}

void px_bx_cancel(px_bx *bx, const uint8_t id[32])
{
    int slot;
    if (find_fetch(bx, id, &slot))
        drop_fetch(bx, slot);
    recompute_wake(bx);
}

/* A relay: a peer asked (hops 1) for a blob we hold nothing of. */
static void start_relay(px_bx *bx, const uint8_t id[32], int origin, const uint8_t *manifest,
                        size_t mlen, const uint8_t *have, size_t hlen, uint64_t now)
{
    /* A want of a hostile peer must not use up the fetches this node makes
     * for itself: at most PX_BX_RELAYS_PER_PEER for one peer, and
     * PX_BX_RELAYS_MAX in all. */
    int slot = -1, relays = 0, of_peer = 0;
    for (int i = 0; i < PX_BX_FETCHES_MAX; i++) {
        if (!bx->fetches[i]) {
            if (slot < 0)
                slot = i;
        } else if (!bx->fetches[i]->user) {
            relays++;
            of_peer += bx->fetches[i]->origin == origin;
        }
    }
    if (relays >= PX_BX_RELAYS_MAX || of_peer >= PX_BX_RELAYS_PER_PEER)
        slot = -1;
    fetch *f = slot < 0 ? NULL : calloc(1, sizeof *f);
    if (!f) { /* no room: say we hold nothing; it asks again later */
        px_msg_blob m = {.type = PX_MSG_BLOB_HAVE};
        memcpy(m.id, id, 32);
        send_msg(bx, origin, &m);
        return;
    }
    memcpy(f->id, id, 32);
    f->origin = origin;
    f->deadline = now + PX_BX_RELAY_MS;
    if (manifest && take_manifest(bx, f, manifest, mlen, have, hlen) != PX_OK) {
        fetch_free(f); /* held in part, but not as it should be: not relayed */
        return;
    }
    f->fp[origin].interest_until = now + PX_BX_INTEREST_MS;
    bx->fetches[slot] = f;
    bx->ctr.wants_relayed++;
    for (int p = 0; p < PX_BX_PEERS_MAX; p++)
        if (bx->peers[p].used && p != origin)
            send_want(bx, f, p, now);
}

void px_bx_manifest_stored(px_bx *bx, const uint8_t id[32], int rc, uint64_t now)
{
    bx->now = now;
    fetch *f = find_fetch(bx, id, NULL);
    if (!f || !f->storing_m)
        return;
    f->storing_m = false;
    if (rc) {
        end_fetch(bx, f, rc);
    } else {
        inform(bx, f, true, now);
        maybe_complete(bx, f, now);
        if (find_fetch(bx, id, NULL) == f)
            schedule(bx, f, now);
    }
    recompute_wake(bx);
}

bool px_bx_storing_from(const px_bx *bx, uint64_t peer)
{
    for (size_t i = 0; bx->n_orphans && i < ORPHANS_MAX; i++)
        if (bx->orphans[i].used && !bx->orphans[i].written && bx->orphans[i].from == peer)
            return true;
    for (size_t i = 0; i < PX_BX_FETCHES_MAX; i++) {
        const fetch *f = bx->fetches[i];
        if (!f || !f->have_m || !f->storing)
            continue;
        for (uint32_t k = 0; k < f->m.n; k++)
            if (f->state[k] == C_STORING && f->from[k] == peer)
                return true;
    }
    return false;
}

void px_bx_chunk_stored(px_bx *bx, const uint8_t id[32], uint32_t index, int rc, uint64_t now)
{
    bx->now = now;
    if (orphan_stored(bx, id, index, rc)) {
        recompute_wake(bx);
        return;
    }
    fetch *f = find_fetch(bx, id, NULL);
    if (!f || !f->have_m || index >= f->m.n ||
        (f->state[index] != C_STORING && f->state[index] != C_WRITTEN))
        return;
    if (f->state[index] == C_STORING)
        f->storing--;
    else
        f->n_written--;
    if (rc == PX_EHASH && f->state[index] == C_STORING) {
        /* The store found the bytes do not match the manifest: the sender's
         * offence, as if we had hashed them on arrival. Fetched elsewhere
         * (its connection is closed, so not of it again). */
        bx->ctr.bad_chunks++;
        f->state[index] = C_MISSING;
        if (index < f->first_missing)
            f->first_missing = index;
        int p = peer_slot(bx, f->from[index]);
        if (p != NO_PEER) {
            f->avoid[index] = (int16_t)p;
            f->avoid_ms[index] = now;
        }
        /* Named even if it has gone since it sent the chunk: the driver
         * remembers who it was (a sender must not escape the offence by
         * hanging up before the store's verdict). */
        px_bx_action *a = act(bx, PX_BXA_OFFENCE, f->from[index], NULL, NULL, 0);
        if (a) {
            a->index = index;
            a->rc = PX_EHASH;
            memcpy(a->id, id, 32);
        }
        schedule(bx, f, now);
        recompute_wake(bx);
        return;
    }
    if (rc) { /* the store failed (a full disk): the fetch fails with it */
        end_fetch(bx, f, rc);
        recompute_wake(bx);
        return;
    }
    f->state[index] = C_HELD;
    f->n_held++;
    if (++f->since_have >= PX_BX_HAVE_EVERY)
        inform(bx, f, false, now);
    maybe_complete(bx, f, now);
    if (find_fetch(bx, id, NULL) == f)
        schedule(bx, f, now);
    recompute_wake(bx);
}

void px_bx_entries_moving(px_bx *bx, uint64_t peer, uint64_t now)
{
    bx->now = now;
    int p = peer_slot(bx, peer);
    if (p == NO_PEER)
        return;
    bx->peers[p].window = PX_BX_WINDOW_MIN;
    bx->peers[p].quiet_after = now + PX_BX_ENTRY_QUIET_MS;
}

uint32_t px_bx_window(const px_bx *bx, uint64_t peer)
{
    int p = peer_slot(bx, peer);
    return p == NO_PEER ? 0 : bx->peers[p].window;
}

void px_bx_chunk_written(px_bx *bx, const uint8_t id[32], uint32_t index, uint64_t now)
{
    bx->now = now;
    orphan *o = find_orphan(bx, id, index, true);
    if (o) {
        o->written = true;
        return;
    }
    fetch *f = find_fetch(bx, id, NULL);
    if (!f || !f->have_m || index >= f->m.n || f->state[index] != C_STORING)
        return;
    f->state[index] = C_WRITTEN;
    f->storing--;
    f->n_written++;
    schedule(bx, f, now);
}

/* --- messages ---------------------------------------------------------------- */

static int on_have(px_bx *bx, int p, const px_msg_blob *m, uint64_t now)
{
    fetch *f = find_fetch(bx, m->id, NULL);
    if (!f)
        return PX_OK; /* an answer to a fetch that ended */
    fpeer *fp = &f->fp[p];
    if (!m->have) {
        fp->none = true;
        return PX_OK;
    }
    if (!f->have_m) {
        if (!m->manifest)
            return PX_OK; /* a progress report before we know the manifest: the next want gets it */
        px_blob_manifest dm;
        int rc = check_manifest(bx, f, m->manifest, m->manifest_len, &dm);
        if (rc == PX_EHASH)
            return rc; /* the peer's fault */
        if (rc) {      /* the id names a blob over our limit (or a malformed one) */
            end_fetch(bx, f, rc);
            return PX_OK;
        }
        if ((rc = adopt_manifest(f, m->manifest, m->manifest_len, &dm, NULL, 0)) != PX_OK) {
            px_blob_manifest_free(&dm);
            end_fetch(bx, f, rc);
            return PX_OK;
        }
        f->storing_m = true;
        act(bx, PX_BXA_PUT_MANIFEST, 0, f->id, f->manifest.data, f->manifest.len);
    }
    if (m->have_len != map_len(f->m.n))
        return px_err_set(PX_EPROTO, "blob_have: a bitmap of %zu bytes for %u chunks", m->have_len,
                          f->m.n);
    if (!fp->have) {
        fp->have = calloc(map_len(f->m.n) + 1, 1);
        fp->asked = calloc(map_len(f->m.n) + 1, 1);
        if (!fp->have || !fp->asked) {
            free(fp->have);
            free(fp->asked);
            fp->have = fp->asked = NULL;
            return PX_OK; /* out of memory: this peer is not used */
        }
    }
    memcpy(fp->have, m->have, m->have_len);
    fp->none = false;
    schedule(bx, f, now);
    return PX_OK;
}

static int on_chunk(px_bx *bx, int p, const px_msg_blob *m, uint64_t now)
{
    bx->ctr.chunks_received++;
    fetch *f = find_fetch(bx, m->id, NULL);
    if (!f || !f->have_m)
        return PX_OK; /* late, for a fetch that ended */
    if (m->index >= f->m.n)
        return px_err_set(PX_EPROTO, "blob_chunk: chunk %u of a blob of %u chunks", m->index,
                          f->m.n);
    uint32_t i = m->index;
    fpeer *fp = &f->fp[p];
    f->received++;
    bool was_asked = fp->asked && bit(fp->asked, i);
    if (was_asked) {
        set_bit(fp->asked, i, false);
        fp->outstanding--;
    }
    bool ours = f->state[i] == C_ASKED && f->who[i] == p;
    if (!m->data) { /* it lacks the chunk: ask someone else */
        if (fp->have)
            set_bit(fp->have, i, false);
        if (ours)
            chunk_missing(f, i, p, now);
        schedule(bx, f, now);
        return PX_OK;
    }
    if (m->data_len != px_blob_chunk_len(&f->m, i)) { /* its hash cannot match */
        bx->ctr.bad_chunks++;
        if (ours)
            chunk_missing(f, i, p, now);
        char hex[PX_ID_HEX];
        return px_err_set(PX_EHASH, "chunk %u of blob %.16s is %zu bytes, not its manifest's %zu",
                          i, px_id_hex(hex, f->id), m->data_len, px_blob_chunk_len(&f->m, i));
    }
    /* The hash is the store's to check (PUT_CHUNK), off the loop. */
    fp->strikes = 0;
    bpeer *bp = &bx->peers[p];
    if (bp->window < PX_BX_WINDOW && now >= bp->quiet_after)
        bp->window++; /* the link is the transfer's again: grow back */
    if (f->state[i] == C_MISSING || f->state[i] == C_ASKED) {
        if (f->state[i] == C_ASKED)
            f->in_flight--;
        f->state[i] = C_STORING;
        px_bx_action *a = act(bx, PX_BXA_PUT_CHUNK, 0, f->id, m->data, m->data_len);
        if (a) {
            a->index = i;
            f->from[i] = bx->peers[p].tok;
            f->storing++;
        } else {
            f->state[i] = C_MISSING; /* out of memory: fetched again */
        }
    }
    schedule(bx, f, now);
    return PX_OK;
}

static void pump_serve(px_bx *bx, int p)
{
    bpeer *bp = &bx->peers[p];
    while (bp->qn && bp->room >= PX_BLOB_CHUNK + 64) {
        sreq *r = &bp->q[bp->qh];
        px_bx_action *a = act(bx, PX_BXA_SERVE, bp->tok, r->id, NULL, 0);
        if (a)
            a->index = r->index;
        bp->qh = (bp->qh + 1) % PX_BX_SERVE_MAX;
        bp->qn--;
        bp->room -= PX_BLOB_CHUNK + 64;
        bx->ctr.chunks_sent++;
    }
    if (bp->qn && !bp->watching) {
        bp->watching = true;
        act(bx, PX_BXA_WATCH, bp->tok, NULL, NULL, 0);
    }
}

int px_bx_on_message(px_bx *bx, uint64_t peer, const px_msg_blob *m, uint64_t now)
{
    bx->now = now;
    int p = peer_slot(bx, peer);
    if (p == NO_PEER)
        return PX_OK;
    int rc = PX_OK;
    switch (m->type) {
    case PX_MSG_BLOB_WANT: {
        px_bx_action *a = act(bx, PX_BXA_LOOKUP, peer, m->id, NULL, 0);
        if (a)
            a->hops = m->hops;
        break;
    }
    case PX_MSG_BLOB_HAVE:
        rc = on_have(bx, p, m, now);
        break;
    case PX_MSG_BLOB_GET: {
        bpeer *bp = &bx->peers[p];
        if (bp->qn + m->n_chunks > PX_BX_SERVE_MAX)
            return px_err_set(PX_EPROTO, "more than %d blob chunk requests outstanding",
                              PX_BX_SERVE_MAX);
        for (size_t i = 0; i < m->n_chunks; i++) {
            sreq *r = &bp->q[(bp->qh + bp->qn) % PX_BX_SERVE_MAX];
            memcpy(r->id, m->id, 32);
            r->index = m->chunks[i];
            bp->qn++;
        }
        pump_serve(bx, p);
        break;
    }
    case PX_MSG_BLOB_CHUNK:
        rc = on_chunk(bx, p, m, now);
        break;
    default: /* not a blob message: the core does not hand those over */
        break;
    }
    recompute_wake(bx);
    return rc;
}

void px_bx_lookup_done(px_bx *bx, uint64_t peer, const uint8_t id[32], uint32_t hops,
                       const uint8_t *manifest, size_t mlen, const uint8_t *have, size_t hlen,
                       uint64_t now)
{
    bx->now = now;
    int p = peer_slot(bx, peer);
    if (p == NO_PEER)
        return;
    fetch *f = find_fetch(bx, id, NULL);
    if (f)
        f->fp[p].interest_until = now + PX_BX_INTEREST_MS;
    px_msg_blob m = {.type = PX_MSG_BLOB_HAVE};
    memcpy(m.id, id, 32);
    if (manifest) {
        m.manifest = manifest;
        m.manifest_len = mlen;
        m.have = hlen ? have : (const uint8_t *)"";
        m.have_len = hlen;
        send_msg(bx, p, &m);
        if (!f && hops >= 1 && !full_bitmap(manifest, mlen, have, hlen))
            start_relay(bx, id, p, manifest, mlen, have, hlen, now);
    } else if (f) {
        if (f->have_m && !f->storing_m)
            inform(bx, f, true, now);
        /* else: told once the manifest is here */
    } else if (hops >= 1) {
        start_relay(bx, id, p, NULL, 0, NULL, 0, now);
    } else {
        send_msg(bx, p, &m); /* nothing held, not fetching: none */
    }
    recompute_wake(bx);
}

/* Whether a bitmap holds every chunk of the manifest. */
static bool full_bitmap(const uint8_t *manifest, size_t mlen, const uint8_t *have, size_t hlen)
{
    px_blob_manifest m;
    if (px_blob_manifest_decode(manifest, mlen, PX_BLOB_MAX_LIMIT, &m) != PX_OK)
        return true; /* nothing to complete */
    bool full = hlen == map_len(m.n);
    for (uint32_t i = 0; i < m.n && full; i++)
        full = bit(have, i);
    px_blob_manifest_free(&m);
    return full;
}

/* --- serving --------------------------------------------------------------- */

void px_bx_drained(px_bx *bx, uint64_t peer, size_t room, uint64_t now)
{
    (void)now;
    int p = peer_slot(bx, peer);
    if (p == NO_PEER)
        return;
    bx->peers[p].watching = false;
    bx->peers[p].room = room;
    pump_serve(bx, p);
}

/* --- time ------------------------------------------------------------------ */

static void recompute_wake(px_bx *bx)
{
    /* Deadlines exactly; chunk timeouts and re-wants are looked at once a
     * second while anything is fetched, on a beat that stays put between
     * ticks (so the driver's timer is not moved on every input). */
    uint64_t w = UINT64_MAX;
    bool any = false;
    for (int k = 0; k < PX_BX_FETCHES_MAX; k++) {
        fetch *f = bx->fetches[k];
        if (!f)
            continue;
        any = true;
        if (f->deadline < w)
            w = f->deadline;
    }
    if (!any)
        bx->beat = 0;
    else if (bx->beat <= bx->now || bx->beat > bx->now + 1000)
        bx->beat = bx->now + 1000;
    if (any && bx->beat < w)
        w = bx->beat;
    bx->next_wake = w;
}

void px_bx_tick(px_bx *bx, uint64_t now)
{
    bx->now = now;
    for (int k = 0; k < PX_BX_FETCHES_MAX; k++) {
        fetch *f = bx->fetches[k];
        if (!f)
            continue;
        if (now >= f->deadline) {
            end_fetch(bx, f, px_err_set(PX_ETIMEDOUT, "no peer sent the blob in time"));
            continue;
        }
        if (f->have_m) {
            /* From 0: first_missing has moved past the chunks asked. */
            for (uint32_t i = 0; i < f->m.n && f->in_flight; i++) {
                if (f->state[i] == C_ASKED && now - f->asked_ms[i] >= PX_BX_CHUNK_TIMEOUT_MS) {
                    int p = f->who[i];
                    fpeer *fp = &f->fp[p];
                    if (fp->asked && bit(fp->asked, i)) {
                        set_bit(fp->asked, i, false);
                        fp->outstanding--;
                    }
                    chunk_missing(f, i, p, now);
                    fp->strikes++;
                }
            }
        }
        for (int p = 0; p < PX_BX_PEERS_MAX; p++) {
            fpeer *fp = &f->fp[p];
            if (!bx->peers[p].used || p == f->origin)
                continue;
            uint64_t again = fp->none || !fp->have ? PX_BX_REWANT_MS : PX_BX_REWANT_MS * 3;
            bool complete_there = false;
            if (fp->have && f->have_m) {
                complete_there = true;
                for (uint32_t i = 0; i < f->m.n && complete_there; i++)
                    complete_there = bit(fp->have, i);
            }
            if (!complete_there && (!fp->wanted || now - fp->wanted_ms >= again))
                send_want(bx, f, p, now);
            else if (complete_there && now - fp->wanted_ms >= again)
                fp->wanted_ms = now; /* nothing to ask: look again later */
        }
        schedule(bx, f, now);
    }
    recompute_wake(bx);
}

/* --- status --------------------------------------------------------------- */

void px_bx_status_get(const px_bx *bx, const uint8_t id[32], px_bx_status *out)
{
    memset(out, 0, sizeof *out);
    const fetch *f = find_fetch(bx, id, NULL);
    if (!f)
        return;
    out->active = true;
    out->relay = !f->user;
    out->have_manifest = f->have_m;
    out->received = f->received;
    if (f->have_m) {
        out->size = f->m.size;
        out->chunks = f->m.n;
        out->held = f->n_held;
        out->written = f->n_written;
        out->in_flight = f->in_flight;
    }
    for (int p = 0; p < PX_BX_PEERS_MAX; p++)
        if (bx->peers[p].used && f->fp[p].have)
            out->peers++;
}

void px_bx_counters_get(const px_bx *bx, px_bx_counters *out)
{
    *out = bx->ctr;
}
