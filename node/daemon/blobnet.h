/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobnet.h — the daemon's side of blob transfers: the blob store behind
 * the replication core. The protocol runs in the core (replication/core.h,
 * which embeds blobxfer.h) and reaches the connections through gossip.c's
 * drain like every other message; this module executes the core's blob
 * storage actions (PX_CORE_BLOB_*: store a manifest or a chunk, look up
 * what is held, read a chunk to serve, a fetch done) and answers them with
 * the core's px_core_blob_* inputs.
 *
 * It owns a second store connection and blob store for one worker thread
 * that writes manifests and chunks (batched: one fdatasync and one
 * transaction per batch), so disk writes never run on the event loop; a
 * chunk a peer asks for is read and verified on another worker
 * (blobserve.h), and the loop thread only looks up what is held of a blob.
 * It answers the control socket's blob requests.
 *
 * node.c creates it after the replicator (it installs itself as the
 * gossip's blob executor), tells it when entries were stored (the keep
 * sweep), and hands it the control ops blob_fetch / blob_status.
 */
#ifndef PX_BLOBNET_H
#define PX_BLOBNET_H

#include "blob.h"
#include "conn.h"
#include "datadir.h"
#include "gossip.h"

#include <jansson.h>
#include <uv.h>

typedef struct px_blobnet px_blobnet;

/* limits may be NULL (defaults). local and gossip are borrowed and must
 * outlive it; it becomes gossip's blob executor (px_gossip_on_blob()). */
int px_blobnet_new(uv_loop_t *loop, px_local *local, const px_blob_limits *limits,
                   px_gossip *gossip, px_blobnet **out);
/* Stop executing; a batch being written finishes. Then free after the loop
 * ended. */
void px_blobnet_stop(px_blobnet *b);
void px_blobnet_free(px_blobnet *b);

/* Entries were stored (or the daemon started): mark kept, off the loop,
 * the blobs held that records of this node, the root or the secretariat
 * attach, as a blob may have been fetched before the record that attaches
 * it arrived. Coalesced: one pass waits at a time, at most one every 5 s. */
void px_blobnet_entries_stored(px_blobnet *b);

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
