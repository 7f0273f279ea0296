/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c — praxis-sim's command line, the run's schedule (workload, faults,
 * hostile authors), the event loop and the output (see sim.h, DESIGN.md
 * "Simulation").
 *
 *   praxis-sim --nodes N --seed S [--faults partition,crash,loss,skew]
 *              [--adversary bad-sig,fork,backdate,strip-body,flood] [--json]
 *
 * stdout holds only figures of simulated time, so the same command prints
 * the same bytes; wall-clock figures go to stderr. A run that finds a
 * violation, or does not converge, exits 1 and says how to replay it.
 */
#include "sim.h"

#include "error.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int sim_schedule(sim_world *w, sim_time at, sim_ev_type type, int node, int arg, uint64_t gen,
                 void *data, size_t len)
{
    sim_event e = {.t = at < w->now ? w->now : at,
                   .type = type,
                   .node = node,
                   .arg = arg,
                   .gen = gen,
                   .data = data,
                   .len = len};
    int rc = sim_queue_push(&w->q, &e);
    if (rc)
        free(data);
    return rc;
}

static void free_event_data(sim_event *e)
{
    free(e->data);
    e->data = NULL;
}

void sim_sigmemo_free(void);

/* --- the schedule ------------------------------------------------------------ */

typedef enum admin_op {
    OP_ADMIT = 1,
    OP_REVOKE,
    OP_SUCCEED,
    OP_SWITCH_KEY, /* the succeeded centre's operator installs the new key */
} admin_op;

typedef enum attack_op {
    AT_BADSIG = 1,
    AT_FORK,
    AT_REVOKE_HOSTILE,
    AT_BACKDATE,
    AT_FLOOD_MEMBER,
    AT_FLOOD_STRANGER,
} attack_op;

typedef enum fault_op {
    FT_PARTITION = 1,
    FT_HEAL,
    FT_CRASH,
    FT_RESTART,
} fault_op;

typedef struct run_state {
    px_identity successor; /* for OP_SWITCH_KEY */
    int succeeded_node;
    uint8_t hostile_revoke[32];
    bool have_hostile_revoke;
} run_state;

static run_state rs;

static sim_time quiet_mark(sim_world *w, sim_time t)
{
    if (t > w->quiet_from)
        w->quiet_from = t;
    return t;
}

/* The node of a kind of hostile author (an SIM_ADV_* bit), or -1. */
static int hostile_node(sim_world *w, unsigned kind)
{
    for (int k = 0; k < SIM_ADV_KINDS; k++)
        if (kind == 1u << k)
            return w->adv_node[k];
    return -1;
}

/* A random honest node other than the root and the late joiners. */
static int random_plain(sim_world *w)
{
    for (int tries = 0; tries < 1000; tries++) {
        int i = (int)px_rng_below(&w->rng, (uint64_t)w->n);
        if (i > 2 && !w->nodes[i].hostile)
            return i;
    }
    return -1;
}

