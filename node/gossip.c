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
    /* results, filled by the worker */
    int rc;
    char err[300];
    px_ingest_result res;
    size_t n_entries;
    uint64_t queued_ns, work_ns; /* when queued; how long storing took */
    size_t held;                 /* entries of non-members held back */
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
    bool index_only;      /* no batches: index part of the backlog */
    size_t indexed;       /* backlog entries indexed */
    bool backlog_left;    /* more remain */
    bool members_changed; /* member/revoke entries were stored */
    size_t released;      /* held entries accepted after an admission */
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
    px_gossip_peer *prev, *next;
};

struct px_gossip {
    uv_loop_t *loop;
    px_local *local;
    px_store *wstore; /* the worker's own connection */
    px_members wmembers; /* the worker's own view of the membership */
    px_feed_ctx wfc;
    bool release_pending; /* offer held entries again (membership changed here) */
    px_index_fn index_fn; /* the records index, caught up off the critical path */
    bool index_backlog;   /* entries may wait to be indexed */
    seqmap heads;
    fork_proof *forks;
    size_t n_forks;
    px_gossip_peer *peers;
    uint64_t next_peer_id;
    job *queue_head, *queue_tail;
    bool job_running;
    size_t queued_bytes;
    uv_idle_t pump;
    bool pump_active;
    bool stopping;
    uint64_t received_total;
    uint64_t dup_total;
    uint64_t batches_total;
    uint64_t sig_checks_total;
    px_buf scratch;
    void (*on_stored)(void *ctx, bool members_changed);
    void *on_stored_ctx;
    /* Feeds that grew by receipt: not forwarded before fresh_until (ms), so
     * peers' `have` messages can say they need no copy. */
    seqmap fresh_until;
    seqmap sent_any; /* per feed, the highest seq sent to some peer */
    uv_timer_t defer;
    bool defer_armed;
};

/* How long received entries wait before being forwarded. Neighbours that
 * got the same entry from elsewhere say so with `have` meanwhile. */
enum { FORWARD_DELAY_MS = 40 };

/* Most feeds one peer's clock may name (members' feeds are far fewer). */
enum { PEER_FEEDS_MAX = 100000 };

static void kick(px_gossip *g);

/* --- heads and forks ---------------------------------------------------------- */

static int load_head(void *ctx, const px_head *h)
{
    return seqmap_raise(ctx, h->author, h->seq);
}

static int load_fork(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    px_gossip *g = ctx;
    (void)m;
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
}

