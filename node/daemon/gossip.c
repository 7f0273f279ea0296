/*
 * gossip.c — replication over peer connections (see gossip.h).
 *
 * Layout: seqmap (a sorted author -> seq array, used for our heads and for
 * what each peer holds); sending (clock, and the pump that pushes batches to
 * peers that lack entries, one batch per peer per loop turn while their
 * sockets keep up); receiving (batches queued to one worker on the thread
 * pool, which decodes, checks and stores them; its completion updates heads
 * and wakes the pump so new entries travel on); progress.
 */
#include "gossip.h"

#include "archive.h"
#include "error.h"
#include "feed.h"
#include "log.h"
#include "index.h"
#include "members.h"
#include "offence.h"
#include "util.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

/* --- seqmap ------------------------------------------------------------------ */

typedef struct feed_seq {
    uint8_t author[32];
    uint64_t seq;
} feed_seq;

typedef struct seqmap {
    feed_seq *v;
    size_t n, cap;
} seqmap;

/* Index of author, or of where it would go (*found false). */
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

/* Raise author's seq to at least seq (inserting it). */
static int seqmap_raise(seqmap *m, const uint8_t author[32], uint64_t seq)
{
    bool found;
    size_t i = seqmap_find(m, author, &found);
    if (found) {
        if (seq > m->v[i].seq)
            m->v[i].seq = seq;
        return PX_OK;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        feed_seq *v = realloc(m->v, cap * sizeof *v);
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

static void seqmap_free(seqmap *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}

/* --- state -------------------------------------------------------------------- */

typedef struct fork_proof {
    uint8_t author[32];
    uint64_t seq;
    px_buf item; /* the proof as an [header, sig, body] item */
} fork_proof;

typedef struct job {
    px_gossip *g;
    uint64_t peer_id;
    struct job *next;
    uint8_t *msg;
    size_t len;
    bool bodies; /* a `bodies` reply, not an `entries` batch */
    uv_work_t prep;
    bool preparing; /* queued on the thread pool (or done) */
    bool prepared;
    /* decoded and verified before the transaction (worker thread) */
    msgpack_unpacked u;
    px_entry *entries;
    int *sig_rc;
    int decode_rc;
    char decode_err[300];
    /* results, filled by the worker */
    int rc;
    char err[300];
    px_ingest_result res;
    size_t n_entries;
    uint64_t queued_ns, work_ns; /* when queued; how long storing took */
    size_t held;                 /* entries of non-members (or stamped ahead) held back */
    size_t filled;               /* missing bodies filled in */
    seqmap sent;  /* per author, the highest seq the peer sent (it holds it) */
    seqmap heads; /* our heads for those authors after storing */
} job;

/* Jobs stored together in one transaction (group commit): one fsync for
 * many batches when peers send faster than the disk commits. */
typedef struct work_unit {
    uv_work_t req;
    px_gossip *g;
    job *jobs; /* chained by next, in arrival order */
    bool release;         /* recompute membership and release held entries first */
    bool members_hint;    /* ... because the membership changed (not just the clock) */
    bool index_only;      /* no batches: index part of the backlog */
    size_t indexed;       /* backlog entries indexed */
    bool backlog_left;    /* more remain */
    bool members_changed; /* member/revoke entries were stored */
    size_t released;      /* held entries accepted after an admission */
    bool held_left;       /* entries remain held back */
    bool want_changed;    /* want/n_want below replace the node's list */
    uint8_t want[PX_GOSSIP_WANT_MAX][32];
    size_t n_want;
} work_unit;

enum { UNIT_JOBS_MAX = 32 };

struct px_gossip_peer {
    px_gossip *g;
    px_conn *conn;
    uint64_t id;
    seqmap has; /* what the peer holds: its clock, what we sent, what it sent */
    bool clock_received;
    bool paused;
    size_t cursor; /* round-robin position in g->heads */
    seqmap forks_sent;
    uint64_t received;
    uint64_t sent;
    uint64_t last_new_ms; /* when it last gave us something new (or sent its clock) */
    uint64_t last_want_ms; /* when we last answered its want_bodies */
    px_gossip_peer *prev, *next;
};

struct px_gossip {
    uv_loop_t *loop;
    px_local *local;
    px_store *wstore; /* the worker's own connection */
    px_members wmembers; /* the worker's own view of the membership */
    px_feed_ctx wfc;
    bool release_pending; /* offer held entries again (membership changed here, or time passed) */
    bool members_pending; /* the membership changed behind the worker's back */
    px_index_fn index_fn; /* the records index, caught up off the critical path */
    bool index_backlog;   /* entries may wait to be indexed */
    seqmap heads;
    fork_proof *forks;
    size_t n_forks;
    px_gossip_peer *peers;
    uint64_t next_peer_id;
    job *queue_head, *queue_tail;
    bool job_running;
    size_t preparing; /* jobs on the thread pool being decoded and verified */
    size_t queued_bytes;
    uv_idle_t pump;
    bool pump_active;
    bool stopping;
    uint64_t received_total;
    uint64_t dup_total;
    uint64_t batches_total;
    uint64_t sig_checks_total;
    uint64_t bodies_total;
    px_buf scratch;
    void (*on_stored)(void *ctx, bool members_changed);
    void *on_stored_ctx;
    /* Feeds that grew by receipt: not forwarded before fresh_until (ms), so
     * peers' `have` messages can say they need no copy. */
    seqmap fresh_until;
    seqmap sent_any; /* per feed, the highest seq sent to some peer */
    uv_timer_t defer;
    bool defer_armed;
    /* Missing bodies. The worker keeps the list (wmissing: ids of entries
     * stored without their body, at most MISSING_MAX, refreshed from the
     * store) and hands the loop a window of it (want) to ask peers for. */
    uint8_t (*wmissing)[32];
    size_t n_wmissing, wmissing_cursor;
    bool wmissing_stale;
    uint8_t want[PX_GOSSIP_WANT_MAX][32];
    size_t n_want;
    bool held_left; /* held-back entries wait: offer them again now and then */
    uv_timer_t maint;
    uint64_t next_release_ms;
};

/* How long received entries wait before being forwarded. Neighbours that
 * got the same entry from elsewhere say so with `have` meanwhile. */
enum { FORWARD_DELAY_MS = 40 };

/* Most feeds one peer's clock may name (members' feeds are far fewer). */
enum { PEER_FEEDS_MAX = 100000 };

static void kick(px_gossip *g);
static void on_maint(uv_timer_t *t);
static void start_next_job(px_gossip *g);
static void free_job(struct job *j);
static void prepare_more(px_gossip *g);
enum { MAINT_MS = 2000, RELEASE_EVERY_MS = 10000 };
/* Received batches decoded and verified ahead of the worker, at most. */
enum { PREPARE_AHEAD = 16 };
/* A peer's want_bodies are answered at most this often. */
enum { WANT_ANSWER_MS = 500 };

/* --- heads and forks ---------------------------------------------------------- */

static int load_head(void *ctx, const px_head *h)
{
    return seqmap_raise(ctx, h->author, h->seq);
}

static int load_fork(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    px_gossip *g = ctx;
    (void)m;
    /* One proof per feed is enough (a store from before that rule may
     * hold more; the walk is in author order). */
    if (g->n_forks && memcmp(g->forks[g->n_forks - 1].author, e->h.author, 32) == 0)
        return PX_OK;
    fork_proof *f = realloc(g->forks, (g->n_forks + 1) * sizeof *f);
    if (!f)
        return PX_ENOMEM;
    g->forks = f;
    f = &g->forks[g->n_forks];
    memset(f, 0, sizeof *f);
    memcpy(f->author, e->h.author, 32);
    f->seq = e->h.seq;
    int rc = px_archive_put(&f->item, e);
    if (rc)
        return rc;
    g->n_forks++;
    return PX_OK;
}

static void free_forks(px_gossip *g)
{
    for (size_t i = 0; i < g->n_forks; i++)
        px_buf_free(&g->forks[i].item);
    free(g->forks);
    g->forks = NULL;
    g->n_forks = 0;
}

static int reload_forks(px_gossip *g)
{
    free_forks(g);
    return px_store_each_fork(g->local->store, load_fork, g);
}

/* px_index_until_fn for the worker's store (ctx: the gossip). */
static uint64_t worker_counts_until(void *ctx, const uint8_t author[32])
{
    px_gossip *g = ctx;
    if (memcmp(author, g->local->me.pk, 32) == 0)
        return UINT64_MAX;
    return px_members_counts_until(&g->wmembers, author);
}

int px_gossip_new(uv_loop_t *loop, px_local *local, px_gossip **out)
{
    px_gossip *g = calloc(1, sizeof *g);
    *out = NULL;
    if (!g)
        return PX_ENOMEM;
    g->loop = loop;
    g->local = local;
    int rc = px_store_open(local->paths.store, &g->wstore);
    if (!rc)
        rc = px_store_each_feed(local->store, load_head, &g->heads);
    if (!rc)
        rc = reload_forks(g);
    if (rc) {
        px_store_close(g->wstore);
        seqmap_free(&g->heads);
        free_forks(g);
        free(g);
        return rc;
    }
    if (!rc)
        rc = px_members_load(&g->wmembers, g->wstore, local->genesis.root);
    if (!rc) /* the worker indexes too: not past a revoked key's cut */
        rc = px_index_set_until(g->wstore, worker_counts_until, g);
    if (rc) {
        px_store_close(g->wstore);
        seqmap_free(&g->heads);
        free_forks(g);
        free(g);
        return rc;
    }
    g->wfc = local->feed;
    g->wfc.store = g->wstore;
    g->wfc.member_ctx = &g->wmembers;
    /* Replication stores entries flagged unindexed and indexes them when no
     * received batch waits: the index is derived data, and keeping it off
     * the critical path keeps a bulk sync bounded by checks and inserts. */
    g->index_fn = local->feed.index;
    if (g->index_fn) {
        g->wfc.index = NULL;
        g->wfc.extra_flags |= PX_ENTRY_FLAG_UNINDEXED;
        g->index_backlog = true; /* a previous run may have left some */
    }
    uv_idle_init(loop, &g->pump);
    g->pump.data = g;
    uv_timer_init(loop, &g->defer);
    g->defer.data = g;
    uv_timer_init(loop, &g->maint);
    g->maint.data = g;
    uv_timer_start(&g->maint, on_maint, 0, MAINT_MS);
    /* A previous run may have left held entries or missing bodies. */
    g->held_left = true;
    g->wmissing_stale = true;
    *out = g;
    return PX_OK;
}

void px_gossip_stop(px_gossip *g)
{
    if (!g || g->stopping)
        return;
    g->stopping = true;
    uv_close((uv_handle_t *)&g->pump, NULL);
    uv_close((uv_handle_t *)&g->defer, NULL);
    uv_close((uv_handle_t *)&g->maint, NULL);
}

void px_gossip_free(px_gossip *g)
{
    if (!g)
        return;
    for (job *j = g->queue_head; j;) {
        job *next = j->next;
        free_job(j);
        j = next;
    }
    free(g->wmissing);
    px_store_close(g->wstore);
    px_members_free(&g->wmembers);
    seqmap_free(&g->heads);
    seqmap_free(&g->fresh_until);
    seqmap_free(&g->sent_any);
    free_forks(g);
    px_buf_free(&g->scratch);
    free(g);
}

/* --- sending ------------------------------------------------------------------ */

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static int buf_write(void *data, const char *p, size_t n)
{
    return px_buf_append(data, p, n) == PX_OK ? 0 : -1;
}

enum { CLOCK_CHUNK = 8192 };

/* How much of a feed we offer: entries past a revoked or handed-over key's
 * cut are kept as evidence only, never forwarded. */
static uint64_t forwardable(const px_gossip *g, const uint8_t author[32], uint64_t seq)
{
    if (memcmp(author, g->local->me.pk, 32) == 0)
        return seq; /* ours, maybe published before our admission arrived */
    uint64_t limit = px_members_counts_until(&g->local->members, author);
    return seq < limit ? seq : limit;
}


/* Our clock, in chunks that fit a message. */
static int send_clock(px_gossip *g, px_gossip_peer *p)
{
    size_t i = 0;
    do {
        size_t n = g->heads.n - i < CLOCK_CHUNK ? g->heads.n - i : CLOCK_CHUNK;
        px_buf b = {0};
        msgpack_packer pk;
        msgpack_packer_init(&pk, &b, buf_write);
        msgpack_pack_map(&pk, 2);
        pack_str(&pk, "type");
        pack_str(&pk, "clock");
        pack_str(&pk, "feeds");
        msgpack_pack_array(&pk, n);
        for (size_t k = i; k < i + n; k++) {
            msgpack_pack_array(&pk, 2);
            msgpack_pack_bin(&pk, 32);
            msgpack_pack_bin_body(&pk, g->heads.v[k].author, 32);
            msgpack_pack_uint64(&pk, forwardable(g, g->heads.v[k].author, g->heads.v[k].seq));
        }
        int rc = b.data ? px_conn_send(p->conn, b.data, b.len) : PX_ENOMEM;
        px_buf_free(&b);
        if (rc)
            return rc;
        i += n;
    } while (i < g->heads.n);
    return PX_OK;
}

/* Tell peers which feeds just grew here, so they do not send us copies. */
static void send_have(px_gossip *g, const seqmap *grown, uint64_t skip_peer)
{
    for (px_gossip_peer *p = g->peers; p; p = p->next) {
        if (p->id == skip_peer || !p->clock_received || !px_conn_is_ready(p->conn))
            continue;
        px_buf b = {0};
        msgpack_packer pk;
        size_t n = 0;
        for (size_t i = 0; i < grown->n; i++)
            n += seqmap_get(&p->has, grown->v[i].author) <
                 forwardable(g, grown->v[i].author, grown->v[i].seq);
        if (n == 0)
            continue;
        msgpack_packer_init(&pk, &b, buf_write);
        msgpack_pack_map(&pk, 2);
        pack_str(&pk, "type");
        pack_str(&pk, "have");
        pack_str(&pk, "feeds");
        msgpack_pack_array(&pk, n);
        for (size_t i = 0; i < grown->n; i++) {
            uint64_t seq = forwardable(g, grown->v[i].author, grown->v[i].seq);
            if (seqmap_get(&p->has, grown->v[i].author) >= seq)
                continue;
            msgpack_pack_array(&pk, 2);
            msgpack_pack_bin(&pk, 32);
            msgpack_pack_bin_body(&pk, grown->v[i].author, 32);
            msgpack_pack_uint64(&pk, seq);
        }
        if (b.data && px_conn_send(p->conn, b.data, b.len) != PX_OK)
            px_conn_close(p->conn, PX_ENOMEM);
        px_buf_free(&b);
    }
}

typedef struct batch_ctx {
    px_buf *items;
    size_t count;
    uint64_t last_seq;
    uint64_t limit; /* the feed's last forwardable seq */
} batch_ctx;

static int add_item(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    batch_ctx *b = ctx;
    if (m->decode_rc)
        return m->decode_rc; /* a damaged store: stop; verify will name it */
    if (e->h.seq > b->limit)
        return PX_EAGAIN; /* past its author's cut: evidence, not forwarded */
    int rc = px_archive_put(b->items, e);
    if (rc)
        return rc;
    b->count++;
    b->last_seq = e->h.seq;
    return b->items->len >= PX_GOSSIP_BATCH_BYTES ? PX_EAGAIN : PX_OK;
}

static int send_items(px_gossip_peer *p, const px_buf *items, size_t count)
{
    px_buf b = {0};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, buf_write);
    msgpack_pack_map(&pk, 2);
    pack_str(&pk, "type");
    pack_str(&pk, "entries");
    pack_str(&pk, "entries");
    msgpack_pack_array(&pk, count);
    int rc = b.data ? px_buf_append(&b, items->data, items->len) : PX_ENOMEM;
    if (!rc)
        rc = px_conn_send(p->conn, b.data, b.len);
    px_buf_free(&b);
    if (!rc)
        p->sent += count;
    return rc;
}

static void on_defer(uv_timer_t *t)
{
    px_gossip *g = t->data;
    g->defer_armed = false;
    kick(g);
}

/* Wake the pump when a deferred feed may be forwarded. */
static void arm_defer(px_gossip *g, uint64_t at_ms)
{
    uint64_t now = px_now_ms();
    uint64_t due = uv_timer_get_due_in(&g->defer);
    uint64_t wait = at_ms > now ? at_ms - now : 0;
    if (g->defer_armed && due <= wait)
        return;
    g->defer_armed = true;
    uv_timer_start(&g->defer, on_defer, wait, 0);
}

/* Send one batch this peer lacks. Returns true if something was sent. */
static bool pump_peer(px_gossip *g, px_gossip_peer *p)
{
    if (!p->clock_received || !px_conn_is_ready(p->conn) || px_conn_congested(p->conn))
        return false;
    uint64_t now = px_now_ms();
    for (size_t k = 0; k < g->heads.n; k++) {
        size_t i = (p->cursor + k) % g->heads.n;
        const feed_seq *h = &g->heads.v[i];
        uint64_t theirs = seqmap_get(&p->has, h->author);
        uint64_t limit = forwardable(g, h->author, h->seq);
        if (theirs >= limit)
            continue;
        uint64_t fresh = seqmap_get(&g->fresh_until, h->author);
        if (fresh > now) {
            arm_defer(g, fresh);
            continue;
        }
        batch_ctx b = {.items = &g->scratch, .limit = limit};
        px_buf_reset(&g->scratch);
        int rc = px_store_each(g->local->store, h->author, theirs + 1, PX_GOSSIP_BATCH_ENTRIES,
                               add_item, &b);
        if (rc && rc != PX_EAGAIN) {
            px_warn("gossip", "cannot read feed for a peer: %s", px_err_message(rc));
            return false;
        }
        if (b.count == 0)
            continue;
        p->cursor = i + 1;
        rc = send_items(p, &g->scratch, b.count);
        if (rc) {
            px_conn_close(p->conn, rc);
            return false;
        }
        seqmap_raise(&p->has, h->author, b.last_seq);
        seqmap_raise(&g->sent_any, h->author, b.last_seq); /* allocation failure: only a figure */
        return true;
    }
    /* Fork proofs go to peers that hold the seq they contradict. */
    for (size_t i = 0; i < g->n_forks; i++) {
        fork_proof *f = &g->forks[i];
        if (seqmap_get(&p->has, f->author) < f->seq || seqmap_get(&p->forks_sent, f->author) >= f->seq)
            continue;
        seqmap_raise(&p->forks_sent, f->author, f->seq);
        int rc = send_items(p, &f->item, 1);
        if (rc)
            px_conn_close(p->conn, rc);
        return rc == PX_OK;
    }
    return false;
}

static void on_pump(uv_idle_t *idle)
{
    px_gossip *g = idle->data;
    bool any = false;
    for (px_gossip_peer *p = g->peers; p; p = p->next)
        any |= pump_peer(g, p);
    if (!any) {
        uv_idle_stop(&g->pump);
        g->pump_active = false;
    }
}

static void kick(px_gossip *g)
{
    if (g->stopping || g->pump_active)
        return;
    g->pump_active = true;
    uv_idle_start(&g->pump, on_pump);
}

/* --- peers --------------------------------------------------------------------- */

px_gossip_peer *px_gossip_peer_open(px_gossip *g, px_conn *c)
{
    px_gossip_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->g = g;
    p->conn = c;
    p->id = ++g->next_peer_id;
    p->next = g->peers;
    if (g->peers)
        g->peers->prev = p;
    g->peers = p;
    int rc = send_clock(g, p);
    if (rc)
        px_conn_close(c, rc);
    return p;
}

void px_gossip_peer_closed(px_gossip *g, px_gossip_peer *p)
{
    if (!p)
        return;
    if (p->prev)
        p->prev->next = p->next;
    else
        g->peers = p->next;
    if (p->next)
        p->next->prev = p->prev;
    seqmap_free(&p->has);
    seqmap_free(&p->forks_sent);
    free(p);
}

void px_gossip_on_drain(px_gossip *g, px_gossip_peer *p)
{
    (void)p;
    kick(g);
}

void px_gossip_local_changed(px_gossip *g)
{
    seqmap fresh = {0};
    /* The CLI may have stored fork proofs too (an import). */
    if (reload_forks(g) != PX_OK)
        px_warn("gossip", "cannot read fork proofs: %s", px_err_message(PX_ESTORE));
    if (px_store_each_feed(g->local->store, load_head, &fresh) == PX_OK)
        for (size_t i = 0; i < fresh.n; i++)
            seqmap_raise(&g->heads, fresh.v[i].author, fresh.v[i].seq);
    seqmap_free(&fresh);
    kick(g);
}

/* --- receiving ------------------------------------------------------------------- */

static void start_next_job(px_gossip *g);

/* Decode one batch into entries (they point into j->msg). OUT *out: a
 * malloc'd array of *n entries. Runs on the worker thread. */
static int decode_batch(job *j, msgpack_unpacked *u, px_entry **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    int rc = px_wire_unpack(j->msg, j->len, u);
    const msgpack_object *arr = NULL;
    if (!rc && u->data.type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < u->data.via.map.size; i++) {
            const msgpack_object_kv *kv = &u->data.via.map.ptr[i];
            if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == 7 &&
                memcmp(kv->key.via.str.ptr, "entries", 7) == 0)
                arr = &kv->val;
        }
    }
    if (!rc && (!arr || arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size == 0 ||
                arr->via.array.size > PX_GOSSIP_BATCH_ENTRIES))
        rc = px_err_set(PX_EPROTO, "an entries message needs 1-%d entries",
                        PX_GOSSIP_BATCH_ENTRIES);
    if (rc)
        return rc;
    size_t n = arr->via.array.size;
    px_entry *entries = calloc(n, sizeof *entries);
    if (!entries)
        return PX_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        const msgpack_object *it = &arr->via.array.ptr[i];
        const msgpack_object *f = it->type == MSGPACK_OBJECT_ARRAY ? it->via.array.ptr : NULL;
        if (!f || it->via.array.size != 3 || f[0].type != MSGPACK_OBJECT_BIN ||
            f[1].type != MSGPACK_OBJECT_BIN || f[1].via.bin.size != 64 ||
            (f[2].type != MSGPACK_OBJECT_BIN && f[2].type != MSGPACK_OBJECT_NIL)) {
            rc = px_err_set(PX_EPROTO, "entry %zu of a batch is not [header, sig, body]", i + 1);
            break;
        }
        bool has_body = f[2].type == MSGPACK_OBJECT_BIN;
        rc = px_entry_decode(&entries[i], (const uint8_t *)f[0].via.bin.ptr, f[0].via.bin.size,
                             (const uint8_t *)f[1].via.bin.ptr,
                             has_body ? (const uint8_t *)f[2].via.bin.ptr : NULL,
                             has_body ? f[2].via.bin.size : 0);
        if (!rc && has_body && !entries[i].body)
            entries[i].body = (const uint8_t *)""; /* an empty body is a body */
    }
    if (rc) {
        free(entries);
        return rc;
    }
    *out = entries;
    *n_out = n;
    return PX_OK;
}

