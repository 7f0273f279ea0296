/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_boxstream.c — box-stream framing against the shared vectors (every
 * frame's nonces, header_plain, header_box and body_box, the goodbye and the
 * whole wire, for both directions of every set, and the nonce-carry vector),
 * decoding with every chunking down to one byte at a time, and the frames a
 * decoder must refuse: forged or reordered headers, bodies over 4096 bytes or
 * of 0 bytes, altered bodies.
 */
#include "boxstream.h"
#include "check.h"
#include "crypto.h"
#include "error.h"
#include "util.h"
#include "vectors.h"

#include <stdlib.h>
#include <string.h>

static json_t *vectors;

/* The test's own big-endian increment: an oracle for the vectors' nonces. */
static void inc_be(uint8_t n[24])
{
    for (int i = 23; i >= 0; i--) {
        n[i] = (uint8_t)(n[i] + 1);
        if (n[i] != 0)
            return;
    }
}

/* The plaintexts of a vector direction, decoded. */
typedef struct texts {
    size_t count;
    uint8_t *p[4];
    size_t len[4];
} texts;

static void load_texts(const json_t *arr, texts *t)
{
    memset(t, 0, sizeof *t);
    CHECK(json_array_size(arr) <= 4);
    for (size_t i = 0; i < json_array_size(arr) && i < 4; i++) {
        const char *hex = json_string_value(json_array_get(arr, i));
        size_t n = hex ? strlen(hex) / 2 : 0;
        t->p[i] = malloc(n + 1);
        CHECK(hex != NULL && t->p[i] != NULL);
        if (hex && t->p[i])
            CHECK_RC(px_hex_decode(t->p[i], n, hex), PX_OK);
        t->len[i] = n;
        t->count++;
    }
}

static void free_texts(texts *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->p[i]);
}

/* Decode a whole wire feeding `chunk` bytes at a time; expect the frames'
 * plaintexts, in order, to concatenate to `want`, then the goodbye exactly
 * at the end. */
static void decode_wire(const uint8_t key[32], const uint8_t nonce[24], const uint8_t *wire,
                        size_t wire_len, const uint8_t *want, size_t want_len, size_t chunk,
                        size_t frames_want)
{
    px_box_dec *d = malloc(sizeof *d);
    px_buf got = {0};
    size_t pos = 0, frames = 0;
    int rc = PX_EAGAIN;

    CHECK(d != NULL);
    if (!d)
        return;
    px_box_dec_init(d, key, nonce);
    while (pos < wire_len && rc != PX_ECLOSED) {
        size_t n = wire_len - pos < chunk ? wire_len - pos : chunk;
        size_t off = 0;
        while (off < n) {
            size_t used = 0, plen = 0;
            const uint8_t *plain = NULL;
            rc = px_box_dec_feed(d, wire + pos + off, n - off, &used, &plain, &plen);
            off += used;
            if (rc == PX_OK) {
                frames++;
                CHECK(plen >= 1 && plen <= PX_BOX_BODY_MAX);
                CHECK_RC(px_buf_append(&got, plain, plen), PX_OK);
                continue;
            }
            if (rc != PX_EAGAIN)
                break;
        }
        if (rc != PX_OK && rc != PX_EAGAIN && rc != PX_ECLOSED) {
            CHECK_RC(rc, PX_OK);
            break;
        }
        pos += off;
    }
    CHECK_RC(rc, PX_ECLOSED);
    CHECK(pos == wire_len);
    CHECK(frames == frames_want);
    CHECK(got.len == want_len && memcmp(got.data, want, want_len) == 0);
    /* sticky end */
    {
        size_t used = 1, plen = 1;
        const uint8_t *plain = NULL;
        CHECK_RC(px_box_dec_feed(d, wire, 1, &used, &plain, &plen), PX_ECLOSED);
        CHECK(used == 0 && plen == 0 && plain == NULL);
    }
    px_box_dec_clear(d);
    free(d);
    px_buf_free(&got);
}

