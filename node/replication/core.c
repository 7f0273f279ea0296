/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.c — the sans-I/O replication core (see core.h).
 *
 * Layout: seqmap (a sorted author -> seq array: our heads, what each peer
 * holds); the action queue; peers and bans; sending (hello, clock, have,
 * the pump that asks the host to load what a peer lacks, then sends it);
 * receiving (messages judged, entries and bodies handed to the host as
 * store jobs, their outcomes applied); time (wakes, forwarding delay,
 * missing bodies, releases); blob transfers (the embedded blobxfer.h
 * machine: its actions turned into ours, its inputs from ours); progress.
 */
#include "core.h"

#include "entry.h"
#include "error.h"
#include "log.h"
#include "msg.h"
#include "offence.h"
#include "rng.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* --- seqmap ------------------------------------------------------------------ */

typedef struct seqmap {
    px_core_seq *v;
    size_t n, cap;
} seqmap;

static size_t seqmap_find(const seqmap *m, const uint8_t author[32], bool *found)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(m->v[mid].author, author, 32);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static uint64_t seqmap_get(const seqmap *m, const uint8_t author[32])
{
    bool found;
    size_t i = seqmap_find(m, author, &found);
    return found ? m->v[i].seq : 0;
}

/* Set author's value (raise: only upwards). */
static int seqmap_put(seqmap *m, const uint8_t author[32], uint64_t seq, bool raise)
{
    bool found;
    size_t i = seqmap_find(m, author, &found);
    if (found) {
        if (!raise || seq > m->v[i].seq)
            m->v[i].seq = seq;
        return PX_OK;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        px_core_seq *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof *m->v);
    memcpy(m->v[i].author, author, 32);
    m->v[i].seq = seq;
    m->n++;
    return PX_OK;
}

static int seqmap_raise(seqmap *m, const uint8_t author[32], uint64_t seq)
{
    return seqmap_put(m, author, seq, true);
}

static void seqmap_free(seqmap *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}

/* --- state -------------------------------------------------------------------- */

typedef struct fork_proof {
    uint8_t author[32];
    uint64_t seq;
    uint8_t *item; /* count archive items */
    size_t len, count;
} fork_proof;

typedef struct cpeer {
    uint64_t id;
    uint8_t pk[32];
    bool outbound;
    bool hello_received;
    bool clock_received;
    bool closing; /* we asked the host to close it */
    bool paused;
    bool loading;     /* a LOAD for it is outstanding */
    bool lazy;        /* EBT: not on our tree: new entries go to it as `have`s only */
    bool blob_up;     /* the blob machine knows it (from its hello until it closes) */
    bool blob_watch;  /* the blob machine waits for its queue to drain */
    uint32_t serving; /* PX_CORE_BLOB_SERVEs not answered yet (their chunks join the queue) */
    uint64_t opened_ms;
    char software[PX_MSG_SOFTWARE_MAX + 1];
    seqmap has; /* what the peer holds: its clock and haves, what we sent, what it sent */
    seqmap forks_sent;
    /* Feeds that may hold something the peer lacks: every feed that grew
     * here since it was last found sent (the seq is unused), or all of
     * them (dirty_all: a new peer, a membership change). The pump looks
     * at these only, so its work follows what changed, not how many feeds
     * there are. Invariant: a feed the peer lacks is in dirty, or
     * dirty_all is set. */
    seqmap dirty;
    bool dirty_all;
    size_t cursor; /* round-robin position in heads */
    size_t queued; /* bytes in its send queue, as far as we know */
    uint64_t received, sent;
    uint64_t last_new_ms;  /* when it last gave us something new (or sent its clock) */
    uint64_t last_want_ms; /* when we last answered its want_bodies */
    struct cpeer *next;
} cpeer;

typedef enum { JOB_STORE = 1, JOB_LOAD, JOB_BODIES } job_type;

typedef struct cjob {
    uint64_t id;
    job_type type;
    uint64_t peer;
    size_t len; /* STORE: bytes counted in queued_bytes */
    px_core_job_kind kind;
    uint8_t author[32]; /* LOAD; STORE of entries: the feed they belong to */
    uint64_t until_seq; /* LOAD; STORE of entries: the last seq in the message */
    struct cjob *next;
} cjob;

struct px_core {
    uint8_t me[32];
    uint8_t network_id[32];
    const px_members *members;
    px_rng rng;
    uint64_t hello_timeout_ms;
    uint64_t forward_delay_ms;
    bool ebt;
    uint64_t graft_ms;
    /* EBT: feeds peers claim more of than we hold: since when no entry of
     * them arrived (ms), and our head then. */
    struct lack {
        uint8_t author[32];
        uint64_t since, head;
    } * lacking;
    size_t n_lacking, cap_lacking;
    uint64_t prunes_sent, grafts_sent;
    char software[PX_MSG_SOFTWARE_MAX + 1];
    seqmap heads;
    seqmap fresh_until; /* feeds that grew by receipt: not forwarded before (ms) */
    seqmap sent_any;    /* per feed, the highest seq sent to some peer */
    fork_proof *forks;
    size_t n_forks;
    cpeer *peers;
    cjob *jobs;
    uint64_t next_job;
    size_t queued_bytes; /* STORE jobs outstanding */
    size_t stores_outstanding;
    bool release_outstanding;
    bool release_pending; /* ask for a release as soon as none is outstanding */
    bool release_members; /* ... with the membership hint */
    bool held_left;
    bool missing_stale;
    uint64_t next_maint_ms;
    uint64_t next_release_ms;
    uint8_t want[PX_CORE_WANT_MAX][32];
    size_t n_want;
    px_core_ban bans[64];
    size_t n_bans;
    /* Peers that closed while a chunk they sent was still with the store,
     * unverified: the store's verdict may name them after they have gone
     * (a ring, newest over oldest). */
    struct gone_peer {
        uint64_t id;
        uint8_t pk[32];
    } gone[32];
    size_t gone_next;
    /* actions */
    px_core_action *q;
    size_t q_head, q_len, q_cap;
    uint64_t wake_at; /* the last WAKE emitted (0: none) */
    px_bx *bx;        /* blob transfers */
    uint64_t now_ms;  /* of the latest input */
    uint64_t pump_at; /* the wake the last pump wanted, before the blob machine's */
    /* figures */
    uint64_t received_total, dup_total, batches_total, sig_checks_total, bodies_total, sent_total;
    px_buf scratch;
};

enum {
    DEFAULT_FORWARD_DELAY_MS = 40,
    DEFAULT_GRAFT_MS = 200,
    PEER_FEEDS_MAX = 100000, /* most feeds one peer's clock may name */
    CLOCK_CHUNK = 8192,
    MAINT_MS = 2000,          /* ask for missing bodies this often */
    RELEASE_EVERY_MS = 10000, /* offer held entries again this often */
    WANT_ANSWER_MS = 500,     /* answer a peer's want_bodies at most this often */
    CLAIM_TRUST_MS = 5000,
    BANS_MAX = 64,
};
#define CLAIM_MAX_PER_FEED 10000000ull

static void pump(px_core *c, uint64_t now);
static void blob_down(px_core *c, cpeer *p, uint64_t now);
static void blob_room_check(px_core *c, cpeer *p, uint64_t now);

static void short_key(char out[17], const uint8_t pk[32])
{
    px_hex_encode(out, pk, 8);
}

/* --- actions -------------------------------------------------------------------- */

static px_core_action *push(px_core *c, px_core_action_type type, uint64_t peer)
{
    if (c->q_len == c->q_cap) {
        size_t cap = c->q_cap ? c->q_cap * 2 : 64;
        px_core_action *q = malloc(cap * sizeof *q);
        if (!q)
            return NULL;
        for (size_t i = 0; i < c->q_len; i++)
            q[i] = c->q[(c->q_head + i) % c->q_cap];
        free(c->q);
        c->q = q;
        c->q_cap = cap;
        c->q_head = 0;
    }
    px_core_action *a = &c->q[(c->q_head + c->q_len) % c->q_cap];
    c->q_len++;
    memset(a, 0, sizeof *a);
    a->type = type;
    a->peer = peer;
    return a;
}

bool px_core_next_action(px_core *c, px_core_action *a)
{
    if (c->q_len == 0)
        return false;
    *a = c->q[c->q_head];
    c->q_head = (c->q_head + 1) % c->q_cap;
    c->q_len--;
    return true;
}

