/*
 * retract.c — `praxis retract ID [--reason TEXT]`: withdraw one of this
 * node's records. The entry stays (records are immutable); a retract entry
 * names it, and every node's queries leave it out from then on.
 */
#include "cli.h"

#include "error.h"
#include "index.h"
#include "jsonmp.h"
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
    px_entry target, e;
    px_index_info info;
    px_buf body = {0};
    json_t *rec = NULL;
    char hex[PX_ID_HEX];
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = px_cli_entry_arg(&l, argv[optind], "entry id", id);
    if (rc) {
        px_local_close(&l);
        return rc;
    }
    char idhex[PX_ID_HEX];
    px_id_hex(idhex, id);
    rc = px_store_get(l.store, id, &target, NULL, NULL);
    if (rc == PX_ENOENT)
        rc = px_err_set(rc, "no entry %s is held here", idhex);
    if (!rc && memcmp(target.h.author, l.me.pk, 32) != 0)
        rc = px_err_set(PX_EPERM,
                        "entry %.16s… was published by another node (%.16s…); only its author "
                        "can retract it",
                        idhex, px_id_hex(hex, target.h.author));
    if (!rc) {
        rc = px_index_info_get(l.store, id, &info);
        if (rc == PX_ENOENT)
            rc = px_err_set(PX_EINVAL,
                            "entry %.16s… is not a record that can be retracted (a %s entry, "
                            "or one whose body failed its schema)",
                            idhex, target.h.kind);
        else if (!rc && info.retracted)
            rc = px_err_set(PX_EEXIST, "entry %.16s… is already retracted (by %s)", idhex,
                            px_id_hex(hex, info.retracted_by));
    }
    if (!rc) {
        rec = json_pack("{s:s}", "target", px_id_hex(hex, id));
        if (reason)
            json_object_set_new(rec, "reason", json_pack("{s:s?}", lang, reason));
        rc = rec ? px_json_to_msgpack(rec, &body) : PX_ENOMEM;
        if (reason && !json_object_get(json_object_get(rec, "reason"), lang))
            rc = px_err_set(PX_EINVAL, "--reason is not valid UTF-8 text");
    }
    if (!rc) {
        rc = px_record_validate("retract", body.data, body.len);
        if (rc)
            rc = px_err_set(rc, "the retraction is not valid: %s", px_err_message(rc));
    }
    if (!rc)
        rc = px_store_begin(l.store);
    if (!rc) {
        rc = px_feed_append(&l.feed, &l.me, "retract", body.data, body.len, px_now_ms(), &e);
        if (!rc)
            rc = px_store_commit(l.store);
        else
            px_store_rollback(l.store);
    }
    if (!rc) {
        puts(px_id_hex(hex, e.id));
        fprintf(stderr, "retract %.16s  withdraws %s %.16s\n", hex, target.h.kind, idhex);
        px_cli_notify(&l);
    }
    json_decref(rec);
    px_buf_free(&body);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
