/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed.h — the rules of an append-only feed: appending our own entries,
 * accepting others', detecting forks, verifying a whole store, purging.
 *
 * Every rule of DESIGN.md "Feeds and entries" is checked here and only here:
 * format and network id; author admitted; seq follows the held head and prev
 * equals its id; the timestamp does not go backwards; the signature
 * verifies; the body matches its hash and size limit. Two different entries
 * with the same author and seq are a fork: both are kept as proof and the
 * feed is frozen.
 *
 * All functions that write expect the caller to hold a write transaction
 * (px_store_begin) so that reading the head and writing the next entry is
 * one atomic step, even with several processes appending.
 */
#ifndef PX_FEED_H
#define PX_FEED_H

#include "entry.h"
#include "identity.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/* Whether author may publish an entry of this kind at position seq of its
 * feed (membership follows positions, never the timestamps authors claim).
 * Injected by the membership layer (members.h); NULL in px_feed_ctx means
 * "everyone". */
typedef bool (*px_member_fn)(void *ctx, const uint8_t author[32], uint64_t seq, const char *kind);

/* Classify a body of a kind: return 0 if it passes its kind's schema, or
 * PX_ENTRY_FLAG_SCHEMA_INVALID. NULL means "no schema check". */
typedef int (*px_schema_fn)(const char *kind, const uint8_t *body, size_t len);

/* Keep derived data in step with the entries (the records index, index.h):
 * called once for every entry that append, ingest and ingest_batch store
 * (not for fork proofs), right after its insert, inside the caller's
 * transaction and on the store the entry went into, with the flags it was
 * stored with (PX_ENTRY_FLAG_*). e and e->body (which may be NULL) are
 * valid only during the call. Return PX_OK, or an error that fails the
 * operation like a failed insert. NULL means "no derived data". The feed
 * rules know nothing of what the hook does with the entry. */
typedef int (*px_index_fn)(px_store *store, const px_entry *e, int flags);

/* A bit the feed ORs into the flags it passes to the index hook (never
 * stored): the schema hook judged this body just now, so its verdict is
 * PX_ENTRY_FLAG_SCHEMA_INVALID and the index need not validate it again. */
#define PX_FEED_SCHEMA_CHECKED 0x100

/* What the feed rules need to know about the node. Plain data, owned by
 * the caller; store is borrowed. */
typedef struct px_feed_ctx {
    px_store *store;
    uint8_t network_id[32];
    px_member_fn is_member;
    void *member_ctx;
    px_schema_fn schema;
    px_index_fn index;
    int extra_flags; /* ORed into the flags of every entry stored (PX_ENTRY_FLAG_*) */
    /* How far ahead of now_ms an entry may be stamped before it is held
     * back (px_feed_ingest returns PX_EAGAIN) instead of judged. 0 means
     * PX_FEED_MAX_AHEAD_MS. */
    uint64_t max_ahead_ms;
} px_feed_ctx;

enum {
    PX_FEED_MAX_AHEAD_MS = 10 * 60 * 1000, /* default clock allowance: 10 minutes */
};

/* Whether an entry of this kind takes effect only with its body (member,
 * revoke, address): such entries arriving without it are refused. */
bool px_feed_needs_body(const char *kind);

/* Sign and store the next entry of me's feed. Requires an open write
 * transaction. timestamp is max(now_ms, head's timestamp), so a clock that
 * steps back never breaks the rule. OUT *out: the new entry (its body
 * borrowed from body). PX_EFORK if our own feed is frozen. */
int px_feed_append(const px_feed_ctx *fc, const px_identity *me, const char *kind,
                   const uint8_t *body, size_t len, uint64_t now_ms, px_entry *out);

/* The two halves of px_feed_append, for a caller that signs a run of its
 * own entries ahead of storing them (node/publish.c's pipeline): sign the
 * entry that follows head (NULL: the feed is empty) under the same rules
 * (seq, prev, timestamp never before head's; PX_EFORK if head is frozen),
 * without storing it; then store one so signed as the new head and let the
 * index see it. put_signed does not verify the signature: the caller
 * vouches for it (px_feed_append verifies every one). */
int px_feed_sign_next(const px_feed_ctx *fc, const px_identity *me, const px_head *head,
                      const char *kind, const uint8_t *body, size_t len, uint64_t now_ms,
                      px_entry *out);
int px_feed_put_signed(const px_feed_ctx *fc, const px_entry *e, uint64_t now_ms);

enum {
    PX_INGEST_SIG_CHECKED = 1, /* caller already verified the signature */
};

