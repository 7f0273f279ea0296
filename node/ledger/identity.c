/* SPDX-License-Identifier: Apache-2.0 */
/*
 * identity.c — key generation and the 0600 key file (see identity.h).
 */
#include "identity.h"

#include "crypto.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char key_format[] = "praxis-key-v1";

void px_identity_generate(px_identity *id)
{
    px_sign_keypair(id->pk, id->sk);
}

void px_identity_from_seed(px_identity *id, const uint8_t seed[32])
{
    px_sign_seed_keypair(id->pk, id->sk, seed);
}

int px_identity_save(const px_identity *id, const char *path)
{
    char pk_hex[65], seed_hex[65], text[256];
    px_hex_encode(pk_hex, id->pk, 32);
    px_hex_encode(seed_hex, id->sk, 32);
    int n = snprintf(text, sizeof text,
                     "{\"format\": \"%s\", \"public_key\": \"%s\", \"seed\": \"%s\"}\n", key_format,
                     pk_hex, seed_hex);
    int rc = px_write_file(path, text, (size_t)n, 0600, true);
    px_memzero(seed_hex, sizeof seed_hex);
    px_memzero(text, sizeof text);
    return rc;
}

enum { PASS_MAX = 1024 };

int px_identity_save_protected(const px_identity *id, const char *path, const char *passphrase)
{
    return px_identity_save_protected_at(id, path, passphrase, PX_PWHASH_MODERATE);
}

int px_identity_save_protected_at(const px_identity *id, const char *path, const char *passphrase,
                                  px_pwhash_level level)
{
    uint8_t salt[16], nonce[24], key[32], box[16 + 32];
    char pk_hex[65], salt_hex[33], nonce_hex[49], box_hex[97], text[512];
    unsigned long long ops, mem;
    size_t plen = strlen(passphrase);
    if (plen == 0)
        return px_err_set(PX_EINVAL, "the passphrase is empty");
    /* The limits go into the file, so a key made at one level opens
     * whatever the default is later. */
    px_pwhash_level_limits(level, &ops, &mem);
    px_random_bytes(salt, sizeof salt);
    px_random_bytes(nonce, sizeof nonce);
    int rc = px_pwhash(key, passphrase, plen, salt, ops, mem);
    if (rc)
        return rc;
    px_secretbox_easy(box, id->sk, 32, nonce, key);
    px_hex_encode(pk_hex, id->pk, 32);
    px_hex_encode(salt_hex, salt, sizeof salt);
    px_hex_encode(nonce_hex, nonce, sizeof nonce);
    px_hex_encode(box_hex, box, sizeof box);
    int n = snprintf(text, sizeof text,
                     "{\"format\": \"%s\", \"public_key\": \"%s\", \"encrypted\": "
                     "{\"kdf\": \"argon2id13\", \"opslimit\": %llu, \"memlimit\": %llu, "
                     "\"salt\": \"%s\", \"nonce\": \"%s\", \"box\": \"%s\"}}\n",
                     key_format, pk_hex, ops, mem, salt_hex, nonce_hex, box_hex);
    rc = px_write_file(path, text, (size_t)n, 0600, true);
    px_memzero(key, sizeof key);
    return rc;
}

/* The Argon2id limits of a protected key file. A file without them (from
 * before they were written) used INTERACTIVE. Limits outside
 * INTERACTIVE..SENSITIVE are refused here, before a passphrase is asked
 * for or memory allocated. */
static int stored_limits(json_t *enc, const char *path, unsigned long long *ops,
                         unsigned long long *mem)
{
    json_t *o = json_object_get(enc, "opslimit"), *m = json_object_get(enc, "memlimit");
    if (!o && !m) {
        px_pwhash_level_limits(PX_PWHASH_INTERACTIVE, ops, mem);
        return PX_OK;
    }
    if (!json_is_integer(o) || !json_is_integer(m) || json_integer_value(o) < 0 ||
        json_integer_value(m) < 0)
        return px_err_set(PX_EFORMAT,
                          "key file %s is damaged: its Argon2id opslimit and memlimit are not "
                          "two whole numbers",
                          path);
    *ops = (unsigned long long)json_integer_value(o);
    *mem = (unsigned long long)json_integer_value(m);
    int rc = px_pwhash_limits_check(*ops, *mem);
    if (rc)
        return px_err_set(PX_EFORMAT, "key file %s is refused: %s", path, px_err_detail());
    return PX_OK;
}

/* The passphrase of a protected key, from the environment or the prompt. */
static int passphrase(char buf[PASS_MAX], px_passphrase_fn prompt, const char *keypath)
{
    const char *file = getenv("PRAXIS_PASSPHRASE_FILE");
    const char *env = getenv("PRAXIS_PASSPHRASE");
    if (file && *file) {
        struct stat st;
        uint8_t *data = NULL;
        size_t len = 0;
        if (stat(file, &st) != 0)
            return px_err_set(PX_ENOENT, "passphrase file %s: %s", file, strerror(errno));
        if (st.st_mode & 077)
            return px_err_set(PX_EPERM,
                              "passphrase file %s is accessible by other users; run: chmod 600 %s",
                              file, file);
        int rc = px_read_file(file, PASS_MAX - 1, &data, &len);
        if (rc)
            return rc;
        size_t n = strcspn((const char *)data, "\r\n");
        memcpy(buf, data, n);
        buf[n] = '\0';
        px_memzero(data, len);
        free(data);
        return PX_OK;
    }
    if (env && *env) {
        size_t n = strlen(env);
        if (n >= PASS_MAX)
            return px_err_set(PX_ETOOBIG, "PRAXIS_PASSPHRASE is too long");
        memcpy(buf, env, n + 1);
        return PX_OK;
    }
    if (prompt)
        return prompt(buf, PASS_MAX);
    return px_err_set(PX_EPERM,
                      "key file %s is protected by a passphrase; set PRAXIS_PASSPHRASE_FILE "
                      "(a 0600 file) or PRAXIS_PASSPHRASE",
                      keypath);
}

