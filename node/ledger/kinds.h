/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kinds.h — every entry kind praxis knows, in one table: its name, who may
 * publish it, and how the layers treat it.
 *
 * The ledger reads who may publish a kind (members.c) and which bodies a
 * node must hold (feed.c); the knowledge layer keeps each kind's schema in a
 * table indexed by px_kind_id (records.c) and reads here which kinds are
 * indexed and which `praxis publish` takes. A kind not in this table is
 * still stored and replicated (forward compatibility), unindexed, and any
 * member may publish it.
 */
#ifndef PX_KINDS_H
#define PX_KINDS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum px_kind_id {
    PX_KIND_CASE,
    PX_KIND_INDICATOR,
    PX_KIND_BENCHMARK,
    PX_KIND_CROSSWALK,
    PX_KIND_RETRACT,
    PX_KIND_AGGREGATE,
    PX_KIND_ADDRESS,
    PX_KIND_MEMBER,
    PX_KIND_REVOKE,
    PX_KIND_COUNT
} px_kind_id;

/* Who may publish a kind, besides the root (who may publish anything) and a
 * secretariat member within its rights (members.h). */
typedef enum px_publisher {
    PX_PUB_MEMBER,      /* any member, observers included */
    PX_PUB_CENTRE,      /* centres and the secretariat, not observers */
    PX_PUB_SECRETARIAT, /* the secretariat only */
} px_publisher;

/* px_kind.flags */
#define PX_KIND_INDEXED 1u     /* a knowledge record: the records index keeps it, show renders it */
#define PX_KIND_PUBLISHABLE 2u /* `praxis publish` takes it (JSON, CSV) */
#define PX_KIND_NEEDS_BODY 4u  /* a node must hold its body (replication fetches it) */
#define PX_KIND_MEMBERSHIP 8u  /* it changes the membership */

typedef struct px_kind {
    px_kind_id id;
    const char *name;
    px_publisher publisher;
    unsigned flags;
} px_kind;

/* The kind with this id; NULL when id is out of range. */
const px_kind *px_kind_get(px_kind_id id);
/* The kind called name; NULL when name is NULL or not a kind of the table. */
const px_kind *px_kind_find(const char *name);
/* True when name is a kind of the table with every bit of flag. */
bool px_kind_is(const char *name, unsigned flag);
/* Who may publish name: the table's answer, PX_PUB_MEMBER for a kind it
 * does not hold. */
px_publisher px_kind_publisher(const char *name);
/* Whether an author holding rights (the widest px_publisher its role
 * reaches: PX_PUB_SECRETARIAT for the secretariat, PX_PUB_CENTRE for a
 * centre, PX_PUB_MEMBER for an observer) may publish name: the one rule
 * the membership fold and the publish forms ask. */
bool px_kind_open_to(const char *name, px_publisher rights);

/* The names of the kinds with every bit of flag, in table order, for
 * messages: "case, indicator, benchmark or crosswalk" (last_sep " or ").
 * Written to out (always NUL-terminated, cut to outlen); returns out. */
const char *px_kind_list(unsigned flag, const char *last_sep, char *out, size_t outlen);

#endif
