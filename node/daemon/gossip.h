/*
 * gossip.h — replication: every member's feed reaches every node.
 *
 * On each connection, after the hellos, both sides send their clock (author
 * -> latest seq held) and push what the other lacks, feed by feed in seq
 * order, in bounded `entries` batches, pausing while the connection's write
 * queue is full. Afterwards the connection stays live: whatever becomes new
 * here — published locally (the CLI notifies) or received from any peer — is
 * pushed to every connected peer that lacks it. All per-peer knowledge lives
 * and dies with the connection; a peer that lost its store is just behind.
 *
 * Received batches are decoded and every entry's signature verified on
 * libuv's thread pool as they arrive (several at once, on every core), then
 * checked and stored by one worker, in arrival order, with its own store
 * connection, so signature checks and SQLite inserts stay off the event
 * loop. A connection stops being read while the worker's queue holds more
 * than PX_GOSSIP_QUEUE_MAX bytes: memory stays bounded however fast peers
 * send. Entries stored without their body are asked of peers
 * (`want_bodies` / `bodies`); entries of non-members and entries stamped
 * ahead of our clock are held back and offered again now and then. What a
 * peer's fault is, and what follows, is offence.h's table. The protocol is in
 * schema/PROTOCOL.md ("Replication").
 */
#ifndef PX_GOSSIP_H
#define PX_GOSSIP_H

#include "conn.h"
#include "datadir.h"

#include <jansson.h>
#include <msgpack.h>
#include <uv.h>

enum {
    PX_GOSSIP_BATCH_ENTRIES = 256,       /* most entries in one `entries` message */
    PX_GOSSIP_BATCH_BYTES = 512 * 1024,  /* and about this many bytes */
    PX_GOSSIP_QUEUE_MAX = 8 * 1024 * 1024, /* received bytes waiting for the worker */
    PX_GOSSIP_WANT_MAX = 64,             /* ids in one `want_bodies`, items in one `bodies` */
    PX_GOSSIP_BODIES_BYTES = 512 * 1024, /* and about this many bytes of bodies */
};

typedef struct px_gossip px_gossip;
typedef struct px_gossip_peer px_gossip_peer;

/* Why a peer was dropped: the owner may back it off. */
typedef void (*px_gossip_misbehaved_fn)(void *ctx, px_conn *c, int rc);

/* Create the replicator for an open local node. It opens a second store
 * connection for its worker. local is borrowed and must outlive it. */
int px_gossip_new(uv_loop_t *loop, px_local *local, px_gossip **out);

/* Stop: no new batches are started; a batch being stored finishes (the loop
 * keeps running until it has). Then px_gossip_free() after the loop ends. */
void px_gossip_stop(px_gossip *g);
void px_gossip_free(px_gossip *g);

/* A connection finished its hellos: start replicating with it. Returns the
 * per-peer state (owned by g; freed by px_gossip_peer_closed()). */
px_gossip_peer *px_gossip_peer_open(px_gossip *g, px_conn *c);
/* The connection is closing; forget the peer. NULL-safe. */
void px_gossip_peer_closed(px_gossip *g, px_gossip_peer *p);

/* A message for replication (type is not "hello"). raw/len are the whole
 * message's bytes, msg its parsed form; both valid only during the call.
 * Returns PX_OK, PX_EPROTO/PX_EFORMAT (the caller closes the connection) or
 * PX_ENOENT (not a replication message). */
int px_gossip_on_message(px_gossip *g, px_gossip_peer *p, const char *type,
                         const msgpack_object *msg, const uint8_t *raw, size_t len);

/* The connection's write queue drained: resume pushing. */
void px_gossip_on_drain(px_gossip *g, px_gossip_peer *p);

/* Something appended entries or fork proofs to the store behind our back
 * (the CLI). */
void px_gossip_local_changed(px_gossip *g);

/* Be told (on the loop thread) whenever received entries were stored, and
 * whether admissions or revocations were among them. */
void px_gossip_on_stored(px_gossip *g, void (*fn)(void *ctx, bool members_changed), void *ctx);

/* Admissions or revocations were stored behind the worker's back (the
 * CLI): recompute its membership and offer held entries again. */
void px_gossip_membership_changed(px_gossip *g);

/* Progress for `praxis sync` / `status`: received, rate, remaining. OUT: a
 * new JSON object. */
json_t *px_gossip_progress(px_gossip *g);

/* How many connected peers hold author's feed up to seq at least (by their
 * clock, or because we sent it to them; at least 1 once it was sent to any
 * peer, which may have closed since): `praxis key rotate` waits for its
 * hand-over to leave the node. */
int px_gossip_peers_holding(const px_gossip *g, const uint8_t author[32], uint64_t seq);

#endif
