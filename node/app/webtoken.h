/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webtoken.h — the files through which praxisd's web interface and the
 * CLI's `praxis ui` meet in the data directory:
 *
 *   - DIR/http.addr: the address praxisd serves on, while it serves;
 *   - DIR/web.token: the login token, 32 random bytes as hex (0600),
 *     created by praxisd when missing, replaced by `praxis ui --new-token`
 *     (which ends every open session: the server rereads the file).
 *
 * The sessions, Host check and cookies that the token opens are the
 * daemon's (websec.h).
 */
#ifndef PX_WEBTOKEN_H
#define PX_WEBTOKEN_H

#define PX_WEB_ADDR_FILE "http.addr"  /* in the data directory, while praxisd serves */
#define PX_WEB_TOKEN_FILE "web.token" /* in the data directory, 0600 */

enum {
    PX_WEB_TOKEN_HEX = 64, /* the login token: 32 bytes as hex */
};

/* Read DIR/web.token into hex (PX_WEB_TOKEN_HEX + 1 bytes). PX_ENOENT if
 * missing, PX_EPERM if group or others may read it, PX_EFORMAT if it does
 * not hold 64 hex digits. */
int px_webtoken_read(const char *data_dir, char hex[PX_WEB_TOKEN_HEX + 1]);
/* Write a new random token (0600, atomically). OUT hex (may be NULL). */
int px_webtoken_new(const char *data_dir, char hex[PX_WEB_TOKEN_HEX + 1]);
/* Read it, creating it first when missing. */
int px_webtoken_ensure(const char *data_dir, char hex[PX_WEB_TOKEN_HEX + 1]);

#endif
