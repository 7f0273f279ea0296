/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boxstream.h — box-stream framing of the Scuttlebutt Protocol Guide, one
 * direction at a time, as pure codecs: no I/O, no allocation in the decoder.
 *
 * After the secret handshake each side has an encoder (its enc key and
 * nonce) and a decoder (its dec key and nonce). A write of N bytes becomes
 * ceil(N / 4096) frames, each
 *
 *     header box (34) = secretbox(len:u16be || body_tag(16), nonce n)
 *     body   box (len) = secretbox(chunk, nonce n+1) without its 16-byte tag
 *
 * and the next frame starts at nonce n+2. Nonces are 24-byte big-endian
 * counters that wrap around. The stream ends with a goodbye: a header box
 * sealing 18 zero bytes. An empty write produces no frame.
 *
 * The decoder is incremental (fed arbitrary chunks, as short reads deliver
 * them) and decides on every header — authentic? length 1..4096? — before it
 * takes a single byte of the body. Its one buffer is the 4096-byte frame
 * inside the struct, so a peer cannot make it allocate anything.
 *
 * Both structs are plain (embeddable) with private fields and hold a key:
 * wipe them with the _clear functions. px_crypto_init() must have been
 * called first.
 */
#ifndef PX_BOXSTREAM_H
#define PX_BOXSTREAM_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_BOX_HEADER_BYTES = 34, /* a boxed header on the wire */
    PX_BOX_BODY_MAX = 4096,   /* most plaintext bytes in one frame */
    PX_BOX_FRAME_MAX = PX_BOX_HEADER_BYTES + PX_BOX_BODY_MAX,
};

/* Encoder for one direction. Private fields. */
typedef struct px_box_enc {
    uint8_t key[32];
    uint8_t nonce[24]; /* nonce of the next header */
    bool ended;        /* goodbye sent */
} px_box_enc;

/* Start an encoder with the session's enc key and starting nonce (copied). */
void px_box_enc_init(px_box_enc *e, const uint8_t key[32], const uint8_t nonce[24]);

/* Number of wire bytes px_box_enc_write() appends for a write of len bytes. */
size_t px_box_enc_size(size_t len);

/* Seal len bytes of data as frames of at most 4096 plaintext bytes and
 * append them to out. len == 0 appends nothing. data is only read during the
 * call and must not point into out (out may be reallocated). All-or-nothing:
 * returns PX_OK (px_box_enc_size(len) bytes appended), PX_ENOMEM (out and
 * the nonce unchanged) or PX_ECLOSED (goodbye already sent). */
int px_box_enc_write(px_box_enc *e, const void *data, size_t len, px_buf *out);

/* Seal head[0 .. head_len) followed by data[0 .. len) as one write into
 * out, which has room for px_box_enc_size(head_len + len) bytes — for a
 * caller that owns the buffer the bytes go out from (praxisd's write
 * requests), so a message is not copied into a framed buffer first.
 * head_len is at most PX_BOX_BODY_MAX (a length prefix); neither input may
 * overlap out. Returns PX_OK, PX_ECLOSED (goodbye already sent) or
 * PX_EINVAL (head_len too long); nothing is written on error. */
int px_box_enc_seal(px_box_enc *e, const void *head, size_t head_len, const void *data, size_t len,
                    uint8_t *out);

/* Append the goodbye (a 34-byte header box of 18 zero bytes) and end the
 * stream: later writes return PX_ECLOSED. Returns PX_OK, PX_ENOMEM (nothing
 * appended, not ended) or PX_ECLOSED (already ended). */
int px_box_enc_goodbye(px_box_enc *e, px_buf *out);

/* Wipe the key. NULL-safe. The encoder is then ended. */
void px_box_enc_clear(px_box_enc *e);

/* Decoder for one direction. Private fields. */
typedef struct px_box_dec {
    uint8_t key[32];
    uint8_t nonce[24]; /* nonce of the next header */
    int state;         /* see boxstream.c */
    int err;           /* sticky error, once failed */
    size_t have;       /* bytes of the current header or body collected */
    size_t body_len;   /* announced by the current header */
    uint8_t header[PX_BOX_HEADER_BYTES];
    uint8_t body_tag[16];
    uint8_t body[PX_BOX_BODY_MAX]; /* collected ciphertext, then plaintext */
} px_box_dec;

/* Start a decoder with the session's dec key and starting nonce (copied). */
void px_box_dec_init(px_box_dec *d, const uint8_t key[32], const uint8_t nonce[24]);

/* Feed bytes as they arrive. Consumes input until one frame is complete or
 * the input runs out. OUT: *used = bytes of in consumed (always set); on
 * PX_OK, *plain / *plain_len = the frame's plaintext (1..4096 bytes), which
 * points into *d and stays valid until the next call on d. Call again with
 * in + *used until all input is used.
 * Returns:
 *   PX_OK       a frame was decrypted (see *plain)
 *   PX_EAGAIN   all of in was consumed and no frame is complete yet
 *   PX_ECLOSED  the goodbye arrived: the peer ended the stream cleanly;
 *               bytes after it are not consumed (*used says where it ended)
 *   PX_ECRYPTO  a header or body does not authenticate (detail set)
 *   PX_EPROTO   a header announces 0 bytes (and is not the goodbye) or more
 *               than 4096, refused before any of the body is read (detail set)
 * PX_ECLOSED and the errors are sticky: later calls return them again and
 * consume nothing. */
int px_box_dec_feed(px_box_dec *d, const uint8_t *in, size_t len, size_t *used,
                    const uint8_t **plain, size_t *plain_len);

/* Wipe the key and buffers. NULL-safe. The decoder is then unusable. */
void px_box_dec_clear(px_box_dec *d);

#endif