static bool changes_membership(const px_entry *e)
{
    return strcmp(e->h.kind, "member") == 0 || strcmp(e->h.kind, "revoke") == 0;
}

static void free_job(job *j)
{
    msgpack_unpacked_destroy(&j->u);
    free(j->entries);
    free(j->sig_rc);
    seqmap_free(&j->sent);
    seqmap_free(&j->heads);
    free(j->msg);
    free(j);
}

/* Runs on a thread-pool thread, before the job's turn to be stored: decode
 * the message and verify every entry's signature, touching nothing but the
 * job. Several jobs are prepared at once, on every core, while the worker
 * stores earlier ones. */
static void prepare_work(uv_work_t *req)
{
    job *j = req->data;
    px_err_clear();
    if (j->bodies) {
        j->decode_rc = px_wire_unpack(j->msg, j->len, &j->u);
    } else {
        j->decode_rc = decode_batch(j, &j->u, &j->entries, &j->n_entries);
        if (!j->decode_rc) {
            j->sig_rc = malloc(j->n_entries * sizeof *j->sig_rc);
            if (!j->sig_rc)
                j->decode_rc = PX_ENOMEM;
            else
                px_feed_verify_sigs(j->entries, j->n_entries, 1, j->sig_rc);
        }
    }
    if (j->decode_rc)
        snprintf(j->decode_err, sizeof j->decode_err, "%s", px_err_message(j->decode_rc));
}

