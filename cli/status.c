/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.c — `praxis status` and `praxis peers`: the local replica (feeds,
 * heads, forks, from the store) and, if praxisd runs, its connections
 * (from the control socket).
 */
#include "cli.h"

#include "ctlclient.h"
#include "error.h"
#include "tabular.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char status_usage[] =
    "usage: praxis status [--json]\n\n"
    "Shows this node, the feeds held (head seq, last entry time, frozen by a\n"
    "fork or not, cut by a revocation or hand-over: entries past the cut are\n"
    "kept as evidence only) and, when praxisd runs, its connections.\n"
    "  --json  the same as one JSON object\n";

static const char peers_usage[] =
    "usage: praxis peers [--json]\n\n"
    "Lists praxisd's connections: address, public key, direction, since,\n"
    "bytes in and out; then the addresses it dials and their back-off.\n"
    "Fails if praxisd is not running.\n"
    "  --json  the same as one JSON object\n";

static int feed_json(void *ctx, const px_head *h)
{
    char author[65], id[65];
    json_array_append_new(ctx, json_pack("{s:s, s:I, s:s, s:I, s:b}", "author",
                                         px_id_hex(author, h->author), "seq", (json_int_t)h->seq,
                                         "head", px_id_hex(id, h->id), "timestamp_ms",
                                         (json_int_t)h->timestamp_ms, "frozen", h->frozen));
    return PX_OK;
}

/* Feeds of revoked or handed-over keys: the last seq that counts. */
static void mark_cuts(const px_local *l, json_t *feeds)
{
    size_t i;
    json_t *f;
    json_array_foreach(feeds, i, f)
    {
        uint8_t key[32];
        const char *hex = json_string_value(json_object_get(f, "author"));
        if (!hex || px_hex_decode(key, 32, hex) != PX_OK || !px_members_cut_off(&l->members, key))
            continue;
        json_object_set_new(f, "valid_until",
                            json_integer((json_int_t)px_members_valid_until(&l->members, key)));
    }
}

static void print_conns(json_t *daemon)
{
    json_t *conns = json_object_get(daemon, "connections");
    size_t i;
    json_t *c;
    printf("connections %zu\n", json_array_size(conns));
    json_array_foreach(conns, i, c)
    {
        char when[32];
        printf("  %-8s %-22s %.16s  %-9s since %s  in %lld B  out %lld B\n",
               json_string_value(json_object_get(c, "direction")),
               json_string_value(json_object_get(c, "address")),
               json_string_value(json_object_get(c, "public_key")),
               json_string_value(json_object_get(c, "state")),
               px_cli_time(when, (uint64_t)json_integer_value(json_object_get(c, "since_ms"))),
               (long long)json_integer_value(json_object_get(c, "bytes_in")),
               (long long)json_integer_value(json_object_get(c, "bytes_out")));
    }
}

