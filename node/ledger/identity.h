/* SPDX-License-Identifier: Apache-2.0 */
/*
 * identity.h — a node's Ed25519 identity and its secret key file.
 *
 * The key file is a small JSON document created with O_EXCL and mode 0600:
 *
 *   {"format": "praxis-key-v1", "public_key": "<hex32>", "seed": "<hex32>"}
 *
 * or, protected by a passphrase (Argon2id, then XSalsa20-Poly1305):
 *
 *   {"format": "praxis-key-v1", "public_key": "<hex32>",
 *    "encrypted": {"kdf": "argon2id13", "opslimit": N, "memlimit": N,
 *                  "salt": "<hex16>", "nonce": "<hex24>", "box": "<hex48>"}}
 *
 * kdf names the algorithm (Argon2id, version 1.3); opslimit (passes) and
 * memlimit (bytes) are the limits the key was made with. New keys are made
 * at MODERATE (3 passes, 256 MiB); a file is read with any limits from
 * INTERACTIVE (2, 64 MiB) up to SENSITIVE (4, 1 GiB) and refused, before
 * anything is allocated, with limits outside that; a file without limits
 * (older praxis) was made at INTERACTIVE and opens as such.
 *
 * The passphrase of a protected key comes from PRAXIS_PASSPHRASE_FILE (a
 * file only its owner can read; its first line), else PRAXIS_PASSPHRASE
 * (for unattended starts), else the caller's prompt (px_identity_load_with).
 * A key file that group or others can read or write is refused, with a
 * sentence saying how to fix it. The secret never appears in logs or error
 * messages.
 */
#ifndef PX_IDENTITY_H
#define PX_IDENTITY_H

#include "crypto.h"

#include <stddef.h>
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

/* Write id to path protected by passphrase (mode 0600, refusing to
 * overwrite), at MODERATE Argon2id limits. */
int px_identity_save_protected(const px_identity *id, const char *path, const char *passphrase);

/* The same at the given Argon2id level. */
int px_identity_save_protected_at(const px_identity *id, const char *path, const char *passphrase,
                                  px_pwhash_level level);

/* Read an identity. PX_ENOENT if missing, PX_EPERM if the file is readable
 * or writable by group/others, PX_EFORMAT if damaged (public key not
 * matching the seed included), PX_ECRYPTO if the passphrase is wrong,
 * PX_EPERM if a protected key has no passphrase source. Details name the
 * file. */
int px_identity_load(px_identity *id, const char *path);

/* As px_identity_load, with prompt (may be NULL) asked for the passphrase
 * of a protected key when no environment source gives one. prompt writes a
 * NUL-terminated passphrase into buf (size n) and returns PX_OK. */
typedef int (*px_passphrase_fn)(char *buf, size_t n);
int px_identity_load_with(px_identity *id, const char *path, px_passphrase_fn prompt);

/* Read only the public key of a key file (no passphrase needed). Same
 * permission check as px_identity_load. */
int px_identity_public(const char *path, uint8_t pk[32]);

/* Wipe the secret. NULL-safe. */
void px_identity_clear(px_identity *id);

#endif
