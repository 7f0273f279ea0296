/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.h — the daemon's side of the control socket (the protocol and
 * the client are in ctlclient.h): a Unix-domain stream socket in the data
 * directory, mode 0600, served on the daemon's libuv loop. Requests over
 * 64 KiB are refused.
 */
#ifndef PX_CONTROL_H
#define PX_CONTROL_H

#include "ctlclient.h"

#include <jansson.h>
#include <uv.h>

typedef struct px_control px_control;

/* Answer one request. Return a new JSON object (the control module sends
 * and releases it). The request is borrowed. */
typedef json_t *(*px_control_fn)(void *ctx, const char *op, json_t *req);

/* Listen on path. A stale socket file (no daemon answering) is replaced; a
 * live one is PX_EBUSY ("another praxisd runs here"). */
int px_control_start(uv_loop_t *loop, const char *path, px_control_fn fn, void *ctx,
                     px_control **out);

/* Stop listening, close open requests and remove the socket file. The
 * memory is released from libuv's close callbacks. NULL-safe. */
void px_control_stop(px_control *c);

/* A request may be at most this many bytes, its newline included. */
#define PX_CONTROL_REQUEST_MAX (64 * 1024)

/* The server's reading of a request, without I/O: in[0..len) is what the
 * client has sent so far. PX_EAGAIN: no whole line yet (read more);
 * PX_ETOOBIG: more than PX_CONTROL_REQUEST_MAX bytes; PX_EPROTO: the first
 * line is not one JSON object with an "op" string; PX_OK: *req is the
 * request (a new reference) and *op its op (borrowed from *req). Bytes
 * after the first newline are ignored (one request per connection). On
 * error *why (may be NULL) is the answer's message and *req is NULL. */
int px_control_parse(const uint8_t *in, size_t len, json_t **req, const char **op,
                     const char **why);

#endif