static void plan(sim_world *w)
{
    const sim_cfg *c = &w->cfg;
    sim_time start = 2 * SIM_S; /* connections come up first */
    sim_time span = c->publish_for;
    for (int r = 0; r < c->records; r++)
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span)), SIM_EV_PUBLISH, -1, 0,
                     0, NULL, 0);
    if (c->membership && w->n >= 8) {
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span / 2)), SIM_EV_ADMIN, 1,
                     OP_ADMIT, 0, NULL, 0);
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span / 2)), SIM_EV_ADMIN, 2,
                     OP_ADMIT, 0, NULL, 0);
        int victim = random_plain(w), heir = random_plain(w);
        if (victim > 0)
            sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span)), SIM_EV_ADMIN,
                         victim, OP_REVOKE, 0, NULL, 0);
        if (heir > 0 && heir != victim) {
            sim_time t = quiet_mark(w, start + px_rng_below(&w->rng, span));
            sim_schedule(w, t, SIM_EV_ADMIN, heir, OP_SUCCEED, 0, NULL, 0);
        }
    }
    unsigned a = c->adversary;
    if (a & SIM_ADV_BADSIG)
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span)), SIM_EV_ATTACK,
                     hostile_node(w, SIM_ADV_BADSIG), AT_BADSIG, 0, NULL, 0);
    if (a & SIM_ADV_FORK)
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span)), SIM_EV_ATTACK,
                     hostile_node(w, SIM_ADV_FORK), AT_FORK, 0, NULL, 0);
    if (a & SIM_ADV_BACKDATE) {
        sim_time t = start + px_rng_below(&w->rng, span);
        int h = hostile_node(w, SIM_ADV_BACKDATE);
        sim_schedule(w, quiet_mark(w, t), SIM_EV_ATTACK, h, AT_REVOKE_HOSTILE, 0, NULL, 0);
        /* Just after the revocation, and once it has spread. */
        sim_schedule(w, quiet_mark(w, t + 5 * SIM_MS), SIM_EV_ATTACK, h, AT_BACKDATE, 0, NULL, 0);
        sim_schedule(w, quiet_mark(w, t + 3 * SIM_S), SIM_EV_ATTACK, h, AT_BACKDATE, 0, NULL, 0);
    }
    if (a & SIM_ADV_FLOOD) {
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span)), SIM_EV_ATTACK,
                     hostile_node(w, SIM_ADV_FLOOD), AT_FLOOD_MEMBER, 0, NULL, 0);
        sim_schedule(w, quiet_mark(w, start + px_rng_below(&w->rng, span)), SIM_EV_ATTACK,
                     hostile_node(w, SIM_ADV_FLOOD), AT_FLOOD_STRANGER, 0, NULL, 0);
    }
    if (c->faults & SIM_FAULT_SKEW) {
        for (int i = 0; i < w->n; i++)
            w->nodes[i].skew_ms = (int64_t)px_rng_below(&w->rng, 240001) - 120000;
        /* One node's clock is 10.5-11 minutes ahead: its entries are held
         * back by the others until their clocks reach them. */
        if (w->n > 4)
            w->nodes[1 + px_rng_below(&w->rng, (uint64_t)w->n - 1)].skew_ms =
                630000 + (int64_t)px_rng_below(&w->rng, 30000);
    }
    if (c->faults & SIM_FAULT_PARTITION) {
        int parts = 1 + (int)px_rng_below(&w->rng, 2);
        for (int p = 0; p < parts; p++) {
            sim_time t = start + px_rng_below(&w->rng, span);
            sim_time len = 3 * SIM_S + px_rng_below(&w->rng, 15 * SIM_S);
            sim_schedule(w, quiet_mark(w, t), SIM_EV_FAULT, -1, FT_PARTITION, 0, NULL, 0);
            sim_schedule(w, quiet_mark(w, t + len), SIM_EV_FAULT, -1, FT_HEAL, 0, NULL, 0);
        }
    }
    if (c->faults & SIM_FAULT_CRASH) {
        int crashes = 1 + (int)px_rng_below(&w->rng, (uint64_t)(w->n / 10 + 2));
        for (int k = 0; k < crashes; k++) {
            int i = (int)px_rng_below(&w->rng, (uint64_t)w->n);
            sim_time t = start + px_rng_below(&w->rng, span);
            sim_time down = SIM_S + px_rng_below(&w->rng, 10 * SIM_S);
            sim_schedule(w, quiet_mark(w, t), SIM_EV_FAULT, i, FT_CRASH, 0, NULL, 0);
            sim_schedule(w, quiet_mark(w, t + down), SIM_EV_FAULT, i, FT_RESTART, 0, NULL, 0);
        }
    }
    for (int i = 0; i < w->n; i++)
        sim_schedule(w, px_rng_below(&w->rng, 100 * SIM_MS), SIM_EV_DIAL, i, 0, w->nodes[i].epoch,
                     NULL, 0);
    sim_schedule(w, SIM_S, SIM_EV_CHECK, -1, 0, 0, NULL, 0);
}

/* --- handlers ------------------------------------------------------------------- */

static void fail_rc(sim_world *w, const char *what, int rc)
{
    sim_violation(w, "%s failed: %s", what, px_err_message(rc));
}

static void on_publish(sim_world *w)
{
    /* A random honest member that is up publishes a record. */
    for (int tries = 0; tries < 50; tries++) {
        sim_node *n = &w->nodes[px_rng_below(&w->rng, (uint64_t)w->n)];
        if (n->hostile || !n->up || n->cut_off ||
            px_members_role(&n->members, n->me.pk) == PX_ROLE_NONE)
            continue;
        px_entry e;
        int rc = sim_publish(w, n, &e);
        if (rc) {
            fail_rc(w, "publishing a record", rc);
            return;
        }
        sim_track(w, e.id, SIM_MARK_RECORD, n->idx);
        /* praxis publish stamps, signs, stores and commits, then tells the
         * daemon, which reads the heads into its core: that long after the
         * stamp the core hears of it (a crash before then: at the restart). */
        if (w->cfg.publish_cost)
            sim_schedule(w, w->now + w->cfg.publish_cost, SIM_EV_NOTIFY, n->idx, 0, n->epoch, NULL,
                         0);
        else
            sim_host_local_append(w, n);
        return;
    }
}

