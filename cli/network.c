/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network.c — `praxis network show|export|bootstrap`: the genesis document.
 */
#include "cli.h"

#include "crypto.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: praxis network show [--json]\n"
    "       praxis network export FILE\n"
    "       praxis network bootstrap add|remove HOST:PORT\n\n"
    "show       the network's name, id, root and bootstrap addresses; --json\n"
    "           prints the whole genesis (with the network key) in the form\n"
    "           'praxis init --network' reads\n"
    "export     write the genesis to FILE (mode 0600: it holds the network key)\n"
    "           to hand to a new member\n"
    "bootstrap  (root only) add or remove an address new members dial first;\n"
    "           the network id does not change\n";

static int show(const px_genesis *g, bool json)
{
    if (json) {
        char *text = px_genesis_to_json(g);
        if (!text)
            return px_cli_fail(PX_ENOMEM);
        puts(text);
        px_memzero(text, strlen(text));
        free(text);
        return PX_EXIT_OK;
    }
    char id[65], root[65];
    printf("name        %s\n", g->name);
    printf("network_id  %s\n", px_id_hex(id, g->network_id));
    printf("root        %s\n", px_id_hex(root, g->root));
    printf("bootstrap   %s\n", g->n_bootstrap ? "" : "(none)");
    for (size_t i = 0; i < g->n_bootstrap; i++)
        printf("  %s\n", g->bootstrap[i]);
    return PX_EXIT_OK;
}

int px_cmd_network(px_cli *cli, int argc, char **argv)
{
    bool json;
    int ex;
    if (!px_cli_json_flag(argc, argv, usage, true, &json, &ex))
        return ex;
    /* Options may also follow the sub-verb ("network show --json"). */
    int n = argc - optind;
    char **args = argv + optind;
    if (n >= 1 && strcmp(args[n - 1], "--json") == 0) {
        json = true;
        n--;
    }
    if (n >= 1 && (strcmp(args[n - 1], "--help") == 0 || strcmp(args[n - 1], "-h") == 0))
        return px_cli_help(usage);
    if (n < 1)
        return px_cli_usage_error(usage, "network needs show, export or bootstrap");

    px_datadir d;
    px_genesis g;
    int rc = px_datadir_resolve(&d, cli->data_dir);
    if (!rc)
        rc = px_genesis_load(&g, d.genesis);
    if (rc == PX_ENOENT)
        rc = px_err_set(rc, "%s is not initialised; run 'praxis init' first", d.dir);
    if (rc)
        return px_cli_fail(rc);

    if (strcmp(args[0], "show") == 0 && n == 1)
        return show(&g, json);
    if (strcmp(args[0], "export") == 0 && n == 2) {
        rc = px_genesis_save(&g, args[1]);
        if (rc)
            return px_cli_fail(rc);
        printf("wrote %s (mode 0600; it holds the network key: hand it over privately)\n", args[1]);
        return PX_EXIT_OK;
    }
    if (strcmp(args[0], "bootstrap") == 0 && n == 3 &&
        (strcmp(args[1], "add") == 0 || strcmp(args[1], "remove") == 0)) {
        uint8_t me[32];
        rc = px_identity_public(d.key, me);
        if (rc)
            return px_cli_fail(rc);
        bool is_root = px_memeq(me, g.root, 32);
        if (!is_root)
            return px_cli_fail(px_err_set(PX_EPERM, "only the network's root may change its "
                                                    "bootstrap addresses"));
        uint8_t before[32];
        memcpy(before, g.network_id, 32);
        rc = strcmp(args[1], "add") == 0 ? px_genesis_bootstrap_add(&g, args[2])
                                         : px_genesis_bootstrap_remove(&g, args[2]);
        if (!rc && memcmp(before, g.network_id, 32) != 0)
            rc = px_err_set(PX_EINVAL, "internal: bootstrap change altered the network id");
        if (!rc)
            rc = px_genesis_save(&g, d.genesis);
        if (rc)
            return px_cli_fail(rc);
        printf("%s %s; export the genesis again for new members\n",
               strcmp(args[1], "add") == 0 ? "added" : "removed", args[2]);
        return PX_EXIT_OK;
    }
    return px_cli_usage_error(usage, "unknown network command '%s' or wrong arguments", args[0]);
}
