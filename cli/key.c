/* SPDX-License-Identifier: Apache-2.0 */
/*
 * key.c — `praxis key rotate`: replace this node's key without asking the
 * secretariat. The old key signs a hand-over (a `member` entry naming the
 * new key, whose `continues` is the old key itself: members.h); its feed
 * ends there. The new key's first entry names the old key and the
 * hand-over. Both are signed in one transaction. Peers learn the new key
 * only from the hand-over in the old feed, so while praxisd still runs with
 * the old key we wait (bounded) until a connected peer holds it; then the
 * data directory switches to the new key file (0600) and praxisd is
 * restarted by the operator. A key revoked before its hand-over cannot hand
 * over: the fold ignores a hand-over past the cut.
 */
#include "cli.h"

#include "ctlclient.h"
#include "crypto.h"
#include "error.h"
#include "jsonmp.h"
#include "records.h"
#include "tabular.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxis key rotate [--protect] [--wait SECONDS]\n\n"
    "rotate  make a new key for this node and hand this centre's membership\n"
    "        over to it: the old key signs the hand-over, its feed ends there,\n"
    "        and the new key continues it (one centre). No secretariat action\n"
    "        is needed. Run it while praxisd runs: it waits (--wait, default 60)\n"
    "        until a peer holds the hand-over, then switches the key file; then\n"
    "        restart praxisd. --protect encrypts the new key with a passphrase\n"
    "        (as 'praxis init --protect'); a protected key is replaced by a\n"
    "        protected one.\n";

static bool key_is_protected(const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0;
    if (px_read_file(path, 64 * 1024, &data, &len) != PX_OK)
        return false;
    static const char tag[] = "\"encrypted\"";
    bool yes = false;
    for (size_t i = 0; !yes && i + sizeof tag - 1 <= len; i++)
        yes = memcmp(data + i, tag, sizeof tag - 1) == 0;
    free(data);
    return yes;
}

/* Wait up to wait_s for a connected peer to hold author's feed up to seq.
 * Returns how many do (0: none in time), or -1 if praxisd is not running. */
static int wait_for_peers(const px_local *l, const uint8_t author[32], uint64_t seq,
                          uint64_t wait_s)
{
    char hex[65];
    px_hex_encode(hex, author, 32);
    json_t *req =
        json_pack("{s:s, s:s, s:I}", "op", "holding", "author", hex, "seq", (json_int_t)seq);
    uint64_t end = px_mono_ns() + wait_s * 1000000000ull;
    int peers = -1;
    while (req) {
        json_t *resp = NULL;
        if (px_control_call(l->paths.socket, req, 5000, &resp) != PX_OK)
            break;
        peers = (int)json_integer_value(json_object_get(resp, "peers"));
        json_decref(resp);
        if (peers > 0 || px_mono_ns() >= end)
            break;
        usleep(200 * 1000);
    }
    json_decref(req);
    return peers;
}

static int append_json(px_local *l, const px_identity *who, json_t *body, px_entry *out, px_buf *mp)
{
    int rc = body ? px_json_to_msgpack(body, mp) : PX_ENOMEM;
    if (!rc)
        rc = px_record_validate("member", mp->data, mp->len);
    if (!rc)
        rc = px_feed_append(&l->feed, who, "member", mp->data, mp->len, px_now_ms(), out);
    return rc;
}

