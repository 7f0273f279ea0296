/*
 * webapi.c — /api/...: the same JSON documents the CLI's --json prints,
 * made by the same library calls (query.h), written the same way.
 */
#include "error.h"
#include "web.h"
#include "webint.h"

#include <stdlib.h>
#include <string.h>

/* Members whose value is null are left out, at every depth (schema/CLI.md:
 * a missing value is absent, never null). */
static void strip_nulls(json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *val;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, val)
        {
            if (json_is_null(val))
                json_object_del(v, key);
            else
                strip_nulls(val);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) strip_nulls(e);
    }
}

char *px_web_json_text(const json_t *doc)
{
    json_t *copy = json_deep_copy(doc);
    if (!copy)
        return NULL;
    strip_nulls(copy);
    /* 15 significant digits: 4.66 prints as 4.66, not 4.6600000000000001. */
    char *text = json_dumps(copy, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
                                      JSON_REAL_PRECISION(15));
    json_decref(copy);
    return text;
}
