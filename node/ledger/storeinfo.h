/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storeinfo.h — what the store can tell a reader about itself, with typed
 * results, so that the layers above the ledger never write SQL: the sync
 * summary of the feeds, the frozen feeds, the ids held in a range (for
 * unique prefixes), and the settings of a reader's connection (read-only,
 * interrupted past a deadline, the commit counter that tells a cache it is
 * stale).
 */
#ifndef PX_STOREINFO_H
#define PX_STOREINFO_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The feeds held and when the store last changed. */
typedef struct px_store_summary {
    uint64_t feeds, frozen_feeds;
    bool has_newest;          /* newest_entry_ms is set: some feed has a head */
    uint64_t newest_entry_ms; /* the newest head's timestamp */
    bool has_received;        /* received_ms is set: some entry is held */
    uint64_t received_ms;     /* when the entry stored last arrived (or was published) */
} px_store_summary;

int px_store_summary_get(px_store *s, px_store_summary *out);

/* The authors of frozen feeds (a fork was proven), at most max of them.
 * OUT out[0 .. *n). */
int px_store_frozen_authors(px_store *s, uint8_t (*out)[32], size_t max, size_t *n);

/* Which ids px_store_ids_between reads. */
typedef enum px_idset {
    PX_IDS_ENTRIES, /* entry ids; label: the entry's kind */
    PX_IDS_AUTHORS, /* the authors of the feeds held; label: "feed" */
} px_idset;

/* Called for each id; v and label valid during the call only. */
typedef void (*px_id_fn)(void *ctx, const uint8_t v[32], const char *label);

/* The ids of set between lo and hi (inclusive, byte order), at most limit
 * of them, through the unique index on them (one seek). */
int px_store_ids_between(px_store *s, px_idset set, const uint8_t lo[32], const uint8_t hi[32],
                         size_t limit, px_id_fn fn, void *ctx);

/* Make this connection read-only for good: it never writes nor takes the
 * write lock again. */
int px_store_make_readonly(px_store *s);

/* Call stop(ctx) every so often while a statement runs on this connection;
 * a nonzero answer interrupts the statement (it fails, the caller's error
 * says so). stop NULL: never. */
void px_store_set_interrupt(px_store *s, int (*stop)(void *ctx), void *ctx);

#endif
