/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entry.c — header codec, signing and checks for one entry (see entry.h).
 *
 * Layout: encoding (a msgpack packer writing into a fixed buffer), decoding
 * (msgpack-c unpack into a stack zone, field-by-field type checks, then a
 * re-encode that must reproduce the input exactly), then the checks.
 */
#include "entry.h"

#include "crypto.h"
#include "error.h"
#include "mpcheck.h"
#include "util.h"

#include <msgpack.h>
#include <string.h>

static const char sign_context[] = "praxis-entry-v1";
enum { CONTEXT_LEN = sizeof sign_context - 1 };

bool px_kind_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PX_KIND_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

char *px_id_hex(char out[PX_ID_HEX], const uint8_t id[32])
{
    px_hex_encode(out, id, 32);
    return out;
}

/* --- encoding ---------------------------------------------------------- */

/* A bounded sink for msgpack_packer: overflow is remembered, not written. */
typedef struct fixed_sink {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
} fixed_sink;

static int fixed_write(void *data, const char *p, size_t n)
{
    fixed_sink *s = data;
    if (n > s->cap - s->len) {
        s->overflow = true;
        return -1;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

static void pack_bin32(msgpack_packer *pk, const uint8_t b[32])
{
    msgpack_pack_bin(pk, 32);
    msgpack_pack_bin_body(pk, b, 32);
}

size_t px_header_encode(const px_header *h, uint8_t *out)
{
    if (!px_kind_valid(h->kind) || h->seq == 0 || h->has_prev != (h->seq > 1))
        return 0;
    fixed_sink sink = {.buf = out, .cap = PX_HEADER_MAX};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sink, fixed_write);
    size_t kind_len = strlen(h->kind);
    msgpack_pack_array(&pk, 9);
    msgpack_pack_uint64(&pk, PX_ENTRY_FORMAT);
    pack_bin32(&pk, h->network_id);
    pack_bin32(&pk, h->author);
    msgpack_pack_uint64(&pk, h->seq);
    if (h->has_prev)
        pack_bin32(&pk, h->prev);
    else
        msgpack_pack_nil(&pk);
    msgpack_pack_uint64(&pk, h->timestamp_ms);
    msgpack_pack_str(&pk, kind_len);
    msgpack_pack_str_body(&pk, h->kind, kind_len);
    msgpack_pack_uint64(&pk, h->body_len);
    pack_bin32(&pk, h->body_hash);
    return sink.overflow ? 0 : sink.len;
}

static void compute_id(px_entry *e)
{
    px_hash_state st;
    px_hash_init(&st);
    px_hash_update(&st, e->header_bytes, e->header_len);
    px_hash_update(&st, e->sig, 64);
    px_hash_final(&st, e->id);
}

/* The signed message is the context string followed by the header bytes. */
static size_t signed_message(const px_entry *e, uint8_t msg[CONTEXT_LEN + PX_HEADER_MAX])
{
    memcpy(msg, sign_context, CONTEXT_LEN);
    memcpy(msg + CONTEXT_LEN, e->header_bytes, e->header_len);
    return CONTEXT_LEN + e->header_len;
}

int px_entry_sign(px_entry *out, const px_header *h, const uint8_t *body, size_t body_len,
                  const uint8_t sk[64])
{
    uint8_t msg[CONTEXT_LEN + PX_HEADER_MAX];
    if (body_len > PX_BODY_MAX)
        return px_err_set(PX_ETOOBIG, "record body is %zu bytes; the limit is %d bytes", body_len,
                          PX_BODY_MAX);
    memset(out, 0, sizeof *out);
    out->h = *h;
    out->h.body_len = body_len;
    px_hash(out->h.body_hash, body, body_len);
    out->header_len = px_header_encode(&out->h, out->header_bytes);
    if (out->header_len == 0)
        return px_err_set(PX_EINVAL, "cannot encode entry header (kind '%s', seq %llu)", h->kind,
                          (unsigned long long)h->seq);
    size_t n = signed_message(out, msg);
    px_sign_detached(out->sig, msg, n, sk);
    compute_id(out);
    out->body = body;
    out->body_len = body_len;
    return PX_OK;
}

/* --- decoding ---------------------------------------------------------- */

static int get_bin32(const msgpack_object *o, uint8_t out[32], const char *field)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != 32)
        return px_err_set(PX_EFORMAT, "entry header field '%s' is not 32 bytes of binary", field);
    memcpy(out, o->via.bin.ptr, 32);
    return PX_OK;
}

static int get_uint(const msgpack_object *o, uint64_t *out, const char *field)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return px_err_set(PX_EFORMAT, "entry header field '%s' is not an unsigned integer", field);
    *out = o->via.u64;
    return PX_OK;
}

