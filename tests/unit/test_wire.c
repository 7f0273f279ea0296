/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wire.c — len32 + msgpack message framing: the shared len32_example,
 * incremental reading in every chunking, the size limit decided from the
 * length prefix alone, strict one-value parsing (and its refusal of counts
 * that would make msgpack-c allocate far more than the message), and the
 * whole stack — messages framed, box-streamed, fed back one byte at a time.
 */
#include "boxstream.h"
#include "check.h"
#include "crypto.h"
#include "error.h"
#include "util.h"
#include "vectors.h"
#include "wire.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

static json_t *vectors;

/* Read every message out of buf, `chunk` bytes at a time; append each
 * message (re-framed) to out so the caller can compare with the input. */
static int read_all(px_wire_reader *r, const uint8_t *buf, size_t len, size_t chunk, px_buf *out,
                    size_t *count)
{
    int rc = PX_EAGAIN;
    *count = 0;
    for (size_t pos = 0; pos < len;) {
        size_t n = len - pos < chunk ? len - pos : chunk;
        size_t off = 0;
        while (off < n) {
            size_t used = 0, mlen = 0;
            const uint8_t *msg = NULL;
            rc = px_wire_reader_feed(r, buf + pos + off, n - off, &used, &msg, &mlen);
            off += used;
            if (rc == PX_EAGAIN)
                break;
            if (rc != PX_OK)
                return rc;
            (*count)++;
            CHECK_RC(px_wire_frame(out, msg, mlen), PX_OK);
        }
        pos += n;
    }
    return rc;
}

static void test_len32_example(void)
{
    const json_t *ex = vec_get(vectors, "len32_example");
    const json_t *js = vec_get(ex, "json");
    size_t mp_len = 0, fr_len = 0;
    uint8_t *mp = vec_hex_alloc(ex, "msgpack", &mp_len);
    uint8_t *framed = vec_hex_alloc(ex, "framed", &fr_len);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    px_buf out = {0}, again = {0};
    px_wire_reader r;
    size_t count = 0;

    /* pack the JSON object, keys in document order, with msgpack-c */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, json_object_size(js));
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)js, key, val)
    {
        const char *sv = json_string_value(val);
        CHECK(sv != NULL);
        msgpack_pack_str_with_body(&pk, key, strlen(key));
        msgpack_pack_str_with_body(&pk, sv ? sv : "", sv ? strlen(sv) : 0);
    }
    CHECK(sb.size == mp_len && memcmp(sb.data, mp, mp_len) == 0);

    CHECK_RC(px_wire_frame(&out, mp, mp_len), PX_OK);
    CHECK(out.len == fr_len && memcmp(out.data, framed, fr_len) == 0);

    /* read back, one byte at a time and all at once */
    for (size_t chunk = 1; chunk <= fr_len; chunk += fr_len - 1) {
        px_wire_reader_init(&r, PX_WIRE_MAX);
        px_buf_reset(&again);
        CHECK_RC(read_all(&r, framed, fr_len, chunk, &again, &count), PX_OK);
        CHECK(count == 1);
        CHECK(again.len == fr_len && memcmp(again.data, framed, fr_len) == 0);
        px_wire_reader_free(&r);
    }

    /* and it parses as the object */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    CHECK_RC(px_wire_unpack(mp, mp_len, &u), PX_OK);
    CHECK(u.data.type == MSGPACK_OBJECT_MAP && u.data.via.map.size == 2);
    if (u.data.type == MSGPACK_OBJECT_MAP && u.data.via.map.size == 2) {
        msgpack_object_kv *kv = u.data.via.map.ptr;
        CHECK(kv[0].key.type == MSGPACK_OBJECT_STR && kv[0].key.via.str.size == 4 &&
              memcmp(kv[0].key.via.str.ptr, "type", 4) == 0);
        CHECK(kv[0].val.type == MSGPACK_OBJECT_STR && kv[0].val.via.str.size == 5 &&
              memcmp(kv[0].val.via.str.ptr, "hello", 5) == 0);
    }
    msgpack_unpacked_destroy(&u);

    msgpack_sbuffer_destroy(&sb);
    px_buf_free(&out);
    px_buf_free(&again);
    free(mp);
    free(framed);
}

