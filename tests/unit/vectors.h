/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vectors.h — loading the shared SHS/box-stream test vectors
 * ($PRAXIS_SHARED/vectors/shs-vectors.json, see VECTORS.md there) for the
 * unit tests, with jansson. Header-only, like check.h.
 *
 *   json_t *v = vectors_load();              exits loudly if missing
 *   vec_hex(obj, "field", buf, 32);          fixed-size hex field, CHECKed
 *   uint8_t *p = vec_hex_alloc(obj, "wire", &len);   any size; free(p)
 */
#ifndef PX_TEST_VECTORS_H
#define PX_TEST_VECTORS_H

#include "check.h"
#include "error.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Load the vectors file or exit(1) with a sentence saying what is wrong:
 * a test that cannot find its vectors must fail, not pass vacuously. */
static inline json_t *vectors_load(void)
{
    const char *dir = getenv("PRAXIS_SHARED");
    char path[4096];
    json_error_t jerr;

    if (!dir || !*dir) {
        fprintf(stderr, "FATAL: PRAXIS_SHARED is not set; it must name the shared design "
                        "directory holding vectors/shs-vectors.json (ctest sets it)\n");
        exit(1);
    }
    if (px_path_join(path, sizeof path, dir, "vectors/shs-vectors.json") != PX_OK) {
        fprintf(stderr, "FATAL: PRAXIS_SHARED path is too long\n");
        exit(1);
    }
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        fprintf(stderr, "FATAL: cannot load test vectors %s: %s (line %d)\n", path, jerr.text,
                jerr.line);
        exit(1);
    }
    const char *format = json_string_value(json_object_get(root, "format"));
    if (!format || strcmp(format, "shs1-boxstream-vectors/1") != 0) {
        fprintf(stderr, "FATAL: %s is not shs1-boxstream-vectors/1\n", path);
        exit(1);
    }
    return root;
}

/* The string at obj[key], or NULL (and a failed check) if absent. */
static inline const char *vec_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fprintf(stderr, "vectors: field \"%s\" missing or not a string\n", key);
    CHECK(s != NULL);
    return s;
}

/* Decode obj[key], which must be exactly n bytes of hex, into out. On any
 * problem out is zeroed and a check fails. */
static inline void vec_hex(const json_t *obj, const char *key, uint8_t *out, size_t n)
{
    const char *s = vec_str(obj, key);
    memset(out, 0, n);
    if (!s)
        return;
    if (strlen(s) != 2 * n)
        fprintf(stderr, "vectors: field \"%s\" has %zu hex digits, wanted %zu\n", key, strlen(s),
                2 * n);
    CHECK(strlen(s) == 2 * n);
    if (strlen(s) == 2 * n)
        CHECK_RC(px_hex_decode(out, n, s), PX_OK);
}

/* Decode obj[key] (any even number of hex digits) into a malloc'd buffer;
 * OUT: *len. Never returns NULL (exits on out of memory). Caller frees. */
static inline uint8_t *vec_hex_alloc(const json_t *obj, const char *key, size_t *len)
{
    const char *s = vec_str(obj, key);
    size_t n = s ? strlen(s) / 2 : 0;
    uint8_t *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "FATAL: out of memory\n");
        exit(1);
    }
    *len = n;
    if (s) {
        CHECK(strlen(s) % 2 == 0);
        CHECK_RC(px_hex_decode(p, n, s), PX_OK);
    }
    return p;
}

/* obj[key] as an object/array (a failed check if absent). */
static inline json_t *vec_get(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        fprintf(stderr, "vectors: field \"%s\" missing\n", key);
    CHECK(v != NULL);
    return v;
}

#endif
