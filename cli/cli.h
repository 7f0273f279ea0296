/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h — what the verbs of `praxis` share: the dispatch table entry, exit
 * codes, error reporting and small helpers. One verb per file in cli/.
 *
 * Exit status: 0 success, 1 failure, 2 usage error. Errors go to stderr as
 * one sentence naming what was wrong and what to do.
 */
#ifndef PX_CLI_H
#define PX_CLI_H

#include "datadir.h"

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum { PX_EXIT_OK = 0, PX_EXIT_FAIL = 1, PX_EXIT_USAGE = 2 };

typedef struct px_cli {
    const char *data_dir; /* --data, or NULL for the default */
} px_cli;

/* A verb: argv[0] is the verb's name; options follow. Returns an exit code. */
typedef int (*px_verb_fn)(px_cli *cli, int argc, char **argv);

typedef struct px_verb {
    const char *name;
    px_verb_fn run;
    const char *summary;
} px_verb;

/* Read a passphrase from the terminal without echo. PX_EPERM without one. */
int px_cli_read_passphrase(const char *prompt, char *buf, size_t n);
int px_cli_prompt_passphrase(char *buf, size_t n);
/* A new passphrase (init --protect, key rotate): from PRAXIS_PASSPHRASE_FILE
 * or PRAXIS_PASSPHRASE, else typed twice; at least 8 characters. */
int px_cli_new_passphrase(char *buf, size_t n);

/* Report rc (with its detail) as "praxis: ..." on stderr; returns 1. */
int px_cli_fail(int rc);
/* Report a usage error and the verb's synopsis (its usage text up to the
 * first blank line); returns 2. Right after
 * px_cli_getopt returned '?', the message is the one naming the option
 * refused (fmt is not printed), so a bad option gives one message. */
int px_cli_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print usage text to stdout (for --help); returns 0. */
int px_cli_help(const char *usage);

/* Parse argv with getopt_long, handling -h/--help and unknown options the
 * same way in every verb. Returns the option character, -1 at the end, or
 * 'h' / '?' which the caller turns into help / usage error. Resets getopt
 * on the first call for each verb (pass first=true). */
int px_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                  bool *first);

/* Parse a 64-hex-digit key or id. PX_OK or PX_EINVAL with a detail that
 * names what (e.g. "entry id"). */
int px_cli_parse_key(const char *hex, uint8_t out[32], const char *what);

/* An entry id or a public key as typed: 64 hex digits, or a unique prefix
 * of at least 8 of the ids / keys held (idprefix.h); a key may also be
 * 'me' (this node). On failure the error is reported and the exit code
 * returned: 2 for a malformed or ambiguous value (the candidates listed),
 * 1 if nothing held begins with it. PX_EXIT_OK on success. */
int px_cli_entry_arg(px_local *l, const char *arg, const char *what, uint8_t out[32]);
int px_cli_key_arg(px_local *l, const char *arg, const char *what, uint8_t out[32]);

/* Open the local node or report why not (returns PX_OK or an error already
 * reported to stderr). */
int px_cli_open(px_cli *cli, px_local *l);
/* The same for verbs that only read: no secret key, so no passphrase asked
 * (px_local_open_read). */
int px_cli_open_read(px_cli *cli, px_local *l);

/* Print a JSON value to stdout, indented, with a newline, following
 * schema/CLI.md (jsonout.h: null members left out, shortest reals). */
void px_cli_print_json(json_t *v);

/* Format a millisecond timestamp as UTC ISO 8601 into buf (>= 32 bytes). */
const char *px_cli_time(char *buf, uint64_t ms);

/* An entry as a JSON object (id, author, seq, prev, timestamp_ms, kind, ...,
 * and the body converted to JSON when with_body). m may be NULL. OUT: a
 * new reference. */
json_t *px_cli_entry_json(const px_entry *e, const px_entry_meta *m, bool with_body);

/* Whose crosswalks count in comparisons and who may publish aggregates:
 * the network's root and admitted secretariat members, as this replica's
 * membership says (members.h). ctx is the px_local. */
bool px_cli_is_secretariat(void *ctx, const uint8_t key[32]);

/* A query context (query.h) over l's store for a reader of lang (may be
 * NULL), with px_cli_is_secretariat. */
