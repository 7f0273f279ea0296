/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c — `praxis`: global options, then dispatch to one verb per file.
 */
#include "cli.h"

#include "crypto.h"
#include "error.h"
#include "progress.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const px_verb verbs[] = {
    {"init", px_cmd_init, "create an identity and a new network, or join one (--network FILE)"},
    {"id", px_cmd_id, "print this node's public key"},
    {"member", px_cmd_member, "admit or revoke members (secretariat); list the membership"},
    {"key", px_cmd_key, "rotate this node's key: the new key continues its membership"},
    {"network", px_cmd_network, "show or export the network genesis; manage bootstrap addresses"},
    {"publish", px_cmd_publish, "sign and append records from a JSON (or CSV) file"},
    {"log", px_cmd_log, "list the entries of one feed or of all feeds"},
    {"retract", px_cmd_retract, "withdraw one of this node's records"},
    {"show", px_cmd_show, "show one entry (a record in your language); exits 0 only if held"},
    {"verify", px_cmd_verify, "re-check every entry of every feed in the store"},
    {"feed", px_cmd_feed, "export feeds to a file, or import them from one"},
    {"status", px_cmd_status, "feeds, heads and forks held; praxisd's connections"},
    {"peers", px_cmd_peers, "praxisd's connections and the addresses it dials"},
    {"sync", px_cmd_sync, "connect to peers now; --wait shows progress until caught up"},
    {"cases", px_cmd_cases, "list or search case studies (every language)"},
    {"indicators", px_cmd_indicators, "list indicator definitions and their scales"},
    {"benchmarks", px_cmd_benchmarks, "list benchmark results"},
    {"compare", px_cmd_compare, "compare an indicator across countries, rescaled to 0-100"},
    {"trend", px_cmd_trend, "an indicator's series by period, breaks marked"},
    {"aggregate", px_cmd_aggregate, "network means of an indicator; --publish signs them"},
    {"export", px_cmd_export, "benchmark results as JSON, CSV or SDMX-CSV"},
    {"report", px_cmd_report, "write a self-contained HTML report with charts"},
    {"reindex", px_cmd_reindex, "rebuild the records index from the entries held"},
    {"ui", px_cmd_ui, "print the web interface's login link and open it in a browser"},
    {"blob", px_cmd_blob, "attachments: add a file as a blob, list, get, remove, pin"},
    {"help", NULL, "this list; 'praxis help VERB' explains one verb (as VERB --help)"},
};

static const px_verb *find_verb(const char *name)
{
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
        if (strcmp(name, verbs[v].name) == 0)
            return &verbs[v];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: praxis [--data DIR] VERB [OPTIONS] [ARGS]\n\n"
                 "praxis publishes signed records of public-service practice and queries\n"
                 "the local replica of the network.\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "\noptions:\n"
                 "  --data DIR  data directory (default: $PRAXIS_DATA, else\n"
                 "              $XDG_DATA_HOME/praxis, else ~/.local/share/praxis)\n"
                 "  --help      this text; 'praxis help VERB' (or 'praxis VERB --help')\n"
                 "              for a verb\n"
                 "  --version   print the version\n\n"
                 "exit status: 0 success, 1 failure, 2 usage error\n");
}

int main(int argc, char **argv)
{
    px_cli cli = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            cli.data_dir = argv[++i];
        } else if (strcmp(argv[i], "--data") == 0) {
            cli.data_dir = "";
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            cli.data_dir = argv[i] + 7;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return PX_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            puts("praxis " PX_VERSION);
            return PX_EXIT_OK;
        } else {
            fprintf(stderr, "praxis: unknown option %s\n", argv[i]);
            usage(stderr);
            return PX_EXIT_USAGE;
        }
    }
    if (cli.data_dir && !*cli.data_dir) {
        fprintf(stderr, "praxis: --data needs a directory\n");
        return PX_EXIT_USAGE;
    }
    if (i == argc) {
        fprintf(stderr, "praxis: no verb given\n");
        usage(stderr);
        return PX_EXIT_USAGE;
    }
    if (px_crypto_init() != PX_OK) {
        fprintf(stderr, "praxis: cannot initialise libsodium\n");
        return PX_EXIT_FAIL;
    }
    if (strcmp(argv[i], "help") == 0) {
        /* praxis help [VERB]: the same as praxis --help, or VERB --help */
        if (argc - i == 1 || strcmp(argv[i + 1], "help") == 0) {
            usage(stdout);
            return PX_EXIT_OK;
        }
        if (argc - i > 2) {
            fprintf(stderr, "praxis: help takes at most one VERB\n");
            return PX_EXIT_USAGE;
        }
        const px_verb *v = find_verb(argv[i + 1]);
        if (!v) {
            fprintf(stderr, "praxis: unknown verb '%s'; 'praxis help' lists them\n", argv[i + 1]);
            return PX_EXIT_USAGE;
        }
        char help[] = "--help";
        char *hargv[] = {argv[i + 1], help, NULL};
        return v->run(&cli, 2, hargv);
    }
    const px_verb *v = find_verb(argv[i]);
    /* Long operations (publish, feed import, verify, reindex) show a
     * progress line, but only to a person: never into a file or a pipe. */
    px_progress_enable(isatty(STDERR_FILENO) == 1);
    if (v)
        return v->run(&cli, argc - i, argv + i);
    fprintf(stderr, "praxis: unknown verb '%s'; 'praxis help' lists them\n", argv[i]);
    return PX_EXIT_USAGE;
}
