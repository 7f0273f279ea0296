/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dialer.h — whom to dial, when to retry and which connection to rotate,
 * as pure decisions: the time and the generator come in, nothing is read
 * from the clock or the system. praxisd's dialler (node/daemon/node.c) and
 * praxis-sim's (tests/sim/host.c) carry them out.
 */
#ifndef PX_DIALER_H
#define PX_DIALER_H

#include "core.h"
#include "members.h"
#include "rng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_DIAL_BACKOFF_FIRST_MS = 1000,  /* the wait after a first failed dial */
    PX_DIAL_BACKOFF_MAX_MS = 60000,   /* ... doubling up to this */
    PX_DIAL_ROTATE_EVERY_MS = 120000, /* replace one learned connection this often */
};

/* The wait before dialling a target again after `failures` failed dials in
 * a row before this one (0 for the first): 1 s doubling to 60 s, plus up to
 * 500 ms drawn from rng (NULL: none) so that nodes do not retry in step. */
uint64_t px_dial_backoff_ms(uint32_t failures, px_rng *rng);

/* One dial target as the dialler sees it now. */
typedef struct px_dial_target {
    const uint8_t *key; /* the key it must prove (32 bytes) */
    bool learned;       /* from a member's announcement (else genesis or --peer: always dialled) */
    bool active;        /* connected or being dialled */
    bool ready;         /* its connection is up (for rotation) */
    bool connected;     /* another connection to that key is open */
    uint64_t next_try_ms; /* not before then (back-off) */
} px_dial_target;

typedef struct px_dial_decision {
    size_t n_dial; /* dial_out[0, n_dial): the targets to dial now, in this order */
    bool rotate;   /* close the connection of target rotate_index (anti-entropy) */
    size_t rotate_index;
} px_dial_decision;

/* The dialler's decision at now. Targets that are active, backing off,
 * already connected, cut off (m) or banned (core, may be NULL) are left
 * alone; the others not learned are dialled; learned ones fill up to
 * max_outbound active learned connections, chosen at random. Once now
 * reaches *next_rotate_ms (then moved on by 120-150 s), one ready learned
 * connection is rotated if another learned target waits for its turn.
 * dial_out holds n. */
void px_dial_decide(const px_dial_target *t, size_t n, const px_members *m, const px_core *core,
                    int max_outbound, uint64_t now, uint64_t *next_rotate_ms, px_rng *rng,
                    size_t *dial_out, px_dial_decision *d);

#endif
