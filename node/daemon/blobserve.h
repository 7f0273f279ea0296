/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobserve.h — blob chunks read for peers off the event loop.
 *
 * Serving a chunk means reading 64 KiB from the blob's file and verifying
 * them against the manifest (px_blob_read): a hash of the whole chunk. On
 * the loop thread that work would sit between entry messages; here a worker
 * thread of libuv's pool does it with its own store connection, a batch of
 * requests at a time, and the chunks come back to the loop through a
 * callback, in the order asked, for the protocol to send.
 *
 * Memory is bounded: at most PX_BLOBSERVE_BATCH chunks are read at once,
 * into buffers allocated once; requests waiting for the worker hold only
 * their id and index (the protocol bounds how many a peer may have queued,
 * PX_BX_SERVE_MAX).
 *
 * Peers are tokens chosen by the caller. A peer forgotten (its connection
 * closed) gets no more callbacks, even for chunks being read already.
 */
#ifndef PX_BLOBSERVE_H
#define PX_BLOBSERVE_H

#include "blob.h"

#include <stdint.h>
#include <uv.h>

enum {
    PX_BLOBSERVE_BATCH = 4, /* chunks read in one go by the worker */
};

typedef struct px_blobserve px_blobserve;

/* A chunk read for peer: data (len bytes, valid during the call) or NULL
 * when this node does not hold it (not held, removed, or damaged on disk:
 * then it is marked missing). Called on the loop thread. */
typedef void (*px_blobserve_cb)(void *ctx, uint64_t peer, const uint8_t id[32], uint32_t index,
                                const uint8_t *data, size_t len);

/* Open a store connection on store_path and the blob store of data
 * directory dir for the worker. cb and ctx are borrowed for the life of the
 * px_blobserve. */
int px_blobserve_new(uv_loop_t *loop, const char *store_path, const char *dir,
                     const px_blob_limits *limits, px_blobserve_cb cb, void *ctx,
                     px_blobserve **out);
/* No more callbacks; a batch being read finishes (and is dropped). */
void px_blobserve_stop(px_blobserve *s);
/* After the loop ended. NULL-safe. */
void px_blobserve_free(px_blobserve *s);

/* Read chunk index of id for peer, then call back. PX_ENOMEM (nothing is
 * queued: the requester asks again after its timeout). */
int px_blobserve_request(px_blobserve *s, uint64_t peer, const uint8_t id[32], uint32_t index);
/* peer's connection is gone: drop its requests. */
void px_blobserve_forget(px_blobserve *s, uint64_t peer);
/* Bytes of chunk messages for peer asked for and not yet called back (an
 * estimate: a chunk and its message's header each), for flow control: they
 * will join its write queue. */
size_t px_blobserve_pending(const px_blobserve *s, uint64_t peer);

#endif