/* Several messages of assorted sizes back to back, any chunking. */
static void test_stream(void)
{
    px_buf in = {0}, out = {0};
    px_wire_reader r;
    size_t count = 0;
    static uint8_t big[70000];

    /* msgpack bin values of assorted sizes: c4/c5/c6 headers */
    const size_t sizes[] = {1, 200, 255, 256, 65535, 65536, 3};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        for (size_t j = 0; j < sizes[i]; j++)
            big[j] = (uint8_t)(i + j);
        msgpack_pack_bin_with_body(&pk, big, sizes[i]);
        CHECK_RC(px_wire_frame(&in, sb.data, sb.size), PX_OK);
        msgpack_sbuffer_destroy(&sb);
    }
    const size_t chunks[] = {1, 2, 3, 4, 5, 7, 4096, 65541, 1 << 20};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        px_wire_reader_init(&r, PX_WIRE_MAX);
        px_buf_reset(&out);
        CHECK_RC(read_all(&r, in.data, in.len, chunks[c], &out, &count), PX_OK);
        CHECK(count == sizeof sizes / sizeof sizes[0]);
        CHECK(out.len == in.len && memcmp(out.data, in.data, in.len) == 0);
        px_wire_reader_free(&r);
    }
    /* a partial message is "more needed" */
    px_wire_reader_init(&r, PX_WIRE_MAX);
    CHECK_RC(read_all(&r, in.data, 6, 6, &out, &count), PX_EAGAIN);
    CHECK(count == 0);
    px_wire_reader_free(&r);
    px_wire_reader_free(NULL);
    px_buf_free(&in);
    px_buf_free(&out);
}

static void test_limits(void)
{
    px_wire_reader r;
    size_t used = 0, mlen = 0;
    const uint8_t *msg = NULL;
    uint8_t b[8] = {0, 0, 0x01, 0x01, 0xc0};

    /* limit + 1 is refused from the 4 length bytes alone, nothing allocated */
    px_wire_reader_init(&r, 256);
    CHECK_RC(px_wire_reader_feed(&r, b, 4, &used, &msg, &mlen), PX_ETOOBIG);
    CHECK(used == 4 && msg == NULL);
    CHECK(r.msg.data == NULL);
    CHECK(strstr(px_err_detail(), "257") != NULL);
    CHECK_RC(px_wire_reader_feed(&r, b + 4, 1, &used, &msg, &mlen), PX_ETOOBIG); /* sticky */
    CHECK(used == 0);
    px_wire_reader_free(&r);

    /* 4 GiB - 1 declared: refused likewise */
    uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
    px_wire_reader_init(&r, PX_WIRE_MAX);
    for (int i = 0; i < 3; i++)
        CHECK_RC(px_wire_reader_feed(&r, huge + i, 1, &used, &msg, &mlen), PX_EAGAIN);
    CHECK_RC(px_wire_reader_feed(&r, huge + 3, 1, &used, &msg, &mlen), PX_ETOOBIG);
    CHECK(r.msg.data == NULL);
    px_wire_reader_free(&r);

    /* PX_WIRE_MAX + 1 with the default limit */
    uint8_t over[4] = {0x00, 0x10, 0x00, 0x01};
    px_wire_reader_init(&r, PX_WIRE_MAX);
    CHECK_RC(px_wire_reader_feed(&r, over, 4, &used, &msg, &mlen), PX_ETOOBIG);
    px_wire_reader_free(&r);

    /* exactly the limit is accepted */
    px_buf in = {0};
    uint8_t *body = calloc(1, 256);
    CHECK(body != NULL);
    if (body) {
        body[0] = 0xc5; /* bin16 of 253 bytes = 256 bytes in all */
        body[1] = 0;
        body[2] = 253;
        CHECK_RC(px_wire_frame(&in, body, 256), PX_OK);
        px_wire_reader_init(&r, 256);
        CHECK_RC(px_wire_reader_feed(&r, in.data, in.len, &used, &msg, &mlen), PX_OK);
        CHECK(mlen == 256 && used == in.len);
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        CHECK_RC(px_wire_unpack(msg, mlen, &u), PX_OK);
        CHECK(u.data.type == MSGPACK_OBJECT_BIN && u.data.via.bin.size == 253);
        msgpack_unpacked_destroy(&u);
        px_wire_reader_free(&r);
    }
    free(body);
    px_buf_free(&in);

    /* a zero length is not a message */
    uint8_t zero[4] = {0};
    px_wire_reader_init(&r, PX_WIRE_MAX);
    CHECK_RC(px_wire_reader_feed(&r, zero, 4, &used, &msg, &mlen), PX_EPROTO);
    px_wire_reader_free(&r);

    /* the writer's limits */
    px_buf w = {0};
    CHECK_RC(px_wire_frame(&w, "", 0), PX_EINVAL);
    CHECK_RC(px_wire_frame(&w, NULL, (size_t)PX_WIRE_MAX + 1), PX_ETOOBIG);
    CHECK(w.len == 0);
    px_buf_free(&w);
}

