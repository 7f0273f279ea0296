/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctlclient.c — the client side of the control socket (see ctlclient.h):
 * plain blocking socket calls with a poll() timeout, no event loop.
 */
#include "ctlclient.h"

#include "error.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int px_control_call(const char *path, json_t *req, int timeout_ms, json_t **resp)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    px_buf in = {0};
    int rc = PX_OK;
    *resp = NULL;
    if (strlen(path) >= sizeof sa.sun_path)
        return px_err_set(PX_ETOOBIG, "control socket path too long");
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return px_err_from_errno(errno);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return px_err_set(PX_ENOENT, "praxisd is not running (no answer on %s)", path);
    }
    char *text = json_dumps(req, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;
    if (!text || write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
        rc = px_err_set(PX_EIO, "cannot send to praxisd");
    free(text);
    while (!rc) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, timeout_ms);
        if (pr == 0) {
            rc = px_err_set(PX_ETIMEDOUT, "praxisd did not answer within %d ms", timeout_ms);
            break;
        }
        char chunk[4096];
        ssize_t got = pr > 0 ? read(fd, chunk, sizeof chunk) : -1;
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        rc = px_buf_append(&in, chunk, (size_t)got);
        if (!rc && in.len > 16 * 1024 * 1024)
            rc = px_err_set(PX_ETOOBIG, "praxisd's answer is too large");
        if (!rc && memchr(in.data, '\n', in.len))
            break;
    }
    close(fd);
    if (!rc) {
        json_error_t jerr;
        *resp = in.len ? json_loadb((const char *)in.data, in.len, JSON_DISABLE_EOF_CHECK, &jerr)
                       : NULL;
        if (!*resp)
            rc = px_err_set(PX_EPROTO, "praxisd sent an unreadable answer");
    }
    if (!rc) {
        /* "ok" is this protocol's; callers get an error code or the answer
         * (without it, so it never reaches a user's JSON). */
        const char *err = json_string_value(json_object_get(*resp, "error"));
        bool failed = json_is_false(json_object_get(*resp, "ok"));
        if (failed || err) {
            rc = px_err_set(PX_EPROTO, "praxisd refused the request: %s",
                            err ? err : "no reason given");
            json_decref(*resp);
            *resp = NULL;
        } else {
            json_object_del(*resp, "ok");
        }
    }
    px_buf_free(&in);
    return rc;
}
