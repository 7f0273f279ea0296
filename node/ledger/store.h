/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h — the SQLite store: entries with their exact bytes, feed heads,
 * fork proofs and metadata.
 *
 * One px_store is one connection to one database file, in WAL mode, with the
 * migrations of schema/ applied on open. It is not thread-safe: use one per
 * thread. Several processes may open the same file (the CLI appends while
 * praxisd runs): writers serialise on px_store_begin(), which takes SQLite's
 * write lock up front (BEGIN IMMEDIATE) and waits for it up to a timeout.
 *
 * The store stores; it does not judge. The feed rules (what may be appended,
 * what is a fork) are in feed.c, which calls these functions inside one
 * transaction.
 */
#ifndef PX_STORE_H
#define PX_STORE_H

#include "entry.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct px_store px_store;
typedef struct sqlite3 sqlite3;

/* The head of a feed: its latest contiguous entry. */
typedef struct px_head {
    uint8_t author[32];
    uint64_t seq;
    uint8_t id[32];
    uint64_t timestamp_ms;
    bool frozen;
} px_head;

/* What the store knows about an entry beyond its bytes. */
typedef struct px_entry_meta {
    bool purged;
    int flags; /* PX_ENTRY_FLAG_* */
    uint64_t received_ms;
    /* From px_store_each only: the result of decoding the stored header
     * (PX_OK, or why it failed), and the id column as stored. When decoding
     * failed, the entry passed along has only h.author, h.seq and id set
     * (from the row's columns), so a checker can name it. */
    int decode_rc;
    uint8_t stored_id[32];
} px_entry_meta;

/* Entry flag bits (schema/001_core.sql, 005_index_backlog.sql). Macros, not
 * an enum, so the store's SQL spells them with PX_STR: the partial index on
 * the backlog needs the literal in its WHERE. */
#define PX_ENTRY_FLAG_SCHEMA_INVALID 1 /* authentic, but fails its kind's schema */
#define PX_ENTRY_FLAG_UNINDEXED 2      /* stored by replication; index not yet updated */

/* Called for each entry; e (and e->body) are valid only during the call.
 * Return PX_OK to continue; anything else stops the walk and is returned. */
typedef int (*px_entry_cb)(void *ctx, const px_entry *e, const px_entry_meta *meta);

/* Open (creating if needed) the store at path, apply pending migrations.
 * OUT *out: the store, to be closed with px_store_close(). */
int px_store_open(const char *path, px_store **out);
/* Close and free. NULL-safe. Rolls back an open transaction. */
void px_store_close(px_store *s);

/* The SQLite handle, for modules that own derived tables (records index,
 * queries). Borrowed: valid until px_store_close(). */
sqlite3 *px_store_db(px_store *s);

/* Per-connection state of a module that owns derived tables: the records
 * index and the queries keep their prepared statements here, so that every
 * connection (the CLI's, praxisd's, the gossip worker's) has its own and
 * prepares them once. slot is one of PX_STORE_EXT_*. set: the store takes
 * ownership of state and calls fini(state) (fini may be NULL) when the slot
 * is set again and in px_store_close(), before the connection closes, so
 * fini may finalize statements. get: the state, or NULL if none is set. */
enum { PX_STORE_EXT_INDEX = 0, PX_STORE_EXT_QUERY = 1, PX_STORE_EXT_MAX = 4 };
void px_store_set_ext(px_store *s, int slot, void *state, void (*fini)(void *state));
void *px_store_ext(px_store *s, int slot);

/* Translate an SQLite result code from a statement a module ran on
 * px_store_db(s) into px_err, with a detail "store: WHAT: sqlite's message"
 * (SQLite codes become px_err in one place: here). Returns the px_err. */
int px_store_error(px_store *s, int sqlite_rc, const char *what);

/* Write transactions. begin takes the write lock (waiting up to 30 s for
 * another process); nesting is an error (PX_EBUSY). */
int px_store_begin(px_store *s);
int px_store_commit(px_store *s);
void px_store_rollback(px_store *s); /* no-op outside a transaction */
bool px_store_in_tx(const px_store *s);

/* A big write (a publication of many records) keeps the pages it touches
 * in this connection's cache instead of spilling and reading them back:
 * px_store_cache_grow raises the cache to at least kib KiB; OUT *was the
 * setting to hand back to px_store_cache_restore afterwards (0: it was
 * large enough and is unchanged). Best effort: a cache that cannot be
 * changed stays as it is. */
void px_store_cache_grow(px_store *s, long long kib, long long *was);
void px_store_cache_restore(px_store *s, long long was);

/* Metadata. get: OUT value copied into buf (NUL-terminated), PX_ENOENT if
 * absent, PX_ETOOBIG if it does not fit. */
int px_store_meta_get(px_store *s, const char *key, char *buf, size_t buflen);
int px_store_meta_set(px_store *s, const char *key, const char *value);

/* The head of author's feed. PX_OK, or PX_ENOENT if no entry is held. */
int px_store_head(px_store *s, const uint8_t author[32], px_head *out);

/* Insert an entry and make it the head of its feed (its seq must be the
 * head's + 1; feed.c checks that). PX_EDUP if the id or (author, seq) is
 * held already. flags: PX_ENTRY_FLAG_*. */
