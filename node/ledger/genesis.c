/* SPDX-License-Identifier: Apache-2.0 */
/*
 * genesis.c — create, derive, parse and write network genesis documents
 * (see genesis.h).
 */
#include "genesis.h"

#include "addr.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char id_context[] = "praxis-network-v1";

void px_genesis_derive_id(px_genesis *g)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    size_t name_len = strlen(g->name);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_str(&pk, sizeof id_context - 1);
    msgpack_pack_str_body(&pk, id_context, sizeof id_context - 1);
    msgpack_pack_str(&pk, name_len);
    msgpack_pack_str_body(&pk, g->name, name_len);
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, g->network_key, 32);
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, g->root, 32);
    px_hash(g->network_id, (const uint8_t *)sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static int name_check(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > PX_NETWORK_NAME_MAX)
        return px_err_set(PX_EINVAL, "network name must be 1-%d bytes", PX_NETWORK_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return px_err_set(PX_EINVAL, "network name contains a control character");
    return PX_OK;
}

int px_genesis_create(px_genesis *g, const char *name, const uint8_t root[32])
{
    int rc = name_check(name);
    if (rc)
        return rc;
    memset(g, 0, sizeof *g);
    memcpy(g->name, name, strlen(name) + 1);
    px_random_bytes(g->network_key, 32);
    memcpy(g->root, root, 32);
    px_genesis_derive_id(g);
    return PX_OK;
}

int px_addr_check(const char *s)
{
    px_addr a;
    if (strlen(s) >= PX_ADDR_MAX)
        return px_err_set(PX_EINVAL, "address '%.40s...' is too long", s);
    return px_addr_parse(s, &a);
}

static int hex_field(json_t *doc, const char *field, uint8_t out[32], const char *source,
                     bool required, bool *present)
{
    json_t *v = json_object_get(doc, field);
    if (present)
        *present = v != NULL;
    if (!v) {
        if (!required)
            return PX_OK;
        return px_err_set(PX_EFORMAT, "%s: field '%s' is missing", source, field);
    }
    if (!json_is_string(v) || px_hex_decode(out, 32, json_string_value(v)) != PX_OK)
        return px_err_set(PX_EFORMAT, "%s: field '%s' must be 64 hex digits", source, field);
    return PX_OK;
}

int px_genesis_parse(px_genesis *g, const char *text, size_t len, const char *source)
{
    int rc = PX_OK;
    json_error_t jerr;
    uint8_t claimed_id[32];
    bool has_id = false;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    memset(g, 0, sizeof *g);
    if (!doc)
        return px_err_set(PX_EFORMAT, "%s:%d:%d: %s", source, jerr.line, jerr.column, jerr.text);
    if (!json_is_object(doc)) {
        rc = px_err_set(PX_EFORMAT, "%s: a genesis document must be a JSON object", source);
        goto out;
    }
    const char *name = json_string_value(json_object_get(doc, "name"));
    if (!name) {
        rc = px_err_set(PX_EFORMAT, "%s: field 'name' is missing or not a string", source);
        goto out;
    }
    rc = name_check(name);
    if (rc) {
        rc = px_err_set(PX_EFORMAT, "%s: field 'name': %s", source, px_err_detail());
        goto out;
    }
    memcpy(g->name, name, strlen(name) + 1);
    rc = hex_field(doc, "network_key", g->network_key, source, true, NULL);
    if (!rc)
        rc = hex_field(doc, "root", g->root, source, true, NULL);
    if (!rc)
        rc = hex_field(doc, "network_id", claimed_id, source, false, &has_id);
    if (rc)
        goto out;
    json_t *boot = json_object_get(doc, "bootstrap");
    if (boot && !json_is_array(boot)) {
        rc = px_err_set(PX_EFORMAT, "%s: field 'bootstrap' must be a list of HOST:PORT", source);
        goto out;
    }
    size_t i;
    json_t *a;
    json_array_foreach(boot, i, a)
    {
        const char *addr = json_string_value(a);
        if (!addr || px_addr_check(addr) != PX_OK) {
            rc = px_err_set(PX_EFORMAT, "%s: bootstrap entry %zu is not HOST:PORT", source, i + 1);
            goto out;
        }
        rc = px_genesis_bootstrap_add(g, addr);
        if (rc == PX_EEXIST)
            rc = PX_OK;
        if (rc) {
            rc = px_err_set(PX_EFORMAT, "%s: more than %d bootstrap addresses", source,
                            PX_BOOTSTRAP_MAX);
            goto out;
        }
    }
    px_genesis_derive_id(g);
    if (has_id && !px_memeq(claimed_id, g->network_id, 32))
        rc = px_err_set(PX_EFORMAT,
                        "%s: network_id does not match its name, network_key and root; "
                        "the document was altered",
                        source);
out:
    json_decref(doc);
    return rc;
}

int px_genesis_load(px_genesis *g, const char *path)
{
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = px_read_file(path, 64 * 1024, &data, &len);
    if (rc)
        return rc;
    rc = px_genesis_parse(g, (const char *)data, len, path);
    px_memzero(data, len);
    free(data);
    return rc;
}

char *px_genesis_to_json(const px_genesis *g)
{
    char id[65], key[65], root[65];
    px_hex_encode(id, g->network_id, 32);
    px_hex_encode(key, g->network_key, 32);
    px_hex_encode(root, g->root, 32);
    json_t *boot = json_array();
    for (size_t i = 0; i < g->n_bootstrap; i++)
        json_array_append_new(boot, json_string(g->bootstrap[i]));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", g->name, "network_id", id,
                            "network_key", key, "root", root, "bootstrap", boot);
    char *out = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    px_memzero(key, sizeof key);
    return out;
}

int px_genesis_save(const px_genesis *g, const char *path)
{
    char *text = px_genesis_to_json(g);
    if (!text)
        return PX_ENOMEM;
    size_t n = strlen(text);
    px_buf b = {0};
    int rc = px_buf_append(&b, text, n);
    if (!rc)
        rc = px_buf_append(&b, "\n", 1);
    if (!rc)
        rc = px_write_file(path, b.data, b.len, 0600, false);
    px_memzero(text, n);
    free(text);
    px_memzero(b.data, b.len);
    px_buf_free(&b);
    return rc;
}

int px_genesis_bootstrap_add(px_genesis *g, const char *addr)
{
    int rc = px_addr_check(addr);
    if (rc)
        return rc;
    for (size_t i = 0; i < g->n_bootstrap; i++)
        if (strcmp(g->bootstrap[i], addr) == 0)
            return px_err_set(PX_EEXIST, "bootstrap address %s is already listed", addr);
    if (g->n_bootstrap == PX_BOOTSTRAP_MAX)
        return px_err_set(PX_ETOOBIG, "a genesis holds at most %d bootstrap addresses",
                          PX_BOOTSTRAP_MAX);
    memcpy(g->bootstrap[g->n_bootstrap++], addr, strlen(addr) + 1);
    return PX_OK;
}

int px_genesis_bootstrap_remove(px_genesis *g, const char *addr)
{
    for (size_t i = 0; i < g->n_bootstrap; i++) {
        if (strcmp(g->bootstrap[i], addr) != 0)
            continue;
        memmove(g->bootstrap[i], g->bootstrap[i + 1], (g->n_bootstrap - i - 1) * PX_ADDR_MAX);
        g->n_bootstrap--;
        return PX_OK;
    }
    return px_err_set(PX_ENOENT, "bootstrap address %s is not listed", addr);
}
