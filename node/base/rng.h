/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rng.h — a seeded pseudo-random generator (xoshiro256**, seeded through
 * splitmix64): the replication core's only randomness, so a run is replayed
 * from its seed. Not for secrets (keys and nonces come from crypto.h).
 */
#ifndef PX_RNG_H
#define PX_RNG_H

#include <stdint.h>

typedef struct px_rng {
    uint64_t s[4];
} px_rng;

/* Any seed, 0 included, gives a valid state. */
void px_rng_seed(px_rng *r, uint64_t seed);
uint64_t px_rng_next(px_rng *r);
/* Uniform in [0, n) (n > 0; 0 gives 0), without modulo bias. */
uint64_t px_rng_below(px_rng *r, uint64_t n);

#endif
