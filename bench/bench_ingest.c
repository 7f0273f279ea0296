/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_ingest.c — the receiver's storage path alone, without network:
 * px_feed_ingest_batch over N pre-signed entries of ~400-byte bodies, in
 * batches of 256 and transactions of 32 batches, as the gossip worker does.
 * Prints entries/s. Usage: bench_ingest [N] [DIR]
 */
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/bench-ingest-%d.db", dir, (int)getpid());
    px_crypto_init();
    px_identity me;
    px_identity_generate(&me);
    uint8_t body[400];
    memset(body, 'x', sizeof body);
    body[0] = 0x81; /* not a valid record; the store does not care */
    px_entry *e = calloc(n, sizeof *e);
    uint64_t t0 = px_mono_ns();
    for (size_t i = 0; i < n; i++) {
        px_header h = {.seq = i + 1, .has_prev = i > 0, .timestamp_ms = 1000 + i};
        memcpy(h.author, me.pk, 32);
        if (i)
            memcpy(h.prev, e[i - 1].id, 32);
        memcpy(h.kind, "case", 5);
        if (px_entry_sign(&e[i], &h, body, sizeof body, me.sk) != PX_OK)
            return 1;
    }
    uint64_t t1 = px_mono_ns();
    px_store *s;
    if (px_store_open(path, &s) != PX_OK)
        return 1;
    px_feed_ctx fc = {.store = s};
    size_t done = 0, sigs = 0;
    uint64_t t2 = px_mono_ns();
    while (done < n) {
        px_store_begin(s);
        for (int b = 0; b < 32 && done < n; b++) {
            size_t k = n - done < 256 ? n - done : 256;
            px_ingest_result res;
            if (px_feed_ingest_batch(&fc, e + done, k, 1, &res) != PX_OK) {
                fprintf(stderr, "ingest: %s\n", px_err_message(res.rc));
                return 1;
            }
            sigs += res.sig_checks;
            done += k;
        }
        if (px_store_commit(s) != PX_OK)
            return 1;
    }
    uint64_t t3 = px_mono_ns();
    printf("signed %zu entries at %.0f/s; ingested at %.0f entries/s (%zu signature checks)\n", n,
           n / ((t1 - t0) / 1e9), n / ((t3 - t2) / 1e9), sigs);
    px_store_close(s);
    char wal[600];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    free(e);
    return 0;
}
