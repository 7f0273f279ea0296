/* SPDX-License-Identifier: Apache-2.0 */
/*
 * websec.c — sessions, Host check and cookie parsing for the web interface
 * (see websec.h; the login token file is webtoken.c).
 */
#include "websec.h"

#include "crypto.h"
#include "error.h"
#include "util.h"
#include "web.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sessions ------------------------------------------------------------------ */

int px_sessions_init(px_sessions *s, size_t max, uint64_t idle_ms, uint64_t max_ms)
{
    memset(s, 0, sizeof *s);
    s->max = max ? max : PX_WEB_SESSIONS_MAX;
    s->idle_ms = idle_ms ? idle_ms : PX_WEB_SESSION_IDLE_MS;
    s->max_ms = max_ms ? max_ms : PX_WEB_SESSION_MAX_MS;
    s->v = calloc(s->max, sizeof *s->v);
    if (!s->v)
        return PX_ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    return PX_OK;
}

void px_sessions_free(px_sessions *s)
{
    if (!s->v)
        return;
    px_memzero(s->v, s->max * sizeof *s->v);
    free(s->v);
    pthread_mutex_destroy(&s->mu);
    memset(s, 0, sizeof *s);
}

static void token_hash(uint8_t out[16], const char *token)
{
    uint8_t h[32];
    px_hash(h, (const uint8_t *)token, strlen(token));
    memcpy(out, h, 16);
}

static void random_hex(char out[PX_WEB_SESSION_HEX + 1])
{
    uint8_t raw[32];
    px_random_bytes(raw, 32);
    px_hex_encode(out, raw, 32);
    px_memzero(raw, sizeof raw);
}

int px_sessions_login(px_sessions *s, const char *token, const char *current, uint64_t now_ms,
                      px_session *out)
{
    if (!token || !current || strlen(token) != PX_WEB_TOKEN_HEX || !px_websec_equal(token, current))
        return px_err_set(PX_EPERM, "the login token is wrong or was replaced; run 'praxis ui'");
    px_session ns = {0};
    random_hex(ns.id);
    random_hex(ns.csrf);
    token_hash(ns.token_hash, current);
    ns.created_ms = ns.used_ms = now_ms;
    pthread_mutex_lock(&s->mu);
    if (s->n == s->max) { /* drop the least recently used */
        size_t oldest = 0;
        for (size_t i = 1; i < s->n; i++)
            if (s->v[i].used_ms < s->v[oldest].used_ms)
                oldest = i;
        s->v[oldest] = s->v[--s->n];
    }
    s->v[s->n++] = ns;
    pthread_mutex_unlock(&s->mu);
    *out = ns;
    return PX_OK;
}

int px_sessions_find(px_sessions *s, const char *id, const char *current, uint64_t now_ms,
                     px_session *out)
{
    uint8_t th[16];
    int rc = PX_ENOENT;
    if (!id || strlen(id) != PX_WEB_SESSION_HEX || !current)
        return PX_ENOENT;
    token_hash(th, current);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n;) {
        px_session *x = &s->v[i];
        /* now_ms was read before the lock: another worker may have used or
         * opened a session a moment "later" (unsigned differences would
         * wrap and end a live session under concurrent requests). */
        bool dead = (now_ms > x->used_ms && now_ms - x->used_ms > s->idle_ms) ||
                    (now_ms > x->created_ms && now_ms - x->created_ms > s->max_ms) ||
                    !px_memeq(x->token_hash, th, 16);
        if (dead) {
            *x = s->v[--s->n];
            memset(&s->v[s->n], 0, sizeof s->v[s->n]);
            continue;
        }
        if (rc != PX_OK && px_websec_equal(x->id, id)) {
            if (now_ms > x->used_ms)
                x->used_ms = now_ms;
            *out = *x;
            rc = PX_OK;
        }
        i++;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void px_sessions_remove(px_sessions *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n; i++)
        if (px_websec_equal(s->v[i].id, id)) {
            s->v[i] = s->v[--s->n];
            px_memzero(&s->v[s->n], sizeof s->v[s->n]);
            break;
        }
    pthread_mutex_unlock(&s->mu);
}

void px_sessions_clear(px_sessions *s)
{
    pthread_mutex_lock(&s->mu);
    px_memzero(s->v, s->max * sizeof *s->v);
    s->n = 0;
    pthread_mutex_unlock(&s->mu);
}

/* ---- checks ---------------------------------------------------------------------- */

bool px_websec_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    unsigned char d = 0;
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool ieq(const char *a, size_t la, const char *b, size_t lb)
{
    if (la != lb)
        return false;
    for (size_t i = 0; i < la; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Split "name:port" / "[v6]:port" at its port colon. OUT *port: after the
 * colon, or NULL when there is no port. Returns the length of the name
 * (brackets kept). */
static size_t split_port(const char *s, const char **port)
{
    const char *colon;
    *port = NULL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return strlen(s);
        if (close[1] == ':')
            *port = close + 2;
        return (size_t)(close + 1 - s);
    }
    colon = strrchr(s, ':');
    if (colon && strchr(s, ':') == colon) {
        *port = colon + 1;
        return (size_t)(colon - s);
    }
    return strlen(s);
}

bool px_websec_host_ok(const char *host, const char *listen, const char *const *extra,
                       size_t n_extra)
{
    const char *hport, *lport;
    if (!host || !*host || !listen)
        return false;
    for (const char *p = host; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '/' || *p == '@' || (unsigned char)*p >= 0x7f)
            return false;
    size_t hn = split_port(host, &hport);
    size_t ln = split_port(listen, &lport);
    if (!hport || !*hport || !lport || strcmp(hport, lport) != 0)
        goto extras;
    {
        static const char *const local[] = {"localhost", "127.0.0.1", "[::1]"};
        char bound[80];
        /* The bound address as a Host header writes it: v6 in brackets. */
        if (listen[0] != '[' && memchr(listen, ':', ln) && ln + 2 < sizeof bound)
            snprintf(bound, sizeof bound, "[%.*s]", (int)ln, listen);
        else
            snprintf(bound, sizeof bound, "%.*s", (int)ln, listen);
        if (ieq(host, hn, bound, strlen(bound)))
            return true;
        for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
            if (ieq(host, hn, local[i], strlen(local[i])))
                return true;
    }
extras:
    for (size_t i = 0; i < n_extra; i++) {
        const char *eport;
        size_t en = split_port(extra[i], &eport);
        const char *want_port = eport ? eport : lport;
        if (!hport || !want_port || strcmp(hport, want_port) != 0)
            continue;
        if (ieq(host, hn, extra[i], en))
            return true;
    }
    return false;
}

bool px_websec_cookie(const char *header, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = header;
    if (!p || outlen == 0)
        return false;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *eq = p;
        while (*eq && *eq != '=' && *eq != ';')
            eq++;
        const char *end = eq;
        while (*end && *end != ';')
            end++;
        if (*eq == '=' && (size_t)(eq - p) == nl && memcmp(p, name, nl) == 0) {
            const char *v = eq + 1;
            size_t vl = (size_t)(end - v);
            while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
            }
            if (vl == 0 || vl >= outlen)
                return false;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}
