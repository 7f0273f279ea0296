/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admin.c — admitting and revoking members, retracting one's own records
 * (see admin.h). Each action checks first, then appends one entry in one
 * write transaction.
 */
#include "admin.h"

#include "error.h"
#include "kinds.h"
#include "index.h"
#include "jsonmp.h"
#include "entry.h"
#include "records.h"
#include "util.h"

#include <string.h>

/* Longest organisation and reason kept whole by the membership (members.h). */
enum {
    ORG_MAX = sizeof(((px_member *)0)->organisation) - 1,
    REASON_MAX = sizeof(((px_member *)0)->reason) - 1
};

static int fail(const char **field, const char *name, int rc)
{
    if (field)
        *field = name;
    return rc;
}

int px_admin_may(const px_local *l)
{
    px_role r = px_members_role(&l->members, l->me.pk);
    if (r == PX_ROLE_ROOT || r == PX_ROLE_SECRETARIAT)
        return PX_OK;
    return px_err_set(PX_EPERM,
                      "only the network's root and secretariat members may admit or revoke "
                      "members; this node's role is %s",
                      r == PX_ROLE_NONE ? "none (not a member)" : px_role_name(r));
}

static int parse_key(const char *hex, uint8_t key[32], const char **field)
{
    char shown[64];
    size_t n = hex ? strlen(hex) : 0;
    if (n == 0)
        return fail(field, "key",
                    px_err_set(PX_EINVAL, "the public key is missing; paste the 64 hex digits "
                                          "that the new member's 'praxis id' prints"));
    if (n != 64 || px_hex_decode(key, 32, hex) != PX_OK)
        return fail(field, "key",
                    px_err_set(PX_EINVAL,
                               "'%s' is not a public key: a key is 64 hex digits (0-9, a-f), "
                               "as 'praxis id' prints it",
                               px_record_show(shown, sizeof shown, hex, n)));
    return PX_OK;
}

int px_local_append(px_local *l, const char *kind, const uint8_t *const *body, const size_t *len,
                    size_t n, unsigned flags, uint8_t (*ids)[32], size_t *released)
{
    bool membership = px_kind_is(kind, PX_KIND_MEMBERSHIP);
    size_t rel = 0;
    int rc = px_store_begin(l->store);
    if (rc)
        return rc;
    uint64_t now = px_now_ms();
    for (size_t i = 0; !rc && i < n; i++) {
        px_entry e;
        rc = px_feed_append(&l->feed, &l->me, kind, body[i], len[i], now, &e);
        if (!rc && ids)
            memcpy(ids[i], e.id, 32);
    }
    if (!rc && membership)
        rc = px_members_load(&l->members, l->store, l->genesis.root);
    if (!rc && strcmp(kind, "member") == 0)
        rc = px_members_release(&l->feed, px_now_ms(), &rel);
    if (!rc)
        rc = px_store_commit(l->store);
    else
        px_store_rollback(l->store);
    if (rc && membership) /* the membership in memory may have seen the rolled-back entry */
        px_members_load(&l->members, l->store, l->genesis.root);
    /* A revocation's cut (or a hand-over) before entries held here: they
     * stop counting now, not at the next open. */
    if (!rc && membership)
        rc = px_local_apply_cuts(l, NULL);
    if (!rc && released)
        *released = rel;
    if (!rc && (flags & PX_APPEND_NOTIFY))
        px_local_notify(l);
    return rc;
}

int px_admin_append(px_local *l, const char *kind, const json_t *body, unsigned flags,
                    uint8_t id[32], size_t *released)
{
    px_buf mp = {0};
    int rc = px_json_to_msgpack(body, &mp);
    if (!rc)
        rc = px_record_validate(kind, mp.data, mp.len);
    if (!rc) {
        const uint8_t *b = mp.data;
        rc = px_local_append(l, kind, &b, &mp.len, 1, flags, (uint8_t(*)[32])id, released);
    }
    px_buf_free(&mp);
    return rc;
}

int px_admin_admit(px_local *l, const char *key_hex, const char *org, const char *country,
                   const char *role, uint8_t id[32], size_t *released, const char **field)
{
    uint8_t key[32];
    char hex[65], shown[64];
    if (field)
        *field = "";
    int rc = px_admin_may(l);
    if (rc)
        return rc;
    rc = parse_key(key_hex, key, field);
    if (rc)
        return rc;
    size_t ol = org ? strlen(org) : 0;
    if (ol == 0)
        return fail(field, "organisation",
                    px_err_set(PX_EINVAL, "the organisation is missing; name the centre or "
                                          "body the key belongs to"));
    if (ol > ORG_MAX || !px_utf8_valid(org, ol))
        return fail(field, "organisation",
                    px_err_set(PX_EINVAL,
                               "the organisation must be UTF-8 text of at most %d "
                               "bytes",
                               (int)ORG_MAX));
    if (!country || !px_country_valid(country, strlen(country)))
        return fail(field, "country",
                    px_err_set(PX_EINVAL,
                               "'%s' is not an ISO 3166-1 alpha-2 country code such as KZ, "
                               "AZ, GE or CA",
                               px_record_show(shown, sizeof shown, country ? country : "",
                                              country ? strlen(country) : 0)));
    if (!role || (strcmp(role, "centre") != 0 && strcmp(role, "secretariat") != 0 &&
                  strcmp(role, "observer") != 0))
        return fail(field, "role",
                    px_err_set(PX_EINVAL, "the role must be centre, secretariat or observer"));
    px_hex_encode(hex, key, 32);
    if (memcmp(key, l->genesis.root, 32) == 0)
        return fail(
            field, "key",
            px_err_set(PX_EEXIST, "%.16s… is the network's root; it is always a member", hex));
    const px_member *m = px_members_find(&l->members, key);
    if (m && m->revoked)
        return fail(field, "key",
                    px_err_set(PX_EPERM,
                               "%.16s… was revoked, and a revocation is permanent; the member "
                               "needs a new key ('praxis init' in a new data directory)",
                               hex));
    if (m && m->admitted && strcmp(px_role_name(m->role), role) == 0)
        return fail(field, "key",
                    px_err_set(PX_EEXIST, "%.16s… is already a member (%s, %s)", hex,
                               m->organisation, role));
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "key", hex, "organisation", org, "country",
                             country, "role", role);
    rc = body ? px_admin_append(l, "member", body, 0, id, released) : PX_ENOMEM;
    json_decref(body);
    return rc;
}

