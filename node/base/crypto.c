/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto.c — libsodium behind one wall (see crypto.h).
 */
#include "crypto.h"

#include "error.h"

#include <sodium.h>
#include <string.h>

_Static_assert(sizeof(px_hash_state) >= sizeof(crypto_generichash_state),
               "px_hash_state too small for crypto_generichash_state");

int px_crypto_init(void)
{
    return sodium_init() < 0 ? PX_ECRYPTO : PX_OK;
}

void px_sign_keypair(uint8_t pk[32], uint8_t sk[64])
{
    crypto_sign_keypair(pk, sk);
}

void px_sign_seed_keypair(uint8_t pk[32], uint8_t sk[64], const uint8_t seed[32])
{
    crypto_sign_seed_keypair(pk, sk, seed);
}

void px_sign_detached(uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t sk[64])
{
    crypto_sign_detached(sig, NULL, msg, len, sk);
}

int px_sign_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pk[32])
{
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? PX_OK : PX_ESIG;
}

int px_sign_pk_to_curve(uint8_t curve_pk[32], const uint8_t ed_pk[32])
{
    return crypto_sign_ed25519_pk_to_curve25519(curve_pk, ed_pk) == 0 ? PX_OK : PX_ECRYPTO;
}

int px_sign_sk_to_curve(uint8_t curve_sk[32], const uint8_t ed_sk[64])
{
    return crypto_sign_ed25519_sk_to_curve25519(curve_sk, ed_sk) == 0 ? PX_OK : PX_ECRYPTO;
}

void px_hash(uint8_t out[32], const uint8_t *in, size_t len)
{
    crypto_generichash(out, 32, in, len, NULL, 0);
}

void px_hash_init(px_hash_state *st)
{
    crypto_generichash_init((crypto_generichash_state *)st->opaque, NULL, 0, 32);
}

void px_hash_update(px_hash_state *st, const uint8_t *in, size_t len)
{
    crypto_generichash_update((crypto_generichash_state *)st->opaque, in, len);
}

void px_hash_final(px_hash_state *st, uint8_t out[32])
{
    crypto_generichash_final((crypto_generichash_state *)st->opaque, out, 32);
}

void px_sha256(uint8_t out[32], const uint8_t *in, size_t len)
{
    crypto_hash_sha256(out, in, len);
}

void px_auth(uint8_t out[32], const uint8_t *in, size_t len, const uint8_t key[32])
{
    crypto_auth(out, in, len, key);
}

int px_auth_verify(const uint8_t mac[32], const uint8_t *in, size_t len, const uint8_t key[32])
{
    return crypto_auth_verify(mac, in, len, key) == 0 ? PX_OK : PX_EHANDSHAKE;
}

int px_scalarmult(uint8_t q[32], const uint8_t n[32], const uint8_t p[32])
{
    return crypto_scalarmult(q, n, p) == 0 ? PX_OK : PX_ECRYPTO;
}

void px_scalarmult_base(uint8_t q[32], const uint8_t n[32])
{
    crypto_scalarmult_base(q, n);
}

void px_secretbox_easy(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[24],
                       const uint8_t key[32])
{
    crypto_secretbox_easy(out, in, len, nonce, key);
}

int px_secretbox_open_easy(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[24],
                           const uint8_t key[32])
{
    if (len < crypto_secretbox_MACBYTES)
        return PX_ECRYPTO;
    return crypto_secretbox_open_easy(out, in, len, nonce, key) == 0 ? PX_OK : PX_ECRYPTO;
}

void px_secretbox_detached(uint8_t *c, uint8_t mac[16], const uint8_t *m, size_t len,
                           const uint8_t nonce[24], const uint8_t key[32])
{
    crypto_secretbox_detached(c, mac, m, len, nonce, key);
}

int px_secretbox_open_detached(uint8_t *m, const uint8_t *c, const uint8_t mac[16], size_t len,
                               const uint8_t nonce[24], const uint8_t key[32])
{
    return crypto_secretbox_open_detached(m, c, mac, len, nonce, key) == 0 ? PX_OK : PX_ECRYPTO;
}

void px_pwhash_level_limits(px_pwhash_level level, unsigned long long *opslimit,
                            unsigned long long *memlimit)
{
    switch (level) {
    case PX_PWHASH_INTERACTIVE:
        *opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        break;
    case PX_PWHASH_SENSITIVE:
        *opslimit = crypto_pwhash_OPSLIMIT_SENSITIVE;
        *memlimit = crypto_pwhash_MEMLIMIT_SENSITIVE;
        break;
    default:
        *opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
        *memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
        break;
    }
}

int px_pwhash_level_parse(const char *s, px_pwhash_level *out)
{
    static const char *const names[] = {"interactive", "moderate", "sensitive"};
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (px_pwhash_level)i;
            return PX_OK;
        }
    return px_err_set(PX_EINVAL, "'%s' is not one of interactive, moderate, sensitive", s ? s : "");
}

int px_pwhash_limits_check(unsigned long long opslimit, unsigned long long memlimit)
{
    const unsigned long long ops_min = crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             ops_max = crypto_pwhash_OPSLIMIT_SENSITIVE,
                             mem_min = crypto_pwhash_MEMLIMIT_INTERACTIVE,
                             mem_max = crypto_pwhash_MEMLIMIT_SENSITIVE;
    if (opslimit < ops_min || opslimit > ops_max || memlimit < mem_min || memlimit > mem_max)
        return px_err_set(PX_EINVAL,
                          "Argon2id limits opslimit %llu, memlimit %llu are outside what praxis "
                          "accepts (opslimit %llu to %llu, memlimit %llu to %llu bytes)",
                          opslimit, memlimit, ops_min, ops_max, mem_min, mem_max);
    return PX_OK;
}

int px_pwhash(uint8_t key[32], const char *pass, size_t passlen, const uint8_t salt[16],
              unsigned long long opslimit, unsigned long long memlimit)
{
    int rc = px_pwhash_limits_check(opslimit, memlimit);
    if (rc)
        return rc;
    if (crypto_pwhash(key, 32, pass, passlen, salt, opslimit, (size_t)memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return px_err_set(PX_ENOMEM,
                          "not enough memory to derive a key from the passphrase (Argon2id "
                          "needs %llu MiB)",
                          memlimit >> 20);
    return PX_OK;
}

void px_random_bytes(uint8_t *out, size_t len)
{
    randombytes_buf(out, len);
}

bool px_is_zero(const void *p, size_t len)
{
    return sodium_is_zero(p, len) == 1;
}

void px_memzero(void *p, size_t len)
{
    if (p)
        sodium_memzero(p, len);
}

int px_memeq(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}
