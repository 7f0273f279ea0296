/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.h — one peer connection: TCP (libuv), then the Secret Handshake,
 * then box-stream carrying length-prefixed msgpack messages.
 *
 * The connection drives the pure state machines of shs.c, boxstream.c and
 * wire.c over a libuv TCP handle and hands whole messages to its owner
 * through callbacks. It knows nothing of what messages mean.
 *
 * Lifecycle: px_conn_dial() or px_conn_accept() creates it; on_ready fires
 * once the handshake is done (the peer's key is proven); on_message fires
 * per message; px_conn_close() (or any failure) ends it, and on_close fires
 * exactly once, after which the struct is freed. Memory is released only in
 * libuv's close callbacks. Bounded by construction: one 64 KiB read buffer,
 * one box-stream frame, one message of at most PX_WIRE_MAX bytes, and a
 * handshake timeout.
 */
#ifndef PX_CONN_H
#define PX_CONN_H

#include "shs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct px_conn px_conn;

typedef struct px_conn_cbs {
    /* Server side, after the client proved its key and before we answer:
     * return true to admit it. NULL admits everyone. */
    bool (*admit)(px_conn *c, const uint8_t peer_pk[32]);
    /* Handshake complete; px_conn_peer_pk() is valid. */
    void (*on_ready)(px_conn *c);
    /* One message (msgpack bytes of one value, unchecked). msg is valid only
     * during the call. The owner may call px_conn_send() or
     * px_conn_close() from here. */
    void (*on_message)(px_conn *c, const uint8_t *msg, size_t len);
    /* The write queue drained below the low-water mark after being above
     * the high-water mark (back-pressure release). May be NULL. */
    void (*on_drain)(px_conn *c);
    /* The connection is closed; rc says why (PX_OK for a clean close or a
     * peer's goodbye). The struct is freed right after this returns. */
    void (*on_close)(px_conn *c, int rc);
} px_conn_cbs;

typedef struct px_conn_cfg {
    uv_loop_t *loop;
    const uint8_t *network_key; /* 32 bytes, copied */
    const uint8_t *pk;          /* own long-term key pair, copied */
    const uint8_t *sk;
    px_conn_cbs cbs;
    void *owner; /* returned by px_conn_owner() */
    uint64_t handshake_timeout_ms;
    /* Randomness for the ephemeral key (injected for tests). NULL: the
     * system's. */
    void (*random)(uint8_t *out, size_t len);
} px_conn_cfg;

enum {
    PX_CONN_HIGH_WATER = 1024 * 1024, /* queued bytes above which senders pause */
    PX_CONN_LOW_WATER = 256 * 1024,
};

/* Dial addr and run the client handshake towards server_pk. The callback
 * contract starts once PX_OK is returned; on error nothing was created and
 * no callback fires. */
int px_conn_dial(const px_conn_cfg *cfg, const struct sockaddr *addr, const uint8_t server_pk[32],
                 px_conn **out);

/* Accept a pending connection on server and run the server handshake.
 * Same callback contract as px_conn_dial(). */
int px_conn_accept(const px_conn_cfg *cfg, uv_stream_t *server, px_conn **out);

/* Queue one message (len bytes of msgpack) for the peer. Only after
 * on_ready. The bytes are copied. PX_OK, PX_ECLOSED (closing or not ready),
 * PX_ETOOBIG or PX_ENOMEM. */
int px_conn_send(px_conn *c, const void *msg, size_t len);

/* Whether the write queue is above the high-water mark: the owner should
 * stop sending until on_drain. */
bool px_conn_congested(const px_conn *c);

/* Bytes queued for the peer and not yet handed to the kernel. */
size_t px_conn_queued(const px_conn *c);
/* Fire on_drain once, as soon as a write completes with fewer than below
 * bytes queued (for senders that keep the queue shorter than the
 * high-water mark: blob chunks). 0 cancels. */
void px_conn_watch_drain(px_conn *c, size_t below);

/* Stop / restart reading from the peer (receive-side back-pressure: the
 * owner cannot take more messages for now). Idempotent. */
void px_conn_pause(px_conn *c);
void px_conn_resume(px_conn *c);

/* Close: after the handshake a box-stream goodbye is sent first. rc is
 * passed to on_close. Idempotent. */
void px_conn_close(px_conn *c, int rc);

/* Accessors. */
void *px_conn_owner(const px_conn *c);
void px_conn_set_data(px_conn *c, void *data);
void *px_conn_data(const px_conn *c);
const uint8_t *px_conn_peer_pk(const px_conn *c); /* NULL before proven */
bool px_conn_is_outbound(const px_conn *c);
bool px_conn_is_ready(const px_conn *c);
const char *px_conn_addr(const px_conn *c); /* "host:port" of the peer */
/* Why it failed, one sentence ("" after a clean close); valid in on_close. */
const char *px_conn_why(const px_conn *c);
uint64_t px_conn_since_ms(const px_conn *c); /* wall-clock time of creation */
uint64_t px_conn_bytes_in(const px_conn *c);
uint64_t px_conn_bytes_out(const px_conn *c);

#endif