static void node_crash(sim_world *w, sim_node *n);
static void node_restart(sim_world *w, sim_node *n);

static void on_admin(sim_world *w, sim_event *e)
{
    sim_node *root = &w->nodes[0], *t = &w->nodes[e->node];
    int rc = PX_OK;
    if (!root->up && e->arg != OP_SWITCH_KEY) { /* the secretariat retries later */
        sim_schedule(w, quiet_mark(w, w->now + SIM_S), SIM_EV_ADMIN, e->node, e->arg, 0, NULL, 0);
        return;
    }
    switch (e->arg) {
    case OP_ADMIT:
        rc = sim_admin_admit(w, root, t);
        t->key_since = w->now;
        break;
    case OP_REVOKE:
        rc = sim_admin_revoke(w, root, t, NULL);
        t->revoked = rc == PX_OK;
        break;
    case OP_SUCCEED:
        rc = sim_admin_succeed(w, root, t, &rs.successor);
        rs.succeeded_node = t->idx;
        if (!rc) /* the centre installs its new key a little later */
            sim_schedule(w, quiet_mark(w, w->now + 2 * SIM_S), SIM_EV_ADMIN, t->idx, OP_SWITCH_KEY,
                         0, NULL, 0);
        break;
    case OP_SWITCH_KEY:
        /* The centre's node restarts with its new key and its store. */
        t->key_since = w->now;
        w->keys_gen++;
        if (t->up) {
            node_crash(w, t);
            t->me = rs.successor;
            node_restart(w, t);
        } else {
            t->me = rs.successor;
        }
        return;
    }
    if (rc) {
        fail_rc(w, "an administrative entry", rc);
        return;
    }
    sim_host_members_changed(w, root);
    sim_host_local_append(w, root);
}

static void on_attack(sim_world *w, sim_event *e)
{
    if (e->node < 0)
        return;
    sim_node *h = &w->nodes[e->node];
    if (!h->up)
        return;
    int rc = PX_OK;
    switch (e->arg) {
    case AT_BADSIG:
        rc = sim_attack_badsig(w, h);
        break;
    case AT_FORK: {
        int o = random_plain(w);
        if (o < 0)
            return;
        rc = sim_attack_fork(w, h, &w->nodes[o]);
        if (!rc && w->nodes[o].up)
            sim_host_local_append(w, &w->nodes[o]);
        break;
    }
    case AT_REVOKE_HOSTILE:
        if (!w->nodes[0].up)
            return;
        rc = sim_admin_revoke(w, &w->nodes[0], h, rs.hostile_revoke);
        rs.have_hostile_revoke = rc == PX_OK;
        h->revoked = rc == PX_OK;
        if (!rc) {
            sim_host_members_changed(w, &w->nodes[0]);
            sim_host_local_append(w, &w->nodes[0]);
        }
        return;
    case AT_BACKDATE:
        if (!rs.have_hostile_revoke)
            return;
        rc = sim_attack_backdate(w, h, rs.hostile_revoke);
        break;
    case AT_FLOOD_MEMBER:
        rc = sim_attack_flood(w, h, w->cfg.flood, false);
        break;
    case AT_FLOOD_STRANGER:
        rc = sim_attack_flood(w, h, w->cfg.flood, true);
        break;
    }
    if (rc) {
        fail_rc(w, "a hostile author's entries", rc);
        return;
    }
    sim_host_local_append(w, h);
}

static void node_crash(sim_world *w, sim_node *n)
{
    if (!n->up)
        return;
    sim_host_stop(w, n);
    sim_net_node_down(w, n->idx);
    /* Uncommitted work dies with the process: the host's storage work
     * commits only when its STORED event runs, which now never will. */
    sim_node_close(n);
    n->up = false;
    n->epoch++;
}

static void node_restart(sim_world *w, sim_node *n)
{
    if (n->up)
        return;
    int rc = sim_node_open(w, n);
    if (rc) {
        fail_rc(w, "reopening a store after a crash", rc);
        return;
    }
    n->up = true;
    rc = sim_host_start(w, n);
    if (rc)
        fail_rc(w, "restarting a node", rc);
    sim_schedule(w, w->now + px_rng_below(&w->rng, 50 * SIM_MS), SIM_EV_DIAL, n->idx, 0, n->epoch,
                 NULL, 0);
}

