/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobnet.h — the daemon's side of blob transfers: drives the sans-I/O
 * protocol (replication/blobxfer.h) over praxisd's connections and libuv.
 *
 * It owns a second store connection and blob store for one worker thread
 * that writes manifests and chunks (batched: one fdatasync and one
 * transaction per batch), so disk writes never run on the event loop; a
 * chunk a peer asks for is read and verified on another worker
 * (blobserve.h), and the loop thread only looks up what is held of a blob.
 * It answers the control socket's blob requests.
 *
 * Hooks in node.c (all marked "blob transfer hook"): peer up after the
 * hello, peer down on close, messages whose type starts with "blob_", the
 * write queue draining, and the control ops blob_fetch / blob_status.
 */
#ifndef PX_BLOBNET_H
#define PX_BLOBNET_H

#include "blob.h"
#include "conn.h"
#include "datadir.h"

#include <jansson.h>
#include <msgpack.h>
#include <uv.h>

typedef struct px_blobnet px_blobnet;

/* limits may be NULL (defaults). local is borrowed. */
int px_blobnet_new(uv_loop_t *loop, px_local *local, const px_blob_limits *limits,
                   px_blobnet **out);
/* Stop the timer; a batch being written finishes. Then free after the loop
 * ended. */
void px_blobnet_stop(px_blobnet *b);
void px_blobnet_free(px_blobnet *b);

/* Entries were stored (or the daemon started): mark kept, off the loop,
 * the blobs held that records of this node, the root or the secretariat
 * attach, as a blob may have been fetched before the record that attaches
 * it arrived. Coalesced: one pass waits at a time, at most one every 5 s. */
void px_blobnet_entries_stored(px_blobnet *b);
void px_blobnet_peer_up(px_blobnet *b, px_conn *c);
void px_blobnet_peer_down(px_blobnet *b, px_conn *c);
/* A blob_* message. PX_OK or the peer's fault (the caller closes). */
int px_blobnet_on_message(px_blobnet *b, px_conn *c, const msgpack_object *msg);
void px_blobnet_on_drain(px_blobnet *b, px_conn *c);

/* Control ops: {"op": "blob_fetch", "id": HEX, "timeout_ms": N} starts
 * (or extends) a fetch and answers its status; {"op": "blob_status", "id"}
 * only answers it. Status: {"id", "complete", "active", "size", "chunks",
 * "chunks_held", "kept", "unkept" (why a keeper's attachment is not kept:
 * its quota per author), "peers", "chunks_received", "fetch_ms" (a fetch that
 * completed: how long it took), "failed" (a finished fetch
 * that failed)}. NULL if op is not a blob op. */
json_t *px_blobnet_control(px_blobnet *b, const char *op, json_t *req);

/* Blob-transfer counters for status: {"chunks_received", "chunks_sent",
 * "bad_chunks", "wants_relayed", "fetches"}. */
json_t *px_blobnet_counters(px_blobnet *b);

#endif