void px_core_action_release(px_core_action *a)
{
    if (!a)
        return;
    free(a->bytes);
    free(a->ids);
    a->bytes = NULL;
    a->ids = NULL;
}

/* --- peers and bans ------------------------------------------------------------ */

static cpeer *find_peer(const px_core *c, uint64_t id)
{
    for (cpeer *p = c->peers; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

static bool sendable(const cpeer *p)
{
    return p->hello_received && !p->closing;
}

static bool congested(const cpeer *p)
{
    return p->queued >= PX_CORE_HIGH_WATER;
}

static void close_peer(px_core *c, cpeer *p, int rc, const char *why)
{
    if (p->closing)
        return;
    char k[17];
    short_key(k, p->pk);
    px_debug("core", "peer %s: %s; closing", k, why && why[0] ? why : px_strerror(rc));
    p->closing = true;
    px_core_action *a = push(c, PX_CORE_CLOSE, p->id);
    if (a)
        a->rc = rc;
    blob_down(c, p, c->now_ms); /* what was asked of it is asked elsewhere */
}

/* Queue a message for p (the bytes are taken: b is left empty). */
static void send_buf(px_core *c, cpeer *p, px_buf *b)
{
    px_core_action *a = b->data ? push(c, PX_CORE_SEND, p->id) : NULL;
    if (!a) {
        px_buf_free(b);
        close_peer(c, p, PX_ENOMEM, "out of memory");
        return;
    }
    a->bytes = (uint8_t *)b->data;
    a->len = b->len;
    p->queued += b->len;
    memset(b, 0, sizeof *b);
}

static px_core_ban *find_ban(px_core *c, const uint8_t key[32])
{
    for (size_t i = 0; i < c->n_bans; i++)
        if (memcmp(c->bans[i].key, key, 32) == 0)
            return &c->bans[i];
    return NULL;
}

uint64_t px_core_banned_until(const px_core *c, const uint8_t key[32])
{
    px_core_ban *b = find_ban((px_core *)c, key);
    return b ? b->until_ms : 0;
}

size_t px_core_n_bans(const px_core *c)
{
    return c->n_bans;
}

const px_core_ban *px_core_ban_at(const px_core *c, size_t i)
{
    return i < c->n_bans ? &c->bans[i] : NULL;
}

/* A key that misbehaved is refused for a while (offence.h's table). */
static void punish(px_core *c, const uint8_t key[32], int rc, uint64_t now)
{
    px_core_ban *b = find_ban(c, key);
    if (!b) {
        if (c->n_bans == BANS_MAX) /* forget the oldest offender */
            memmove(c->bans, c->bans + 1, (BANS_MAX - 1) * sizeof *c->bans);
        else
            c->n_bans++;
        b = &c->bans[c->n_bans - 1];
        memset(b, 0, sizeof *b);
        memcpy(b->key, key, 32);
    }
    b->offences++;
    uint64_t ms = px_offence_ban_ms(rc, b->offences);
    b->until_ms = now + ms;
    b->last_rc = rc;
    char k[17];
    short_key(k, key);
    px_warn("node", "peer %s misbehaved (%s); refused for %llu s", k, px_strerror(rc),
            (unsigned long long)(ms / 1000));
    px_core_action *a = push(c, PX_CORE_BAN, 0);
    if (a) {
        memcpy(a->key, key, 32);
        a->rc = rc;
        a->until_ms = b->until_ms;
        a->offences = b->offences;
    }
}

bool px_core_admits(const px_core *c, const uint8_t pk[32], uint64_t now_ms)
{
    if (now_ms < px_core_banned_until(c, pk))
        return false;
    return px_members_may_connect(c->members, pk);
}

/* How much of a feed we offer: entries past a revoked or handed-over key's
 * cut are kept as evidence only, never forwarded. */
static uint64_t forwardable(const px_core *c, const uint8_t author[32], uint64_t seq)
{
    if (memcmp(author, c->me, 32) == 0)
        return seq; /* ours, maybe published before our admission arrived */
    uint64_t limit = px_members_counts_until((void *)c->members, author);
    return seq < limit ? seq : limit;
}

/* --- life ------------------------------------------------------------------------ */

int px_core_new(const px_core_cfg *cfg, px_core **out)
{
    *out = NULL;
    if (!cfg || !cfg->me || !cfg->network_id || !cfg->members)
        return px_err_set(PX_EINVAL, "the replication core needs our key, the network id and "
                                     "the membership");
    px_core *c = calloc(1, sizeof *c);
    if (!c)
        return PX_ENOMEM;
    memcpy(c->me, cfg->me, 32);
    memcpy(c->network_id, cfg->network_id, 32);
    c->members = cfg->members;
    px_rng_seed(&c->rng, cfg->seed);
    c->hello_timeout_ms = cfg->hello_timeout_ms ? cfg->hello_timeout_ms : 10000;
    c->ebt = cfg->relay != PX_CORE_RELAY_FLOOD;
    c->graft_ms = cfg->graft_ms ? cfg->graft_ms : DEFAULT_GRAFT_MS;
    c->forward_delay_ms = cfg->forward_delay_ms == PX_CORE_NO_DELAY ? 0
                          : cfg->forward_delay_ms                   ? cfg->forward_delay_ms
                          : c->ebt                                  ? 0
                                                                    : DEFAULT_FORWARD_DELAY_MS;
    snprintf(c->software, sizeof c->software, "%s",
             cfg->software ? cfg->software : "praxisd/0.1.0");
    /* A previous run may have left held entries or missing bodies: the
     * first maintenance asks for a release. */
    c->held_left = true;
    c->missing_stale = true;
    c->next_maint_ms = cfg->now_ms;
    c->next_release_ms = cfg->now_ms;
    c->now_ms = cfg->now_ms;
    px_bx_cfg bc = {.max_size = cfg->blob_max_size};
    int rc = px_bx_new(&bc, &c->bx);
    if (rc) {
        free(c);
        return rc;
    }
    *out = c;
    return PX_OK;
}

void px_core_free(px_core *c)
{
    if (!c)
        return;
    for (cpeer *p = c->peers; p;) {
        cpeer *next = p->next;
        seqmap_free(&p->has);
        seqmap_free(&p->forks_sent);
        seqmap_free(&p->dirty);
        free(p);
        p = next;
    }
    for (cjob *j = c->jobs; j;) {
        cjob *next = j->next;
        free(j);
        j = next;
    }
    px_core_action a;
    while (px_core_next_action(c, &a))
        px_core_action_release(&a);
    free(c->q);
    for (size_t i = 0; i < c->n_forks; i++)
        free(c->forks[i].item);
    free(c->forks);
    seqmap_free(&c->heads);
    seqmap_free(&c->fresh_until);
    seqmap_free(&c->sent_any);
    free(c->lacking);
    px_buf_free(&c->scratch);
    px_bx_free(c->bx);
    free(c);
}

/* --- jobs ---------------------------------------------------------------------- */

static cjob *new_job(px_core *c, job_type type, uint64_t peer)
{
    cjob *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->id = ++c->next_job;
    j->type = type;
    j->peer = peer;
    j->next = c->jobs;
    c->jobs = j;
    return j;
}

/* Remove and return job id of the given type (NULL if unknown). */
static cjob *take_job(px_core *c, uint64_t id, job_type type)
{
    for (cjob **pp = &c->jobs; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id && (*pp)->type == type) {
            cjob *j = *pp;
            *pp = j->next;
            return j;
        }
    return NULL;
}

/* Hand a message (copied) to the host as a store job. */
static int store_job(px_core *c, cpeer *p, px_core_job_kind kind, const uint8_t *msg, size_t len,
                     bool members_hint, const px_msg *m)
{
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return PX_ENOMEM;
        memcpy(copy, msg, len);
    }
    cjob *j = new_job(c, JOB_STORE, p ? p->id : 0);
    px_core_action *a = j ? push(c, PX_CORE_STORE, p ? p->id : 0) : NULL;
    if (!a) {
        if (j)
            free(take_job(c, j->id, JOB_STORE));
        free(copy);
        return PX_ENOMEM;
    }
    j->len = len;
    j->kind = kind;
    if (m && m->n_items > 0) {
        /* Which feed and how far (the headers are checked when stored): so
         * that a graft does not ask for what already waits to be stored. */
        px_entry e;
        const px_msg_item *it = &m->items[m->n_items - 1];
        if (px_entry_decode(&e, it->header, it->header_len, it->sig, NULL, 0) == PX_OK) {
            memcpy(j->author, e.h.author, 32);
            j->until_seq = e.h.seq;
        }
    }
    a->job = j->id;
    a->kind = kind;
    a->bytes = copy;
    a->len = len;
    a->members_hint = members_hint;
    c->queued_bytes += len;
    c->stores_outstanding++;
    if (kind == PX_CORE_JOB_RELEASE)
        c->release_outstanding = true;
    if (p && c->queued_bytes > PX_CORE_QUEUE_MAX && !p->paused) {
        p->paused = true;
        push(c, PX_CORE_PAUSE, p->id);
    }
    return PX_OK;
}

static void ask_release(px_core *c, uint64_t now)
{
    if (c->release_outstanding)
        return;
    bool hint = c->release_members;
    c->release_pending = false;
    c->release_members = false;
    c->next_release_ms = now + RELEASE_EVERY_MS;
    if (store_job(c, NULL, PX_CORE_JOB_RELEASE, NULL, 0, hint, NULL) != PX_OK) {
        c->release_pending = true; /* try again at the next tick */
        c->release_members = hint;
    }
}

/* --- sending --------------------------------------------------------------------- */

static void send_hello(px_core *c, cpeer *p)
{
    px_buf b = {0};
    if (px_msg_encode_hello(&b, PX_CORE_PROTOCOL_VERSION, c->software, c->network_id) != PX_OK)
        px_buf_free(&b);
    send_buf(c, p, &b);
}

/* Our clock, in chunks that fit a message. */
static void send_clock(px_core *c, cpeer *p)
{
    size_t i = 0;
    px_msg_feed *f = malloc((c->heads.n < CLOCK_CHUNK ? c->heads.n + 1 : CLOCK_CHUNK) * sizeof *f);
    if (!f) {
        close_peer(c, p, PX_ENOMEM, "out of memory");
        return;
    }
    do {
        size_t n = c->heads.n - i < CLOCK_CHUNK ? c->heads.n - i : CLOCK_CHUNK;
        for (size_t k = 0; k < n; k++) {
            f[k].author = c->heads.v[i + k].author;
            f[k].seq = forwardable(c, c->heads.v[i + k].author, c->heads.v[i + k].seq);
        }
        px_buf b = {0};
        if (px_msg_encode_feeds(&b, PX_MSG_CLOCK, f, n) != PX_OK)
            px_buf_free(&b);
        send_buf(c, p, &b);
        i += n;
    } while (i < c->heads.n);
    free(f);
}

/* Tell peers which feeds just grew here, so they do not send us copies. */
static void send_have(px_core *c, const seqmap *grown, uint64_t skip_peer)
{
    if (grown->n == 0)
        return;
    px_msg_feed *f = malloc(grown->n * sizeof *f);
    if (!f)
        return; /* only an optimisation */
    for (cpeer *p = c->peers; p; p = p->next) {
        if (p->id == skip_peer || !p->clock_received || !sendable(p))
            continue;
        size_t n = 0;
        for (size_t i = 0; i < grown->n && n < PX_MSG_FEEDS_MAX; i++) {
            uint64_t seq = forwardable(c, grown->v[i].author, grown->v[i].seq);
            /* Also to peers that hold it already: what they know we hold
             * decides what they push us once we graft them (praxis-sim
             * found grafts answered with copies of entries we had). */
            f[n].author = grown->v[i].author;
            f[n].seq = seq;
            n++;
        }
        if (n == 0)
            continue;
        px_buf b = {0};
        if (px_msg_encode_feeds(&b, PX_MSG_HAVE, f, n) != PX_OK)
            px_buf_free(&b);
        send_buf(c, p, &b);
    }
    free(f);
}

/* Feed a may hold something peers lack (our head of it grew). */
static void mark_dirty(px_core *c, const uint8_t author[32])
{
    for (cpeer *p = c->peers; p; p = p->next)
        if (!p->dirty_all && seqmap_put(&p->dirty, author, 0, false) != PX_OK)
            p->dirty_all = true; /* out of memory: look at every feed instead */
}

static void mark_all_dirty(px_core *c)
{
    for (cpeer *p = c->peers; p; p = p->next)
        p->dirty_all = true;
}

/* Ask the host for entries i of heads onwards that p lacks. */
static bool load_for(px_core *c, cpeer *p, size_t i, uint64_t theirs, uint64_t limit)
{
    const px_core_seq *h = &c->heads.v[i];
    cjob *j = new_job(c, JOB_LOAD, p->id);
    px_core_action *a = j ? push(c, PX_CORE_LOAD, p->id) : NULL;
    if (!a) {
        if (j)
            free(take_job(c, j->id, JOB_LOAD));
        return false;
    }
    a->job = j->id;
    memcpy(j->author, h->author, 32);
    j->until_seq = limit;
    memcpy(a->author, h->author, 32);
    a->from_seq = theirs + 1;
    a->until_seq = limit;
    a->max_entries = PX_CORE_BATCH_ENTRIES;
    a->max_bytes = PX_CORE_BATCH_BYTES;
    p->loading = true;
    p->cursor = i + 1;
    return true;
}

/* What p lacks of heads[i]: 0 nothing; 1 something, but it waits for the
 * forwarding delay (*wake lowered); 2 something to load now. */
static int lack_of(const px_core *c, const cpeer *p, size_t i, uint64_t now, uint64_t *theirs,
                   uint64_t *limit, uint64_t *wake)
{
    const px_core_seq *h = &c->heads.v[i];
    *theirs = seqmap_get(&p->has, h->author);
    *limit = forwardable(c, h->author, h->seq);
    if (*theirs >= *limit)
        return 0;
    uint64_t fresh = seqmap_get(&c->fresh_until, h->author);
    if (fresh > now) {
        if (*wake == 0 || fresh < *wake)
            *wake = fresh;
        return 1;
    }
    return 2;
}

/* The feed scan over every feed (dirty_all), round-robin from the cursor;
 * once a whole pass finds nothing to load, only dirty feeds are looked at
 * (those waiting for the forwarding delay become dirty). */
static int scan_all(px_core *c, cpeer *p, uint64_t now, uint64_t *wake)
{
    for (size_t k = 0; k < c->heads.n; k++) {
        size_t i = (p->cursor + k) % c->heads.n;
        uint64_t theirs, limit;
        int lack = lack_of(c, p, i, now, &theirs, &limit, wake);
        if (lack == 1 && seqmap_put(&p->dirty, c->heads.v[i].author, 0, false) != PX_OK)
            return -1; /* out of memory: scan again next time */
        if (lack == 2)
            return load_for(c, p, i, theirs, limit) ? 1 : -1;
    }
    p->dirty_all = false;
    return 0;
}

/* The same over the dirty feeds, in the same order (from the cursor's
 * feed round), so the choice is the one the whole scan would make; feeds
 * found to hold nothing p lacks leave the set. */
static bool scan_dirty(px_core *c, cpeer *p, uint64_t now, uint64_t *wake)
{
    seqmap *d = &p->dirty;
    if (d->n == 0 || c->heads.n == 0)
        return false;
    bool found;
    size_t start = seqmap_find(d, c->heads.v[p->cursor % c->heads.n].author, &found);
    bool loaded = false;
    for (size_t k = 0; k < d->n && !loaded; k++) {
        px_core_seq *e = &d->v[(start + k) % d->n];
        size_t i = seqmap_find(&c->heads, e->author, &found);
        uint64_t theirs = 0, limit = 0;
        int lack = found ? lack_of(c, p, i, now, &theirs, &limit, wake) : 0;
        e->seq = lack == 0; /* 1: leaves the set */
        if (lack == 2)
            loaded = load_for(c, p, i, theirs, limit);
    }
    size_t n = 0; /* unvisited and kept entries have seq 0 */
    for (size_t r = 0; r < d->n; r++)
        if (d->v[r].seq == 0)
            d->v[n++] = d->v[r];
    d->n = n;
    return loaded;
}

/* Ask the host for the next batch p lacks, or send it a fork proof.
 * Returns whether something was asked for or sent. */
static bool pump_peer(px_core *c, cpeer *p, uint64_t now, uint64_t *wake)
{
    if (!p->clock_received || !sendable(p) || congested(p) || p->loading)
        return false;
    /* Off our tree (EBT): the peer learns of new entries from our `have`s
     * and grafts us if nobody else delivers them (its dirty feeds wait). */
    if (!p->lazy) {
        if (p->dirty_all) {
            int r = scan_all(c, p, now, wake);
            if (r != 0)
                return r > 0;
        } else if (scan_dirty(c, p, now, wake)) {
            return true;
        }
    }
    /* Fork proofs go to peers that hold the seq they contradict. */
    for (size_t i = 0; i < c->n_forks; i++) {
        fork_proof *f = &c->forks[i];
        if (seqmap_get(&p->has, f->author) < f->seq ||
            seqmap_get(&p->forks_sent, f->author) >= f->seq)
            continue;
        if (seqmap_raise(&p->forks_sent, f->author, f->seq) != PX_OK)
            return false;
        px_buf b = {0};
        if (px_msg_encode_entries(&b, f->item, f->len, f->count) != PX_OK)
            px_buf_free(&b);
        send_buf(c, p, &b);
        return true;
    }
    return false;
}

static void set_wake(px_core *c, uint64_t at)
{
    if (at == 0 || at == c->wake_at)
        return;
    px_core_action *a = push(c, PX_CORE_WAKE, 0);
    if (a) {
        a->at_ms = at;
        c->wake_at = at;
    }
}

/* EBT: tell p to stop pushing new entries to us (we got them elsewhere);
 * we stop pushing to it too, so the link leaves the tree both ways. */
static void send_prune(px_core *c, cpeer *p)
{
    px_buf b = {0};
    if (px_msg_encode_prune(&b) != PX_OK)
        px_buf_free(&b);
    p->lazy = true;
    c->prunes_sent++;
    send_buf(c, p, &b);
}

/* EBT: remember that peers claim more of author's feed than we hold. */
static int note_lacking(px_core *c, const uint8_t author[32], uint64_t head, uint64_t now)
{
    for (size_t i = 0; i < c->n_lacking; i++)
        if (memcmp(c->lacking[i].author, author, 32) == 0)
            return PX_OK;
    if (c->n_lacking == c->cap_lacking) {
        size_t cap = c->cap_lacking ? c->cap_lacking * 2 : 16;
        struct lack *v = realloc(c->lacking, cap * sizeof *v);
        if (!v)
            return PX_ENOMEM;
        c->lacking = v;
        c->cap_lacking = cap;
    }
    struct lack *l = &c->lacking[c->n_lacking++];
    memcpy(l->author, author, 32);
    l->since = now;
    l->head = head;
    return PX_OK;
}

/* EBT: a batch of author's feed was refused (a body stripped, a bad
 * signature). While it was in flight, ebt_check counted it as delivered and
 * may have forgotten that peers hold more; remember again if they do, or
 * nothing brings it back once every peer has said what it holds (praxis-sim
 * seed 292: a hostile eager peer's stripped entry stalled a feed for good). */
static void relack(px_core *c, const uint8_t author[32], uint64_t now)
{
    uint64_t head = seqmap_get(&c->heads, author);
    for (const cpeer *p = c->peers; p; p = p->next)
        if (p->clock_received && sendable(p) &&
            forwardable(c, author, seqmap_get(&p->has, author)) > head) {
            note_lacking(c, author, head, now); /* out of memory: a hint lost */
            return;
        }
}

static void graft(px_core *c, cpeer *p, uint64_t now)
{
    px_msg_feed *f = malloc((c->n_lacking + 1) * sizeof *f);
    size_t n = 0;
    for (size_t k = 0; f && k < c->n_lacking && n < PX_MSG_FEEDS_MAX; k++) {
        const uint8_t *a = c->lacking[k].author;
        uint64_t h = seqmap_get(&c->heads, a);
        if (seqmap_get(&p->has, a) > h) {
            f[n].author = a;
            f[n].seq = h;
            n++;
            c->lacking[k].since = now; /* wait again before another graft */
        }
    }
    px_buf b = {0};
    if (!f || px_msg_encode_feeds(&b, PX_MSG_GRAFT, f, n) != PX_OK)
        px_buf_free(&b);
    free(f);
    p->lazy = false;
    c->grafts_sent++;
    send_buf(c, p, &b);
}

/* EBT: a feed that peers claim more of than we hold, none of whom is on
 * our tree (every claimer is lazy), is grafted from one of them once no
 * entry of it arrived for graft_ms: the tree lost a branch, or never
 * reached us. If claimers on our tree deliver nothing for three times that
 * long, a claimer off it is grafted (one of those on it only if there is
 * none: prunes and grafts that crossed on the wire can leave a link eager
 * at one end only), so a peer that claims what it never sends cannot keep
 * us from grafting one that does. The graft says what we hold of
 * every feed that peer claims more of. */
static void ebt_check(px_core *c, uint64_t now, uint64_t *wake)
{
    for (size_t i = c->n_lacking; i-- > 0;) {
        struct lack *l = &c->lacking[i];
        uint64_t head = seqmap_get(&c->heads, l->author);
        for (const cjob *j = c->jobs; j; j = j->next) /* received, not stored yet */
            if (j->type == JOB_STORE && j->until_seq > head &&
                memcmp(j->author, l->author, 32) == 0)
                head = j->until_seq;
        if (head > l->head) { /* delivering */
            l->head = head;
            l->since = now;
        }
        cpeer *lazy[16], *eager[16];
        size_t n_lazy = 0, n_eager = 0;
        bool claimed = false;
        for (cpeer *p = c->peers; p; p = p->next) {
            if (!p->clock_received || !sendable(p) || seqmap_get(&p->has, l->author) <= head)
                continue;
            claimed = true;
            if (p->lazy && n_lazy < 16)
                lazy[n_lazy++] = p;
            else if (!p->lazy && n_eager < 16)
                eager[n_eager++] = p;
        }
        if (!claimed) { /* caught up, or the claimers left */
            *l = c->lacking[--c->n_lacking];
            continue;
        }
        uint64_t due = l->since + (n_eager ? 3 * c->graft_ms : c->graft_ms);
        if (now < due) {
            if (*wake == 0 || due < *wake)
                *wake = due;
            continue;
        }
        /* A claimer off the tree first: an eager one that claims but does
         * not deliver had its chance (a liar must not keep the graft). */
        if (n_lazy)
            graft(c, lazy[px_rng_below(&c->rng, n_lazy)], now);
        else
            graft(c, eager[px_rng_below(&c->rng, n_eager)], now);
        l = &c->lacking[i];
        if (*wake == 0 || l->since + c->graft_ms < *wake)
            *wake = l->since + c->graft_ms;
    }
}

/* After every input: ask for what peers lack, and say when to wake next. */
static void blob_flush(px_core *c, uint64_t now);
static void blob_pump(px_core *c, uint64_t now);

static void pump(px_core *c, uint64_t now)
{
    c->now_ms = now;
    blob_flush(c, now);
    uint64_t wake = 0;
    if (c->ebt)
        ebt_check(c, now, &wake);
    for (cpeer *p = c->peers; p; p = p->next)
        pump_peer(c, p, now, &wake);
    uint64_t at = c->next_maint_ms;
    if (wake && wake < at)
        at = wake;
    for (cpeer *p = c->peers; p; p = p->next)
        if (!p->hello_received && !p->closing && p->opened_ms + c->hello_timeout_ms < at)
            at = p->opened_ms + c->hello_timeout_ms;
    if (c->release_pending && !c->release_outstanding)
        at = now;
    c->pump_at = at;
    if (px_bx_next_wake(c->bx) < at)
        at = px_bx_next_wake(c->bx);
    if (at <= now)
        at = now + 1;
    set_wake(c, at);
}

/* After an input that only the blob machine took (a blob message, a blob
 * store's answer): carry out what it decided and merge its wake. What it
 * sends only adds to a peer's queue, so nothing the full pump decides
 * (entries to load, grafts, hello timeouts) can have changed. */
static void blob_pump(px_core *c, uint64_t now)
{
    c->now_ms = now;
    blob_flush(c, now);
    uint64_t at = c->pump_at;
    if (px_bx_next_wake(c->bx) < at)
        at = px_bx_next_wake(c->bx);
    if (at <= now)
        at = now + 1;
    set_wake(c, at);
}

int px_core_local_changed(px_core *c, const px_core_seq *heads, size_t n, uint64_t now_ms)
{
    int rc = PX_OK;
    seqmap grown = {0};
    for (size_t i = 0; !rc && i < n; i++) {
        if (heads[i].seq <= seqmap_get(&c->heads, heads[i].author))
            continue;
        rc = seqmap_raise(&c->heads, heads[i].author, heads[i].seq);
        if (!rc)
            mark_dirty(c, heads[i].author);
        if (!rc && c->ebt)
            seqmap_raise(&grown, heads[i].author, heads[i].seq); /* only an optimisation */
    }
    /* Peers off our tree hear of it too (and graft us if they must). */
    send_have(c, &grown, 0);
    seqmap_free(&grown);
    pump(c, now_ms);
    return rc;
}

int px_core_add_fork(px_core *c, const uint8_t author[32], uint64_t seq, const uint8_t *item,
                     size_t len, size_t count)
{
    if (count == 0 || count > PX_MSG_ENTRIES_MAX)
        return PX_EINVAL;
    for (size_t i = 0; i < c->n_forks; i++)
        if (memcmp(c->forks[i].author, author, 32) == 0)
            return PX_OK; /* one proof per feed is enough */
    uint8_t *copy = malloc(len ? len : 1);
    fork_proof *f = copy ? realloc(c->forks, (c->n_forks + 1) * sizeof *f) : NULL;
    if (!f) {
        free(copy);
        return PX_ENOMEM;
    }
    memcpy(copy, item, len);
    c->forks = f;
    f = &c->forks[c->n_forks++];
    memcpy(f->author, author, 32);
    f->seq = seq;
    f->item = copy;
    f->len = len;
    f->count = count;
    return PX_OK;
}

void px_core_members_changed(px_core *c, bool behind_ingester, uint64_t now_ms)
{
    /* Close connections to keys that are no longer members (revoked).
     * Outbound connections to keys the operator configured are kept unless
     * revoked, so a new node can bootstrap. */
    for (cpeer *p = c->peers; p; p = p->next) {
        if (p->closing)
            continue;
        bool revoked = px_members_cut_off(c->members, p->pk);
        bool allowed = px_members_may_connect(c->members, p->pk) || (p->outbound && !revoked);
        if (!allowed) {
            char k[17];
            short_key(k, p->pk);
            px_info("node", "closing the connection to %s: %s", k,
                    revoked ? "its key was revoked" : "not a member");
            close_peer(c, p, PX_ENOTMEMBER, revoked ? "its key was revoked" : "not a member");
        }
    }
    mark_all_dirty(c); /* cuts moved: what may be forwarded changed */
    if (behind_ingester) {
        c->release_pending = true;
        c->release_members = true;
        ask_release(c, now_ms);
    }
    pump(c, now_ms);
}

/* --- peers ---------------------------------------------------------------------- */

/* Of two connections between the same two keys, keep the one dialled by
 * the smaller key: both ends pick the same one without talking. */
static bool keep_this_one(const px_core *c, const cpeer *p)
{
    bool i_am_smaller = memcmp(c->me, p->pk, 32) < 0;
    return p->outbound == i_am_smaller;
}

int px_core_peer_open(px_core *c, uint64_t peer, const uint8_t pk[32], bool outbound,
                      uint64_t now_ms)
{
    if (peer == 0 || find_peer(c, peer))
        return px_err_set(PX_EINVAL, "peer id %llu is 0 or in use", (unsigned long long)peer);
    cpeer *p = calloc(1, sizeof *p);
    if (!p)
        return PX_ENOMEM;
    p->id = peer;
    memcpy(p->pk, pk, 32);
    p->outbound = outbound;
    p->opened_ms = now_ms;
    p->dirty_all = true;
    p->next = c->peers;
    c->peers = p;
    if (memcmp(pk, c->me, 32) == 0) {
        close_peer(c, p, PX_EDUP, "connected to ourselves");
    } else if (px_members_cut_off(c->members, pk)) {
        close_peer(c, p, PX_ENOTMEMBER, "its key was revoked or handed over");
    } else {
        for (cpeer *o = c->peers; o; o = o->next) {
            if (o == p || o->closing || memcmp(o->pk, pk, 32) != 0)
                continue;
            cpeer *drop = keep_this_one(c, p) ? o : p;
            close_peer(c, drop, PX_EDUP, "a duplicate connection to one key");
            break;
        }
    }
    if (!p->closing)
        send_hello(c, p);
    pump(c, now_ms);
    return PX_OK;
}

void px_core_peer_closed(px_core *c, uint64_t peer, int rc, uint64_t now_ms)
{
    cpeer **pp = &c->peers;
    while (*pp && (*pp)->id != peer)
        pp = &(*pp)->next;
    cpeer *p = *pp;
    if (!p)
        return;
    *pp = p->next;
    blob_down(c, p, now_ms);
    if (px_offence_ban_ms(rc, 1) > 0)
        punish(c, p->pk, rc, now_ms);
    if (c->bx && px_bx_storing_from(c->bx, p->id)) {
        struct gone_peer *g = &c->gone[c->gone_next];
        c->gone_next = (c->gone_next + 1) % (sizeof c->gone / sizeof c->gone[0]);
        g->id = p->id;
        memcpy(g->pk, p->pk, 32);
    }
    /* Its outstanding loads are answered into nothing; its store jobs
     * still count until stored. */
    seqmap_free(&p->has);
    seqmap_free(&p->forks_sent);
    seqmap_free(&p->dirty);
    free(p);
    pump(c, now_ms);
}

void px_core_peer_queued(px_core *c, uint64_t peer, size_t queued, uint64_t now_ms)
{
    cpeer *p = find_peer(c, peer);
    if (!p)
        return;
    p->queued = queued;
    blob_room_check(c, p, now_ms);
    pump(c, now_ms);
}

bool px_core_peer_ready(const px_core *c, uint64_t peer)
{
    const cpeer *p = find_peer(c, peer);
    return p && p->hello_received;
}

const char *px_core_peer_software(const px_core *c, uint64_t peer)
{
    const cpeer *p = find_peer(c, peer);
    return p ? p->software : NULL;
}

/* --- receiving ------------------------------------------------------------------- */

static int on_hello(px_core *c, cpeer *p, const px_msg *m)
{
    if (m->version != PX_CORE_PROTOCOL_VERSION)
        return px_err_set(PX_EPROTO, "peer speaks protocol version %llu, we speak %d",
                          (unsigned long long)m->version, PX_CORE_PROTOCOL_VERSION);
    if (memcmp(m->network_id, c->network_id, 32) != 0)
        return px_err_set(PX_ENETWORK, "peer's hello names another network");
    memcpy(p->software, m->software, sizeof p->software);
    p->hello_received = true;
    push(c, PX_CORE_READY, p->id);
    send_clock(c, p);
    p->blob_up = true;
    px_bx_peer_up(c->bx, p->id, c->now_ms);
    return PX_OK;
}

static int on_feeds(px_core *c, cpeer *p, const px_msg *m, uint64_t now)
{
    for (size_t i = 0; i < m->n_feeds; i++) {
        const uint8_t *author = m->feeds[i].author;
        /* Only feeds we hold or members' feeds matter; anything else is
         * ignored, so made-up feeds cannot grow this peer's map. */
        if (seqmap_get(&c->heads, author) == 0 &&
            px_members_role(c->members, author) == PX_ROLE_NONE)
            continue;
        if (p->has.n >= PEER_FEEDS_MAX)
            return px_err_set(PX_ETOOBIG, "peer claims more than %d feeds", PEER_FEEDS_MAX);
        int rc = seqmap_raise(&p->has, author, m->feeds[i].seq);
        if (rc)
            return rc;
        uint64_t head = seqmap_get(&c->heads, author);
        if (c->ebt && m->feeds[i].seq > head && forwardable(c, author, m->feeds[i].seq) > head &&
            note_lacking(c, author, head, now) != PX_OK)
            return PX_ENOMEM;
    }
    if (!p->clock_received)
        p->last_new_ms = now; /* its claims count while it delivers */
    p->clock_received = true;
    return PX_OK;
}

/* Answer a `want_bodies` (through the host, which reads the store). A
 * request while the connection is congested, or sooner than
 * WANT_ANSWER_MS after the last one answered, is dropped: it is a hint. */
static int on_want(px_core *c, cpeer *p, const px_msg *m, uint64_t now)
{
    if (m->n_ids == 0 || congested(p) ||
        (p->last_want_ms && now - p->last_want_ms < WANT_ANSWER_MS))
        return PX_OK;
    p->last_want_ms = now;
    uint8_t(*ids)[32] = malloc(m->n_ids * 32);
    cjob *j = ids ? new_job(c, JOB_BODIES, p->id) : NULL;
    px_core_action *a = j ? push(c, PX_CORE_LOAD_BODIES, p->id) : NULL;
    if (!a) {
        if (j)
            free(take_job(c, j->id, JOB_BODIES));
        free(ids);
        return PX_OK; /* a hint: it will come again */
    }
    for (size_t i = 0; i < m->n_ids; i++)
        memcpy(ids[i], m->ids[i], 32);
    a->job = j->id;
    a->ids = ids;
    a->n_ids = m->n_ids;
    return PX_OK;
}

static int on_message(px_core *c, cpeer *p, const uint8_t *msg, size_t len, const px_msg *m,
                      uint64_t now)
{
    if (m->type == PX_MSG_HELLO) {
        if (p->hello_received)
            return px_err_set(PX_EPROTO, "second hello");
        return on_hello(c, p, m);
    }
    if (!p->hello_received)
        return px_err_set(PX_EPROTO, "message before hello");
    switch (m->type) {
    case PX_MSG_CLOCK:
    case PX_MSG_HAVE:
        return on_feeds(c, p, m, now);
    case PX_MSG_PRUNE:
        if (c->ebt)
            p->lazy = true; /* (a flooding node ignores it, like an older one) */
        return PX_OK;
    case PX_MSG_GRAFT:
        if (c->ebt)
            p->lazy = false;
        return on_feeds(c, p, m, now);
    case PX_MSG_ENTRIES:
        /* entries first: this link's chunk window shrinks for a while */
        px_bx_entries_moving(c->bx, p->id, now);
        return store_job(c, p, PX_CORE_JOB_ENTRIES, msg, len, false, m);
    case PX_MSG_WANT_BODIES:
        return on_want(c, p, m, now);
    case PX_MSG_BODIES:
        if (len > PX_CORE_BODIES_BYTES + PX_BODY_MAX + 4096)
            return px_err_set(PX_ETOOBIG, "a bodies message of %zu bytes", len);
        return store_job(c, p, PX_CORE_JOB_BODIES, msg, len, false, NULL);
    case PX_MSG_BLOB_WANT:
    case PX_MSG_BLOB_HAVE:
    case PX_MSG_BLOB_GET:
    case PX_MSG_BLOB_CHUNK:
        return px_bx_on_message(c->bx, p->id, &m->blob, now);
    default: {
        char k[17];
        short_key(k, p->pk);
        px_debug("core", "peer %s: ignoring message of type '%s'", k, m->type_name);
        return PX_OK;
    }
    }
}

void px_core_peer_message(px_core *c, uint64_t peer, const uint8_t *msg, size_t len,
                          uint64_t now_ms)
{
    cpeer *p = find_peer(c, peer);
    if (!p || p->closing)
        return;
    px_msg m;
    px_err_clear();
    c->now_ms = now_ms;
    int rc = px_msg_decode(msg, len, &m);
    if (!rc)
        rc = on_message(c, p, msg, len, &m, now_ms);
    bool blob_only = !rc && px_msg_is_blob(m.type);
    px_msg_free(&m);
    if (rc) {
        char why[300];
        snprintf(why, sizeof why, "%s", px_err_message(rc));
        close_peer(c, p, rc, why);
    }
    if (blob_only)
        blob_pump(c, now_ms);
    else
        pump(c, now_ms);
}

void px_core_stored(px_core *c, uint64_t job, const px_core_outcome *o, uint64_t now_ms)
{
    cjob *j = take_job(c, job, JOB_STORE);
    if (!j)
        return;
    c->queued_bytes -= j->len;
    c->stores_outstanding--;
    if (j->kind == PX_CORE_JOB_RELEASE)
        c->release_outstanding = false;
    c->batches_total++;
    c->received_total += o->added + o->released;
    c->dup_total += o->dups;
    c->sig_checks_total += o->sig_checks;
    c->bodies_total += o->bodies + o->filled;
    seqmap grown = {0};
    uint64_t until = now_ms + c->forward_delay_ms;
    for (size_t i = 0; i < o->n_heads; i++) {
        if (o->heads[i].seq <= seqmap_get(&c->heads, o->heads[i].author))
            continue;
        if (seqmap_raise(&c->heads, o->heads[i].author, o->heads[i].seq) == PX_OK)
            mark_dirty(c, o->heads[i].author);
        seqmap_raise(&grown, o->heads[i].author, o->heads[i].seq);
        if (c->forward_delay_ms && j->peer)
            seqmap_put(&c->fresh_until, o->heads[i].author, until, false);
    }
    cpeer *p = j->peer ? find_peer(c, j->peer) : NULL;
    if (p)
        for (size_t i = 0; i < o->n_sent; i++)
            seqmap_raise(&p->has, o->sent[i].author, o->sent[i].seq);
    send_have(c, &grown, j->peer);
    seqmap_free(&grown);
    if (c->ebt && o->rc && j->kind == PX_CORE_JOB_ENTRIES)
        relack(c, j->author, now_ms);
    if (p && c->ebt && j->kind == PX_CORE_JOB_ENTRIES && !p->closing) {
        /* New entries from a peer off our tree do not put it back on: they
         * were pushed before our prune reached it (only a graft does). */
        if (o->added == 0 && !o->rc && o->dups > 0)
            send_prune(c, p); /* all copies: we are on another branch of the tree */
    }
    if (p) {
        p->received += o->added;
        if (o->added || o->held || o->filled || o->bodies)
            p->last_new_ms = now_ms;
        const px_offence *off = o->rc ? px_offence_of(o->rc) : NULL;
        char k[17];
        short_key(k, p->pk);
        if (off) {
            px_warn("gossip", "peer %s sent a bad entry or message (it %s): %s; disconnecting", k,
                    off->what, o->err);
            close_peer(c, p, o->rc, o->err);
        } else if (o->rc) {
            px_debug("gossip", "peer %s: batch stopped: %s", k, o->err);
        }
    }
    if (o->held)
        px_debug("gossip", "held back %zu entries (author not a member yet, or stamped ahead)",
                 o->held);
    if (o->released)
        px_info("gossip",
                "%zu held-back entries accepted after an admission or once their time came",
                o->released);
    if (j->kind == PX_CORE_JOB_RELEASE || o->held)
        c->held_left = o->held_left;
    c->missing_stale = o->missing_stale;
    if (o->want_set) {
        size_t n = o->n_want < PX_CORE_WANT_MAX ? o->n_want : PX_CORE_WANT_MAX;
        memcpy(c->want, o->want, n * 32);
        c->n_want = n;
    }
    free(j);
    if (c->queued_bytes < PX_CORE_QUEUE_MAX / 2)
        for (cpeer *q = c->peers; q; q = q->next)
            if (q->paused) {
                q->paused = false;
                push(c, PX_CORE_RESUME, q->id);
            }
    if (c->release_pending)
        ask_release(c, now_ms);
    pump(c, now_ms);
}

void px_core_loaded(px_core *c, uint64_t job, int rc, const uint8_t *items, size_t len,
                    size_t count, uint64_t last_seq, uint64_t now_ms)
{
    cjob *j = take_job(c, job, JOB_LOAD);
    if (!j)
        return;
    cpeer *p = find_peer(c, j->peer);
    uint8_t author[32];
    memcpy(author, j->author, 32);
    uint64_t until = j->until_seq;
    free(j);
    if (!p)
        return;
    p->loading = false;
    if (rc) {
        px_warn("gossip", "cannot read feed for a peer: %s", px_err_message(rc));
        return; /* no pump: the next input tries again */
    }
    if (count > 0 && !p->closing) {
        px_buf b = {0};
        if (px_msg_encode_entries(&b, items, len, count) != PX_OK)
            px_buf_free(&b);
        send_buf(c, p, &b);
        p->sent += count;
        c->sent_total += count;
        if (seqmap_raise(&p->has, author, last_seq) != PX_OK) {
            close_peer(c, p, PX_ENOMEM, "out of memory");
            return;
        }
        seqmap_raise(&c->sent_any, author, last_seq); /* allocation failure: only a figure */
    } else if (count == 0 && seqmap_raise(&p->has, author, until) != PX_OK) {
        /* Nothing to send after all (the store holds less than our head
         * said): do not ask again on this connection. */
        close_peer(c, p, PX_ENOMEM, "out of memory");
        return;
    }
    pump(c, now_ms);
}

void px_core_bodies_loaded(px_core *c, uint64_t job, int rc, const px_core_body *bodies, size_t n,
                           uint64_t now_ms)
{
    cjob *j = take_job(c, job, JOB_BODIES);
    if (!j)
        return;
    cpeer *p = find_peer(c, j->peer);
    free(j);
    if (!p || p->closing || rc) {
        if (rc)
            px_debug("gossip", "cannot answer want_bodies: %s", px_err_message(rc));
        return;
    }
    px_buf *items = &c->scratch;
    px_buf_reset(items);
    size_t count = 0;
    for (size_t i = 0; i < n && count < PX_CORE_WANT_MAX && items->len < PX_CORE_BODIES_BYTES;
         i++) {
        if (bodies[i].seq > forwardable(c, bodies[i].author, bodies[i].seq))
            continue; /* past its author's cut: evidence, not forwarded */
        if (px_msg_put_body(items, bodies[i].id, bodies[i].body, bodies[i].len) != PX_OK)
            return;
        count++;
    }
    if (count) {
        px_buf b = {0};
        if (px_msg_encode_bodies(&b, items->data, items->len, count) != PX_OK)
            px_buf_free(&b);
        send_buf(c, p, &b);
    }
    pump(c, now_ms);
}

/* --- time ------------------------------------------------------------------------- */

static void send_want(px_core *c)
{
    if (c->n_want == 0)
        return;
    for (cpeer *p = c->peers; p; p = p->next) {
        if (!p->clock_received || !sendable(p) || congested(p))
            continue;
        px_buf b = {0};
        if (px_msg_encode_want(&b, (const uint8_t(*)[32])c->want, c->n_want) != PX_OK)
            px_buf_free(&b);
        send_buf(c, p, &b);
    }
}

void px_core_tick(px_core *c, uint64_t now_ms)
{
    c->wake_at = 0; /* that wake is spent (or replaced): the next one is emitted again */
    c->now_ms = now_ms;
    if (now_ms >= px_bx_next_wake(c->bx))
        px_bx_tick(c->bx, now_ms);
    for (cpeer *p = c->peers; p; p = p->next)
        if (!p->hello_received && !p->closing && now_ms - p->opened_ms >= c->hello_timeout_ms) {
            char why[100];
            snprintf(why, sizeof why, "no hello within %llu ms",
                     (unsigned long long)c->hello_timeout_ms);
            px_err_set(PX_ETIMEDOUT, "%s", why);
            close_peer(c, p, PX_ETIMEDOUT, why);
        }
    if (now_ms >= c->next_maint_ms) {
        c->next_maint_ms = now_ms + MAINT_MS;
        send_want(c);
        if ((c->held_left || c->missing_stale) && now_ms >= c->next_release_ms)
            c->release_pending = true;
    }
    if (c->release_pending)
        ask_release(c, now_ms);
    pump(c, now_ms);
}

/* --- blob transfers ---------------------------------------------------------------- */

/* Flow control of chunks served (blobxfer.h): what will sit in p's write
 * queue — the bytes queued, and a chunk message for each serve the host has
 * not answered yet (praxisd reads them on a worker) — and whether one more
 * chunk message fits under PX_BX_SEND_QUEUE. The one rule for when the blob
 * machine is told its queue drained: never with room for less than a chunk
 * (that would have it ask again at once, a spin). */
enum { CHUNK_MSG = PX_BLOB_CHUNK + 64 };

static size_t blob_busy(const cpeer *p)
{
    return p->queued + (size_t)p->serving * CHUNK_MSG;
}

static bool blob_room(const cpeer *p)
{
    return blob_busy(p) + CHUNK_MSG <= PX_BX_SEND_QUEUE;
}

/* p's blob machine waits for room: tell it if there is some (outside the
 * translation of its actions: blob_pump follows). */
static void blob_room_check(px_core *c, cpeer *p, uint64_t now)
{
    if (p->blob_watch && blob_room(p)) {
        p->blob_watch = false;
        px_bx_drained(c->bx, p->id, PX_BX_SEND_QUEUE - blob_busy(p), now);
    }
}

/* Have the host report p's queue once it falls below the mark where a
 * chunk message fits. Only with no serve outstanding: each answer looks
 * again (px_core_blob_serve). */
static void blob_watch_queue(px_core *c, cpeer *p)
{
    px_core_action *a = p->serving == 0 ? push(c, PX_CORE_WATCH, p->id) : NULL;
    if (a)
        a->len = PX_BX_SEND_QUEUE - CHUNK_MSG + 1;
}

static void blob_down(px_core *c, cpeer *p, uint64_t now)
{
    if (!p->blob_up)
        return;
    p->blob_up = false;
    p->blob_watch = false;
    p->serving = 0;
    px_bx_peer_down(c->bx, p->id, now);
}

/* An action for the host about a blob that takes over bytes (malloc'ed,
 * len of them, or NULL and 0; freed if the action cannot be queued). NULL
 * when it cannot be queued, or bytes are missing (out of memory, or
 * nothing to take). */
static px_core_action *blob_action_own(px_core *c, px_core_action_type type, uint64_t peer,
                                       const uint8_t id[32], uint8_t *bytes, size_t len)
{
    px_core_action *a = len && !bytes ? NULL : push(c, type, peer);
    if (!a) {
        free(bytes);
        return NULL;
    }
    memcpy(a->blob, id, 32);
    a->bytes = bytes;
    a->len = len;
    return a;
}

/* An action for the host about a blob; bytes (if any) copied. */
static px_core_action *blob_action(px_core *c, px_core_action_type type, uint64_t peer,
                                   const uint8_t id[32], const uint8_t *bytes, size_t len)
{
    uint8_t *copy = NULL;
    if (len && (copy = malloc(len)) == NULL)
        return NULL;
    if (len)
        memcpy(copy, bytes, len);
    return blob_action_own(c, type, peer, id, copy, len);
}

/* The key of a peer that closed with a chunk still unverified (gone[]),
 * the newest first should a driver reuse ids. */
static const uint8_t *gone_key(const px_core *c, uint64_t peer)
{
    const size_t n = sizeof c->gone / sizeof c->gone[0];
    for (size_t k = 1; k <= n && peer != 0; k++) {
        const struct gone_peer *g = &c->gone[(c->gone_next + n - k) % n];
        if (g->id == peer)
            return g->pk;
    }
    return NULL;
}

/* Turn what the blob machine queued into our actions, then feed it what
 * they answer at once (a send queue with room; a chunk that cannot be
 * queued), until it queues nothing. Its action data stays valid until
 * px_bx_clear(), so answers wait until after. Out of memory loses an
 * action the protocol recovers from (a request times out, a want is sent
 * again), as in the machine itself. */
typedef struct blob_answer {
    bool drained; /* else: a chunk not queued for the store, or an offence */
    int offence;  /* the peer sent a chunk its store found bad: close it for this */
    uint64_t peer;
    size_t room;
    uint8_t id[32];
    uint32_t index;
} blob_answer;

static void blob_flush(px_core *c, uint64_t now)
{
    blob_answer *ans = NULL;
    size_t n_ans = 0, cap_ans = 0;
    for (int round = 0; round < 64; round++) {
        size_t n;
        const px_bx_action *v = px_bx_actions(c->bx, &n);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            const px_bx_action *b = &v[i];
            cpeer *p = b->peer ? find_peer(c, b->peer) : NULL;
            bool live = p && p->blob_up && !p->closing;
            blob_answer an = {0};
            bool answer = false;
            px_core_action *a;
            switch (b->kind) {
            case PX_BXA_SEND:
                if (live) { /* the message's bytes handed over, not copied */
                    uint8_t *d = px_bx_take(c->bx, b);
                    px_buf m = {.data = d, .len = d ? b->len : 0, .cap = d ? b->len : 0};
                    send_buf(c, p, &m);
                }
                break;
            case PX_BXA_PUT_MANIFEST:
                blob_action_own(c, PX_CORE_BLOB_PUT_MANIFEST, 0, b->id, px_bx_take(c->bx, b),
                                b->len);
                break;
            case PX_BXA_PUT_CHUNK:
                a = blob_action_own(c, PX_CORE_BLOB_PUT_CHUNK, 0, b->id, px_bx_take(c->bx, b),
                                    b->len);
                if (a) {
                    a->index = b->index;
                } else { /* the chunk is fetched again */
                    answer = true;
                    memcpy(an.id, b->id, 32);
                    an.index = b->index;
                }
                break;
            case PX_BXA_LOOKUP:
                if (live && (a = blob_action(c, PX_CORE_BLOB_LOOKUP, p->id, b->id, NULL, 0)))
                    a->hops = b->hops;
                break;
            case PX_BXA_SERVE:
                if (live && (a = blob_action(c, PX_CORE_BLOB_SERVE, p->id, b->id, NULL, 0))) {
                    a->index = b->index;
                    p->serving++;
                }
                break;
            case PX_BXA_WATCH:
                if (!live)
                    break;
                if (blob_room(p)) {
                    answer = an.drained = true;
                    an.peer = p->id;
                    an.room = PX_BX_SEND_QUEUE - blob_busy(p);
                } else if (!p->blob_watch) {
                    /* Set even if the action is lost: the host reports the
                     * queue after every send anyway. */
                    p->blob_watch = true;
                    blob_watch_queue(c, p);
                }
                break;
            case PX_BXA_OFFENCE: /* closed after px_bx_clear: that calls into the machine */
                if (p && !p->closing) {
                    answer = true;
                    an.offence = b->rc;
                    an.peer = p->id;
                    memcpy(an.id, b->id, 32);
                    an.index = b->index;
                } else if (p) { /* closing for another reason: its key answers for this too */
                    punish(c, p->pk, b->rc, now);
                } else {
                    const uint8_t *pk = gone_key(c, b->peer);
                    if (pk)
                        punish(c, pk, b->rc, now);
                }
                break;
            case PX_BXA_DONE: {
                const char *why = b->rc ? px_err_message(b->rc) : "";
                a = blob_action(c, PX_CORE_BLOB_DONE, 0, b->id, (const uint8_t *)why, strlen(why));
                if (a)
                    a->rc = b->rc;
                break;
            }
            }
            if (answer && n_ans == cap_ans) {
                size_t cap = cap_ans ? 2 * cap_ans : 8;
                blob_answer *v2 = realloc(ans, cap * sizeof *v2);
                if (v2) {
                    ans = v2;
                    cap_ans = cap;
                }
            }
            if (answer && n_ans < cap_ans)
                ans[n_ans++] = an;
        }
        px_bx_clear(c->bx);
        for (size_t i = 0; i < n_ans; i++) {
            cpeer *p;
            if (ans[i].drained) {
                px_bx_drained(c->bx, ans[i].peer, ans[i].room, now);
            } else if (ans[i].offence) {
                if ((p = find_peer(c, ans[i].peer)) != NULL) {
                    char why[300], hex[PX_ID_HEX];
                    snprintf(why, sizeof why,
                             "chunk %u of blob %.16s does not match its manifest hash",
                             ans[i].index, px_id_hex(hex, ans[i].id));
                    px_err_set(ans[i].offence, "%s", why);
                    close_peer(c, p, ans[i].offence, why);
                }
            } else
                px_bx_chunk_stored(c->bx, ans[i].id, ans[i].index, PX_ENOMEM, now);
        }
        n_ans = 0;
    }
    free(ans);
}

