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

int px_wire_frame(px_buf *out, const void *msg, size_t len)
{
    uint8_t prefix[PX_WIRE_LEN_BYTES];
    int rc = PX_OK;

    if (len == 0)
        return px_err_set(PX_EINVAL, "message framing: an empty message is not a msgpack value");
    if (len > PX_WIRE_MAX)
        return px_err_set(PX_ETOOBIG,
                          "message framing: a %zu-byte message is above the limit "
                          "of %d",
                          len, PX_WIRE_MAX);
    rc = px_buf_reserve(out, PX_WIRE_LEN_BYTES + len);
    if (rc)
        return rc;
    prefix[0] = (uint8_t)(len >> 24);
    prefix[1] = (uint8_t)(len >> 16);
    prefix[2] = (uint8_t)(len >> 8);
    prefix[3] = (uint8_t)len;
    memcpy(out->data + out->len, prefix, PX_WIRE_LEN_BYTES);
    memcpy(out->data + out->len + PX_WIRE_LEN_BYTES, msg, len);
    out->len += PX_WIRE_LEN_BYTES + len;
    return PX_OK;
}

/* --- strict parse ------------------------------------------------------- */

static uint64_t read_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Decode the head of one msgpack value at p[*pos]: advance *pos past the
 * type byte and any length field; OUT: *skip = payload bytes that follow,
 * *count = child values (2 per map pair). PX_OK or PX_EFORMAT. */
static int read_head(const uint8_t *p, size_t len, size_t *pos, uint64_t *skip, uint64_t *count)
{
    enum { K_BYTES = 1, K_EXT, K_ARRAY, K_MAP };
    uint8_t b = p[(*pos)++];
    size_t lenfield = 0;
    int kind = 0;

    *skip = 0;
    *count = 0;
    if (b <= 0x7f || b >= 0xe0)
        return PX_OK; /* fixint */
    if (b <= 0x8f) {
        *count = 2u * (b & 0x0f); /* fixmap */
        return PX_OK;
    }
    if (b <= 0x9f) {
        *count = b & 0x0f; /* fixarray */
        return PX_OK;
    }
    if (b <= 0xbf) {
        *skip = b & 0x1f; /* fixstr */
        return PX_OK;
    }
    switch (b) {
    case 0xc0: /* nil */
    case 0xc2: /* false */
    case 0xc3: /* true */
        return PX_OK;
    case 0xc4: /* bin 8 */
    case 0xd9: /* str 8 */
        lenfield = 1;
        kind = K_BYTES;
        break;
    case 0xc5: /* bin 16 */
    case 0xda: /* str 16 */
        lenfield = 2;
        kind = K_BYTES;
        break;
    case 0xc6: /* bin 32 */
    case 0xdb: /* str 32 */
        lenfield = 4;
        kind = K_BYTES;
        break;
    case 0xc7: /* ext 8 */
        lenfield = 1;
        kind = K_EXT;
        break;
    case 0xc8: /* ext 16 */
        lenfield = 2;
        kind = K_EXT;
        break;
    case 0xc9: /* ext 32 */
        lenfield = 4;
        kind = K_EXT;
        break;
    case 0xca: /* float 32 */
        *skip = 4;
        return PX_OK;
    case 0xcb: /* float 64 */
        *skip = 8;
        return PX_OK;
    case 0xcc: /* uint 8 .. 64, int 8 .. 64 */
    case 0xd0:
        *skip = 1;
        return PX_OK;
    case 0xcd:
    case 0xd1:
        *skip = 2;
        return PX_OK;
    case 0xce:
    case 0xd2:
        *skip = 4;
        return PX_OK;
    case 0xcf:
    case 0xd3:
        *skip = 8;
        return PX_OK;
    case 0xd4: /* fixext 1 .. 16: type byte + data */
        *skip = 2;
        return PX_OK;
    case 0xd5:
        *skip = 3;
        return PX_OK;
    case 0xd6:
        *skip = 5;
        return PX_OK;
    case 0xd7:
        *skip = 9;
        return PX_OK;
    case 0xd8:
        *skip = 17;
        return PX_OK;
    case 0xdc: /* array 16 */
        lenfield = 2;
        kind = K_ARRAY;
        break;
    case 0xdd: /* array 32 */
        lenfield = 4;
        kind = K_ARRAY;
        break;
    case 0xde: /* map 16 */
        lenfield = 2;
        kind = K_MAP;
        break;
    case 0xdf: /* map 32 */
        lenfield = 4;
        kind = K_MAP;
        break;
    default: /* 0xc1 is never used */
        return px_err_set(PX_EFORMAT, "msgpack: invalid type byte 0x%02x at offset %zu", b,
                          *pos - 1);
    }
    if (len - *pos < lenfield)
        return px_err_set(PX_EFORMAT, "msgpack: value truncated at offset %zu", *pos);
    uint64_t n = read_be(p + *pos, lenfield);
    *pos += lenfield;
    if (kind == K_BYTES)
        *skip = n;
    else if (kind == K_EXT)
        *skip = n + 1; /* the ext type byte */
    else if (kind == K_ARRAY)
        *count = n;
    else
        *count = 2 * n;
    return PX_OK;
}

/* Walk exactly one value spanning p[0..len), without allocating. Once it
 * passes, every element any container declares is really present (at least
 * one byte each), so what msgpack-c allocates is bounded by the message
 * size. Values declared but not yet read may never outnumber the bytes left:
 * checking that as each container opens refuses a lying count at once, with
 * a clear detail, instead of at the end as a truncation. */
static int scan(const uint8_t *p, size_t len)
{
    uint64_t left[DEPTH_MAX + 1]; /* values still due at each open level */
    uint64_t pending = 1;         /* sum of left[] */
    int depth = 0;
    size_t pos = 0;
    int rc = PX_OK;

    left[0] = 1;
    while (depth >= 0) {
        if (left[depth] == 0) {
            depth--;
            continue;
        }
        if (pos == len)
            return px_err_set(PX_EFORMAT, "msgpack: value truncated at offset %zu", pos);
        left[depth]--;
        pending--;
        uint64_t skip = 0, count = 0;
        rc = read_head(p, len, &pos, &skip, &count);
        if (rc)
            return rc;
        if (skip > len - pos)
            return px_err_set(PX_EFORMAT, "msgpack: value truncated at offset %zu", pos);
        pos += (size_t)skip;
        if (count == 0)
            continue;
        if (pending + count > len - pos)
            return px_err_set(PX_EFORMAT,
                              "msgpack: a container declares %llu elements, more "
                              "than the %zu bytes left can hold",
                              (unsigned long long)count, len - pos);
        if (depth == DEPTH_MAX)
            return px_err_set(PX_EFORMAT, "msgpack: containers nested deeper than %d", DEPTH_MAX);
        left[++depth] = count;
        pending += count;
    }
    if (pos != len)
        return px_err_set(PX_EFORMAT, "msgpack: %zu bytes after the message's value", len - pos);
    return PX_OK;
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