/* One direction of a set (or the nonce-carry vector): every field. */
static void check_direction(const json_t *dir, const texts *t, const char *label)
{
    uint8_t key[32], nonce[24], expect_nonce[24];
    px_box_enc e;
    px_buf all = {0}, expect = {0}, plain_all = {0};
    const json_t *messages = vec_get(dir, "messages");
    size_t nframes = 0;

    fprintf(stderr, "     %s\n", label);
    vec_hex(dir, "key", key, 32);
    vec_hex(dir, "nonce", nonce, 24);
    memcpy(expect_nonce, nonce, 24);
    px_box_enc_init(&e, key, nonce);
    CHECK(json_array_size(messages) == t->count);

    for (size_t m = 0; m < json_array_size(messages); m++) {
        const json_t *msg = json_array_get(messages, m);
        const json_t *frames = vec_get(msg, "frames");
        size_t idx = (size_t)json_integer_value(json_object_get(msg, "plaintext_index"));
        px_buf one = {0}, one_expect = {0};

        CHECK(idx == m && idx < t->count);
        if (idx >= t->count)
            break;
        const uint8_t *pt = t->p[idx];
        size_t pt_len = t->len[idx];
        CHECK(json_array_size(frames) == (pt_len + PX_BOX_BODY_MAX - 1) / PX_BOX_BODY_MAX);

        for (size_t f = 0; f < json_array_size(frames); f++) {
            const json_t *fr = json_array_get(frames, f);
            size_t off = (size_t)json_integer_value(json_object_get(fr, "plaintext_offset"));
            size_t blen = (size_t)json_integer_value(json_object_get(fr, "body_len"));
            uint8_t hn[24], bn[24], hp[18], hb[34], opened[18], tag[16];
            size_t bb_len = 0;
            uint8_t *bb = vec_hex_alloc(fr, "body_box", &bb_len);
            uint8_t *c = malloc(blen + 1);

            nframes++;
            CHECK(off == f * PX_BOX_BODY_MAX);
            CHECK(blen == (pt_len - off < PX_BOX_BODY_MAX ? pt_len - off : PX_BOX_BODY_MAX));
            CHECK(bb_len == blen);
            vec_hex(fr, "header_nonce", hn, 24);
            vec_hex(fr, "body_nonce", bn, 24);
            vec_hex(fr, "header_plain", hp, 18);
            vec_hex(fr, "header_box", hb, 34);
            /* nonce chain: header n, body n+1, next header n+2 */
            CHECK_MEM(hn, expect_nonce, 24);
            inc_be(expect_nonce);
            CHECK_MEM(bn, expect_nonce, 24);
            inc_be(expect_nonce);
            /* header_plain = len_be16 || body tag; header_box seals it */
            CHECK(hp[0] == (uint8_t)(blen >> 8) && hp[1] == (uint8_t)blen);
            CHECK_RC(px_secretbox_open_easy(opened, hb, 34, hn, key), PX_OK);
            CHECK_MEM(opened, hp, 18);
            /* body_box = secretbox(chunk, body nonce) without its tag */
            CHECK(c != NULL && off + blen <= pt_len);
            if (c && off + blen <= pt_len && bb_len == blen) {
                px_secretbox_detached(c, tag, pt + off, blen, bn, key);
                CHECK_MEM(c, bb, blen);
                CHECK_MEM(tag, hp + 2, 16);
            }
            CHECK_RC(px_buf_append(&one_expect, hb, 34), PX_OK);
            CHECK_RC(px_buf_append(&one_expect, bb, bb_len), PX_OK);
            free(c);
            free(bb);
        }
        /* the encoder turns this write into exactly these frames */
        CHECK_RC(px_box_enc_write(&e, pt, pt_len, &one), PX_OK);
        CHECK(one.len == px_box_enc_size(pt_len));
        CHECK(one.len == one_expect.len && memcmp(one.data, one_expect.data, one.len) == 0);
        CHECK_RC(px_buf_append(&all, one.data, one.len), PX_OK);
        CHECK_RC(px_buf_append(&expect, one_expect.data, one_expect.len), PX_OK);
        CHECK_RC(px_buf_append(&plain_all, pt, pt_len), PX_OK);
        px_buf_free(&one);
        px_buf_free(&one_expect);
    }

    /* goodbye */
    {
        const json_t *gb = vec_get(dir, "goodbye");
        uint8_t gn[24], gp[18], gbox[34], opened[18];
        static const uint8_t zeros[18];
        size_t before = all.len;
        vec_hex(gb, "nonce", gn, 24);
        vec_hex(gb, "header_plain", gp, 18);
        vec_hex(gb, "header_box", gbox, 34);
        CHECK_MEM(gn, expect_nonce, 24);
        CHECK_MEM(gp, zeros, 18);
        CHECK_RC(px_secretbox_open_easy(opened, gbox, 34, gn, key), PX_OK);
        CHECK_MEM(opened, zeros, 18);
        CHECK_RC(px_box_enc_goodbye(&e, &all), PX_OK);
        CHECK(all.len == before + 34 && memcmp(all.data + before, gbox, 34) == 0);
        CHECK_RC(px_buf_append(&expect, gbox, 34), PX_OK);
        CHECK_RC(px_box_enc_goodbye(&e, &all), PX_ECLOSED);
        CHECK_RC(px_box_enc_write(&e, "x", 1, &all), PX_ECLOSED);
        CHECK(all.len == before + 34);
    }

    /* the whole wire */
    {
        size_t wire_len = 0;
        uint8_t *wire = vec_hex_alloc(dir, "wire", &wire_len);
        CHECK(wire_len == all.len && memcmp(wire, all.data, wire_len) == 0);
        CHECK(wire_len == expect.len && memcmp(wire, expect.data, wire_len) == 0);
        static const size_t chunks[] = {1, 2, 3, 33, 34, 35, 4129, 4130, 100000};
        for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
            decode_wire(key, nonce, wire, wire_len, plain_all.data, plain_all.len, chunks[i],
                        nframes);
        free(wire);
    }

    px_box_enc_clear(&e);
    px_buf_free(&all);
    px_buf_free(&expect);
    px_buf_free(&plain_all);
}

