/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg.c — encode and decode the replication messages (see msg.h).
 */
#include "msg.h"

#include "blob.h"
#include "error.h"
#include "mpcheck.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

/* --- decoding ---------------------------------------------------------------- */

static bool is_bin(const msgpack_object *o, size_t size)
{
    return o && o->type == MSGPACK_OBJECT_BIN && (size == 0 || o->via.bin.size == size);
}

/* The list under key: an array of at most max items (more: PX_ETOOBIG). */
static int list_of(const msgpack_object *map, const char *key, const char *type, uint32_t max,
                   const msgpack_object **out)
{
    const msgpack_object *l = px_mp_get(map, key);
    if (!l || l->type != MSGPACK_OBJECT_ARRAY)
        return px_err_set(PX_EPROTO, "a %s message needs a '%s' list", type, key);
    if (l->via.array.size > max)
        return px_err_set(PX_ETOOBIG, "a %s message of %u items (at most %u)", type,
                          l->via.array.size, max);
    *out = l;
    return PX_OK;
}

static int decode_hello(const msgpack_object *o, px_msg *m)
{
    const msgpack_object *ver = px_mp_get(o, "version");
    const msgpack_object *net = px_mp_get(o, "network_id");
    const msgpack_object *sw = px_mp_get(o, "software");
    if (!ver || ver->type != MSGPACK_OBJECT_POSITIVE_INTEGER || !is_bin(net, 32))
        return px_err_set(PX_EPROTO, "hello lacks version or network_id");
    m->version = ver->via.u64;
    m->network_id = (const uint8_t *)net->via.bin.ptr;
    if (sw && sw->type == MSGPACK_OBJECT_STR) {
        size_t len =
            sw->via.str.size < PX_MSG_SOFTWARE_MAX ? sw->via.str.size : PX_MSG_SOFTWARE_MAX;
        memcpy(m->software, sw->via.str.ptr, len);
        m->software[len] = '\0';
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)m->software[i] < 0x20 || (unsigned char)m->software[i] == 0x7f)
                m->software[i] = '?';
    }
    return PX_OK;
}

