/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_shs.h — the body of the two Secret Handshake targets
 * (fuzz_shs_server.c, fuzz_shs_client.c): one state machine of shs.c, with
 * the fixed keys and ephemeral keys of vector set0 (fuzz_fixtures.h), is
 * driven against bytes from the input. Header-only; each target includes it
 * once and calls fuzz_shs_run() with its role.
 *
 * Input: byte 0 % FUZZ_SHS_MODES picks the mode.
 *   FUZZ_SHS_PEER    the rest is the peer's two messages, back to back
 *                    (server under test: msg1 (64) then msg3 (112); client:
 *                    msg2 (64) then msg4 (80)). The vectors' messages are a
 *                    complete, valid handshake.
 *   FUZZ_SHS_MUTATE  a real counterpart state machine produces correct
 *                    messages; byte 1 picks which of its two messages is
 *                    altered, and the bytes from 2 on are XORed onto it. An
 *                    all-zero mask must give a complete handshake with
 *                    matching session keys; any other must make the machine
 *                    under test fail.
 *   FUZZ_SHS_MISUSE  the rest is a sequence of driver calls (next, produce,
 *                    consume, accept, session, peer_pk) with fuzzed lengths
 *                    and bytes; a call out of turn or with a wrong length
 *                    must return PX_EINVAL and change nothing.
 * Whatever happens, a server that reaches DECIDE must hold the client's
 * real key (no one else can sign msg3).
 */
#ifndef PX_FUZZ_SHS_H
#define PX_FUZZ_SHS_H

#include "error.h"
#include "fuzz_fixtures.h"
#include "shs.h"

static fuzz_shs_keys shs_keys;

static void shs_setup(void)
{
    static int done;
    if (done)
        return;
    fuzz_setup();
    fuzz_shs_keys_load(&shs_keys);
    done = 1;
}

static void shs_init(px_shs *s, int role)
{
    const fuzz_shs_keys *k = &shs_keys;
    int rc =
        role == PX_SHS_CLIENT
            ? px_shs_client_init(s, k->net, k->client_pk, k->client_sk, k->server_pk, k->client_eph)
            : px_shs_server_init(s, k->net, k->server_pk, k->server_sk, k->server_eph);
    FUZZ_ASSERT(rc == PX_OK);
}

/* Checks that hold in every state. */
static void shs_check_state(const px_shs *s, int role)
{
    size_t len = 99;
    px_shs_step step = px_shs_next(s, &len);
    const uint8_t *peer = px_shs_peer_pk(s);
    if (step == PX_SHS_WRITE || step == PX_SHS_READ)
        FUZZ_ASSERT(len >= PX_SHS_MSG1_BYTES && len <= PX_SHS_MSG_MAX);
    else
        FUZZ_ASSERT(len == 0);
    if (role == PX_SHS_SERVER && (step == PX_SHS_DECIDE || step == PX_SHS_DONE)) {
        FUZZ_ASSERT(peer != NULL);
        FUZZ_ASSERT(memcmp(peer, shs_keys.client_pk, 32) == 0); /* else: a forgery */
    }
    if (step == PX_SHS_FAILED)
        FUZZ_ASSERT(peer == NULL);
}

static void shs_check_done(const px_shs *s, int role)
{
    px_shs_keys keys;
    FUZZ_ASSERT(px_shs_session(s, &keys) == PX_OK);
    FUZZ_ASSERT(memcmp(keys.peer_pk,
                       role == PX_SHS_CLIENT ? shs_keys.server_pk : shs_keys.client_pk, 32) == 0);
    px_memzero(&keys, sizeof keys);
}

/* FUZZ_SHS_PEER: the input is the peer. */
static void shs_peer(int role, const uint8_t *in, size_t n)
{
    px_shs s;
    uint8_t out[PX_SHS_MSG_MAX];
    size_t len = 0, pos = 0;

    shs_init(&s, role);
    for (int i = 0; i < 8; i++) {
        shs_check_state(&s, role);
        px_shs_step step = px_shs_next(&s, &len);
        if (step == PX_SHS_WRITE) {
            FUZZ_ASSERT(px_shs_produce(&s, out, len) == PX_OK);
        } else if (step == PX_SHS_READ) {
            if (n - pos < len)
                break; /* the peer hung up */
            int rc = px_shs_consume(&s, in + pos, len);
            pos += len;
            FUZZ_ASSERT(rc == PX_OK || rc == PX_EHANDSHAKE);
            if (rc != PX_OK) {
                FUZZ_ASSERT(px_shs_next(&s, NULL) == PX_SHS_FAILED);
                break;
            }
        } else if (step == PX_SHS_DECIDE) {
            FUZZ_ASSERT(px_shs_accept(&s) == PX_OK);
        } else {
            if (step == PX_SHS_DONE)
                shs_check_done(&s, role);
            break;
        }
    }
    shs_check_state(&s, role);
    px_shs_clear(&s);
    FUZZ_ASSERT(px_shs_next(&s, NULL) == PX_SHS_FAILED);
}

