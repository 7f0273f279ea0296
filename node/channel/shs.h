/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shs.h — the Secret Handshake v1 (SHS) of the Scuttlebutt Protocol Guide,
 * byte-compatible with the reference implementation (secret-handshake 1.1),
 * as a pure state machine: no I/O, no clock, no randomness of its own.
 *
 * A driver (the connection module) moves bytes between the state machine and
 * the socket. px_shs_next() says what comes next:
 *
 *     client                                        server
 *     produce msg1 (64)   -- client hello -------->  consume msg1
 *     consume msg2        <-- server hello --------  produce msg2 (64)
 *     produce msg3 (112)  -- client authenticate ->  consume msg3
 *                                                    DECIDE: px_shs_peer_pk() is
 *                                                    the client's long-term key;
 *                                                    px_shs_accept(), or hang up
 *     consume msg4        <-- server accept -------  produce msg4 (80)
 *     DONE                                           DONE
 *
 * When DONE, px_shs_session() hands out the two box-stream keys and nonces
 * (one per direction) and the peer's authenticated long-term key.
 *
 * Failures: consuming a message that does not verify returns PX_EHANDSHAKE,
 * records a detail sentence (px_err_detail()) saying which check failed, wipes
 * the secrets and leaves the machine in PX_SHS_FAILED for good. Calling a
 * function the current step does not allow (produce while a read is due,
 * wrong length) is a driver bug: PX_EINVAL, and the state does not change.
 *
 * The struct is plain so it can live inside a connection struct without
 * malloc; its fields are private. It holds copies of every key it is given,
 * so the caller's buffers need not outlive the init call. px_shs_clear()
 * wipes it; call it once the session keys have been taken (or on any exit).
 * px_crypto_init() must have been called first.
 */
#ifndef PX_SHS_H
#define PX_SHS_H

#include <stddef.h>
#include <stdint.h>

enum {
    PX_SHS_MSG1_BYTES = 64,  /* client hello: hmac(32) || client ephemeral pk(32) */
    PX_SHS_MSG2_BYTES = 64,  /* server hello: hmac(32) || server ephemeral pk(32) */
    PX_SHS_MSG3_BYTES = 112, /* client authenticate: secretbox(sig_A(64) || A(32)) */
    PX_SHS_MSG4_BYTES = 80,  /* server accept: secretbox(sig_B(64)) */
    PX_SHS_MSG_MAX = 112,    /* largest of the four: a buffer this big fits any */
    PX_SHS_KEY_BYTES = 32,
    PX_SHS_NONCE_BYTES = 24,
};

typedef enum px_shs_role {
    PX_SHS_CLIENT = 1, /* dials: sends msg1 and msg3 */
    PX_SHS_SERVER = 2, /* accepts: sends msg2 and msg4 */
} px_shs_role;

/* What the state machine waits for next (see px_shs_next()). */
typedef enum px_shs_step {
    PX_SHS_WRITE = 1, /* px_shs_produce() a message of the given size and send it */
    PX_SHS_READ,      /* read exactly the given size and px_shs_consume() it */
    PX_SHS_DECIDE,    /* server only: msg3 verified; px_shs_accept() or hang up */
    PX_SHS_DONE,      /* px_shs_session() is available */
    PX_SHS_FAILED,    /* the handshake failed (or was cleared): hang up */
} px_shs_step;

/* The outcome of a completed handshake, from one side's point of view. The
 * keys are secrets: wipe with px_memzero() when done. */
typedef struct px_shs_keys {
    uint8_t enc_key[32];   /* box-stream key for what this side sends */
    uint8_t enc_nonce[24]; /* starting nonce for what this side sends */
    uint8_t dec_key[32];   /* box-stream key for what this side receives */
    uint8_t dec_nonce[24]; /* starting nonce for what this side receives */
    uint8_t peer_pk[32];   /* the peer's long-term Ed25519 public key (proven) */
} px_shs_keys;