static int decode_feeds(const msgpack_object *o, px_msg *m, const char *type)
{
    const msgpack_object *l;
    int rc = list_of(o, "feeds", type, PX_MSG_FEEDS_MAX, &l);
    if (rc)
        return rc;
    if (l->via.array.size == 0)
        return PX_OK;
    m->feeds = malloc(l->via.array.size * sizeof *m->feeds);
    if (!m->feeds)
        return PX_ENOMEM;
    for (uint32_t i = 0; i < l->via.array.size; i++) {
        const msgpack_object *it = &l->via.array.ptr[i];
        if (it->type != MSGPACK_OBJECT_ARRAY || it->via.array.size != 2 ||
            !is_bin(&it->via.array.ptr[0], 32) ||
            it->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return px_err_set(PX_EPROTO, "%s item %u is not [author:bin32, seq:uint]", type, i + 1);
        m->feeds[i].author = (const uint8_t *)it->via.array.ptr[0].via.bin.ptr;
        m->feeds[i].seq = it->via.array.ptr[1].via.u64;
    }
    m->n_feeds = l->via.array.size;
    return PX_OK;
}

static int decode_entries(const msgpack_object *o, px_msg *m)
{
    const msgpack_object *l;
    int rc = list_of(o, "entries", "entries", PX_MSG_ENTRIES_MAX, &l);
    if (rc)
        return rc;
    if (l->via.array.size == 0)
        return px_err_set(PX_EPROTO, "an entries message needs 1-%d entries", PX_MSG_ENTRIES_MAX);
    m->items = calloc(l->via.array.size, sizeof *m->items);
    if (!m->items)
        return PX_ENOMEM;
    for (uint32_t i = 0; i < l->via.array.size; i++) {
        const msgpack_object *it = &l->via.array.ptr[i];
        const msgpack_object *f = it->type == MSGPACK_OBJECT_ARRAY ? it->via.array.ptr : NULL;
        if (!f || it->via.array.size != 3 || !is_bin(&f[0], 0) || !is_bin(&f[1], 64) ||
            (f[2].type != MSGPACK_OBJECT_BIN && f[2].type != MSGPACK_OBJECT_NIL))
            return px_err_set(PX_EPROTO, "entry %u of a batch is not [header, sig, body]", i + 1);
        px_msg_item *x = &m->items[i];
        x->header = (const uint8_t *)f[0].via.bin.ptr;
        x->header_len = f[0].via.bin.size;
        x->sig = (const uint8_t *)f[1].via.bin.ptr;
        x->has_body = f[2].type == MSGPACK_OBJECT_BIN;
        if (x->has_body) {
            /* an empty body is a body */
            x->body = f[2].via.bin.size ? (const uint8_t *)f[2].via.bin.ptr : (const uint8_t *)"";
            x->body_len = f[2].via.bin.size;
        }
    }
    m->n_items = l->via.array.size;
    return PX_OK;
}

static int decode_want(const msgpack_object *o, px_msg *m)
{
    const msgpack_object *l;
    int rc = list_of(o, "ids", "want_bodies", PX_MSG_IDS_MAX, &l);
    if (rc)
        return rc == PX_ETOOBIG
                   ? px_err_set(PX_EPROTO, "want_bodies needs a list of at most %d ids",
                                PX_MSG_IDS_MAX)
                   : rc;
    if (l->via.array.size == 0)
        return PX_OK;
    m->ids = malloc(l->via.array.size * sizeof *m->ids);
    if (!m->ids)
        return PX_ENOMEM;
    for (uint32_t i = 0; i < l->via.array.size; i++) {
        if (!is_bin(&l->via.array.ptr[i], 32))
            return px_err_set(PX_EPROTO, "want_bodies item %u is not a 32-byte id", i + 1);
        m->ids[i] = (const uint8_t *)l->via.array.ptr[i].via.bin.ptr;
    }
    m->n_ids = l->via.array.size;
    return PX_OK;
}

static int decode_bodies(const msgpack_object *o, px_msg *m)
{
    const msgpack_object *l;
    int rc = list_of(o, "bodies", "bodies", PX_MSG_IDS_MAX, &l);
    if (rc)
        return rc == PX_ETOOBIG
                   ? px_err_set(PX_EPROTO, "a bodies message needs a list of at most %d bodies",
                                PX_MSG_IDS_MAX)
                   : rc;
    if (l->via.array.size == 0)
        return PX_OK;
    m->bodies = malloc(l->via.array.size * sizeof *m->bodies);
    if (!m->bodies)
        return PX_ENOMEM;
    for (uint32_t i = 0; i < l->via.array.size; i++) {
        const msgpack_object *it = &l->via.array.ptr[i];
        const msgpack_object *f = it->type == MSGPACK_OBJECT_ARRAY ? it->via.array.ptr : NULL;
        if (!f || it->via.array.size != 2 || !is_bin(&f[0], 32) || !is_bin(&f[1], 0))
            return px_err_set(PX_EPROTO, "item %u of a bodies message is not [id, body]", i + 1);
        m->bodies[i].id = (const uint8_t *)f[0].via.bin.ptr;
        m->bodies[i].body = (const uint8_t *)f[1].via.bin.ptr;
        m->bodies[i].len = f[1].via.bin.size;
    }
    m->n_bodies = l->via.array.size;
    return PX_OK;
}

/* --- blob messages ------------------------------------------------------------ */

static const char *const blob_names[] = {"blob_want", "blob_have", "blob_get", "blob_chunk"};

bool px_msg_is_blob(px_msg_type type)
{
    return type >= PX_MSG_BLOB_WANT && type <= PX_MSG_BLOB_CHUNK;
}

static const char *blob_name(px_msg_type type)
{
    return blob_names[type - PX_MSG_BLOB_WANT];
}

static int get_u32(const msgpack_object *v, const char *what, uint32_t *out)
{
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > UINT32_MAX)
        return px_err_set(PX_EPROTO, "blob message: %s is not an unsigned integer", what);
    *out = (uint32_t)v->via.u64;
    return PX_OK;
}

/* An optional bin field (absent or nil: *p stays NULL): bin of min to max
 * bytes, or the message is malformed. A bin of 0 bytes is "", not NULL. */
