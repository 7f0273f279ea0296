/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mpcheck.c — the allocation-free msgpack walker and the framing check
 * built on it (see mpcheck.h).
 *
 * An explicit stack of "values still to read" per open container replaces
 * recursion, so hostile nesting cannot exhaust the C stack.
 */
#include "mpcheck.h"

#include "error.h"

#include <string.h>

uint64_t px_be_read(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

int px_mp_read_head(const uint8_t *p, size_t avail, px_mp_head *h)
{
    uint8_t b = p[0];
    size_t lenbytes = 0;
    h->cls = PX_MP_SCALAR;
    h->hdr = 1;
    h->payload = 0;
    h->children = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return PX_OK; /* fixint, nil, false, true */
    if ((b & 0xf0) == 0x80) {
        h->cls = PX_MP_MAP;
        h->children = 2u * (b & 0x0f);
        return PX_OK;
    }
    if ((b & 0xf0) == 0x90) {
        h->cls = PX_MP_ARRAY;
        h->children = b & 0x0f;
        return PX_OK;
    }
    if ((b & 0xe0) == 0xa0) {
        h->cls = PX_MP_STR;
        h->payload = b & 0x1f;
        return PX_OK;
    }
    switch (b) {
    case 0xc4:
    case 0xc5:
    case 0xc6: /* bin 8/16/32 */
        h->cls = PX_MP_BIN;
        lenbytes = (size_t)1 << (b - 0xc4);
        break;
    case 0xd9:
    case 0xda:
    case 0xdb: /* str 8/16/32 */
        h->cls = PX_MP_STR;
        lenbytes = (size_t)1 << (b - 0xd9);
        break;
    case 0xc7:
    case 0xc8:
    case 0xc9: /* ext 8/16/32: length, type */
        h->cls = PX_MP_EXT;
        lenbytes = (size_t)1 << (b - 0xc7);
        break;
    case 0xdc:
    case 0xdd: /* array 16/32 */
        h->cls = PX_MP_ARRAY;
        lenbytes = b == 0xdc ? 2 : 4;
        break;
    case 0xde:
    case 0xdf: /* map 16/32 */
        h->cls = PX_MP_MAP;
        lenbytes = b == 0xde ? 2 : 4;
        break;
    case 0xcc:
    case 0xd0:
        h->payload = 1;
        return PX_OK;
    case 0xcd:
    case 0xd1:
        h->payload = 2;
        return PX_OK;
    case 0xca:
    case 0xce:
    case 0xd2:
        h->payload = 4;
        return PX_OK;
    case 0xcb:
    case 0xcf:
    case 0xd3:
        h->payload = 8;
        return PX_OK;
    case 0xd4:
        h->cls = PX_MP_EXT;
        h->payload = 2;
        return PX_OK; /* fixext: type + data */
    case 0xd5:
        h->cls = PX_MP_EXT;
        h->payload = 3;
        return PX_OK;
    case 0xd6:
        h->cls = PX_MP_EXT;
        h->payload = 5;
        return PX_OK;
    case 0xd7:
        h->cls = PX_MP_EXT;
        h->payload = 9;
        return PX_OK;
    case 0xd8:
        h->cls = PX_MP_EXT;
        h->payload = 17;
        return PX_OK;
    default: /* 0xc1 */
        return PX_EFORMAT;
    }
    if (avail < 1 + lenbytes)
        return PX_EAGAIN;
    h->hdr = 1 + lenbytes;
    uint64_t n = px_be_read(p + 1, lenbytes);
    if (h->cls == PX_MP_ARRAY)
        h->children = n;
    else if (h->cls == PX_MP_MAP)
        h->children = 2 * n;
    else
        h->payload = h->cls == PX_MP_EXT ? n + 1 : n;
    return PX_OK;
}

void px_mp_walk_init(px_mp_walk *w, const uint8_t *p, size_t len, int max_depth)
{
    memset(w, 0, sizeof *w);
    w->p = p;
    w->len = len;
    w->max_depth = max_depth < 0                      ? 0
                   : max_depth > PX_MP_WALK_DEPTH_MAX ? PX_MP_WALK_DEPTH_MAX
                                                      : max_depth;
    w->left[0] = w->total[0] = 1;
    w->pending = 1;
}

px_mp_step px_mp_walk_next(px_mp_walk *w, px_mp_item *it)
{
    if (w->open) {
        uint64_t n = w->last.h.children;
        w->open = false;
        *it = w->last;
        /* Every value takes one byte at least: more declared than the bytes
         * left can hold is truncated input or a lie, refused as it opens. */
        if (w->pending + n > w->len - w->pos) {
            w->depth = -1;
            return PX_MP_COUNT;
        }
        if (w->last.depth + 1 > w->max_depth) {
            w->depth = -1;
            return PX_MP_DEEP;
        }
        w->depth = w->last.depth + 1;
        w->left[w->depth] = w->total[w->depth] = n;
        w->pending += n;
    }
    while (w->depth >= 0 && w->left[w->depth] == 0)
        w->depth--;
    if (w->depth < 0)
        return PX_MP_DONE;
    if (w->pos >= w->len)
        return PX_MP_SHORT;
    int d = w->depth;
    int rc = px_mp_read_head(w->p + w->pos, w->len - w->pos, &it->h);
    if (rc) {
        w->depth = -1;
        return rc == PX_EFORMAT ? PX_MP_RESERVED : PX_MP_SHORT;
    }
    it->off = w->pos;
    it->depth = d;
    it->index = w->total[d] - w->left[d];
    w->left[d]--;
    w->pending--;
    w->pos += it->h.hdr;
    if (it->h.payload > w->len - w->pos) {
        w->depth = -1;
        return PX_MP_SHORT;
    }
    w->pos += (size_t)it->h.payload;
    if (it->h.children) {
        w->open = true;
        w->last = *it;
    }
    return PX_MP_VALUE;
}

int px_msgpack_check(const uint8_t *p, size_t len, int max_depth, size_t *consumed)
{
    px_mp_walk w;
    px_mp_item it;
    px_mp_step st;
    px_mp_walk_init(&w, p, len, max_depth);
    while ((st = px_mp_walk_next(&w, &it)) == PX_MP_VALUE)
        ;
    switch (st) {
    case PX_MP_DONE:
        if (consumed)
            *consumed = w.pos;
        return PX_OK;
    case PX_MP_DEEP:
        return px_err_set(PX_EFORMAT, "msgpack: nested deeper than %d levels", w.max_depth);
    case PX_MP_RESERVED:
        return px_err_set(PX_EFORMAT, "msgpack: reserved byte 0x%02x", p[w.pos]);
    default: /* short, or counts the bytes cannot hold: more input may complete it */
        return PX_EAGAIN;
    }
}

const msgpack_object *px_mp_get(const msgpack_object *map, const char *key)
{
    if (map == NULL || key == NULL || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
            memcmp(k->via.str.ptr, key, n) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

int px_mp_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    int rc = msgpack_pack_str(pk, n);
    return rc ? rc : msgpack_pack_str_body(pk, s, n);
}
