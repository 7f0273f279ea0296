/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boxstream.c — box-stream encoder and incremental decoder (see
 * boxstream.h).
 *
 * Layout: the big-endian nonce counter; the encoder (one frame at a time,
 * after reserving room for the whole write so a write is all-or-nothing);
 * the decoder, a two-state machine (collect a 34-byte header, then collect
 * the body it announces) driven by px_box_dec_feed().
 */
#include "boxstream.h"

#include "crypto.h"
#include "error.h"

#include <string.h>

/* Decoder states. A zeroed (or cleared) decoder is DEAD. */
enum { ST_DEAD = 0, ST_HEADER, ST_BODY, ST_ENDED, ST_FAILED };

static const uint8_t zero_header[18];

/* Add one to a 24-byte big-endian counter, wrapping ff..ff to 00..00.
 * (libsodium's sodium_increment is little-endian: not this.) */
static void nonce_inc(uint8_t n[24])
{
    for (int i = 23; i >= 0; i--) {
        n[i]++;
        if (n[i] != 0)
            break;
    }
}

/* --- encoder ------------------------------------------------------------ */

void px_box_enc_init(px_box_enc *e, const uint8_t key[32], const uint8_t nonce[24])
{
    memcpy(e->key, key, 32);
    memcpy(e->nonce, nonce, 24);
    e->ended = false;
}

size_t px_box_enc_size(size_t len)
{
    size_t frames = len / PX_BOX_BODY_MAX + (len % PX_BOX_BODY_MAX != 0);
    return frames * PX_BOX_HEADER_BYTES + len;
}

/* Seal one chunk (1..4096 bytes) into out[0 .. 34 + n). */
static void seal_frame(px_box_enc *e, uint8_t *out, const uint8_t *chunk, size_t n)
{
    uint8_t header[18];
    uint8_t body_nonce[24];

    memcpy(body_nonce, e->nonce, 24);
    nonce_inc(body_nonce);
    /* The body goes on the wire without its tag; the tag rides in the header. */
    px_secretbox_detached(out + PX_BOX_HEADER_BYTES, header + 2, chunk, n, body_nonce, e->key);
    header[0] = (uint8_t)(n >> 8);
    header[1] = (uint8_t)n;
    px_secretbox_easy(out, header, sizeof header, e->nonce, e->key);
    memcpy(e->nonce, body_nonce, 24);
    nonce_inc(e->nonce);
}

int px_box_enc_seal(px_box_enc *e, const void *head, size_t head_len, const void *data, size_t len,
                    uint8_t *out)
{
    const uint8_t *p = data;
    if (e->ended)
        return px_err_set(PX_ECLOSED, "box-stream: write after the goodbye");
    if (head_len > PX_BOX_BODY_MAX)
        return px_err_set(PX_EINVAL, "box-stream: a head of %zu bytes is longer than a frame",
                          head_len);
    if (head_len) { /* the first frame: the head and the data's start, staged */
        uint8_t first[PX_BOX_BODY_MAX];
        size_t take = len < PX_BOX_BODY_MAX - head_len ? len : PX_BOX_BODY_MAX - head_len;
        memcpy(first, head, head_len);
        if (take)
            memcpy(first + head_len, p, take);
        seal_frame(e, out, first, head_len + take);
        out += PX_BOX_HEADER_BYTES + head_len + take;
        p += take;
        len -= take;
    }
    while (len > 0) { /* the rest sealed in place */
        size_t n = len < PX_BOX_BODY_MAX ? len : PX_BOX_BODY_MAX;
        seal_frame(e, out, p, n);
        out += PX_BOX_HEADER_BYTES + n;
        p += n;
        len -= n;
    }
    return PX_OK;
}

int px_box_enc_write(px_box_enc *e, const void *data, size_t len, px_buf *out)
{
    if (e->ended)
        return px_err_set(PX_ECLOSED, "box-stream: write after the goodbye");
    if (len == 0)
        return PX_OK;
    if (len > SIZE_MAX - len / PX_BOX_BODY_MAX * PX_BOX_HEADER_BYTES - PX_BOX_HEADER_BYTES)
        return PX_ENOMEM;
    int rc = px_buf_reserve(out, px_box_enc_size(len));
    if (rc)
        return rc;
    px_box_enc_seal(e, NULL, 0, data, len, out->data + out->len);
    out->len += px_box_enc_size(len);
    return PX_OK;
}

int px_box_enc_goodbye(px_box_enc *e, px_buf *out)
{
    int rc = PX_OK;
    if (e->ended)
        return px_err_set(PX_ECLOSED, "box-stream: goodbye sent twice");
    rc = px_buf_reserve(out, PX_BOX_HEADER_BYTES);
    if (rc)
        return rc;
    px_secretbox_easy(out->data + out->len, zero_header, sizeof zero_header, e->nonce, e->key);
    out->len += PX_BOX_HEADER_BYTES;
    nonce_inc(e->nonce);
    e->ended = true;
    return PX_OK;
}

