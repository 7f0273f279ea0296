/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shs1_adapter.c — runs one side of the secret handshake (node/channel/shs.c) over
 * stdin/stdout for the shs1-test conformance suite (npm package shs1-test,
 * driven by tests/integration/shs1_test.sh).
 *
 * Contract (from the suite's README):
 *   server role:  shs1_adapter NETWORK_KEY SERVER_SK SERVER_PK   (hex)
 *                 read msg1, write msg2, read msg3, write msg4
 *   client role:  shs1_adapter NETWORK_KEY SERVER_PK             (hex)
 *                 write msg1, read msg2, write msg3, read msg4
 * On success both roles then write enc_key(32) || enc_nonce(24) ||
 * dec_key(32) || dec_nonce(24) and exit 0. On any bad message the adapter
 * writes nothing more and exits 1 (the reason goes to stderr). The client's
 * long-term key and both ephemeral keys are random; the server admits every
 * client key.
 */
#include "crypto.h"
#include "error.h"
#include "shs.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_full(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return px_err_set(px_err_from_errno(errno), "read: %s", strerror(errno));
        if (r == 0)
            return px_err_set(PX_ECLOSED, "peer closed stdin mid-handshake");
        p += r;
        n -= (size_t)r;
    }
    return PX_OK;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return px_err_set(px_err_from_errno(errno), "write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return PX_OK;
}

static int hex_arg(const char *name, const char *hex, uint8_t *out, size_t n)
{
    if (px_hex_decode(out, n, hex) != PX_OK)
        return px_err_set(PX_EINVAL, "%s must be %zu bytes of hex", name, n);
    return PX_OK;
}

/* Drive the state machine with stdin/stdout until DONE or an error. */
static int run(px_shs *s)
{
    uint8_t msg[PX_SHS_MSG_MAX];
    size_t n = 0;
    int rc = PX_OK;

    for (;;) {
        switch (px_shs_next(s, &n)) {
        case PX_SHS_WRITE:
            rc = px_shs_produce(s, msg, n);
            if (rc == PX_OK)
                rc = write_full(STDOUT_FILENO, msg, n);
            break;
        case PX_SHS_READ:
            rc = read_full(STDIN_FILENO, msg, n);
            if (rc == PX_OK)
                rc = px_shs_consume(s, msg, n);
            break;
        case PX_SHS_DECIDE:
            rc = px_shs_accept(s); /* the suite's clients are all welcome */
            break;
        case PX_SHS_DONE:
            return PX_OK;
        case PX_SHS_FAILED:
        default:
            return px_err_set(PX_EHANDSHAKE, "handshake failed");
        }
        if (rc)
            return rc;
    }
}

int main(int argc, char **argv)
{
    uint8_t K[32], pk[32], sk[64], peer[32], eph[32], seed[32], out[112];
    px_shs s;
    px_shs_keys keys;
    int rc = PX_OK;

    memset(&s, 0, sizeof s);
    memset(&keys, 0, sizeof keys);
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: shs1_adapter NETWORK_KEY SERVER_SK SERVER_PK   (server)\n"
                        "       shs1_adapter NETWORK_KEY SERVER_PK             (client)\n");
        return 2;
    }
    rc = px_crypto_init();
    if (rc)
        goto out;
    rc = hex_arg("NETWORK_KEY", argv[1], K, 32);
    if (rc)
        goto out;
    px_random_bytes(eph, 32);
    if (argc == 4) {
        rc = hex_arg("SERVER_SK", argv[2], sk, 64);
        if (rc == PX_OK)
            rc = hex_arg("SERVER_PK", argv[3], pk, 32);
        if (rc == PX_OK)
            rc = px_shs_server_init(&s, K, pk, sk, eph);
    } else {
        rc = hex_arg("SERVER_PK", argv[2], peer, 32);
        px_random_bytes(seed, 32);
        px_sign_seed_keypair(pk, sk, seed);
        if (rc == PX_OK)
            rc = px_shs_client_init(&s, K, pk, sk, peer, eph);
    }
    if (rc)
        goto out;
    rc = run(&s);
    if (rc)
        goto out;
    rc = px_shs_session(&s, &keys);
    if (rc)
        goto out;
    memcpy(out, keys.enc_key, 32);
    memcpy(out + 32, keys.enc_nonce, 24);
    memcpy(out + 56, keys.dec_key, 32);
    memcpy(out + 88, keys.dec_nonce, 24);
    rc = write_full(STDOUT_FILENO, out, sizeof out);
out:
    if (rc)
        fprintf(stderr, "shs1_adapter (%s): %s\n", argc == 4 ? "server" : "client",
                px_err_message(rc));
    px_shs_clear(&s);
    px_memzero(&keys, sizeof keys);
    px_memzero(sk, sizeof sk);
    px_memzero(seed, sizeof seed);
    px_memzero(eph, sizeof eph);
    px_memzero(out, sizeof out);
    return rc ? 1 : 0;
}
