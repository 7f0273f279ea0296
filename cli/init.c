/* SPDX-License-Identifier: Apache-2.0 */
/*
 * init.c — `praxis init`: create this node's identity and either a new
 * network rooted at it, or join the network of a genesis document.
 */
#include "cli.h"

#include "error.h"
#include "util.h"

#include "crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: praxis init [--name NAME] [--network FILE] [--protect [--kdf LEVEL]]\n\n"
    "Creates the data directory with a new identity (an Ed25519 key pair,\n"
    "kept 0600) and a store.\n"
    "  --network FILE  join the network of this genesis document (from\n"
    "                  'praxis network export' on a member's node)\n"
    "  --name NAME     without --network: create a new network of this name,\n"
    "                  with this identity as its root (default: praxis)\n"
    "  --protect       encrypt the secret key with a passphrase (Argon2id), taken\n"
    "                  from PRAXIS_PASSPHRASE_FILE, PRAXIS_PASSPHRASE or asked\n"
    "                  twice on the terminal; praxisd reads it from the same\n"
    "                  variables (or --passphrase-file) to start unattended\n"
    "  --kdf LEVEL     Argon2id cost with --protect: interactive (64 MiB),\n"
    "                  moderate (256 MiB, the default) or sensitive (1 GiB);\n"
    "                  stored in the key file\n";

/* A new passphrase: from the environment (unattended set-ups), or typed
 * twice (cli.h). */
int px_cli_new_passphrase(char *buf, size_t n)
{
    const char *file = getenv("PRAXIS_PASSPHRASE_FILE");
    const char *env = getenv("PRAXIS_PASSPHRASE");
    if (file && *file) {
        uint8_t *data = NULL;
        size_t len = 0;
        int rc = px_read_file(file, n - 1, &data, &len);
        if (rc)
            return rc;
        size_t k = strcspn((const char *)data, "\r\n");
        memcpy(buf, data, k);
        buf[k] = '\0';
        px_memzero(data, len);
        free(data);
    } else if (env && *env) {
        if (strlen(env) >= n)
            return px_err_set(PX_ETOOBIG, "PRAXIS_PASSPHRASE is too long");
        memcpy(buf, env, strlen(env) + 1);
    } else {
        char again[1024];
        int rc = px_cli_read_passphrase("new passphrase: ", buf, n);
        if (!rc)
            rc = px_cli_read_passphrase("the same again: ", again, sizeof again);
        bool same = !rc && strcmp(buf, again) == 0;
        px_memzero(again, sizeof again);
        if (rc)
            return rc;
        if (!same)
            return px_err_set(PX_EINVAL, "the two passphrases differ");
    }
    if (strlen(buf) < 8)
        return px_err_set(PX_EINVAL, "the passphrase is shorter than 8 characters");
    return PX_OK;
}

int px_cmd_init(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'}, {"network", required_argument, NULL, 'N'},
        {"protect", no_argument, NULL, 'p'},    {"kdf", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},       {0}};
    const char *name = "praxis", *network = NULL;
    bool first = true, protect = false, kdf_given = false;
    px_pwhash_level level = PX_PWHASH_MODERATE;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'n')
            name = optarg;
        else if (c == 'N')
            network = optarg;
        else if (c == 'p')
            protect = true;
        else if (c == 'k') {
            if (px_pwhash_level_parse(optarg, &level) != PX_OK)
                return px_cli_usage_error(usage, "--kdf: %s", px_err_detail());
            kdf_given = true;
        } else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (optind != argc)
        return px_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    if (kdf_given && !protect)
        return px_cli_usage_error(usage, "--kdf applies only with --protect");

    px_datadir d;
    px_identity me;
    px_genesis g;
    px_store *store = NULL;
    char pk[65], nid[65];
    int rc = px_datadir_resolve(&d, cli->data_dir);
    if (rc)
        return px_cli_fail(rc);
    if (access(d.key, F_OK) == 0)
        return px_cli_fail(px_err_set(PX_EEXIST,
                                      "%s is already initialised (it has a key file); "
                                      "use another --data directory",
                                      d.dir));
    /* Check the genesis before creating anything, so a bad file leaves no
     * half-made directory behind. */
    px_identity_generate(&me);
    if (network)
        rc = px_genesis_load(&g, network);
    else
        rc = px_genesis_create(&g, name, me.pk);
    if (!rc)
        rc = px_mkdirs(d.dir, 0700);
    char pass[1024] = "";
    if (!rc && protect)
        rc = px_cli_new_passphrase(pass, sizeof pass);
    if (!rc)
        rc = protect ? px_identity_save_protected_at(&me, d.key, pass, level)
                     : px_identity_save(&me, d.key);
    px_memzero(pass, sizeof pass);
    if (!rc)
        rc = px_genesis_save(&g, d.genesis);
    if (!rc)
        rc = px_store_open(d.store, &store);
    px_store_close(store);
    if (rc) {
        px_identity_clear(&me);
        return px_cli_fail(rc);
    }
    px_hex_encode(pk, me.pk, 32);
    px_hex_encode(nid, g.network_id, 32);
    printf("identity   %s\n", pk);
    printf("network    %s (%s)\n", g.name, nid);
    printf("data       %s\n", d.dir);
    if (!network)
        printf("This identity is the root of the new network. Hand the genesis to new\n"
               "members with 'praxis network export FILE'.\n");
    px_identity_clear(&me);
    return PX_EXIT_OK;
}
