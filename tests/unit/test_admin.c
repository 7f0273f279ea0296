/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_admin.c — node/app/admin.c, the actions behind the web interface's
 * members and retract pages, against a real SQLite store:
 *   - admit: a malformed key, an empty organisation, a bad country or role
 *     are refused naming their field; the root and a member with the same
 *     role already are refused; an admission makes the key a member;
 *   - revoke: the root cannot be revoked; a non-member is not found; a
 *     revocation is permanent (the key cannot be admitted again) and is
 *     refused twice;
 *   - only the root and secretariat members administer: a centre is
 *     refused whatever it asks;
 *   - retract: only one's own records, only records, only once.
 */
#include "admin.h"
#include "check.h"
#include "crypto.h"
#include "error.h"
#include "index.h"
#include "jsonmp.h"
#include "publish.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity root, centre, stranger;
static uint8_t net[32];
static char dir[64];

/* A local node of identity who over the shared store at path, in a network
 * whose root is `root`, with the membership computed from the store. */
static void open_local(px_local *l, const char *path, const px_identity *who)
{
    memset(l, 0, sizeof *l);
    CHECK_RC(px_store_open(path, &l->store), PX_OK);
    CHECK_RC(px_index_open(l->store, NULL), PX_OK);
    l->me = *who;
    memcpy(l->genesis.root, root.pk, 32);
    CHECK_RC(px_members_load(&l->members, l->store, root.pk), PX_OK);
    l->feed = (px_feed_ctx){.store = l->store,
                            .is_member = px_members_admits,
                            .member_ctx = &l->members,
                            .schema = px_index_schema,
                            .index = px_index_entry};
    memcpy(l->feed.network_id, net, 32);
}

static void close_local(px_local *l)
{
    px_members_free(&l->members);
    px_store_close(l->store);
}

static void hex(char out[65], const uint8_t key[32])
{
    px_hex_encode(out, key, 32);
}

static void test_admit_and_revoke(void)
{
    char path[128], k[65], rk[65];
    px_local l;
    const char *field = NULL;
    uint8_t id[32];
    snprintf(path, sizeof path, "%s/members.db", dir);
    open_local(&l, path, &root);
    hex(k, centre.pk);
    hex(rk, root.pk);
    CHECK_RC(px_admin_may(&l), PX_OK);

    CHECK_RC(px_admin_admit(&l, "12ab", "G4C", "KZ", "centre", id, NULL, &field), PX_EINVAL);
    CHECK_STR(field, "key");
    CHECK_RC(px_admin_admit(&l, k, "", "KZ", "centre", id, NULL, &field), PX_EINVAL);
    CHECK_STR(field, "organisation");
    CHECK_RC(px_admin_admit(&l, k, "G4C", "XX", "centre", id, NULL, &field), PX_EINVAL);
    CHECK_STR(field, "country");
    CHECK(strstr(px_err_detail(), "'XX'") != NULL);
    CHECK_RC(px_admin_admit(&l, k, "G4C", "KZ", "boss", id, NULL, &field), PX_EINVAL);
    CHECK_STR(field, "role");
    CHECK_RC(px_admin_admit(&l, rk, "Hub", "KZ", "centre", id, NULL, &field), PX_EEXIST);
    CHECK_STR(field, "key");
    uint64_t n = 0;
    CHECK_RC(px_store_count(l.store, &n), PX_OK);
    CHECK(n == 0); /* nothing refused was appended */

    CHECK_RC(px_admin_admit(&l, k, "Government for Citizens", "KZ", "centre", id, NULL, &field),
             PX_OK);
    CHECK(px_members_role(&l.members, centre.pk) == PX_ROLE_CENTRE);
    CHECK_RC(px_admin_admit(&l, k, "Government for Citizens", "KZ", "centre", id, NULL, &field),
             PX_EEXIST);

    /* A centre administers nothing. */
    px_local c;
    open_local(&c, path, &centre);
    char sk[65];
    hex(sk, stranger.pk);
    CHECK_RC(px_admin_admit(&c, sk, "Stranger", "GE", "centre", id, NULL, &field), PX_EPERM);
    CHECK(strstr(px_err_detail(), "centre") != NULL);
    CHECK_RC(px_admin_revoke(&c, rk, NULL, id, &field), PX_EPERM);
    close_local(&c);

    CHECK_RC(px_admin_revoke(&l, rk, NULL, id, &field), PX_EPERM);
    CHECK_RC(px_admin_revoke(&l, sk, NULL, id, &field), PX_ENOENT);
    CHECK_RC(px_admin_revoke(&l, k, "Left the network", id, &field), PX_OK);
    const px_member *m = px_members_find(&l.members, centre.pk);
    CHECK(m && m->revoked);
    CHECK_STR(m ? m->reason : "", "Left the network");
    CHECK_RC(px_admin_revoke(&l, k, NULL, id, &field), PX_EEXIST);
    CHECK_RC(px_admin_admit(&l, k, "Government for Citizens", "KZ", "centre", id, NULL, &field),
             PX_EPERM); /* a revocation is permanent */
    close_local(&l);
}

