/* SPDX-License-Identifier: Apache-2.0 */
/*
 * members.h — who belongs to the network, computed from replicated data.
 *
 * The root (genesis) is always a member, with the secretariat's rights. The
 * root, and secretariat members it admitted, publish `member` and `revoke`
 * entries (schema/RECORDS.md) in their feeds. The membership is a pure
 * function of the set of those entries, computed from positions in feeds,
 * never from the timestamps authors claim (SECURITY.md "Authority"):
 *   1. the root's feed, in seq order: admissions, role changes, revocations;
 *   2. each secretariat member's admissions and revocations of centres and
 *      observers, up to its own cut (its entries up to the seq the root's
 *      revocation or demotion names; everything later is void);
 *   3. hand-overs (`member` entries a centre or observer publishes naming
 *      its own key in `continues`): the new key continues the old one,
 *      whose feed ends at the hand-over; void past a revocation's cut.
 * A revocation names the last valid entry of the revoked feed (after /
 * after_id): later entries are refused on every path, whatever their
 * timestamp, and those that arrived before it stop counting. So the order
 * in which entries arrive does not matter, and every node that holds the
 * same entries agrees.
 *
 * Rules (see SECURITY.md):
 *   - a revocation is permanent: a revoked key cannot be admitted again;
 *   - the root cannot be revoked; only the root admits secretariat members,
 *     changes their role or revokes them;
 *   - observers replicate and may announce addresses, nothing else;
 *   - centres publish knowledge (case, indicator, benchmark, crosswalk,
 *     retract) and addresses, and may hand their membership over to a key
 *     of their own (`praxis key rotate`);
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
    char organisation[128]; /* truncated at a UTF-8 character boundary */
    char country[3];
    bool admitted;
    uint64_t admitted_ms; /* the admission's timestamp (shown, never used) */
    uint8_t admitted_by[32];
    bool revoked;
    uint64_t revoked_ms; /* the revocation's timestamp (shown, never used) */
    uint8_t revoked_by[32];
    char reason[160];
    /* The cut: entries of this key's feed with seq > cut_seq are void
     * (revoked, or handed over to a successor). */
    bool cut;
    uint64_t cut_seq;
    bool has_cut_id;
    uint8_t cut_id[32]; /* the last valid entry, when the revocation names it */
    bool retired;       /* handed over to successor (not revoked) */
    /* Secretariat rights: its member/revoke entries with seq <= admin_until
     * count (0: none; UINT64_MAX: all). */
    uint64_t admin_until;
    bool has_predecessor, has_successor;
    uint8_t predecessor[32]; /* the key this one continues */
    uint8_t successor[32];   /* the key that continues this one */
    uint8_t centre[32];      /* first key of its succession: one centre, many feeds */
    bool root_managed;       /* the root's feed describes it: secretariat entries about it
                                do not count */
    bool root_only;          /* the root made it secretariat once: only the root revokes it */
} px_member;

/* One member, revoke or hand-over entry, as the fold sees it. */
typedef enum px_member_event_type {
    PX_MEV_MEMBER = 1, /* kind member (an admission, role change, succession or hand-over) */
    PX_MEV_REVOKE,     /* kind revoke */
} px_member_event_type;

typedef struct px_member_event {
    px_member_event_type type;
    uint8_t author[32];
    uint64_t seq;
    uint8_t id[32];
    uint64_t ts; /* shown only */
    uint8_t key[32];
    px_role role;
    char organisation[128];
    char country[3];
    char reason[160];
    bool has_after, has_after_id, has_continues;
    uint64_t after;
    uint8_t after_id[32];
    uint8_t continues[32];
} px_member_event;

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

/* The pure fold under px_members_load: the membership of the set ev[0..n)
 * (any order; ev is reordered). Replaces m's contents like a load. */
int px_members_fold(px_members *m, const uint8_t root[32], px_member_event *ev, size_t n);

/* Fill *out from an entry of kind member or revoke whose body passes its
 * schema. PX_OK, or PX_EINVAL (not a membership entry: skip it). */
int px_member_event_from_entry(const px_entry *e, px_member_event *out);
void px_members_free(px_members *m);

/* The member record of key, or NULL. Valid until the next load/free. */
const px_member *px_members_find(const px_members *m, const uint8_t key[32]);