static int decode_fields(px_header *h, const msgpack_object *root)
{
    int rc = PX_OK;
    uint64_t format = 0;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 9)
        return px_err_set(PX_EFORMAT, "entry header is not a msgpack array of 9 elements");
    const msgpack_object *f = root->via.array.ptr;
    rc = get_uint(&f[0], &format, "format");
    if (rc)
        return rc;
    if (format != PX_ENTRY_FORMAT)
        return px_err_set(PX_EFORMAT, "entry format %llu is not supported (expected %d)",
                          (unsigned long long)format, PX_ENTRY_FORMAT);
    rc = get_bin32(&f[1], h->network_id, "network_id");
    if (!rc)
        rc = get_bin32(&f[2], h->author, "author");
    if (!rc)
        rc = get_uint(&f[3], &h->seq, "seq");
    if (rc)
        return rc;
    if (h->seq == 0)
        return px_err_set(PX_EFORMAT, "entry header field 'seq' is 0; feeds start at 1");
    if (f[4].type == MSGPACK_OBJECT_NIL) {
        h->has_prev = false;
        memset(h->prev, 0, 32);
    } else {
        rc = get_bin32(&f[4], h->prev, "prev");
        if (rc)
            return rc;
        h->has_prev = true;
    }
    if (h->has_prev != (h->seq > 1))
        return px_err_set(PX_EFORMAT,
                          "entry header field 'prev' must be nil exactly when seq is 1");
    rc = get_uint(&f[5], &h->timestamp_ms, "timestamp_ms");
    if (rc)
        return rc;
    if (f[6].type != MSGPACK_OBJECT_STR || f[6].via.str.size == 0 ||
        f[6].via.str.size > PX_KIND_MAX)
        return px_err_set(PX_EFORMAT, "entry header field 'kind' is not a string of 1-%d bytes",
                          PX_KIND_MAX);
    memcpy(h->kind, f[6].via.str.ptr, f[6].via.str.size);
    h->kind[f[6].via.str.size] = '\0';
    if (!px_kind_valid(h->kind))
        return px_err_set(PX_EFORMAT,
                          "entry header field 'kind' has characters outside [a-z0-9_-]");
    rc = get_uint(&f[7], &h->body_len, "body_len");
    if (rc)
        return rc;
    if (h->body_len > PX_BODY_MAX)
        return px_err_set(PX_ETOOBIG, "entry body_len %llu is over the limit of %d bytes",
                          (unsigned long long)h->body_len, PX_BODY_MAX);
    return get_bin32(&f[8], h->body_hash, "body_hash");
}

int px_entry_decode(px_entry *out, const uint8_t *header, size_t header_len, const uint8_t sig[64],
                    const uint8_t *body, size_t body_len)
{
    int rc = PX_OK;
    /* The header is at most PX_HEADER_MAX bytes, so what unpacking can
     * allocate is bounded by that before we start. */
    msgpack_zone zone;
    msgpack_object root;
    size_t off = 0;
    uint8_t again[PX_HEADER_MAX];
    uint8_t hcopy[PX_HEADER_MAX];
    uint8_t scopy[64];

    if (header_len == 0 || header_len > PX_HEADER_MAX)
        return px_err_set(PX_EFORMAT, "entry header is %zu bytes; it must be 1-%d", header_len,
                          PX_HEADER_MAX);
    /* The inputs may point into *out (re-decoding an entry in place). */
    memcpy(hcopy, header, header_len);
    memcpy(scopy, sig, 64);
    header = hcopy;
    sig = scopy;
    memset(out, 0, sizeof *out);
    /* msgpack-c sizes a container from its declared count before reading
     * it: 5 header bytes could ask for 96 GB. Check the framing first. */
    size_t used = 0;
    if (px_msgpack_check(header, header_len, 2, &used) != PX_OK || used != header_len)
        return px_err_set(PX_EFORMAT, "entry header is not exactly one msgpack value");
    if (!msgpack_zone_init(&zone, 2048))
        return PX_ENOMEM;
    msgpack_unpack_return ur = msgpack_unpack((const char *)header, header_len, &off, &zone, &root);
    if (ur != MSGPACK_UNPACK_SUCCESS || off != header_len) {
        rc = px_err_set(PX_EFORMAT, "entry header is not exactly one msgpack value");
        goto out;
    }
    rc = decode_fields(&out->h, &root);
    if (rc)
        goto out;
    if (px_header_encode(&out->h, again) != header_len || memcmp(again, header, header_len) != 0) {
        rc = px_err_set(PX_EFORMAT, "entry header is not in canonical msgpack form");
        goto out;
    }
    memcpy(out->header_bytes, header, header_len);
    out->header_len = header_len;
    memcpy(out->sig, sig, 64);
    compute_id(out);
    out->body = body;
    out->body_len = body ? body_len : 0;
out:
    msgpack_zone_destroy(&zone);
    return rc;
}

/* --- checks ------------------------------------------------------------ */

int px_entry_verify_sig(const px_entry *e)
{
    uint8_t msg[CONTEXT_LEN + PX_HEADER_MAX];
    size_t n = signed_message(e, msg);
    return px_sign_verify(e->sig, msg, n, e->h.author);
}

int px_entry_check_body(const px_entry *e)
{
    uint8_t hash[32];
    if (!e->body)
        return PX_OK;
    if (e->body_len > PX_BODY_MAX)
        return PX_ETOOBIG;
    if (e->body_len != e->h.body_len)
        return PX_EHASH;
    px_hash(hash, e->body, e->body_len);
    return memcmp(hash, e->h.body_hash, 32) == 0 ? PX_OK : PX_EHASH;
}