static void prepare_done(uv_work_t *req, int status)
{
    job *j = req->data;
    px_gossip *g = j->g;
    (void)status;
    j->prepared = true;
    g->preparing--;
    prepare_more(g);
    start_next_job(g);
}

/* Start preparing queued jobs, at most PREPARE_AHEAD at once beyond those
 * prepared and waiting: decoded batches take about twice their message's
 * memory, so only a few are decoded ahead of the worker. */
static void prepare_more(px_gossip *g)
{
    size_t ahead = 0;
    for (job *j = g->queue_head; j && ahead < PREPARE_AHEAD; j = j->next) {
        ahead++;
        if (j->preparing || g->stopping)
            continue;
        if (uv_queue_work(g->loop, &j->prep, prepare_work, prepare_done) != 0) {
            /* cannot happen with a valid loop; the job fails when stored */
            j->decode_rc = PX_ENOMEM;
            snprintf(j->decode_err, sizeof j->decode_err, "cannot queue work");
            j->preparing = j->prepared = true;
            continue;
        }
        j->preparing = true;
        g->preparing++;
    }
}

/* Store the bodies of a `bodies` reply: each must match the hash its held
 * header names; one that does not is the sender's fault. */
static int store_bodies(px_gossip *g, job *j)
{
    const msgpack_object *list = NULL, *m = &j->u.data;
    for (uint32_t i = 0; m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++) {
        const msgpack_object_kv *kv = &m->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == 6 &&
            memcmp(kv->key.via.str.ptr, "bodies", 6) == 0)
            list = &kv->val;
    }
    if (!list || list->type != MSGPACK_OBJECT_ARRAY || list->via.array.size > PX_GOSSIP_WANT_MAX)
        return px_err_set(PX_EPROTO, "a bodies message needs a list of at most %d bodies",
                          PX_GOSSIP_WANT_MAX);
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *it = &list->via.array.ptr[i];
        const msgpack_object *f = it->type == MSGPACK_OBJECT_ARRAY ? it->via.array.ptr : NULL;
        if (!f || it->via.array.size != 2 || f[0].type != MSGPACK_OBJECT_BIN ||
            f[0].via.bin.size != 32 || f[1].type != MSGPACK_OBJECT_BIN)
            return px_err_set(PX_EPROTO, "item %u of a bodies message is not [id, body]", i + 1);
        int rc = px_feed_fill_body(&g->wfc, (const uint8_t *)f[0].via.bin.ptr,
                                   (const uint8_t *)f[1].via.bin.ptr, f[1].via.bin.size);
        if (rc == PX_OK)
            j->filled++;
        else if (rc != PX_ENOENT)
            return rc;
    }
    return PX_OK;
}