/* Handshake state. Private fields: use only through the functions below. */
typedef struct px_shs {
    int role; /* px_shs_role */
    int step; /* internal step, see shs.c */
    uint8_t net_key[32];
    uint8_t pk[32];           /* own long-term Ed25519 public key */
    uint8_t sk[64];           /* own long-term Ed25519 secret key */
    uint8_t eph_pk[32];       /* own ephemeral X25519 public key */
    uint8_t eph_sk[32];       /* own ephemeral X25519 secret key */
    uint8_t peer_pk[32];      /* peer long-term key (server learns it from msg3) */
    uint8_t peer_eph_pk[32];  /* peer ephemeral key, from its hello */
    uint8_t client_nonce[24]; /* first 24 bytes of the client hello hmac */
    uint8_t server_nonce[24]; /* first 24 bytes of the server hello hmac */
    uint8_t ab[32];           /* X25519(a, b) */
    uint8_t aB[32];           /* X25519(a, curve(B)) */
    uint8_t ab_hash[32];      /* sha256(ab), covered by both signatures */
    uint8_t sig_a[64];        /* the client's signature, covered by the server's */
    uint8_t msg4_key[32];     /* sha256(K || ab || aB || Ab) */
    px_shs_keys session;      /* filled when DONE */
} px_shs;

/* Start a client handshake.
 *   network_key  the SHS network key K (32 bytes)
 *   pk, sk       own long-term Ed25519 key pair (32 / 64 bytes, libsodium
 *                layout: sk = seed || pk); sk's public half must equal pk
 *   server_pk    long-term Ed25519 public key of the server being dialled
 *   eph_sk       32 random bytes, the ephemeral X25519 secret key (the caller
 *                supplies randomness; tests inject fixed values)
 * All inputs are copied. Returns PX_OK (next: WRITE msg1) or PX_EINVAL with a
 * detail (pk does not match sk, server_pk is not a usable Ed25519 key); on
 * error *s is left wiped and FAILED. */
int px_shs_client_init(px_shs *s, const uint8_t network_key[32], const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t server_pk[32], const uint8_t eph_sk[32]);

/* Start a server handshake: as px_shs_client_init() without a peer key (the
 * client's key arrives in msg3). Returns PX_OK (next: READ msg1) or
 * PX_EINVAL with a detail. */
int px_shs_server_init(px_shs *s, const uint8_t network_key[32], const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t eph_sk[32]);

/* What the driver must do next. OUT: *len (may be NULL) gets the size of the
 * message to produce or consume, 0 for DECIDE, DONE and FAILED. */
px_shs_step px_shs_next(const px_shs *s, size_t *len);

/* Write the next outgoing message into out, which has room for len bytes;
 * len must be the size px_shs_next() gave with PX_SHS_WRITE. Returns PX_OK
 * (out holds the message; send all of it), PX_EINVAL (not this side's turn
 * to write, or wrong len; nothing written, state unchanged) or, in theory
 * only, PX_EHANDSHAKE (a zero shared secret that the checks on the peer's
 * hello already exclude; the machine is then FAILED). */
int px_shs_produce(px_shs *s, uint8_t *out, size_t len);

/* Verify and absorb the next incoming message: in holds exactly len bytes,
 * the size px_shs_next() gave with PX_SHS_READ. in is only read during the
 * call. Returns PX_OK, PX_EHANDSHAKE (the message does not verify; the detail
 * says which check failed; the machine is now FAILED and wiped) or PX_EINVAL
 * (not this side's turn to read, or wrong len; state unchanged). */
int px_shs_consume(px_shs *s, const uint8_t *in, size_t len);

/* The peer's long-term Ed25519 public key (32 bytes), or NULL if it is not
 * known yet. A client knows it from the start (it dialled that key); a
 * server knows it once msg3 has been consumed (step DECIDE, then DONE) and
 * the client has proven it holds the secret key. The pointer is into *s and
 * valid until *s is cleared or re-initialised. */
const uint8_t *px_shs_peer_pk(const px_shs *s);

/* Server only, at step DECIDE: admit the client whose key px_shs_peer_pk()
 * gives, so that the next step is WRITE msg4. To refuse a client (not a
 * member), do not call this: px_shs_clear() and close the connection without
 * writing; the client sees the connection end before msg4, as with the
 * reference implementation. Returns PX_OK or PX_EINVAL (not at DECIDE). */
int px_shs_accept(px_shs *s);

/* At step DONE, copy the session keys and the peer's key into *out.
 * Returns PX_OK or PX_EINVAL (handshake not complete; *out zeroed). The
 * caller owns the copy and should wipe it once the box-streams are set up. */
int px_shs_session(const px_shs *s, px_shs_keys *out);

/* Wipe every secret and leave *s FAILED. NULL-safe; may be called in any
 * state and more than once. */
void px_shs_clear(px_shs *s);

#endif
