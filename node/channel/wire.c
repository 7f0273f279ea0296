/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.c — len32 + msgpack message framing (see wire.h).
 *
 * Layout: the incremental reader (collect 4 length bytes, decide, collect
 * the message); the writer; px_wire_unpack() with its pre-parse scan, which
 * walks the msgpack bytes once without allocating and proves the value is
 * complete before msgpack-c sees it (msgpack-c sizes an array's storage from
 * its declared count, before the elements arrive: 5 bytes could otherwise ask
 * it for 100 GB).
 */
#include "wire.h"

#include "error.h"
#include "mpcheck.h"

#include <string.h>

/* Reader states. A zeroed reader is in ST_LEN with limit 0 (refuses all). */
enum { ST_LEN = 0, ST_MSG, ST_FAILED };

/* Containers nested deeper than this are refused (msgpack-c's own limit is
 * 32 non-empty levels; this stays below it). */
enum { DEPTH_MAX = 24 };

void px_wire_reader_init(px_wire_reader *r, size_t limit)
{
    memset(r, 0, sizeof *r);
    r->limit = limit > UINT32_MAX ? UINT32_MAX : limit;
    r->state = ST_LEN;
}

static int reader_fail(px_wire_reader *r, int rc)
{
    r->state = ST_FAILED;
    r->err = rc;
    return rc;
}

int px_wire_reader_feed(px_wire_reader *r, const uint8_t *in, size_t len, size_t *used,
                        const uint8_t **msg, size_t *msg_len)
{
    size_t pos = 0;
    int rc = PX_OK;

    *msg = NULL;
    *msg_len = 0;
    for (;;) {
        if (r->state == ST_FAILED) {
            rc = r->err;
            goto out;
        }
        if (pos == len) {
            rc = PX_EAGAIN;
            goto out;
        }
        if (r->state == ST_LEN) {
            size_t n = PX_WIRE_LEN_BYTES - r->have;
            if (n > len - pos)
                n = len - pos;
            memcpy(r->len_bytes + r->have, in + pos, n);
            r->have += n;
            pos += n;
            if (r->have < PX_WIRE_LEN_BYTES)
                continue;
            r->need = (size_t)r->len_bytes[0] << 24 | (size_t)r->len_bytes[1] << 16 |
                      (size_t)r->len_bytes[2] << 8 | r->len_bytes[3];
            if (r->need == 0) {
                rc = px_err_set(PX_EPROTO, "message framing: a message declares 0 bytes; "
                                           "every message is one msgpack value");
                rc = reader_fail(r, rc);
                goto out;
            }
            if (r->need > r->limit) {
                rc = px_err_set(PX_ETOOBIG,
                                "message framing: a message declares %zu bytes, "
                                "above the limit of %zu",
                                r->need, r->limit);
                rc = reader_fail(r, rc);
                goto out;
            }
            px_buf_reset(&r->msg);
            rc = px_buf_reserve(&r->msg, r->need);
            if (rc) {
                rc = reader_fail(r, rc);
                goto out;
            }
            r->have = 0;
            r->state = ST_MSG;
        } else {
            size_t n = r->need - r->have;
            if (n > len - pos)
                n = len - pos;
            memcpy(r->msg.data + r->have, in + pos, n);
            r->have += n;
            pos += n;
            if (r->have < r->need)
                continue;
            r->msg.len = r->need;
            *msg = r->msg.data;
            *msg_len = r->need;
            r->have = 0;
            r->state = ST_LEN;
            goto out;
        }
    }
out:
    *used = pos;
    return rc;
}

void px_wire_reader_free(px_wire_reader *r)
{
    if (!r)
        return;
    px_buf_free(&r->msg);
    memset(r, 0, sizeof *r);
}

int px_wire_prefix(uint8_t out[PX_WIRE_LEN_BYTES], size_t len)
{
    if (len == 0)
        return px_err_set(PX_EINVAL, "message framing: an empty message is not a msgpack value");
    if (len > PX_WIRE_MAX)
        return px_err_set(PX_ETOOBIG,
                          "message framing: a %zu-byte message is above the limit "
                          "of %d",
                          len, PX_WIRE_MAX);
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    return PX_OK;
}

int px_wire_frame(px_buf *out, const void *msg, size_t len)
{
    uint8_t prefix[PX_WIRE_LEN_BYTES];
    int rc = px_wire_prefix(prefix, len);
    if (!rc)
        rc = px_buf_reserve(out, PX_WIRE_LEN_BYTES + len);
    if (rc)
        return rc;
    memcpy(out->data + out->len, prefix, PX_WIRE_LEN_BYTES);
    memcpy(out->data + out->len + PX_WIRE_LEN_BYTES, msg, len);
    out->len += PX_WIRE_LEN_BYTES + len;
    return PX_OK;
}

/* --- strict parse ------------------------------------------------------- */

/* Walk exactly one value spanning p[0..len), without allocating (base's
 * walker). Once it passes, every element any container declares is really
 * present (at least one byte each), so what msgpack-c allocates is bounded
 * by the message size. The walker refuses a lying count as its container
 * opens, with a clear detail, instead of at the end as a truncation. */
static int scan(const uint8_t *p, size_t len)
{
    px_mp_walk w;
    px_mp_item it;
    px_mp_step st;
    px_mp_walk_init(&w, p, len, DEPTH_MAX);
    while ((st = px_mp_walk_next(&w, &it)) == PX_MP_VALUE)
        ;
    switch (st) {
    case PX_MP_DONE:
        if (w.pos != len)
            return px_err_set(PX_EFORMAT, "msgpack: %zu bytes after the message's value",
                              len - w.pos);
        return PX_OK;
    case PX_MP_RESERVED:
        return px_err_set(PX_EFORMAT, "msgpack: invalid type byte 0x%02x at offset %zu", p[w.pos],
                          w.pos);
    case PX_MP_COUNT:
        return px_err_set(PX_EFORMAT,
                          "msgpack: a container declares %llu elements, more "
                          "than the %zu bytes left can hold",
                          (unsigned long long)it.h.children, len - w.pos);
    case PX_MP_DEEP:
        return px_err_set(PX_EFORMAT, "msgpack: containers nested deeper than %d", DEPTH_MAX);
    default:
        return px_err_set(PX_EFORMAT, "msgpack: value truncated at offset %zu", w.pos);
    }
}

int px_wire_unpack(const uint8_t *msg, size_t len, msgpack_unpacked *result)
{
    size_t off = 0;
    int rc = PX_OK;

    if (len == 0)
        return px_err_set(PX_EFORMAT, "msgpack: empty message");
    rc = scan(msg, len);
    if (rc)
        return rc;
    msgpack_unpack_return ur = msgpack_unpack_next(result, (const char *)msg, len, &off);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
        return PX_ENOMEM;
    if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
        return px_err_set(PX_EFORMAT, "msgpack: message does not parse as one value");
    return PX_OK;
}
