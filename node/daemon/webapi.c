/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webapi.c — /api/...: the same JSON documents the CLI's --json prints,
 * made by the same library calls (query.h), written the same way.
 */
#include "error.h"
#include "web.h"
#include "webint.h"
#include "jsonout.h"

#include <stdlib.h>
#include <string.h>

char *px_web_json_text(const json_t *doc)
{
    /* The CLI's writer (jsonout.h, schema/CLI.md): nulls left out, every
     * number in its shortest exact form, so /api/ and --json print alike. */
    return px_json_dumps(doc, PX_JSON_INDENT);
}
