/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto.h — the wall around libsodium.
 *
 * This is the only module that includes <sodium.h>. Everything praxis needs
 * from cryptography goes through these thin, named wrappers, so the primitives
 * in use are listed in one place and secrets are wiped by one function.
 *
 * Sizes are fixed: keys and hashes are byte arrays of the PX_*_BYTES lengths
 * below. All functions are thread-safe after px_crypto_init().
 */
#ifndef PX_CRYPTO_H
#define PX_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_SIGN_PK_BYTES = 32,
    PX_SIGN_SK_BYTES = 64, /* libsodium layout: seed || public key */
    PX_SIGN_SEED_BYTES = 32,
    PX_SIG_BYTES = 64,
    PX_HASH_BYTES = 32, /* BLAKE2b-256 */
    PX_SHA256_BYTES = 32,
    PX_AUTH_BYTES = 32, /* HMAC-SHA-512-256 (crypto_auth) */
    PX_AUTH_KEY_BYTES = 32,
    PX_CURVE_BYTES = 32, /* X25519 public/secret keys and shared secrets */
    PX_BOX_KEY_BYTES = 32,
    PX_BOX_NONCE_BYTES = 24,
    PX_BOX_MAC_BYTES = 16,
    PX_PWHASH_SALT_BYTES = 16,
};

/* Initialise libsodium. Idempotent. Returns PX_OK or PX_ECRYPTO. */
int px_crypto_init(void);

/* --- Ed25519 ---------------------------------------------------------- */
void px_sign_keypair(uint8_t pk[32], uint8_t sk[64]);
void px_sign_seed_keypair(uint8_t pk[32], uint8_t sk[64], const uint8_t seed[32]);
void px_sign_detached(uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t sk[64]);
/* Returns PX_OK if sig is a valid signature of msg by pk, else PX_ESIG. */
int px_sign_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pk[32]);
/* Convert Ed25519 keys to X25519. Return PX_OK or PX_ECRYPTO (invalid point). */
int px_sign_pk_to_curve(uint8_t curve_pk[32], const uint8_t ed_pk[32]);
int px_sign_sk_to_curve(uint8_t curve_sk[32], const uint8_t ed_sk[64]);

/* --- Hashes and MACs --------------------------------------------------- */
/* BLAKE2b-256 of in. */
void px_hash(uint8_t out[32], const uint8_t *in, size_t len);
/* Streaming BLAKE2b-256. The state is opaque but fixed-size so it can live
 * on the stack. */
typedef struct px_hash_state {
    _Alignas(64) unsigned char opaque[384];
} px_hash_state;
void px_hash_init(px_hash_state *st);
void px_hash_update(px_hash_state *st, const uint8_t *in, size_t len);
void px_hash_final(px_hash_state *st, uint8_t out[32]);

void px_sha256(uint8_t out[32], const uint8_t *in, size_t len);
/* HMAC-SHA-512-256 (libsodium crypto_auth). */
void px_auth(uint8_t out[32], const uint8_t *in, size_t len, const uint8_t key[32]);
/* Constant time; PX_OK or PX_EHANDSHAKE. */
int px_auth_verify(const uint8_t mac[32], const uint8_t *in, size_t len, const uint8_t key[32]);

/* --- X25519 ------------------------------------------------------------ */
/* q = n * p. Returns PX_ECRYPTO if the result is all zeros (low-order p). */
int px_scalarmult(uint8_t q[32], const uint8_t n[32], const uint8_t p[32]);
void px_scalarmult_base(uint8_t q[32], const uint8_t n[32]);

/* --- XSalsa20-Poly1305 secretbox -------------------------------------- */
/* out = mac(16) || ciphertext(len). out may not overlap in. */
void px_secretbox_easy(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[24],
                       const uint8_t key[32]);
/* in = mac(16) || ciphertext(len - 16); out gets len - 16 bytes. Returns
 * PX_OK or PX_ECRYPTO if authentication fails (out is then unspecified). */
int px_secretbox_open_easy(uint8_t *out, const uint8_t *in, size_t len, const uint8_t nonce[24],
                           const uint8_t key[32]);
/* Detached forms: mac separate from ciphertext (len bytes each way). */
void px_secretbox_detached(uint8_t *c, uint8_t mac[16], const uint8_t *m, size_t len,
                           const uint8_t nonce[24], const uint8_t key[32]);
int px_secretbox_open_detached(uint8_t *m, const uint8_t *c, const uint8_t mac[16], size_t len,
                               const uint8_t nonce[24], const uint8_t key[32]);

/* --- Passwords --------------------------------------------------------- */
/* Argon2id (version 1.3) cost levels, libsodium's: INTERACTIVE (2 passes,
 * 64 MiB), MODERATE (3 passes, 256 MiB), SENSITIVE (4 passes, 1 GiB). */
typedef enum px_pwhash_level {
    PX_PWHASH_INTERACTIVE,
    PX_PWHASH_MODERATE,
    PX_PWHASH_SENSITIVE,
} px_pwhash_level;

/* The passes (opslimit) and memory in bytes (memlimit) of a level. */
void px_pwhash_level_limits(px_pwhash_level level, unsigned long long *opslimit,
                            unsigned long long *memlimit);

/* Parse "interactive", "moderate" or "sensitive". PX_OK or PX_EINVAL. */
int px_pwhash_level_parse(const char *s, px_pwhash_level *out);

/* PX_OK if opslimit and memlimit each lie within INTERACTIVE..SENSITIVE,
 * else PX_EINVAL with a detail giving the accepted range. */
int px_pwhash_limits_check(unsigned long long opslimit, unsigned long long memlimit);

/* Derive a 32-byte key from a passphrase with Argon2id13 at the given
 * limits. Limits outside INTERACTIVE..SENSITIVE (each of opslimit and
 * memlimit on its own) are refused with PX_EINVAL and a detail giving the
 * accepted range, before anything is allocated: a hostile file cannot make
 * praxis allocate more than SENSITIVE's 1 GiB. PX_ENOMEM if the memory
 * cannot be had. */
int px_pwhash(uint8_t key[32], const char *pass, size_t passlen, const uint8_t salt[16],
              unsigned long long opslimit, unsigned long long memlimit);

/* --- Utilities --------------------------------------------------------- */
void px_random_bytes(uint8_t *out, size_t len);
/* Wipe memory in a way the compiler cannot elide. NULL-safe. */
void px_memzero(void *p, size_t len);
/* Constant time: true if all len bytes are zero (an unloaded secret). */
bool px_is_zero(const void *p, size_t len);
/* Constant-time equality: 1 if equal, 0 if not. */
int px_memeq(const void *a, const void *b, size_t len);

#endif
