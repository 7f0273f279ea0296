/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publish.c — `praxis publish KIND FILE [KIND FILE]...`: turn records (JSON,
 * JSON Lines, or CSV for benchmarks) into signed entries of this node's
 * feed. The work is node/app/publish.c's (shared with the web interface); this
 * file parses the command line and prints: the new ids on stdout, one per
 * line; on stderr a labelled summary (kind, short id, file and record;
 * totals per file), or every error of every record.
 */
#include "cli.h"

#include "error.h"
#include "kinds.h"
#include "publish.h"
#include "tabular.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: praxis publish [--csv] [--replace] [--check] KIND FILE [KIND FILE]...\n\n"
    "Signs each record of each FILE as a new entry of this node's feed and\n"
    "prints the id of each new entry on its own line (a summary naming kind,\n"
    "file and record goes to stderr).\n"
    "  KIND   case | indicator | benchmark | crosswalk\n"
    "  FILE   a JSON object, an array of them, or JSON Lines (one object per\n"
    "         line; best for large loads); for benchmark also CSV (header row\n"
    "         naming the fields; ',', ';' or tab separated). A file ending in\n"
    "         .csv or .tsv is read as CSV, one ending in .json, .jsonl or\n"
    "         .ndjson as JSON; any other is recognised by its content.\n"
    "         '-' reads standard input.\n"
    "  --csv      read the files (and '-') as CSV\n"
    "  --replace  a benchmark result with the same indicator, version,\n"
    "             country, centre, service, channel and period as one this\n"
    "             node published supersedes it (without: refused)\n"
    "  --check    check everything, publish nothing\n\n"
    "Every record is checked before anything is stored: its kind's schema\n"
    "(schema/RECORDS.md; a field the kind does not define is refused); a\n"
    "benchmark's value against its indicator's scale (the indicator must be\n"
    "held here, or published earlier in the same command); a 'supersedes'\n"
    "must name a record of this node. Every error of every record is listed\n"
    "(file, record, line, field) and nothing is stored unless all are good.\n"
    "Withdraw an entry with 'praxis retract ID'.\n";

/* Per-record lines of the summary shown per file; the rest are counted. */
enum { SHOWN_PER_FILE = 20, ERRORS_SHOWN = 1000 };

static bool known_kind(const char *kind)
{
    return px_kind_is(kind, PX_KIND_PUBLISHABLE);
}

static void print_errors(const px_pub *p)
{
    size_t n = px_pub_nerrors(p);
    for (size_t i = 0; i < n && i < ERRORS_SHOWN; i++) {
        const px_pub_error *e = px_pub_error_at(p, i);
        if (!e)
            break;
        char where[96] = "";
        fputs("  ", stderr);
        if (e->record) { /* a file's own problems name the file themselves */
            if (e->line)
                snprintf(where, sizeof where, " record %zu (line %zu)", e->record, e->line);
            else
                snprintf(where, sizeof where, " record %zu", e->record);
            px_text_put(stderr, e->source, false);
            fprintf(stderr, ":%s: ", where);
        }
        px_text_put(stderr, e->message, false);
        fputc('\n', stderr);
    }
    if (n > ERRORS_SHOWN)
        fprintf(stderr, "  ... and %zu more errors\n", n - ERRORS_SHOWN);
}

static void more_line(size_t hidden, const char *source)
{
    if (!hidden)
        return;
    fprintf(stderr, "... and %zu more from ", hidden);
    px_text_put(stderr, source, false);
    fputc('\n', stderr);
}

/* stderr: one labelled line per new entry (the first SHOWN_PER_FILE of each
 * file), then each file's totals. */
