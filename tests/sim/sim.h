/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim.h — praxis-sim: many praxis nodes in one process, a virtual clock and
 * network, seeded randomness (issue 13; DESIGN.md "Simulation").
 *
 * Everything random comes from one seeded generator (px_rng), everything
 * timed from one virtual clock (the event queue's), so a run is a pure
 * function of its command line: the same seed prints the same bytes. Each
 * node has its own real SQLite store (a file under a temporary directory,
 * so a crash can close it without committing and reopen it) and runs the
 * real replication core; the simulator is only its host: it carries the
 * core's sends over simulated links, runs its storage work and wakes it at
 * the times it asks for, like praxisd's libuv driver does in real time.
 *
 * Layout: engine.c (generator, event queue), net.c (links, connections,
 * partitions), world.c (the network's genesis, the nodes' stores, the
 * workload and the hostile authors), check.c (invariants), host.c (driving
 * the replication core), blobs.c (blob transfers: the store behind the
 * core's blob actions, their workload and invariants), main.c (command
 * line, faults, output).
 */
#ifndef PX_SIM_H
#define PX_SIM_H

#include "core.h"
#include "entry.h"
#include "feed.h"
#include "genesis.h"
#include "identity.h"
#include "members.h"
#include "rng.h"
#include "store.h"
#include "util.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- generator ------------------------------------------------------------ */

/* The replication core's generator (rng.h): px_rng_seed, px_rng_next,
 * px_rng_below (uniform in [0, n); 0 if n == 0). */
double sim_unit(px_rng *r); /* uniform in [0, 1) */
bool sim_chance(px_rng *r, double p);
void sim_bytes(px_rng *r, uint8_t *out, size_t n);
/* An independent generator for one purpose (so adding draws in one part of
 * the simulator does not shift every other part's). */
void sim_rng_fork(px_rng *parent, px_rng *child);

/* --- time and events ------------------------------------------------------- */

/* Virtual time in microseconds since the start of the run. */
typedef uint64_t sim_time;
#define SIM_MS 1000ull
#define SIM_S 1000000ull

typedef enum sim_ev_type {
    SIM_EV_DELIVER = 1, /* a message reaches the far end of a connection */
    SIM_EV_CONNECTED,   /* a dial completed: both ends learn it */
    SIM_EV_DIAL_FAILED, /* a dial found nobody (partition, node down) */
    SIM_EV_CLOSED,      /* the far end learns that a connection closed */
    SIM_EV_WAKE,        /* a node's core asked to be woken */
    SIM_EV_STORED,      /* a node's storage work finished (commit) */
    SIM_EV_LOADED,      /* a node's read of its store finished */
    SIM_EV_PUBLISH,     /* the workload: a member publishes a record */
    SIM_EV_ADMIN,       /* the workload: admission, revocation, succession */
    SIM_EV_FAULT,       /* a fault starts or ends */
    SIM_EV_DIAL,        /* a node's dialler looks at its connections */
    SIM_EV_CHECK,       /* invariants are checked */
    SIM_EV_ATTACK,      /* a hostile author acts */
    SIM_EV_NOTIFY,      /* a node's core hears of a record its CLI published */
    SIM_EV_BLOB,        /* the workload: a node fetches a blob (blobs.c) */
} sim_ev_type;

typedef struct sim_event {
    sim_time t;
    uint64_t order; /* insertion order: ties are broken by it, never by addresses */
    sim_ev_type type;
    int node;
    int arg;
    uint64_t gen; /* a generation the handler compares (stale events are ignored) */
    void *data;   /* owned by the event until handled */
    size_t len;
} sim_event;

typedef struct sim_queue {
    sim_event *v;
    size_t n, cap;
    uint64_t next_order;
    uint64_t handled;
} sim_queue;

int sim_queue_push(sim_queue *q, const sim_event *e);
bool sim_queue_pop(sim_queue *q, sim_event *out);
void sim_queue_free(sim_queue *q, void (*free_data)(sim_event *e));

/* --- configuration --------------------------------------------------------- */

enum {
    SIM_FAULT_PARTITION = 1,
    SIM_FAULT_CRASH = 2,
    SIM_FAULT_LOSS = 4,
    SIM_FAULT_SKEW = 8,
};
enum {
    SIM_ADV_BADSIG = 1,
    SIM_ADV_FORK = 2,
    SIM_ADV_BACKDATE = 4,
    SIM_ADV_STRIP = 8,
    SIM_ADV_FLOOD = 16,
    SIM_ADV_LIAR = 32,     /* a relay that claims (have, clock) what it never sends */
    SIM_ADV_BADCHUNK = 64, /* claims every blob, serves chunks that do not match */
    SIM_ADV_KINDS = 7,     /* bit k is kind k */
};

typedef struct sim_cfg {
    int nodes;
    uint64_t seed;
    unsigned faults;
    unsigned adversary;
    sim_time latency;       /* one way, per link (each link draws around it) */
    sim_time jitter;        /* added per message, uniform in [0, jitter) */
    double bandwidth_bps;   /* bytes per second per direction */
    int dial_min, dial_max; /* bootstrap addresses per node */
    int records;            /* records members publish during the run */
    sim_time publish_for;   /* over this long */
    sim_time settle;        /* after the last fault and record: time to converge */
    /* praxisd's costs, modelled (defaults measured by bench/bench_hop.c;
     * bench/sim-calibrate.sh measures and passes them): */
    sim_time publish_cost;     /* a record stamped to its node's core told of it */
    sim_time verify_cost;      /* per entry received: decode and verify (thread pool) */
    sim_time step_cost;        /* per storage transaction (one commit) ... */
    sim_time entry_cost;       /* ... plus this per entry in it */
    sim_time index_cost;       /* per indexing transaction, when no batch waits ... */
    sim_time index_entry_cost; /* ... plus this per entry indexed */
    uint32_t forward_delay_ms; /* the core's (0: its default, 40 ms) */
    uint32_t graft_ms;         /* the core's (0: its default) */
    int flood;                 /* entries each flooding author signs at once */
    bool bench_topology;       /* dial as bench/spread.sh does: the previous node and one earlier */
    bool membership;           /* admissions, revocations, successions during the run */
    bool quiet;                /* no wall-clock figures on stderr */
    int blobs;                 /* blobs some nodes hold and others fetch (blobs.c) */
    const char *keep;          /* keep the stores in this directory (debugging) */
} sim_cfg;

/* --- the world ------------------------------------------------------------- */

struct sim_host;
struct sim_conn;
typedef struct sim_blobs sim_blobs;

/* One praxis node. */
typedef struct sim_node {
    int idx;
    px_identity me; /* its current key (a succession replaces it) */
    bool hostile;   /* an adversary's node: its store is written raw */
    bool up;
    bool member_at_start; /* admitted in the genesis feed */
    sim_time key_since;   /* its current key was admitted (0: at the start), or installed */
    bool cut_off;         /* revoked, or handed over, in its own view */
    bool revoked;         /* the secretariat revoked its key (the workload knows) */
    int64_t skew_ms;      /* its clock = virtual time + skew */
    uint64_t epoch;       /* bumps on every crash: its stale events are ignored */
    int group;            /* partition group: links between groups are cut */
    char path[PATH_MAX];
    px_store *store;
    px_members members; /* the node's own view, as praxisd's px_local keeps it */
    px_feed_ctx fc;
    struct sim_host *host;
    int *dial; /* bootstrap addresses: indices of other nodes */
    int n_dial;
    uint64_t members_gen; /* bumps on every reload of its membership */
    /* What sim_converged() last found for it, and the state it found it in
     * (its store's changes, its membership, every node's key): reused
     * while none of these moved. */
    struct {
        bool valid;
        uint64_t epoch, changes, members_gen, keys_gen;
        uint8_t feeds[32], members[32];
        size_t missing;
    } seen;
    /* figures */
    uint64_t received, dups, batches;
    uint64_t stored_work; /* storage batches run */
    size_t peak_queue;    /* most bytes waiting in its write queues at once */
} sim_node;

/* An entry the invariants care about. */
typedef enum sim_mark {
    SIM_MARK_RECORD = 1, /* an honest record: spread is measured on these */
    SIM_MARK_POISON,     /* never to be held by an honest node (bad signature, beyond one) */
    SIM_MARK_BACKDATED,  /* past a revocation's cut: refused once the revocation is held */
} sim_mark;

typedef struct sim_tracked {
    uint8_t id[32];
    sim_mark mark;
    int node;           /* where it entered */
    sim_time at;        /* when */
    uint8_t revoke[32]; /* SIM_MARK_BACKDATED: the revocation that cuts it */
} sim_tracked;

typedef struct sim_world {
    sim_cfg cfg;
    px_rng rng;     /* faults and workload */
    px_rng net_rng; /* per-message draws */
    sim_queue q;
    sim_time now;
    char dir[PATH_MAX];
    px_identity root;
    px_genesis genesis;
    sim_node *nodes;
    int n;
    struct sim_conn **conns;
    size_t n_conns, cap_conns;
    sim_tracked *tracked;
    size_t n_tracked, cap_tracked;
    int adv_node[SIM_ADV_KINDS]; /* the node of each kind of hostile author, or -1 */
    /* extra keys: successors, a non-member flooder */
    px_identity flood_key;
    /* run state */
    sim_time quiet_from; /* no fault, record or attack after this */
    bool partitioned;
    int violations;
    bool converged;
    sim_time converged_at;
    char first_violation[512];
    uint64_t copies_new, copies_dup;
    uint64_t messages, message_bytes;
    uint64_t keys_gen; /* bumps whenever a node's key changes */
    int trace;         /* a node whose storage outcomes go to stderr (PRAXIS_SIM_TRACE), or -1 */
    int slow;          /* the slowest records to explain on stderr (PRAXIS_SIM_SLOW), at most 64 */
    sim_blobs *blobs;  /* --blobs: their workload and stores (NULL without) */
} sim_world;

/* Virtual time to a node's clock in ms (what it stamps and judges by). */
uint64_t sim_node_clock(const sim_world *w, const sim_node *n);
/* The wall-clock epoch virtual time starts at, in ms. */
#define SIM_EPOCH_MS 1796083200000ull

void sim_violation(sim_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sim_schedule(sim_world *w, sim_time at, sim_ev_type type, int node, int arg, uint64_t gen,
                 void *data, size_t len);

/* world.c */
int sim_world_create(sim_world *w, const sim_cfg *cfg);
void sim_world_free(sim_world *w);
int sim_node_open(sim_world *w, sim_node *n);
void sim_node_close(sim_node *n);
int sim_reload_members(sim_world *w, sim_node *n);
int sim_track(sim_world *w, const uint8_t id[32], sim_mark mark, int node);
/* The workload: a record, an admission, a revocation, a succession. */
int sim_publish(sim_world *w, sim_node *n, px_entry *out);
int sim_admin_revoke(sim_world *w, sim_node *admin, sim_node *target, uint8_t id[32]);
int sim_admin_admit(sim_world *w, sim_node *admin, sim_node *target);
int sim_admin_succeed(sim_world *w, sim_node *admin, sim_node *target, px_identity *next);
/* The hostile authors. */
int sim_attack_badsig(sim_world *w, sim_node *h);
int sim_attack_fork(sim_world *w, sim_node *h, sim_node *other);
int sim_attack_backdate(sim_world *w, sim_node *h, const uint8_t revoke_id[32]);
int sim_attack_flood(sim_world *w, sim_node *h, int count, bool non_member);
int sim_strip_bodies(sim_world *w, sim_node *h, const px_entry *entries, size_t n);

/* net.c — connections over simulated links (ordered, reliable while they
 * last, like TCP: loss shows as retransmission delay, then a reset). */
typedef struct sim_conn {
    uint64_t id; /* index in w->conns */
    int end[2];  /* node indices: end[0] dialled end[1] */
    uint64_t epoch[2];
    bool established;
    bool closed[2]; /* that end closed (or was reset) */
    sim_time latency;
    sim_time wire_free[2];    /* per direction (from end d): when the wire is free */
    sim_time last_arrival[2]; /* per direction: arrivals stay in order */
    size_t queued[2];         /* bytes end d sent that have not left its write queue */
    void *peer[2];            /* the host's state for each end */
} sim_conn;

int sim_net_dial(sim_world *w, int from, int to);
int sim_net_send(sim_world *w, sim_conn *c, int end, const void *data, size_t len);
void sim_net_close(sim_world *w, sim_conn *c, int end);
void sim_net_consumed(sim_world *w, sim_conn *c, int end, size_t len);
void sim_net_reset(sim_world *w, sim_conn *c);
void sim_net_handle(sim_world *w, sim_event *e);
sim_conn *sim_net_conn(sim_world *w, uint64_t id);
/* Cut every link between partition groups; reset every connection of a node. */
void sim_net_apply_partition(sim_world *w);
void sim_net_node_down(sim_world *w, int node);

/* host.c — one node's host: it drives the node's replication core. */
int sim_host_start(sim_world *w, sim_node *n);
void sim_host_stop(sim_world *w, sim_node *n);
void sim_host_connected(sim_world *w, sim_node *n, sim_conn *c, int end);
/* Takes over data (malloc'd). */
void sim_host_message(sim_world *w, sim_node *n, sim_conn *c, int end, uint8_t *data, size_t len);
void sim_host_closed(sim_world *w, sim_node *n, sim_conn *c, int end);
void sim_host_drained(sim_world *w, sim_node *n, sim_conn *c, int end);
void sim_host_dial_failed(sim_world *w, sim_node *n, int target);
void sim_host_event(sim_world *w, sim_node *n, sim_event *e); /* WAKE, STORED, LOADED, DIAL */
void sim_host_local_append(sim_world *w, sim_node *n);
void sim_host_members_changed(sim_world *w, sim_node *n);
size_t sim_host_memory(const sim_world *w, const sim_node *n);
int sim_host_open_peers(const sim_node *n);
/* The node's core (NULL while it is down), and carrying out the actions
 * inputs given to it from outside the host caused (blobs.c). */
px_core *sim_host_core(sim_node *n);
void sim_host_kick(sim_world *w, sim_node *n);
/* The tree repairs its current core sent (for the figures on stderr). */
void sim_host_tree(const sim_world *w, const sim_node *n, uint64_t *prunes, uint64_t *grafts);
void sim_host_describe(const sim_world *w, const sim_node *n, char *out, size_t len);

/* blobs.c — hooks: main.c plans, hands SIM_EV_BLOB over, waits for
 * sim_blobs_converged and prints the figures; host.c hands it the core's
 * PX_CORE_BLOB_* actions, every PX_CORE_CLOSE, and each start. All do
 * nothing without --blobs. */
int sim_blobs_plan(sim_world *w);
void sim_blobs_event(sim_world *w, sim_event *e);
void sim_blobs_action(sim_world *w, sim_node *n, const px_core_action *a);
void sim_blobs_started(sim_world *w, sim_node *n);
void sim_blobs_closed(sim_world *w, sim_node *n, int far, int rc);
bool sim_blobs_converged(sim_world *w, char *why, size_t len);
typedef struct sim_blob_figures {
    int fetches, fetched;              /* asked for, completed (each verified) */
    double fetch_p50_ms, fetch_p99_ms; /* first asked to complete, simulated */
    uint64_t bad_chunk_closes;         /* connections to the bad-chunk node closed for a chunk */
    uint64_t retries;                  /* fetches asked again after a deadline */
} sim_blob_figures;
void sim_blobs_figures(const sim_world *w, sim_blob_figures *out);
void sim_blobs_free(sim_world *w);

/* check.c */
typedef struct sim_figures {
    int nodes;
    uint64_t entries;
    bool converged;
    int violations;
    double spread_p50_ms, spread_p99_ms;
    double copies_per_entry;
    uint64_t measured; /* records the spread is over */
} sim_figures;

/* Whether every honest, live member holds the same feeds (to the same
 * forwardable seq), the same bodies and the same membership. */
bool sim_converged(sim_world *w, char *why, size_t whylen);
/* Everything checked at the end: stores verify, no poison held, spread. */
void sim_final_checks(sim_world *w, sim_figures *out);
/* Checked as it runs: bounded queues and held entries. */
void sim_check_bounds(sim_world *w);
bool sim_node_honest(const sim_world *w, const sim_node *n);
/* On stderr: which feeds differ between the reference member and the others. */
void sim_explain(sim_world *w);

#endif
