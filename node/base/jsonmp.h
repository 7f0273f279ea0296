/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonmp.h — the bridge between what people write (JSON) and what is
 * signed and stored (msgpack).
 *
 * JSON -> msgpack is mechanical: object -> map (keys in document order),
 * array -> array, string -> str, integer -> int (shortest form), real ->
 * float64, true/false -> bool, null -> nil. msgpack -> JSON maps bin to a
 * lowercase hex string and refuses ext types and non-string map keys.
 * Both directions refuse nesting deeper than PX_JSON_DEPTH_MAX.
 */
#ifndef PX_JSONMP_H
#define PX_JSONMP_H

#include "util.h"

#include <jansson.h>

enum { PX_JSON_DEPTH_MAX = 32 };

/* Parse JSON text. On error the detail reads "SOURCE:LINE:COLUMN: what".
 * OUT *out: a new reference the caller json_decref()s. */
int px_json_parse(const char *text, size_t len, const char *source, json_t **out);

/* Append the msgpack encoding of v to out. PX_OK, PX_EINVAL (too deep, or
 * a value msgpack cannot hold) or PX_ENOMEM. */
int px_json_to_msgpack(const json_t *v, px_buf *out);

/* Decode exactly one msgpack value of len bytes into JSON. OUT *out: a new
 * reference. PX_OK or PX_EFORMAT (with a detail). */
int px_msgpack_to_json(const uint8_t *p, size_t len, json_t **out);

#endif
