/* SPDX-License-Identifier: Apache-2.0 */
/*
 * datadir.c — resolving and opening a node's data directory (see datadir.h).
 */
#include "datadir.h"

#include "crypto.h"
#include "error.h"
#include "index.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int px_datadir_resolve(px_datadir *d, const char *explicit_dir)
{
    int rc = PX_OK;
    const char *env = getenv("PRAXIS_DATA");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    memset(d, 0, sizeof *d);
    if (explicit_dir && *explicit_dir)
        rc = snprintf(d->dir, sizeof d->dir, "%s", explicit_dir) >= (int)sizeof d->dir;
    else if (env && *env)
        rc = snprintf(d->dir, sizeof d->dir, "%s", env) >= (int)sizeof d->dir;
    else if (xdg && *xdg)
        rc = px_path_join(d->dir, sizeof d->dir, xdg, "praxis");
    else if (home && *home)
        rc = snprintf(d->dir, sizeof d->dir, "%s/.local/share/praxis", home) >= (int)sizeof d->dir;
    else
        return px_err_set(PX_EINVAL, "no data directory: pass --data DIR or set PRAXIS_DATA");
    if (rc)
        return px_err_set(PX_ETOOBIG, "data directory path is too long");
    rc = px_path_join(d->key, sizeof d->key, d->dir, "secret.key");
    if (!rc)
        rc = px_path_join(d->genesis, sizeof d->genesis, d->dir, "genesis.json");
    if (!rc)
        rc = px_path_join(d->store, sizeof d->store, d->dir, "store.db");
    if (!rc)
        rc = px_path_join(d->socket, sizeof d->socket, d->dir, "control.sock");
    return rc;
}

static px_passphrase_fn prompt_fn;

void px_local_set_prompt(px_passphrase_fn prompt)
{
    prompt_fn = prompt;
}

/* px_index_until_fn: what of a feed counts here (members.h), our own feed
 * always (we may publish before our admission arrives). */
static uint64_t local_counts_until(void *ctx, const uint8_t author[32])
{
    const px_local *l = ctx;
    if (memcmp(author, l->me.pk, 32) == 0)
        return UINT64_MAX;
    return px_members_counts_until((void *)&l->members, author);
}

static int local_open(px_local *l, const char *explicit_dir, bool with_secret)
{
    memset(l, 0, sizeof *l);
    int rc = px_datadir_resolve(&l->paths, explicit_dir);
    if (rc)
        return rc;
    if (access(l->paths.key, F_OK) != 0 || access(l->paths.genesis, F_OK) != 0)
        return px_err_set(PX_ENOENT,
                          "%s is not an initialised praxis data directory; run 'praxis init' first",
                          l->paths.dir);
    rc = with_secret ? px_identity_load_with(&l->me, l->paths.key, prompt_fn)
                     : px_identity_public(l->paths.key, l->me.pk);
    if (!rc)
        rc = px_genesis_load(&l->genesis, l->paths.genesis);
    if (!rc)
        rc = px_store_open(l->paths.store, &l->store);
    if (!rc)
        rc = px_members_load(&l->members, l->store, l->genesis.root);
    if (!rc) /* entries past a revoked key's cut are never indexed */
        rc = px_index_set_until(l->store, local_counts_until, l);
    if (!rc) /* builds the records index if the store has none yet */
        rc = px_index_open(l->store, NULL);
    if (!rc)
        rc = px_local_apply_cuts(l, NULL);
    if (rc)
        return rc;
    l->feed.store = l->store;
    memcpy(l->feed.network_id, l->genesis.network_id, 32);
    l->feed.schema = px_index_schema;
    l->feed.index = px_index_entry;
    l->feed.is_member = px_members_admits;
    l->feed.member_ctx = &l->members;
    return PX_OK;
}

int px_local_open(px_local *l, const char *explicit_dir)
{
    return local_open(l, explicit_dir, true);
}

int px_local_open_read(px_local *l, const char *explicit_dir)
{
    return local_open(l, explicit_dir, false);
}

typedef struct cut_digest {
    px_local *l;
    px_hash_state st;
    bool any;
} cut_digest;

/* A feed held beyond what counts goes into the digest. */
static int digest_feed(void *ctx, const px_head *h)
{
    cut_digest *d = ctx;
    uint64_t until = local_counts_until(d->l, h->author);
    if (h->seq <= until)
        return PX_OK;
    uint8_t seq[8];
    for (int k = 0; k < 8; k++)
        seq[k] = (uint8_t)(until >> (8 * k));
    px_hash_update(&d->st, h->author, 32);
    px_hash_update(&d->st, seq, 8);
    d->any = true;
    return PX_OK;
}

int px_local_apply_cuts(px_local *l, bool *rebuilt)
{
    cut_digest d = {.l = l};
    uint8_t digest[32];
    char want[65] = "none", have[80];
    if (rebuilt)
        *rebuilt = false;
    px_hash_init(&d.st);
    int rc = px_store_each_feed(l->store, digest_feed, &d);
    if (rc)
        return rc;
    px_hash_final(&d.st, digest);
    if (d.any)
        px_hex_encode(want, digest, 32);
    rc = px_store_meta_get(l->store, "records_cuts", have, sizeof have);
    if (rc == PX_ENOENT)
        snprintf(have, sizeof have, "none");
    else if (rc)
        return rc;
    if (strcmp(have, want) == 0)
        return PX_OK;
    rc = px_index_rebuild(l->store, NULL);
    if (!rc)
        rc = px_store_meta_set(l->store, "records_cuts", want);
    if (!rc && rebuilt)
        *rebuilt = true;
    return rc;
}

void px_local_close(px_local *l)
{
    if (!l)
        return;
    px_store_close(l->store);
    l->store = NULL;
    px_members_free(&l->members);
    px_identity_clear(&l->me);
    px_memzero(l->genesis.network_key, 32);
}

void px_local_notify(const px_local *l)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    static const char msg[] = "{\"op\": \"notify\"}\n";
    if (strlen(l->paths.socket) >= sizeof addr.sun_path)
        return;
    memcpy(addr.sun_path, l->paths.socket, strlen(l->paths.socket) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
        ssize_t n = write(fd, msg, sizeof msg - 1);
        (void)n; /* best effort: the daemon also polls the store */
    }
    close(fd);
}
