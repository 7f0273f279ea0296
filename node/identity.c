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

int px_identity_load(px_identity *id, const char *path)
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
    if (!doc || !fmt || strcmp(fmt, key_format) != 0 || !pk_hex || !seed_hex ||
        px_hex_decode(seed, 32, seed_hex) != PX_OK) {
        rc = px_err_set(PX_EFORMAT, "key file %s is damaged or not a praxis key file", path);
        goto out;
    }
    px_identity_from_seed(id, seed);
    char have[65];
    px_hex_encode(have, id->pk, 32);
    if (strcmp(have, pk_hex) != 0) {
        rc = px_err_set(PX_EFORMAT, "key file %s is damaged: its public key does not match its seed",
                        path);
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

void px_identity_clear(px_identity *id)
{
    if (id)
        px_memzero(id, sizeof *id);
}
