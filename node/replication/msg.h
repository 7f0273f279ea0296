/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg.h — the codec of the messages peers exchange after the handshake
 * (schema/PROTOCOL.md, "Messages", "Replication" and "Blobs"): hello,
 * clock, have, entries, want_bodies, bodies, prune, graft, and the blob
 * transfer messages blob_want, blob_have, blob_get, blob_chunk. One place
 * that turns bytes into checked structures and back; the replication core
 * (with its blob transfer machine, blobxfer.h) and the ingester (storage
 * side) use it. Pure: no I/O, no clock.
 *
 * Decoding treats every byte as hostile: the bytes are checked to be one
 * complete msgpack value within its limits before anything is allocated
 * (wire.h's px_wire_unpack), every field's type and every count is checked
 * against the protocol's limits, and what was decoded points into the
 * caller's bytes (which must outlive the px_msg).
 */
#ifndef PX_MSG_H
#define PX_MSG_H

#include "util.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_MSG_ENTRIES_MAX = 256,    /* items in one `entries` message */
    PX_MSG_IDS_MAX = 64,         /* ids in `want_bodies`, items in `bodies` */
    PX_MSG_FEEDS_MAX = 8192,     /* feeds in one `clock` or `have` message */
    PX_MSG_SOFTWARE_MAX = 63,    /* bytes of hello's software kept */
    PX_MSG_BLOB_GET_MAX = 32,    /* chunk indices in one blob_get */
    PX_MSG_BLOB_HAVE_MAX = 8192, /* bytes of a blob_have bitmap */
};

/* A blob_have's manifest, at most: fits in one wire message (~26,000
 * chunks). Its contents are checked by whoever uses it (blob.h). */
#define PX_MSG_BLOB_MANIFEST_MAX (900 * 1024)

typedef enum px_msg_type {
    PX_MSG_UNKNOWN = 0, /* a well-formed message of a type this node does not know: ignored */
    PX_MSG_HELLO,
    PX_MSG_CLOCK,
    PX_MSG_HAVE,
    PX_MSG_ENTRIES,
    PX_MSG_WANT_BODIES,
    PX_MSG_BODIES,
    PX_MSG_PRUNE,      /* epidemic broadcast tree: stop pushing new entries to me eagerly */
    PX_MSG_GRAFT,      /* ... push them again; feeds: what I hold of the feeds I lack */
    PX_MSG_BLOB_WANT,  /* blob_want  {id, hops} */
    PX_MSG_BLOB_HAVE,  /* blob_have  {id, manifest?, have?} */
    PX_MSG_BLOB_GET,   /* blob_get   {id, chunks} */
    PX_MSG_BLOB_CHUNK, /* blob_chunk {id, index, data?} */
} px_msg_type;

/* Whether type is one of the blob messages. */
bool px_msg_is_blob(px_msg_type type);

/* A blob message (type one of PX_MSG_BLOB_*); pointers go into the bytes
 * decoded (or, to encode, into the caller's). */
typedef struct px_msg_blob {
    px_msg_type type;
    uint8_t id[32];
    uint32_t hops;           /* want: 0 or 1 */
    const uint8_t *manifest; /* have: NULL when not held */
    size_t manifest_len;
    const uint8_t *have; /* have: bitmap, chunk i is bit i%8 of byte i/8; NULL: holds nothing */
    size_t have_len;
    uint32_t chunks[PX_MSG_BLOB_GET_MAX]; /* get */
    size_t n_chunks;
    uint32_t index;      /* chunk */
    const uint8_t *data; /* chunk: NULL if the sender lacks it */
    size_t data_len;
} px_msg_blob;

/* One feed position of a clock or have (author points into the bytes). */
typedef struct px_msg_feed {
    const uint8_t *author; /* 32 bytes */
    uint64_t seq;
} px_msg_feed;

