/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.h — the records index: derived SQLite tables (schema/003_records.sql)
 * that make case studies searchable and benchmark results comparable.
 *
 * How it stays in step with the entries: px_local_open() puts
 * px_index_schema and px_index_entry into the node's px_feed_ctx (its
 * `schema` and `index` hooks, feed.h). feed.c calls them for every entry it
 * stores — by `praxis publish`, `praxis feed import` and gossip alike —
 * inside the transaction that stores the entry, so an entry and its index
 * rows commit or roll back together. The gossip worker copies the node's
 * px_feed_ctx and so gets the hooks too; each store connection keeps its
 * own prepared statements (px_store_set_ext), so the worker's connection
 * never touches the CLI's or the loop's.
 *
 * What is indexed: bodies of kind case, indicator, benchmark, crosswalk,
 * retract and aggregate that pass their schema (px_record_validate). A body
 * that fails is stored with PX_ENTRY_FLAG_SCHEMA_INVALID and not indexed;
 * other kinds are ignored. Versions and withdrawals count only within one
 * author's feed: a `supersedes` or a retraction naming another author's
 * entry changes nothing. Because a feed arrives in order, the entry a
 * supersession or retraction names is always indexed before it.
 *
 * Rebuilding: px_index_rebuild() empties the derived tables and indexes
 * every entry again, re-judging every body's schema flag. px_index_open()
 * does so automatically when the store's meta key 'records_index' is not
 * PX_INDEX_VERSION: a store that held entries before migration 003, one
 * whose index a failed write marked stale, or one built by an older
 * version of this module. A body purged later (px_feed_purge) keeps its
 * rows, text included, until the next rebuild, which indexes only the
 * bodies held: whoever purges for a legal request rebuilds afterwards.
 *
 * Nothing here trusts a body: they come from peers.
 */
#ifndef PX_INDEX_H
#define PX_INDEX_H

#include "entry.h"
#include "records.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

/* The version of what the derived tables hold. Bump it when indexing
 * changes, and every store rebuilds its index when next opened. */
#define PX_INDEX_VERSION "4"

/* px_schema_fn for px_feed_ctx: 0 if body is a valid record of kind, or if
 * kind is not a record kind this node knows (forward compatibility);
 * PX_ENTRY_FLAG_SCHEMA_INVALID otherwise. Never fails. */
int px_index_schema(const char *kind, const uint8_t *body, size_t len);

/* px_index_fn for px_feed_ctx: index entry e, just stored in s with flags.
 * Must run inside s's write transaction. Entries without a body, flagged
 * invalid, or of other kinds are skipped (PX_OK). Unless flags holds
 * PX_FEED_SCHEMA_CHECKED the body is validated first, and skipped if it
 * fails (a caller without the schema hook).
 * Returns PX_OK, or PX_ENOMEM / a store error; then the index is marked
 * stale (if the transaction commits anyway, the next px_index_open
 * rebuilds it). */
int px_index_entry(px_store *s, const px_entry *e, int flags);

/* What a rebuild did. */
typedef struct px_index_stats {
    uint64_t entries;   /* entries walked */
    uint64_t records;   /* records indexed */
    uint64_t invalid;   /* bodies flagged as failing their schema */
    uint64_t reflagged; /* entries whose schema flag changed */
} px_index_stats;

/* Which entries count: entries of author with seq beyond until(ctx,
 * author) are not indexed (a revoked or handed-over key's entries past its
 * cut: kept as evidence, never shown; members.h). Set per store connection,
 * before px_index_open; fn NULL: every entry counts. */
typedef uint64_t (*px_index_until_fn)(void *ctx, const uint8_t author[32]);
int px_index_set_until(px_store *s, px_index_until_fn fn, void *ctx);

/* Prepare s's index statements and rebuild the index if it is missing,
 * stale or of another version. Must not be called inside a transaction
 * (a rebuild takes the write lock itself). OUT *rebuilt (may be NULL):
 * whether a rebuild ran. */
