/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpcheck.h — a structural pre-check for msgpack bytes from outside.
 *
 * msgpack-c allocates room for a container's declared element count before
 * reading the elements, so a 6-byte input claiming 16 million elements makes
 * it allocate ~400 MB. Every decoder of outside bytes therefore runs
 * px_msgpack_check() first: it walks the encoding without allocating and
 * refuses any declared length or count that the remaining bytes cannot
 * hold, nesting deeper than a limit, and reserved bytes.
 */
#ifndef PX_MPCHECK_H
#define PX_MPCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* Check that p[0..len) begins with one complete, well-framed msgpack value
 * nested at most max_depth deep. OUT *consumed (may be NULL): its length.
 * Returns PX_OK, PX_EAGAIN if the bytes end before the value does (more
 * input may complete it), or PX_EFORMAT with a detail. */
int px_msgpack_check(const uint8_t *p, size_t len, int max_depth, size_t *consumed);

/* ---- msgpack's type bytes, in one table --------------------------------
 * Every walker of outside msgpack (px_msgpack_check here, wire.c's message
 * scan, records.c's body pre-scan) reads a value's head with
 * px_mp_read_head and applies its own limits and words. */
typedef enum px_mp_class {
    PX_MP_SCALAR, /* nil, booleans, integers, floats */
    PX_MP_STR,
    PX_MP_BIN,
    PX_MP_EXT,
    PX_MP_ARRAY,
    PX_MP_MAP,
} px_mp_class;

typedef struct px_mp_head {
    px_mp_class cls;
    size_t hdr;        /* the type byte and its length field */
    uint64_t payload;  /* bytes after the header (an ext's type byte included) */
    uint64_t children; /* values inside: an array's elements, a map's keys and values */
} px_mp_head;

/* The head of the value at p[0..avail), avail >= 1. PX_OK; PX_EAGAIN: its
 * length field is cut off; PX_EFORMAT: 0xc1, the byte msgpack never uses.
 * Sets no error detail: the caller names the problem in its own words. */
int px_mp_read_head(const uint8_t *p, size_t avail, px_mp_head *h);

/* The n-byte (n <= 8) big-endian unsigned number at p. */
uint64_t px_be_read(const uint8_t *p, size_t n);

/* ---- small helpers on decoded values ------------------------------------ */

/* The value under the string key `key` in map (the first such key), or
 * NULL if map is NULL, not a map, or has no such key. */
const msgpack_object *px_mp_get(const msgpack_object *map, const char *key);

/* Pack the NUL-terminated s as a msgpack str. 0, or the packer's error. */
int px_mp_pack_str(msgpack_packer *pk, const char *s);

#endif