int px_admin_revoke(px_local *l, const char *key_hex, const char *reason, uint8_t id[32],
                    const char **field)
{
    uint8_t key[32];
    char hex[65];
    if (field)
        *field = "";
    int rc = px_admin_may(l);
    if (rc)
        return rc;
    rc = parse_key(key_hex, key, field);
    if (rc)
        return rc;
    px_hex_encode(hex, key, 32);
    if (memcmp(key, l->genesis.root, 32) == 0)
        return fail(field, "key", px_err_set(PX_EPERM, "the network's root cannot be revoked"));
    const px_member *m = px_members_find(&l->members, key);
    if (m && m->revoked)
        return fail(field, "key", px_err_set(PX_EEXIST, "%.16s… is revoked already", hex));
    if (!m || !m->admitted)
        return fail(field, "key", px_err_set(PX_ENOENT, "%.16s… is not a member", hex));
    size_t rl = reason ? strlen(reason) : 0;
    if (rl > REASON_MAX || (rl && !px_utf8_valid(reason, rl)))
        return fail(field, "reason",
                    px_err_set(PX_EINVAL, "the reason must be UTF-8 text of at most %d bytes",
                               (int)REASON_MAX));
    json_t *body =
        rl ? json_pack("{s:s, s:s}", "key", hex, "reason", reason) : json_pack("{s:s}", "key", hex);
    rc = body ? px_admin_append(l, "revoke", body, 0, id, NULL) : PX_ENOMEM;
    json_decref(body);
    return rc;
}

int px_admin_retract(px_local *l, const uint8_t target[32], const char *reason, const char *lang,
                     uint8_t id[32], const char **field)
{
    px_entry t;
    px_index_info info;
    char hex[PX_ID_HEX], by[PX_ID_HEX];
    if (field)
        *field = "";
    if (!lang || !lang[0])
        lang = "en";
    px_id_hex(hex, target);
    int rc = px_store_get(l->store, target, &t, NULL, NULL);
    if (rc == PX_ENOENT)
        return fail(field, "target", px_err_set(rc, "no entry %.16s… is held here", hex));
    if (rc)
        return rc;
    if (memcmp(t.h.author, l->me.pk, 32) != 0)
        return fail(field, "target",
                    px_err_set(PX_EPERM,
                               "entry %.16s… was published by another node (%.16s…); only its "
                               "author can retract it",
                               hex, px_id_hex(by, t.h.author)));
    rc = px_index_info_get(l->store, target, &info);
    if (rc == PX_ENOENT)
        return fail(field, "target",
                    px_err_set(PX_EINVAL,
                               "entry %.16s… is not a record that can be retracted (a %s "
                               "entry, or one whose body failed its schema)",
                               hex, t.h.kind));
    if (rc)
        return rc;
    if (info.retracted)
        return fail(field, "target",
                    px_err_set(PX_EEXIST, "entry %.16s… is already retracted (by %.16s…)", hex,
                               px_id_hex(by, info.retracted_by)));
    if (!px_lang_valid(lang, strlen(lang)))
        return fail(field, "reason_lang",
                    px_err_set(PX_EINVAL, "the reason's language must be a tag such as en or ru"));
    size_t rl = reason ? strlen(reason) : 0;
    if (rl && !px_utf8_valid(reason, rl))
        return fail(field, "reason", px_err_set(PX_EINVAL, "the reason is not UTF-8 text"));
    json_t *body = json_pack("{s:s}", "target", hex);
    if (body && rl)
        json_object_set_new(body, "reason", json_pack("{s:s#}", lang, reason, rl));
    if (!body)
        return PX_ENOMEM;
    /* The retraction's own schema (text rules for the reason). */
    px_buf mp = {0};
    rc = px_json_to_msgpack(body, &mp);
    if (!rc)
        rc = px_record_validate("retract", mp.data, mp.len);
    px_buf_free(&mp);
    if (rc == PX_ESCHEMA || rc == PX_ETOOBIG)
        rc = fail(field, "reason", rc);
    if (!rc)
        rc = px_admin_append(l, "retract", body, 0, id, NULL);
    json_decref(body);
    return rc;
}