/* Check and store one prepared job inside the unit's transaction. Returns
 * whether it stored admissions or revocations. */
static bool ingest_job(px_gossip *g, job *j)
{
    bool members = false;
    uint64_t t0 = px_mono_ns();
    uint64_t now = px_now_ms();
    int rc = j->decode_rc;
    px_err_clear();
    if (rc) {
        j->rc = rc;
        snprintf(j->err, sizeof j->err, "%s", j->decode_err);
        return false;
    }
    if (j->bodies) {
        rc = store_bodies(g, j);
        g->wmissing_stale |= j->filled > 0;
        goto out;
    }
    px_entry *entries = j->entries;
    size_t n = j->n_entries;
    for (size_t i = 0; !rc && i < n; i++)
        rc = seqmap_raise(&j->sent, entries[i].h.author, entries[i].h.seq);
    if (!rc)
        rc = px_feed_ingest_verified(&g->wfc, entries, n, j->sig_rc, now, &j->res);
    if (rc == PX_ENOTMEMBER || rc == PX_EAGAIN) {
        /* Not the sender's fault: the admission may not be here yet, or
         * the entry's time has not come on our clock. Hold the author's
         * entries back until then; a bad signature among them is. */
        size_t from = j->res.bad_index;
        const uint8_t *author = entries[from].h.author;
        rc = PX_OK;
        for (size_t i = from; !rc && i < n; i++) {
            if (memcmp(entries[i].h.author, author, 32) != 0)
                continue;
            if (j->sig_rc[i] != PX_OK) {
                char id[65];
                rc = px_err_set(PX_ESIG, "entry %.16s (seq %llu): signature does not verify",
                                px_id_hex(id, entries[i].id), (unsigned long long)entries[i].h.seq);
            } else if (!px_members_cut_off(&g->wmembers, author) && /* refused for good */
                       px_members_hold(g->wstore, &entries[i], now) == PX_OK) {
                j->held++;
            }
        }
    }
    for (size_t i = 0; i < j->res.added && i < n; i++) {
        members |= changes_membership(&entries[i]);
        g->wmissing_stale |= entries[i].body == NULL;
    }
    g->wmissing_stale |= j->res.bodies > 0;
out:
    j->rc = rc;
    if (rc)
        snprintf(j->err, sizeof j->err, "%s", px_err_message(rc));
    j->work_ns = px_mono_ns() - t0;
    return members;
}