static void on_fault(sim_world *w, sim_event *e)
{
    switch (e->arg) {
    case FT_PARTITION:
        for (int i = 0; i < w->n; i++)
            w->nodes[i].group = (int)px_rng_below(&w->rng, 2);
        w->partitioned = true;
        sim_net_apply_partition(w);
        break;
    case FT_HEAL:
        for (int i = 0; i < w->n; i++)
            w->nodes[i].group = 0;
        w->partitioned = false;
        break;
    case FT_CRASH:
        node_crash(w, &w->nodes[e->node]);
        break;
    case FT_RESTART:
        node_restart(w, &w->nodes[e->node]);
        break;
    }
}

/* --- command line ---------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: praxis-sim --nodes N --seed S [--faults LIST] [--adversary LIST] [--json]\n"
               "\n"
               "Runs N praxis nodes (their real replication core and SQLite stores) in one\n"
               "process on a simulated network and clock, all randomness from the seed S,\n"
               "and checks the invariants as it goes: every store verifies; no entry with a\n"
               "bad signature, or past a revocation's cut, is accepted; the same entries give\n"
               "the same membership; every node converges after the faults; queues and\n"
               "held-back entries stay bounded. The same arguments print the same bytes.\n"
               "\n"
               "  --nodes N          nodes (2-5000)\n"
               "  --seed S           the seed (0-18446744073709551615)\n"
               "  --faults LIST      comma-separated: partition, crash, loss, skew\n"
               "  --adversary LIST   comma-separated hostile authors: bad-sig, fork, backdate,\n"
               "                     strip-body, flood, tree-liar, bad-chunk (some nodes\n"
               "                     become theirs; bad-chunk needs --blobs)\n"
               "  --json             print the figures as one JSON object\n"
               "  --latency MS       one-way link latency (default 20; each link 0.5-1.5x)\n"
               "  --jitter MS        per-message jitter (default latency / 10)\n"
               "  --latency-us US, --jitter-us US  the same in microseconds\n"
               "  --dial MIN-MAX     bootstrap addresses each node dials (default 4-6)\n"
               "  --topology T       random (default), or bench: each node dials the\n"
               "                     previous one and one random earlier (bench/spread.sh)\n"
               "  --forward-delay MS the core's wait before forwarding (0: none; default\n"
               "                     the core's own, 40)\n"
               "  --graft-ms MS      the core's wait before grafting a feed (0: its\n"
               "                     default)\n"
               "  --publish-cost US  from a record's stamp to its node's core hearing of it\n"
               "                     (praxis publish, its notification, the heads read;\n"
               "                     default 3000 us)\n"
               "  --verify-cost US   per entry received, decoding and verifying it before it\n"
               "                     is stored (default 130 us)\n"
               "  --batch-cost US    per storage transaction (default 1700 us: a commit)\n"
               "  --entry-cost US    ... and per entry stored in it (default 60 us)\n"
               "  --index-cost US    per indexing transaction, run when no batch waits\n"
               "                     (default 2100 us; 0: none) ...\n"
               "  --index-entry-cost US  ... and per entry indexed (default 60 us)\n"
               "                     (the defaults: bench/bench_hop on the 2-core EPYC,\n"
               "                     2026-12-02; bench/sim-calibrate.sh measures them)\n"
               "  --records N        records published during the run (default 100)\n"
               "  --flood N          entries a flooding member, and a key that was never\n"
               "                     admitted, each sign at once (default 2100: over the\n"
               "                     2,000 of one author a node holds back)\n"
               "  --publish-for S    over this many simulated seconds (default 30)\n"
               "  --settle S         bound on converging after the last fault (default 120)\n"
               "  --no-membership    no admissions, revocations or successions\n"
               "  --blobs N          N blobs of 1-3 chunks, each held by one node and fetched\n"
               "                     by three others during the publishing period (default 0)\n"
               "  --quiet            no wall-clock figures on stderr\n"
               "  --log LEVEL        the nodes' log on stderr: debug, info, warn, error, off\n"
               "                     (default off; its lines carry wall-clock times)\n"
               "  --keep DIR         keep the stores in DIR (which must exist)\n"
               "\n"
               "Output (simulated time): nodes, entries, converged, violations,\n"
               "spread_p50_ms, spread_p99_ms (publish to the last honest member),\n"
               "copies_per_entry (entries received per new one), connections_per_node (open\n"
               "at the end); with --blobs also blob_fetches, blobs_fetched, blob_fetch_p50_ms,\n"
               "blob_fetch_p99_ms, bad_chunk_closes. Wall-clock figures go to\n"
               "stderr. Exit status: 0 if no violation and converged, 1 otherwise, 2 on bad\n"
               "arguments.\n");
}

/* The modelled cost (or link time, in us) an option sets, or NULL if it
 * names none. */