static int unpack_rc(const uint8_t *p, size_t n)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    int rc = px_wire_unpack(p, n, &u);
    msgpack_unpacked_destroy(&u);
    return rc;
}

static void test_unpack(void)
{
    /* every type msgpack-c can write parses */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 20);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_false(&pk);
    msgpack_pack_int(&pk, -1);
    msgpack_pack_int64(&pk, -5000000000LL);
    msgpack_pack_uint8(&pk, 200);
    msgpack_pack_uint16(&pk, 60000);
    msgpack_pack_uint32(&pk, 4000000000u);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_int8(&pk, -100);
    msgpack_pack_int16(&pk, -30000);
    msgpack_pack_float(&pk, 1.5f);
    msgpack_pack_double(&pk, 2.25);
    msgpack_pack_str_with_body(&pk, "abc", 3);
    msgpack_pack_bin_with_body(&pk, "\x01\x02", 2);
    msgpack_pack_ext_with_body(&pk, "x", 1, 7);
    msgpack_pack_ext_with_body(&pk, "0123456789abcdefg", 17, 8);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "k", 1);
    msgpack_pack_array(&pk, 0);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_str_with_body(&pk, "a string that is longer than thirty-one bytes", 45);
    CHECK_RC(unpack_rc((const uint8_t *)sb.data, sb.size), PX_OK);

    /* trailing bytes, truncation */
    msgpack_sbuffer_write(&sb, "\xc0", 1);
    CHECK_RC(unpack_rc((const uint8_t *)sb.data, sb.size), PX_EFORMAT);
    CHECK_RC(unpack_rc((const uint8_t *)sb.data, sb.size - 2), PX_EFORMAT);
    CHECK_RC(unpack_rc((const uint8_t *)sb.data, 0), PX_EFORMAT);
    msgpack_sbuffer_destroy(&sb);

    /* the never-used type byte */
    CHECK_RC(unpack_rc((const uint8_t *)"\xc1", 1), PX_EFORMAT);
    /* two values */
    CHECK_RC(unpack_rc((const uint8_t *)"\x01\x02", 2), PX_EFORMAT);
    /* a 5-byte array claiming 4 294 967 295 elements: refused before
     * msgpack-c would size 100 GB of objects for it */
    CHECK_RC(unpack_rc((const uint8_t *)"\xdd\xff\xff\xff\xff", 5), PX_EFORMAT);
    CHECK(strstr(px_err_detail(), "4294967295") != NULL);
    /* a map claiming 65535 pairs in 7 bytes */
    CHECK_RC(unpack_rc((const uint8_t *)"\xde\xff\xff\x01\x02\x03\x04", 7), PX_EFORMAT);
    /* nested claims that only add up to too many: [[x 3] in 3 bytes] */
    CHECK_RC(unpack_rc((const uint8_t *)"\x92\x93\x01\x01", 4), PX_EFORMAT);
    CHECK_RC(unpack_rc((const uint8_t *)"\x92\x92\x01\x01\x01", 5), PX_OK);
    /* a str claiming more bytes than follow */
    CHECK_RC(unpack_rc((const uint8_t *)"\xd9\x10\x61\x62\x63", 5), PX_EFORMAT);

    /* nesting: 24 levels pass, 25 do not */
    uint8_t deep[64];
    for (int levels = 24; levels <= 25; levels++) {
        memset(deep, 0x91, (size_t)levels); /* fixarray of 1 */
        deep[levels] = 0x01;
        CHECK_RC(unpack_rc(deep, (size_t)levels + 1), levels <= 24 ? PX_OK : PX_EFORMAT);
    }
}

