/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shs.c — Secret Handshake v1 state machine (see shs.h).
 *
 * Layout: the internal steps and their sizes; small helpers (hashing of
 * concatenations, failing with a detail); the four message builders and the
 * four message checkers, in protocol order; session derivation; the public
 * functions, which dispatch on the step.
 *
 * Notation as in the Scuttlebutt Protocol Guide: K network key; A, B client
 * and server long-term Ed25519 keys; a, b client and server ephemeral X25519
 * keys; ab = X25519(a, b), aB = X25519(a, curve(B)), Ab = X25519(curve(A), b).
 *
 *   msg1 = hmac_K(a_pub) || a_pub
 *   msg2 = hmac_K(b_pub) || b_pub
 *   sig_A = sign_A(K || B || sha256(ab))
 *   msg3 = secretbox(sig_A || A, nonce 0, sha256(K || ab || aB))
 *   sig_B = sign_B(K || sig_A || A || sha256(ab))
 *   msg4 = secretbox(sig_B, nonce 0, sha256(K || ab || aB || Ab))
 *   session = sha256(sha256(K || ab || aB || Ab))
 *   client->server key = sha256(session || B), nonce = hmac_K(b_pub)[0..24)
 *   server->client key = sha256(session || A), nonce = hmac_K(a_pub)[0..24)
 */
#include "shs.h"

#include "crypto.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

enum {
    C_WRITE_MSG1 = 1,
    C_READ_MSG2,
    C_WRITE_MSG3,
    C_READ_MSG4,
    S_READ_MSG1,
    S_WRITE_MSG2,
    S_READ_MSG3,
    S_DECIDE,
    S_WRITE_MSG4,
    ST_DONE,
    ST_FAILED = 0, /* a zeroed struct is FAILED */
};

static const uint8_t zero_nonce[24];

/* sha256 of the concatenation of up to four parts (NULL parts skipped). */
static void sha256_cat(uint8_t out[32], const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2,
                       const uint8_t *p3, size_t n3, const uint8_t *p4, size_t n4)
{
    uint8_t buf[32 + 64 + 32 + 32 + 32];
    size_t len = 0;
    const uint8_t *parts[4] = {p1, p2, p3, p4};
    size_t lens[4] = {n1, n2, n3, n4};
    for (int i = 0; i < 4; i++) {
        if (!parts[i])
            continue;
        memcpy(buf + len, parts[i], lens[i]);
        len += lens[i];
    }
    px_sha256(out, buf, len);
    px_memzero(buf, sizeof buf);
}

/* Wipe everything, leave the machine FAILED, record why. */
static int fail(px_shs *s, const char *why)
{
    px_memzero(s, sizeof *s);
    s->step = ST_FAILED;
    return px_err_set(PX_EHANDSHAKE, "secret handshake failed: %s", why);
}

/* Common part of both inits. */
static int init_common(px_shs *s, int role, const uint8_t network_key[32], const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t eph_sk[32])
{
    memset(s, 0, sizeof *s);
    if (!px_memeq(sk + 32, pk, 32))
        return px_err_set(PX_EINVAL, "secret handshake: own public key does not match the "
                                     "secret key");
    s->role = role;
    memcpy(s->net_key, network_key, 32);
    memcpy(s->pk, pk, 32);
    memcpy(s->sk, sk, 64);
    memcpy(s->eph_sk, eph_sk, 32);
    px_scalarmult_base(s->eph_pk, s->eph_sk);
    return PX_OK;
}

