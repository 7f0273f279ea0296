/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync.c — `praxis sync [--wait]`: ask praxisd to dial its peers now and,
 * with --wait, show replication progress until this node has caught up.
 */
#include "cli.h"

#include "ctlclient.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxis sync [--wait] [--timeout SECONDS] [--json]\n\n"
    "Asks the running praxisd to connect to its peers now, whatever their\n"
    "back-off, and prints replication progress.\n"
    "  --wait           keep showing progress (entries received, rate,\n"
    "                   remaining) until caught up with every connected peer\n"
    "                   ('remaining' is an estimate from what peers claim to\n"
    "                   hold; claims of a peer that stops delivering no longer\n"
    "                   count, so a peer cannot keep the wait from ending)\n"
    "  --timeout N      give up waiting after N seconds (default 300); exit 1\n"
    "  --json           print the final progress as JSON\n";

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static json_int_t num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

int px_cmd_sync(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"wait", no_argument, NULL, 'w'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool wait = false, json = false, first = true;
    uint64_t timeout_s = 300;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'w')
            wait = true;
        else if (c == 'j')
            json = true;
        else if (c == 't' && px_parse_u64(optarg, 1, 86400, &timeout_s) == PX_OK)
            continue;
        else if (c == 't')
            return px_cli_usage_error(usage, "--timeout needs a number of seconds (1-86400)");
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    px_datadir d;
    int rc = px_datadir_resolve(&d, cli->data_dir);
    if (rc)
        return px_cli_fail(rc);
    json_t *req = json_pack("{s:s}", "op", "sync");
    json_t *p = NULL;
    bool tty = isatty(STDOUT_FILENO) && !json;
    uint64_t start = px_mono_ns(), last_print = 0;
    json_int_t start_received = -1;
    bool caught_up = false;
    for (;;) {
        json_decref(p);
        p = NULL;
        rc = px_control_call(d.socket, req, 5000, &p);
        if (rc)
            break;
        json_int_t received = num(p, "received"), remaining = num(p, "remaining");
        json_int_t unconfirmed = num(p, "unconfirmed");
        json_int_t conns = num(p, "connections");
        bool busy = json_is_true(json_object_get(p, "busy"));
        if (start_received < 0)
            start_received = received;
        double secs = (double)(px_mono_ns() - start) / 1e9;
        double rate = secs > 0.2 ? (double)(received - start_received) / secs : 0;
        caught_up = conns > 0 && remaining == 0 && !busy;
        uint64_t now = px_mono_ns();
        if (!json && (tty || now - last_print > 1000000000ull || caught_up || !wait)) {
            printf("%s%d peer(s) connected; %lld entries received, %.0f/s, about %lld remaining "
                   "(peers' claims)",
                   tty ? "\r" : "", (int)conns, (long long)(received - start_received), rate,
                   (long long)remaining);
            if (unconfirmed > 0)
                printf("; %lld more claimed by peers that stopped sending", (long long)unconfirmed);
            fputs(tty ? "   " : "\n", stdout);
            fflush(stdout);
            last_print = now;
        }
        if (!wait || caught_up)
            break;
        if (secs > (double)timeout_s) {
            rc = px_err_set(PX_ETIMEDOUT, "not caught up after %llu s (%lld remaining, %d peers)",
                            (unsigned long long)timeout_s, (long long)remaining, (int)conns);
            break;
        }
        sleep_ms(250);
    }
    if (tty)
        putchar('\n');
    if (!rc && json)
        px_cli_print_json(p);
    if (!rc && wait && caught_up && !json)
        printf("caught up\n");
    json_decref(req);
    json_decref(p);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
