/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admin.h — the actions on the network and on one's own records that are
 * not publishing a knowledge record: admitting and revoking members (the
 * root and the secretariat), and retracting one of this node's records.
 * The web interface's /members and /retract pages call these; each checks
 * the rules of SECURITY.md and RECORDS.md before appending anything and
 * appends one entry in one write transaction.
 *
 * Errors carry a detail sentence (error.h) and, through *field (may be
 * NULL), the name of the input they are about ("key", "organisation",
 * "country", "role", "reason", "target"), or "" when they concern the
 * action as a whole (this node may not administer, the store is busy).
 *
 * Telling praxisd that something new is in the store: PX_APPEND_NOTIFY
 * (the CLI); praxisd's own callers (the web interface) tell gossip directly.
 */
#ifndef PX_ADMIN_H
#define PX_ADMIN_H

#include "datadir.h"

#include <jansson.h>

#include <stdint.h>

/* px_local_append's flags: after the commit, tell a praxisd running on the
 * data directory (px_local_notify). */
#define PX_APPEND_NOTIFY 1u

/* The one path for this node's own entries (knowledge records, aggregates,
 * administrative entries, address announcements): append the n bodies
 * (body[i][0..len[i]), msgpack, each already checked as kind by the caller)
 * to l's feed in one write transaction, all or none. For kinds that change
 * the membership (kinds.h) the membership is reloaded inside it and entries
 * held back for an admitted key are released; after the commit the cuts
 * are applied (entries past a cut stop counting). On failure nothing is
 * stored and the membership in memory is the store's. OUT ids (n ids; may
 * be NULL), *released (may be NULL): held-back entries accepted. */
int px_local_append(px_local *l, const char *kind, const uint8_t *const *body, const size_t *len,
                    size_t n, unsigned flags, uint8_t (*ids)[32], size_t *released);

/* An administrative entry (member, revoke, retract) through
 * px_local_append: validate body (JSON) as kind first. OUT id (may be
 * NULL), *released (may be NULL). */
int px_admin_append(px_local *l, const char *kind, const json_t *body, unsigned flags,
                    uint8_t id[32], size_t *released);

/* PX_OK if this node (l->me) may admit and revoke: the root or an
 * admitted secretariat member; else PX_EPERM with a detail naming the
 * node's role. */
int px_admin_may(const px_local *l);

/* Admit key_hex (64 hex digits) as a member of organisation org, country
 * (ISO 3166-1 alpha-2) and role ("centre", "secretariat" or "observer").
 * Refused: a malformed key, empty or too long organisation, bad country or
 * role (PX_EINVAL); the root (PX_EEXIST), a revoked key (PX_EPERM, a
 * revocation is permanent), a key that is a member with that role already
 * (PX_EEXIST); a node that may not administer (PX_EPERM). On success the
 * membership of l is reloaded and entries held back for the new member are
 * released. OUT id (may be NULL): the new entry; OUT *released (may be
 * NULL): held-back entries accepted. */
int px_admin_admit(px_local *l, const char *key_hex, const char *org, const char *country,
                   const char *role, uint8_t id[32], size_t *released, const char **field);

/* Revoke key_hex for good, with an optional reason (NULL or ""). Refused:
 * malformed key; the root (PX_EPERM); not a member (PX_ENOENT); revoked
 * already (PX_EEXIST); a node that may not administer. */
int px_admin_revoke(px_local *l, const char *key_hex, const char *reason, uint8_t id[32],
                    const char **field);

/* Retract this node's record target, with an optional reason (NULL or "")
 * written in language lang (a language tag; NULL: "en"). Refused: not held
 * (PX_ENOENT); published by another node (PX_EPERM); not a record (a
 * member, address or invalid entry: PX_EINVAL); retracted already
 * (PX_EEXIST). */
int px_admin_retract(px_local *l, const uint8_t target[32], const char *reason, const char *lang,
                     uint8_t id[32], const char **field);

#endif
