/* SPDX-License-Identifier: Apache-2.0 */
/*
 * genesis.h — the document that defines a network.
 *
 * The hub secretariat creates it (plain `praxis init`) and hands it to new
 * members (`praxis network export`). JSON form:
 *
 *   {"name": "...", "network_id": "<hex32>", "network_key": "<hex32>",
 *    "root": "<hex32>", "bootstrap": ["host:port", ...]}
 *
 * network_id = BLAKE2b-256(msgpack ["praxis-network-v1", name:str,
 *                                   network_key:bin32, root:bin32])
 * It covers the name, key and root but not the bootstrap addresses, which
 * may change without changing the network. The network key is the Secret
 * Handshake key: whoever holds it can attempt a handshake, so the document
 * is kept 0600.
 */
#ifndef PX_GENESIS_H
#define PX_GENESIS_H

#include <stddef.h>
#include <stdint.h>

enum {
    PX_NETWORK_NAME_MAX = 64,
    PX_BOOTSTRAP_MAX = 16,
    PX_ADDR_MAX = 128, /* "host:port" incl. NUL */
};

typedef struct px_genesis {
    char name[PX_NETWORK_NAME_MAX + 1];
    uint8_t network_key[32];
    uint8_t root[32];
    uint8_t network_id[32];
    size_t n_bootstrap;
    char bootstrap[PX_BOOTSTRAP_MAX][PX_ADDR_MAX];
} px_genesis;

/* A new network named name, rooted at root, with a random network key. */
int px_genesis_create(px_genesis *g, const char *name, const uint8_t root[32]);

/* Recompute g->network_id from name, key and root. */
void px_genesis_derive_id(px_genesis *g);

/* Parse and check a genesis document (JSON text of len bytes). source names
 * the input in error details. The network_id field, if present, must match
 * the derivation. PX_OK or PX_EFORMAT/PX_EINVAL with a detail. */
int px_genesis_parse(px_genesis *g, const char *text, size_t len, const char *source);

/* Load from / save to a file (save writes 0600, replacing atomically). */
int px_genesis_load(px_genesis *g, const char *path);
int px_genesis_save(const px_genesis *g, const char *path);

/* Serialise to JSON. OUT: a malloc'd NUL-terminated string the caller
 * frees, or NULL on allocation failure. */
char *px_genesis_to_json(const px_genesis *g);

/* Check that s is a peer address "[KEY@]HOST:PORT" (see addr.h).
 * PX_OK or PX_EINVAL with a detail. */
int px_addr_check(const char *s);

/* Add or remove a bootstrap address (does not change the network id).
 * add: PX_EEXIST if present, PX_ETOOBIG if full. remove: PX_ENOENT. */
int px_genesis_bootstrap_add(px_genesis *g, const char *addr);
int px_genesis_bootstrap_remove(px_genesis *g, const char *addr);

#endif