static int get_bin(const msgpack_object *v, size_t min, size_t max, const char *what,
                   const uint8_t **p, size_t *len)
{
    if (!v || v->type == MSGPACK_OBJECT_NIL)
        return PX_OK;
    if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size < min || v->via.bin.size > max)
        return px_err_set(PX_EPROTO, "%s is not bin of %zu to %zu bytes", what, min, max);
    *p = v->via.bin.size ? (const uint8_t *)v->via.bin.ptr : (const uint8_t *)"";
    *len = v->via.bin.size;
    return PX_OK;
}

static int decode_blob(const msgpack_object *o, px_msg_blob *b)
{
    const msgpack_object *id = px_mp_get(o, "id"), *v;
    if (!is_bin(id, 32))
        return px_err_set(PX_EPROTO, "%s: id is not 32 bytes", blob_name(b->type));
    memcpy(b->id, id->via.bin.ptr, 32);
    int rc = PX_OK;
    switch (b->type) {
    case PX_MSG_BLOB_WANT:
        if ((v = px_mp_get(o, "hops")) != NULL && (rc = get_u32(v, "hops", &b->hops)) != PX_OK)
            return rc;
        if (b->hops > 1)
            return px_err_set(PX_EPROTO, "blob_want: hops is %u, at most 1", b->hops);
        return PX_OK;
    case PX_MSG_BLOB_HAVE:
        if ((rc = get_bin(px_mp_get(o, "manifest"), 8, PX_MSG_BLOB_MANIFEST_MAX,
                          "blob_have: manifest", &b->manifest, &b->manifest_len)) != PX_OK ||
            (rc = get_bin(px_mp_get(o, "have"), 0, PX_MSG_BLOB_HAVE_MAX, "blob_have: have",
                          &b->have, &b->have_len)) != PX_OK)
            return rc;
        if (b->manifest && !b->have)
            return px_err_set(PX_EPROTO, "blob_have: a manifest without a have bitmap");
        return PX_OK;
    case PX_MSG_BLOB_GET:
        v = px_mp_get(o, "chunks");
        if (!v || v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size < 1 ||
            v->via.array.size > PX_MSG_BLOB_GET_MAX)
            return px_err_set(PX_EPROTO, "blob_get: chunks is not an array of 1 to %d indices",
                              PX_MSG_BLOB_GET_MAX);
        for (uint32_t i = 0; i < v->via.array.size; i++)
            if ((rc = get_u32(&v->via.array.ptr[i], "a chunk index", &b->chunks[i])) != PX_OK)
                return rc;
        b->n_chunks = v->via.array.size;
        return PX_OK;
    case PX_MSG_BLOB_CHUNK:
        if ((v = px_mp_get(o, "index")) == NULL)
            return px_err_set(PX_EPROTO, "blob_chunk without an index");
        if ((rc = get_u32(v, "index", &b->index)) != PX_OK)
            return rc;
        return get_bin(px_mp_get(o, "data"), 1, PX_BLOB_CHUNK, "blob_chunk: data", &b->data,
                       &b->data_len);
    default:
        return PX_OK;
    }
}

static const struct {
    const char *name;
    px_msg_type type;
} types[] = {
    {"hello", PX_MSG_HELLO},
    {"clock", PX_MSG_CLOCK},
    {"have", PX_MSG_HAVE},
    {"entries", PX_MSG_ENTRIES},
    {"want_bodies", PX_MSG_WANT_BODIES},
    {"bodies", PX_MSG_BODIES},
    {"prune", PX_MSG_PRUNE},
    {"graft", PX_MSG_GRAFT},
    {"blob_want", PX_MSG_BLOB_WANT},
    {"blob_have", PX_MSG_BLOB_HAVE},
    {"blob_get", PX_MSG_BLOB_GET},
    {"blob_chunk", PX_MSG_BLOB_CHUNK},
};

