/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gossip.h — replication on libuv: the thin driver of the sans-I/O
 * replication core (replication/core.h) for praxisd.
 *
 * The core decides everything (hello, clocks, what to push to whom, when to
 * pause, close or ban); this driver carries its actions out: messages go
 * to px_conn, wakes to a uv timer, loads are read from the node's store on
 * the loop thread, and store jobs run on libuv's thread pool through
 * app/ingest.h — each received batch decoded and its signatures verified
 * as it arrives (several at once, on every core), then checked and stored
 * by one worker, in arrival order, with its own store connection, up to 32
 * batches per transaction. The records index of replicated entries is
 * caught up when no batch waits. The protocol is in schema/PROTOCOL.md
 * ("Replication", "Blobs"). Blob transfers run in the core too; their
 * storage actions (PX_CORE_BLOB_*) go to the executor node.c installs
 * (blobnet.c, px_gossip_on_blob()).
 */
#ifndef PX_GOSSIP_H
#define PX_GOSSIP_H

#include "conn.h"
#include "core.h"
#include "datadir.h"

#include <jansson.h>
#include <msgpack.h>
#include <uv.h>

typedef struct px_gossip px_gossip;
typedef struct px_gossip_peer px_gossip_peer;

/* Create the replicator for an open local node. It opens a second store
 * connection for its worker. local is borrowed and must outlive it. seed
 * seeds the core's randomness; hello_timeout_ms bounds the wait for a
 * peer's hello (0: 10 s); blob_max_size the largest blob fetched (0: the
 * default). */
int px_gossip_new(uv_loop_t *loop, px_local *local, uint64_t seed, uint64_t hello_timeout_ms,
                  uint64_t blob_max_size, px_gossip **out);

/* Stop: no new batches are started; a batch being stored finishes (the loop
 * keeps running until it has). Then px_gossip_free() after the loop ends. */
void px_gossip_stop(px_gossip *g);
void px_gossip_free(px_gossip *g);

/* Server side of a handshake: may this key connect (a member, not refused
 * for an offence)? */
bool px_gossip_admits(px_gossip *g, const uint8_t pk[32]);

/* A connection finished its handshake: the core says hello (or closes a
 * duplicate, ourselves, a revoked key). Returns the per-peer state (owned
 * by g; freed by px_gossip_peer_closed()), NULL if out of memory (the
 * connection is closed). */
px_gossip_peer *px_gossip_peer_open(px_gossip *g, px_conn *c);
/* The connection closed (rc: why; a peer's fault may refuse its key for a
 * while). NULL-safe. */
void px_gossip_peer_closed(px_gossip *g, px_gossip_peer *p, int rc);

/* One message from the peer (msgpack bytes of one value, unchecked). */
void px_gossip_on_message(px_gossip *g, px_gossip_peer *p, const uint8_t *msg, size_t len);

/* The connection's write queue drained: resume pushing. */
void px_gossip_on_drain(px_gossip *g, px_gossip_peer *p);

/* Whether the peer's hello arrived; what software it runs ("" before). */
bool px_gossip_peer_ready(const px_gossip *g, const px_gossip_peer *p);
const char *px_gossip_peer_software(const px_gossip *g, const px_gossip_peer *p);

/* Something appended entries or fork proofs to the store behind our back
 * (the CLI). */
void px_gossip_local_changed(px_gossip *g);

/* Be told (on the loop thread) whenever received entries were stored, and
 * whether admissions or revocations were among them (then reload the
 * membership and call px_gossip_members_changed(g, false)). */
void px_gossip_on_stored(px_gossip *g, void (*fn)(void *ctx, bool members_changed), void *ctx);

/* The executor of the core's blob storage actions (PX_CORE_BLOB_*): exec
 * is called for each during a drain, on the loop thread (a borrowed
 * action, now: the core's clock). It answers them with the px_core_blob_*
 * inputs on core — at once, or later (from a libuv callback) followed by
 * px_gossip_kick(). Without one they are dropped. */
void px_gossip_on_blob(px_gossip *g,
                       void (*exec)(void *ctx, px_core *core, const px_core_action *a,
                                    uint64_t now),
                       void *ctx);
/* The core, for blob inputs and queries (px_core_blob_*); after inputs
 * given outside a drain, px_gossip_kick(). */
px_core *px_gossip_core(px_gossip *g);
/* Carry out the actions that inputs given from outside caused. */
void px_gossip_kick(px_gossip *g);
/* The core's clock (ms), for those inputs. */
uint64_t px_gossip_now(void);

/* Be told when a key is refused for an offence, and until when. */
void px_gossip_on_ban(px_gossip *g, void (*fn)(void *ctx, const uint8_t key[32], uint64_t until_ms),
                      void *ctx);

/* The node reloaded its membership (local->members). behind_worker: the
 * change was stored outside the worker (the CLI), which must recompute
 * its own view and offer held entries again. */
void px_gossip_members_changed(px_gossip *g, bool behind_worker);

/* Until when key is refused (0 or past: not refused). */
uint64_t px_gossip_banned_until(const px_gossip *g, const uint8_t key[32]);

/* Refused keys, for `praxis peers`. OUT: a new JSON array. */
json_t *px_gossip_bans(const px_gossip *g);

/* Progress for `praxis sync` / `status`: received, rate, remaining. OUT: a
 * new JSON object. */
json_t *px_gossip_progress(px_gossip *g);

/* How many connected peers hold author's feed up to seq at least (by their
 * clock, or because we sent it to them; at least 1 once it was sent to any
 * peer, which may have closed since): `praxis key rotate` waits for its
 * hand-over to leave the node. */
int px_gossip_peers_holding(const px_gossip *g, const uint8_t author[32], uint64_t seq);

#endif