int px_core_blob_fetch(px_core *c, const uint8_t id[32], const uint8_t *manifest, size_t mlen,
                       const uint8_t *have, size_t hlen, uint64_t deadline_ms, uint64_t now_ms)
{
    int rc = px_bx_fetch(c->bx, id, manifest, mlen, have, hlen, deadline_ms, now_ms);
    blob_pump(c, now_ms);
    return rc;
}

void px_core_blob_cancel(px_core *c, const uint8_t id[32], uint64_t now_ms)
{
    px_bx_cancel(c->bx, id);
    blob_pump(c, now_ms);
}

void px_core_blob_manifest_stored(px_core *c, const uint8_t id[32], int rc, uint64_t now_ms)
{
    px_bx_manifest_stored(c->bx, id, rc, now_ms);
    blob_pump(c, now_ms);
}

void px_core_blob_chunk_written(px_core *c, const uint8_t id[32], uint32_t index, uint64_t now_ms)
{
    px_bx_chunk_written(c->bx, id, index, now_ms);
    blob_pump(c, now_ms);
}

void px_core_blob_chunk_stored(px_core *c, const uint8_t id[32], uint32_t index, int rc,
                               uint64_t now_ms)
{
    px_bx_chunk_stored(c->bx, id, index, rc, now_ms);
    blob_pump(c, now_ms);
}

