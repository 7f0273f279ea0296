/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonout.h — the one way praxis writes JSON for people and scripts (the CLI's
 * --json, and any other JSON a user reads), following schema/CLI.md:
 *
 *  - a member whose value is null is left out (absent, never null), at
 *    every depth; null elements of arrays are kept (an array's positions
 *    mean something);
 *  - every real is printed in its shortest form that reads back as the same
 *    double: jansson's JSON_REAL_PRECISION with the smallest precision (1 to
 *    17) that round-trips, chosen per number (4.66 prints 4.66, not
 *    4.6600000000000001), without an exponent from 0.0001 up to 1e16
 *    (100.0, not 1e2);
 *  - object members keep their insertion order; strings are UTF-8 as given.
 */
#ifndef PX_JSONOUT_H
#define PX_JSONOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* The smallest precision (1-17) with which "%.*g" of v reads back as v. */
int px_json_real_precision(double v);

enum {
    PX_JSON_INDENT = 1,    /* two spaces per level; else compact (no spaces) */
    PX_JSON_KEEP_NULL = 2, /* write null members (for formats whose spec has them,
                            * such as the JSON export of schema/EXPORTS.md) */
};

/* v as text (flags: PX_JSON_*). OUT: a malloc'd NUL-terminated string, or
 * NULL when out of memory. */
char *px_json_dumps(const json_t *v, int flags);

/* Write v indented, then a newline, to f. PX_OK, PX_ENOMEM or PX_EIO. */
int px_json_print(FILE *f, const json_t *v);

/* Write v indented as if nested depth levels deep, with no newline before
 * or after: for listings streamed row by row in bounded memory, e.g.
 * `{"entries": [` row, row, ... `]}` with the rows at depth 2. */
int px_json_print_at(FILE *f, const json_t *v, int depth);

#endif
