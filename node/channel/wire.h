/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wire.h — the application framing inside a box-stream: every message is a
 * 4-byte big-endian length followed by that many bytes holding exactly one
 * msgpack value (schema/PROTOCOL.md, "Message framing").
 *
 * The reader is incremental: feed it plaintext as the box-stream decoder
 * yields it, in any chunking, and it hands back whole messages. A declared
 * length above the reader's limit is refused from the 4 length bytes alone,
 * before anything is allocated. The reader does not look inside messages;
 * px_wire_unpack() parses one, strictly, for whoever knows what it means.
 */
#ifndef PX_WIRE_H
#define PX_WIRE_H

#include "util.h"

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_WIRE_LEN_BYTES = 4,
    PX_WIRE_MAX = 1024 * 1024, /* protocol limit on one message's msgpack bytes */
};

/* Incremental message reader. Zero-initialise or px_wire_reader_init();
 * release with px_wire_reader_free(). Private fields. */
typedef struct px_wire_reader {
    size_t limit;         /* largest message accepted */
    int state;            /* see wire.c */
    int err;              /* sticky error, once failed */
    uint8_t len_bytes[4]; /* the length prefix being collected */
    size_t have;          /* bytes of the prefix or of the message collected */
    size_t need;          /* declared message length */
    px_buf msg;           /* the message being collected (reused) */
} px_wire_reader;

/* Start a reader that accepts messages of 1..limit bytes (use PX_WIRE_MAX
 * unless the caller knows better; limit is capped at UINT32_MAX). */
void px_wire_reader_init(px_wire_reader *r, size_t limit);

/* Feed plaintext bytes. Consumes input until one message is complete or the
 * input runs out. OUT: *used = bytes of in consumed (always set); on PX_OK,
 * *msg / *msg_len = the message's msgpack bytes (without the length
 * prefix), owned by r and valid until the next call on r. Call again with
 * in + *used until all input is used.
 * Returns:
 *   PX_OK       a whole message is in *msg
 *   PX_EAGAIN   all input consumed, no message complete yet
 *   PX_ETOOBIG  a length prefix declares more than the limit (detail set;
 *               nothing was allocated for it)
 *   PX_EPROTO   a length prefix declares 0 bytes (detail set)
 *   PX_ENOMEM   no memory for a message within the limit
 * Errors are sticky: later calls return them again and consume nothing. */
int px_wire_reader_feed(px_wire_reader *r, const uint8_t *in, size_t len, size_t *used,
                        const uint8_t **msg, size_t *msg_len);

/* Release the reader's buffer. NULL-safe; the reader can be re-initialised. */
void px_wire_reader_free(px_wire_reader *r);

/* Append one framed message (length prefix + msg) to out. msg holds len
 * bytes of one msgpack value (e.g. a msgpack_sbuffer's data/size); it is
 * only read, and must not point into out. Returns PX_OK, PX_EINVAL (len is
 * 0), PX_ETOOBIG (len above PX_WIRE_MAX) or PX_ENOMEM; out is unchanged on
 * error. */
int px_wire_frame(px_buf *out, const void *msg, size_t len);

/* The length prefix px_wire_frame() puts before a message of len bytes,
 * for a caller that writes the message after it itself. Returns PX_OK,
 * PX_EINVAL (len is 0) or PX_ETOOBIG (len above PX_WIRE_MAX). */
int px_wire_prefix(uint8_t out[PX_WIRE_LEN_BYTES], size_t len);

/* Parse a message into *result, requiring exactly one msgpack value that
 * spans all len bytes. Before handing the bytes to msgpack-c it checks that
 * no array or map declares more elements than the bytes left could hold, so
 * a few bytes cannot make the parser allocate gigabytes. result must have
 * been msgpack_unpacked_init()ed; the caller destroys it
 * (msgpack_unpacked_destroy()) in every case. The objects in it own copies
 * of nothing: strings and bins point into msg, which must outlive them.
 * Returns PX_OK, PX_EFORMAT (not exactly one well-formed value; detail set)
 * or PX_ENOMEM. */
int px_wire_unpack(const uint8_t *msg, size_t len, msgpack_unpacked *result);

#endif
