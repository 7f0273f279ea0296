/* SPDX-License-Identifier: Apache-2.0 */
/*
 * member.c — `praxis member add|revoke|list`: the secretariat admits and
 * revokes members; anyone lists the membership their replica knows.
 *
 * Admissions and revocations are ordinary signed entries (kinds member and
 * revoke) in the secretariat's feed; members.c computes the membership.
 */
#include "cli.h"
#include "admin.h"

#include "error.h"
#include "jsonmp.h"
#include "records.h"
#include "tabular.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis member add PUBKEY --org NAME --country CC [--role ROLE] [--continues OLDKEY]\n"
    "       praxis member revoke PUBKEY [--after SEQ] [--reason TEXT]\n"
    "       praxis member list [--json]\n\n"
    "add     admit the key (64 hex digits, from the new member's 'praxis id')\n"
    "        ROLE: centre (default) | secretariat | observer. Centres publish\n"
    "        knowledge; observers only replicate; the secretariat also admits,\n"
    "        revokes and aggregates. Only the root admits secretariat members;\n"
    "        secretariat members admit centres and observers.\n"
    "        --continues OLDKEY: the member lost OLDKEY; the new key continues it\n"
    "        (one centre), and OLDKEY is revoked after the last entry held here\n"
    "revoke  cut the key off for good: the entries of its feed after SEQ (by\n"
    "        default the last one this node holds) are refused everywhere, whatever\n"
    "        their timestamps; later ones that arrived already stop counting; its\n"
    "        connections are closed and it is never dialled again\n"
    "list    the membership as this replica knows it\n";

static int publish_one(px_local *l, const char *kind, json_t *body, uint8_t id_out[32])
{
    size_t released = 0;
    int rc = px_admin_append(l, kind, body, PX_APPEND_NOTIFY, id_out, &released);
    if (!rc) {
        char id[65];
        puts(px_id_hex(id, id_out));
        if (released)
            fprintf(stderr, "%zu held-back entries of this member were accepted\n", released);
    }
    return rc;
}

static int may_administer(px_local *l)
{
    px_role r = px_members_role(&l->members, l->me.pk);
    if (r == PX_ROLE_ROOT || r == PX_ROLE_SECRETARIAT)
        return PX_OK;
    return px_err_set(PX_EPERM,
                      "only the network's root and secretariat members may admit or "
                      "revoke; this node's role is %s",
                      px_role_name(r));
}

/* Secretariat members manage centres and observers; only the root manages
 * secretariat members (members.h). */
static int may_manage(px_local *l, const px_member *m, const char *hex, const char *what)
{
    bool root = memcmp(l->me.pk, l->genesis.root, 32) == 0;
    if (!root && m && (m->role == PX_ROLE_SECRETARIAT || m->root_only))
        return px_err_set(PX_EPERM,
                          "%s is or was a secretariat member: only the network's root "
                          "may %s it",
                          hex, what);
    if (!root && m && m->root_managed && strcmp(what, "change") == 0)
        return px_err_set(PX_EPERM,
                          "%s was admitted or changed by the network's root: only the "
                          "root may %s it (secretariat members may revoke or replace it)",
                          hex, what);
    return PX_OK;
}

/* The last entry of key's feed this node holds (seq 0: none). */
static int held_head(px_local *l, const uint8_t key[32], px_head *h)
{
    int rc = px_store_head(l->store, key, h);
    if (rc == PX_ENOENT) {
        memset(h, 0, sizeof *h);
        return PX_OK;
    }
    return rc;
}

static void set_cut(json_t *body, const px_head *h)
{
    char id[65];
    json_object_set_new(body, "after", json_integer((json_int_t)h->seq));
    if (h->seq > 0)
        json_object_set_new(body, "after_id", json_string(px_id_hex(id, h->id)));
}

static void say_who(const uint8_t key[32], const px_member *m)
{
    char hex[17];
    px_hex_encode(hex, key, 8);
    fprintf(stderr, "%s", hex);
    if (m && m->organisation[0]) {
        fputs(" (", stderr);
        px_text_put(stderr, m->organisation, false);
        fputc(')', stderr);
    }
}