/* The whole stack: msgpack messages -> len32 framing -> box-stream (written
 * in odd-sized pieces) -> decoded one byte at a time -> len32 reader. */
static void test_over_boxstream(void)
{
    static const uint8_t key[32] = {9, 9, 9};
    static const uint8_t nonce[24] = {1, 2, 3};
    px_buf framed = {0}, wire = {0}, back = {0};
    px_box_enc e;
    px_box_dec *d = malloc(sizeof *d);
    px_wire_reader r;
    size_t count = 0, msgs = 0;
    static uint8_t blob[9000];

    CHECK(d != NULL);
    if (!d)
        return;
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i ^ (i >> 8));
    for (size_t i = 0; i < 12; i++) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 2);
        msgpack_pack_str_with_body(&pk, "seq", 3);
        msgpack_pack_uint64(&pk, i);
        msgpack_pack_str_with_body(&pk, "body", 4);
        msgpack_pack_bin_with_body(&pk, blob, (i * 811) % sizeof blob);
        CHECK_RC(px_wire_frame(&framed, sb.data, sb.size), PX_OK);
        msgpack_sbuffer_destroy(&sb);
        msgs++;
    }
    /* box-stream writes that do not line up with messages */
    px_box_enc_init(&e, key, nonce);
    for (size_t pos = 0, step = 1; pos < framed.len; step = step * 3 + 1) {
        size_t n = framed.len - pos < step % 7000 + 1 ? framed.len - pos : step % 7000 + 1;
        CHECK_RC(px_box_enc_write(&e, framed.data + pos, n, &wire), PX_OK);
        pos += n;
    }
    CHECK_RC(px_box_enc_goodbye(&e, &wire), PX_OK);

    px_box_dec_init(d, key, nonce);
    px_wire_reader_init(&r, PX_WIRE_MAX);
    int rc = PX_EAGAIN;
    for (size_t i = 0; i < wire.len && rc != PX_ECLOSED; i++) {
        size_t used = 0, plen = 0, n = 0;
        const uint8_t *plain = NULL;
        rc = px_box_dec_feed(d, wire.data + i, 1, &used, &plain, &plen);
        CHECK(used == 1);
        if (rc == PX_OK) {
            int rr = read_all(&r, plain, plen, plen, &back, &n);
            CHECK(rr == PX_OK || rr == PX_EAGAIN);
            count += n;
        } else if (rc != PX_EAGAIN && rc != PX_ECLOSED) {
            CHECK_RC(rc, PX_OK);
            break;
        }
    }
    CHECK_RC(rc, PX_ECLOSED);
    CHECK(count == msgs);
    CHECK(back.len == framed.len && memcmp(back.data, framed.data, framed.len) == 0);

    px_wire_reader_free(&r);
    px_box_dec_clear(d);
    px_box_enc_clear(&e);
    free(d);
    px_buf_free(&framed);
    px_buf_free(&wire);
    px_buf_free(&back);
}

int main(void)
{
    if (px_crypto_init() != PX_OK) {
        fprintf(stderr, "FATAL: libsodium init failed\n");
        return 1;
    }
    vectors = vectors_load();
    RUN(test_len32_example);
    RUN(test_stream);
    RUN(test_limits);
    RUN(test_unpack);
    RUN(test_over_boxstream);
    json_decref(vectors);
    return check_summary();
}