static int rotate(px_local *l, bool protect, uint64_t wait_s)
{
    const px_member *m = px_members_find(&l->members, l->me.pk);
    px_role role = px_members_role(&l->members, l->me.pk);
    if (role == PX_ROLE_ROOT)
        return px_err_set(PX_EPERM, "the network's root key is part of the network id and "
                                    "cannot be rotated");
    if (role == PX_ROLE_SECRETARIAT)
        return px_err_set(PX_EPERM, "a secretariat key is replaced by the root: it runs 'praxis "
                                    "member add NEWKEY --role secretariat --continues OLDKEY'");
    if (role == PX_ROLE_NONE || !m)
        return px_err_set(PX_EPERM, "this node's key is not a current member here (revoked, "
                                    "handed over, or its admission has not arrived yet)");
    char fresh[PATH_MAX], pass[1024] = "";
    if (px_path_join(fresh, sizeof fresh, l->paths.dir, "secret.key.new"))
        return px_err_set(PX_ETOOBIG, "data directory path is too long");
    if (access(fresh, F_OK) == 0)
        return px_err_set(PX_EEXIST,
                          "%s exists (a rotation that did not finish?); check it "
                          "and remove it, then rotate again",
                          fresh);
    protect |= key_is_protected(l->paths.key);
    int rc = protect ? px_cli_new_passphrase(pass, sizeof pass) : PX_OK;
    px_identity nw;
    px_identity_generate(&nw);
    if (!rc)
        rc = protect ? px_identity_save_protected(&nw, fresh, pass) : px_identity_save(&nw, fresh);
    px_memzero(pass, sizeof pass);
    if (rc) {
        px_identity_clear(&nw);
        return rc;
    }
    char oldhex[65], newhex[65], hid[65];
    px_hex_encode(oldhex, l->me.pk, 32);
    px_hex_encode(newhex, nw.pk, 32);
    px_member shown = *m;
    px_buf mp1 = {0}, mp2 = {0};
    px_entry hand, first;
    json_t *b1 =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "key", newhex, "organisation", shown.organisation,
                  "country", shown.country, "role", px_role_name(shown.role), "continues", oldhex);
    json_t *b2 = NULL;
    rc = px_store_begin(l->store);
    if (!rc) {
        rc = append_json(l, &l->me, b1, &hand, &mp1);
        if (!rc) /* the hand-over admits the new key */
            rc = px_members_load(&l->members, l->store, l->genesis.root);
        if (!rc && px_members_role(&l->members, nw.pk) == PX_ROLE_NONE)
            rc = px_err_set(PX_EPERM, "the hand-over did not take effect (is this key revoked?)");
        if (!rc) {
            b2 = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "key", newhex, "organisation",
                           shown.organisation, "country", shown.country, "role",
                           px_role_name(shown.role), "continues", oldhex, "after",
                           (json_int_t)hand.h.seq, "after_id", px_id_hex(hid, hand.id));
            rc = append_json(l, &nw, b2, &first, &mp2);
        }
        if (!rc)
            rc = px_store_commit(l->store);
        else
            px_store_rollback(l->store);
    }
    json_decref(b1);
    json_decref(b2);
    px_buf_free(&mp1);
    px_buf_free(&mp2);
    px_identity_clear(&nw);
    if (rc) {
        unlink(fresh);
        return rc;
    }
    /* Until a peer holds the hand-over, nobody knows the new key. */
    px_local_notify(l);
    int holding = wait_for_peers(l, hand.h.author, hand.h.seq, wait_s);
    if (rename(fresh, l->paths.key) != 0) {
        return px_err_set(PX_EIO,
                          "the hand-over is signed, but %s could not replace %s: move "
                          "it there by hand before starting praxisd",
                          fresh, l->paths.key);
    }
    puts(newhex);
    fprintf(stderr,
            "rotated: this node's key is now %.16s; %.16s handed over at seq %llu (entry "
            "%.16s) and signs nothing more. Restart praxisd.\n",
            newhex, oldhex, (unsigned long long)hand.h.seq, hid);
    if (holding <= 0)
        fprintf(stderr,
                "warning: no peer holds the hand-over yet (%s), so no node admits the new "
                "key; hand 'praxis feed export --author %s FILE' to a member to import\n",
                holding < 0 ? "praxisd is not running" : "none connected in time", oldhex);
    return PX_OK;
}

int px_cmd_key(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"protect", no_argument, NULL, 'p'},
                                         {"wait", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool first = true, protect = false;
    uint64_t wait_s = 60;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'p':
            protect = true;
            break;
        case 'w':
            if (px_parse_u64(optarg, 0, 3600, &wait_s) != PX_OK)
                return px_cli_usage_error(usage, "--wait '%s' is not 0 to 3600 seconds", optarg);
            break;
        case 'h':
            return px_cli_help(usage);
        default:
            return px_cli_usage_error(usage, "bad option");
        }
    }
    int n = argc - optind;
    char **args = argv + optind;
    if (n != 1 || strcmp(args[0], "rotate") != 0)
        return px_cli_usage_error(usage, "key needs the command rotate");
    px_local l;
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = rotate(&l, protect, wait_s);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
