/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_wire.c — libFuzzer target for the message layer inside a box-stream:
 * the len32 reader (px_wire_reader_feed), the strict message parse
 * (px_wire_unpack), the msgpack framing pre-check (mpcheck.c) and msgpack ->
 * JSON (jsonmp.c), all on bytes a peer sends.
 *
 * Input layout:
 *   byte 0   bits 0-5 choose the chunk size the reader is fed in
 *            (fuzz_chunk: whole, 1..31, or 128..4096); bit 6 picks a
 *            4096-byte message limit instead of PX_WIRE_MAX
 *   rest     the plaintext stream
 *
 * Invariants checked: the reader consumes what it says and makes progress;
 * errors are sticky; px_wire_unpack accepts a message exactly when
 * px_msgpack_check finds one whole value nested at most 24 deep; a message
 * that converts to JSON converts back and forth to the same JSON; the
 * messages, framed again with px_wire_frame and read in one piece, come out
 * the same.
 */
#include "error.h"
#include "fuzz_fixtures.h"
#include "jsonmp.h"
#include "mpcheck.h"
#include "wire.h"

enum { WIRE_DEPTH = 24 }; /* wire.c's nesting limit */

static void check_message(const uint8_t *msg, size_t len)
{
    msgpack_unpacked up;
    size_t consumed = 0;
    json_t *j = NULL, *j2 = NULL;
    px_buf b = {0};

    msgpack_unpacked_init(&up);
    int urc = px_wire_unpack(msg, len, &up);
    FUZZ_ASSERT(urc == PX_OK || urc == PX_EFORMAT);
    msgpack_unpacked_destroy(&up);

    int crc = px_msgpack_check(msg, len, WIRE_DEPTH, &consumed);
    FUZZ_ASSERT(crc == PX_OK || crc == PX_EAGAIN || crc == PX_EFORMAT);
    bool whole = crc == PX_OK && consumed == len;
    if (crc == PX_OK)
        FUZZ_ASSERT(consumed >= 1 && consumed <= len);
    if (urc == PX_OK)
        FUZZ_ASSERT(whole);
    if (whole)
        FUZZ_ASSERT(urc == PX_OK);

    int jrc = px_msgpack_to_json(msg, len, &j);
    FUZZ_ASSERT(jrc == PX_OK || jrc == PX_EFORMAT);
    if (jrc != PX_OK) {
        FUZZ_ASSERT(j == NULL);
        return;
    }
    FUZZ_ASSERT(j != NULL);
    int rc = px_json_to_msgpack(j, &b);
    FUZZ_ASSERT(rc == PX_OK);
    if (rc == PX_OK) {
        rc = px_msgpack_to_json(b.data, b.len, &j2);
        FUZZ_ASSERT(rc == PX_OK);
        if (rc == PX_OK)
            FUZZ_ASSERT(json_equal(j, j2));
    }
    json_decref(j);
    json_decref(j2);
    px_buf_free(&b);
}

/* Read a stream in chunks of `chunk` bytes (0: all at once). Each message
 * is checked (if check) and framed again into out. Returns the reader's
 * final result: PX_EAGAIN (all input used) or its error. */
static int read_stream(const uint8_t *in, size_t n, size_t chunk, size_t limit, bool check,
                       px_buf *out)
{
    px_wire_reader r;
    const uint8_t *msg = NULL;
    size_t mlen = 0, used = 0;
    int rc = PX_EAGAIN;

    px_wire_reader_init(&r, limit);
    for (size_t pos = 0; pos < n;) {
        size_t step = chunk && chunk < n - pos ? chunk : n - pos;
        size_t off = 0;
        while (off < step) {
            rc = px_wire_reader_feed(&r, in + pos + off, step - off, &used, &msg, &mlen);
            FUZZ_ASSERT(used <= step - off);
            off += used;
            if (rc == PX_OK) {
                FUZZ_ASSERT(used > 0 && msg != NULL && mlen >= 1 && mlen <= limit);
                if (check)
                    check_message(msg, mlen);
                FUZZ_ASSERT(px_wire_frame(out, msg, mlen) == PX_OK);
                continue;
            }
            if (rc == PX_EAGAIN) {
                FUZZ_ASSERT(off == step && msg == NULL);
                continue;
            }
            FUZZ_ASSERT(rc == PX_ETOOBIG || rc == PX_EPROTO);
            /* Sticky: the same error again, nothing consumed. */
            int again = px_wire_reader_feed(&r, in, n, &used, &msg, &mlen);
            FUZZ_ASSERT(again == rc && used == 0 && msg == NULL);
            goto out;
        }
        pos += step;
    }
    rc = PX_EAGAIN; /* all input used */
out:
    px_wire_reader_free(&r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    px_buf framed = {0}, framed2 = {0};
    size_t consumed = 0;

    fuzz_setup();
    if (size < 1)
        return 0;
    size_t chunk = fuzz_chunk(data[0]);
    size_t limit = (data[0] & 0x40) ? 4096 : PX_WIRE_MAX;
    const uint8_t *in = data + 1;
    size_t n = size - 1;

    /* The pre-check on the raw stream, as if it were one value. */
    int rc = px_msgpack_check(in, n, 64, &consumed);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EAGAIN || rc == PX_EFORMAT);
    if (rc == PX_OK)
        FUZZ_ASSERT(consumed >= 1 && consumed <= n);

    rc = read_stream(in, n, chunk, limit, true, &framed);
    /* What was read, framed again and read at once, reads the same. */
    int rc2 = read_stream(framed.data, framed.len, 0, limit, false, &framed2);
    FUZZ_ASSERT(rc2 == PX_EAGAIN);
    FUZZ_ASSERT(framed2.len == framed.len &&
                (framed.len == 0 || memcmp(framed.data, framed2.data, framed.len) == 0));
    (void)rc;
    px_buf_free(&framed);
    px_buf_free(&framed2);
    return 0;
}