/* One entry of an `entries` message, as sent: [header, sig, body|nil]. */
typedef struct px_msg_item {
    const uint8_t *header;
    size_t header_len;
    const uint8_t *sig;  /* 64 bytes */
    const uint8_t *body; /* NULL when nil (has_body false) */
    size_t body_len;
    bool has_body;
} px_msg_item;

/* One item of a `bodies` message: [id, body]. */
typedef struct px_msg_body {
    const uint8_t *id; /* 32 bytes */
    const uint8_t *body;
    size_t len;
} px_msg_body;

typedef struct px_msg {
    px_msg_type type;
    char type_name[32]; /* as sent (for logs; truncated) */
    /* hello */
    uint64_t version;
    const uint8_t *network_id;              /* 32 bytes */
    char software[PX_MSG_SOFTWARE_MAX + 1]; /* control characters replaced by '?' */
    /* clock, have, graft */
    px_msg_feed *feeds;
    size_t n_feeds;
    /* entries */
    px_msg_item *items;
    size_t n_items;
    /* want_bodies */
    const uint8_t **ids; /* each 32 bytes */
    size_t n_ids;
    /* bodies */
    px_msg_body *bodies;
    size_t n_bodies;
    /* blob_* */
    px_msg_blob blob;
    msgpack_unpacked u; /* internal */
} px_msg;

/* Decode one message (the msgpack value inside a frame). OUT *m, released
 * by px_msg_free() whatever the result. PX_OK (type PX_MSG_UNKNOWN for a
 * well-formed map with a type string of another name), PX_EFORMAT (not
 * one well-formed msgpack value), PX_EPROTO (no type, or a known type
 * whose fields are wrong: the error detail names what), PX_ETOOBIG (more
 * items than the protocol allows), PX_ENOMEM. Blob messages: ids of 32
 * bytes, hops <= 1, a manifest of 8..PX_MSG_BLOB_MANIFEST_MAX bytes with
 * a bitmap, a bitmap of at most PX_MSG_BLOB_HAVE_MAX bytes, 1..
 * PX_MSG_BLOB_GET_MAX chunk indices, chunk data of 1..65536 bytes. */
int px_msg_decode(const uint8_t *bytes, size_t len, px_msg *m);
void px_msg_free(px_msg *m);

/* Encoders append one whole message to out. PX_OK or PX_ENOMEM. */
int px_msg_encode_hello(px_buf *out, uint64_t version, const char *software,
                        const uint8_t network_id[32]);
/* type: PX_MSG_CLOCK, PX_MSG_HAVE or PX_MSG_GRAFT; at most PX_MSG_FEEDS_MAX feeds. */
int px_msg_encode_feeds(px_buf *out, px_msg_type type, const px_msg_feed *feeds, size_t n);
/* items: count archive items already encoded ([header, sig, body|nil]). */
int px_msg_encode_entries(px_buf *out, const uint8_t *items, size_t len, size_t count);
/* {type: "prune"}. */
int px_msg_encode_prune(px_buf *out);
int px_msg_encode_want(px_buf *out, const uint8_t (*ids)[32], size_t n);
/* items: count [id, body] pairs already encoded (px_msg_put_body()). */
int px_msg_encode_bodies(px_buf *out, const uint8_t *items, size_t len, size_t count);
/* Append one [id, body] pair for px_msg_encode_bodies(). */
int px_msg_put_body(px_buf *items, const uint8_t id[32], const uint8_t *body, size_t len);
/* The canonical encoding of a blob message (b->type one of PX_MSG_BLOB_*):
 * PX_OK, PX_EINVAL (another type), PX_ENOMEM (out left as it was). */
int px_msg_encode_blob(px_buf *out, const px_msg_blob *b);
/* A blob_chunk answering a request: data NULL when the chunk is not held. */
int px_msg_encode_blob_chunk(px_buf *out, const uint8_t id[32], uint32_t index, const uint8_t *data,
                             size_t len);

#endif
