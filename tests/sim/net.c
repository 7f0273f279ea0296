/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net.c — simulated links and connections (see sim.h).
 *
 * A link between two nodes has a one-way latency drawn once per pair
 * (0.5-1.5 times the configured one, from the seed), a bandwidth, and
 * per-message jitter. A connection carries whole messages in order, like
 * TCP under the box-stream: a message leaves its end's write queue at the
 * link's bandwidth, then arrives after the latency and jitter, never
 * before an earlier one. Its bytes count as queued at the sender until the
 * receiving host takes the message (a socket buffer the size of the
 * bandwidth-delay product, and a reader that pauses fills it: that is
 * the back-pressure the sender's core sees). With the `loss`
 * fault a message is sometimes retransmitted (200-400 ms later, delaying
 * everything behind it) and a connection is sometimes reset. A partition
 * resets every connection between groups and makes dials across them time
 * out; a crashed node's connections are reset and dials to it refused.
 * The handshake itself is not simulated (the channel layer is tested on
 * its own): a dial completes after two and a half round trips.
 */
#include "sim.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

enum { DIAL_TIMEOUT_MS = 5000 };

sim_conn *sim_net_conn(sim_world *w, uint64_t id)
{
    return id < w->n_conns ? w->conns[id] : NULL;
}

/* The pair's latency: the same for both directions and every connection,
 * a pure function of the seed and the pair. */
static sim_time link_latency(const sim_world *w, int a, int b)
{
    uint64_t lo = (uint64_t)(a < b ? a : b), hi = (uint64_t)(a < b ? b : a);
    px_rng r;
    px_rng_seed(&r, w->cfg.seed ^ (lo * 0x9e3779b97f4a7c15ull) ^ (hi << 32) ^ 0x51a7);
    double f = 0.5 + sim_unit(&r);
    sim_time l = (sim_time)((double)w->cfg.latency * f);
    return l ? l : 1;
}

/* Is this end of c still the incarnation of its node that opened it? */
static bool live_end(sim_world *w, const sim_conn *c, int end)
{
    const sim_node *n = &w->nodes[c->end[end]];
    return n->up && n->epoch == c->epoch[end];
}

static void free_conn(sim_world *w, sim_conn *c)
{
    w->conns[c->id] = NULL;
    free(c);
}

int sim_net_dial(sim_world *w, int from, int to)
{
    if (w->n_conns == w->cap_conns) {
        size_t cap = w->cap_conns ? w->cap_conns * 2 : 1024;
        sim_conn **v = realloc(w->conns, cap * sizeof *v);
        if (!v)
            return -1;
        w->conns = v;
        w->cap_conns = cap;
    }
    sim_node *a = &w->nodes[from], *b = &w->nodes[to];
    sim_time lat = link_latency(w, from, to);
    if (!b->up || a->group != b->group) {
        /* Refused at once by a host that is down; silence across a
         * partition until the dial times out. */
        sim_time after = !b->up ? 2 * lat : (sim_time)DIAL_TIMEOUT_MS * SIM_MS;
        sim_schedule(w, w->now + after, SIM_EV_DIAL_FAILED, from, to, a->epoch, NULL, 0);
        return -1;
    }
    sim_conn *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->id = w->n_conns;
    w->conns[w->n_conns++] = c;
    c->end[0] = from;
    c->end[1] = to;
    c->epoch[0] = a->epoch;
    c->epoch[1] = b->epoch;
    c->latency = lat;
    /* TCP, then the secret handshake (two round trips). */
    sim_schedule(w, w->now + 5 * lat, SIM_EV_CONNECTED, to, 1, c->id, NULL, 0);
    sim_schedule(w, w->now + 5 * lat, SIM_EV_CONNECTED, from, 0, c->id, NULL, 0);
    return (int)c->id;
}

int sim_net_send(sim_world *w, sim_conn *c, int end, const void *data, size_t len)
{
    if (c->closed[0] || c->closed[1])
        return PX_ECLOSED;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return PX_ENOMEM;
    memcpy(copy, data, len);
    sim_time start = c->wire_free[end] > w->now ? c->wire_free[end] : w->now;
    sim_time tx = (sim_time)((double)len * 1e6 / w->cfg.bandwidth_bps);
    c->wire_free[end] = start + tx;
    sim_time arrive = start + tx + c->latency;
    if (w->cfg.jitter)
        arrive += px_rng_below(&w->net_rng, w->cfg.jitter);
    if ((w->cfg.faults & SIM_FAULT_LOSS) && sim_chance(&w->net_rng, 0.01))
        arrive += 200 * SIM_MS + px_rng_below(&w->net_rng, 200 * SIM_MS); /* a retransmission */
    if (arrive <= c->last_arrival[end])
        arrive = c->last_arrival[end] + 1;
    c->last_arrival[end] = arrive;
    c->queued[end] += len;
    sim_node *n = &w->nodes[c->end[end]];
    size_t q = c->queued[end];
    if (q > n->peak_queue)
        n->peak_queue = q;
    w->messages++;
    w->message_bytes += len;
    sim_schedule(w, arrive, SIM_EV_DELIVER, c->end[1 - end], 1 - end, c->id, copy, len);
    if ((w->cfg.faults & SIM_FAULT_LOSS) && sim_chance(&w->net_rng, 0.0005))
        sim_net_reset(w, c);
    return PX_OK;
}

/* The receiving end (end) took a message of len bytes: it leaves the
 * sender's queue, and the sender's core hears of it. */
void sim_net_consumed(sim_world *w, sim_conn *c, int end, size_t len)
{
    int from = 1 - end;
    c->queued[from] = c->queued[from] >= len ? c->queued[from] - len : 0;
    if (!c->closed[from] && live_end(w, c, from) && c->peer[from])
        sim_host_drained(w, &w->nodes[c->end[from]], c, from);
}

/* end closed its side: the other end learns after what is in flight to it. */
void sim_net_close(sim_world *w, sim_conn *c, int end)
{
    c->peer[end] = NULL; /* the host is done with its end */
    if (c->closed[end])
        return;
    c->closed[end] = true;
    int far = 1 - end;
    if (c->closed[far]) {
        if (!c->peer[far])
            free_conn(w, c);
        return; /* far learns from the reset's pending event */
    }
    sim_time at = w->now + c->latency;
    if (c->last_arrival[end] >= at)
        at = c->last_arrival[end] + 1;
    sim_schedule(w, at, SIM_EV_CLOSED, c->end[far], far, c->id, NULL, 0);
}

/* Both ends lose the connection (a reset, a partition, a crash): what is
 * in flight is lost; each live end learns after a latency. */
void sim_net_reset(sim_world *w, sim_conn *c)
{
    for (int e = 0; e < 2; e++) {
        if (c->closed[e])
            continue;
        c->closed[e] = true;
        c->last_arrival[1 - e] = 0;
        sim_schedule(w, w->now + c->latency, SIM_EV_CLOSED, c->end[e], e, c->id, NULL, 0);
    }
}

void sim_net_apply_partition(sim_world *w)
{
    for (size_t i = 0; i < w->n_conns; i++) {
        sim_conn *c = w->conns[i];
        if (c && w->nodes[c->end[0]].group != w->nodes[c->end[1]].group)
            sim_net_reset(w, c);
    }
}

/* A node crashed: its side vanishes; the peers see a reset. */
void sim_net_node_down(sim_world *w, int node)
{
    for (size_t i = 0; i < w->n_conns; i++) {
        sim_conn *c = w->conns[i];
        if (!c || (c->end[0] != node && c->end[1] != node))
            continue;
        int mine = c->end[0] == node ? 0 : 1;
        c->closed[mine] = true;
        c->peer[mine] = NULL;
        if (c->closed[1 - mine]) {
            if (!c->peer[1 - mine])
                free_conn(w, c);
            continue; /* else its CLOSED event is pending */
        }
        c->closed[1 - mine] = true;
        sim_schedule(w, w->now + c->latency, SIM_EV_CLOSED, c->end[1 - mine], 1 - mine, c->id, NULL,
                     0);
    }
}

void sim_net_handle(sim_world *w, sim_event *e)
{
    sim_conn *c = sim_net_conn(w, e->gen);
    int end = e->arg;
    switch (e->type) {
    case SIM_EV_DIAL_FAILED: {
        sim_node *n = &w->nodes[e->node];
        if (n->up && n->epoch == e->gen)
            sim_host_dial_failed(w, n, end);
        break;
    }
    case SIM_EV_CONNECTED:
        if (!c || c->closed[end])
            break;
        if (!live_end(w, c, end)) {
            sim_net_reset(w, c);
            break;
        }
        c->established = true;
        sim_host_connected(w, &w->nodes[c->end[end]], c, end);
        break;
    case SIM_EV_DELIVER:
        if (c && !c->closed[end] && live_end(w, c, end) && c->peer[end]) {
            sim_host_message(w, &w->nodes[c->end[end]], c, end, e->data, e->len);
        } else {
            free(e->data);
        }
        e->data = NULL;
        break;
    case SIM_EV_CLOSED: {
        if (!c)
            break;
        bool notify = live_end(w, c, end) && c->peer[end];
        c->closed[end] = true;
        if (notify)
            sim_host_closed(w, &w->nodes[c->end[end]], c, end);
        c->peer[end] = NULL;
        /* Both ends are done with it once both have been told (or are gone). */
        if (c->closed[0] && c->closed[1] && !c->peer[0] && !c->peer[1])
            free_conn(w, c);
        break;
    }
    default:
        break;
    }
}