/* The membership may have changed: recompute it, then offer held entries
 * again (an admission may have arrived after its member's entries, or a
 * held entry's time may have come). */
static void refresh_membership(px_gossip *g, work_unit *w, bool changed)
{
    size_t released = 0;
    if (px_members_load(&g->wmembers, g->wstore, g->local->genesis.root) != PX_OK)
        return;
    if (px_members_release(&g->wfc, px_now_ms(), &released) == PX_OK)
        w->released += released;
    /* Released entries may be admissions too, and they grew heads. */
    w->members_changed |= changed || released > 0;
}

enum { INDEX_CHUNK = 2000 };

/* Index up to INDEX_CHUNK backlog entries, in (author, seq) order, inside
 * the unit's transaction. */
static int catch_up_index(px_gossip *g, work_unit *w)
{
    uint8_t(*ids)[32] = malloc(INDEX_CHUNK * sizeof *ids);
    size_t n = 0;
    px_buf body = {0};
    int rc = ids ? px_store_unindexed(g->wstore, ids, INDEX_CHUNK, &n) : PX_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        px_entry e;
        px_entry_meta m;
        rc = px_store_get(g->wstore, ids[i], &e, &body, &m);
        int flags = m.flags & ~PX_ENTRY_FLAG_UNINDEXED;
        if (!rc)
            rc = g->index_fn(g->wstore, &e, flags);
        if (!rc)
            rc = px_store_set_flags(g->wstore, ids[i], flags);
        if (rc == PX_EFORMAT) /* a damaged row: verify names it; do not loop on it */
            rc = px_store_set_flags(g->wstore, ids[i], flags);
    }
    w->indexed = rc ? 0 : n;
    w->backlog_left = !rc && n == INDEX_CHUNK;
    px_buf_free(&body);
    free(ids);
    return rc;
}

enum { MISSING_MAX = 4096 };

/* Re-read which bodies are missing (worker thread) and hand the loop its
 * next window to ask peers for. */
static void refresh_missing(px_gossip *g, work_unit *w)
{
    if (g->wmissing_stale) {
        if (!g->wmissing)
            g->wmissing = malloc(MISSING_MAX * sizeof *g->wmissing);
        if (!g->wmissing ||
            px_store_missing_bodies(g->wstore, g->wmissing, MISSING_MAX, &g->n_wmissing) != PX_OK)
            g->n_wmissing = 0;
        g->wmissing_stale = false;
        g->wmissing_cursor = 0;
    } else if (g->n_wmissing <= PX_GOSSIP_WANT_MAX) {
        return; /* the loop's window is the whole list already */
    }
    if (g->wmissing_cursor >= g->n_wmissing)
        g->wmissing_cursor = 0;
    size_t k = g->n_wmissing - g->wmissing_cursor;
    if (k > PX_GOSSIP_WANT_MAX)
        k = PX_GOSSIP_WANT_MAX;
    if (k)
        memcpy(w->want, g->wmissing + g->wmissing_cursor, k * 32);
    w->n_want = k;
    w->want_changed = true;
    g->wmissing_cursor += k;
}

