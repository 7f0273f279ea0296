/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.h — the storage side of replication: how a host carries out the
 * replication core's storage actions (replication/core.h) against a store.
 * praxisd (node/gossip.c, on libuv's thread pool) and praxis-sim (in its
 * virtual time) call these same functions, so every node, real or
 * simulated, reaches the same verdict on the same bytes.
 *
 * A PX_CORE_STORE action becomes a job: px_ingest_job_new() takes its
 * message, px_ingest_prepare() decodes it (msg.h) and verifies every
 * entry's signature — touching nothing but the job, on any thread, several
 * at once — and px_ingest_run() checks the rest of the rules (feed.h:
 * network, membership and revocation cuts, seq and prev, timestamps, body
 * hash and size), holds back entries of non-members and entries stamped
 * ahead of the clock (members.h), stores the rest and fills each job's
 * outcome, for px_core_stored(). One px_ingest_run() is one transaction,
 * however many jobs it is given (group commit); jobs must be given in the
 * order the core emitted them.
 *
 * A px_ingest owns nothing but its state: the store connection is the
 * host's, and must be used by one thread at a time (praxisd gives the
 * ingester a second connection of its own, used only by its worker).
 */
#ifndef PX_INGEST_H
#define PX_INGEST_H

#include "core.h"
#include "feed.h"
#include "store.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct px_ingest px_ingest;
typedef struct px_ingest_job px_ingest_job;

typedef struct px_ingest_cfg {
    px_store *store;     /* borrowed: the connection the ingester writes through */
    px_feed_ctx feed;    /* the rules (network id, schema hook, index hook, clock allowance);
                            copied; its store and membership fields are replaced */
    const uint8_t *root; /* the genesis root (32 bytes, copied) */
    const uint8_t *me;   /* our key (32, copied): our own feed is indexed whole */
    /* Store replicated entries flagged unindexed and index them later with
     * px_ingest_index_backlog() (keeps a bulk sync bounded by checks and
     * inserts). false: index each entry as it is stored (feed.index). */
    bool defer_index;
} px_ingest_cfg;

/* Load the membership from the store and get ready. OUT *out. */
int px_ingest_new(const px_ingest_cfg *cfg, px_ingest **out);
void px_ingest_free(px_ingest *ig); /* NULL-safe */

/* A job for one PX_CORE_STORE action: its id, kind and message. The
 * message bytes are taken over (msg must come from malloc; NULL with len 0
 * for a release). members_hint: the action's. OUT *out. On error msg is
 * freed. */
int px_ingest_job_new(uint64_t job, px_core_job_kind kind, uint8_t *msg, size_t len,
                      bool members_hint, px_ingest_job **out);
void px_ingest_job_free(px_ingest_job *j); /* NULL-safe */
uint64_t px_ingest_job_id(const px_ingest_job *j);
size_t px_ingest_job_len(const px_ingest_job *j); /* its message's bytes */

/* Decode the message and verify every entry's signature. Thread-safe:
 * touches only the job (a decoding error is kept in the job and reported
 * by px_ingest_run()). Idempotent: px_ingest_run() prepares jobs that were
 * not. */
void px_ingest_prepare(px_ingest_job *j);

/* Check and store jobs[0, n) in one transaction, in order, at time now_ms
 * (the node's clock: the hold-back rule for entries stamped ahead uses
 * it). Every job gets its outcome (px_ingest_outcome()), also when the
 * transaction fails (then nothing was stored: added is 0 and rc says
 * why). Returns PX_OK or the store's error. */
int px_ingest_run(px_ingest *ig, px_ingest_job *const *jobs, size_t n, uint64_t now_ms);

/* The job's outcome, valid until px_ingest_job_free(). */
const px_core_outcome *px_ingest_outcome(const px_ingest_job *j);

/* Index up to a chunk of entries stored unindexed (defer_index), in its own
 * transaction. OUT *indexed, *left (more remain). */
int px_ingest_index_backlog(px_ingest *ig, size_t *indexed, bool *left);

/* Carry out a PX_CORE_LOAD against a store (any connection): the entries
 * a->from_seq.. of a->author's feed, none past a->until_seq, at most
 * a->max_entries, stopping once a->max_bytes are reached, appended to
 * items as archive items. OUT *count, *last_seq. */
int px_ingest_load(px_store *s, const px_core_action *a, px_buf *items, size_t *count,
                   uint64_t *last_seq);

/* Carry out a PX_CORE_LOAD_BODIES against a store and answer the core
 * (px_core_bodies_loaded()). */
void px_ingest_load_bodies(px_store *s, px_core *c, const px_core_action *a, uint64_t now_ms);

/* Carry out a PX_CORE_LOAD against a store and answer the core
 * (px_core_loaded()); scratch is reused between calls. */
void px_ingest_answer_load(px_store *s, px_core *c, const px_core_action *a, px_buf *scratch,
                           uint64_t now_ms);

/* Give the core what a store holds: every feed's head and the fork
 * proofs (one per feed). At start-up and after the store changed behind
 * the core's back (the CLI published or imported). */
int px_ingest_feed_core(px_store *s, px_core *c, uint64_t now_ms);

#endif