int px_msg_decode(const uint8_t *bytes, size_t len, px_msg *m)
{
    memset(m, 0, sizeof *m);
    msgpack_unpacked_init(&m->u);
    int rc = px_wire_unpack(bytes, len, &m->u);
    if (rc)
        return rc;
    const msgpack_object *o = &m->u.data;
    const msgpack_object *t = o->type == MSGPACK_OBJECT_MAP ? px_mp_get(o, "type") : NULL;
    if (!t || t->type != MSGPACK_OBJECT_STR)
        return px_err_set(PX_EPROTO, "message without a 'type' string");
    size_t n =
        t->via.str.size < sizeof m->type_name - 1 ? t->via.str.size : sizeof m->type_name - 1;
    memcpy(m->type_name, t->via.str.ptr, n);
    m->type_name[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)m->type_name[i] < 0x20 || (unsigned char)m->type_name[i] == 0x7f)
            m->type_name[i] = '?';
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strlen(types[i].name) == t->via.str.size &&
            memcmp(types[i].name, t->via.str.ptr, t->via.str.size) == 0)
            m->type = types[i].type;
    switch (m->type) {
    case PX_MSG_HELLO:
        return decode_hello(o, m);
    case PX_MSG_CLOCK:
        return decode_feeds(o, m, "clock");
    case PX_MSG_HAVE:
        return decode_feeds(o, m, "have");
    case PX_MSG_ENTRIES:
        return decode_entries(o, m);
    case PX_MSG_WANT_BODIES:
        return decode_want(o, m);
    case PX_MSG_BODIES:
        return decode_bodies(o, m);
    case PX_MSG_GRAFT:
        return decode_feeds(o, m, "graft");
    case PX_MSG_BLOB_WANT:
    case PX_MSG_BLOB_HAVE:
    case PX_MSG_BLOB_GET:
    case PX_MSG_BLOB_CHUNK:
        m->blob.type = m->type;
        return decode_blob(o, &m->blob);
    case PX_MSG_PRUNE:
    case PX_MSG_UNKNOWN:
        break;
    }
    return PX_OK;
}

void px_msg_free(px_msg *m)
{
    if (!m)
        return;
    free(m->feeds);
    free(m->items);
    free(m->ids);
    free(m->bodies);
    msgpack_unpacked_destroy(&m->u);
    memset(m, 0, sizeof *m);
}

/* --- encoding ------------------------------------------------------------------ */

static int buf_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

/* Start a message {type: name, key: [count items...]}. */
static int start(msgpack_packer *pk, px_buf *out, const char *name, const char *key, size_t count)
{
    msgpack_packer_init(pk, out, buf_write);
    if (msgpack_pack_map(pk, 2) || px_mp_pack_str(pk, "type") || px_mp_pack_str(pk, name) ||
        px_mp_pack_str(pk, key) || msgpack_pack_array(pk, count))
        return PX_ENOMEM;
    return PX_OK;
}

int px_msg_encode_hello(px_buf *out, uint64_t version, const char *software,
                        const uint8_t network_id[32])
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    if (msgpack_pack_map(&pk, 4) || px_mp_pack_str(&pk, "type") || px_mp_pack_str(&pk, "hello") ||
        px_mp_pack_str(&pk, "version") || msgpack_pack_uint64(&pk, version) ||
        px_mp_pack_str(&pk, "software") || px_mp_pack_str(&pk, software) ||
        px_mp_pack_str(&pk, "network_id") || msgpack_pack_bin(&pk, 32) ||
        msgpack_pack_bin_body(&pk, network_id, 32))
        return PX_ENOMEM;
    return PX_OK;
}

int px_msg_encode_feeds(px_buf *out, px_msg_type type, const px_msg_feed *feeds, size_t n)
{
    msgpack_packer pk;
    if (start(&pk, out,
              type == PX_MSG_CLOCK   ? "clock"
              : type == PX_MSG_GRAFT ? "graft"
                                     : "have",
              "feeds", n))
        return PX_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (msgpack_pack_array(&pk, 2) || msgpack_pack_bin(&pk, 32) ||
            msgpack_pack_bin_body(&pk, feeds[i].author, 32) ||
            msgpack_pack_uint64(&pk, feeds[i].seq))
            return PX_ENOMEM;
    return PX_OK;
}

int px_msg_encode_entries(px_buf *out, const uint8_t *items, size_t len, size_t count)
{
    msgpack_packer pk;
    if (start(&pk, out, "entries", "entries", count))
        return PX_ENOMEM;
    return px_buf_append(out, items, len);
}

int px_msg_encode_prune(px_buf *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    if (msgpack_pack_map(&pk, 1) || px_mp_pack_str(&pk, "type") || px_mp_pack_str(&pk, "prune"))
        return PX_ENOMEM;
    return PX_OK;
}