int px_cmd_status(px_cli *cli, int argc, char **argv)
{
    bool json;
    int ex;
    if (!px_cli_json_flag(argc, argv, status_usage, false, &json, &ex))
        return ex;
    px_local l;
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    json_t *feeds = json_array();
    uint64_t entries = 0;
    int rc = px_store_each_feed(l.store, feed_json, feeds);
    if (!rc)
        rc = px_store_count(l.store, &entries);
    mark_cuts(&l, feeds);
    json_t *req = json_pack("{s:s}", "op", "status");
    json_t *daemon = NULL;
    int drc = px_control_call(l.paths.socket, req, 5000, &daemon);
    json_decref(req);
    char pk[65], nid[65];
    px_hex_encode(pk, l.me.pk, 32);
    px_hex_encode(nid, l.genesis.network_id, 32);
    if (!rc && json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:O, s:b}", "public_key", pk, "network",
                              l.genesis.name, "network_id", nid, "entries", (json_int_t)entries,
                              "feeds", feeds, "daemon_running", drc == PX_OK);
        if (daemon)
            json_object_set(o, "daemon", daemon);
        px_cli_print_json(o);
        json_decref(o);
    } else if (!rc) {
        size_t i, frozen = 0;
        json_t *f;
        printf("node        %s\n", pk);
        printf("network     %s (%.16s)\n", l.genesis.name, nid);
        printf("entries     %llu in %zu feeds\n", (unsigned long long)entries,
               json_array_size(feeds));
        json_array_foreach(feeds, i, f)
        {
            char when[32];
            bool fz = json_is_true(json_object_get(f, "frozen"));
            frozen += fz;
            printf(
                "  %.16s  seq %-7lld last %s%s", json_string_value(json_object_get(f, "author")),
                (long long)json_integer_value(json_object_get(f, "seq")),
                px_cli_time(when, (uint64_t)json_integer_value(json_object_get(f, "timestamp_ms"))),
                fz ? "  FROZEN: forked" : "");
            json_t *until = json_object_get(f, "valid_until");
            json_int_t seq = json_integer_value(json_object_get(f, "seq"));
            if (until && seq > json_integer_value(until))
                printf("  CUT: revoked or handed over after seq %lld; %lld later entries kept as "
                       "evidence only",
                       (long long)json_integer_value(until),
                       (long long)(seq - json_integer_value(until)));
            else if (until)
                printf("  ended: revoked or handed over at seq %lld",
                       (long long)json_integer_value(until));
            putchar('\n');
        }
        if (frozen)
            printf("forks       %zu feed(s) frozen: their authors signed two entries for one "
                   "seq\n",
                   frozen);
        if (daemon) {
            const char *listen = json_string_value(json_object_get(daemon, "listen"));
            if (listen)
                printf("praxisd     running, listening on %s\n", listen);
            else
                printf("praxisd     running, not listening (no --listen)\n");
            print_conns(daemon);
        } else {
            printf("praxisd     not running\n");
        }
    }
    json_decref(feeds);
    json_decref(daemon);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}

int px_cmd_peers(px_cli *cli, int argc, char **argv)
{
    bool json;
    int ex;
    if (!px_cli_json_flag(argc, argv, peers_usage, false, &json, &ex))
        return ex;
    px_datadir d;
    json_t *daemon = NULL;
    int rc = px_datadir_resolve(&d, cli->data_dir);
    json_t *req = json_pack("{s:s}", "op", "peers");
    if (!rc)
        rc = px_control_call(d.socket, req, 5000, &daemon);
    json_decref(req);
    if (rc)
        return px_cli_fail(rc);
    if (json) {
        px_cli_print_json(daemon);
    } else {
        print_conns(daemon);
        json_t *targets = json_object_get(daemon, "dial_targets");
        size_t i;
        json_t *t;
        printf("dialling %zu\n", json_array_size(targets));
        json_array_foreach(targets, i, t)
        {
            const char *err = json_string_value(json_object_get(t, "last_error"));
            fputs("  ", stdout);
            px_text_put(stdout, json_string_value(json_object_get(t, "address")), false);
            printf("  %s, %lld failure(s)",
                   json_is_true(json_object_get(t, "connected")) ? "connected" : "not connected",
                   (long long)json_integer_value(json_object_get(t, "failures")));
            if (err) {
                printf("; last error: ");
                px_text_put(stdout, err, false);
            }
            putchar('\n');
        }
        json_t *bad = json_object_get(daemon, "misbehaving");
        if (json_array_size(bad))
            printf("misbehaving peers %zu\n", json_array_size(bad));
        json_array_foreach(bad, i, t)
        {
            char when[32];
            printf("  %.16s  %lld offence(s), last: %s; refused until %s\n",
                   json_string_value(json_object_get(t, "public_key")),
                   (long long)json_integer_value(json_object_get(t, "offences")),
                   json_string_value(json_object_get(t, "last_offence")),
                   px_cli_time(
                       when, (uint64_t)json_integer_value(json_object_get(t, "refused_until_ms"))));
        }
    }
    json_decref(daemon);
    return PX_EXIT_OK;
}