int px_shs_client_init(px_shs *s, const uint8_t network_key[32], const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t server_pk[32], const uint8_t eph_sk[32])
{
    uint8_t server_curve[32];
    int rc = init_common(s, PX_SHS_CLIENT, network_key, pk, sk, eph_sk);
    if (rc)
        goto out;
    memcpy(s->peer_pk, server_pk, 32);
    /* aB needs nothing from the server's messages: compute it now, which also
     * rejects a server key that is not a usable Ed25519 point. */
    rc = px_sign_pk_to_curve(server_curve, server_pk);
    if (rc == PX_OK)
        rc = px_scalarmult(s->aB, s->eph_sk, server_curve);
    if (rc) {
        rc = px_err_set(PX_EINVAL, "secret handshake: the server's public key is not a usable "
                                   "Ed25519 key");
        goto out;
    }
    s->step = C_WRITE_MSG1;
out:
    px_memzero(server_curve, sizeof server_curve);
    if (rc)
        px_memzero(s, sizeof *s);
    return rc;
}

int px_shs_server_init(px_shs *s, const uint8_t network_key[32], const uint8_t pk[32],
                       const uint8_t sk[64], const uint8_t eph_sk[32])
{
    int rc = init_common(s, PX_SHS_SERVER, network_key, pk, sk, eph_sk);
    if (rc)
        return rc;
    s->step = S_READ_MSG1;
    return PX_OK;
}

/* --- hellos (msg1, msg2) ---------------------------------------------- */

/* out = hmac_K(eph_pk) || eph_pk; keeps the first 24 bytes of the hmac. */
static void write_hello(px_shs *s, uint8_t out[64], uint8_t nonce_out[24])
{
    px_auth(out, s->eph_pk, 32, s->net_key);
    memcpy(out + 32, s->eph_pk, 32);
    memcpy(nonce_out, out, 24);
}

/* Check hmac_K(peer eph pk) and take the peer's ephemeral key; compute ab. */
static int read_hello(px_shs *s, const uint8_t in[64], uint8_t nonce_out[24], const char *who)
{
    char why[160];
    if (px_auth_verify(in, in + 32, 32, s->net_key) != PX_OK) {
        snprintf(why, sizeof why,
                 "%s hello hmac does not match the network key (the peer is on another "
                 "network, or does not speak SHS)",
                 who);
        return fail(s, why);
    }
    memcpy(s->peer_eph_pk, in + 32, 32);
    memcpy(nonce_out, in, 24);
    if (px_scalarmult(s->ab, s->eph_sk, s->peer_eph_pk) != PX_OK) {
        snprintf(why, sizeof why, "%s hello carries a low-order ephemeral key", who);
        return fail(s, why);
    }
    px_sha256(s->ab_hash, s->ab, 32);
    return PX_OK;
}

static int server_read_msg1(px_shs *s, const uint8_t in[64])
{
    uint8_t curve_sk[32];
    int rc = read_hello(s, in, s->client_nonce, "client");
    if (rc)
        return rc;
    /* aB = X25519(curve(B_sk), a_pub) */
    rc = px_sign_sk_to_curve(curve_sk, s->sk);
    if (rc == PX_OK)
        rc = px_scalarmult(s->aB, curve_sk, s->peer_eph_pk);
    px_memzero(curve_sk, sizeof curve_sk);
    if (rc)
        return fail(s, "client hello ephemeral key gives a zero shared secret with the server key");
    s->step = S_WRITE_MSG2;
    return PX_OK;
}

static int client_read_msg2(px_shs *s, const uint8_t in[64])
{
    int rc = read_hello(s, in, s->server_nonce, "server");
    if (rc)
        return rc;
    s->step = C_WRITE_MSG3;
    return PX_OK;
}

/* --- client authenticate (msg3) ---------------------------------------- */

/* msg4_key = sha256(K || ab || aB || Ab). */
static void derive_msg4_key(px_shs *s, const uint8_t Ab[32])
{
    sha256_cat(s->msg4_key, s->net_key, 32, s->ab, 32, s->aB, 32, Ab, 32);
}

