/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.h — the replication core of one node, sans I/O: inputs in, actions
 * out. It never touches a socket, a thread, a file, SQLite, the wall clock or
 * the system's randomness: time comes in with every input (now_ms), the only
 * randomness is a PRNG seeded from cfg.seed, storage is behind the host
 * (PX_CORE_STORE / PX_CORE_LOAD actions, answered by px_core_stored() /
 * px_core_loaded()). praxisd drives it on libuv (node/gossip.c) and
 * praxis-sim drives many of them on a virtual clock and network; both
 * execute the storage actions with node/app/ingest.h.
 *
 * Blob transfers (schema/PROTOCOL.md, "Blobs") run inside the core too:
 * it embeds the blob transfer machine (blobxfer.h), hands it the blob_*
 * messages, the peers that said hello and those that closed, the time and
 * the send queues, and turns what it decides into actions: PX_CORE_SEND
 * for its messages and PX_CORE_BLOB_* for the blob store, answered with
 * the px_core_blob_* inputs (praxisd: node/daemon/blobnet.c executes them;
 * praxis-sim: tests/sim/blobs.c). Its wakes are merged into PX_CORE_WAKE.
 *
 * The protocol is schema/PROTOCOL.md ("Messages", "Replication"); the
 * messages are encoded and decoded by msg.h; which refusals are a peer's
 * fault and how long its key is refused is offence.h's table, applied here.
 *
 * How a host drives it:
 *   - create it with px_core_new(), then give it our heads and fork proofs
 *     (px_core_local_changed(), px_core_add_fork(); ingest.h's
 *     px_ingest_feed_core() reads both from a store);
 *   - call the input functions as things happen, in any order, each with
 *     the current time (it must not go backwards);
 *   - after each input (or a burst of them) take the actions with
 *     px_core_next_action() until it returns false, and carry them out in
 *     the order given. A host may call input functions while it drains
 *     (e.g. answer a PX_CORE_LOAD at once with px_core_loaded()): new
 *     actions are appended to the same queue.
 *
 * Peers are named by ids the host chooses (any uint64_t except 0, unique
 * among the open ones). A peer exists from px_core_peer_open() until
 * px_core_peer_closed(); actions for a peer the host has closed meanwhile
 * are dropped by the host.
 *
 * Jobs (PX_CORE_STORE, PX_CORE_LOAD, PX_CORE_LOAD_BODIES) carry ids chosen
 * by the core; every job gets exactly one answer. Store jobs may be answered
 * in any order, but the host must execute them in the order given (a feed's
 * entries build on each other); praxisd groups consecutive ones into one
 * transaction.
 *
 * Contract stability: fields and functions are only ever added.
 */
#ifndef PX_CORE_H
#define PX_CORE_H

#include "blobxfer.h"
#include "members.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_CORE_BATCH_ENTRIES = 256,         /* most entries in one `entries` message */
    PX_CORE_BATCH_BYTES = 512 * 1024,    /* and about this many bytes */
    PX_CORE_QUEUE_MAX = 8 * 1024 * 1024, /* bytes of store jobs outstanding before reading pauses */
    PX_CORE_WANT_MAX = 64,               /* ids in one `want_bodies`, items in one `bodies` */
    PX_CORE_BODIES_BYTES = 512 * 1024,   /* and about this many bytes of bodies */
    PX_CORE_HIGH_WATER = 1024 * 1024,    /* a peer's send queue above this: stop sending */
    PX_CORE_LOW_WATER = 256 * 1024,      /* (the host's queue reports below this resume it) */
    PX_CORE_PROTOCOL_VERSION = 1,
};

typedef struct px_core px_core;

/* A feed position: author -> seq. */
typedef struct px_core_seq {
    uint8_t author[32];
    uint64_t seq;
} px_core_seq;

