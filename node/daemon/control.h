/*
 * control.h — the daemon's control socket: a Unix-domain stream socket in
 * the data directory, mode 0600, through which the CLI asks for status and
 * peers and announces new entries.
 *
 * Protocol: one request per connection. The client writes one JSON object
 * on one line ({"op": "status"}); the daemon answers with one JSON object on
 * one line and closes. Requests over 64 KiB are refused. Specified in
 * schema/PROTOCOL.md ("Control socket").
 */
#ifndef PX_CONTROL_H
#define PX_CONTROL_H

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

/* Client side (the CLI): send req, wait up to timeout_ms for the answer.
 * OUT *resp: a new reference, without the protocol's "ok" member.
 * PX_ENOENT if no daemon listens; PX_EPROTO (with the daemon's message) if
 * it answered with an error. */
int px_control_call(const char *path, json_t *req, int timeout_ms, json_t **resp);

#endif