static int do_add(px_local *l, const char *hex, const char *org, const char *country,
                  const char *role, const char *continues)
{
    uint8_t key[32], old[32];
    int rc = px_cli_parse_key(hex, key, "public key");
    if (!rc && continues)
        rc = px_cli_parse_key(continues, old, "--continues key");
    if (!rc)
        rc = may_administer(l);
    if (rc)
        return rc;
    bool root = memcmp(l->me.pk, l->genesis.root, 32) == 0;
    const px_member *m = px_members_find(&l->members, key);
    if (memcmp(key, l->genesis.root, 32) == 0)
        return px_err_set(PX_EEXIST, "%s is the network's root; it is always a member", hex);
    if (m && m->revoked)
        return px_err_set(PX_EPERM,
                          "%s was revoked, and a revocation is permanent; the member needs a new "
                          "key ('praxis init' in a new data directory)",
                          hex);
    if (!root && strcmp(role, "secretariat") == 0)
        return px_err_set(PX_EPERM, "only the network's root may admit secretariat members");
    if ((rc = may_manage(l, m, hex, "change")) != PX_OK)
        return rc;
    if (!continues && m && m->admitted && strcmp(px_role_name(m->role), role) == 0 &&
        strcmp(m->organisation, org) == 0 && strcmp(m->country, country) == 0)
        return px_err_set(PX_EEXIST,
                          "%s is already a member with that organisation, country and "
                          "role",
                          hex);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "key", hex, "organisation", org, "country",
                             country, "role", role);
    if (!body)
        return PX_ENOMEM;
    px_head h = {0};
    const px_member *o = NULL;
    if (continues) {
        o = px_members_find(&l->members, old);
        if (memcmp(old, l->genesis.root, 32) == 0 || memcmp(old, key, 32) == 0)
            rc = px_err_set(PX_EINVAL, "--continues must name the member's old key, not the root "
                                       "or the new key");
        else if (!o || !o->admitted)
            rc = px_err_set(PX_ENOENT, "--continues %s: that key is not a member here", continues);
        else if (o->has_successor)
            rc = px_err_set(PX_EEXIST, "--continues %s: that key is continued by another already",
                            continues);
        if (!rc)
            rc = may_manage(l, o, continues, "replace");
        if (!rc)
            rc = held_head(l, old, &h);
        if (!rc) {
            char oh[65];
            px_hex_encode(oh, old, 32);
            json_object_set_new(body, "continues", json_string(oh));
            set_cut(body, &h);
        }
    } else if (m && m->role == PX_ROLE_SECRETARIAT && strcmp(role, "secretariat") != 0) {
        /* Demoting: its admissions and revocations up to its head held stay. */
        rc = held_head(l, key, &h);
        if (!rc)
            set_cut(body, &h);
    }
    uint8_t id[32];
    px_member old_shown = {0};
    if (o) /* o points into the membership, which publishing recomputes */
        old_shown = *o;
    if (!rc)
        rc = publish_one(l, "member", body, id);
    json_decref(body);
    if (rc)
        return rc;
    fprintf(stderr, "admitted ");
    say_who(key, NULL);
    fprintf(stderr, " as %s", role);
    if (continues) {
        fprintf(stderr, ", continuing ");
        say_who(old, &old_shown);
        fprintf(stderr, ", whose entries after seq %llu are now refused",
                (unsigned long long)h.seq);
    }
    fprintf(stderr, "\n");
    return PX_OK;
}

