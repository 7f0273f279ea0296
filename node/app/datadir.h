/* SPDX-License-Identifier: Apache-2.0 */
/*
 * datadir.h — a node's data directory and the local state opened from it.
 *
 * Layout of DIR (created 0700):
 *   secret.key     the identity (0600, see identity.h)
 *   genesis.json   the network this node belongs to (0600: holds the key)
 *   store.db       the SQLite store (+ -wal, -shm)
 *   control.sock   praxisd's control socket (0600), while it runs
 *   web.token      the web interface's login token (0600; websec.h)
 *   http.addr      the address praxisd's web interface is bound to, while it
 *                  serves (web.h; `praxis ui` reads it)
 *
 * DIR is, in order: an explicit --data, $PRAXIS_DATA, $XDG_DATA_HOME/praxis,
 * $HOME/.local/share/praxis.
 */
#ifndef PX_DATADIR_H
#define PX_DATADIR_H

#include "feed.h"
#include "genesis.h"
#include "identity.h"
#include "members.h"
#include "store.h"

#include <limits.h>

typedef struct px_datadir {
    char dir[PATH_MAX];
    char key[PATH_MAX];
    char genesis[PATH_MAX];
    char store[PATH_MAX];
    char socket[PATH_MAX];
} px_datadir;

/* Work out the paths. explicit_dir may be NULL. */
int px_datadir_resolve(px_datadir *d, const char *explicit_dir);

/* Everything a process needs to act as this node. */
typedef struct px_local {
    px_datadir paths;
    px_identity me;
    px_genesis genesis;
    px_store *store;
    px_members members; /* computed from the store at open */
    px_feed_ctx feed;   /* bound to store, genesis.network_id and members */
} px_local;

/* Open identity, genesis and store of an initialised data directory, and
 * compute the membership. The struct must not move while open (feed points
 * into it). On
 * PX_ENOENT the detail tells the user to run `praxis init`. Close with
 * px_local_close() (also after a failed open). */
int px_local_open(px_local *l, const char *explicit_dir);

/* px_local_open for what only reads: l->me holds the public key alone (its
 * secret stays zero), so a protected key's passphrase is never asked for.
 * Signing with it fails with PX_EPERM (px_feed_append). */
int px_local_open_read(px_local *l, const char *explicit_dir);

/* How px_local_open asks for a protected key's passphrase when the
 * environment gives none (the CLI sets a terminal prompt; the daemon none). */
void px_local_set_prompt(px_passphrase_fn prompt);

/* After the membership changed: if what counts of the feeds held changed
 * (entries past a revoked or handed-over key's cut that arrived before the
 * revocation; feeds of keys whose admission turned out void, or arrived),
 * rebuild the records index accordingly. Outside a transaction.
 * Remembered in the store (meta 'records_cuts'), so it runs once per change.
 * OUT *rebuilt (may be NULL). */
int px_local_apply_cuts(px_local *l, bool *rebuilt);
void px_local_close(px_local *l);

/* Tell a praxisd running on this data directory that new entries were
 * appended (its control socket; best effort: silent if no daemon runs, and
 * the daemon polls the store anyway). For processes other than praxisd. */
void px_local_notify(const px_local *l);

#endif
