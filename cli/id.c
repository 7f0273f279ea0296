/* SPDX-License-Identifier: Apache-2.0 */
/*
 * id.c — `praxis id`: print this node's public key.
 */
#include "cli.h"

#include "util.h"

#include <stdio.h>

static const char usage[] = "usage: praxis id [--json]\n\n"
                            "Prints this node's public key (its identity) as hex.\n"
                            "  --json  print {\"public_key\": ...}\n";

int px_cmd_id(px_cli *cli, int argc, char **argv)
{
    bool json;
    int ex;
    if (!px_cli_json_flag(argc, argv, usage, false, &json, &ex))
        return ex;
    px_datadir d;
    uint8_t key[32];
    char pk[65];
    int rc = px_datadir_resolve(&d, cli->data_dir);
    if (!rc)
        rc = px_identity_public(d.key, key);
    if (rc)
        return px_cli_fail(rc);
    px_hex_encode(pk, key, 32);
    if (json) {
        json_t *o = json_pack("{s:s}", "public_key", pk);
        px_cli_print_json(o);
        json_decref(o);
    } else {
        puts(pk);
    }
    return PX_EXIT_OK;
}