struct px_query;
void px_cli_query(px_local *l, const char *lang, struct px_query *q);

/* Print rows (a JSON array of objects) as CSV with a header naming cols. */
void px_cli_print_csv(const json_t *rows, const char *const *cols, size_t ncols);

/* Print the "indicator" object of a compare/trend/aggregate result as a
 * heading line: code, version, name, scale, direction. */
void px_cli_print_indicator(const json_t *ind);

/* The options of a verb whose only option is --json (and --help): sets
 * *json. Returns true if the verb goes on; false with *exit_status set when
 * it ends here (help shown: 0; a bad option: 2, reported). args: the verb
 * takes arguments after its options (they stay at argv[optind...]);
 * otherwise an argument is a usage error. */
bool px_cli_json_flag(int argc, char **argv, const char *usage, bool args, bool *json,
                      int *exit_status);

/* Output forms of the listing verbs. */
typedef enum px_cli_form { PX_FORM_TEXT, PX_FORM_JSON, PX_FORM_CSV } px_cli_form;

/* Take --json or --csv (f) into *form. A second, different one is refused
 * (they exclude each other): returns the usage error (2), already
 * reported; else PX_EXIT_OK. */
int px_cli_form_opt(px_cli_form *form, px_cli_form f, const char *usage);

/* The options all listing verbs share, for the default of their option
 * switch: c 'j' (--json) or 'C' (--csv) into *form, 'h' (--help); any
 * other c is a bad option. Returns PX_CLI_GO_ON if the verb goes on, else
 * the exit status to return. */
#define PX_CLI_GO_ON (-1)
int px_cli_listing_opt(int c, px_cli_form *form, const char *usage);

/* How a query verb shows its answer: --json prints it whole; --csv prints
 * the rows of its array rows_key (or, for a nested answer, the flat array
 * rows() returns as a new reference) under the columns cols; otherwise
 * text() writes it for people, in lang (NULL: the record's own). */
typedef struct px_cli_view {
    const char *rows_key;
    json_t *(*rows)(const json_t *res);
    const char *const *cols;
    size_t ncols;
    void (*text)(const json_t *res, const char *lang);
} px_cli_view;

/* The end of every query verb: rc is the query's result; if it is PX_OK,
 * res is shown as form and v say. Frees res (may be NULL), closes l and
 * returns the exit status. */
int px_cli_answer(px_local *l, int rc, json_t *res, px_cli_form form, const px_cli_view *v,
                  const char *lang);

/* The verbs (one file each). */
int px_cmd_init(px_cli *cli, int argc, char **argv);
int px_cmd_id(px_cli *cli, int argc, char **argv);
int px_cmd_network(px_cli *cli, int argc, char **argv);
int px_cmd_publish(px_cli *cli, int argc, char **argv);
int px_cmd_log(px_cli *cli, int argc, char **argv);
int px_cmd_show(px_cli *cli, int argc, char **argv);
int px_cmd_verify(px_cli *cli, int argc, char **argv);
int px_cmd_feed(px_cli *cli, int argc, char **argv);
int px_cmd_status(px_cli *cli, int argc, char **argv);
int px_cmd_peers(px_cli *cli, int argc, char **argv);
int px_cmd_sync(px_cli *cli, int argc, char **argv);
int px_cmd_retract(px_cli *cli, int argc, char **argv);
int px_cmd_reindex(px_cli *cli, int argc, char **argv);
int px_cmd_cases(px_cli *cli, int argc, char **argv);
int px_cmd_indicators(px_cli *cli, int argc, char **argv);
int px_cmd_benchmarks(px_cli *cli, int argc, char **argv);
int px_cmd_compare(px_cli *cli, int argc, char **argv);
int px_cmd_trend(px_cli *cli, int argc, char **argv);
int px_cmd_aggregate(px_cli *cli, int argc, char **argv);
int px_cmd_export(px_cli *cli, int argc, char **argv);
int px_cmd_report(px_cli *cli, int argc, char **argv);
int px_cmd_member(px_cli *cli, int argc, char **argv);
int px_cmd_key(px_cli *cli, int argc, char **argv);
int px_cmd_ui(px_cli *cli, int argc, char **argv);
int px_cmd_blob(px_cli *cli, int argc, char **argv);

#endif
