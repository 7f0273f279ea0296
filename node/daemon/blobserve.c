/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobserve.c — blob chunks read for peers on a worker thread (see
 * blobserve.h).
 *
 * Layout: the state (requests waiting, the batch being read); the worker;
 * the loop side (request, forget, pending); lifecycle.
 */
#include "blobserve.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

enum { MSG_OVERHEAD = 64 }; /* a chunk message's header, as the protocol counts it */

typedef struct req {
    struct req *next;
    uint64_t peer;
    uint8_t id[32];
    uint32_t index;
} req;

typedef struct slot {
    req *r;
    bool dropped; /* its peer was forgotten while it was read */
    int rc;
    size_t len;
    uint8_t *buf; /* PX_BLOB_CHUNK bytes, allocated once */
} slot;

struct px_blobserve {
    uv_loop_t *loop;
    px_store *store;
    px_blobs *blobs; /* the worker's: only work_cb uses it */
    px_blobserve_cb cb;
    void *ctx;
    req *pending, **tail;
    slot batch[PX_BLOBSERVE_BATCH];
    size_t n_batch;
    bool busy, stopping;
    uv_work_t work;
};

/* --- the worker ----------------------------------------------------------- */

static void work_cb(uv_work_t *w)
{
    px_blobserve *s = w->data;
    for (size_t k = 0; k < s->n_batch; k++) {
        slot *sl = &s->batch[k];
        sl->len = 0;
        /* held, and matching its manifest hash (px_blob_read verifies) */
        sl->rc = px_blob_read_chunk(s->blobs, sl->r->id, sl->r->index, sl->buf, &sl->len);
    }
}

static void kick(px_blobserve *s);

static void after_work_cb(uv_work_t *w, int status)
{
    px_blobserve *s = w->data;
    (void)status;
    size_t n = s->n_batch;
    s->n_batch = 0;
    s->busy = false;
    for (size_t k = 0; k < n; k++) {
        slot *sl = &s->batch[k];
        req *r = sl->r;
        sl->r = NULL;
        if (!s->stopping && !sl->dropped)
            s->cb(s->ctx, r->peer, r->id, r->index, sl->rc ? NULL : sl->buf, sl->rc ? 0 : sl->len);
        free(r);
    }
    kick(s);
}

static void kick(px_blobserve *s)
{
    if (s->busy || s->stopping || !s->pending)
        return;
    while (s->pending && s->n_batch < PX_BLOBSERVE_BATCH) {
        slot *sl = &s->batch[s->n_batch++];
        sl->r = s->pending;
        sl->dropped = false;
        s->pending = sl->r->next;
        sl->r->next = NULL;
    }
    if (!s->pending)
        s->tail = &s->pending;
    s->busy = true;
    s->work.data = s;
    if (uv_queue_work(s->loop, &s->work, work_cb, after_work_cb) != 0) {
        /* cannot happen with a live loop: the requests are dropped (asked again) */
        for (size_t k = 0; k < s->n_batch; k++) {
            free(s->batch[k].r);
            s->batch[k].r = NULL;
        }
        s->n_batch = 0;
        s->busy = false;
    }
}

/* --- the loop side ---------------------------------------------------------- */

int px_blobserve_request(px_blobserve *s, uint64_t peer, const uint8_t id[32], uint32_t index)
{
    if (s->stopping)
        return PX_OK;
    req *r = calloc(1, sizeof *r);
    if (!r)
        return px_err_set(PX_ENOMEM, "out of memory for a blob chunk request");
    r->peer = peer;
    memcpy(r->id, id, 32);
    r->index = index;
    *s->tail = r;
    s->tail = &r->next;
    kick(s);
    return PX_OK;
}

void px_blobserve_forget(px_blobserve *s, uint64_t peer)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n_batch; k++)
        if (s->batch[k].r && s->batch[k].r->peer == peer)
            s->batch[k].dropped = true;
    req **pp = &s->pending;
    while (*pp) {
        req *r = *pp;
        if (r->peer == peer) {
            *pp = r->next;
            free(r);
        } else {
            pp = &r->next;
        }
    }
    s->tail = pp;
}

size_t px_blobserve_pending(const px_blobserve *s, uint64_t peer)
{
    size_t n = 0;
    for (size_t k = 0; k < s->n_batch; k++)
        if (s->batch[k].r && !s->batch[k].dropped && s->batch[k].r->peer == peer)
            n++;
    for (const req *r = s->pending; r; r = r->next)
        if (r->peer == peer)
            n++;
    return n * (PX_BLOB_CHUNK + MSG_OVERHEAD);
}

/* --- lifecycle ----------------------------------------------------------------- */

int px_blobserve_new(uv_loop_t *loop, const char *store_path, const char *dir,
                     const px_blob_limits *limits, px_blobserve_cb cb, void *ctx,
                     px_blobserve **out)
{
    *out = NULL;
    px_blobserve *s = calloc(1, sizeof *s);
    if (!s)
        return px_err_set(PX_ENOMEM, "out of memory");
    s->loop = loop;
    s->cb = cb;
    s->ctx = ctx;
    s->tail = &s->pending;
    /* reads only (a chunk found damaged is marked missing): no sweep at open */
    px_blob_limits lim = limits ? *limits : (px_blob_limits){0};
    lim.reader = true;
    int rc = px_store_open(store_path, &s->store);
    if (!rc)
        rc = px_blobs_open(&s->blobs, s->store, dir, &lim);
    for (size_t k = 0; !rc && k < PX_BLOBSERVE_BATCH; k++)
        if (!(s->batch[k].buf = malloc(PX_BLOB_CHUNK)))
            rc = px_err_set(PX_ENOMEM, "out of memory");
    if (rc) {
        px_blobserve_free(s);
        return rc;
    }
    *out = s;
    return PX_OK;
}

void px_blobserve_stop(px_blobserve *s)
{
    if (s)
        s->stopping = true;
}

void px_blobserve_free(px_blobserve *s)
{
    if (!s)
        return;
    while (s->pending) {
        req *r = s->pending;
        s->pending = r->next;
        free(r);
    }
    for (size_t k = 0; k < PX_BLOBSERVE_BATCH; k++) {
        free(s->batch[k].r);
        free(s->batch[k].buf);
    }
    px_blobs_close(s->blobs);
    px_store_close(s->store);
    free(s);
}
