/* SPDX-License-Identifier: Apache-2.0 */
/*
 * support.c — the unit tests' shared helpers (support.h).
 */
#include "support.h"

#include "error.h"
#include "index.h"
#include "jsonmp.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[96];

static void die(const char *what, int rc)
{
    fprintf(stderr, "test setup failed: %s: %s\n", what, rc ? px_err_message(rc) : "");
    exit(1);
}

static void remove_dir(void)
{
    char cmd[160];
    if (!dir[0])
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

const char *ts_tmpdir(const char *name)
{
    if (dir[0])
        return dir;
    snprintf(dir, sizeof dir, "/tmp/px-test-%s-XXXXXX", name);
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        die("mkdtemp", PX_EIO);
    }
    atexit(remove_dir);
    return dir;
}

const char *ts_path(char out[256], const char *name)
{
    if (!dir[0])
        die("ts_path before ts_tmpdir", PX_EINVAL);
    snprintf(out, 256, "%s/%s", dir, name);
    return out;
}

px_store *ts_open_store(const char *name, bool with_index)
{
    char path[256];
    px_store *s = NULL;
    int rc = px_store_open(ts_path(path, name), &s);
    if (rc)
        die("px_store_open", rc);
    if (with_index && (rc = px_index_open(s, NULL)) != PX_OK)
        die("px_index_open", rc);
    return s;
}

px_feed_ctx ts_feed_ctx(px_store *s, const uint8_t net[32], bool with_index)
{
    px_feed_ctx fc = {.store = s};
    memcpy(fc.network_id, net, 32);
    if (with_index) {
        fc.schema = px_index_schema;
        fc.index = px_index_entry;
    }
    return fc;
}

char *ts_sq(const char *s)
{
    char *d = strdup(s);
    if (!d)
        die("strdup", PX_ENOMEM);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

void ts_msgpack(px_buf *out, const char *sq_json)
{
    char *text = ts_sq(sq_json);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    free(text);
    if (!j) {
        fprintf(stderr, "test setup failed: bad JSON (%s): %s\n", err.text, sq_json);
        exit(1);
    }
    px_buf_reset(out);
    int rc = px_json_to_msgpack(j, out);
    json_decref(j);
    if (rc)
        die("px_json_to_msgpack", rc);
}

void ts_sign(px_entry *e, const px_identity *who, const uint8_t net[32], uint64_t seq,
             const uint8_t *prev, uint64_t ts, const char *kind, const uint8_t *body, size_t len)
{
    px_header h = {0};
    memcpy(h.network_id, net, 32);
    memcpy(h.author, who->pk, 32);
    h.seq = seq;
    h.has_prev = prev != NULL;
    if (prev)
        memcpy(h.prev, prev, 32);
    h.timestamp_ms = ts;
    snprintf(h.kind, sizeof h.kind, "%s", kind);
    int rc = px_entry_sign(e, &h, body ? body : (const uint8_t *)"", body ? len : 0, who->sk);
    if (rc)
        die("px_entry_sign", rc);
}

ts_rng ts_rng_seed(uint64_t seed)
{
    ts_rng r = {seed ? seed : 0x9e3779b97f4a7c15ull};
    return r;
}

uint32_t ts_rng_below(ts_rng *r, uint32_t n)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s % n);
}