static void print_summary(const px_pub *p, bool check)
{
    size_t ns = px_pub_nsources(p), total = 0, shown = 0, hidden = 0;
    const char *verb = check ? "checked" : "published";
    const char *last = NULL;
    for (size_t i = 0; i < px_pub_count(p) && !check; i++) {
        px_pub_entry e;
        char hex[PX_ID_HEX];
        px_pub_entry_get(p, i, &e);
        if (e.source != last) {
            more_line(hidden, last);
            shown = hidden = 0;
            last = e.source;
        }
        if (++shown > SHOWN_PER_FILE) {
            hidden++;
            continue;
        }
        px_id_hex(hex, e.id);
        fprintf(stderr, "%s %s %.16s ", verb, e.kind, hex);
        px_text_put(stderr, e.source, false);
        fprintf(stderr, " record %zu%s\n", e.record,
                e.replaced ? " (replaces an earlier result)" : "");
    }
    more_line(hidden, last);
    for (size_t i = 0; i < ns; i++) {
        const px_pub_source *s = px_pub_source_at(p, i);
        px_text_put(stderr, s->name, false);
        fprintf(stderr, ": %zu %s %s %s", s->accepted, s->kind,
                s->accepted == 1 ? "record" : "records", verb);
        if (s->replaced)
            fprintf(stderr, " (%zu %s an earlier result)", s->replaced,
                    s->replaced == 1 ? "replaces" : "replace");
        fputc('\n', stderr);
        total += s->accepted;
    }
    if (ns > 1)
        fprintf(stderr, "total: %zu records %s from %zu files\n", total, verb, ns);
    if (check)
        fputs("nothing was published (--check)\n", stderr);
}

int px_cmd_publish(px_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"csv", no_argument, NULL, 'c'},
                                         {"replace", no_argument, NULL, 'r'},
                                         {"check", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool first = true, csv = false;
    px_pub_opts po = {0};
    int c;
    while ((c = px_cli_getopt(argc, argv, "h", opts, &first)) != -1) {
        if (c == 'c')
            csv = true;
        else if (c == 'r')
            po.replace = true;
        else if (c == 'k')
            po.check = true;
        else if (c == 'h')
            return px_cli_help(usage);
        else
            return px_cli_usage_error(usage, "bad option");
    }
    int nargs = argc - optind;
    if (nargs < 2 || nargs % 2)
        return px_cli_usage_error(usage, "publish needs KIND and FILE (or several pairs)");
    char list[128];
    for (int i = optind; i < argc; i += 2)
        if (!known_kind(argv[i]))
            return px_cli_usage_error(usage, "unknown kind '%s'; use %s", argv[i],
                                      px_kind_list(PX_KIND_PUBLISHABLE, " or ", list, sizeof list));

    px_local l;
    px_pub *p = NULL;
    if (px_cli_open(cli, &l))
        return PX_EXIT_FAIL;
    int rc = px_pub_begin(&l, &po, &p);
    for (int i = optind; !rc && i < argc; i += 2)
        rc = px_pub_add_file(p, argv[i], argv[i + 1], csv ? PX_PUB_CSV : PX_PUB_AUTO);
    if (!rc)
        rc = px_pub_finish(p);
    if (rc == PX_ESCHEMA && px_pub_nerrors(p)) {
        /* one problem of a file as a whole: the closing line says it */
        if (px_pub_rejected(p) || px_pub_nerrors(p) > 1)
            print_errors(p);
        px_cli_fail(rc);
    } else if (rc) {
        px_cli_fail(rc);
    } else {
        for (size_t i = 0; i < px_pub_count(p) && !po.check; i++) {
            px_pub_entry e;
            char hex[PX_ID_HEX];
            px_pub_entry_get(p, i, &e);
            puts(px_id_hex(hex, e.id));
        }
        if (fflush(stdout) != 0)
            rc = px_cli_fail(px_err_set(PX_EIO, "cannot write the new ids to stdout"));
        print_summary(p, po.check);
        if (!po.check)
            px_local_notify(&l);
    }
    px_pub_free(p);
    px_local_close(&l);
    return rc ? PX_EXIT_FAIL : PX_EXIT_OK;
}
