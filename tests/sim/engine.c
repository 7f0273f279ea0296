/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.c — draws from the seeded generator, and the event queue (see sim.h).
 *
 * The generator is the replication core's own (rng.h: xoshiro256** seeded
 * through splitmix64), with the draws the simulator needs on top. The
 * queue is a binary heap ordered by (time, insertion order), so events at
 * the same virtual time run in the order they were scheduled and a run
 * never depends on memory addresses.
 */
#include "sim.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

double sim_unit(px_rng *r)
{
    return (double)(px_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool sim_chance(px_rng *r, double p)
{
    return sim_unit(r) < p;
}

void sim_bytes(px_rng *r, uint8_t *out, size_t n)
{
    while (n) {
        uint64_t x = px_rng_next(r);
        size_t k = n < 8 ? n : 8;
        memcpy(out, &x, k);
        out += k;
        n -= k;
    }
}

void sim_rng_fork(px_rng *parent, px_rng *child)
{
    px_rng_seed(child, px_rng_next(parent));
}

/* --- queue ----------------------------------------------------------------- */

static bool before(const sim_event *a, const sim_event *b)
{
    return a->t < b->t || (a->t == b->t && a->order < b->order);
}

int sim_queue_push(sim_queue *q, const sim_event *e)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        sim_event *v = realloc(q->v, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        q->v = v;
        q->cap = cap;
    }
    size_t i = q->n++;
    q->v[i] = *e;
    q->v[i].order = q->next_order++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&q->v[i], &q->v[parent]))
            break;
        sim_event t = q->v[i];
        q->v[i] = q->v[parent];
        q->v[parent] = t;
        i = parent;
    }
    return PX_OK;
}

bool sim_queue_pop(sim_queue *q, sim_event *out)
{
    if (q->n == 0)
        return false;
    *out = q->v[0];
    q->v[0] = q->v[--q->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->n && before(&q->v[l], &q->v[m]))
            m = l;
        if (r < q->n && before(&q->v[r], &q->v[m]))
            m = r;
        if (m == i)
            break;
        sim_event t = q->v[i];
        q->v[i] = q->v[m];
        q->v[m] = t;
        i = m;
    }
    q->handled++;
    return true;
}

void sim_queue_free(sim_queue *q, void (*free_data)(sim_event *e))
{
    for (size_t i = 0; free_data && i < q->n; i++)
        free_data(&q->v[i]);
    free(q->v);
    memset(q, 0, sizeof *q);
}
