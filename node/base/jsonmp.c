/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonmp.c — JSON <-> msgpack conversion (see jsonmp.h).
 */
#include "jsonmp.h"

#include "error.h"
#include "mpcheck.h"

#include <math.h>
#include <stdlib.h>
#include <msgpack.h>
#include <string.h>

int px_json_parse(const char *text, size_t len, const char *source, json_t **out)
{
    json_error_t jerr;
    *out = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!*out)
        return px_err_set(PX_EFORMAT, "%s:%d:%d: %s", source, jerr.line, jerr.column, jerr.text);
    return PX_OK;
}

static int pack(msgpack_packer *pk, const json_t *v, int depth)
{
    if (depth > PX_JSON_DEPTH_MAX)
        return px_err_set(PX_EINVAL, "JSON nests deeper than %d levels", PX_JSON_DEPTH_MAX);
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        msgpack_pack_map(pk, json_object_size(v));
        json_object_foreach((json_t *)v, key, val)
        {
            size_t n = strlen(key);
            msgpack_pack_str(pk, n);
            msgpack_pack_str_body(pk, key, n);
            int rc = pack(pk, val, depth + 1);
            if (rc)
                return rc;
        }
        return PX_OK;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *val;
        msgpack_pack_array(pk, json_array_size(v));
        json_array_foreach(v, i, val)
        {
            int rc = pack(pk, val, depth + 1);
            if (rc)
                return rc;
        }
        return PX_OK;
    }
    case JSON_STRING: {
        size_t n = json_string_length(v);
        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, json_string_value(v), n);
        return PX_OK;
    }
    case JSON_INTEGER:
        msgpack_pack_int64(pk, json_integer_value(v));
        return PX_OK;
    case JSON_REAL:
        msgpack_pack_double(pk, json_real_value(v));
        return PX_OK;
    case JSON_TRUE:
        msgpack_pack_true(pk);
        return PX_OK;
    case JSON_FALSE:
        msgpack_pack_false(pk);
        return PX_OK;
    case JSON_NULL:
        msgpack_pack_nil(pk);
        return PX_OK;
    }
    return PX_EINVAL;
}

static int buf_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

int px_json_to_msgpack(const json_t *v, px_buf *out)
{
    msgpack_packer pk;
    size_t before = out->len;
    msgpack_packer_init(&pk, out, buf_write);
    int rc = pack(&pk, v, 0);
    if (rc)
        out->len = before;
    return rc;
}

static json_t *unpack(const msgpack_object *o, int depth, int *rc)
{
    if (depth > PX_JSON_DEPTH_MAX) {
        *rc =
            px_err_set(PX_EFORMAT, "msgpack value nests deeper than %d levels", PX_JSON_DEPTH_MAX);
        return NULL;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)o->via.u64);
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64)) {
            *rc = px_err_set(PX_EFORMAT, "msgpack value holds a non-finite number");
            return NULL;
        }
        return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR:
        /* msgpack-c may give an empty string a NULL pointer, which jansson
         * would take for an allocation failure. */
        return json_stringn_nocheck(o->via.str.size ? o->via.str.ptr : "", o->via.str.size);
    case MSGPACK_OBJECT_BIN: {
        json_t *s = NULL;
        char *hex = malloc(2 * (size_t)o->via.bin.size + 1);
        if (hex) {
            px_hex_encode(hex, (const uint8_t *)o->via.bin.ptr, o->via.bin.size);
            s = json_string(hex);
        }
        free(hex);
        return s;
    }
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; a && i < o->via.array.size; i++) {
            json_t *v = unpack(&o->via.array.ptr[i], depth + 1, rc);
            if (!v) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, v);
        }
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; m && i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            char key[256];
            if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size >= sizeof key) {
                *rc = px_err_set(PX_EFORMAT, "msgpack map has a key that is not a short string");
                json_decref(m);
                return NULL;
            }
            if (kv->key.via.str.size) /* an empty key's pointer may be NULL */
                memcpy(key, kv->key.via.str.ptr, kv->key.via.str.size);
            key[kv->key.via.str.size] = '\0';
            json_t *v = unpack(&kv->val, depth + 1, rc);
            if (!v) {
                json_decref(m);
                return NULL;
            }
            json_object_set_new_nocheck(m, key, v);
        }
        return m;
    }
    default:
        *rc = px_err_set(PX_EFORMAT, "msgpack value holds an extension type");
        return NULL;
    }
}

int px_msgpack_to_json(const uint8_t *p, size_t len, json_t **out)
{
    msgpack_zone zone;
    msgpack_object root;
    size_t off = 0;
    int rc = PX_OK;
    *out = NULL;
    size_t used = 0;
    rc = px_msgpack_check(p, len, PX_JSON_DEPTH_MAX, &used);
    if (rc == PX_EAGAIN || (!rc && used != len))
        return px_err_set(PX_EFORMAT,
                          "not exactly one msgpack value (truncated or trailing bytes)");
    if (rc)
        return rc;
    if (!msgpack_zone_init(&zone, 4096))
        return PX_ENOMEM;
    msgpack_unpack_return ur = msgpack_unpack((const char *)p, len, &off, &zone, &root);
    if (ur != MSGPACK_UNPACK_SUCCESS || off != len) {
        rc = px_err_set(PX_EFORMAT, "not exactly one msgpack value");
        goto out;
    }
    *out = unpack(&root, 0, &rc);
    if (!*out && !rc)
        rc = PX_ENOMEM;
out:
    msgpack_zone_destroy(&zone);
    return rc;
}