static int client_write_msg3(px_shs *s, uint8_t out[112])
{
    uint8_t signed_msg[32 + 32 + 32];
    uint8_t plain[96];
    uint8_t box_key[32];
    uint8_t curve_sk[32];
    uint8_t Ab[32];
    int rc = PX_OK;

    /* Ab = X25519(curve(A_sk), b_pub): needed to open msg4. b_pub already
     * passed the low-order check in msg2, so this cannot give zero, but the
     * check stays. */
    rc = px_sign_sk_to_curve(curve_sk, s->sk);
    if (rc == PX_OK)
        rc = px_scalarmult(Ab, curve_sk, s->peer_eph_pk);
    if (rc) {
        rc = fail(s, "server ephemeral key gives a zero shared secret with the client key");
        goto out;
    }
    derive_msg4_key(s, Ab);

    memcpy(signed_msg, s->net_key, 32);
    memcpy(signed_msg + 32, s->peer_pk, 32);
    memcpy(signed_msg + 64, s->ab_hash, 32);
    px_sign_detached(s->sig_a, signed_msg, sizeof signed_msg, s->sk);

    memcpy(plain, s->sig_a, 64);
    memcpy(plain + 64, s->pk, 32);
    sha256_cat(box_key, s->net_key, 32, s->ab, 32, s->aB, 32, NULL, 0);
    px_secretbox_easy(out, plain, sizeof plain, zero_nonce, box_key);
    s->step = C_READ_MSG4;
out:
    px_memzero(plain, sizeof plain);
    px_memzero(box_key, sizeof box_key);
    px_memzero(curve_sk, sizeof curve_sk);
    px_memzero(Ab, sizeof Ab);
    return rc;
}

static int server_read_msg3(px_shs *s, const uint8_t in[112])
{
    uint8_t plain[96];
    uint8_t signed_msg[32 + 32 + 32];
    uint8_t box_key[32];
    uint8_t client_curve[32];
    uint8_t Ab[32];
    int rc = PX_OK;

    sha256_cat(box_key, s->net_key, 32, s->ab, 32, s->aB, 32, NULL, 0);
    if (px_secretbox_open_easy(plain, in, 112, zero_nonce, box_key) != PX_OK) {
        rc = fail(s, "client authenticate does not decrypt (the client dialled another "
                     "server key, or the message was altered)");
        goto out;
    }
    memcpy(s->sig_a, plain, 64);
    memcpy(s->peer_pk, plain + 64, 32);

    memcpy(signed_msg, s->net_key, 32);
    memcpy(signed_msg + 32, s->pk, 32);
    memcpy(signed_msg + 64, s->ab_hash, 32);
    if (px_sign_verify(s->sig_a, signed_msg, sizeof signed_msg, s->peer_pk) != PX_OK) {
        rc = fail(s, "client authenticate signature does not verify against the client key");
        goto out;
    }

    /* Ab = X25519(b, curve(A)) */
    rc = px_sign_pk_to_curve(client_curve, s->peer_pk);
    if (rc == PX_OK)
        rc = px_scalarmult(Ab, s->eph_sk, client_curve);
    if (rc) {
        rc = fail(s, "client long-term key is not a usable Ed25519 key");
        goto out;
    }
    derive_msg4_key(s, Ab);
    s->step = S_DECIDE;
out:
    px_memzero(plain, sizeof plain);
    px_memzero(box_key, sizeof box_key);
    px_memzero(Ab, sizeof Ab);
    return rc;
}

/* --- server accept (msg4) and the session ------------------------------ */

/* The server's signature covers K || sig_A || A || sha256(ab). */
static void msg4_signed_bytes(const px_shs *s, uint8_t out[32 + 64 + 32 + 32], const uint8_t A[32])
{
    memcpy(out, s->net_key, 32);
    memcpy(out + 32, s->sig_a, 64);
    memcpy(out + 96, A, 32);
    memcpy(out + 128, s->ab_hash, 32);
}

