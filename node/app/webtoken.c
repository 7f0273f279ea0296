/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webtoken.c — the web interface's login token file (see webtoken.h).
 */
#include "webtoken.h"

#include "crypto.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- token file ---------------------------------------------------------- */

static int token_path(char out[PATH_MAX], const char *data_dir)
{
    return px_path_join(out, PATH_MAX, data_dir, PX_WEB_TOKEN_FILE);
}

int px_webtoken_read(const char *data_dir, char hex[PX_WEB_TOKEN_HEX + 1])
{
    char path[PATH_MAX], buf[PX_WEB_TOKEN_HEX + 8];
    uint8_t raw[32];
    struct stat st;
    int rc = token_path(path, data_dir);
    if (rc)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return px_err_set(px_err_from_errno(errno), "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return px_err_set(PX_EFORMAT, "%s is not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return px_err_set(PX_EPERM,
                          "%s can be read by others; run 'chmod 600 %s' or 'praxis ui --new-token'",
                          path, path);
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return px_err_set(PX_EIO, "cannot read %s: %s", path, strerror(errno));
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    if (n != PX_WEB_TOKEN_HEX || px_hex_decode(raw, 32, buf) != PX_OK)
        return px_err_set(PX_EFORMAT,
                          "%s does not hold a token (64 hex digits); run 'praxis ui "
                          "--new-token'",
                          path);
    px_hex_encode(hex, raw, 32);
    px_memzero(raw, sizeof raw);
    px_memzero(buf, sizeof buf);
    return PX_OK;
}

int px_webtoken_new(const char *data_dir, char hex[PX_WEB_TOKEN_HEX + 1])
{
    char path[PATH_MAX], text[PX_WEB_TOKEN_HEX + 2];
    uint8_t raw[32];
    int rc = token_path(path, data_dir);
    if (rc)
        return rc;
    px_random_bytes(raw, 32);
    px_hex_encode(text, raw, 32);
    px_memzero(raw, sizeof raw);
    text[PX_WEB_TOKEN_HEX] = '\n';
    text[PX_WEB_TOKEN_HEX + 1] = '\0';
    rc = px_write_file(path, text, PX_WEB_TOKEN_HEX + 1, 0600, false);
    if (!rc && hex) {
        memcpy(hex, text, PX_WEB_TOKEN_HEX);
        hex[PX_WEB_TOKEN_HEX] = '\0';
    }
    px_memzero(text, sizeof text);
    return rc;
}

int px_webtoken_ensure(const char *data_dir, char hex[PX_WEB_TOKEN_HEX + 1])
{
    int rc = px_webtoken_read(data_dir, hex);
    if (rc == PX_ENOENT) {
        px_err_clear();
        rc = px_webtoken_new(data_dir, hex);
    }
    return rc;
}