typedef struct px_core_cfg {
    const uint8_t *me;         /* our public key (32 bytes, copied) */
    const uint8_t *network_id; /* the genesis network id (32, copied) */
    /* The host's current membership, borrowed and read on every decision.
     * After the host reloads it, px_core_members_changed(). */
    const px_members *members;
    uint64_t seed;             /* seeds the core's PRNG: all its randomness */
    uint64_t now_ms;           /* the time at creation */
    uint64_t hello_timeout_ms; /* a peer must say hello this soon after opening (0: 10000) */
    const char *software;      /* what our hello says (NULL: "praxisd/0.1.0"); copied */
    /* Entries received from a peer wait this long before they are pushed
     * on, so neighbours' `have`s can spare copies (0: the default, 40 ms;
     * use PX_CORE_NO_DELAY for none). */
    uint32_t forward_delay_ms;
    /* How new entries travel on (schema/PROTOCOL.md, "Epidemic broadcast
     * tree"): PX_CORE_RELAY_EBT (the default, 0) pushes them along a
     * spanning tree (prune/graft) and sends `have`s to the other peers;
     * PX_CORE_RELAY_FLOOD pushes them to every peer that lacks them. The
     * forwarding delay defaults to none with EBT, 40 ms with flooding. */
    int relay;
    /* EBT: a feed some lazy peers claim more of, and no eager peer does, is
     * grafted from one of them after this long (0: 200 ms). */
    uint32_t graft_ms;
    uint64_t blob_max_size; /* largest blob fetched (0: PX_BLOB_MAX_DEFAULT) */
} px_core_cfg;

enum { PX_CORE_RELAY_EBT = 0, PX_CORE_RELAY_FLOOD = 1 };

#define PX_CORE_NO_DELAY UINT32_MAX

/* OUT *out: a new core, released by px_core_free(). PX_OK, PX_ENOMEM,
 * PX_EINVAL (a required field missing). */
int px_core_new(const px_core_cfg *cfg, px_core **out);
void px_core_free(px_core *c); /* NULL-safe; unanswered jobs are forgotten */

/* --- inputs ------------------------------------------------------------------ */

/* Our heads grew outside the core (start-up; the CLI published or imported
 * and told the daemon): raise them and push what peers lack at once.
 * Heads never go down; a lower seq is ignored. */
int px_core_local_changed(px_core *c, const px_core_seq *heads, size_t n, uint64_t now_ms);

/* A fork proof held here (start-up, an import, or a store outcome with
 * forks > 0): the validly signed entries for author's seq, as count
 * archive items [header, sig, body|nil] one after the other (items/len
 * copied): the second entry, and the one this store holds, so that a peer
 * holding either variant learns of the other (one alone is a duplicate to
 * a peer that holds it; praxis-sim found such a feed never frozen). One
 * proof per author is kept; it goes to every peer that holds that seq. */
int px_core_add_fork(px_core *c, const uint8_t author[32], uint64_t seq, const uint8_t *items,
                     size_t len, size_t count);

/* The host reloaded cfg.members (after a store outcome with
 * members_changed, or an admission or revocation stored behind the core's
 * back). Peers whose keys may no longer connect are closed. behind_ingester:
 * the change was stored outside the ingester (the CLI), so it must reload
 * its own view and offer held entries again (a PX_CORE_STORE of kind
 * PX_CORE_JOB_RELEASE follows). */
void px_core_members_changed(px_core *c, bool behind_ingester, uint64_t now_ms);

/* Server side of a handshake, after the client proved its key and before
 * we answer: may this key connect? (A current member whose key is not
 * refused for an offence.) */
bool px_core_admits(const px_core *c, const uint8_t pk[32], uint64_t now_ms);

/* A connection finished its handshake: pk is the peer's proven key,
 * outbound whether we dialled. The core sends our hello; it closes the
 * connection (PX_CORE_CLOSE) if pk is ours, cut off, or a duplicate of
 * another open peer's key (of two, both ends keep the one dialled by the
 * smaller key). PX_OK or PX_ENOMEM (the host closes it). */
int px_core_peer_open(px_core *c, uint64_t peer, const uint8_t pk[32], bool outbound,
                      uint64_t now_ms);

/* One whole message from the peer (the msgpack value inside a frame;
 * bytes valid only during the call). Hostile bytes are the core's to
 * judge: a malformed message or one out of place ends in PX_CORE_CLOSE. */
void px_core_peer_message(px_core *c, uint64_t peer, const uint8_t *msg, size_t len,
                          uint64_t now_ms);

/* The peer's send queue now holds queued bytes (some were written). The
 * core counts every PX_CORE_SEND's bytes as queued until told otherwise,
 * and sends nothing more to a peer while that count is at least
 * PX_CORE_HIGH_WATER. The host reports whenever bytes left the queue
 * (praxisd: when it fell below the low-water mark, and after each drain of
 * actions that sent something; the simulator: on every delivery). */
void px_core_peer_queued(px_core *c, uint64_t peer, size_t queued, uint64_t now_ms);