/* FUZZ_SHS_MUTATE: a real counterpart; one of its messages is altered. */
static void shs_mutate(int role, const uint8_t *data, size_t size)
{
    px_shs c, s;
    uint8_t msg[PX_SHS_MSG_MAX];
    size_t len = 0;
    int which = size > 0 ? data[0] & 1 : 0;
    const uint8_t *mask = size > 1 ? data + 1 : data;
    size_t mask_len = size > 1 ? size - 1 : 0;
    int sent_by_counterpart = 0;
    bool mutated = false;

    shs_init(&c, PX_SHS_CLIENT);
    shs_init(&s, PX_SHS_SERVER);
    px_shs *target = role == PX_SHS_CLIENT ? &c : &s;
    for (int i = 0; i < 10; i++) {
        shs_check_state(&c, PX_SHS_CLIENT);
        shs_check_state(&s, PX_SHS_SERVER);
        px_shs *writer = NULL, *reader = NULL;
        if (px_shs_next(&s, NULL) == PX_SHS_DECIDE) {
            FUZZ_ASSERT(px_shs_accept(&s) == PX_OK);
            continue;
        }
        if (px_shs_next(&c, &len) == PX_SHS_WRITE) {
            writer = &c;
            reader = &s;
        } else if (px_shs_next(&s, &len) == PX_SHS_WRITE) {
            writer = &s;
            reader = &c;
        } else {
            break;
        }
        FUZZ_ASSERT(px_shs_produce(writer, msg, len) == PX_OK);
        if (writer != target && sent_by_counterpart++ == which) {
            for (size_t j = 0; j < len && j < mask_len; j++) {
                msg[j] ^= mask[j];
                mutated |= mask[j] != 0;
            }
        }
        size_t want = 0;
        FUZZ_ASSERT(px_shs_next(reader, &want) == PX_SHS_READ && want == len);
        int rc = px_shs_consume(reader, msg, len);
        FUZZ_ASSERT(rc == PX_OK || rc == PX_EHANDSHAKE);
        if (rc != PX_OK) {
            FUZZ_ASSERT(reader == target && mutated);
            break;
        }
    }
    if (mutated) {
        FUZZ_ASSERT(px_shs_next(target, NULL) == PX_SHS_FAILED);
    } else {
        px_shs_keys kc, ks;
        shs_check_done(&c, PX_SHS_CLIENT);
        shs_check_done(&s, PX_SHS_SERVER);
        FUZZ_ASSERT(px_shs_session(&c, &kc) == PX_OK && px_shs_session(&s, &ks) == PX_OK);
        FUZZ_ASSERT(memcmp(kc.enc_key, ks.dec_key, 32) == 0);
        FUZZ_ASSERT(memcmp(kc.enc_nonce, ks.dec_nonce, 24) == 0);
        FUZZ_ASSERT(memcmp(kc.dec_key, ks.enc_key, 32) == 0);
        FUZZ_ASSERT(memcmp(kc.dec_nonce, ks.enc_nonce, 24) == 0);
        px_memzero(&kc, sizeof kc);
        px_memzero(&ks, sizeof ks);
    }
    px_shs_clear(&c);
    px_shs_clear(&s);
}

/* FUZZ_SHS_MISUSE: arbitrary driver calls. */
static void shs_misuse(int role, const uint8_t *in, size_t n)
{
    px_shs s, before;
    px_shs_keys keys;
    uint8_t buf[256];
    size_t pos = 0;

    shs_init(&s, role);
    for (int ops = 0; pos < n && ops < 64; ops++) {
        uint8_t op = in[pos++];
        size_t want = 0;
        px_shs_step step = px_shs_next(&s, &want);
        size_t len = want;
        /* High bit set: take the length from the input instead. */
        if (op & 0x80) {
            len = pos < n ? in[pos++] : 0;
        }
        memcpy(&before, &s, sizeof s);
        int rc;
        switch (op & 7) {
        case 0:
            rc = px_shs_produce(&s, buf, len);
            if (step == PX_SHS_WRITE && len == want) {
                FUZZ_ASSERT(rc == PX_OK || rc == PX_EHANDSHAKE);
            } else {
                FUZZ_ASSERT(rc == PX_EINVAL && memcmp(&s, &before, sizeof s) == 0);
            }
            break;
        case 1: {
            size_t take = len < n - pos ? len : n - pos;
            memset(buf, 0, sizeof buf);
            memcpy(buf, in + pos, take);
            pos += take;
            rc = px_shs_consume(&s, buf, len);
            if (step == PX_SHS_READ && len == want) {
                FUZZ_ASSERT(rc == PX_OK || rc == PX_EHANDSHAKE);
            } else {
                FUZZ_ASSERT(rc == PX_EINVAL && memcmp(&s, &before, sizeof s) == 0);
            }
            break;
        }
        case 2:
            rc = px_shs_accept(&s);
            if (step == PX_SHS_DECIDE)
                FUZZ_ASSERT(rc == PX_OK);
            else
                FUZZ_ASSERT(rc == PX_EINVAL && memcmp(&s, &before, sizeof s) == 0);
            break;
        case 3:
            rc = px_shs_session(&s, &keys);
            FUZZ_ASSERT(rc == (step == PX_SHS_DONE ? PX_OK : PX_EINVAL));
            px_memzero(&keys, sizeof keys);
            break;
        case 4:
            px_shs_clear(&s);
            FUZZ_ASSERT(px_shs_next(&s, NULL) == PX_SHS_FAILED && px_shs_peer_pk(&s) == NULL);
            break;
        case 5:
            shs_init(&s, (op & 8) ? PX_SHS_CLIENT : PX_SHS_SERVER);
            role = (op & 8) ? PX_SHS_CLIENT : PX_SHS_SERVER;
            break;
        default:
            break;
        }
        shs_check_state(&s, role);
    }
    px_shs_clear(&s);
    px_memzero(&before, sizeof before);
}

static void fuzz_shs_run(int role, const uint8_t *data, size_t size)
{
    shs_setup();
    if (size < 1)
        return;
    switch (data[0] % FUZZ_SHS_MODES) {
    case FUZZ_SHS_PEER:
        shs_peer(role, data + 1, size - 1);
        break;
    case FUZZ_SHS_MUTATE:
        shs_mutate(role, data + 1, size - 1);
        break;
    default:
        shs_misuse(role, data + 1, size - 1);
        break;
    }
}

#endif
