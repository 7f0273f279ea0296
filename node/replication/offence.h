/* SPDX-License-Identifier: Apache-2.0 */
/*
 * offence.h — the misbehaviour policy: which refusals are a peer's fault,
 * and what the node does about each. The one table of it (offence.c) is
 * read by replication (gossip.c: close the connection) and by the node
 * (node.c: refuse the key for a while); SECURITY.md and schema/PROTOCOL.md
 * describe the same table.
 *
 * The rule behind it: every node checks every entry by the same rules
 * (feed.c), so an honest relay forwards only entries that pass them. A
 * sender of something that breaks a rule every node checks is at fault.
 * What depends on the receiver (its clock, whether an admission has
 * arrived yet, a gap after an earlier refusal, a member entry without its
 * body) is not an offence: it stops or holds the entry, never the peer.
 */
#ifndef PX_OFFENCE_H
#define PX_OFFENCE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct px_offence {
    int rc;                /* the px_err a peer's fault is reported with */
    uint64_t ban_first_ms; /* refuse the key this long (0: only close the connection) */
    uint64_t ban_max_ms;   /* doubling with each offence, up to this */
    const char *what;      /* what the peer did, for logs and docs */
} px_offence;

/* The policy for a refusal rc, or NULL if rc is not a peer's fault. */
const px_offence *px_offence_of(int rc);

/* How long to refuse a key on its offences-th offence (1, 2, ...) with
 * rc; 0 if rc bans nothing. */
uint64_t px_offence_ban_ms(int rc, uint32_t offences);

#endif
