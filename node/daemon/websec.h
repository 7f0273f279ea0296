/* SPDX-License-Identifier: Apache-2.0 */
/*
 * websec.h — the web interface's security rules as plain functions (web.h
 * applies them to every request; tests call them directly):
 *
 *   - the login token: 32 random bytes as hex in DIR/web.token (0600),
 *     created by praxisd when missing, replaced by `praxis ui --new-token`
 *     (its file functions are in webtoken.h, which the CLI shares);
 *   - sessions: a random id in an HttpOnly, SameSite=Strict cookie, bound
 *     to the token it was opened with (a new token ends every session),
 *     ending after PX_WEB_SESSION_IDLE_MS unused or PX_WEB_SESSION_MAX_MS
 *     in all; each has its own CSRF token;
 *   - the Host check against DNS rebinding;
 *   - cookie parsing.
 */
#ifndef PX_WEBSEC_H
#define PX_WEBSEC_H

#include "webtoken.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_WEB_SESSION_HEX = 64, /* session ids and CSRF tokens: 32 bytes as hex */
};

/* ---- sessions -------------------------------------------------------------- */

typedef struct px_session {
    char id[PX_WEB_SESSION_HEX + 1];
    char csrf[PX_WEB_SESSION_HEX + 1];
    uint8_t token_hash[16]; /* of the token it was opened with */
    uint64_t created_ms, used_ms;
} px_session;

typedef struct px_sessions {
    pthread_mutex_t mu;
    px_session *v;
    size_t n, max;
    uint64_t idle_ms, max_ms;
} px_sessions;

/* max 0: PX_WEB_SESSIONS_MAX; idle_ms/max_ms 0: the defaults. */
int px_sessions_init(px_sessions *s, size_t max, uint64_t idle_ms, uint64_t max_ms);
void px_sessions_free(px_sessions *s);

/* Trade token (as given in the login URL) for a new session when it equals
 * current (constant time). OUT *out: a copy of the session. PX_EPERM if the
 * token is wrong. The oldest session is dropped when at max. */
int px_sessions_login(px_sessions *s, const char *token, const char *current, uint64_t now_ms,
                      px_session *out);

/* The live session with this id opened with the current token; refreshes
 * its last use. Expired ones and those of another token are removed.
 * PX_OK (and *out a copy) or PX_ENOENT. */
int px_sessions_find(px_sessions *s, const char *id, const char *current, uint64_t now_ms,
                     px_session *out);

/* End the session with this id (logging out). */
void px_sessions_remove(px_sessions *s, const char *id);

/* End every session (a new token). */
void px_sessions_clear(px_sessions *s);

/* ---- checks ------------------------------------------------------------------ */

/* Constant-time equality of two NUL-terminated strings (lengths may leak). */
bool px_websec_equal(const char *a, const char *b);

/* Is the Host header acceptable for a server bound to listen ("HOST:PORT",
 * "[v6]:PORT")? Accepted: the bound address, localhost, 127.0.0.1 and
 * [::1], each with the bound port; and each of extra (names with or
 * without a port; without one the bound port is implied). Names compare
 * ignoring ASCII case. A missing Host is refused. */
bool px_websec_host_ok(const char *host, const char *listen, const char *const *extra,
                       size_t n_extra);

/* The value of cookie name in a Cookie header, copied into out (outlen
 * bytes). false when absent, empty or too long. */
bool px_websec_cookie(const char *header, const char *name, char *out, size_t outlen);

#endif
