/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed.c — `praxis feed export|import`: move feeds as files, e.g. on a USB
 * stick to an air-gapped centre. The format is in schema/ENTRIES.md.
 *
 * Import checks every entry exactly as replication does (px_feed_ingest)
 * and stops at the first bad one: the entries before it are kept, nothing
 * from it on is, and the message names it.
 */
#include "cli.h"

#include "archive.h"
#include "error.h"
#include "outfile.h"
#include "progress.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: praxis feed export [FILE] [--author KEY]\n"
    "       praxis feed import FILE\n\n"
    "export  write every feed held (or only --author KEY's: a key, a unique\n"
    "        prefix of at least 8 hex digits, or 'me' for this node)\n"
    "        to FILE, or to standard output if FILE is absent or '-'\n"
    "import  check and store the entries of FILE ('-' = standard input); a bad\n"
    "        entry stops the import there, and is named\n";

typedef struct export_ctx {
    FILE *out;
    px_buf buf;
    uint64_t n;
} export_ctx;

static int export_one(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    export_ctx *x = ctx;
    if (m->decode_rc)
        return px_err_set(m->decode_rc,
                          "entry seq %llu in the store is damaged; run 'praxis verify'",
                          (unsigned long long)e->h.seq);
    px_buf_reset(&x->buf);
    int rc = px_archive_put(&x->buf, e);
    if (rc)
        return rc;
    if (fwrite(x->buf.data, 1, x->buf.len, x->out) != x->buf.len)
        return px_err_set(PX_EIO, "write failed: %s", strerror(errno));
    x->n++;
    return PX_OK;
}

static int do_export(px_local *l, const char *file, const uint8_t *author)
{
    export_ctx x = {0};
    px_outfile of = {0};
    bool to_stdout = !file || strcmp(file, "-") == 0;
    /* A file appears whole or not at all (outfile.h). */
    int rc = to_stdout ? PX_OK : px_outfile_open(&of, file, 0644, false);
    if (rc)
        return rc;
    x.out = to_stdout ? stdout : of.f;
    rc = px_store_each(l->store, author, 1, 0, export_one, &x);
    if (to_stdout && fflush(x.out) != 0 && !rc)
        rc = px_err_set(PX_EIO, "write failed: %s", strerror(errno));
    if (!to_stdout && !rc)
        rc = px_outfile_commit(&of);
    px_outfile_abort(&of);
    px_buf_free(&x.buf);
    if (!rc)
        fprintf(stderr, "exported %llu entries\n", (unsigned long long)x.n);
    return rc;
}

enum { IMPORT_BATCH = 1000 };

