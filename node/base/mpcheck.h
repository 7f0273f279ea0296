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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* Check that p[0..len) begins with one complete, well-framed msgpack value
 * nested at most max_depth deep. OUT *consumed (may be NULL): its length.
 * Returns PX_OK, PX_EAGAIN if the bytes end before the value does (more
 * input may complete it), or PX_EFORMAT with a detail. */
int px_msgpack_check(const uint8_t *p, size_t len, int max_depth, size_t *consumed);

/* ---- msgpack's type bytes, in one table --------------------------------
 * The walker below reads each value's head with px_mp_read_head. */
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

/* ---- the one walker of outside msgpack ---------------------------------
 * An iterator over the values of one msgpack value, in encoding order,
 * without allocating and without recursion (hostile nesting cannot exhaust
 * the C stack). px_msgpack_check, wire.c's message scan and records.c's
 * body pre-scan all walk with it and word its verdicts themselves.
 *
 * A container is opened on the call after the one that returned it, so a
 * caller may refuse it first on its own limits (records' entry counts). */
enum { PX_MP_WALK_DEPTH_MAX = 64 };

typedef enum px_mp_step {
    PX_MP_VALUE,    /* *it is the next value; its payload lies within the bytes */
    PX_MP_DONE,     /* the value is complete; w->pos is its length */
    PX_MP_SHORT,    /* the bytes end inside a value (its head or payload) at w->pos */
    PX_MP_COUNT,    /* *it, a container, declares more values than the bytes left can
                       hold (each takes a byte at least), with those still due */
    PX_MP_DEEP,     /* *it, a container, would nest deeper than max_depth */
    PX_MP_RESERVED, /* the type byte at w->pos is 0xc1, which msgpack never uses */
} px_mp_step;

typedef struct px_mp_item {
    px_mp_head h;
    size_t off;     /* where the value begins; its payload is at off + h.hdr */
    int depth;      /* how many containers hold it (0: the value walked) */
    uint64_t index; /* its place among its container's values (a map's keys are even) */
} px_mp_item;

typedef struct px_mp_walk {
    const uint8_t *p;
    size_t len, pos;
    int depth, max_depth;
    bool open;        /* last is a container still to open */
    px_mp_item last;  /* the value returned last */
    uint64_t pending; /* values declared and not read yet, at every level */
    uint64_t left[PX_MP_WALK_DEPTH_MAX + 1], total[PX_MP_WALK_DEPTH_MAX + 1];
} px_mp_walk;

/* Walk the one value at the start of p[0..len), containers nested at most
 * max_depth deep (at most PX_MP_WALK_DEPTH_MAX; 1: a container of scalars). */
void px_mp_walk_init(px_mp_walk *w, const uint8_t *p, size_t len, int max_depth);
/* The next step; after anything but PX_MP_VALUE the walk is over. Sets no
 * error detail. */
px_mp_step px_mp_walk_next(px_mp_walk *w, px_mp_item *it);

/* The n-byte (n <= 8) big-endian unsigned number at p. */
uint64_t px_be_read(const uint8_t *p, size_t n);

/* ---- small helpers on decoded values ------------------------------------ */

/* The value under the string key `key` in map (the first such key), or
 * NULL if map is NULL, not a map, or has no such key. */
const msgpack_object *px_mp_get(const msgpack_object *map, const char *key);

/* Pack the NUL-terminated s as a msgpack str. 0, or the packer's error. */
int px_mp_pack_str(msgpack_packer *pk, const char *s);

#endif