static void test_retract(void)
{
    char path[128], k[65];
    px_local l, c;
    const char *field = NULL;
    uint8_t id[32], mine[32], theirs[32], member_entry[32];
    snprintf(path, sizeof path, "%s/retract.db", dir);
    open_local(&l, path, &root);
    hex(k, centre.pk);
    CHECK_RC(px_admin_admit(&l, k, "G4C", "KZ", "centre", member_entry, NULL, &field), PX_OK);

    const char *text = "{\"title\": {\"en\": \"A case\"}, \"summary\": {\"en\": \"x\"}, "
                       "\"country\": \"KZ\", \"stage\": \"idea\"}";
    json_t *j = NULL;
    CHECK_RC(px_json_parse(text, strlen(text), "test", &j), PX_OK);
    px_pub *p = NULL;
    px_pub_entry e;
    CHECK_RC(px_pub_begin(&l, NULL, &p), PX_OK);
    CHECK_RC(px_pub_add_json(p, "case", j, "test", 1, 0), PX_OK);
    CHECK_RC(px_pub_finish(p), PX_OK);
    px_pub_entry_get(p, 0, &e);
    memcpy(mine, e.id, 32);
    px_pub_free(p);

    open_local(&c, path, &centre);
    CHECK_RC(px_pub_begin(&c, NULL, &p), PX_OK);
    CHECK_RC(px_pub_add_json(p, "case", j, "test", 1, 0), PX_OK);
    CHECK_RC(px_pub_finish(p), PX_OK);
    px_pub_entry_get(p, 0, &e);
    memcpy(theirs, e.id, 32);
    px_pub_free(p);
    close_local(&c);
    json_decref(j);

    uint8_t missing[32];
    memset(missing, 0x5a, sizeof missing);
    CHECK_RC(px_admin_retract(&l, missing, NULL, NULL, id, &field), PX_ENOENT);
    CHECK_RC(px_admin_retract(&l, theirs, NULL, NULL, id, &field), PX_EPERM);
    CHECK(strstr(px_err_detail(), "only its author") != NULL);
    CHECK_RC(px_admin_retract(&l, member_entry, NULL, NULL, id, &field), PX_EINVAL);
    CHECK_RC(px_admin_retract(&l, mine, "twice", "EN", id, &field), PX_EINVAL);
    CHECK_STR(field, "reason_lang");
    CHECK_RC(px_admin_retract(&l, mine, "Published by mistake", "en", id, &field), PX_OK);
    px_index_info info;
    CHECK_RC(px_index_info_get(l.store, mine, &info), PX_OK);
    CHECK(info.retracted && memcmp(info.retracted_by, id, 32) == 0);
    CHECK_RC(px_admin_retract(&l, mine, NULL, NULL, id, &field), PX_EEXIST);
    close_local(&l);
}

int main(void)
{
    if (px_crypto_init() != PX_OK)
        return 1;
    snprintf(dir, sizeof dir, "/tmp/px-test-admin.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    px_identity_generate(&root);
    px_identity_generate(&centre);
    px_identity_generate(&stranger);
    memset(net, 9, sizeof net);
    RUN(test_admit_and_revoke);
    RUN(test_retract);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