/* Runs on a thread-pool thread, touching only the unit's jobs and the
 * worker's own store connection. Everything accepted is committed, also
 * what came before a bad entry: it was checked. */
static void unit_work(uv_work_t *req)
{
    work_unit *w = req->data;
    px_gossip *g = w->g;
    size_t held = 0;
    int rc = px_store_begin(g->wstore);
    if (!rc && w->release)
        refresh_membership(g, w, w->members_hint);
    if (!rc && w->index_only && catch_up_index(g, w) != PX_OK)
        w->backlog_left = false; /* logged on the loop thread; retried after new entries */
    for (job *j = w->jobs; j; j = j->next) {
        if (rc) {
            j->rc = rc;
            snprintf(j->err, sizeof j->err, "%s", px_err_message(rc));
            continue;
        }
        if (ingest_job(g, j))
            refresh_membership(g, w, true);
        held += j->held;
    }
    if (!rc) {
        rc = px_store_commit(g->wstore);
        for (job *j = w->jobs; rc && j; j = j->next) {
            /* Nothing was stored after all. */
            j->res.added = 0;
            j->rc = rc;
            snprintf(j->err, sizeof j->err, "%s", px_err_message(rc));
        }
    }
    for (job *j = w->jobs; j; j = j->next)
        for (size_t i = 0; i < j->sent.n; i++) {
            px_head h;
            if (px_store_head(g->wstore, j->sent.v[i].author, &h) == PX_OK)
                seqmap_raise(&j->heads, h.author, h.seq);
        }
    uint64_t count = 0, bytes = 0;
    if ((w->release || held) && px_store_held_stats(g->wstore, &count, &bytes) == PX_OK)
        w->held_left = count > 0;
    else
        w->held_left = g->held_left;
    refresh_missing(g, w);
}

