/*
 * identity.h — a node's Ed25519 identity and its secret key file.
 *
 * The key file is a small JSON document created with O_EXCL and mode 0600:
 *
 *   {"format": "praxis-key-v1", "public_key": "<hex32>", "seed": "<hex32>"}
 *
 * A key file that group or others can read or write is refused, with a
 * sentence saying how to fix it. The secret never appears in logs or error
 * messages.
 */
#ifndef PX_IDENTITY_H
#define PX_IDENTITY_H

#include <stdint.h>

typedef struct px_identity {
    uint8_t pk[32];
    uint8_t sk[64]; /* libsodium layout: seed || pk */
} px_identity;

/* A fresh random identity. */
void px_identity_generate(px_identity *id);
/* An identity from a 32-byte seed (tests, vectors). */
void px_identity_from_seed(px_identity *id, const uint8_t seed[32]);

/* Write id to path (mode 0600, refusing to overwrite: PX_EEXIST). */
int px_identity_save(const px_identity *id, const char *path);

/* Read an identity. PX_ENOENT if missing, PX_EPERM if the file is readable
 * or writable by group/others, PX_EFORMAT if damaged (public key not
 * matching the seed included). Details name the file. */
int px_identity_load(px_identity *id, const char *path);

/* Wipe the secret. NULL-safe. */
void px_identity_clear(px_identity *id);

#endif