static void test_vectors(void)
{
    const json_t *sets = vec_get(vectors, "sets");
    CHECK(json_array_size(sets) == 3);
    for (size_t i = 0; i < json_array_size(sets); i++) {
        const json_t *s = json_array_get(sets, i);
        const json_t *bs = vec_get(s, "boxstream");
        texts t;
        char label[128];
        load_texts(vec_get(s, "plaintexts"), &t);

        /* the plaintexts are what VECTORS.md says */
        CHECK(t.count == 3);
        if (t.count == 3) {
            CHECK(t.len[0] == 5 && memcmp(t.p[0], "hello", 5) == 0);
            CHECK(t.len[1] == 4096 && t.len[2] == 5000);
            int ok = 1;
            for (size_t j = 0; j < t.len[1]; j++)
                ok &= t.p[1][j] == (uint8_t)(j & 255);
            for (size_t j = 0; j < t.len[2]; j++)
                ok &= t.p[2][j] == (uint8_t)((31 * j + 7) & 255);
            CHECK(ok);
        }
        snprintf(label, sizeof label, "set %zu client_to_server", i);
        check_direction(vec_get(bs, "client_to_server"), &t, label);
        snprintf(label, sizeof label, "set %zu server_to_client", i);
        check_direction(vec_get(bs, "server_to_client"), &t, label);
        free_texts(&t);
    }
}

static void test_nonce_carry(void)
{
    const json_t *v = vec_get(vectors, "boxstream_nonce_carry");
    texts t;
    uint8_t nonce[24], gn[24];
    static const uint8_t two[24] = {[23] = 2};

    vec_hex(v, "nonce", nonce, 24);
    CHECK(nonce[0] == 0xff && nonce[23] == 0xfe);
    /* after two frames (4 nonces) from ff..fe the counter has wrapped to 00..02 */
    vec_hex(vec_get(v, "goodbye"), "nonce", gn, 24);
    CHECK_MEM(gn, two, 24);
    load_texts(vec_get(v, "plaintexts"), &t);
    CHECK(t.count == 2);
    check_direction(v, &t, "boxstream_nonce_carry");
    free_texts(&t);
}

/* --- refusals --------------------------------------------------------------- */