static px_gossip_peer *find_peer(px_gossip *g, uint64_t id)
{
    for (px_gossip_peer *p = g->peers; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

/* Apply one stored batch's outcome on the loop thread. */
static void finish_job(px_gossip *g, job *j)
{
    g->queued_bytes -= j->len;
    g->batches_total++;
    g->received_total += j->res.added;
    g->dup_total += j->res.dups;
    g->sig_checks_total += j->res.sig_checks;
    g->bodies_total += j->res.bodies + j->filled;
    px_debug("gossip", "stored a batch of %zu (%zu new) in %.1f ms, %.1f ms after it arrived",
             j->n_entries, j->res.added, (double)j->work_ns / 1e6,
             (double)(px_mono_ns() - j->queued_ns) / 1e6);
    seqmap grown = {0};
    uint64_t until = px_now_ms() + FORWARD_DELAY_MS;
    for (size_t i = 0; i < j->heads.n; i++) {
        if (j->heads.v[i].seq <= seqmap_get(&g->heads, j->heads.v[i].author))
            continue;
        seqmap_raise(&g->heads, j->heads.v[i].author, j->heads.v[i].seq);
        seqmap_raise(&grown, j->heads.v[i].author, j->heads.v[i].seq);
        bool found;
        size_t k = seqmap_find(&g->fresh_until, j->heads.v[i].author, &found);
        if (found)
            g->fresh_until.v[k].seq = until;
        else
            seqmap_raise(&g->fresh_until, j->heads.v[i].author, until);
    }
    px_gossip_peer *p = find_peer(g, j->peer_id);
    if (p)
        for (size_t i = 0; i < j->sent.n; i++)
            seqmap_raise(&p->has, j->sent.v[i].author, j->sent.v[i].seq);
    send_have(g, &grown, j->peer_id);
    seqmap_free(&grown);
    if (p) {
        p->received += j->res.added;
        if (j->res.added || j->held || j->filled || j->res.bodies)
            p->last_new_ms = px_now_ms();
        const px_offence *o = j->rc ? px_offence_of(j->rc) : NULL;
        if (o) {
            px_warn("gossip", "%s sent a bad entry or message (it %s): %s; disconnecting",
                    px_conn_addr(p->conn), o->what, j->err);
            px_conn_close(p->conn, j->rc);
        } else if (j->rc) {
            px_debug("gossip", "%s: batch stopped: %s", px_conn_addr(p->conn), j->err);
        }
    }
    if (j->res.forks > 0)
        reload_forks(g);
    if (j->held)
        px_debug("gossip", "held back %zu entries (author not a member yet, or stamped ahead)",
                 j->held);
    free_job(j);
}

static void unit_done(uv_work_t *req, int status)
{
    work_unit *w = req->data;
    px_gossip *g = w->g;
    (void)status;
    g->job_running = false;
    for (job *j = w->jobs; j;) {
        job *next = j->next;
        finish_job(g, j);
        j = next;
    }
    bool members_changed = w->members_changed;
    if (w->index_only) {
        g->index_backlog = w->backlog_left;
        if (w->indexed)
            px_debug("gossip", "indexed %zu replicated entries", w->indexed);
    } else if (w->jobs) {
        g->index_backlog = g->index_fn != NULL;
    }
    if (w->released)
        px_info("gossip",
                "%zu held-back entries accepted after an admission or once their time came",
                w->released);
    g->received_total += w->released;
    g->held_left = w->held_left;
    if (w->want_changed) {
        memcpy(g->want, w->want, w->n_want * 32);
        g->n_want = w->n_want;
    }
    free(w);
    if (g->on_stored)
        g->on_stored(g->on_stored_ctx, members_changed);
    if (members_changed)
        px_gossip_local_changed(g); /* released entries grew heads */
    if (g->queued_bytes < PX_GOSSIP_QUEUE_MAX / 2)
        for (px_gossip_peer *q = g->peers; q; q = q->next)
            if (q->paused) {
                q->paused = false;
                px_conn_resume(q->conn);
            }
    start_next_job(g);
    kick(g);
}

static void start_next_job(px_gossip *g)
{
    if (g->job_running || g->stopping)
        return;
    bool ready = g->queue_head && g->queue_head->prepared;
    if (g->queue_head && !ready && !g->release_pending)
        return; /* the next batch is still being verified */
    bool index_only = !g->queue_head && !g->release_pending;
    if (index_only && !g->index_backlog)
        return;
    work_unit *w = calloc(1, sizeof *w);
    if (!w)
        return;
    /* Take up to UNIT_JOBS_MAX prepared batches, in arrival order. */
    job **tail = &w->jobs;
    for (int k = 0; k < UNIT_JOBS_MAX && g->queue_head && g->queue_head->prepared; k++) {
        job *j = g->queue_head;
        g->queue_head = j->next;
        j->next = NULL;
        *tail = j;
        tail = &j->next;
    }
    if (!g->queue_head)
        g->queue_tail = NULL;
    prepare_more(g); /* the next batches, while these are stored */
    w->g = g;
    w->req.data = w;
    w->release = g->release_pending; /* taken on the loop thread */
    w->members_hint = g->members_pending;
    g->members_pending = false;
    w->index_only = index_only;
    g->release_pending = false;
    g->job_running = true;
    int uvrc = uv_queue_work(g->loop, &w->req, unit_work, unit_done);
    if (uvrc) {
        g->job_running = false;
        for (job *j = w->jobs; j;) {
            job *next = j->next;
            g->queued_bytes -= j->len;
            free_job(j);
            j = next;
        }
        free(w);
    }
}

/* Queue a received message for the worker, and start preparing it (decode,
 * signatures) on the thread pool at once. */
static int queue_job(px_gossip *g, px_gossip_peer *p, const uint8_t *raw, size_t len, bool bodies)
{
    if (g->stopping)
        return PX_OK;
    job *j = calloc(1, sizeof *j);
    uint8_t *copy = malloc(len);
    if (!j || !copy) {
        free(j);
        free(copy);
        return PX_ENOMEM;
    }
    memcpy(copy, raw, len);
    msgpack_unpacked_init(&j->u);
    j->g = g;
    j->peer_id = p->id;
    j->msg = copy;
    j->len = len;
    j->bodies = bodies;
    j->queued_ns = px_mono_ns();
    j->prep.data = j;
    if (g->queue_tail)
        g->queue_tail->next = j;
    else
        g->queue_head = j;
    g->queue_tail = j;
    g->queued_bytes += len;
    if (g->queued_bytes > PX_GOSSIP_QUEUE_MAX && !p->paused) {
        p->paused = true;
        px_conn_pause(p->conn);
    }
    prepare_more(g);
    return PX_OK;
}

static int on_entries(px_gossip *g, px_gossip_peer *p, const uint8_t *raw, size_t len)
{
    return queue_job(g, p, raw, len, false);
}

/* --- missing bodies ------------------------------------------------------------- */

/* Ask every connected peer for the bodies in the current window. */
static void send_want(px_gossip *g)
{
    if (g->n_want == 0)
        return;
    px_buf b = {0};
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, buf_write);
    msgpack_pack_map(&pk, 2);
    pack_str(&pk, "type");
    pack_str(&pk, "want_bodies");
    pack_str(&pk, "ids");
    msgpack_pack_array(&pk, g->n_want);
    for (size_t i = 0; i < g->n_want; i++) {
        msgpack_pack_bin(&pk, 32);
        msgpack_pack_bin_body(&pk, g->want[i], 32);
    }
    for (px_gossip_peer *p = g->peers; b.data && p; p = p->next)
        if (p->clock_received && px_conn_is_ready(p->conn) && !px_conn_congested(p->conn) &&
            px_conn_send(p->conn, b.data, b.len) != PX_OK)
            px_conn_close(p->conn, PX_ENOMEM);
    px_buf_free(&b);
}

/* Answer a `want_bodies` with the bodies held here (those not held are left
 * out; the asker asks again later, maybe someone else). A request while
 * the connection is congested is dropped: it is only a hint. */
static int on_want_bodies(px_gossip *g, px_gossip_peer *p, const msgpack_object *msg)
{
    const msgpack_object *ids = NULL;
    for (uint32_t i = 0; i < msg->via.map.size; i++) {
        const msgpack_object_kv *kv = &msg->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == 3 &&
            memcmp(kv->key.via.str.ptr, "ids", 3) == 0)
            ids = &kv->val;
    }
    if (!ids || ids->type != MSGPACK_OBJECT_ARRAY || ids->via.array.size > PX_GOSSIP_WANT_MAX)
        return px_err_set(PX_EPROTO, "want_bodies needs a list of at most %d ids",
                          PX_GOSSIP_WANT_MAX);
    for (uint32_t i = 0; i < ids->via.array.size; i++)
        if (ids->via.array.ptr[i].type != MSGPACK_OBJECT_BIN ||
            ids->via.array.ptr[i].via.bin.size != 32)
            return px_err_set(PX_EPROTO, "want_bodies item %u is not a 32-byte id", i + 1);
    /* At most one answer per peer every WANT_ANSWER_MS (we ask every
     * MAINT_MS): a peer that floods requests gets no more of our time. */
    uint64_t now = px_now_ms();
    if (px_conn_congested(p->conn) || now - p->last_want_ms < WANT_ANSWER_MS)
        return PX_OK;
    p->last_want_ms = now;
    px_buf items = {0}, body = {0}, b = {0};
    size_t count = 0;
    int rc = PX_OK;
    for (uint32_t i = 0; !rc && i < ids->via.array.size && items.len < PX_GOSSIP_BODIES_BYTES;
         i++) {
        const uint8_t *id = (const uint8_t *)ids->via.array.ptr[i].via.bin.ptr;
        px_entry e;
        int grc = px_store_get(g->local->store, id, &e, &body, NULL);
        if (grc == PX_ENOENT || (!grc && !e.body))
            continue;
        if (!grc && e.h.seq > forwardable(g, e.h.author, e.h.seq))
            continue; /* past its author's cut: evidence, not forwarded */
        if (grc) {
            rc = grc;
            break;
        }
        msgpack_packer pk;
        msgpack_packer_init(&pk, &items, buf_write);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_bin(&pk, 32);
        msgpack_pack_bin_body(&pk, id, 32);
        msgpack_pack_bin(&pk, body.len);
        if (body.len)
            msgpack_pack_bin_body(&pk, body.data, body.len);
        count++;
    }
    if (!rc && count) {
        msgpack_packer pk;
        msgpack_packer_init(&pk, &b, buf_write);
        msgpack_pack_map(&pk, 2);
        pack_str(&pk, "type");
        pack_str(&pk, "bodies");
        pack_str(&pk, "bodies");
        msgpack_pack_array(&pk, count);
        rc = b.data ? px_buf_append(&b, items.data, items.len) : PX_ENOMEM;
        if (!rc)
            rc = px_conn_send(p->conn, b.data, b.len);
    }
    if (rc)
        px_debug("gossip", "%s: cannot answer want_bodies: %s", px_conn_addr(p->conn),
                 px_err_message(rc));
    px_buf_free(&items);
    px_buf_free(&body);
    px_buf_free(&b);
    return PX_OK;
}

/* Now and then: ask for missing bodies; offer held entries again (their
 * time may have come). */