/* The connection ended (whoever closed it). rc says why: PX_OK for a clean
 * close; if offence.h makes rc a peer's fault with a ban, the key is
 * refused for a while (px_core_banned_until()). Unknown ids are ignored. */
void px_core_peer_closed(px_core *c, uint64_t peer, int rc, uint64_t now_ms);

/* Time passed: call at or after each PX_CORE_WAKE's time (earlier calls
 * are harmless). */
void px_core_tick(px_core *c, uint64_t now_ms);

/* --- storage jobs -------------------------------------------------------------- */

typedef enum px_core_job_kind {
    PX_CORE_JOB_ENTRIES = 1, /* an `entries` message from peer: check and store its entries */
    PX_CORE_JOB_BODIES,      /* a `bodies` message from peer: fill in missing bodies */
    /* No message: reload the ingester's membership from the store, offer
     * held-back entries again (admissions may have arrived, a stamped-ahead
     * entry's time may have come) and refresh the missing-bodies list. */
    PX_CORE_JOB_RELEASE,
} px_core_job_kind;

/* The outcome of one store job (ingest.h fills it). Arrays are borrowed
 * for the duration of px_core_stored(). */
typedef struct px_core_outcome {
    int rc;         /* PX_OK, or why the message stopped (a peer's fault if offence.h says so) */
    char err[300];  /* the one-sentence reason when rc != PX_OK */
    size_t entries; /* items in the message */
    size_t added;   /* new entries stored */
    size_t dups;    /* entries already held */
    size_t held;    /* entries held back (author not a member yet, or stamped ahead) */
    size_t filled;  /* missing bodies filled in by a `bodies` message */
    size_t bodies;  /* missing bodies filled in by whole copies of held entries */
    size_t sig_checks;
    size_t forks;    /* fork proofs stored: the host passes them with px_core_add_fork() first */
    size_t released; /* held-back entries accepted (a release, or after an admission) */
    bool members_changed; /* admissions or revocations were stored: the host reloads
                             cfg.members, then px_core_members_changed(c, false, ...) */
    bool held_left;       /* entries remain held back (a release will be asked for later) */
    bool missing_stale;   /* the missing-bodies list changed (a release refreshes it) */
    /* Per author, the highest seq the message carried (the sender holds it). */
    const px_core_seq *sent;
    size_t n_sent;
    /* Our heads after storing, for the authors in sent (and those a release grew). */
    const px_core_seq *heads;
    size_t n_heads;
    /* The ids of bodies to ask peers for next (want_set: replace the
     * core's list with want[0, n_want), which may be empty). */
    bool want_set;
    const uint8_t (*want)[32];
    size_t n_want;
} px_core_outcome;

/* A store job is done. Unknown job ids are ignored. */
void px_core_stored(px_core *c, uint64_t job, const px_core_outcome *o, uint64_t now_ms);

/* A PX_CORE_LOAD is done: items holds count archive items [header, sig,
 * body|nil] (ledger/archive.h, the item format of an `entries` message) of
 * the author's feed, consecutive from the asked seq, last_seq the seq of
 * the last; count 0 if none. rc != PX_OK: the store could not be read (the
 * core backs off that peer's feed for now). Bytes valid only during the
 * call. */
void px_core_loaded(px_core *c, uint64_t job, int rc, const uint8_t *items, size_t len,
                    size_t count, uint64_t last_seq, uint64_t now_ms);

/* One body found for a PX_CORE_LOAD_BODIES: its entry's id, author and seq
 * (so entries past their author's cut are left out) and the body. */
typedef struct px_core_body {
    const uint8_t *id; /* 32 bytes */
    const uint8_t *author;
    uint64_t seq;
    const uint8_t *body;
    size_t len;
} px_core_body;

/* A PX_CORE_LOAD_BODIES is done: the bodies held here of the ids asked
 * (those not held, or held without a body, are left out). Borrowed for the
 * call. */
void px_core_bodies_loaded(px_core *c, uint64_t job, int rc, const px_core_body *bodies, size_t n,
                           uint64_t now_ms);

/* --- blob transfers --------------------------------------------------------------- */