static const uint8_t tkey[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const uint8_t tnonce[24] = {0xaa, [20] = 0xff, 0xff, 0xff, 0xfe};

static void feed_all(px_box_dec *d, const uint8_t *in, size_t len, int *rc, size_t *used)
{
    const uint8_t *plain = NULL;
    size_t plen = 0;
    *rc = px_box_dec_feed(d, in, len, used, &plain, &plen);
}

/* A header that authenticates but announces `blen` bytes. */
static void forge_header(uint8_t out[34], unsigned blen, const uint8_t nonce[24])
{
    uint8_t hp[18];
    memset(hp, 0x5a, sizeof hp);
    hp[0] = (uint8_t)(blen >> 8);
    hp[1] = (uint8_t)blen;
    px_secretbox_easy(out, hp, 18, nonce, tkey);
}

static void test_refusals(void)
{
    px_box_dec *d = malloc(sizeof *d);
    px_box_enc e;
    px_buf w = {0};
    uint8_t big[34 + 5000];
    int rc = PX_OK;
    size_t used = 0;

    CHECK(d != NULL);
    if (!d)
        return;
    memset(big, 0, sizeof big);

    /* a header claiming 4097 bytes: refused from the header alone */
    forge_header(big, 4097, tnonce);
    px_box_dec_init(d, tkey, tnonce);
    feed_all(d, big, 34, &rc, &used); /* only the header has arrived */
    CHECK_RC(rc, PX_EPROTO);
    CHECK(used == 34);
    CHECK(strstr(px_err_detail(), "4097") != NULL);
    feed_all(d, big + 34, 10, &rc, &used); /* sticky, consumes nothing */
    CHECK_RC(rc, PX_EPROTO);
    CHECK(used == 0);
    /* 65535 too, with a body present behind it */
    forge_header(big, 65535, tnonce);
    px_box_dec_init(d, tkey, tnonce);
    feed_all(d, big, sizeof big, &rc, &used);
    CHECK_RC(rc, PX_EPROTO);
    CHECK(used == 34);

    /* length 0 with a non-zero tag is not a goodbye */
    forge_header(big, 0, tnonce);
    px_box_dec_init(d, tkey, tnonce);
    feed_all(d, big, 34, &rc, &used);
    CHECK_RC(rc, PX_EPROTO);

    /* exactly 4096 is fine (and the counter carries across the byte) */
    px_box_enc_init(&e, tkey, tnonce);
    CHECK_RC(px_box_enc_write(&e, big + 34, 4096, &w), PX_OK);
    CHECK(w.len == 34 + 4096);
    px_box_dec_init(d, tkey, tnonce);
    {
        const uint8_t *plain = NULL;
        size_t plen = 0;
        CHECK_RC(px_box_dec_feed(d, w.data, w.len, &used, &plain, &plen), PX_OK);
        CHECK(plen == 4096 && used == w.len);
    }

    /* an altered body byte, an altered header byte, the wrong key */
    for (int which = 0; which < 3; which++) {
        px_buf_reset(&w);
        px_box_enc_init(&e, tkey, tnonce);
        CHECK_RC(px_box_enc_write(&e, "attack at dawn", 14, &w), PX_OK);
        uint8_t key[32];
        memcpy(key, tkey, 32);
        if (which == 0)
            w.data[34 + 3] ^= 0x20;
        else if (which == 1)
            w.data[20] ^= 0x01;
        else
            key[0] ^= 1;
        px_box_dec_init(d, key, tnonce);
        for (size_t i = 0; i < w.len; i++) { /* one byte at a time */
            feed_all(d, w.data + i, 1, &rc, &used);
            if (rc != PX_EAGAIN)
                break;
        }
        CHECK_RC(rc, PX_ECRYPTO);
        CHECK(strstr(px_err_detail(), which == 0 ? "body" : "header") != NULL);
    }

    /* frames out of order (a replayed or reordered frame) */
    px_buf_reset(&w);
    px_box_enc_init(&e, tkey, tnonce);
    CHECK_RC(px_box_enc_write(&e, "one", 3, &w), PX_OK);
    CHECK_RC(px_box_enc_write(&e, "two", 3, &w), PX_OK);
    px_box_dec_init(d, tkey, tnonce);
    feed_all(d, w.data + 37, 37, &rc, &used);
    CHECK_RC(rc, PX_ECRYPTO);
    px_box_dec_init(d, tkey, tnonce);
    {
        const uint8_t *plain = NULL;
        size_t plen = 0;
        CHECK_RC(px_box_dec_feed(d, w.data, 37, &used, &plain, &plen), PX_OK);
        CHECK(plen == 3 && memcmp(plain, "one", 3) == 0);
        CHECK_RC(px_box_dec_feed(d, w.data, 37, &used, &plain, &plen), PX_ECRYPTO); /* replay */
    }

    /* an empty write makes no frame; the goodbye stops at its own end */
    px_buf_reset(&w);
    px_box_enc_init(&e, tkey, tnonce);
    CHECK_RC(px_box_enc_write(&e, "", 0, &w), PX_OK);
    CHECK(w.len == 0);
    CHECK(px_box_enc_size(0) == 0 && px_box_enc_size(1) == 35 && px_box_enc_size(4096) == 4130);
    CHECK(px_box_enc_size(4097) == 2 * 34 + 4097);
    CHECK_RC(px_box_enc_goodbye(&e, &w), PX_OK);
    CHECK_RC(px_buf_append(&w, "trailing", 8), PX_OK);
    px_box_dec_init(d, tkey, tnonce);
    feed_all(d, w.data, w.len, &rc, &used);
    CHECK_RC(rc, PX_ECLOSED);
    CHECK(used == 34);
    /* a truncated goodbye is just "more needed" */
    px_box_dec_init(d, tkey, tnonce);
    feed_all(d, w.data, 33, &rc, &used);
    CHECK_RC(rc, PX_EAGAIN);
    CHECK(used == 33);

    /* a cleared decoder refuses to work */
    px_box_dec_clear(d);
    feed_all(d, w.data, 1, &rc, &used);
    CHECK_RC(rc, PX_EINVAL);
    px_box_dec_clear(NULL);
    px_box_enc_clear(&e);
    CHECK_RC(px_box_enc_write(&e, "x", 1, &w), PX_ECLOSED);
    px_box_enc_clear(NULL);

    px_buf_free(&w);
    free(d);
}

/* px_box_enc_seal of a head and a message gives the very bytes of
 * px_box_enc_write of their concatenation, for messages that end inside
 * the first frame, exactly at a frame's end, and frames later; and once
 * the goodbye is sent it writes nothing. */
static void test_seal_head_and_data(void)
{
    static uint8_t msg[3 * 4096 + 7];
    const size_t lens[] = {1, 4092, 4093, 4096, 8188, sizeof msg};
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    const uint8_t head[4] = {0, 1, 2, 3};
    for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        size_t len = lens[t];
        px_box_enc e1, e2;
        px_buf joined = {0}, want = {0};
        CHECK_RC(px_buf_append(&joined, head, sizeof head), PX_OK);
        CHECK_RC(px_buf_append(&joined, msg, len), PX_OK);
        px_box_enc_init(&e1, tkey, tnonce);
        CHECK_RC(px_box_enc_write(&e1, joined.data, joined.len, &want), PX_OK);
        uint8_t *got = malloc(px_box_enc_size(sizeof head + len));
        CHECK(got != NULL);
        px_box_enc_init(&e2, tkey, tnonce);
        CHECK_RC(px_box_enc_seal(&e2, head, sizeof head, msg, len, got), PX_OK);
        CHECK(want.len == px_box_enc_size(sizeof head + len));
        CHECK(memcmp(got, want.data, want.len) == 0);
        CHECK(memcmp(e1.nonce, e2.nonce, 24) == 0); /* the stream goes on alike */
        px_buf_reset(&want);
        CHECK_RC(px_box_enc_goodbye(&e2, &want), PX_OK);
        uint8_t before[35]; /* the first frame of the smallest message */
        memcpy(before, got, sizeof before);
        CHECK_RC(px_box_enc_seal(&e2, head, sizeof head, msg, len, got), PX_ECLOSED);
        CHECK(memcmp(got, before, sizeof before) == 0); /* nothing written */
        free(got);
        px_buf_free(&joined);
        px_buf_free(&want);
    }
    /* a head longer than one frame is refused, not sealed past its frame */
    px_box_enc e;
    px_box_enc_init(&e, tkey, tnonce);
    uint8_t nonce_was[24];
    memcpy(nonce_was, e.nonce, 24);
    uint8_t *room = malloc(px_box_enc_size(PX_BOX_BODY_MAX + 1));
    CHECK(room != NULL);
    CHECK_RC(px_box_enc_seal(&e, msg, PX_BOX_BODY_MAX + 1, NULL, 0, room), PX_EINVAL);
    CHECK(memcmp(e.nonce, nonce_was, 24) == 0);
    free(room);
}

int main(void)
{
    if (px_crypto_init() != PX_OK) {
        fprintf(stderr, "FATAL: libsodium init failed\n");
        return 1;
    }
    vectors = vectors_load();
    RUN(test_vectors);
    RUN(test_nonce_carry);
    RUN(test_refusals);
    RUN(test_seal_head_and_data);
    json_decref(vectors);
    return check_summary();
}
