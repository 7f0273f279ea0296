/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blobxfer.h — the blob transfer protocol (schema/PROTOCOL.md, "Blobs"),
 * sans I/O: the machine the replication core embeds (core.c). Its messages
 * are msg.h's (one codec for every wire message).
 *
 * This module decides what to send and when; it does no I/O, reads no
 * clock and touches no store. Its driver — the replication core, which
 * turns its actions into core actions (PX_CORE_SEND, PX_CORE_BLOB_*), or a
 * unit test — feeds it inputs — a peer up or down, a decoded message, a
 * connection's write queue drained, the time passing, the result of storing
 * or looking something up — and carries out the actions it queues: send
 * bytes to a peer, store a manifest or a chunk, look up what the store
 * holds of a blob, read a chunk and send it, report a fetch finished, watch
 * a queue. A peer's offence is the return value of px_bx_on_message (the
 * driver closes the connection with it, offence.h). `now` is milliseconds
 * on any monotonic clock the driver likes.
 *
 * Flow control (so a transfer never delays entry replication):
 * - a requester keeps at most PX_BX_WINDOW chunk requests outstanding per
 *   peer, each chunk asked of one peer only, re-asked of another after
 *   PX_BX_CHUNK_TIMEOUT_MS; the window is adaptive and per peer: while
 *   entries arrive from a peer (px_bx_entries_moving, and
 *   PX_BX_ENTRY_QUIET_MS after) the window on that connection is
 *   PX_BX_WINDOW_MIN, so an entry finds little chunk data ahead of it on
 *   that link; once quiet it grows back by one per chunk delivered. Other
 *   connections keep their windows (the peer at the other end of a link
 *   that carries entries to it shrinks its own window the same way);
 * - a server answers requests only while the connection's write queue
 *   holds less than PX_BX_SEND_QUEUE bytes (entries are sent up to 1 MiB
 *   queued, so they always find the queue short), and keeps at most
 *   PX_BX_SERVE_MAX requests of a peer queued (more is a protocol offence);
 * - a requester asks for nothing more while PX_BX_STORE_BACKLOG chunks of a
 *   blob wait for its store, so memory stays bounded when the disk is
 *   slower than the peers.
 *
 * Peers are named by the driver's ids (the core's peer ids).
 */
#ifndef PX_BLOBXFER_H
#define PX_BLOBXFER_H

#include "blob.h"
#include "msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_BX_WINDOW = 32,             /* chunk requests outstanding per peer, at most */
    PX_BX_WINDOW_MIN = 4,          /* while entries move */
    PX_BX_ENTRY_QUIET_MS = 1000,   /* entries moved this long ago: the window grows again */
    PX_BX_SERVE_MAX = 64,          /* requests of one peer queued at the server */
    PX_BX_SEND_QUEUE = 512 * 1024, /* chunks are sent while the queue is shorter */
    PX_BX_CHUNK_TIMEOUT_MS = 5000, /* a chunk not answered: ask elsewhere */
    PX_BX_AVOID_MS = 10000,        /* and not of that peer again for this long */
    PX_BX_REWANT_MS = 3000,        /* ask peers that lack the blob again */
    PX_BX_INTEREST_MS = 30000,     /* a want keeps its sender informed this long */
    PX_BX_RELAY_MS = 60000,        /* a one-hop fetch on a peer's behalf lasts */
    PX_BX_HAVE_EVERY = 32,         /* progress `blob_have` after this many chunks */
    PX_BX_STORE_BACKLOG = 64,      /* no new requests while this many chunks wait to be stored */
    PX_BX_FETCHES_MAX = 64,        /* blobs fetched at once */
    PX_BX_RELAYS_MAX = 32,         /* of them on other nodes' behalf */
    PX_BX_RELAYS_PER_PEER = 4,     /* of them for one peer */
    PX_BX_PEERS_MAX = 128,
};

/* The messages are msg.h's (px_msg_blob, PX_MSG_BLOB_*). */
#define PX_BX_GET_MAX PX_MSG_BLOB_GET_MAX

/* --- the state machine -------------------------------------------------- */

typedef struct px_bx px_bx;

typedef enum px_bx_kind {
    PX_BXA_SEND = 1,     /* peer; data/len: one message for it */
    PX_BXA_PUT_MANIFEST, /* id; data/len: manifest bytes (checked) to record */
    PX_BXA_PUT_CHUNK,    /* id, index; data/len: a chunk to store, its length checked; the
                            store checks its hash against the manifest (off the loop) and
                            reports a mismatch as px_bx_chunk_stored(PX_EHASH) */
    PX_BXA_LOOKUP,       /* peer, id, hops: what does the store hold? -> px_bx_lookup_done */
    PX_BXA_SERVE,        /* peer, id, index: read the chunk, send it
                            (px_msg_encode_blob_chunk) */
    PX_BXA_WATCH,        /* peer: call px_bx_drained once its queue is short */
    PX_BXA_DONE,         /* id, rc: a fetch ended (PX_OK: complete here) */
    PX_BXA_OFFENCE,      /* peer, rc (PX_EHASH), id, index: it sent chunk index of id with
                            bytes that do not match the manifest; close it for rc, or
                            punish its key if it has gone since */
} px_bx_kind;