static int open_protected(px_identity *id, json_t *enc, const char *path, px_passphrase_fn prompt)
{
    char pass[PASS_MAX];
    uint8_t salt[16], nonce[24], box[48], key[32], seed[32];
    const char *kdf = json_string_value(json_object_get(enc, "kdf"));
    unsigned long long ops, mem;
    if (kdf && strcmp(kdf, "argon2id13") != 0)
        return px_err_set(PX_EFORMAT,
                          "key file %s uses the key derivation '%.32s'; praxis reads only "
                          "argon2id13",
                          path, kdf);
    int rc = stored_limits(enc, path, &ops, &mem);
    if (rc)
        return rc;
    if (!kdf || px_hex_decode(salt, 16, json_string_value(json_object_get(enc, "salt"))) ||
        px_hex_decode(nonce, 24, json_string_value(json_object_get(enc, "nonce"))) ||
        px_hex_decode(box, 48, json_string_value(json_object_get(enc, "box"))))
        return px_err_set(PX_EFORMAT, "key file %s: its 'encrypted' part is damaged", path);
    rc = passphrase(pass, prompt, path);
    if (!rc)
        rc = px_pwhash(key, pass, strlen(pass), salt, ops, mem);
    px_memzero(pass, sizeof pass);
    if (!rc && px_secretbox_open_easy(seed, box, sizeof box, nonce, key) != PX_OK)
        rc = px_err_set(PX_ECRYPTO, "wrong passphrase for key file %s", path);
    if (!rc)
        px_identity_from_seed(id, seed);
    px_memzero(key, sizeof key);
    px_memzero(seed, sizeof seed);
    return rc;
}

int px_identity_load(px_identity *id, const char *path)
{
    return px_identity_load_with(id, path, NULL);
}

int px_identity_load_with(px_identity *id, const char *path, px_passphrase_fn prompt)
{
    int rc = PX_OK;
    struct stat st;
    uint8_t *data = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    uint8_t seed[32];
    json_error_t jerr;

    if (stat(path, &st) != 0)
        return px_err_set(px_err_from_errno(errno), "cannot read key file %s: %s", path,
                          strerror(errno));
    if (st.st_mode & 077)
        return px_err_set(PX_EPERM,
                          "key file %s is accessible by other users (mode %04o); "
                          "run: chmod 600 %s",
                          path, (unsigned)(st.st_mode & 07777), path);
    rc = px_read_file(path, 4096, &data, &len);
    if (rc)
        return rc;
    doc = json_loadb((const char *)data, len, 0, &jerr);
    const char *fmt = json_string_value(json_object_get(doc, "format"));
    const char *pk_hex = json_string_value(json_object_get(doc, "public_key"));
    const char *seed_hex = json_string_value(json_object_get(doc, "seed"));
    json_t *enc = json_object_get(doc, "encrypted");
    if (!doc || !fmt || strcmp(fmt, key_format) != 0 || !pk_hex ||
        (!json_is_object(enc) && (!seed_hex || px_hex_decode(seed, 32, seed_hex) != PX_OK))) {
        rc = px_err_set(PX_EFORMAT, "key file %s is damaged or not a praxis key file", path);
        goto out;
    }
    if (json_is_object(enc)) {
        rc = open_protected(id, enc, path, prompt);
        if (rc)
            goto out;
    } else {
        px_identity_from_seed(id, seed);
    }
    char have[65];
    px_hex_encode(have, id->pk, 32);
    if (strcmp(have, pk_hex) != 0) {
        rc = px_err_set(PX_EFORMAT,
                        "key file %s is damaged: its public key does not match its seed", path);
        px_identity_clear(id);
    }
out:
    px_memzero(seed, sizeof seed);
    if (doc) {
        /* Wipe the seed's text inside jansson's copy before freeing it. */
        json_t *s = json_object_get(doc, "seed");
        if (json_is_string(s))
            px_memzero((void *)json_string_value(s), json_string_length(s));
        json_decref(doc);
    }
    if (data)
        px_memzero(data, len);
    free(data);
    return rc;
}

int px_identity_public(const char *path, uint8_t pk[32])
{
    struct stat st;
    uint8_t *data = NULL;
    size_t len = 0;
    json_error_t jerr;
    if (stat(path, &st) != 0)
        return px_err_set(px_err_from_errno(errno), "cannot read key file %s: %s", path,
                          strerror(errno));
    if (st.st_mode & 077)
        return px_err_set(PX_EPERM,
                          "key file %s is accessible by other users (mode %04o); run: chmod 600 %s",
                          path, (unsigned)(st.st_mode & 07777), path);
    int rc = px_read_file(path, 4096, &data, &len);
    if (rc)
        return rc;
    json_t *doc = json_loadb((const char *)data, len, 0, &jerr);
    if (px_hex_decode(pk, 32, json_string_value(json_object_get(doc, "public_key"))) != PX_OK)
        rc = px_err_set(PX_EFORMAT, "key file %s is damaged or not a praxis key file", path);
    json_t *seed = json_object_get(doc, "seed");
    if (json_is_string(seed))
        px_memzero((void *)json_string_value(seed), json_string_length(seed));
    json_decref(doc);
    px_memzero(data, len);
    free(data);
    return rc;
}

void px_identity_clear(px_identity *id)
{
    if (id)
        px_memzero(id, sizeof *id);
}