static int do_import(px_local *l, const char *file)
{
    px_archive_reader r = {0};
    px_entry e;
    uint64_t added = 0, dup = 0, forks = 0, held = 0, cut = 0, ahead = 0;
    char refused_author[17] = "", cut_author[17] = "";
    bool is_stdin = strcmp(file, "-") == 0;
    int rc = PX_OK;
    px_progress pr;
    r.f = is_stdin ? stdin : fopen(file, "rb");
    if (!r.f)
        return px_err_set(px_err_from_errno(errno), "cannot open %s: %s", file, strerror(errno));
    rc = px_store_begin(l->store);
    px_progress_start(&pr, "importing", "entries", 0);
    while (!rc) {
        rc = px_archive_next(&r, &e);
        if (rc == PX_ENOENT) {
            rc = PX_OK;
            break;
        }
        if (rc) {
            /* The reader's detail names the item already. */
            rc = px_err_set(rc, "%s: import stopped: %s", file, px_err_message(rc));
            break;
        }
        px_progress_step(&pr, r.index);
        rc = px_feed_ingest(&l->feed, &e, 0, px_now_ms());
        /* Refused for now (not admitted yet, stamped ahead of our clock) or
         * for good (past its author's cut): the ledger's rule, shared with
         * replication. */
        px_holdback hb = px_members_hold_back(&l->members, l->store, &e, rc, px_now_ms());
        if (hb == PX_HOLD_CUT) {
            char who[65];
            if (cut == 0)
                snprintf(cut_author, sizeof cut_author, "%.16s", px_id_hex(who, e.h.author));
            cut++;
        } else if (hb != PX_HOLD_NONE && rc == PX_EAGAIN) {
            ahead += hb == PX_HOLD_HELD;
        } else if (hb != PX_HOLD_NONE) {
            char who[65];
            if (held == 0)
                snprintf(refused_author, sizeof refused_author, "%.16s",
                         px_id_hex(who, e.h.author));
            held += hb == PX_HOLD_HELD;
        }
        if (hb != PX_HOLD_NONE) {
            rc = PX_OK;
            continue;
        }
        if (rc == PX_EDUP) {
            dup++;
            rc = PX_OK;
        } else if (rc == PX_EFORK) {
            /* The proof is stored and the feed frozen; the import goes on
             * with the other feeds. */
            forks++;
            px_progress_clear(&pr);
            fprintf(stderr, "praxis: %s\n", px_err_message(rc));
            rc = PX_OK;
        } else if (!rc) {
            added++;
        } else {
            rc = px_err_set(rc, "%s: item %llu refused, import stopped there: %s", file,
                            (unsigned long long)r.index, px_err_message(rc));
            break;
        }
        if ((added + dup) % IMPORT_BATCH == 0) {
            rc = px_store_commit(l->store);
            if (!rc)
                rc = px_store_begin(l->store);
        }
    }
    /* Keep everything accepted before a bad entry: it was checked. */
    int crc = px_store_in_tx(l->store) ? px_store_commit(l->store) : PX_OK;
    px_progress_done(&pr);
    if (!rc)
        rc = crc;
    fprintf(stderr, "imported %llu new entries (%llu already held, %llu fork proofs)\n",
            (unsigned long long)added, (unsigned long long)dup, (unsigned long long)forks);
    if (ahead)
        fprintf(stderr,
                "%llu entries are stamped more than 10 minutes ahead of this node's clock; "
                "they are held back and accepted when their time comes\n",
                (unsigned long long)ahead);
    if (!rc && cut)
        rc = px_err_set(PX_ENOTMEMBER,
                        "%s: %llu entries refused: they come after the last valid entry of their "
                        "author (%s...), which was revoked or handed over; their timestamps do "
                        "not matter",
                        file, (unsigned long long)cut, cut_author);
    else if (!rc && held)
        rc = px_err_set(PX_ENOTMEMBER,
                        "%s: %llu entries refused: their author (%s...) is not an admitted "
                        "member; they are held back and will be accepted if an admission arrives",
                        file, (unsigned long long)held, refused_author);
    if (!is_stdin)
        fclose(r.f);
    px_archive_reader_free(&r);
    if (added > 0 || forks > 0 || ahead > 0) /* praxisd offers held entries again */
        px_local_notify(l);
    return rc;
}

int px_cmd_feed(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"author", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *author_hex = NULL;
    bool first = true;
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'a')
            author_hex = optarg;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    int n = argc - optind;
    char **args = argv + optind;
    bool is_export = n >= 1 && strcmp(args[0], "export") == 0 && n <= 2;
    bool is_import = n == 2 && strcmp(args[0], "import") == 0;
    if (!is_export && !is_import)
        return px_cli_usage_error(usage, "feed needs 'export [FILE]' or 'import FILE'");
    if (is_import && author_hex)
        return px_cli_usage_error(usage, "--author applies to export only");
    px_local l;
    uint8_t author[32];
    if (px_cli_open_read(cli, &l))
        return PX_EXIT_FAIL;
    int rc = author_hex ? px_cli_key_arg(&l, author_hex, "author key", author) : PX_EXIT_OK;
    if (rc) {
        px_local_close(&l);
        return rc;
    }
    if (!rc)
        rc = is_export ? do_export(&l, n == 2 ? args[1] : NULL, author_hex ? author : NULL)
                       : do_import(&l, args[1]);
    px_local_close(&l);
    return rc ? px_cli_fail(rc) : PX_EXIT_OK;
}