/* Accept an entry from outside (a peer or an import). Requires an open
 * write transaction. Returns:
 *   PX_OK      stored as the new head of its feed (without its body if it
 *              came without one: the body can be filled in later);
 *   PX_EDUP    already held (harmless); if the held copy lacked its body
 *              and this one carries it, the body is filled in;
 *   PX_EFORK   a second, validly signed entry for a held seq: kept as
 *              proof, the feed is now frozen (also for entries that
 *              would extend a frozen feed);
 *   PX_ESEQ    a gap (seq beyond head + 1), or not starting at 1;
 *   PX_EPREV, PX_ETIME, PX_ESIG, PX_EHASH, PX_ETOOBIG, PX_ENETWORK,
 *   PX_ENOTMEMBER  refused, with a detail naming the entry;
 *   PX_ENOENT  a member, revoke or address entry without its body:
 *              refused (not stored) until the whole entry arrives;
 *   PX_EAGAIN  stamped more than max_ahead_ms after now_ms: neither
 *              accepted nor refused; the caller holds it for later.
 * Only one fork proof is kept per feed: a further variant of a frozen
 * feed returns PX_EFORK without being stored.
 * Nothing is stored unless PX_OK or PX_EFORK is returned. */
int px_feed_ingest(const px_feed_ctx *fc, const px_entry *e, unsigned opts, uint64_t now_ms);

/* Outcome of px_feed_ingest_batch(). */
typedef struct px_ingest_result {
    size_t added;      /* new entries stored */
    size_t dups;       /* already held */
    size_t forks;      /* fork proofs found, or entries refused for extending a frozen feed */
    size_t sig_checks; /* signatures verified */
    size_t bodies;     /* missing bodies filled in by a full copy of a held entry */
    int rc;            /* PX_OK, or why entry bad_index was refused */
    size_t bad_index;
} px_ingest_result;

/* Verify the signatures of entries[0, n) on `threads` threads (this one
 * included; libsodium is thread-safe). OUT sig_rc[i]: PX_OK or PX_ESIG.
 * Touches no store, so it can run before the inserting transaction. */
void px_feed_verify_sigs(const px_entry *entries, size_t n, int threads, int *sig_rc);

/* How many threads px_feed_ingest_batch verifies on: the cores online,
 * at most 4. */
int px_feed_sig_threads(void);

/* Accept a batch of entries, in order, as from a peer. Requires an open
 * write transaction. Every rule of px_feed_ingest is checked for every
 * entry, its own signature included (a later entry that verifies does not
 * vouch for an earlier one); signatures are verified in parallel first.
 * Stops at the first refused entry; everything before it is stored.
 * Returns res->rc. */
int px_feed_ingest_batch(const px_feed_ctx *fc, const px_entry *entries, size_t n, uint64_t now_ms,
                         px_ingest_result *res);

/* px_feed_ingest_batch with the signatures verified already: sig_rc[i] is
 * px_feed_verify_sigs' verdict on entries[i]. */
int px_feed_ingest_verified(const px_feed_ctx *fc, const px_entry *entries, size_t n,
                            const int *sig_rc, uint64_t now_ms, px_ingest_result *res);

/* Check one entry against the head it should follow (head NULL: the feed
 * is empty) — the pure part of px_feed_ingest, without signature or store.
 * Used by replication to check a run of entries before storing them. */
int px_feed_check_next(const uint8_t network_id[32], const px_head *head, const px_entry *e);

/* A body for a held entry that lacks it (asked of peers): stored if it
 * matches the header's hash and size. Requires an open write transaction.
 * PX_OK (filled), PX_ENOENT (no such entry, or its body is not missing:
 * held already or purged here on purpose), PX_EHASH / PX_ETOOBIG (it does
 * not match: whoever sent it is at fault). */
int px_feed_fill_body(const px_feed_ctx *fc, const uint8_t id[32], const uint8_t *body, size_t len);

/* Result of verifying a store. */
typedef struct px_verify_report {
    uint64_t entries; /* entries checked */
    uint64_t feeds;   /* feeds checked */
    uint64_t purged;  /* entries whose body was purged (chain still checked) */
    uint64_t forks;   /* feeds frozen by a fork proof */
    bool bad;         /* a problem was found */
    uint8_t bad_id[32];
    uint8_t bad_author[32];
    uint64_t bad_seq;
} px_verify_report;

/* Re-check every entry of every feed: stored bytes decode, the stored id is
 * the hash of the bytes, network id, chain links, timestamps, signatures,
 * bodies against their hashes, and each head. Stops at the first problem:
 * returns its error code with a detail naming the entry and fills *out.
 * threads: how many threads verify signatures (1 or more). */
int px_feed_verify(px_store *s, const uint8_t network_id[32], int threads, px_verify_report *out);

/* Remove an entry's body; the header stays and the chain still verifies.
 * Requires an open write transaction. */
int px_feed_purge(px_store *s, const uint8_t id[32]);

#endif