int px_index_open(px_store *s, bool *rebuilt);

/* Empty the derived tables and index every entry again, in one write
 * transaction of its own (s must not be in one), as a bulk load (below).
 * OUT *stats (may be NULL). */
int px_index_rebuild(px_store *s, px_index_stats *stats);

/* A bulk load: many case studies indexed in one write transaction (a big
 * publication). px_index_bulk_begin, inside s's transaction, sets the
 * full-text index up to write fewer, bigger segments and merge them less
 * often (index.c says why), keeping the settings it found in *b;
 * px_index_bulk_end puts them back and must run before the commit (after
 * a rollback there is nothing to put back: the settings are part of the
 * transaction). Search results are the same either way. */
typedef struct px_index_bulk {
    bool on;
    int64_t automerge, hashsize; /* FTS5's settings before */
} px_index_bulk;
int px_index_bulk_begin(px_store *s, px_index_bulk *b);
int px_index_bulk_end(px_store *s, px_index_bulk *b);

/* The full-text row of language i (0-based, i < PX_INDEX_FTS_LANGS) of the
 * case in rec_cases row rid has the rowid rid * PX_INDEX_FTS_LANGS + i in
 * rec_cases_fts; languages beyond the first PX_INDEX_FTS_LANGS of a case are
 * not searchable. */
#define PX_INDEX_FTS_LANGS 64

/* ---- lookups ------------------------------------------------------------ */

/* What the index knows about one entry. */
typedef struct px_index_info {
    char kind[PX_KIND_MAX + 1];
    uint8_t author[32];
    bool retracted;
    uint8_t retracted_by[32]; /* the retract entry, when retracted */
    /* cases and indicators only: */
    bool versioned;
    bool live;          /* the version queries show */
    int64_t version_no; /* 1 for a first version */
    bool has_prev;
    uint8_t prev[32]; /* the version this one supersedes */
    bool has_next;
    uint8_t next[32]; /* the newest version that supersedes this one */
} px_index_info;

/* Look up entry id. PX_OK, PX_ENOENT (not an indexed record: not held,
 * failed its schema, or of another kind) or a store error. */
int px_index_info_get(px_store *s, const uint8_t id[32], px_index_info *out);

/* The rule for a new version (RECORDS.md 1.5, "Versions and withdrawal"): the 'supersedes' of
 * body (a valid record of kind, about to be published by author) must name
 * a held record of the same kind by the same author that is neither
 * retracted nor superseded already; an indicator's new version keeps the
 * code and has a higher version. PX_OK (also when body has no supersedes),
 * PX_ESCHEMA with a detail naming the field, or a store error. Benchmark
 * results have their own rule (same identity; publish.c). */
int px_index_check_supersedes(px_store *s, const uint8_t author[32], const char *kind,
                              const uint8_t *body, size_t len);

/* The definition of indicator code that benchmark results refer to:
 * version > 0: the version with that key (px_version_key: "1.0" finds 1; a
 * live one preferred, never a retracted one); version 0: the highest live
 * version by the comparison rule. Among equals the earliest published
 * wins. OUT *out: decoded as px_indicator_decode would (caller frees with
 * px_indicator_free); OUT id (may be NULL): its entry id.
 * PX_OK, PX_ENOENT or an error. */
int px_index_indicator(px_store *s, const char *code, int64_t version, px_indicator *out,
                       uint8_t id[32]);

/* This author's current benchmark result with b's identity (indicator,
 * indicator_version, country, centre, service, channel, period; RECORDS.md
 * 4.2), not retracted and not superseded. OUT id. PX_OK, PX_ENOENT or a
 * store error. */
int px_index_benchmark_twin(px_store *s, const uint8_t author[32], const px_benchmark *b,
                            uint8_t id[32]);

/* The order key of a period, as stored in period_key columns; agrees with
 * px_period_cmp. */
int64_t px_index_period_key(const px_period *p);

#endif