int px_store_put(px_store *s, const px_entry *e, int flags, uint64_t received_ms);

/* The two halves of px_store_put, for batches: insert without touching the
 * head, then set the head once per feed. */
int px_store_insert(px_store *s, const px_entry *e, int flags, uint64_t received_ms);
int px_store_set_head(px_store *s, const px_head *h);

/* Walk the fork proofs: each is the second entry of a fork (the first is
 * in the feed). Same stop rule and lifetime as px_store_each; proofs whose
 * stored bytes do not decode are left out. */
int px_store_each_fork(px_store *s, px_entry_cb cb, void *ctx);

/* Record the second entry of a fork as proof and freeze the feed. */
int px_store_put_fork(px_store *s, const px_entry *e, uint64_t detected_ms);
/* Whether an entry with this id is kept as a fork proof. */
bool px_store_has_fork(px_store *s, const uint8_t id[32]);

/* Fetch one entry. The header and signature are copied into *out; the body,
 * if held, is copied into body_buf (reset first) and out->body points into
 * it, so it stays valid until body_buf changes. meta may be NULL.
 * PX_OK or PX_ENOENT. */
int px_store_get(px_store *s, const uint8_t id[32], px_entry *out, px_buf *body_buf,
                 px_entry_meta *meta);
int px_store_get_seq(px_store *s, const uint8_t author[32], uint64_t seq, px_entry *out,
                     px_buf *body_buf, px_entry_meta *meta);

/* Walk entries in (author, seq) order. author NULL: every feed; else only
 * that feed from from_seq on (and at most limit entries, 0 = no limit).
 * Stored bytes that do not decode are reported through meta->decode_rc. */
int px_store_each(px_store *s, const uint8_t *author, uint64_t from_seq, uint64_t limit,
                  px_entry_cb cb, void *ctx);

/* Walk the entries of one kind, by author and newest first within a feed.
 * Kinds with an index of their own (schema/002: 'address') are quick;
 * others scan the table. Same stop rule and lifetime as px_store_each. */
int px_store_each_kind(px_store *s, const char *kind, px_entry_cb cb, void *ctx);

/* Called once per feed with its head. Same stop rule as px_entry_cb. */
typedef int (*px_head_cb)(void *ctx, const px_head *head);
int px_store_each_feed(px_store *s, px_head_cb cb, void *ctx);

/* Held-back entries (author not yet a member). hold: PX_EDUP if held
 * already. each_held: author's held entries in seq order (same lifetime
 * rules as px_store_each; meta->decode_rc set). held_stats: how many and how
 * many bytes are held. */
int px_store_hold(px_store *s, const px_entry *e, uint64_t received_ms);
int px_store_each_held(px_store *s, const uint8_t author[32], px_entry_cb cb, void *ctx);
int px_store_unhold(px_store *s, const uint8_t id[32]);
int px_store_held_stats(px_store *s, uint64_t *count, uint64_t *bytes);
/* Authors with held entries. */
int px_store_held_authors(px_store *s, px_head_cb cb, void *ctx);
/* How many entries (and bytes) of one author are held. */
int px_store_held_author_stats(px_store *s, const uint8_t author[32], uint64_t *count,
                               uint64_t *bytes);
/* Drop held entries received before before_ms. OUT *dropped (may be NULL). */
int px_store_held_expire(px_store *s, uint64_t before_ms, uint64_t *dropped);

/* Missing bodies: entries stored without their body that were not purged
 * on purpose (body NULL, purged 0). fill: store the body (the caller
 * checked it against the header's hash) and set flags; PX_ENOENT if the
 * entry is not held or its body is not missing. missing: ids of at most
 * max such entries. get_body: the body of a held entry into out (reset
 * first); PX_ENOENT if absent. */
int px_store_fill_body(px_store *s, const uint8_t id[32], const uint8_t *body, size_t len,
                       int flags);
int px_store_missing_bodies(px_store *s, uint8_t (*ids)[32], size_t max, size_t *n);
int px_store_get_body(px_store *s, const uint8_t id[32], px_buf *out);

/* The index backlog: ids (32 bytes each, into ids) of at most max entries
 * flagged PX_ENTRY_FLAG_UNINDEXED, in (author, seq) order. OUT *n. */
int px_store_unindexed(px_store *s, uint8_t (*ids)[32], size_t max, size_t *n);
/* How many entries wait in the index backlog. */
int px_store_unindexed_count(px_store *s, uint64_t *out);
/* Replace an entry's flags. */
int px_store_set_flags(px_store *s, const uint8_t id[32], int flags);
/* Clear the bits of flag (PX_ENTRY_FLAG_*) on every entry: the index, once
 * it has rebuilt itself from every entry, empties its backlog this way. */
int px_store_clear_flag(px_store *s, int flag);

/* Drop an entry's body, keeping header and signature. PX_ENOENT if absent. */
int px_store_purge(px_store *s, const uint8_t id[32]);

/* Number of entries held. */
int px_store_count(px_store *s, uint64_t *out);

/* A number that changes whenever another connection has committed to the
 * database since the last call on this one; -1 if it cannot be read. Cheap
 * (a statement prepared once): the web server asks it at every request. */
int64_t px_store_data_version(px_store *s);

#endif