static int do_revoke(px_local *l, const char *hex, const char *reason, const char *after)
{
    uint8_t key[32];
    int rc = px_cli_parse_key(hex, key, "public key");
    if (!rc)
        rc = may_administer(l);
    if (rc)
        return rc;
    if (memcmp(key, l->genesis.root, 32) == 0)
        return px_err_set(PX_EPERM, "the network's root cannot be revoked");
    const px_member *m = px_members_find(&l->members, key);
    if (m && m->revoked)
        return px_err_set(PX_EEXIST, "%s is revoked already", hex);
    if (!m || !m->admitted)
        return px_err_set(PX_ENOENT, "%s is not a member", hex);
    if ((rc = may_manage(l, m, hex, "revoke")) != PX_OK)
        return rc;
    px_head h;
    rc = held_head(l, key, &h);
    if (rc)
        return rc;
    if (after) {
        uint64_t seq;
        if (px_parse_u64(after, 0, UINT64_MAX, &seq) != PX_OK)
            return px_err_set(PX_EINVAL, "--after '%s' is not a whole number of 0 or more", after);
        if (seq > h.seq)
            return px_err_set(PX_EINVAL,
                              "--after %llu: this node holds entries up to seq %llu of "
                              "that feed; a cut beyond them would let entries in "
                              "unseen",
                              (unsigned long long)seq, (unsigned long long)h.seq);
        px_entry e;
        if (seq > 0 && (rc = px_store_get_seq(l->store, key, seq, &e, NULL, NULL)) != PX_OK)
            return rc;
        h.seq = seq;
        if (seq > 0)
            memcpy(h.id, e.id, 32);
    }
    json_t *body = json_pack("{s:s}", "key", hex);
    if (!body)
        return PX_ENOMEM;
    set_cut(body, &h);
    if (reason)
        json_object_set_new(body, "reason", json_string(reason));
    uint8_t id[32];
    px_member shown = *m;
    rc = publish_one(l, "revoke", body, id);
    json_decref(body);
    if (rc)
        return rc;
    fprintf(stderr, "revoked ");
    say_who(key, &shown);
    fprintf(stderr, ": its entries after seq %llu are refused everywhere\n",
            (unsigned long long)h.seq);
    if (shown.retired && shown.cut_seq <= h.seq) {
        char next[17];
        px_hex_encode(next, shown.successor, 8);
        fprintf(stderr,
                "note: its hand-over to %s (seq %llu) stays valid; if a thief made it, "
                "revoke %s too, or this key again with --after %llu to void it\n",
                next, (unsigned long long)shown.cut_seq, next,
                (unsigned long long)(shown.cut_seq ? shown.cut_seq - 1 : 0));
    }
    return PX_OK;
}

static const char *status_of(const px_member *m)
{
    return m->revoked ? "revoked" : m->retired ? "handed-over" : m->admitted ? "member" : "unknown";
}

static json_t *hexs(char out[65], const uint8_t key[32])
{
    px_hex_encode(out, key, 32);
    return json_string(out);
}

/* Entries held past m's cut: kept as evidence, not counted. */
static uint64_t past_cut(px_local *l, const px_member *m)
{
    px_head h;
    if (!m->cut || px_store_head(l->store, m->key, &h) != PX_OK || h.seq <= m->cut_seq)
        return 0;
    return h.seq - m->cut_seq;
}

static json_t *member_json(px_local *l, const px_member *m)
{
    char key[65], by[65];
    px_hex_encode(key, m->key, 32);
    json_t *o = json_pack("{s:s, s:s, s:s}", "public_key", key, "role", px_role_name(m->role),
                          "status", status_of(m));
    if (m->organisation[0])
        json_object_set_new(o, "organisation", json_string(m->organisation));
    if (m->country[0])
        json_object_set_new(o, "country", json_string(m->country));
    json_object_set_new(o, "centre_key", hexs(by, m->centre));
    if (m->admitted) {
        json_object_set_new(o, "admitted_ms", json_integer((json_int_t)m->admitted_ms));
        json_object_set_new(o, "admitted_by", hexs(by, m->admitted_by));
    }
    if (m->has_predecessor)
        json_object_set_new(o, "continues", hexs(by, m->predecessor));
    if (m->has_successor)
        json_object_set_new(o, "continued_by", hexs(by, m->successor));
    if (m->cut)
        json_object_set_new(o, "valid_until", json_integer((json_int_t)m->cut_seq));
    if (past_cut(l, m))
        json_object_set_new(o, "entries_past_cut", json_integer((json_int_t)past_cut(l, m)));
    if (m->revoked) {
        json_object_set_new(o, "revoked_ms", json_integer((json_int_t)m->revoked_ms));
        json_object_set_new(o, "revoked_by", hexs(by, m->revoked_by));
        if (m->reason[0])
            json_object_set_new(o, "reason", json_string(m->reason));
    }
    return o;
}