/* Fill s->session, wipe the handshake secrets, step DONE. */
static void finish(px_shs *s)
{
    uint8_t session_secret[32];
    uint8_t to_server_key[32], to_client_key[32];
    const uint8_t *A = s->role == PX_SHS_CLIENT ? s->pk : s->peer_pk;
    const uint8_t *B = s->role == PX_SHS_CLIENT ? s->peer_pk : s->pk;
    px_shs_keys *out = &s->session;

    px_sha256(session_secret, s->msg4_key, 32);
    sha256_cat(to_server_key, session_secret, 32, B, 32, NULL, 0, NULL, 0);
    sha256_cat(to_client_key, session_secret, 32, A, 32, NULL, 0, NULL, 0);
    if (s->role == PX_SHS_CLIENT) {
        memcpy(out->enc_key, to_server_key, 32);
        memcpy(out->enc_nonce, s->server_nonce, 24);
        memcpy(out->dec_key, to_client_key, 32);
        memcpy(out->dec_nonce, s->client_nonce, 24);
    } else {
        memcpy(out->enc_key, to_client_key, 32);
        memcpy(out->enc_nonce, s->client_nonce, 24);
        memcpy(out->dec_key, to_server_key, 32);
        memcpy(out->dec_nonce, s->server_nonce, 24);
    }
    memcpy(out->peer_pk, s->peer_pk, 32);

    /* Only the session (and the peer key it names) survives. */
    px_memzero(s->sk, sizeof s->sk);
    px_memzero(s->eph_sk, sizeof s->eph_sk);
    px_memzero(s->ab, sizeof s->ab);
    px_memzero(s->aB, sizeof s->aB);
    px_memzero(s->ab_hash, sizeof s->ab_hash);
    px_memzero(s->msg4_key, sizeof s->msg4_key);
    px_memzero(s->net_key, sizeof s->net_key);
    px_memzero(session_secret, sizeof session_secret);
    px_memzero(to_server_key, sizeof to_server_key);
    px_memzero(to_client_key, sizeof to_client_key);
    s->step = ST_DONE;
}

static void server_write_msg4(px_shs *s, uint8_t out[80])
{
    uint8_t signed_msg[32 + 64 + 32 + 32];
    uint8_t sig_b[64];
    msg4_signed_bytes(s, signed_msg, s->peer_pk);
    px_sign_detached(sig_b, signed_msg, sizeof signed_msg, s->sk);
    px_secretbox_easy(out, sig_b, sizeof sig_b, zero_nonce, s->msg4_key);
    finish(s);
}

static int client_read_msg4(px_shs *s, const uint8_t in[80])
{
    uint8_t signed_msg[32 + 64 + 32 + 32];
    uint8_t sig_b[64];
    if (px_secretbox_open_easy(sig_b, in, 80, zero_nonce, s->msg4_key) != PX_OK)
        return fail(s, "server accept does not decrypt (the server did not prove the key it "
                       "was dialled with, or the message was altered)");
    msg4_signed_bytes(s, signed_msg, s->pk);
    if (px_sign_verify(sig_b, signed_msg, sizeof signed_msg, s->peer_pk) != PX_OK)
        return fail(s, "server accept signature does not verify against the server key");
    finish(s);
    return PX_OK;
}

/* --- public dispatch ---------------------------------------------------- */

/* What each internal step asks of the driver. Indexed by internal step. */
static const struct {
    px_shs_step step;
    size_t len;
} step_table[] = {
    [ST_FAILED] = {PX_SHS_FAILED, 0},
    [C_WRITE_MSG1] = {PX_SHS_WRITE, PX_SHS_MSG1_BYTES},
    [C_READ_MSG2] = {PX_SHS_READ, PX_SHS_MSG2_BYTES},
    [C_WRITE_MSG3] = {PX_SHS_WRITE, PX_SHS_MSG3_BYTES},
    [C_READ_MSG4] = {PX_SHS_READ, PX_SHS_MSG4_BYTES},
    [S_READ_MSG1] = {PX_SHS_READ, PX_SHS_MSG1_BYTES},
    [S_WRITE_MSG2] = {PX_SHS_WRITE, PX_SHS_MSG2_BYTES},
    [S_READ_MSG3] = {PX_SHS_READ, PX_SHS_MSG3_BYTES},
    [S_DECIDE] = {PX_SHS_DECIDE, 0},
    [S_WRITE_MSG4] = {PX_SHS_WRITE, PX_SHS_MSG4_BYTES},
    [ST_DONE] = {PX_SHS_DONE, 0},
};

