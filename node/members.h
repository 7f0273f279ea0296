/*
 * members.h — who belongs to the network, computed from replicated data.
 *
 * The root (genesis) is always a member, with the secretariat's rights. The
 * root, and secretariat members it (or another secretariat member) admitted,
 * publish `member` and `revoke` entries (schema/RECORDS.md) in their feeds.
 * The membership is a pure function of the set of those entries: they are
 * applied in (timestamp, id) order, each counting only if its author had
 * the right at that timestamp. So the order in which they arrive does not
 * matter, and every node that holds the same entries agrees.
 *
 * Rules (see SECURITY.md):
 *   - a revocation is permanent: a revoked key cannot be admitted again;
 *     entries it signs stamped at or after the revocation are refused;
 *   - the root cannot be revoked;
 *   - observers replicate and may announce addresses, nothing else;
 *   - centres publish knowledge (case, indicator, benchmark, crosswalk,
 *     retract) and addresses;
 *   - the secretariat (and the root) may also admit, revoke and aggregate.
 *
 * Entries of authors who are not members, and entries stamped ahead of our
 * clock, are held back (checked, bounded per author and in all, expiring)
 * and offered to the feed again when admissions arrive or time passes.
 */
#ifndef PX_MEMBERS_H
#define PX_MEMBERS_H

#include "feed.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    PX_HELD_MAX_ENTRIES = 20000,
    PX_HELD_MAX_BYTES = 64 * 1024 * 1024,
    PX_HELD_MAX_PER_AUTHOR = 2000,                  /* entries of one author */
    PX_HELD_MAX_BYTES_PER_AUTHOR = 8 * 1024 * 1024, /* and their bytes */
};
/* Held entries are dropped this long after they arrived. */
#define PX_HELD_EXPIRE_MS (7ull * 24 * 3600 * 1000)

typedef enum px_role {
    PX_ROLE_NONE = 0,
    PX_ROLE_ROOT,
    PX_ROLE_SECRETARIAT,
    PX_ROLE_CENTRE,
    PX_ROLE_OBSERVER,
} px_role;

typedef struct px_member {
    uint8_t key[32];
    px_role role;
    char organisation[128];
    char country[3];
    bool admitted;
    uint64_t admitted_ms;
    uint8_t admitted_by[32];
    bool revoked;
    uint64_t revoked_ms;
    uint8_t revoked_by[32];
    char reason[160];
} px_member;

/* The computed membership. Plain data; px_members_free() releases it. */
typedef struct px_members {
    uint8_t root[32];
    px_member *v; /* sorted by key */
    size_t n;
    uint64_t version; /* bumps on every successful load */
} px_members;

/* Compute the membership from the member and revoke entries in s.
 * Replaces m's previous contents (m must be zeroed or loaded before). */
int px_members_load(px_members *m, px_store *s, const uint8_t root[32]);
void px_members_free(px_members *m);

/* The member record of key, or NULL. Valid until the next load/free. */
const px_member *px_members_find(const px_members *m, const uint8_t key[32]);

/* The role key has now (PX_ROLE_NONE if not a current member). */
px_role px_members_role(const px_members *m, const uint8_t key[32]);

/* px_member_fn for px_feed_ctx (ctx is a px_members *): may author publish
 * an entry of kind stamped at timestamp_ms? */
bool px_members_admits(void *ctx, const uint8_t author[32], uint64_t timestamp_ms,
                       const char *kind);

/* May key connect (handshake)? Current members only. */
bool px_members_may_connect(const px_members *m, const uint8_t key[32]);

const char *px_role_name(px_role r);

/* Hold back an entry refused with PX_ENOTMEMBER (author not a member yet)
 * or PX_EAGAIN (stamped ahead of our clock). Its signature and body are
 * checked first (PX_ESIG, PX_EHASH: not held); at most
 * PX_HELD_MAX_PER_AUTHOR entries of one author and PX_HELD_MAX_* in all are
 * held, and held entries expire after PX_HELD_EXPIRE_MS. PX_OK, PX_EDUP
 * (held already) or PX_ETOOBIG (limits reached: dropped). */
int px_members_hold(px_store *s, const px_entry *e, uint64_t now_ms);

/* Offer held entries of authors who are members now to the feed (fc uses
 * m through its is_member hook). Requires an open write transaction. OUT
 * *released: entries stored. */
int px_members_release(const px_feed_ctx *fc, uint64_t now_ms, size_t *released);

#endif
