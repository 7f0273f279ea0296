/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sigmemo.c — signature verdicts remembered process-wide.
 *
 * A thousand simulated nodes verify the same entries a thousand times.
 * Whether a signature verifies is a pure function of its bytes (the key,
 * the message and the signature), so the simulator links with
 * -Wl,--wrap=px_sign_verify and this wrapper asks the real px_sign_verify
 * (crypto.c, libsodium) once per distinct (key, message, signature) and
 * answers every later call from a table keyed by a BLAKE2b-256 hash of
 * exactly those bytes (with their lengths). Every node still asks at every
 * point where praxisd asks — entries on arrival, held-back entries, whole
 * stores in px_feed_verify — with the feed rules unchanged; only the
 * repeated elliptic-curve work is skipped. Only praxis-sim is linked this
 * way, never praxisd or the CLI.
 */
#include "crypto.h"
#include "error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int __real_px_sign_verify(const uint8_t sig[64], const uint8_t *msg, size_t len,
                          const uint8_t pk[32]);
int __wrap_px_sign_verify(const uint8_t sig[64], const uint8_t *msg, size_t len,
                          const uint8_t pk[32]);

typedef struct slot {
    uint8_t key[32];
    int used;
    int rc;
} slot;

static slot *table;
static size_t cap, used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long hits, misses;

static size_t probe(const slot *t, size_t n, const uint8_t key[32])
{
    size_t i;
    memcpy(&i, key, sizeof i);
    i &= n - 1;
    while (t[i].used && memcmp(t[i].key, key, 32) != 0)
        i = (i + 1) & (n - 1);
    return i;
}

static int grow(void)
{
    size_t n = cap ? cap * 2 : 1 << 16;
    slot *t = calloc(n, sizeof *t);
    if (!t)
        return PX_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        if (table[i].used)
            t[probe(t, n, table[i].key)] = table[i];
    free(table);
    table = t;
    cap = n;
    return PX_OK;
}

int __wrap_px_sign_verify(const uint8_t sig[64], const uint8_t *msg, size_t len,
                          const uint8_t pk[32])
{
    uint8_t key[32], n[8];
    px_hash_state st;
    for (int k = 0; k < 8; k++)
        n[k] = (uint8_t)((uint64_t)len >> (8 * k));
    px_hash_init(&st);
    px_hash_update(&st, pk, 32);
    px_hash_update(&st, n, 8);
    px_hash_update(&st, msg, len);
    px_hash_update(&st, sig, 64);
    px_hash_final(&st, key);
    pthread_mutex_lock(&lock);
    if (cap) {
        size_t i = probe(table, cap, key);
        if (table[i].used) {
            int rc = table[i].rc;
            hits++;
            pthread_mutex_unlock(&lock);
            return rc;
        }
    }
    pthread_mutex_unlock(&lock);
    int rc = __real_px_sign_verify(sig, msg, len, pk);
    pthread_mutex_lock(&lock);
    misses++;
    if ((used + 1) * 2 <= cap || grow() == PX_OK) {
        size_t i = probe(table, cap, key);
        if (!table[i].used) {
            memcpy(table[i].key, key, 32);
            table[i].used = 1;
            table[i].rc = rc;
            used++;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void sim_sigmemo_stats(unsigned long long *h, unsigned long long *m);
void sim_sigmemo_stats(unsigned long long *h, unsigned long long *m)
{
    *h = hits;
    *m = misses;
}

void sim_sigmemo_free(void);
void sim_sigmemo_free(void)
{
    free(table);
    table = NULL;
    cap = used = 0;
}