typedef struct px_bx_action {
    px_bx_kind kind;
    uint64_t peer;
    uint8_t id[32];
    uint32_t index;
    uint32_t hops;
    int rc;
    const uint8_t *data; /* valid until the next call into px_bx */
    size_t len;
    size_t owned_at; /* the machine's: where it keeps data (px_bx_take) */
} px_bx_action;

typedef struct px_bx_cfg {
    uint64_t max_size; /* per blob; 0: PX_BLOB_MAX_DEFAULT */
} px_bx_cfg;

int px_bx_new(const px_bx_cfg *cfg, px_bx **out);
void px_bx_free(px_bx *bx); /* NULL-safe */

/* The actions queued by the last calls, in order; the driver carries them
 * out and then calls px_bx_clear(). Results of actions are reported with
 * the functions below, after px_bx_clear(). */
const px_bx_action *px_bx_actions(const px_bx *bx, size_t *n);
void px_bx_clear(px_bx *bx);
/* Take over one action's data (a's bytes, malloc'ed; the caller frees
 * them) so a driver can pass a chunk on without copying it; NULL if it has
 * none or was taken already. a stays valid, its data pointer then the
 * caller's. */
uint8_t *px_bx_take(px_bx *bx, const px_bx_action *a);
/* When px_bx_tick should be called next (UINT64_MAX: not needed). */
uint64_t px_bx_next_wake(const px_bx *bx);

void px_bx_peer_up(px_bx *bx, uint64_t peer, uint64_t now);
void px_bx_peer_down(px_bx *bx, uint64_t peer, uint64_t now);
/* A blob_* message from peer, decoded by px_msg_decode (m borrowed for the
 * call). PX_OK, or the peer's fault (PX_EPROTO, PX_EHASH, ...): the driver
 * closes the connection with that code. */
int px_bx_on_message(px_bx *bx, uint64_t peer, const px_msg_blob *m, uint64_t now);
/* peer's write queue holds room bytes less than PX_BX_SEND_QUEUE. */
void px_bx_drained(px_bx *bx, uint64_t peer, size_t room, uint64_t now);
void px_bx_tick(px_bx *bx, uint64_t now);

/* Fetch blob id until complete or until deadline. What the store holds of
 * it already: its manifest (or NULL) and the bitmap of chunks held.
 * PX_EBUSY if PX_BX_FETCHES_MAX fetches run. A fetch running already is
 * extended to the later deadline. */
int px_bx_fetch(px_bx *bx, const uint8_t id[32], const uint8_t *manifest, size_t mlen,
                const uint8_t *have, size_t hlen, uint64_t deadline, uint64_t now);
void px_bx_cancel(px_bx *bx, const uint8_t id[32]);

/* Results of PUT_MANIFEST, PUT_CHUNK and LOOKUP. For a lookup, manifest is
 * NULL when the store holds nothing of id. A chunk's PX_EHASH (its bytes do
 * not match the manifest) is its sender's offence (PX_BXA_OFFENCE), and the
 * chunk is fetched again; any other error ends the fetch. */
void px_bx_manifest_stored(px_bx *bx, const uint8_t id[32], int rc, uint64_t now);
void px_bx_chunk_stored(px_bx *bx, const uint8_t id[32], uint32_t index, int rc, uint64_t now);
/* Is a chunk peer sent still with the store, unverified? (Its driver must
 * then remember who peer was, should a PX_BXA_OFFENCE name it after it has
 * gone.) */
bool px_bx_storing_from(const px_bx *bx, uint64_t peer);
/* Optional, before px_bx_chunk_stored: chunk index is written but not yet
 * durable (the driver syncs in batches). It no longer counts against
 * PX_BX_STORE_BACKLOG (the memory of chunks waiting to be written); it
 * counts as held only once px_bx_chunk_stored says it is durable. */
void px_bx_chunk_written(px_bx *bx, const uint8_t id[32], uint32_t index, uint64_t now);
/* Entries arrived from peer: shrink the chunk window on that connection
 * for PX_BX_ENTRY_QUIET_MS (the others keep theirs). */
void px_bx_entries_moving(px_bx *bx, uint64_t peer, uint64_t now);
void px_bx_lookup_done(px_bx *bx, uint64_t peer, const uint8_t id[32], uint32_t hops,
                       const uint8_t *manifest, size_t mlen, const uint8_t *have, size_t hlen,
                       uint64_t now);

/* The chunk window on peer's connection now (0: no such peer). */
uint32_t px_bx_window(const px_bx *bx, uint64_t peer);

typedef struct px_bx_status {
    bool active; /* a fetch runs */
    bool have_manifest;
    uint64_t size;
    uint32_t chunks;
    uint32_t held;    /* stored here */
    uint32_t written; /* written, waiting to be made durable (then held) */
    uint32_t in_flight;
    uint32_t peers;    /* peers that offered chunks of it */
    uint64_t received; /* chunks received for this fetch (valid or not) */
    bool relay;        /* fetched on a peer's behalf */
} px_bx_status;

void px_bx_status_get(const px_bx *bx, const uint8_t id[32], px_bx_status *out);

typedef struct px_bx_counters {
    uint64_t chunks_received, chunks_sent, bad_chunks, wants_relayed;
} px_bx_counters;
void px_bx_counters_get(const px_bx *bx, px_bx_counters *out);

#endif
