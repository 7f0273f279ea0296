/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node.h — a running praxis node: the event loop's owner.
 *
 * A node opens its data directory (datadir.h), listens for peers, dials the
 * genesis bootstrap addresses and every --peer with exponential back-off,
 * and keeps a few connections to random members among those that announced
 * their addresses in signed `address` entries, replacing one now and then,
 * admits only what its limits allow, exchanges a hello on every connection,
 * collapses duplicate connections to one key, and answers the control
 * socket. It stops cleanly: every connection gets a box-stream goodbye, the
 * store is closed.
 *
 * Everything here runs on one libuv loop thread.
 */
#ifndef PX_NODE_H
#define PX_NODE_H

#include "blob.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

enum {
    PX_NODE_PEERS_MAX = 64,       /* dial targets (bootstrap + --peer + learned) */
    PX_NODE_ADDRS_PER_AUTHOR = 4, /* learned targets from one member's announcement */
};

typedef struct px_node_cfg {
    const char *data_dir;     /* NULL: the default (datadir.h) */
    const char *listen;       /* "HOST:PORT", or NULL not to listen */
    const char *const *peers; /* "[KEY@]HOST:PORT" to dial */
    size_t n_peers;
    const char *const *announce; /* "HOST:PORT" where peers can reach us */
    size_t n_announce;
    int max_outbound;              /* connections to learned peers; 0: none, <0: 4 */
    int max_inbound;               /* ready inbound connections (default 32) */
    int max_handshakes;            /* unfinished inbound handshakes (default 64) */
    uint64_t handshake_timeout_ms; /* default 10000; also bounds the wait for hello */
    uint64_t max_clock_ahead_ms;   /* entries stamped further ahead are held (0: 10 min) */
    const char *http;              /* web interface "HOST:PORT", "off", or NULL: the default */
    const char *const *http_hosts; /* more names its Host check accepts (--http-host) */
    size_t n_http_hosts;
    px_blob_limits blob_limits; /* --blob-max-size, --blob-cache (0: defaults) */
} px_node_cfg;

typedef struct px_node px_node;

/* Open the data directory and prepare (nothing listens yet).
 * OUT *out: the node, released by px_node_free(). */
int px_node_new(const px_node_cfg *cfg, uv_loop_t *loop, px_node **out);

/* Listen, open the control socket, start dialling. */
int px_node_start(px_node *n);

/* Begin a clean stop: goodbyes, close every handle. The loop ends once the
 * last handle has closed. Idempotent. */
void px_node_stop(px_node *n);

/* Release after the loop has ended. NULL-safe. */
void px_node_free(px_node *n);

/* Run a node in the foreground until SIGINT/SIGTERM: new, start, run the
 * loop, free. Returns PX_OK after a clean stop. */
int px_node_run(const px_node_cfg *cfg);

#endif
