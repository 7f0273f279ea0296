/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msg.h — the codec of the messages peers exchange after the handshake
 * (schema/PROTOCOL.md, "Messages" and "Replication"): hello, clock, have,
 * entries, want_bodies, bodies. One place that turns bytes into checked
 * structures and back; the replication core and the ingester (storage
 * side) both use it. Pure: no I/O, no clock.
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
    PX_MSG_ENTRIES_MAX = 256, /* items in one `entries` message */
    PX_MSG_IDS_MAX = 64,      /* ids in `want_bodies`, items in `bodies` */
    PX_MSG_FEEDS_MAX = 8192,  /* feeds in one `clock` or `have` message */
    PX_MSG_SOFTWARE_MAX = 63, /* bytes of hello's software kept */
};

typedef enum px_msg_type {
    PX_MSG_UNKNOWN = 0, /* a well-formed message of a type this node does not know: ignored */
    PX_MSG_HELLO,
    PX_MSG_CLOCK,
    PX_MSG_HAVE,
    PX_MSG_ENTRIES,
    PX_MSG_WANT_BODIES,
    PX_MSG_BODIES,
    PX_MSG_PRUNE, /* epidemic broadcast tree: stop pushing new entries to me eagerly */
    PX_MSG_GRAFT, /* ... push them again; feeds: what I hold of the feeds I lack */
} px_msg_type;

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
    msgpack_unpacked u; /* internal */
} px_msg;

/* Decode one message (the msgpack value inside a frame). OUT *m, released
 * by px_msg_free() whatever the result. PX_OK (type PX_MSG_UNKNOWN for a
 * well-formed map with a type string of another name), PX_EFORMAT (not
 * one well-formed msgpack value), PX_EPROTO (no type, or a known type
 * whose fields are wrong: the error detail names what), PX_ETOOBIG (more
 * items than the protocol allows), PX_ENOMEM. */
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

#endif
