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

/* Check that p[0..len) begins with one complete, well-framed msgpack value
 * nested at most max_depth deep. OUT *consumed (may be NULL): its length.
 * Returns PX_OK, PX_EAGAIN if the bytes end before the value does (more
 * input may complete it), or PX_EFORMAT with a detail. */
int px_msgpack_check(const uint8_t *p, size_t len, int max_depth, size_t *consumed);

#endif
