/*
 * mpcheck.c — allocation-free msgpack framing walk (see mpcheck.h).
 *
 * An explicit stack of "values still to read" per open container replaces
 * recursion, so hostile nesting cannot exhaust the C stack.
 */
#include "mpcheck.h"

#include "error.h"

enum { DEPTH_HARD_MAX = 64 };

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Describe the value starting at p[0]: how many header bytes it has, how
 * many payload bytes follow the header, and how many child values (maps
 * count keys and values). Returns PX_OK, PX_EAGAIN or PX_EFORMAT. */
static int head(const uint8_t *p, size_t avail, size_t *hdr, uint64_t *payload, uint64_t *children)
{
    uint8_t b = p[0];
    int lenbytes = 0;
    *hdr = 1;
    *payload = 0;
    *children = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return PX_OK;
    if ((b & 0xf0) == 0x80) {
        *children = 2u * (b & 0x0f);
        return PX_OK;
    }
    if ((b & 0xf0) == 0x90) {
        *children = b & 0x0f;
        return PX_OK;
    }
    if ((b & 0xe0) == 0xa0) {
        *payload = b & 0x1f;
        return PX_OK;
    }
    switch (b) {
    case 0xc4: case 0xd9: lenbytes = 1; break;  /* bin8, str8 */
    case 0xc5: case 0xda: lenbytes = 2; break;  /* bin16, str16 */
    case 0xc6: case 0xdb: lenbytes = 4; break;  /* bin32, str32 */
    case 0xcc: case 0xd0: *payload = 1; return PX_OK;
    case 0xcd: case 0xd1: *payload = 2; return PX_OK;
    case 0xca: case 0xce: case 0xd2: *payload = 4; return PX_OK;
    case 0xcb: case 0xcf: case 0xd3: *payload = 8; return PX_OK;
    case 0xd4: *payload = 2; return PX_OK;      /* fixext1: type + 1 */
    case 0xd5: *payload = 3; return PX_OK;
    case 0xd6: *payload = 5; return PX_OK;
    case 0xd7: *payload = 9; return PX_OK;
    case 0xd8: *payload = 17; return PX_OK;
    case 0xc7: case 0xc8: case 0xc9: {          /* ext8/16/32: len, type */
        int n = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4;
        if (avail < (size_t)(1 + n))
            return PX_EAGAIN;
        *hdr = 1 + (size_t)n;
        *payload = be(p + 1, n) + 1;
        return PX_OK;
    }
    case 0xdc: case 0xdd: {                     /* array16/32 */
        int n = b == 0xdc ? 2 : 4;
        if (avail < (size_t)(1 + n))
            return PX_EAGAIN;
        *hdr = 1 + (size_t)n;
        *children = be(p + 1, n);
        return PX_OK;
    }
    case 0xde: case 0xdf: {                     /* map16/32 */
        int n = b == 0xde ? 2 : 4;
        if (avail < (size_t)(1 + n))
            return PX_EAGAIN;
        *hdr = 1 + (size_t)n;
        *children = 2 * be(p + 1, n);
        return PX_OK;
    }
    default:
        return px_err_set(PX_EFORMAT, "msgpack: reserved byte 0x%02x", b);
    }
    if (avail < (size_t)(1 + lenbytes))
        return PX_EAGAIN;
    *hdr = 1 + (size_t)lenbytes;
    *payload = be(p + 1, lenbytes);
    return PX_OK;
}

int px_msgpack_check(const uint8_t *p, size_t len, int max_depth, size_t *consumed)
{
    uint64_t pending[DEPTH_HARD_MAX + 1]; /* values left to read per level */
    int depth = 0;
    size_t off = 0;
    if (max_depth > DEPTH_HARD_MAX)
        max_depth = DEPTH_HARD_MAX;
    pending[0] = 1;
    while (depth >= 0) {
        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        if (off >= len)
            return PX_EAGAIN;
        size_t hdr;
        uint64_t payload, children;
        int rc = head(p + off, len - off, &hdr, &payload, &children);
        if (rc)
            return rc;
        pending[depth]--;
        off += hdr;
        if (payload > len - off)
            return PX_EAGAIN;
        off += (size_t)payload;
        if (children == 0)
            continue;
        /* Every child takes at least one byte: a count beyond the bytes that
         * remain is either truncated input or a lie. Only a caller that
         * gave us the whole input can tell which, so report it as
         * EAGAIN-or-EFORMAT by the same rule as short payloads. */
        if (children > len - off)
            return PX_EAGAIN;
        if (depth + 1 > max_depth)
            return px_err_set(PX_EFORMAT, "msgpack: nested deeper than %d levels", max_depth);
        pending[++depth] = children;
    }
    if (consumed)
        *consumed = off;
    return PX_OK;
}
