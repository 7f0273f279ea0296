/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h — the one error type of praxis.
 *
 * Every fallible function returns a px_err: PX_OK (zero) on success, a
 * negative code otherwise. Codes and their default messages come from one
 * X-macro, PX_ERR_MAP, so the enum and px_strerror() can never drift apart.
 *
 * A failing function may also record a detail sentence (which file, line,
 * field, what to do) with px_err_set(); callers that report to a person print
 * px_err_detail() when it is non-empty and px_strerror() otherwise. The detail
 * is thread-local and stays valid until the next px_err_set() or
 * px_err_clear() on the same thread. px_err_set() may take the current
 * detail as an argument, to wrap it with context.
 *
 * Codes from libuv, SQLite and errno are translated once, where they enter
 * our code (px_err_from_errno(), px_err_from_uv(); SQLite in store.c).
 */
#ifndef PX_ERROR_H
#define PX_ERROR_H

#include <stddef.h>

#define PX_ERR_MAP(X)                                                                              \
    X(ENOMEM, "out of memory")                                                                     \
    X(EINVAL, "invalid argument")                                                                  \
    X(EIO, "input/output error")                                                                   \
    X(ENOENT, "not found")                                                                         \
    X(EEXIST, "already exists")                                                                    \
    X(EPERM, "permission denied")                                                                  \
    X(EFORMAT, "malformed data")                                                                   \
    X(ETOOBIG, "size limit exceeded")                                                              \
    X(ESIG, "signature does not verify")                                                           \
    X(EHASH, "hash does not match")                                                                \
    X(ENETWORK, "entry belongs to another network")                                                \
    X(ESEQ, "sequence number does not follow the feed head")                                       \
    X(EPREV, "previous-entry link does not match the feed head")                                   \
    X(ETIME, "timestamp goes backwards")                                                           \
    X(EFORK, "feed is forked")                                                                     \
    X(EDUP, "entry already held")                                                                  \
    X(ENOTMEMBER, "author is not an admitted member")                                              \
    X(ESCHEMA, "record does not match its schema")                                                 \
    X(ESTORE, "store error")                                                                       \
    X(EBUSY, "resource busy")                                                                      \
    X(EHANDSHAKE, "secret handshake failed")                                                       \
    X(EPROTO, "protocol violation")                                                                \
    X(ETIMEDOUT, "timed out")                                                                      \
    X(ECLOSED, "connection closed")                                                                \
    X(EAGAIN, "more input needed")                                                                 \
    X(ECRYPTO, "cryptographic operation failed")                                                   \
    X(ENET, "network error")

typedef enum px_err {
    PX_OK = 0,
#define PX_ERR_ENUM(name, msg) PX_##name,
    PX__ERR_FIRST = -1000,
    PX_ERR_MAP(PX_ERR_ENUM)
#undef PX_ERR_ENUM
        PX__ERR_LAST
} px_err;

/* Default one-line message for a code. Never NULL; static storage. */
const char *px_strerror(int rc);

/* Short symbolic name ("PX_ESIG"). Never NULL; static storage. */
const char *px_errname(int rc);

/* Record a detail sentence (printf-style) for the current thread and return
 * rc, so a caller can write `return px_err_set(PX_EINVAL, "...", ...);`. */
int px_err_set(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current thread's detail sentence, or "" if none. Valid until the next
 * px_err_set()/px_err_clear() on this thread. */
const char *px_err_detail(void);

/* The detail if there is one, else px_strerror(rc). */
const char *px_err_message(int rc);

void px_err_clear(void);

/* Translate errno values (positive) and libuv codes (negative errno). */
int px_err_from_errno(int e);
int px_err_from_uv(int uverr);

#endif
