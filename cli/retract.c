/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retract.c — `praxis retract ID [--reason TEXT]`: withdraw one of this
 * node's records. The entry stays (records are immutable); a retract entry
 * names it, and every node's queries leave it out from then on.
 */
#include "cli.h"

#include "admin.h"
#include "error.h"
#include "records.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis retract ID [--reason TEXT] [--lang L]\n\n"
    "Withdraws the record with this entry id (64 hex digits, or a unique\n"
    "prefix of at least 8): publishes a retract entry naming it, and queries\n"
    "on every node leave it out from then on. Only the node that published a\n"
    "record can retract it. A retracted new version of a case or indicator\n"
    "makes the version before it current again.\n"
    "  --reason TEXT  why (shown with the withdrawn entry)\n"
    "  --lang L       the language of TEXT (default en)\n";

int px_cmd_retract(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *reason = NULL, *lang = "en";
    bool first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'r')
            reason = optarg;
        else if (c == 'l')
            lang = optarg;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    if (argc - optind != 1)
        return px_cli_usage_error(usage, "retract needs one entry ID");
    uint8_t id[32];
    if (!px_lang_valid(lang, strlen(lang)))
        return px_cli_usage_error(usage, "--lang '%s' is not a language tag such as en or ru",
                                  lang);
    px_local l;
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = px_cli_entry_arg(&l, argv[optind], "entry id", id);
    if (rc) {
        px_local_close(&l);
        return rc;
    }
    /* The rules (held, this node's, a record, not retracted already, the
     * reason's text) are px_admin_retract's, as for the web interface. */
    uint8_t rid[32];
    rc = px_admin_retract(&l, id, reason, lang, rid, NULL);
    if (!rc) {
        char hex[PX_ID_HEX], idhex[PX_ID_HEX];
        px_entry target;
        puts(px_id_hex(hex, rid));
        if (px_store_get(l.store, id, &target, NULL, NULL) == PX_OK)
            fprintf(stderr, "retract %.16s  withdraws %s %.16s\n", hex, target.h.kind,
                    px_id_hex(idhex, id));
        px_local_notify(&l);
    }
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
