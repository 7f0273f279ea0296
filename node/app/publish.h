/* SPDX-License-Identifier: Apache-2.0 */
/*
 * publish.h — publishing records: the library behind `praxis publish` and
 * the web interface's publish forms.
 *
 * A publication is one write transaction on the node's store. Records are
 * added one at a time (JSON objects, or whole files: JSON, JSON Lines, or
 * CSV for benchmarks); each is converted to msgpack and checked — its
 * kind's schema in the strict form (schema/RECORDS.md: fields the kind
 * does not define are refused, naming the nearest known one), a benchmark
 * value against its indicator's scale, a `supersedes` against the entry it
 * names, a benchmark result's identity against this node's earlier results
 * — and, while no record has been rejected, signed and appended to the
 * node's feed and indexed at once, so memory stays bounded per record and
 * later records see earlier ones (an indicator published first counts for
 * the benchmarks after it; a result repeated inside the publication is
 * refused like one published before). Every error of every record is kept
 * in a list. px_pub_finish() commits only when no record was rejected and
 * the publication is not a check; otherwise it rolls back: all or nothing.
 *
 * Telling a running praxisd about the new entries is the caller's job
 * (px_local_notify in the CLI; the web interface runs inside the daemon).
 *
 * Use:
 *     px_pub *p;
 *     px_pub_begin(l, &(px_pub_opts){.replace = false}, &p);
 *     px_pub_add_json(p, "case", obj, "form", 1, 0);      // or _add_file
 *     rc = px_pub_finish(p);          // PX_OK: committed; PX_ESCHEMA: rejected
 *     for (i < px_pub_count(p)) px_pub_entry_get(p, i, &e)  // the new entries
 *     for (i < px_pub_nerrors(p)) px_pub_error_at(p, i) ... // what was wrong
 *     px_pub_free(p);
 *
 * PRAXIS_PUBLISH_TIMING=1 in the environment: a long run of case studies
 * reports on stderr, per 100,000 entries, where its time goes (publish.c).
 *
 * A px_pub is used by one thread. Between px_pub_begin and px_pub_finish
 * (or px_pub_free) it holds the store's write lock: other writers, the
 * daemon's replication included, wait (store.h's busy timeout).
 */
#ifndef PX_PUBLISH_H
#define PX_PUBLISH_H

#include "datadir.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest file px_pub_add_file reads; checked before reading (stdin: while
 * reading). Files are streamed, so this bounds a publication's size and
 * time, not memory: a million case studies of JSON Lines are about 650 MB. */
#define PX_PUB_MAX_FILE (4ull * 1024 * 1024 * 1024)

/* Errors kept in the list; further ones are only counted (px_pub_nerrors
 * reports them all, px_pub_error_at the first PX_PUB_MAX_ERRORS). */
#define PX_PUB_MAX_ERRORS 10000

typedef struct px_pub px_pub;

typedef struct px_pub_opts {
    /* A benchmark result whose identity (RECORDS.md 4.2) equals an earlier
     * live result of this node supersedes it, instead of being refused. */
    bool replace;
    /* Check only: every record is checked exactly as for publishing (in the
     * transaction, so records see each other), then everything is rolled
     * back; px_pub_finish never commits. */
    bool check;
} px_pub_opts;

/* How px_pub_add_file reads a file. */
typedef enum px_pub_format {
    PX_PUB_AUTO = 0, /* by name (.csv, .tsv, .jsonl, .ndjson, .json), else by content */
    PX_PUB_JSON,     /* one JSON object, or an array of them (read element by element) */
    PX_PUB_JSONL,    /* JSON Lines: one object per line */
    PX_PUB_CSV,      /* CSV (benchmarks only): ',', ';' or tab separated */
} px_pub_format;

/* One thing wrong with one record, for showing beside a form field or in a
 * list. Strings are owned by the px_pub and live until px_pub_free. */
typedef struct px_pub_error {
    const char *source;  /* the file ("stdin" for "-") or the name given to px_pub_add_json */
    const char *kind;    /* the kind the record was published as */
    size_t record;       /* 1-based record number in its source; 0: the source as a whole */
    size_t line;         /* 1-based line where the record starts; 0: not known */
    const char *field;   /* the top-level field it concerns ("summary", "scale"; a
                            message about a nested key names the path, "scale.min");
                            "" when the error concerns the record or source as a whole */
    const char *message; /* one sentence naming the field ("field 'summmary' is not a
                            field of a case; did you mean 'summary'?") */
} px_pub_error;