static void on_maint(uv_timer_t *t)
{
    px_gossip *g = t->data;
    uint64_t now = px_now_ms();
    send_want(g);
    if ((g->held_left || g->wmissing_stale) && now >= g->next_release_ms) {
        g->next_release_ms = now + RELEASE_EVERY_MS;
        g->release_pending = true;
        start_next_job(g);
    }
}

static int on_clock(px_gossip *g, px_gossip_peer *p, const msgpack_object *msg)
{
    const msgpack_object *feeds = NULL;
    for (uint32_t i = 0; i < msg->via.map.size; i++) {
        const msgpack_object_kv *kv = &msg->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == 5 &&
            memcmp(kv->key.via.str.ptr, "feeds", 5) == 0)
            feeds = &kv->val;
    }
    if (!feeds || feeds->type != MSGPACK_OBJECT_ARRAY)
        return px_err_set(PX_EPROTO, "clock without a 'feeds' list");
    for (uint32_t i = 0; i < feeds->via.array.size; i++) {
        const msgpack_object *it = &feeds->via.array.ptr[i];
        if (it->type != MSGPACK_OBJECT_ARRAY || it->via.array.size != 2 ||
            it->via.array.ptr[0].type != MSGPACK_OBJECT_BIN ||
            it->via.array.ptr[0].via.bin.size != 32 ||
            it->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return px_err_set(PX_EPROTO, "clock item %u is not [author:bin32, seq:uint]", i + 1);
        const uint8_t *author = (const uint8_t *)it->via.array.ptr[0].via.bin.ptr;
        /* Only feeds we hold or members' feeds matter; anything else is
         * ignored, so made-up feeds cannot grow this peer's map. */
        if (seqmap_get(&g->heads, author) == 0 &&
            px_members_role(&g->local->members, author) == PX_ROLE_NONE)
            continue;
        if (p->has.n >= PEER_FEEDS_MAX)
            return px_err_set(PX_ETOOBIG, "peer claims more than %d feeds", PEER_FEEDS_MAX);
        int rc = seqmap_raise(&p->has, author, it->via.array.ptr[1].via.u64);
        if (rc)
            return rc;
    }
    if (!p->clock_received)
        p->last_new_ms = px_now_ms(); /* its claims count while it delivers */
    p->clock_received = true;
    kick(g);
    return PX_OK;
}

int px_gossip_on_message(px_gossip *g, px_gossip_peer *p, const char *type,
                         const msgpack_object *msg, const uint8_t *raw, size_t len)
{
    if (strcmp(type, "clock") == 0 || strcmp(type, "have") == 0)
        return on_clock(g, p, msg);
    if (strcmp(type, "entries") == 0)
        return on_entries(g, p, raw, len);
    if (strcmp(type, "want_bodies") == 0)
        return on_want_bodies(g, p, msg);
    if (strcmp(type, "bodies") == 0) {
        if (len > PX_GOSSIP_BODIES_BYTES + PX_BODY_MAX + 4096)
            return px_err_set(PX_ETOOBIG, "a bodies message of %zu bytes", len);
        return queue_job(g, p, raw, len, true);
    }
    return PX_ENOENT;
}

void px_gossip_membership_changed(px_gossip *g)
{
    g->release_pending = true;
    g->members_pending = true;
    start_next_job(g);
}

void px_gossip_on_stored(px_gossip *g, void (*fn)(void *ctx, bool members_changed), void *ctx)
{
    g->on_stored = fn;
    g->on_stored_ctx = ctx;
}

/* --- progress ------------------------------------------------------------------- */

/* A peer's claims count towards `remaining` only while it delivers: it
 * gave us something new within this long, or our worker is still busy.
 * Claims cannot be verified before the entries arrive, so a peer that
 * claims entries it never sends stops counting. */
enum { CLAIM_TRUST_MS = 5000 };
/* And no feed counts for more than this many entries. */
#define CLAIM_MAX_PER_FEED 10000000ull

json_t *px_gossip_progress(px_gossip *g)
{
    /* remaining: for each feed some delivering peer claims more of than we
     * hold, the difference (with the best-informed such peer), clamped.
     * unconfirmed: the same over peers that stopped delivering. */
    seqmap best = {0}, stale = {0};
    uint64_t remaining = 0, unconfirmed = 0, now = px_now_ms();
    bool busy = g->job_running || g->queue_head != NULL;
    int peers = 0;
    for (px_gossip_peer *p = g->peers; p; p = p->next) {
        if (!p->clock_received)
            continue;
        peers++;
        bool delivering = busy || now - p->last_new_ms < CLAIM_TRUST_MS;
        for (size_t i = 0; i < p->has.n; i++)
            seqmap_raise(delivering ? &best : &stale, p->has.v[i].author, p->has.v[i].seq);
    }
    for (int pass = 0; pass < 2; pass++) {
        const seqmap *m = pass ? &stale : &best;
        for (size_t i = 0; i < m->n; i++) {
            uint64_t mine = seqmap_get(&g->heads, m->v[i].author);
            uint64_t claimed = m->v[i].seq;
            if (pass && seqmap_get(&best, m->v[i].author) > claimed)
                continue; /* counted with a delivering peer */
            uint64_t d = claimed > mine ? claimed - mine : 0;
            *(pass ? &unconfirmed : &remaining) += d < CLAIM_MAX_PER_FEED ? d : CLAIM_MAX_PER_FEED;
        }
    }
    seqmap_free(&best);
    seqmap_free(&stale);
    uint64_t unindexed = 0;
    if (g->index_fn && px_store_unindexed_count(g->local->store, &unindexed) != PX_OK)
        unindexed = 0;
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:i, s:I, s:s, s:I, s:I, s:I, s:I, s:b}", "received",
        (json_int_t)g->received_total, "duplicates", (json_int_t)g->dup_total, "batches",
        (json_int_t)g->batches_total, "signature_checks", (json_int_t)g->sig_checks_total,
        "bodies_filled", (json_int_t)g->bodies_total, "peers_synced", peers, "remaining",
        (json_int_t)remaining, "remaining_basis", "estimate from delivering peers' claims",
        "unconfirmed", (json_int_t)unconfirmed, "bodies_wanted", (json_int_t)g->n_want,
        "queued_bytes", (json_int_t)g->queued_bytes, "unindexed", (json_int_t)unindexed, "busy",
        busy || unindexed > 0);
}

int px_gossip_peers_holding(const px_gossip *g, const uint8_t author[32], uint64_t seq)
{
    int n = 0;
    for (const px_gossip_peer *p = g->peers; p; p = p->next)
        n += p->clock_received && px_conn_is_ready(p->conn) && seqmap_get(&p->has, author) >= seq;
    return n == 0 && seqmap_get(&g->sent_any, author) >= seq ? 1 : n;
}