int px_msg_encode_want(px_buf *out, const uint8_t (*ids)[32], size_t n)
{
    msgpack_packer pk;
    if (start(&pk, out, "want_bodies", "ids", n))
        return PX_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (msgpack_pack_bin(&pk, 32) || msgpack_pack_bin_body(&pk, ids[i], 32))
            return PX_ENOMEM;
    return PX_OK;
}

int px_msg_encode_bodies(px_buf *out, const uint8_t *items, size_t len, size_t count)
{
    msgpack_packer pk;
    if (start(&pk, out, "bodies", "bodies", count))
        return PX_ENOMEM;
    return px_buf_append(out, items, len);
}

int px_msg_put_body(px_buf *items, const uint8_t id[32], const uint8_t *body, size_t len)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, items, buf_write);
    if (msgpack_pack_array(&pk, 2) || msgpack_pack_bin(&pk, 32) ||
        msgpack_pack_bin_body(&pk, id, 32) || msgpack_pack_bin(&pk, len) ||
        (len && msgpack_pack_bin_body(&pk, body, len)))
        return PX_ENOMEM;
    return PX_OK;
}

/* A packer whose writes may fail part-way: the message is taken back. */
typedef struct sink {
    px_buf *b;
    bool failed;
} sink;

static int sink_write(void *data, const char *p, size_t n)
{
    sink *s = data;
    if (!s->failed && px_buf_append(s->b, p, n) != PX_OK)
        s->failed = true;
    return s->failed ? -1 : 0;
}

static void pack_bin(msgpack_packer *pk, const uint8_t *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}

int px_msg_encode_blob(px_buf *out, const px_msg_blob *m)
{
    if (!px_msg_is_blob(m->type))
        return px_err_set(PX_EINVAL, "no such blob message type");
    size_t start = out->len;
    sink sk = {out, false};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sk, sink_write);
    size_t keys;
    if (m->type == PX_MSG_BLOB_WANT || m->type == PX_MSG_BLOB_GET)
        keys = 3;
    else if (m->type == PX_MSG_BLOB_HAVE)
        keys = 2 + (m->manifest ? 1 : 0) + (m->have ? 1 : 0);
    else
        keys = 3 + (m->data ? 1 : 0);
    msgpack_pack_map(&pk, keys);
    px_mp_pack_str(&pk, "type");
    px_mp_pack_str(&pk, blob_name(m->type));
    px_mp_pack_str(&pk, "id");
    pack_bin(&pk, m->id, 32);
    switch (m->type) {
    case PX_MSG_BLOB_WANT:
        px_mp_pack_str(&pk, "hops");
        msgpack_pack_uint32(&pk, m->hops);
        break;
    case PX_MSG_BLOB_HAVE:
        if (m->manifest) {
            px_mp_pack_str(&pk, "manifest");
            pack_bin(&pk, m->manifest, m->manifest_len);
        }
        if (m->have) {
            px_mp_pack_str(&pk, "have");
            pack_bin(&pk, m->have, m->have_len);
        }
        break;
    case PX_MSG_BLOB_GET:
        px_mp_pack_str(&pk, "chunks");
        msgpack_pack_array(&pk, m->n_chunks);
        for (size_t i = 0; i < m->n_chunks; i++)
            msgpack_pack_uint32(&pk, m->chunks[i]);
        break;
    default: /* PX_MSG_BLOB_CHUNK */
        px_mp_pack_str(&pk, "index");
        msgpack_pack_uint32(&pk, m->index);
        if (m->data) {
            px_mp_pack_str(&pk, "data");
            pack_bin(&pk, m->data, m->data_len);
        }
        break;
    }
    if (sk.failed) {
        out->len = start;
        return px_err_set(PX_ENOMEM, "out of memory");
    }
    return PX_OK;
}

int px_msg_encode_blob_chunk(px_buf *out, const uint8_t id[32], uint32_t index, const uint8_t *data,
                             size_t len)
{
    px_msg_blob m = {.type = PX_MSG_BLOB_CHUNK, .index = index, .data = data, .data_len = len};
    memcpy(m.id, id, 32);
    return px_msg_encode_blob(out, &m);
}