/* One new entry (filled in by px_pub_entry_get; 32 bytes per entry are
 * held, the rest is derived). */
typedef struct px_pub_entry {
    uint8_t id[32];
    const char *kind;
    const char *source;
    size_t record; /* 1-based, in its source */
    bool replaced; /* a benchmark that superseded an earlier result (replace) */
} px_pub_entry;

/* What one source brought (for "totals per file"). */
typedef struct px_pub_source {
    const char *name;
    const char *kind;
    size_t records;  /* records read */
    size_t accepted; /* records that passed every check */
    size_t rejected; /* records with at least one error */
    size_t replaced; /* accepted benchmarks that supersede an earlier result */
} px_pub_source;

/* Start a publication on l (opened by px_local_open; must outlive *out):
 * takes the write transaction. opts may be NULL (publish, no replace).
 * PX_OK, PX_ENOMEM or a store error (PX_EBUSY when the lock is not
 * granted in time). */
int px_pub_begin(px_local *l, const px_pub_opts *opts, px_pub **out);

/* Add one record given as a JSON value. source names where it came from in
 * messages (not NULL; "form" for a web form); record is its 1-based number
 * there, line its line (0 if not known). A rejected record's errors join
 * the list and PX_OK is returned; only failures that stop the publication
 * are returned (PX_ENOMEM, store errors, PX_EINVAL for an unknown kind:
 * use case, indicator, benchmark or crosswalk). */
int px_pub_add_json(px_pub *p, const char *kind, const json_t *rec, const char *source,
                    size_t record, size_t line);

/* Add benchmark results from CSV text data[0..len) (csvin.h's rules).
 * Rows rejected by the CSV reader or the checks join the list (with their
 * line); PX_OK unless the publication must stop. A header that cannot be
 * read is one error with record 0. */
int px_pub_add_csv(px_pub *p, const char *source, const char *data, size_t len);

/* Add every record of a file ("-": standard input, called "stdin") of
 * kind, read as fmt, streamed: JSON Lines and JSON arrays are read one
 * element at a time, CSV a line at a time (memory bounded per record), the
 * size limit is checked before reading. Problems with the file itself (missing, too big,
 * not JSON or CSV, CSV given for another kind than benchmark) are one
 * error with record 0, naming the file and what to do; PX_OK unless the
 * publication must stop. */
int px_pub_add_file(px_pub *p, const char *kind, const char *path, px_pub_format fmt);

/* End the publication. Commits when no error was listed and opts.check is
 * not set; otherwise rolls back. Returns PX_OK (committed, or checked with
 * no error), PX_ESCHEMA (errors are listed; nothing stored; the detail
 * says how many records were rejected), or a store error (rolled back).
 * After it, px_pub_count/_entry/_source describe what was (or, for a
 * check or on rejection, would have been) published. Call once. */
int px_pub_finish(px_pub *p);

/* Errors: how many were found (all of them), and the i-th (i <
 * min(px_pub_nerrors, PX_PUB_MAX_ERRORS)), in the order found. */
size_t px_pub_nerrors(const px_pub *p);
const px_pub_error *px_pub_error_at(const px_pub *p, size_t i);
/* How many records had at least one error. */
size_t px_pub_rejected(const px_pub *p);

/* The records signed and appended, in order: every record until the first
 * rejected one (after a rejection the rest are only checked). After
 * px_pub_finish returned PX_OK without check, these are the new entries. */
size_t px_pub_count(const px_pub *p);
void px_pub_entry_get(const px_pub *p, size_t i, px_pub_entry *out);

/* The sources, in the order they were added. */
size_t px_pub_nsources(const px_pub *p);
const px_pub_source *px_pub_source_at(const px_pub *p, size_t i);

/* Release p; rolls back if px_pub_finish was not called. NULL-safe. */
void px_pub_free(px_pub *p);

/* The fast reading of a case study's JSON text (see publish.c): OUT
 * *taken says whether the text was read, its msgpack appended to out --
 * byte for byte what px_json_parse and px_json_to_msgpack make of it;
 * false when the text needs the general way (a real number, a duplicate
 * key, attachments or supersedes, anything invalid...). PX_OK or
 * PX_ENOMEM. *f holds reusable buffers (NULL at first; px_pub_fast_free).
 * Exposed for the tests; a px_pub uses it for JSON Lines and arrays. */
typedef struct px_pub_fast px_pub_fast;
int px_pub_fast_msgpack(px_pub_fast **f, const char *text, size_t len, px_buf *out, bool *taken);
void px_pub_fast_free(px_pub_fast *f);

#endif
