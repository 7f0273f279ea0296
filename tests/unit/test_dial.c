/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_dial.c — the dialler's pure decisions (replication/dialer.h): which
 * targets are dialled, back-off, learned targets filling up to the limit
 * at random, rotation, revoked keys never dialled, and the same
 * generator state giving the same decisions.
 */
#include "check.h"
#include "dialer.h"

#include <string.h>

static uint8_t keys[8][32];

static void targets(px_dial_target *t, size_t n, bool learned)
{
    memset(t, 0, n * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        t[i].key = keys[i];
        t[i].learned = learned;
    }
}

static void test_backoff(void)
{
    CHECK(px_dial_backoff_ms(0, NULL) == 1000);
    CHECK(px_dial_backoff_ms(1, NULL) == 2000);
    CHECK(px_dial_backoff_ms(5, NULL) == 32000);
    CHECK(px_dial_backoff_ms(6, NULL) == 60000);
    CHECK(px_dial_backoff_ms(1000, NULL) == 60000);
    px_rng r;
    px_rng_seed(&r, 1);
    for (int i = 0; i < 100; i++) {
        uint64_t ms = px_dial_backoff_ms(2, &r);
        CHECK(ms >= 4000 && ms < 4500);
    }
}

static void test_fixed_targets(void)
{
    px_members m = {0};
    px_dial_target t[4];
    targets(t, 4, false);
    t[1].active = true;      /* connected already */
    t[2].next_try_ms = 5000; /* backing off */
    t[3].connected = true;   /* its key is connected through another target */
    size_t out[4];
    px_dial_decision d;
    uint64_t rot = UINT64_MAX;
    px_rng r;
    px_rng_seed(&r, 7);
    px_dial_decide(t, 4, &m, NULL, 2, 1000, &rot, &r, out, &d);
    CHECK(d.n_dial == 1 && out[0] == 0);
    CHECK(!d.rotate);
    px_dial_decide(t, 4, &m, NULL, 2, 5000, &rot, &r, out, &d); /* its back-off is over */
    CHECK(d.n_dial == 2 && out[0] == 0 && out[1] == 2);
}

static void test_learned_fill_and_rotate(void)
{
    px_members m = {0};
    px_dial_target t[6];
    targets(t, 6, true);
    t[0].active = t[0].ready = true;
    size_t out[6];
    px_dial_decision d;
    uint64_t rot = 10000;
    px_rng r, r2;
    px_rng_seed(&r, 42);
    r2 = r;
    px_dial_decide(t, 6, &m, NULL, 3, 1000, &rot, &r, out, &d);
    CHECK(d.n_dial == 2); /* one active, two more up to 3 */
    CHECK(out[0] != out[1] && out[0] >= 1 && out[0] < 6 && out[1] >= 1 && out[1] < 6);
    CHECK(!d.rotate && rot == 10000);
    /* The same generator state decides the same. */
    size_t out2[6];
    px_dial_decision d2;
    uint64_t rot2 = 10000;
    px_dial_decide(t, 6, &m, NULL, 3, 1000, &rot2, &r2, out2, &d2);
    CHECK(d2.n_dial == 2 && out2[0] == out[0] && out2[1] == out[1]);
    /* Three up and ready: at the rotation time one of them is closed,
     * since other targets wait for their turn; the next rotation is
     * 120-150 s on. */
    for (size_t i = 0; i < 6; i++)
        t[i].active = t[i].ready = i < 3;
    px_dial_decide(t, 6, &m, NULL, 3, 10000, &rot, &r, out, &d);
    CHECK(d.n_dial == 0);
    CHECK(d.rotate && d.rotate_index < 3);
    CHECK(rot >= 10000 + 120000 && rot < 10000 + 150000);
    /* Nobody waiting: no rotation. */
    for (size_t i = 0; i < 6; i++)
        t[i].active = t[i].ready = true;
    uint64_t before = rot;
    px_dial_decide(t, 6, &m, NULL, 3, before, &rot, &r, out, &d);
    CHECK(!d.rotate && d.n_dial == 0 && rot > before);
}

static void test_revoked(void)
{
    /* A revoked key is never dialled. */
    px_members m = {0};
    px_member x = {0};
    memcpy(x.key, keys[0], 32);
    x.admitted = true;
    x.revoked = true;
    m.v = &x;
    m.n = 1;
    px_dial_target t[2];
    targets(t, 2, false);
    size_t out[2];
    px_dial_decision d;
    uint64_t rot = UINT64_MAX;
    px_rng r;
    px_rng_seed(&r, 3);
    px_dial_decide(t, 2, &m, NULL, 2, 1000, &rot, &r, out, &d);
    CHECK(d.n_dial == 1 && out[0] == 1);
}

int main(void)
{
    for (int i = 0; i < 8; i++)
        memset(keys[i], 0x10 + i, 32);
    RUN(test_backoff);
    RUN(test_fixed_targets);
    RUN(test_learned_fill_and_rotate);
    RUN(test_revoked);
    return check_summary();
}