void px_gossip_free(px_gossip *g)
{
    if (!g)
        return;
    for (job *j = g->queue_head; j;) {
        job *next = j->next;
        free(j->msg);
        free(j);
        j = next;
    }
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

/* Check and store one batch inside the unit's transaction. Returns whether
 * it stored admissions or revocations. */
static bool ingest_job(px_gossip *g, job *j)
{
    bool members = false;
    msgpack_unpacked u;
    px_entry *entries = NULL;
    size_t n = 0;
    uint64_t t0 = px_mono_ns();
    msgpack_unpacked_init(&u);
    px_err_clear();
    int rc = decode_batch(j, &u, &entries, &n);
    j->n_entries = n;
    for (size_t i = 0; !rc && i < n; i++)
        rc = seqmap_raise(&j->sent, entries[i].h.author, entries[i].h.seq);
    if (!rc)
        rc = px_feed_ingest_batch(&g->wfc, entries, n, px_now_ms(), &j->res);
    if (rc == PX_ENOTMEMBER) {
        /* Not misbehaviour: the admission may simply not be here yet.
         * Hold the author's entries back until it is. */
        const uint8_t *author = entries[j->res.bad_index].h.author;
        for (size_t i = j->res.bad_index; i < n; i++)
            if (memcmp(entries[i].h.author, author, 32) == 0 &&
                !px_members_cut_off(&g->wmembers, author) && /* past a cut: refused for good */
                px_members_hold(g->wstore, &entries[i], px_now_ms()) == PX_OK)
                j->held++;
        rc = PX_OK;
    }
    for (size_t i = 0; i < j->res.added && i < n; i++)
        members |= changes_membership(&entries[i]);
    j->rc = rc;
    if (rc)
        snprintf(j->err, sizeof j->err, "%s", px_err_message(rc));
    free(entries);
    msgpack_unpacked_destroy(&u);
    j->work_ns = px_mono_ns() - t0;
    return members;
}

/* The membership may have changed: recompute it, then offer held entries
 * again (an admission may have arrived after its member's entries). */
static void refresh_membership(px_gossip *g, work_unit *w)
{
    size_t released = 0;
    if (px_members_load(&g->wmembers, g->wstore, g->local->genesis.root) != PX_OK)
        return;
    if (px_members_release(&g->wfc, px_now_ms(), &released) == PX_OK)
        w->released += released;
    w->members_changed = true;
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

/* Runs on a thread-pool thread, touching only the unit's jobs and the
 * worker's own store connection. Everything accepted is committed, also
 * what came before a bad entry: it was checked. */
static void unit_work(uv_work_t *req)
{
    work_unit *w = req->data;
    px_gossip *g = w->g;
    int rc = px_store_begin(g->wstore);
    if (!rc && w->release)
        refresh_membership(g, w);
    if (!rc && w->index_only && catch_up_index(g, w) != PX_OK)
        w->backlog_left = false; /* logged on the loop thread; retried after new entries */
    for (job *j = w->jobs; j; j = j->next) {
        if (rc) {
            j->rc = rc;
            snprintf(j->err, sizeof j->err, "%s", px_err_message(rc));
            continue;
        }
        if (ingest_job(g, j))
            refresh_membership(g, w);
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
}

static px_gossip_peer *find_peer(px_gossip *g, uint64_t id)
{
    for (px_gossip_peer *p = g->peers; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

/* Refusals that only a misbehaving (or broken) peer causes. */
static bool is_misbehaviour(int rc)
{
    return rc == PX_ESIG || rc == PX_EHASH || rc == PX_ENETWORK || rc == PX_ENOTMEMBER ||
           rc == PX_EPREV || rc == PX_ETIME || rc == PX_EFORMAT || rc == PX_ETOOBIG ||
           rc == PX_EPROTO;
}

/* Apply one stored batch's outcome on the loop thread. */
static void finish_job(px_gossip *g, job *j)
{
    g->queued_bytes -= j->len;
    g->batches_total++;
    g->received_total += j->res.added;
    g->dup_total += j->res.dups;
    g->sig_checks_total += j->res.sig_checks;
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
        for (size_t i = 0; i < j->sent.n; i++)
            seqmap_raise(&p->has, j->sent.v[i].author, j->sent.v[i].seq);
        if (j->rc && is_misbehaviour(j->rc)) {
            px_warn("gossip", "%s sent a bad entry: %s; disconnecting", px_conn_addr(p->conn),
                    j->err);
            px_conn_close(p->conn, j->rc);
        } else if (j->rc) {
            px_debug("gossip", "%s: batch stopped: %s", px_conn_addr(p->conn), j->err);
        }
    }
    if (j->res.forks > 0)
        reload_forks(g);
    if (j->held)
        px_debug("gossip", "held back %zu entries of a non-member", j->held);
    seqmap_free(&j->sent);
    seqmap_free(&j->heads);
    free(j->msg);
    free(j);
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
        px_info("gossip", "%zu held-back entries accepted after an admission", w->released);
    g->received_total += w->released;
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
    bool index_only = !g->queue_head && !g->release_pending;
    if (index_only && !g->index_backlog)
        return;
    work_unit *w = calloc(1, sizeof *w);
    if (!w)
        return;
    /* Take up to UNIT_JOBS_MAX queued batches. */
    job **tail = &w->jobs;
    for (int k = 0; k < UNIT_JOBS_MAX && g->queue_head; k++) {
        job *j = g->queue_head;
        g->queue_head = j->next;
        j->next = NULL;
        *tail = j;
        tail = &j->next;
    }
    if (!g->queue_head)
        g->queue_tail = NULL;
    w->g = g;
    w->req.data = w;
    w->release = g->release_pending; /* taken on the loop thread */
    w->index_only = index_only;
    g->release_pending = false;
    g->job_running = true;
    int uvrc = uv_queue_work(g->loop, &w->req, unit_work, unit_done);
    if (uvrc) {
        g->job_running = false;
        for (job *j = w->jobs; j;) {
            job *next = j->next;
            g->queued_bytes -= j->len;
            free(j->msg);
            free(j);
            j = next;
        }
        free(w);
    }
}

static int on_entries(px_gossip *g, px_gossip_peer *p, const uint8_t *raw, size_t len)
{
    job *j = calloc(1, sizeof *j);
    uint8_t *copy = malloc(len);
    if (!j || !copy) {
        free(j);
        free(copy);
        return PX_ENOMEM;
    }
    memcpy(copy, raw, len);
    j->g = g;
    j->peer_id = p->id;
    j->msg = copy;
    j->len = len;
    j->queued_ns = px_mono_ns();
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
    start_next_job(g);
    return PX_OK;
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
    return PX_ENOENT;
}

void px_gossip_membership_changed(px_gossip *g)
{
    g->release_pending = true;
    start_next_job(g);
}

void px_gossip_on_stored(px_gossip *g, void (*fn)(void *ctx, bool members_changed), void *ctx)
{
    g->on_stored = fn;
    g->on_stored_ctx = ctx;
}

/* --- progress ------------------------------------------------------------------- */

json_t *px_gossip_progress(px_gossip *g)
{
    /* remaining: for each feed some connected peer holds more of than we
     * do, the difference (with the best-informed peer). */
    seqmap best = {0};
    uint64_t remaining = 0;
    int peers = 0;
    for (px_gossip_peer *p = g->peers; p; p = p->next) {
        if (!p->clock_received)
            continue;
        peers++;
        for (size_t i = 0; i < p->has.n; i++)
            seqmap_raise(&best, p->has.v[i].author, p->has.v[i].seq);
    }
    for (size_t i = 0; i < best.n; i++) {
        uint64_t mine = seqmap_get(&g->heads, best.v[i].author);
        if (best.v[i].seq > mine)
            remaining += best.v[i].seq - mine;
    }
    seqmap_free(&best);
    uint64_t unindexed = 0;
    if (g->index_fn && px_store_unindexed_count(g->local->store, &unindexed) != PX_OK)
        unindexed = 0;
    return json_pack("{s:I, s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:b}", "received",
                     (json_int_t)g->received_total, "duplicates", (json_int_t)g->dup_total,
                     "batches", (json_int_t)g->batches_total, "signature_checks",
                     (json_int_t)g->sig_checks_total, "peers_synced", peers, "remaining",
                     (json_int_t)remaining, "queued_bytes", (json_int_t)g->queued_bytes,
                     "unindexed", (json_int_t)unindexed,
                     "busy", g->job_running || g->queue_head != NULL || unindexed > 0);
}

int px_gossip_peers_holding(const px_gossip *g, const uint8_t author[32], uint64_t seq)
{
    int n = 0;
    for (const px_gossip_peer *p = g->peers; p; p = p->next)
        n += p->clock_received && px_conn_is_ready(p->conn) && seqmap_get(&p->has, author) >= seq;
    return n == 0 && seqmap_get(&g->sent_any, author) >= seq ? 1 : n;
}
