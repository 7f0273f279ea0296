/* SPDX-License-Identifier: Apache-2.0 */
/*
 * support.h — what the unit tests share: a temporary directory removed at
 * exit, stores opened in it, feed contexts, single-quoted JSON, and entries
 * signed by hand (for the cases px_feed_append would never produce).
 *
 * Setup that fails (no temporary directory, a store that does not open, a
 * signature that cannot be made) ends the test program with a message and
 * exit status 1: it is not a test result but a broken harness. The checks
 * themselves stay in each test (check.h).
 */
#ifndef PX_TEST_SUPPORT_H
#define PX_TEST_SUPPORT_H

#include "entry.h"
#include "feed.h"
#include "identity.h"
#include "store.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Create the test's temporary directory (/tmp/px-test-NAME-XXXXXX), removed
 * with everything in it when the program exits. Returns its path. */
const char *ts_tmpdir(const char *name);

/* The path of file name in ts_tmpdir's directory (a static buffer per call
 * site is not needed: out must hold 256 bytes). */
const char *ts_path(char out[256], const char *name);

/* Open (creating) the store name in the temporary directory; with_index:
 * and open its records index. */
px_store *ts_open_store(const char *name, bool with_index);

/* A feed context on s for network net; with_index: the records index's
 * schema and index hooks. */
px_feed_ctx ts_feed_ctx(px_store *s, const uint8_t net[32], bool with_index);

/* A malloc'd copy of s with every ' turned into " (JSON written in C
 * strings). Caller frees. */
char *ts_sq(const char *s);

/* JSON text (single-quoted, as ts_sq) converted to msgpack into out (reset
 * first). */
void ts_msgpack(px_buf *out, const char *sq_json);

/* Sign entry seq of who's feed in network net, after prev (NULL for seq
 * 1), stamped ts, of kind, with body[0..len) (borrowed: it must outlive e;
 * NULL for none). */
void ts_sign(px_entry *e, const px_identity *who, const uint8_t net[32], uint64_t seq,
             const uint8_t *prev, uint64_t ts, const char *kind, const uint8_t *body, size_t len);

/* A small deterministic generator (xorshift64) for seeded shuffles. */
typedef struct ts_rng {
    uint64_t s;
} ts_rng;
ts_rng ts_rng_seed(uint64_t seed); /* seed 0 is replaced by a fixed constant */
uint32_t ts_rng_below(ts_rng *r, uint32_t n);

#endif