void px_core_blob_looked_up(px_core *c, uint64_t peer, const uint8_t id[32], uint32_t hops,
                            const uint8_t *manifest, size_t mlen, const uint8_t *have, size_t hlen,
                            uint64_t now_ms)
{
    const cpeer *p = find_peer(c, peer);
    if (p && p->blob_up && !p->closing)
        px_bx_lookup_done(c->bx, peer, id, hops, manifest, mlen, have, hlen, now_ms);
    blob_pump(c, now_ms);
}

void px_core_blob_serve(px_core *c, uint64_t peer, const uint8_t id[32], uint32_t index,
                        const uint8_t *data, size_t len, uint64_t now_ms)
{
    cpeer *p = find_peer(c, peer);
    if (p && p->serving)
        p->serving--;
    if (p && p->blob_up && !p->closing) {
        px_buf m = {0};
        if (px_msg_encode_blob_chunk(&m, id, index, data, len) != PX_OK)
            px_buf_free(&m);
        send_buf(c, p, &m);
        if (p->blob_watch && !blob_room(p))
            blob_watch_queue(c, p);
        else
            blob_room_check(c, p, now_ms);
    }
    blob_pump(c, now_ms);
}

void px_core_blob_status(const px_core *c, const uint8_t id[32], px_bx_status *out)
{
    px_bx_status_get(c->bx, id, out);
}