px_shs_step px_shs_next(const px_shs *s, size_t *len)
{
    int i = s->step;
    if (i < 0 || (size_t)i >= sizeof step_table / sizeof step_table[0])
        i = ST_FAILED;
    if (len)
        *len = step_table[i].len;
    return step_table[i].step;
}

int px_shs_produce(px_shs *s, uint8_t *out, size_t len)
{
    size_t want = 0;
    if (px_shs_next(s, &want) != PX_SHS_WRITE)
        return px_err_set(PX_EINVAL, "secret handshake: produce called when it is not this "
                                     "side's turn to write");
    if (len != want)
        return px_err_set(PX_EINVAL,
                          "secret handshake: produce given %zu bytes, the message "
                          "is %zu",
                          len, want);
    switch (s->step) {
    case C_WRITE_MSG1:
        write_hello(s, out, s->client_nonce);
        s->step = C_READ_MSG2;
        return PX_OK;
    case S_WRITE_MSG2:
        write_hello(s, out, s->server_nonce);
        s->step = S_READ_MSG3;
        return PX_OK;
    case C_WRITE_MSG3:
        return client_write_msg3(s, out);
    case S_WRITE_MSG4:
        server_write_msg4(s, out);
        return PX_OK;
    default:
        return PX_EINVAL; /* unreachable: px_shs_next() said WRITE */
    }
}

int px_shs_consume(px_shs *s, const uint8_t *in, size_t len)
{
    size_t want = 0;
    if (px_shs_next(s, &want) != PX_SHS_READ)
        return px_err_set(PX_EINVAL, "secret handshake: consume called when it is not this "
                                     "side's turn to read");
    if (len != want)
        return px_err_set(PX_EINVAL,
                          "secret handshake: consume given %zu bytes, the message "
                          "is %zu",
                          len, want);
    switch (s->step) {
    case S_READ_MSG1:
        return server_read_msg1(s, in);
    case C_READ_MSG2:
        return client_read_msg2(s, in);
    case S_READ_MSG3:
        return server_read_msg3(s, in);
    case C_READ_MSG4:
        return client_read_msg4(s, in);
    default:
        return PX_EINVAL; /* unreachable: px_shs_next() said READ */
    }
}

const uint8_t *px_shs_peer_pk(const px_shs *s)
{
    if (s->role == PX_SHS_CLIENT && s->step != ST_FAILED)
        return s->peer_pk;
    if (s->role == PX_SHS_SERVER &&
        (s->step == S_DECIDE || s->step == S_WRITE_MSG4 || s->step == ST_DONE))
        return s->peer_pk;
    return NULL;
}

int px_shs_accept(px_shs *s)
{
    if (s->step != S_DECIDE)
        return px_err_set(PX_EINVAL, "secret handshake: accept called outside the server's "
                                     "decision step");
    s->step = S_WRITE_MSG4;
    return PX_OK;
}

int px_shs_session(const px_shs *s, px_shs_keys *out)
{
    if (s->step != ST_DONE) {
        memset(out, 0, sizeof *out);
        return px_err_set(PX_EINVAL, "secret handshake: session asked for before the "
                                     "handshake completed");
    }
    *out = s->session;
    return PX_OK;
}

void px_shs_clear(px_shs *s)
{
    if (!s)
        return;
    px_memzero(s, sizeof *s);
    s->step = ST_FAILED;
}