void px_box_enc_clear(px_box_enc *e)
{
    if (!e)
        return;
    px_memzero(e, sizeof *e);
    e->ended = true;
}

/* --- decoder ------------------------------------------------------------ */

void px_box_dec_init(px_box_dec *d, const uint8_t key[32], const uint8_t nonce[24])
{
    memset(d, 0, sizeof *d);
    memcpy(d->key, key, 32);
    memcpy(d->nonce, nonce, 24);
    d->state = ST_HEADER;
}

/* Record a sticky failure: wipe the key and the buffers, keep rc. */
static int dec_fail(px_box_dec *d, int rc)
{
    px_memzero(d->key, sizeof d->key);
    px_memzero(d->body, sizeof d->body);
    d->state = ST_FAILED;
    d->err = rc;
    return rc;
}

/* A complete boxed header is in d->header: open it and decide. */
static int open_header(px_box_dec *d)
{
    uint8_t plain[18];
    int rc = PX_OK;

    if (px_secretbox_open_easy(plain, d->header, PX_BOX_HEADER_BYTES, d->nonce, d->key) != PX_OK) {
        rc = px_err_set(PX_ECRYPTO, "box-stream header does not authenticate (wrong key or "
                                    "nonce, or bytes were lost or altered)");
        return dec_fail(d, rc);
    }
    nonce_inc(d->nonce);
    if (px_memeq(plain, zero_header, sizeof plain)) {
        d->state = ST_ENDED;
        px_memzero(d->key, sizeof d->key);
        return PX_ECLOSED;
    }
    d->body_len = (size_t)plain[0] << 8 | plain[1];
    if (d->body_len == 0 || d->body_len > PX_BOX_BODY_MAX) {
        rc = px_err_set(PX_EPROTO,
                        "box-stream header announces a %zu-byte body; a body has 1 "
                        "to %d bytes",
                        d->body_len, PX_BOX_BODY_MAX);
        return dec_fail(d, rc);
    }
    memcpy(d->body_tag, plain + 2, 16);
    d->state = ST_BODY;
    d->have = 0;
    return PX_OK;
}

/* The body is complete at src (d->body, or straight from the input): open it
 * into d->body. */
static int open_body(px_box_dec *d, const uint8_t *src)
{
    int rc = px_secretbox_open_detached(d->body, src, d->body_tag, d->body_len, d->nonce, d->key);
    if (rc != PX_OK) {
        rc = px_err_set(PX_ECRYPTO, "box-stream body does not authenticate (bytes were altered)");
        return dec_fail(d, rc);
    }
    nonce_inc(d->nonce);
    d->state = ST_HEADER;
    d->have = 0;
    return PX_OK;
}

int px_box_dec_feed(px_box_dec *d, const uint8_t *in, size_t len, size_t *used,
                    const uint8_t **plain, size_t *plain_len)
{
    size_t pos = 0;
    int rc = PX_OK;

    *plain = NULL;
    *plain_len = 0;
    for (;;) {
        if (d->state == ST_ENDED) {
            rc = PX_ECLOSED;
            goto out;
        }
        if (d->state == ST_FAILED) {
            rc = d->err;
            goto out;
        }
        if (d->state == ST_DEAD) {
            rc = px_err_set(PX_EINVAL, "box-stream decoder used before init or after clear");
            goto out;
        }
        if (pos == len) {
            rc = PX_EAGAIN;
            goto out;
        }
        if (d->state == ST_HEADER) {
            size_t n = PX_BOX_HEADER_BYTES - d->have;
            if (n > len - pos)
                n = len - pos;
            memcpy(d->header + d->have, in + pos, n);
            d->have += n;
            pos += n;
            if (d->have < PX_BOX_HEADER_BYTES)
                continue;
            rc = open_header(d);
            if (rc)
                goto out;
        } else {
            size_t n = d->body_len - d->have;
            if (d->have == 0 && len - pos >= d->body_len) {
                /* The whole body is in the input: open it from there. */
                rc = open_body(d, in + pos);
                pos += d->body_len;
            } else {
                if (n > len - pos)
                    n = len - pos;
                memcpy(d->body + d->have, in + pos, n);
                d->have += n;
                pos += n;
                if (d->have < d->body_len)
                    continue;
                rc = open_body(d, d->body);
            }
            if (rc)
                goto out;
            *plain = d->body;
            *plain_len = d->body_len;
            goto out;
        }
    }
out:
    *used = pos;
    return rc;
}

void px_box_dec_clear(px_box_dec *d)
{
    if (!d)
        return;
    px_memzero(d, sizeof *d);
    d->state = ST_DEAD;
}
