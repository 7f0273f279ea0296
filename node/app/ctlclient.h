/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctlclient.h — the control socket, client side: how the CLI (and anything
 * else outside the daemon) asks a running praxisd for status and peers and
 * announces new entries. The socket is a Unix-domain stream socket in the
 * data directory, mode 0600; the daemon serves it (control.h).
 *
 * Protocol: one request per connection. The client writes one JSON object
 * on one line ({"op": "status"}); the daemon answers with one JSON object on
 * one line and closes. Requests over 64 KiB are refused. Specified in
 * schema/PROTOCOL.md ("Control socket").
 */
#ifndef PX_CTLCLIENT_H
#define PX_CTLCLIENT_H

#include <jansson.h>

/* Send req to the daemon listening on path, wait up to timeout_ms for the
 * answer. OUT *resp: a new reference, without the protocol's "ok" member.
 * PX_ENOENT if no daemon listens; PX_EPROTO (with the daemon's message) if
 * it answered with an error. */
int px_control_call(const char *path, json_t *req, int timeout_ms, json_t **resp);

#endif