/* Fetch blob id from the peers until complete or until deadline_ms. What
 * the store holds of it already: its manifest (NULL: nothing) and the
 * bitmap of chunks held (copied). A fetch running already is extended to
 * the later deadline. PX_OK (a PX_CORE_BLOB_DONE follows, once), PX_EBUSY
 * (PX_BX_FETCHES_MAX fetches run), PX_EHASH / PX_ETOOBIG (the manifest
 * given does not fit the id or the limit), PX_ENOMEM. */
int px_core_blob_fetch(px_core *c, const uint8_t id[32], const uint8_t *manifest, size_t mlen,
                       const uint8_t *have, size_t hlen, uint64_t deadline_ms, uint64_t now_ms);
/* Stop fetching it (no PX_CORE_BLOB_DONE follows). */
void px_core_blob_cancel(px_core *c, const uint8_t id[32], uint64_t now_ms);

/* Answers to PX_CORE_BLOB_* actions (bytes borrowed for the call). */
void px_core_blob_manifest_stored(px_core *c, const uint8_t id[32], int rc, uint64_t now_ms);
/* The chunk is written, not yet durable: it leaves the store backlog, but
 * counts as held only once px_core_blob_chunk_stored() says so. Optional. */
void px_core_blob_chunk_written(px_core *c, const uint8_t id[32], uint32_t index, uint64_t now_ms);
void px_core_blob_chunk_stored(px_core *c, const uint8_t id[32], uint32_t index, int rc,
                               uint64_t now_ms);
/* What the store holds of id: its manifest and bitmap (manifest NULL:
 * nothing); hops as the action gave it. */
void px_core_blob_looked_up(px_core *c, uint64_t peer, const uint8_t id[32], uint32_t hops,
                            const uint8_t *manifest, size_t mlen, const uint8_t *have, size_t hlen,
                            uint64_t now_ms);
/* The chunk read for a PX_CORE_BLOB_SERVE (data NULL: not held, or it did
 * not match its hash): the core sends it. The answer may come later (praxisd
 * reads chunks on a worker); until it does, the chunk counts as queued for
 * the peer, so chunks are never served faster than its queue drains. */
void px_core_blob_serve(px_core *c, uint64_t peer, const uint8_t id[32], uint32_t index,
                        const uint8_t *data, size_t len, uint64_t now_ms);

/* How a fetch goes (all zero when none runs for id). */
void px_core_blob_status(const px_core *c, const uint8_t id[32], px_bx_status *out);
void px_core_blob_counters(const px_core *c, px_bx_counters *out);
/* The chunk window on peer's connection now (PX_BX_WINDOW, or less while
 * entries arrive on it; 0: not a ready peer). */
uint32_t px_core_blob_window(const px_core *c, uint64_t peer);

/* --- actions ----------------------------------------------------------------- */

typedef enum px_core_action_type {
    PX_CORE_SEND = 1,    /* peer, bytes/len: one message (msgpack) to frame and send */
    PX_CORE_CLOSE,       /* peer, rc: close the connection (goodbye first), then
                            report px_core_peer_closed(peer, rc) */
    PX_CORE_PAUSE,       /* peer: stop reading from it */
    PX_CORE_RESUME,      /* peer: read again */
    PX_CORE_WAKE,        /* at_ms: call px_core_tick() then (replaces any earlier wake) */
    PX_CORE_STORE,       /* job, kind, peer (0 for a release), bytes/len: the message;
                            execute in order, answer with px_core_stored() */
    PX_CORE_LOAD,        /* job, peer, author, from_seq, until_seq, max_entries, max_bytes:
                            read entries from_seq.. of author's feed, none past until_seq,
                            at most max_entries, stopping once max_bytes are reached;
                            answer with px_core_loaded() */
    PX_CORE_LOAD_BODIES, /* job, peer, ids/n_ids: answer with px_core_bodies_loaded() */
    PX_CORE_READY,       /* peer: its hello arrived and was accepted (for the host's
                            listing and log; px_core_peer_software() says what it runs) */
    PX_CORE_BAN,         /* key, rc, until_ms, offences: that key is refused until then
                            (for the host's log and dial table) */
    /* Blob transfers (blob: the blob's id). Answer each as said; sends of
     * answers to peers closed meanwhile are dropped by the core. */
    PX_CORE_WATCH,             /* peer, len: report px_core_peer_queued() as soon as its send
                                  queue holds fewer than len bytes */
    PX_CORE_BLOB_PUT_MANIFEST, /* blob, bytes/len: a manifest (it hashes to the id) to record;
                                  answer px_core_blob_manifest_stored() */
    PX_CORE_BLOB_PUT_CHUNK,    /* blob, index, bytes/len: a chunk checked against its hash,
                                  to store; answer px_core_blob_chunk_stored() (and, if
                                  written before durable, px_core_blob_chunk_written()) */
    PX_CORE_BLOB_LOOKUP,       /* peer, blob, hops: what does the store hold of the blob?
                                  answer px_core_blob_looked_up() */
    PX_CORE_BLOB_SERVE,        /* peer, blob, index: read the chunk; answer
                                  px_core_blob_serve() */
    PX_CORE_BLOB_DONE,         /* blob, rc, bytes/len: a fetch asked with
                                  px_core_blob_fetch() ended (PX_OK: complete here; else
                                  bytes holds the reason, len characters) */
} px_core_action_type;