void px_core_blob_counters(const px_core *c, px_bx_counters *out)
{
    px_bx_counters_get(c->bx, out);
}

uint32_t px_core_blob_window(const px_core *c, uint64_t peer)
{
    return px_bx_window(c->bx, peer);
}

/* --- queries ------------------------------------------------------------------------ */

int px_core_peers_holding(const px_core *c, const uint8_t author[32], uint64_t seq)
{
    int n = 0;
    for (const cpeer *p = c->peers; p; p = p->next)
        n += p->clock_received && sendable(p) && seqmap_get(&p->has, author) >= seq;
    return n == 0 && seqmap_get(&c->sent_any, author) >= seq ? 1 : n;
}

uint64_t px_core_head(const px_core *c, const uint8_t author[32])
{
    return seqmap_get(&c->heads, author);
}

void px_core_get_progress(const px_core *c, uint64_t now_ms, px_core_progress *out)
{
    memset(out, 0, sizeof *out);
    /* remaining: for each feed some delivering peer claims more of than we
     * hold, the difference (with the best-informed such peer), clamped.
     * unconfirmed: the same over peers that stopped delivering. */
    seqmap best = {0}, stale = {0};
    bool busy = c->stores_outstanding > 0;
    for (const cpeer *p = c->peers; p; p = p->next) {
        if (!p->clock_received || !sendable(p))
            continue;
        out->peers_synced++;
        bool delivering = busy || now_ms - p->last_new_ms < CLAIM_TRUST_MS;
        for (size_t i = 0; i < p->has.n; i++)
            seqmap_raise(delivering ? &best : &stale, p->has.v[i].author, p->has.v[i].seq);
    }
    for (int pass = 0; pass < 2; pass++) {
        const seqmap *m = pass ? &stale : &best;
        for (size_t i = 0; i < m->n; i++) {
            uint64_t mine = seqmap_get(&c->heads, m->v[i].author);
            uint64_t claimed = m->v[i].seq;
            if (pass && seqmap_get(&best, m->v[i].author) > claimed)
                continue; /* counted with a delivering peer */
            uint64_t d = claimed > mine ? claimed - mine : 0;
            *(pass ? &out->unconfirmed : &out->remaining) +=
                d < CLAIM_MAX_PER_FEED ? d : CLAIM_MAX_PER_FEED;
        }
    }
    seqmap_free(&best);
    seqmap_free(&stale);
    out->received = c->received_total;
    out->duplicates = c->dup_total;
    out->batches = c->batches_total;
    out->sig_checks = c->sig_checks_total;
    out->bodies_filled = c->bodies_total;
    out->entries_sent = c->sent_total;
    out->prunes_sent = c->prunes_sent;
    out->grafts_sent = c->grafts_sent;
    for (const cpeer *p = c->peers; p; p = p->next)
        out->eager_peers += sendable(p) && !p->lazy;
    out->bodies_wanted = c->n_want;
    out->queued_bytes = c->queued_bytes;
    out->busy = busy;
}
