/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonout.c — JSON for people and scripts (see jsonout.h). A small writer
 * over jansson: jansson formats every scalar (escaping, numbers), this file
 * walks the containers so that each real gets its own precision and null
 * members are left out.
 */
#include "jsonout.h"

#include "error.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int px_json_real_precision(double v)
{
    char buf[40];
    int p = 1;
    for (; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* Numbers people write plainly stay plain: 100.0, not 1e2. */
    double a = fabs(v);
    while (p < 17 && a >= 1e-4 && a < 1e16 && strchr(buf, 'e'))
        snprintf(buf, sizeof buf, "%.*g", ++p, v);
    return p;
}

static int put(px_buf *b, const char *s)
{
    return px_buf_append(b, s, strlen(s));
}

static int append_cb(const char *buffer, size_t size, void *data)
{
    return px_buf_append(data, buffer, size) == PX_OK ? 0 : -1;
}

static int put_scalar(px_buf *b, const json_t *v)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return put(b, num);
    case JSON_TRUE:
        return put(b, "true");
    case JSON_FALSE:
        return put(b, "false");
    case JSON_NULL:
        return put(b, "null");
    default:
        break;
    }
    size_t flags = JSON_ENCODE_ANY;
    if (json_is_real(v))
        flags |= JSON_REAL_PRECISION(px_json_real_precision(json_real_value(v)));
    /* jansson escapes strings and formats reals, straight into b */
    return json_dump_callback(v, append_cb, b, flags) == 0 ? PX_OK : PX_ENOMEM;
}

static int newline(px_buf *b, bool indent, int depth)
{
    if (!indent)
        return PX_OK;
    int rc = put(b, "\n");
    for (int i = 0; !rc && i < depth; i++)
        rc = put(b, "  ");
    return rc;
}

static int put_value(px_buf *b, const json_t *v, int flags, int depth)
{
    bool indent = flags & PX_JSON_INDENT;
    int rc = PX_OK;
    bool any = false;
    if (json_is_object(v)) {
        const char *key;
        json_t *m;
        rc = put(b, "{");
        json_object_foreach((json_t *)v, key, m)
        {
            if (rc || (json_is_null(m) && !(flags & PX_JSON_KEEP_NULL)))
                continue;
            json_t *k = json_string(key);
            rc = k ? PX_OK : PX_ENOMEM;
            if (!rc && any)
                rc = put(b, ",");
            if (!rc)
                rc = newline(b, indent, depth + 1);
            if (!rc)
                rc = put_scalar(b, k);
            if (!rc)
                rc = put(b, indent ? ": " : ":");
            if (!rc)
                rc = put_value(b, m, flags, depth + 1);
            json_decref(k);
            any = true;
        }
        if (!rc && any)
            rc = newline(b, indent, depth);
        return rc ? rc : put(b, "}");
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *m;
        rc = put(b, "[");
        json_array_foreach(v, i, m)
        {
            if (rc)
                break;
            if (i)
                rc = put(b, ",");
            if (!rc)
                rc = newline(b, indent, depth + 1);
            if (!rc)
                rc = put_value(b, m, flags, depth + 1);
            any = true;
        }
        if (!rc && any)
            rc = newline(b, indent, depth);
        return rc ? rc : put(b, "]");
    }
    return put_scalar(b, v);
}

char *px_json_dumps(const json_t *v, int flags)
{
    px_buf b = {0};
    int rc = v ? put_value(&b, v, flags, 0) : put(&b, "null");
    if (!rc)
        rc = px_buf_append(&b, "", 1);
    if (rc) {
        px_buf_free(&b);
        return NULL;
    }
    return (char *)b.data; /* px_buf's data is plain malloc'd memory */
}

int px_json_print(FILE *f, const json_t *v)
{
    char *s = px_json_dumps(v, PX_JSON_INDENT);
    if (!s)
        return PX_ENOMEM;
    int rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? PX_EIO : PX_OK;
    free(s);
    return rc;
}

int px_json_print_at(FILE *f, const json_t *v, int depth)
{
    px_buf b = {0};
    int rc = v ? put_value(&b, v, PX_JSON_INDENT, depth) : put(&b, "null");
    if (!rc && b.len && fwrite(b.data, 1, b.len, f) != b.len)
        rc = PX_EIO;
    px_buf_free(&b);
    return rc;
}