static sim_time *cost_option(sim_cfg *c, const char *opt)
{
    static const struct {
        const char *name;
        size_t offset;
    } costs[] = {
        {"--publish-cost", offsetof(sim_cfg, publish_cost)},
        {"--verify-cost", offsetof(sim_cfg, verify_cost)},
        {"--batch-cost", offsetof(sim_cfg, step_cost)},
        {"--entry-cost", offsetof(sim_cfg, entry_cost)},
        {"--index-cost", offsetof(sim_cfg, index_cost)},
        {"--index-entry-cost", offsetof(sim_cfg, index_entry_cost)},
        {"--latency-us", offsetof(sim_cfg, latency)},
        {"--jitter-us", offsetof(sim_cfg, jitter)},
    };
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++)
        if (strcmp(opt, costs[i].name) == 0)
            return (sim_time *)((char *)c + costs[i].offset);
    return NULL;
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-') {
        fprintf(stderr, "praxis-sim: %s needs a number\n", opt);
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) {
        fprintf(stderr, "praxis-sim: %s: '%s' is not a number from 0 to %llu\n", opt, s,
                (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_list(const char *opt, const char *s, const char *const *names,
                      const unsigned *bits, unsigned *out)
{
    char buf[256];
    if (!s || strlen(s) >= sizeof buf) {
        fprintf(stderr, "praxis-sim: %s needs a list\n", opt);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    *out = 0;
    for (char *t = buf, *next; t; t = next) {
        next = strchr(t, ',');
        if (next)
            *next++ = 0;
        if (!*t)
            continue;
        int k = 0;
        while (names[k] && strcmp(names[k], t) != 0)
            k++;
        if (!names[k]) {
            fprintf(stderr, "praxis-sim: %s: unknown '%s' (known:", opt, t);
            for (k = 0; names[k]; k++)
                fprintf(stderr, " %s", names[k]);
            fprintf(stderr, ")\n");
            return -1;
        }
        *out |= bits[k];
    }
    return 0;
}

static const char *const fault_names[] = {"partition", "crash", "loss", "skew", NULL};
static const unsigned fault_bits[] = {SIM_FAULT_PARTITION, SIM_FAULT_CRASH, SIM_FAULT_LOSS,
                                      SIM_FAULT_SKEW};
static const char *const adv_names[] = {"bad-sig", "fork",      "backdate",  "strip-body",
                                        "flood",   "tree-liar", "bad-chunk", NULL};
static const unsigned adv_bits[] = {SIM_ADV_BADSIG, SIM_ADV_FORK, SIM_ADV_BACKDATE, SIM_ADV_STRIP,
                                    SIM_ADV_FLOOD,  SIM_ADV_LIAR, SIM_ADV_BADCHUNK};

static void list_str(char *out, size_t n, unsigned v, const char *const *names,
                     const unsigned *bits)
{
    size_t len = 0;
    out[0] = 0;
    for (int k = 0; names[k]; k++)
        if (v & bits[k]) {
            int m = snprintf(out + len, n - len, "%s%s", len ? "," : "", names[k]);
            if (m < 0 || (size_t)m >= n - len)
                return;
            len += (size_t)m;
        }
}

/* Numbers in their shortest form at the precision that matters: ms to
 * 0.1, copies to 0.01. */
static void print_num(double v, int decimals)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = 0;
        if (e == dot)
            *e = 0;
    }
    fputs(buf, stdout);
}

int main(int argc, char **argv)
{
    sim_cfg cfg = {
        .nodes = 0,
        .latency = 20 * SIM_MS,
        .jitter = (sim_time)-1,
        .bandwidth_bps = 100e6 / 8,
        .dial_min = 4,
        .dial_max = 6,
        .records = 100,
        .publish_for = 30 * SIM_S,
        .settle = 120 * SIM_S,
        /* bench/bench_hop (praxisd's own paths, stores in /tmp) on the 2-core
         * AMD EPYC, 2026-12-02, load average 4 (other jobs ran): medians of 200 hops. */
        .publish_cost = 3000,
        .verify_cost = 130,
        .step_cost = 1700,
        .entry_cost = 60,
        .index_cost = 2100,
        .index_entry_cost = 60,
        .membership = true,
        /* Over the 2,000 entries of one author a node holds back. */
        .flood = PX_HELD_MAX_PER_AUTHOR + 100,
    };
    bool json = false, have_seed = false;
    px_log_level log_level = PX_LOG_OFF;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--log") == 0) {
            if (!v || px_log_parse_level(v, &log_level) != PX_OK) {
                fprintf(stderr, "praxis-sim: --log needs debug, info, warn, error or off\n");
                return 2;
            }
            i++;
        } else if (strcmp(a, "--quiet") == 0) {
            cfg.quiet = true;
        } else if (strcmp(a, "--no-membership") == 0) {
            cfg.membership = false;
        } else if (strcmp(a, "--nodes") == 0) {
            if (parse_u64(a, v, 5000, &x) || x < 2) {
                if (v && x < 2)
                    fprintf(stderr, "praxis-sim: --nodes needs 2 to 5000 nodes\n");
                return 2;
            }
            cfg.nodes = (int)x;
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(a, v, UINT64_MAX, &cfg.seed))
                return 2;
            have_seed = true;
            i++;
        } else if (strcmp(a, "--faults") == 0) {
            if (parse_list(a, v, fault_names, fault_bits, &cfg.faults))
                return 2;
            i++;
        } else if (strcmp(a, "--adversary") == 0) {
            if (parse_list(a, v, adv_names, adv_bits, &cfg.adversary))
                return 2;
            i++;
        } else if (strcmp(a, "--latency") == 0 || strcmp(a, "--jitter") == 0) {
            if (parse_u64(a, v, 10000, &x))
                return 2;
            *(a[2] == 'l' ? &cfg.latency : &cfg.jitter) = x * SIM_MS;
            if (a[2] == 'l' && x == 0)
                cfg.latency = 100; /* loopback: 0.1 ms */
            i++;
        } else if (strcmp(a, "--flood") == 0) {
            if (parse_u64(a, v, 100000, &x) || x == 0) {
                if (v)
                    fprintf(stderr, "praxis-sim: --flood needs 1 to 100000 entries\n");
                return 2;
            }
            cfg.flood = (int)x;
            i++;
        } else if (strcmp(a, "--blobs") == 0) {
            if (parse_u64(a, v, 100, &x))
                return 2;
            cfg.blobs = (int)x;
            i++;
        } else if (strcmp(a, "--records") == 0) {
            if (parse_u64(a, v, 1000000, &x))
                return 2;
            cfg.records = (int)x;
            i++;
        } else if (strcmp(a, "--publish-for") == 0 || strcmp(a, "--settle") == 0) {
            if (parse_u64(a, v, 86400, &x) || x == 0) {
                if (v)
                    fprintf(stderr, "praxis-sim: %s needs 1 to 86400 seconds\n", a);
                return 2;
            }
            *(a[2] == 'p' ? &cfg.publish_for : &cfg.settle) = x * SIM_S;
            i++;
        } else if (strcmp(a, "--dial") == 0) {
            unsigned lo, hi;
            char tail;
            if (!v || sscanf(v, "%u-%u%c", &lo, &hi, &tail) != 2 || lo < 1 || hi < lo || hi > 64) {
                fprintf(stderr, "praxis-sim: --dial needs MIN-MAX, 1 <= MIN <= MAX <= 64\n");
                return 2;
            }
            cfg.dial_min = (int)lo;
            cfg.dial_max = (int)hi;
            i++;
        } else if (strcmp(a, "--topology") == 0) {
            if (!v || (strcmp(v, "random") != 0 && strcmp(v, "bench") != 0)) {
                fprintf(stderr, "praxis-sim: --topology needs random or bench\n");
                return 2;
            }
            cfg.bench_topology = strcmp(v, "bench") == 0;
            i++;
        } else if (strcmp(a, "--graft-ms") == 0) {
            if (parse_u64(a, v, 60000, &x))
                return 2;
            cfg.graft_ms = (uint32_t)x;
            i++;
        } else if (strcmp(a, "--forward-delay") == 0) {
            if (parse_u64(a, v, 10000, &x))
                return 2;
            cfg.forward_delay_ms = x ? (uint32_t)x : UINT32_MAX; /* PX_CORE_NO_DELAY */
            i++;
        } else if (cost_option(&cfg, a)) {
            if (parse_u64(a, v, 1000000, &x))
                return 2;
            *cost_option(&cfg, a) = x;
            i++;
        } else if (strcmp(a, "--keep") == 0) {
            if (!v) {
                fprintf(stderr, "praxis-sim: --keep needs a directory\n");
                return 2;
            }
            cfg.keep = v;
            i++;
        } else {
            fprintf(stderr, "praxis-sim: unknown argument '%s' (see --help)\n", a);
            return 2;
        }
    }
    if (cfg.nodes == 0 || !have_seed) {
        fprintf(stderr, "praxis-sim: --nodes and --seed are required (see --help)\n");
        return 2;
    }
    px_log_set_level(log_level);
    if (cfg.jitter == (sim_time)-1)
        cfg.jitter = cfg.latency / 10;

    char faults[128], adv[128], replay[512];
    list_str(faults, sizeof faults, cfg.faults, fault_names, fault_bits);
    list_str(adv, sizeof adv, cfg.adversary, adv_names, adv_bits);
    /* The replay command: these very arguments (they are all it depends on). */
    size_t rl = (size_t)snprintf(replay, sizeof replay, "praxis-sim");
    for (int i = 1; i < argc && rl < sizeof replay; i++)
        if (strcmp(argv[i], "--keep") == 0)
            i++;
        else
            rl += (size_t)snprintf(replay + rl, sizeof replay - rl, " %s", argv[i]);

    clock_t cpu0 = clock();
    static sim_world w;
    int rc = sim_world_create(&w, &cfg);
    if (rc) {
        fprintf(stderr, "praxis-sim: cannot set up the network: %s\n", px_err_message(rc));
        sim_world_free(&w);
        return 1;
    }
    plan(&w); /* first: it sets the clocks' skews, which must not change under a core */
    rc = sim_blobs_plan(&w);
    for (int i = 0; !rc && i < w.n; i++)
        rc = sim_host_start(&w, &w.nodes[i]);
    if (rc) {
        fprintf(stderr, "praxis-sim: cannot start the nodes: %s\n", px_err_message(rc));
        sim_world_free(&w);
        return 1;
    }
    /* The bound on converging: --settle after the last fault, plus however
     * long entries stamped ahead of some node's clock must be held back
     * there (and a release's period, 10 s). */
    int64_t lo = 0, hi = 0;
    for (int i = 0; i < w.n; i++) {
        lo = w.nodes[i].skew_ms < lo ? w.nodes[i].skew_ms : lo;
        hi = w.nodes[i].skew_ms > hi ? w.nodes[i].skew_ms : hi;
    }
    sim_time held_for = hi - lo > PX_FEED_MAX_AHEAD_MS
                            ? (sim_time)(hi - lo - PX_FEED_MAX_AHEAD_MS + 10000) * SIM_MS
                            : 0;
    sim_time end = w.quiet_from + cfg.settle + held_for;
    sim_event e;
    char why[256] = "";
    while (sim_queue_pop(&w.q, &e)) {
        if (e.t > end) {
            free(e.data);
            break;
        }
        w.now = e.t;
        switch (e.type) {
        case SIM_EV_DELIVER:
        case SIM_EV_CONNECTED:
        case SIM_EV_DIAL_FAILED:
        case SIM_EV_CLOSED:
            sim_net_handle(&w, &e);
            break;
        case SIM_EV_WAKE:
        case SIM_EV_STORED:
        case SIM_EV_LOADED:
        case SIM_EV_DIAL: {
            sim_node *n = &w.nodes[e.node];
            if (n->up && n->host)
                sim_host_event(&w, n, &e);
            free(e.data);
            break;
        }
        case SIM_EV_PUBLISH:
            on_publish(&w);
            break;
        case SIM_EV_NOTIFY:
            if (w.nodes[e.node].up && e.gen == w.nodes[e.node].epoch)
                sim_host_local_append(&w, &w.nodes[e.node]);
            break;
        case SIM_EV_ADMIN:
            on_admin(&w, &e);
            break;
        case SIM_EV_ATTACK:
            on_attack(&w, &e);
            break;
        case SIM_EV_BLOB:
            sim_blobs_event(&w, &e);
            break;
        case SIM_EV_FAULT:
            on_fault(&w, &e);
            break;
        case SIM_EV_CHECK:
            sim_check_bounds(&w);
            if (w.now > w.quiet_from && sim_converged(&w, why, sizeof why) &&
                sim_blobs_converged(&w, why, sizeof why)) {
                w.converged = true;
                w.converged_at = w.now;
            }
            if (!w.converged)
                sim_schedule(&w, w.now + (w.now > w.quiet_from ? 500 * SIM_MS : SIM_S),
                             SIM_EV_CHECK, -1, 0, 0, NULL, 0);
            break;
        }
        if (w.converged)
            break;
    }
    if (!w.converged) {
        sim_violation(&w, "not converged %.0f s after the last fault: %s",
                      (double)(cfg.settle + held_for) / SIM_S, why);
        sim_explain(&w);
    }
    sim_figures f;
    sim_final_checks(&w, &f);
    sim_blob_figures bf;
    sim_blobs_figures(&w, &bf);
    double simulated_s = (double)w.now / SIM_S;
    int up = 0, open_peers = 0;
    for (int i = 0; i < w.n; i++)
        if (w.nodes[i].up) {
            up++;
            open_peers += sim_host_open_peers(&w.nodes[i]);
        }
    double conns_per_node = up ? (double)open_peers / up : 0;
    if (json) {
        printf("{\"nodes\": %d, \"seed\": %" PRIu64, f.nodes, cfg.seed);
        if (faults[0])
            printf(", \"faults\": \"%s\"", faults);
        if (adv[0])
            printf(", \"adversary\": \"%s\"", adv);
        printf(", \"entries\": %" PRIu64
               ", \"converged\": %s, \"violations\": %d, \"spread_p50_ms\": ",
               f.entries, f.converged ? "true" : "false", f.violations);
        print_num(f.spread_p50_ms, 1);
        printf(", \"spread_p99_ms\": ");
        print_num(f.spread_p99_ms, 1);
        printf(", \"copies_per_entry\": ");
        print_num(f.copies_per_entry, 2);
        printf(", \"records_measured\": %" PRIu64 ", \"connections_per_node\": ", f.measured);
        print_num(conns_per_node, 1);
        printf(", \"converged_s\": ");
        print_num(
            w.converged
                ? (double)(w.converged_at > w.quiet_from ? w.converged_at - w.quiet_from : 0) /
                      SIM_S
                : 0,
            1);
        printf(", \"simulated_s\": ");
        print_num(simulated_s, 1);
        if (cfg.blobs) {
            printf(", \"blob_fetches\": %d, \"blobs_fetched\": %d, \"blob_fetch_p50_ms\": ",
                   bf.fetches, bf.fetched);
            print_num(bf.fetch_p50_ms, 1);
            printf(", \"blob_fetch_p99_ms\": ");
            print_num(bf.fetch_p99_ms, 1);
            printf(", \"bad_chunk_closes\": %" PRIu64, bf.bad_chunk_closes);
        }
        printf("}\n");
    } else {
        printf("%d nodes, %" PRIu64 " entries, %s, %d violations\n", f.nodes, f.entries,
               f.converged ? "converged" : "NOT converged", f.violations);
        printf("spread p50 ");
        print_num(f.spread_p50_ms, 1);
        printf(" ms, p99 ");
        print_num(f.spread_p99_ms, 1);
        printf(" ms over %" PRIu64 " records; copies per entry ", f.measured);
        print_num(f.copies_per_entry, 2);
        printf("\n");
        if (cfg.blobs) {
            printf("blobs: %d of %d fetches completed, p50 ", bf.fetched, bf.fetches);
            print_num(bf.fetch_p50_ms, 1);
            printf(" ms, p99 ");
            print_num(bf.fetch_p99_ms, 1);
            printf(" ms; %" PRIu64 " connections closed for bad chunks\n", bf.bad_chunk_closes);
        }
    }
    fflush(stdout);
    double cpu = (double)(clock() - cpu0) / CLOCKS_PER_SEC;
    if (!cfg.quiet)
        fprintf(stderr,
                "praxis-sim: %.1f simulated s x %d nodes = %.3f node-hours in %.2f CPU s: "
                "%.2f simulated node-hours per CPU-second; %" PRIu64 " events, %" PRIu64
                " messages\n",
                simulated_s, w.n, simulated_s * w.n / 3600, cpu,
                cpu > 0 ? simulated_s * w.n / 3600 / cpu : 0, w.q.handled, w.messages);
    if (!cfg.quiet) {
        uint64_t prunes = 0, grafts = 0;
        for (int i = 0; i < w.n; i++)
            sim_host_tree(&w, &w.nodes[i], &prunes, &grafts);
        fprintf(stderr, "praxis-sim: tree: %" PRIu64 " prunes, %" PRIu64 " grafts sent\n", prunes,
                grafts);
    }
    int status = f.violations || !f.converged ? 1 : 0;
    if (status)
        fprintf(stderr,
                "praxis-sim: seed %" PRIu64 " FAILED (%d violations; first %s)\n"
                "praxis-sim: replay with: %s\n",
                cfg.seed, f.violations, w.first_violation, replay);
    for (int i = 0; i < w.n; i++)
        if (w.nodes[i].up)
            sim_host_stop(&w, &w.nodes[i]);
    sim_queue_free(&w.q, free_event_data);
    for (size_t i = 0; i < w.n_conns; i++)
        free(w.conns[i]);
    free(w.conns);
    sim_blobs_free(&w);
    sim_world_free(&w);
    sim_sigmemo_free();
    return status;
}