/* The role key has now (PX_ROLE_NONE if not a current member). */
px_role px_members_role(const px_members *m, const uint8_t key[32]);

/* px_member_fn for px_feed_ctx (ctx is a px_members *): may author publish
 * the entry of kind at position seq of its feed? False past the author's
 * cut, whatever the entry's timestamp. */
bool px_members_admits(void *ctx, const uint8_t author[32], uint64_t seq, const char *kind);

/* Whether a member of role may publish kind now (the kinds table's
 * px_kind_open_to for the rights the role holds; PX_ROLE_NONE: nothing).
 * The membership fold and the publish forms ask this one rule. */
bool px_role_may_publish(px_role role, const char *kind);

/* May key connect (handshake, in or out)? Current members only. */
bool px_members_may_connect(const px_members *m, const uint8_t key[32]);

/* Was key a member that is cut off now (revoked, or handed over)? Such a
 * key is never dialled, accepted nor sent anything. */
bool px_members_cut_off(const px_members *m, const uint8_t key[32]);

/* The last seq of key's feed that counts: UINT64_MAX for the root and
 * members without a cut, the cut for revoked or retired ones, 0 for keys
 * that were never admitted. Entries beyond it are kept as evidence only:
 * not indexed, not shown, not forwarded. */
uint64_t px_members_valid_until(const px_members *m, const uint8_t key[32]);

/* px_index_until_fn (ctx is a px_members *): px_members_valid_until — the
 * last seq of author's feed that counts, for indexing and forwarding: the
 * whole feed of the root and of current members, up to the cut for revoked
 * and handed-over keys, nothing of keys that are not members (their
 * admission may have been void, e.g. given past a secretariat member's
 * cut). Callers exempt the node's own feed, which it may publish before its
 * admission arrives. */
uint64_t px_members_counts_until(void *ctx, const uint8_t author[32]);

/* The key that identifies key's centre across successions (the first key
 * of its chain; key itself when it continues nobody). */
const uint8_t *px_members_centre(const px_members *m, const uint8_t key[32]);

const char *px_role_name(px_role r);

/* Hold back an entry refused with PX_ENOTMEMBER (author not a member yet)
 * or PX_EAGAIN (stamped ahead of our clock). Its signature and body are
 * checked first (PX_ESIG, PX_EHASH: not held); at most
 * PX_HELD_MAX_PER_AUTHOR entries of one author and PX_HELD_MAX_* in all are
 * held, and held entries expire after PX_HELD_EXPIRE_MS. PX_OK, PX_EDUP
 * (held already) or PX_ETOOBIG (limits reached: dropped). */
int px_members_hold(px_store *s, const px_entry *e, uint64_t now_ms);

/* What became of an entry the feed refused (px_members_hold_back). */
typedef enum px_holdback {
    PX_HOLD_NONE,    /* rc was not a refusal that holds back: the caller handles it */
    PX_HOLD_HELD,    /* held back: accepted if an admission arrives or its time comes */
    PX_HOLD_CUT,     /* past its author's cut (revoked or handed over): refused for good */
    PX_HOLD_DROPPED, /* would be held, but was not: held already, or the limits are reached
                      * (px_members_hold's PX_EDUP, PX_ETOOBIG), or it is damaged */
} px_holdback;

/* The one hold-back rule of import and replication, for an entry e that
 * px_feed_ingest* refused with rc: PX_ENOTMEMBER (author not a member yet)
 * and PX_EAGAIN (stamped ahead of our clock) hold e back (px_members_hold),
 * except what no later admission or time undoes: PX_ENOTMEMBER from a
 * revoked or handed-over key, and PX_EAGAIN for an entry past such a key's
 * cut (PX_HOLD_CUT). Any other rc is PX_HOLD_NONE. */
px_holdback px_members_hold_back(const px_members *m, px_store *s, const px_entry *e, int rc,
                                 uint64_t now_ms);

/* Offer held entries of authors who are members now to the feed (fc uses
 * m through its is_member hook), in seq order. Requires an open write
 * transaction. What the feed still refuses for now (not admitted, stamped
 * ahead, its predecessor not held yet: PX_ESEQ) stays held; what it stores
 * or refuses for good leaves the table. OUT *released: entries stored. */
int px_members_release(const px_feed_ctx *fc, uint64_t now_ms, size_t *released);

#endif
