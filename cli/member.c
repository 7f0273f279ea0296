/*
 * member.c — `praxis member add|revoke|list`: the secretariat admits and
 * revokes members; anyone lists the membership their replica knows.
 *
 * Admissions and revocations are ordinary signed entries (kinds member and
 * revoke) in the secretariat's feed; members.c computes the membership.
 */
#include "cli.h"

#include "error.h"
#include "jsonmp.h"
#include "records.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis member add PUBKEY --org NAME --country CC [--role ROLE]\n"
    "       praxis member revoke PUBKEY [--reason TEXT]\n"
    "       praxis member list [--json]\n\n"
    "add     admit the key (64 hex digits, from the new member's 'praxis id')\n"
    "        ROLE: centre (default) | secretariat | observer. Centres publish\n"
    "        knowledge; observers only replicate; the secretariat also admits,\n"
    "        revokes and aggregates. Only the root and secretariat members may\n"
    "        add or revoke.\n"
    "revoke  cut the key off for good: its entries stamped from now on are\n"
    "        refused everywhere and its connections are closed\n"
    "list    the membership as this replica knows it\n";

static int publish_one(px_local *l, const char *kind, json_t *body)
{
    px_buf mp = {0};
    px_entry e;
    size_t released = 0;
    int rc = px_json_to_msgpack(body, &mp);
    if (!rc)
        rc = px_record_validate(kind, mp.data, mp.len);
    if (!rc)
        rc = px_store_begin(l->store);
    if (!rc) {
        rc = px_feed_append(&l->feed, &l->me, kind, mp.data, mp.len, px_now_ms(), &e);
        /* An admission may let held-back entries in. */
        if (!rc)
            rc = px_members_load(&l->members, l->store, l->genesis.root);
        if (!rc)
            rc = px_members_release(&l->feed, px_now_ms(), &released);
        if (!rc)
            rc = px_store_commit(l->store);
        else
            px_store_rollback(l->store);
    }
    if (!rc) {
        char id[65];
        puts(px_id_hex(id, e.id));
        if (released)
            fprintf(stderr, "%zu held-back entries of this member were accepted\n", released);
        px_cli_notify(l);
    }
    px_buf_free(&mp);
    return rc;
}

static int may_administer(px_local *l)
{
    px_role r = px_members_role(&l->members, l->me.pk);
    if (r == PX_ROLE_ROOT || r == PX_ROLE_SECRETARIAT)
        return PX_OK;
    return px_err_set(PX_EPERM, "only the network's root and secretariat members may admit or "
                                "revoke; this node's role is %s",
                      px_role_name(r));
}

static int do_add(px_local *l, const char *hex, const char *org, const char *country,
                  const char *role)
{
    uint8_t key[32];
    int rc = px_cli_parse_key(hex, key, "public key");
    if (!rc)
        rc = may_administer(l);
    if (rc)
        return rc;
    const px_member *m = px_members_find(&l->members, key);
    if (memcmp(key, l->genesis.root, 32) == 0)
        return px_err_set(PX_EEXIST, "%s is the network's root; it is always a member", hex);
    if (m && m->revoked)
        return px_err_set(PX_EPERM,
                          "%s was revoked, and a revocation is permanent; the member needs a new "
                          "key ('praxis init' in a new data directory)",
                          hex);
    if (m && m->admitted && strcmp(px_role_name(m->role), role) == 0)
        return px_err_set(PX_EEXIST, "%s is already a member (%s, %s)", hex, m->organisation,
                          role);
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "key", hex, "organisation", org, "country",
                             country, "role", role);
    rc = body ? publish_one(l, "member", body) : PX_ENOMEM;
    json_decref(body);
    return rc;
}

static int do_revoke(px_local *l, const char *hex, const char *reason)
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
    json_t *body = reason ? json_pack("{s:s, s:s}", "key", hex, "reason", reason)
                          : json_pack("{s:s}", "key", hex);
    rc = body ? publish_one(l, "revoke", body) : PX_ENOMEM;
    json_decref(body);
    return rc;
}

static json_t *member_json(const px_members *ms, const px_member *m)
{
    char key[65], by[65];
    px_hex_encode(key, m->key, 32);
    px_hex_encode(by, m->admitted_by, 32);
    const char *status = m->revoked ? "revoked" : m->admitted ? "member" : "unknown";
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "public_key", key, "role",
                          px_role_name(m->role), "organisation", m->organisation, "country",
                          m->country, "status", status, "admitted_ms",
                          (json_int_t)m->admitted_ms, "admitted_by", by);
    if (m->revoked) {
        px_hex_encode(by, m->revoked_by, 32);
        json_object_set_new(o, "revoked_ms", json_integer((json_int_t)m->revoked_ms));
        json_object_set_new(o, "revoked_by", json_string(by));
        json_object_set_new(o, "reason", json_string(m->reason));
    }
    (void)ms;
    return o;
}

static int do_list(px_local *l, bool json)
{
    char root[65];
    px_hex_encode(root, l->genesis.root, 32);
    if (json) {
        json_t *arr = json_array();
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "public_key", root, "role",
                                             "root", "status", "member"));
        for (size_t i = 0; i < l->members.n; i++)
            json_array_append_new(arr, member_json(&l->members, &l->members.v[i]));
        px_cli_print_json(arr);
        json_decref(arr);
        return PX_OK;
    }
    printf("%-16s  %-11s  %-8s  %-2s  %s\n", "KEY", "ROLE", "STATUS", "CC", "ORGANISATION");
    printf("%.16s  %-11s  %-8s  %-2s  %s\n", root, "root", "member", "", "(the network's root)");
    for (size_t i = 0; i < l->members.n; i++) {
        const px_member *m = &l->members.v[i];
        char key[65], when[32];
        px_hex_encode(key, m->key, 32);
        printf("%.16s  %-11s  %-8s  %-2s  %s", key, px_role_name(m->role),
               m->revoked ? "revoked" : "member", m->country, m->organisation);
        if (m->revoked)
            printf("  (revoked %s%s%s)", px_cli_time(when, m->revoked_ms), m->reason[0] ? ": " : "",
                   m->reason);
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
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *org = NULL, *country = NULL, *role = "centre", *reason = NULL;
    bool json = false, first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        switch (c) {
        case 'o': org = optarg; break;
        case 'c': country = optarg; break;
        case 'r': role = optarg; break;
        case 'R': reason = optarg; break;
        case 'j': json = true; break;
        case 'h': return px_cli_help(usage);
        default: return px_cli_usage_error(usage, "bad option");
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
        return px_cli_usage_error(usage, "--country '%s' is not an ISO 3166-1 alpha-2 code "
                                         "such as KZ, AZ, GE or CA",
                                  country);
    px_local l;
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = add ? do_add(&l, args[1], org, country, role)
             : rev ? do_revoke(&l, args[1], reason)
                   : do_list(&l, json);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
