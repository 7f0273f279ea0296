/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_boxstream.c — libFuzzer target for the box-stream decoder
 * (px_box_dec_feed in boxstream.c): the first thing that reads a peer's
 * bytes after the handshake.
 *
 * Input layout:
 *   byte 0   bit 0: mode; bit 1: start the nonce counter one step before it
 *            wraps; bits 2-7: chunk size the decoder is fed in (fuzz_chunk)
 *   mode 0 (raw): the rest is the stream, decoded with the fixed key.
 *   mode 1 (valid prefix): the stream is made by px_box_enc_write (with a
 *            key no input holds frames of), so the fuzzer gets past
 *            authentication:
 *     bytes 1-2  plaintext length L (big-endian; cut to what the input has)
 *     byte 3     bit 0: end with a goodbye; bit 1: two writes instead of one
 *     byte 4     where the second write starts (byte 4 * L / 256)
 *     bytes 5-6  position P of one mutated stream byte; byte 7 its XOR mask
 *     then       L plaintext bytes, then bytes appended after the frames
 *
 * Invariants (mode 1): the decoder yields a prefix of the plaintext, never
 * anything else; with no mutation inside the frames it yields all of it,
 * stops exactly at a goodbye, and a mutated frame always fails to
 * authenticate. Both modes: consumption is as reported, errors and the
 * goodbye are sticky.
 */
#include "boxstream.h"
#include "error.h"
#include "fuzz_fixtures.h"

typedef struct decoded {
    px_buf plain;    /* everything the decoder yielded, in order */
    size_t consumed; /* stream bytes consumed before it stopped */
    int rc;          /* PX_EAGAIN (all input used), PX_ECLOSED or the error */
} decoded;

static void decode(const uint8_t *in, size_t n, size_t chunk, int which, int near_wrap,
                   decoded *out)
{
    px_box_dec d;
    uint8_t key[32], nonce[24];
    const uint8_t *plain = NULL;
    size_t plen = 0, used = 0;
    int rc = PX_EAGAIN;

    fuzz_box_key(key, nonce, which, near_wrap);
    px_box_dec_init(&d, key, nonce);
    memset(out, 0, sizeof *out);
    for (size_t pos = 0; pos < n;) {
        size_t step = chunk && chunk < n - pos ? chunk : n - pos;
        size_t off = 0;
        while (off < step) {
            rc = px_box_dec_feed(&d, in + pos + off, step - off, &used, &plain, &plen);
            FUZZ_ASSERT(used <= step - off);
            off += used;
            if (rc == PX_OK) {
                FUZZ_ASSERT(used > 0 && plain != NULL && plen >= 1 && plen <= PX_BOX_BODY_MAX);
                FUZZ_ASSERT(px_buf_append(&out->plain, plain, plen) == PX_OK);
                continue;
            }
            if (rc == PX_EAGAIN) {
                FUZZ_ASSERT(off == step && plain == NULL && plen == 0);
                continue;
            }
            FUZZ_ASSERT(rc == PX_ECLOSED || rc == PX_ECRYPTO || rc == PX_EPROTO);
            FUZZ_ASSERT(plain == NULL);
            out->consumed = pos + off;
            /* Sticky: the same result again, nothing consumed. */
            int again = px_box_dec_feed(&d, in, n, &used, &plain, &plen);
            FUZZ_ASSERT(again == rc && used == 0 && plain == NULL);
            goto out;
        }
        pos += step;
    }
    rc = PX_EAGAIN;
    out->consumed = n;
out:
    out->rc = rc;
    px_box_dec_clear(&d);
}

static void valid_prefix(const uint8_t *data, size_t size, size_t chunk, int near_wrap)
{
    px_box_enc e;
    px_buf stream = {0};
    uint8_t key[32], nonce[24];
    decoded got;

    if (size < 8)
        return;
    size_t L = (size_t)data[1] << 8 | data[2];
    int goodbye = data[3] & 1, split_write = data[3] & 2;
    size_t split = split_write ? (size_t)data[4] * L / 256 : L;
    size_t P = (size_t)data[5] << 8 | data[6];
    uint8_t X = data[7];
    data += 8;
    size -= 8;
    if (L > size) {
        L = size;
        if (split > L)
            split = L;
    }
    const uint8_t *plain = data;
    const uint8_t *trailing = data + L;
    size_t trailing_len = size - L;

    fuzz_box_key(key, nonce, FUZZ_BOX_SEALED, near_wrap);
    px_box_enc_init(&e, key, nonce);
    FUZZ_ASSERT(px_box_enc_write(&e, plain, split, &stream) == PX_OK);
    FUZZ_ASSERT(px_box_enc_write(&e, plain + split, L - split, &stream) == PX_OK);
    FUZZ_ASSERT(stream.len == px_box_enc_size(split) + px_box_enc_size(L - split));
    if (goodbye) {
        FUZZ_ASSERT(px_box_enc_goodbye(&e, &stream) == PX_OK);
        FUZZ_ASSERT(px_box_enc_write(&e, plain, L, &stream) == PX_ECLOSED);
        FUZZ_ASSERT(px_box_enc_goodbye(&e, &stream) == PX_ECLOSED);
    }
    px_box_enc_clear(&e);
    size_t frames_len = stream.len;
    FUZZ_ASSERT(px_buf_append(&stream, trailing, trailing_len) == PX_OK);
    bool mutated = X != 0 && P < stream.len;
    if (mutated)
        stream.data[P] ^= X;

    decode(stream.data, stream.len, chunk, FUZZ_BOX_SEALED, near_wrap, &got);
    FUZZ_ASSERT(got.plain.len <= L);
    FUZZ_ASSERT(got.plain.len == 0 || memcmp(got.plain.data, plain, got.plain.len) == 0);
    if (mutated && P < frames_len) {
        FUZZ_ASSERT(got.rc == PX_ECRYPTO);
    } else {
        FUZZ_ASSERT(got.plain.len == L);
        if (goodbye)
            FUZZ_ASSERT(got.rc == PX_ECLOSED && got.consumed == frames_len);
        else if (trailing_len == 0)
            FUZZ_ASSERT(got.rc == PX_EAGAIN);
    }
    px_buf_free(&got.plain);
    px_buf_free(&stream);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decoded got;

    fuzz_setup();
    if (size < 1)
        return 0;
    int mode = data[0] & 1;
    int near_wrap = (data[0] >> 1) & 1;
    size_t chunk = fuzz_chunk(data[0] >> 2);
    if (mode == 0) {
        decode(data + 1, size - 1, chunk, FUZZ_BOX_RAW, near_wrap, &got);
        FUZZ_ASSERT(got.consumed <= size - 1);
        px_buf_free(&got.plain);
    } else {
        valid_prefix(data, size, chunk, near_wrap);
    }
    return 0;
}