static int do_list(px_local *l, bool json)
{
    char root[65];
    px_hex_encode(root, l->genesis.root, 32);
    if (json) {
        json_t *arr = json_array();
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "public_key", root, "role",
                                             "root", "status", "member", "centre_key", root));
        for (size_t i = 0; i < l->members.n; i++)
            json_array_append_new(arr, member_json(l, &l->members.v[i]));
        json_t *top = json_pack("{s:o}", "members", arr);
        px_cli_print_json(top);
        json_decref(top);
        return PX_OK;
    }
    /* One centre, several keys: a key that continues another is listed
     * under the centre's first key. */
    printf("%-16s  %-16s  %-11s  %-11s  %-2s  %s\n", "KEY", "CENTRE", "ROLE", "STATUS", "CC",
           "ORGANISATION");
    printf("%.16s  %.16s  %-11s  %-11s  %-2s  %s\n", root, root, "root", "member", "",
           "(the network's root)");
    for (size_t i = 0; i < l->members.n; i++) {
        const px_member *m = &l->members.v[i];
        char key[65], centre[65], when[32];
        px_hex_encode(key, m->key, 32);
        px_hex_encode(centre, m->centre, 32);
        printf("%.16s  %.16s  %-11s  %-11s  %-2s  ", key, centre, px_role_name(m->role),
               status_of(m), m->country);
        px_text_put(stdout, m->organisation, false);
        if (m->revoked) {
            printf("  (revoked %s, entries after seq %llu refused",
                   px_cli_time(when, m->revoked_ms), (unsigned long long)m->cut_seq);
            if (m->reason[0]) {
                fputs(": ", stdout);
                px_text_put(stdout, m->reason, false);
            }
            putchar(')');
        } else if (m->retired) {
            printf("  (handed over after seq %llu)", (unsigned long long)m->cut_seq);
        }
        if (past_cut(l, m))
            printf("  [%llu entries past the cut kept as evidence]",
                   (unsigned long long)past_cut(l, m));
        putchar('\n');
    }
    return PX_OK;
}

int px_cmd_member(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"org", required_argument, NULL, 'o'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"reason", required_argument, NULL, 'R'},
                                         {"after", required_argument, NULL, 'a'},
                                         {"continues", required_argument, NULL, 'C'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *org = NULL, *country = NULL, *role = "centre", *reason = NULL, *after = NULL,
               *continues = NULL;
    bool json = false, first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'o':
            org = optarg;
            break;
        case 'c':
            country = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'R':
            reason = optarg;
            break;
        case 'a':
            after = optarg;
            break;
        case 'C':
            continues = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            return px_cli_help(usage);
        default:
            return px_cli_usage_error(usage, "bad option");
        }
    }
    int n = argc - optind;
    char **args = argv + optind;
    if (n < 1)
        return px_cli_usage_error(usage, "member needs add, revoke or list");
    bool add = strcmp(args[0], "add") == 0, rev = strcmp(args[0], "revoke") == 0,
         list = strcmp(args[0], "list") == 0;
    if ((add || rev) && n != 2)
        return px_cli_usage_error(usage, "member %s needs one PUBKEY", args[0]);
    if (list && n != 1)
        return px_cli_usage_error(usage, "member list takes no arguments");
    if (!add && !rev && !list)
        return px_cli_usage_error(usage, "unknown member command '%s'", args[0]);
    if (add && (!org || !country))
        return px_cli_usage_error(usage, "member add needs --org NAME and --country CC");
    if (add && strcmp(role, "centre") != 0 && strcmp(role, "secretariat") != 0 &&
        strcmp(role, "observer") != 0)
        return px_cli_usage_error(usage, "--role must be centre, secretariat or observer");
    if (add && !px_country_valid(country, strlen(country)))
        return px_cli_usage_error(usage,
                                  "--country '%s' is not an ISO 3166-1 alpha-2 code "
                                  "such as KZ, AZ, GE or CA",
                                  country);
    if ((after && !rev) || (continues && !add) || (reason && !rev)) {
        return px_cli_usage_error(usage, "%s applies to member %s only",
                                  after       ? "--after"
                                  : continues ? "--continues"
                                              : "--reason",
                                  after || reason ? "revoke" : "add");
    }
    px_local l;
    /* list only reads: no secret key, no passphrase. */
    if (list ? px_cli_open_read(cli, &l) : px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    /* The key to revoke and the key a new one continues may be given as a
     * unique prefix of a key held (idprefix.h); a new key must be whole. */
    char full[65], full_old[65];
    const char *key_arg = args[1], *old_arg = continues;
    uint8_t k[32];
    if (rev || continues) {
        int ec = px_cli_key_arg(&l, rev ? args[1] : continues,
                                rev ? "public key" : "--continues key", k);
        if (ec != PX_EXIT_OK) {
            px_local_close(&l);
            return ec;
        }
        px_hex_encode(rev ? full : full_old, k, 32);
        if (rev)
            key_arg = full;
        else
            old_arg = full_old;
    }
    int rc = add   ? do_add(&l, key_arg, org, country, role, old_arg)
             : rev ? do_revoke(&l, key_arg, reason, after)
                   : do_list(&l, json);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
