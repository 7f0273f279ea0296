/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.c — messages for px_err and the thread-local detail sentence.
 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char detail[512];

const char *px_strerror(int rc)
{
    switch (rc) {
    case PX_OK:
        return "success";
#define PX_ERR_CASE(name, msg)                                                                     \
    case PX_##name:                                                                                \
        return msg;
        PX_ERR_MAP(PX_ERR_CASE)
#undef PX_ERR_CASE
    default:
        return "unknown error";
    }
}

const char *px_errname(int rc)
{
    switch (rc) {
    case PX_OK:
        return "PX_OK";
#define PX_ERR_NAME(name, msg)                                                                     \
    case PX_##name:                                                                                \
        return "PX_" #name;
        PX_ERR_MAP(PX_ERR_NAME)
#undef PX_ERR_NAME
    default:
        return "PX_UNKNOWN";
    }
}

int px_err_set(int rc, const char *fmt, ...)
{
    /* Format into a scratch buffer first: wrapping the current detail with
     * context (px_err_set(rc, "file: %s", px_err_detail())) is common. */
    char next[sizeof detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(next, sizeof next, fmt, ap);
    va_end(ap);
    memcpy(detail, next, sizeof detail);
    return rc;
}

const char *px_err_detail(void)
{
    return detail;
}

const char *px_err_message(int rc)
{
    return detail[0] ? detail : px_strerror(rc);
}

void px_err_clear(void)
{
    detail[0] = '\0';
}

int px_err_from_errno(int e)
{
    switch (e) {
    case 0:
        return PX_OK;
    case ENOMEM:
        return PX_ENOMEM;
    case ENOENT:
    case ENOTDIR:
        return PX_ENOENT;
    case EEXIST:
        return PX_EEXIST;
    case EACCES:
    case EPERM:
        return PX_EPERM;
    case EINVAL:
        return PX_EINVAL;
    case EAGAIN:
        return PX_EAGAIN;
    case ETIMEDOUT:
        return PX_ETIMEDOUT;
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRINUSE:
    case EADDRNOTAVAIL:
        return PX_ENET;
    default:
        return PX_EIO;
    }
}

int px_err_from_uv(int uverr)
{
    /* libuv on Unix reports -errno, with its own codes for EOF and a few
     * non-errno conditions; those fall through to PX_EIO/PX_ECLOSED. */
    if (uverr == 0)
        return PX_OK;
    if (uverr == -4095) /* UV_EOF */
        return PX_ECLOSED;
    if (uverr == -3008) /* UV_EAI_NONAME */
        return PX_ENET;
    return px_err_from_errno(-uverr);
}