typedef struct px_core_action {
    px_core_action_type type;
    uint64_t peer;
    uint64_t job;
    px_core_job_kind kind;
    int rc;
    uint64_t at_ms;     /* WAKE */
    uint64_t until_ms;  /* BAN */
    uint32_t offences;  /* BAN */
    uint8_t key[32];    /* BAN */
    uint8_t author[32]; /* LOAD */
    uint64_t from_seq, until_seq;
    size_t max_entries, max_bytes;
    /* SEND, STORE: the bytes, owned by the action (the host may keep them:
     * set bytes to NULL before px_core_action_release() and free() them). */
    uint8_t *bytes;
    size_t len;
    uint8_t (*ids)[32]; /* LOAD_BODIES, owned by the action */
    size_t n_ids;
    bool members_hint; /* STORE of a release: the membership changed behind the ingester's back */
    uint8_t blob[32];  /* BLOB_*: the blob's id */
    uint32_t index;    /* BLOB_PUT_CHUNK, BLOB_SERVE: the chunk */
    uint32_t hops;     /* BLOB_LOOKUP: pass back to px_core_blob_looked_up() */
} px_core_action;

/* Take the next action. OUT *a (release it with px_core_action_release()).
 * Returns false when there is none. */
bool px_core_next_action(px_core *c, px_core_action *a);
void px_core_action_release(px_core_action *a);

/* --- queries ----------------------------------------------------------------- */

/* Until when key is refused for an offence (0 or past: not refused). */
uint64_t px_core_banned_until(const px_core *c, const uint8_t key[32]);

/* A refused key, for listings: i-th of px_core_n_bans(). */
typedef struct px_core_ban {
    uint8_t key[32];
    uint64_t until_ms;
    uint32_t offences;
    int last_rc;
} px_core_ban;
size_t px_core_n_bans(const px_core *c);
const px_core_ban *px_core_ban_at(const px_core *c, size_t i);

/* Whether peer's hello has arrived, and what software it said it runs
 * (NULL for an unknown peer). */
bool px_core_peer_ready(const px_core *c, uint64_t peer);
const char *px_core_peer_software(const px_core *c, uint64_t peer);

/* How many open peers hold author's feed up to seq at least (by their
 * clock and haves, or because we sent it to them); at least 1 once it was
 * sent to any peer, which may have closed since. */
int px_core_peers_holding(const px_core *c, const uint8_t author[32], uint64_t seq);

/* Our head of author's feed as the core knows it (0: none). */
uint64_t px_core_head(const px_core *c, const uint8_t author[32]);

/* Figures for `praxis sync` / `status` (and the simulator). */
typedef struct px_core_progress {
    uint64_t received;   /* new entries stored from peers (and released) */
    uint64_t duplicates; /* entries received that were held already */
    uint64_t batches;    /* store jobs done */
    uint64_t sig_checks;
    uint64_t bodies_filled;
    uint64_t entries_sent;             /* entries sent to peers */
    uint64_t prunes_sent, grafts_sent; /* EBT tree repairs */
    int eager_peers;                   /* open peers we push new entries to (EBT) */
    int peers_synced;                  /* open peers whose clock arrived */
    uint64_t remaining;   /* estimate from delivering peers' claims (PROTOCOL.md "Progress") */
    uint64_t unconfirmed; /* the same from peers that stopped delivering */
    size_t bodies_wanted;
    size_t queued_bytes; /* bytes of store jobs outstanding */
    bool busy;           /* store jobs outstanding */
} px_core_progress;
void px_core_get_progress(const px_core *c, uint64_t now_ms, px_core_progress *out);

#endif
