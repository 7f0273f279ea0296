/* SPDX-License-Identifier: Apache-2.0 */
/*
 * node.c — the praxis node on one libuv loop (see node.h).
 *
 * Layout: state (the node, its dial targets, per-connection sessions);
 * hello messages; connection callbacks (admit, ready, message, close);
 * the listener with its admission limits; the dialler with back-off; the
 * control socket's answers; start, stop, run.
 */
#include "node.h"

#include "addr.h"
#include "admin.h"
#include "conn.h"
#include "control.h"
#include "crypto.h"
#include "datadir.h"
#include "dialer.h"
#include "error.h"
#include "gossip.h"
#include "blobnet.h"
#include "jsonmp.h"
#include "log.h"
#include "mpcheck.h"
#include "records.h"
#include "rng.h"
#include "util.h"
#include "web.h"
#include <msgpack.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define PX_SOFTWARE "praxisd/" PX_VERSION
enum {
    TICK_MS = 250,
    LEARN_EVERY_MS = 30000, /* re-read members' address announcements */
};

/* A dial target. */
typedef struct peer {
    px_addr addr;
    char text[200];
    uint8_t key[32]; /* the key to dial (addr.key, or the root's) */
    uint64_t next_try_ms;
    uint32_t failures;
    bool resolving;
    px_conn *conn;                 /* our outbound connection, while it lives */
    bool reached;                  /* its handshake completed */
    bool learned;                  /* from an address entry, not from genesis or --peer */
    uint8_t addr_next, addr_count; /* which resolved address to dial next, of how many */
    bool used;                     /* the slot holds a target (learned ones are evicted) */
    bool keyless;         /* given without a key: the root's, unless an announcement names one */
    bool seen;            /* still announced, in the last look at announcements */
    uint8_t author[32];   /* learned: whose announcement */
    char last_error[160]; /* why the last dial failed ("" if it did not) */
    int last_cause;       /* cause class of last_error, to log a change at warning */
} peer;

/* Per-connection state kept by the node. */
typedef struct session {
    px_node *node;
    px_conn *conn;
    int peer_index;     /* dial target, or -1 for inbound */
    bool evicted;       /* inbound handshake dropped to make room (closing) */
    px_gossip_peer *gp; /* replication state, from the handshake on */
    struct session *prev, *next;
} session;

struct px_node {
    uv_loop_t *loop;
    px_node_cfg cfg;
    px_local local;
    uv_tcp_t listener;
    bool listening;
    char listen_text[128];
    uv_timer_t tick;
    uv_signal_t sigint, sigterm;
    bool signals;
    px_control *control;
    px_gossip *gossip;
    px_blobnet *blobnet; /* executes the core's blob storage actions */
    peer peers[PX_NODE_PEERS_MAX];
    size_t n_peers;
    session *sessions;
    int inbound_ready;
    int inbound_handshaking;
    bool stopping;
    uint64_t started_ms;
    uint64_t refused_connections;
    uint64_t next_learn_ms;
    uint64_t next_rotate_ms;
    px_rng rng; /* seeded once from the system: dial choices and jitter */
    px_web *web;
};

static void short_key(char out[17], const uint8_t pk[32])
{
    px_hex_encode(out, pk, 8);
}

static px_conn_cfg conn_cfg(px_node *n);
static void session_unlink(px_node *n, session *s);

/* --- connection callbacks ------------------------------------------------------ */

/* A key that misbehaved is refused for a while (the replication core
 * decides, by offence.h's table): its dial targets wait until then too. */
static void on_ban(void *ctx, const uint8_t key[32], uint64_t until_ms)
{
    px_node *n = ctx;
    for (size_t i = 0; i < n->n_peers; i++)
        if (n->peers[i].used && memcmp(n->peers[i].key, key, 32) == 0 &&
            n->peers[i].next_try_ms < until_ms)
            n->peers[i].next_try_ms = until_ms;
}

/* The server side's decision after the client proved its key: only current
 * members that are not banned. */
static bool admit(px_conn *c, const uint8_t peer_pk[32])
{
    px_node *n = px_conn_owner(c);
    return px_gossip_admits(n->gossip, peer_pk);
}

/* The membership changed (behind_worker: stored by the CLI, not by
 * replication): reload it; the replication core drops connections to keys
 * that are no longer members. */
static void reload_members(px_node *n, bool behind_worker)
{
    int rc = px_members_load(&n->local.members, n->local.store, n->local.genesis.root);
    bool rebuilt = false;
    if (rc)
        px_warn("node", "cannot compute the membership: %s", px_err_message(rc));
    else
        px_gossip_members_changed(n->gossip, behind_worker);
    /* Entries past a new cut that arrived before it stop counting. */
    if (!rc && (rc = px_local_apply_cuts(&n->local, &rebuilt)) != PX_OK)
        px_warn("node", "cannot bring the records index in step with the membership: %s",
                px_err_message(rc));
    else if (rebuilt)
        px_info("node", "records index rebuilt: what counts of the feeds held changed (a "
                        "revocation's cut, or an admission)");
}

static void on_ready(px_conn *c)
{
    session *s = px_conn_data(c);
    px_node *n = s->node;
    if (!px_conn_is_outbound(c)) {
        n->inbound_handshaking--;
        n->inbound_ready++;
    } else if (s->peer_index >= 0) {
        peer *p = &n->peers[s->peer_index];
        if (p->last_error[0])
            px_info("node", "dial %s succeeded", p->text);
        p->reached = true;
        p->failures = 0;
        p->last_error[0] = '\0';
        p->last_cause = 0;
    }
    /* The replication core says hello, or closes a connection to
     * ourselves, to a revoked key or a duplicate. */
    s->gp = px_gossip_peer_open(n->gossip, c);
}

static void on_drain(px_conn *c)
{
    session *s = px_conn_data(c);
    if (s->gp) {
        px_gossip_on_drain(s->node->gossip, s->gp);
    }
}

static void on_message(px_conn *c, const uint8_t *msg, size_t len)
{
    session *s = px_conn_data(c);
    if (!s->gp)
        return;
    px_gossip_on_message(s->node->gossip, s->gp, msg, len);
}

/* A failed outbound dial: said at warning level the first time, with its
 * likely cause, then at debug level until the cause changes. */
static void dial_failed(px_node *n, peer *p, int rc, const char *why, uint64_t retry_ms)
{
    int cause;
    const char *text;
    if (rc == PX_EHANDSHAKE) {
        cause = 1;
        text = "wrong key or network key (the node there has another key or another network "
               "key, or does not admit this node)";
    } else if (strstr(why, "refused")) {
        cause = 2;
        text = "connection refused (nothing listens there)";
    } else if (strstr(why, "resolve")) {
        cause = 3;
        text = "the host name does not resolve";
    } else if (rc == PX_ETIMEDOUT || rc == PX_ENET) {
        cause = 4;
        text = "unreachable (no answer from that address)";
    } else {
        cause = 5;
        text = "the connection failed";
    }
    snprintf(p->last_error, sizeof p->last_error, "%s: %s", text, why[0] ? why : px_strerror(rc));
    if (cause != p->last_cause && !n->stopping)
        px_warn("node", "dial %s failed: %s; retrying with back-off", p->text, p->last_error);
    else
        px_debug("node", "dial %s failed (%s); next try in %llu ms", p->text, p->last_error,
                 (unsigned long long)retry_ms);
    p->last_cause = cause;
}

static void on_close(px_conn *c, int rc)
{
    session *s = px_conn_data(c);
    px_node *n = s->node;
    bool was_ready = px_conn_peer_pk(c) != NULL && px_gossip_peer_ready(n->gossip, s->gp);
    if (!px_conn_is_outbound(c)) {
        if (px_conn_peer_pk(c))
            n->inbound_ready--;
        else
            n->inbound_handshaking--;
    }
    if (s->peer_index >= 0) {
        peer *p = &n->peers[s->peer_index];
        p->conn = NULL;
        uint64_t now = px_now_ms();
        if (p->reached) {
            p->reached = false;
            p->next_try_ms = now + 1000;
        } else if (p->addr_next + 1 < p->addr_count) {
            /* The host has more addresses (IPv6 and IPv4): try the next now. */
            p->addr_next++;
            p->next_try_ms = now;
            px_debug("node", "dial %s failed (%s); trying its next address", p->text,
                     px_err_message(rc));
        } else {
            p->addr_next = 0;
            uint64_t delay = px_dial_backoff_ms(p->failures, &n->rng);
            p->failures++;
            p->next_try_ms = now + delay;
            dial_failed(n, p, rc, px_conn_why(c), p->next_try_ms - now);
        }
    }
    px_gossip_peer_closed(n->gossip, s->gp, rc); /* a peer's fault refuses its key */
    s->gp = NULL;
    if (was_ready) {
        char k[17];
        short_key(k, px_conn_peer_pk(c));
        px_info("node", "disconnected from %s at %s (%s)", k, px_conn_addr(c),
                rc ? px_err_message(rc) : "closed");
    }
    session_unlink(n, s);
}

static session *session_new(px_node *n, int peer_index)
{
    session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->node = n;
    s->peer_index = peer_index;
    s->next = n->sessions;
    if (n->sessions)
        n->sessions->prev = s;
    n->sessions = s;
    return s;
}

static void session_unlink(px_node *n, session *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        n->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
}

static px_conn_cfg conn_cfg(px_node *n)
{
    px_conn_cfg cfg = {
        .loop = n->loop,
        .network_key = n->local.genesis.network_key,
        .pk = n->local.me.pk,
        .sk = n->local.me.sk,
        .cbs = {.admit = admit,
                .on_ready = on_ready,
                .on_message = on_message,
                .on_drain = on_drain,
                .on_close = on_close},
        .owner = n,
        .handshake_timeout_ms = n->cfg.handshake_timeout_ms,
    };
    return cfg;
}

/* --- listener -------------------------------------------------------------- */

static void reject_closed(uv_handle_t *h)
{
    free(h);
}

/* Accept and drop at once: keeps the kernel's backlog from filling while
 * we are at our limits. */
static void reject(px_node *n, uv_stream_t *server)
{
    uv_tcp_t *t = malloc(sizeof *t);
    if (!t)
        return;
    uv_tcp_init(n->loop, t);
    if (uv_accept(server, (uv_stream_t *)t) == 0)
        n->refused_connections++;
    uv_close((uv_handle_t *)t, reject_closed);
}

/* At the handshake limit, drop the oldest unfinished inbound handshake so
 * that a new one can start: otherwise a flood of connections that never
 * finish would lock every honest peer out until their timeouts, again and
 * again. A peer that completes its handshake promptly is not dropped unless
 * max_handshakes newer connections arrive meanwhile. Those dropped count
 * until their close callbacks run, so at most 2 x max_handshakes exist.
 * Returns whether room was made. */
static bool evict_oldest_handshake(px_node *n)
{
    session *oldest = NULL;
    if (n->inbound_handshaking >= 2 * n->cfg.max_handshakes)
        return false;
    for (session *s = n->sessions; s; s = s->next) /* newest first */
        if (s->conn && s->peer_index < 0 && !s->evicted && !px_conn_peer_pk(s->conn))
            oldest = s;
    if (!oldest)
        return false;
    px_debug("node", "at the limit of %d handshakes: dropping the oldest, from %s",
             n->cfg.max_handshakes, px_conn_addr(oldest->conn));
    oldest->evicted = true;
    n->refused_connections++;
    px_conn_close(oldest->conn,
                  px_err_set(PX_EBUSY, "handshake dropped for a newer one (at the limit)"));
    return true;
}

static void on_incoming(uv_stream_t *server, int status)
{
    px_node *n = server->data;
    if (status < 0) {
        px_warn("node", "accept failed: %s", uv_strerror(status));
        return;
    }
    if (n->stopping || n->inbound_ready >= n->cfg.max_inbound ||
        (n->inbound_handshaking >= n->cfg.max_handshakes && !evict_oldest_handshake(n))) {
        px_debug("node", "refusing a connection: at the limit (%d handshaking, %d ready)",
                 n->inbound_handshaking, n->inbound_ready);
        reject(n, server);
        return;
    }
    session *s = session_new(n, -1);
    if (!s) {
        reject(n, server);
        return;
    }
    px_conn_cfg cfg = conn_cfg(n);
    px_conn *c = NULL;
    int rc = px_conn_accept(&cfg, server, &c);
    if (rc) {
        px_debug("node", "accept: %s", px_err_message(rc));
        session_unlink(n, s);
        return;
    }
    s->conn = c;
    px_conn_set_data(c, s);
    n->inbound_handshaking++;
}

static int start_listening(px_node *n)
{
    px_addr a;
    struct sockaddr_storage ss;
    int rc = px_addr_parse(n->cfg.listen, &a);
    if (rc)
        return px_err_set(rc, "--listen: %s", px_err_detail());
    int uvrc = strchr(a.host, ':') ? uv_ip6_addr(a.host, a.port, (struct sockaddr_in6 *)&ss)
                                   : uv_ip4_addr(a.host, a.port, (struct sockaddr_in *)&ss);
    if (uvrc)
        return px_err_set(PX_EINVAL, "--listen: '%s' is not a numeric IP address", a.host);
    uv_tcp_init(n->loop, &n->listener);
    n->listener.data = n;
    uvrc = uv_tcp_bind(&n->listener, (struct sockaddr *)&ss, 0);
    if (!uvrc)
        uvrc = uv_listen((uv_stream_t *)&n->listener, 128, on_incoming);
    if (uvrc) {
        uv_close((uv_handle_t *)&n->listener, NULL);
        if (uvrc == UV_EADDRINUSE)
            return px_err_set(PX_EBUSY,
                              "--listen %s: the address is already in use (another program, or "
                              "another praxisd, listens there); choose another port with "
                              "--listen HOST:PORT",
                              n->cfg.listen);
        return px_err_set(px_err_from_uv(uvrc), "--listen %s: cannot listen there: %s",
                          n->cfg.listen, uv_strerror(uvrc));
    }
    n->listening = true;
    snprintf(n->listen_text, sizeof n->listen_text, "%s", n->cfg.listen);
    px_info("node", "listening on %s", n->listen_text);
    return PX_OK;
}

/* --- dialler ------------------------------------------------------------------ */

typedef struct resolve_req {
    uv_getaddrinfo_t req;
    px_node *node;
    int peer_index;
} resolve_req;

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    resolve_req *r = (resolve_req *)req;
    px_node *n = r->node;
    peer *p = &n->peers[r->peer_index];
    p->resolving = false;
    if (n->stopping || status < 0 || !res) {
        if (!n->stopping) {
            p->failures++;
            p->next_try_ms = px_now_ms() + PX_DIAL_BACKOFF_MAX_MS / 4;
            char why[128];
            snprintf(why, sizeof why, "cannot resolve %s: %s", p->addr.host, uv_strerror(status));
            dial_failed(n, p, PX_ENET, why, PX_DIAL_BACKOFF_MAX_MS / 4);
        }
        uv_freeaddrinfo(res);
        free(r);
        return;
    }
    /* Every address the name resolves to is tried in turn, one per dial
     * (on_close moves on to the next). */
    struct addrinfo *ai = res;
    size_t count = 0;
    for (struct addrinfo *x = res; x && count < 255; x = x->ai_next)
        count++;
    p->addr_count = (uint8_t)count;
    if (p->addr_next >= count)
        p->addr_next = 0;
    for (size_t k = 0; k < p->addr_next && ai->ai_next; k++)
        ai = ai->ai_next;
    session *s = session_new(n, r->peer_index);
    px_conn_cfg cfg = conn_cfg(n);
    px_conn *c = NULL;
    int rc = s ? px_conn_dial(&cfg, ai->ai_addr, p->key, &c) : PX_ENOMEM;
    uv_freeaddrinfo(res);
    free(r);
    if (rc) {
        if (s)
            session_unlink(n, s);
        bool more = p->addr_next + 1 < p->addr_count;
        p->addr_next = more ? p->addr_next + 1 : 0;
        p->failures += !more;
        p->next_try_ms = px_now_ms() + (more ? 0 : 5000);
        if (more)
            px_debug("node", "dial %s: %s", p->text, px_err_message(rc));
        else
            dial_failed(n, p, rc, px_err_message(rc), 5000);
        return;
    }
    s->conn = c;
    px_conn_set_data(c, s);
    p->conn = c;
}

/* Whether a ready connection to key exists (inbound or outbound). */
static bool connected_to(px_node *n, const uint8_t key[32])
{
    for (session *s = n->sessions; s; s = s->next) {
        const uint8_t *pk = px_conn_peer_pk(s->conn);
        if (pk && px_conn_is_ready(s->conn) && memcmp(pk, key, 32) == 0)
            return true;
    }
    return false;
}

static void learn_addresses(px_node *n);

static void dial(px_node *n, size_t i, uint64_t now)
{
    peer *p = &n->peers[i];
    resolve_req *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->node = n;
    r->peer_index = (int)i;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)p->addr.port);
    p->resolving = true;
    int uvrc = uv_getaddrinfo(n->loop, &r->req, on_resolved, p->addr.host, port, &hints);
    if (uvrc) {
        p->resolving = false;
        p->next_try_ms = now + 5000;
        free(r);
    }
}

/* Genesis and --peer targets are always dialled. Learned ones fill up to
 * max_outbound, chosen at random; every PX_DIAL_ROTATE_EVERY_MS one learned
 * connection is dropped so another member gets its turn (anti-entropy). */
static void on_tick(uv_timer_t *t)
{
    px_node *n = t->data;
    uint64_t now = px_now_ms();
    if (n->stopping)
        return;
    if (now >= n->next_learn_ms) {
        n->next_learn_ms = now + LEARN_EVERY_MS;
        learn_addresses(n);
    }
    /* Whom to dial and whether to rotate is the replication layer's pure
     * decision (dialer.h); here it is carried out. */
    px_dial_target dt[PX_NODE_PEERS_MAX];
    size_t idx[PX_NODE_PEERS_MAX], picked[PX_NODE_PEERS_MAX], k = 0;
    for (size_t i = 0; i < n->n_peers; i++) {
        peer *p = &n->peers[i];
        if (!p->used)
            continue;
        dt[k] = (px_dial_target){.key = p->key,
                                 .learned = p->learned,
                                 .active = p->conn || p->resolving,
                                 .ready = p->conn && p->reached,
                                 .connected = connected_to(n, p->key),
                                 .next_try_ms = p->next_try_ms};
        idx[k++] = i;
    }
    px_dial_decision d;
    px_dial_decide(dt, k, &n->local.members, NULL, n->cfg.max_outbound, now, &n->next_rotate_ms,
                   &n->rng, picked, &d);
    for (size_t i = 0; i < d.n_dial; i++)
        dial(n, idx[picked[i]], now);
    if (d.rotate) {
        peer *p = &n->peers[idx[d.rotate_index]];
        px_debug("node", "rotating: closing the connection to %s", p->text);
        p->next_try_ms = now + PX_DIAL_ROTATE_EVERY_MS;
        px_conn_close(p->conn, PX_OK);
    }
}

/* Add a dial target (learned: from author's announcement). A learned
 * target already there is marked as still announced. */
static int add_peer(px_node *n, const char *text, const char *what, const uint8_t *author)
{
    px_addr a;
    bool learned = author != NULL;
    int rc = px_addr_parse(text, &a);
    if (rc)
        return px_err_set(rc, "%s: %s", what, px_err_detail());
    const uint8_t *key = a.has_key ? a.key : n->local.genesis.root;
    if (memcmp(key, n->local.me.pk, 32) == 0)
        return PX_OK; /* that is us */
    peer *p = NULL;
    for (size_t i = 0; i < n->n_peers; i++) {
        peer *q = &n->peers[i];
        if (!q->used) {
            if (!p)
                p = q;
            continue;
        }
        if (strcmp(q->addr.host, a.host) == 0 && q->addr.port == a.port &&
            memcmp(q->key, key, 32) == 0) {
            q->seen = true;
            return PX_OK;
        }
    }
    if (!p && n->n_peers == PX_NODE_PEERS_MAX)
        return px_err_set(PX_ETOOBIG, "more than %d peers to dial", PX_NODE_PEERS_MAX);
    if (!p)
        p = &n->peers[n->n_peers++];
    memset(p, 0, sizeof *p);
    p->used = true;
    p->seen = true;
    p->addr = a;
    p->learned = learned;
    p->keyless = !a.has_key && !learned;
    if (learned)
        memcpy(p->author, author, 32);
    memcpy(p->key, key, 32);
    snprintf(p->text, sizeof p->text, "%s", text);
    if (learned)
        px_debug("node", "learned address %s", text);
    return PX_OK;
}

/* --- address announcements ---------------------------------------------------- */

typedef struct learn_ctx {
    px_node *n;
    uint8_t last_author[32];
    bool have_last;
    bool full; /* the table had no room for an announced address */
} learn_ctx;

/* A keyless target (genesis or --peer HOST:PORT) at an address a member
 * announced in a signed entry takes that member's key: the root's key is
 * only the default. */
static void key_from_announcement(px_node *n, const uint8_t author[32], const char *addr)
{
    px_addr a;
    if (px_addr_parse(addr, &a) != PX_OK)
        return;
    for (size_t i = 0; i < n->n_peers; i++) {
        peer *p = &n->peers[i];
        if (!p->used || !p->keyless || strcmp(p->addr.host, a.host) != 0 ||
            p->addr.port != a.port || memcmp(p->key, author, 32) == 0)
            continue;
        char k[17];
        short_key(k, author);
        px_info("node",
                "dialling %s with the key %s, from that member's signed announcement "
                "of the address",
                p->text, k);
        memcpy(p->key, author, 32);
        p->next_try_ms = 0;
        p->last_cause = 0;
    }
}

/* The newest address entry of each current member (the walk is newest
 * first), at most PX_NODE_ADDRS_PER_AUTHOR of its addresses. */
static int learn_one(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    learn_ctx *lc = ctx;
    px_node *n = lc->n;
    if (lc->have_last && memcmp(lc->last_author, e->h.author, 32) == 0)
        return PX_OK;
    memcpy(lc->last_author, e->h.author, 32);
    lc->have_last = true;
    if (!e->body || (m && (m->flags & PX_ENTRY_FLAG_SCHEMA_INVALID)) ||
        memcmp(e->h.author, n->local.me.pk, 32) == 0 ||
        !px_members_may_connect(&n->local.members, e->h.author) ||
        px_record_validate("address", e->body, e->body_len) != PX_OK)
        return PX_OK;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (px_record_unpack(e->body, e->body_len, &u) == PX_OK) {
        const msgpack_object *list = px_record_get(&u.data, "addresses");
        for (uint32_t i = 0; list && i < list->via.array.size; i++) {
            char key[65], text[PX_ADDR_TEXT_MAX + 80], bare[PX_ADDR_TEXT_MAX + 8];
            const msgpack_object *a = &list->via.array.ptr[i];
            px_hex_encode(key, e->h.author, 32);
            snprintf(bare, sizeof bare, "%.*s", (int)a->via.str.size, a->via.str.ptr);
            key_from_announcement(n, e->h.author, bare);
            if (i >= PX_NODE_ADDRS_PER_AUTHOR)
                continue;
            snprintf(text, sizeof text, "%s@%s", key, bare);
            if (add_peer(n, text, "announced address", e->h.author) == PX_ETOOBIG)
                lc->full = true;
        }
    }
    msgpack_unpacked_destroy(&u);
    return PX_OK;
}

/* Rebuild the learned part of the dial table: the newest announcement of
 * every current member. Targets no longer announced (replaced by a newer
 * announcement, or their author is no longer a member) leave once they
 * have no connection, so no member can fill the table for good. */
static void learn_addresses(px_node *n)
{
    learn_ctx lc = {.n = n};
    for (size_t i = 0; i < n->n_peers; i++)
        if (n->peers[i].used && n->peers[i].learned)
            n->peers[i].seen = false;
    int rc = px_store_each_kind(n->local.store, "address", learn_one, &lc);
    if (rc) {
        px_warn("node", "cannot read address announcements: %s", px_err_message(rc));
        return;
    }
    size_t evicted = 0;
    for (size_t i = 0; i < n->n_peers; i++) {
        peer *p = &n->peers[i];
        if (p->used && p->learned && !p->seen && !p->conn && !p->resolving) {
            p->used = false;
            evicted++;
        }
    }
    while (n->n_peers > 0 && !n->peers[n->n_peers - 1].used)
        n->n_peers--;
    if (evicted)
        px_debug("node", "%zu dial target(s) no longer announced: dropped", evicted);
    if (lc.full) /* more announced addresses than slots: try again soon */
        n->next_learn_ms = px_now_ms() + LEARN_EVERY_MS / 6;
}

/* Publish our --announce addresses, unless our newest announcement already
 * says exactly that. */
typedef struct mine_ctx {
    px_node *n;
    bool found;
    px_buf body;
} mine_ctx;

static int find_mine(void *ctx, const px_entry *e, const px_entry_meta *m)
{
    mine_ctx *mc = ctx;
    (void)m;
    if (memcmp(e->h.author, mc->n->local.me.pk, 32) != 0 || !e->body)
        return PX_OK;
    mc->found = true;
    px_buf_append(&mc->body, e->body, e->body_len);
    return PX_EAGAIN; /* newest first: done */
}

static int announce(px_node *n)
{
    if (n->cfg.n_announce == 0)
        return PX_OK;
    json_t *list = json_array();
    for (size_t i = 0; i < n->cfg.n_announce; i++)
        json_array_append_new(list, json_string(n->cfg.announce[i]));
    json_t *body = json_pack("{s:o}", "addresses", list);
    px_buf mp = {0};
    mine_ctx mc = {.n = n};
    int rc = px_json_to_msgpack(body, &mp);
    if (!rc)
        rc = px_record_validate("address", mp.data, mp.len);
    if (rc)
        rc = px_err_set(rc, "--announce: %s", px_err_message(rc));
    if (!rc) {
        int wrc = px_store_each_kind(n->local.store, "address", find_mine, &mc);
        if (wrc && wrc != PX_EAGAIN)
            rc = wrc;
    }
    bool same = mc.found && mc.body.len == mp.len && memcmp(mc.body.data, mp.data, mp.len) == 0;
    if (!rc && !same) {
        const uint8_t *b = mp.data;
        rc = px_local_append(&n->local, "address", &b, &mp.len, 1, 0, NULL, NULL);
        if (!rc) {
            px_info("node", "announced %zu address(es) in our feed", n->cfg.n_announce);
            px_gossip_local_changed(n->gossip);
        }
    }
    json_decref(body);
    px_buf_free(&mp);
    px_buf_free(&mc.body);
    return rc;
}

/* --- control socket -------------------------------------------------------- */

static json_t *conn_json(session *s)
{
    px_conn *c = s->conn;
    char key[65] = "";
    const uint8_t *pk = px_conn_peer_pk(c);
    if (pk)
        px_hex_encode(key, pk, 32);
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "address", px_conn_addr(c),
                     "public_key", key, "direction",
                     px_conn_is_outbound(c) ? "outbound" : "inbound", "state",
                     px_gossip_peer_ready(s->node->gossip, s->gp) ? "connected" : "handshake",
                     "since_ms", (json_int_t)px_conn_since_ms(c), "bytes_in",
                     (json_int_t)px_conn_bytes_in(c), "bytes_out", (json_int_t)px_conn_bytes_out(c),
                     "software", px_gossip_peer_software(s->node->gossip, s->gp));
}

static json_t *control_answer(void *ctx, const char *op, json_t *req)
{
    px_node *n = ctx;
    if (strcmp(op, "peers") == 0 || strcmp(op, "status") == 0) {
        json_t *conns = json_array();
        for (session *s = n->sessions; s; s = s->next)
            json_array_append_new(conns, conn_json(s));
        json_t *targets = json_array();
        for (size_t i = 0; i < n->n_peers; i++) {
            const peer *p = &n->peers[i];
            if (!p->used)
                continue;
            char key[65];
            px_hex_encode(key, p->key, 32);
            json_t *t =
                json_pack("{s:s, s:s, s:b, s:i, s:I, s:s}", "address", p->text, "public_key", key,
                          "connected", p->conn != NULL && p->reached, "failures", (int)p->failures,
                          "next_try_ms", (json_int_t)p->next_try_ms, "source",
                          p->learned ? "announced" : "configured");
            if (p->last_error[0])
                json_object_set_new(t, "last_error", json_string(p->last_error));
            json_array_append_new(targets, t);
        }
        json_t *bans = px_gossip_bans(n->gossip);
        char pk[65];
        px_hex_encode(pk, n->local.me.pk, 32);
        return json_pack("{s:b, s:s, s:s, s:s?, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "ok", 1,
                         "public_key", pk, "software", PX_SOFTWARE, "listen",
                         n->listening ? n->listen_text : NULL, "uptime_ms",
                         (json_int_t)(px_now_ms() - n->started_ms), "refused_connections",
                         (json_int_t)n->refused_connections, "connections", conns, "dial_targets",
                         targets, "replication", px_gossip_progress(n->gossip), "misbehaving", bans,
                         "blobs", px_blobnet_counters(n->blobnet));
    }
    if (strncmp(op, "blob_", 5) == 0)
        return px_blobnet_control(n->blobnet, op, req);
    if (strcmp(op, "notify") == 0) {
        reload_members(n, true);
        px_gossip_local_changed(n->gossip);
        return json_pack("{s:b}", "ok", 1);
    }
    if (strcmp(op, "holding") == 0) {
        /* {"author": KEY, "seq": N}: how many connected peers hold that much. */
        uint8_t author[32];
        const char *hex = json_string_value(json_object_get(req, "author"));
        json_t *seq = json_object_get(req, "seq");
        if (!hex || px_hex_decode(author, 32, hex) != PX_OK || !json_is_integer(seq) ||
            json_integer_value(seq) < 0)
            return json_pack("{s:b, s:s}", "ok", 0, "error",
                             "holding needs an author key and a seq of 0 or more");
        return json_pack(
            "{s:b, s:i}", "ok", 1, "peers",
            px_gossip_peers_holding(n->gossip, author, (uint64_t)json_integer_value(seq)));
    }
    if (strcmp(op, "sync") == 0) {
        /* Dial every target now, whatever its back-off says. */
        size_t targets = 0;
        for (size_t i = 0; i < n->n_peers; i++) {
            n->peers[i].next_try_ms = 0;
            targets += n->peers[i].used;
        }
        px_gossip_local_changed(n->gossip);
        json_t *o = px_gossip_progress(n->gossip);
        int connected = 0;
        for (session *s = n->sessions; s; s = s->next)
            connected += px_gossip_peer_ready(n->gossip, s->gp);
        json_object_set_new(o, "ok", json_true());
        json_object_set_new(o, "connections", json_integer(connected));
        json_object_set_new(o, "dial_targets", json_integer((json_int_t)targets));
        return o;
    }
    return NULL;
}

/* --- web interface (web.h): its hooks run on this loop ----------------------- */

static json_t *web_status(void *ctx)
{
    return control_answer(ctx, "status", NULL);
}

static void web_appended(void *ctx)
{
    json_decref(control_answer(ctx, "notify", NULL));
}

static void web_sync_now(void *ctx)
{
    json_decref(control_answer(ctx, "sync", NULL));
}

static int start_web(px_node *n)
{
    if (n->cfg.http && strcmp(n->cfg.http, "off") == 0)
        return PX_OK;
    px_web_cfg wc = {
        .data_dir = n->local.paths.dir,
        .listen = n->cfg.http ? n->cfg.http : PX_WEB_DEFAULT_LISTEN,
        .listen_is_default = n->cfg.http == NULL,
        .hosts = n->cfg.http_hosts,
        .n_hosts = n->cfg.n_http_hosts,
        .root = n->local.genesis.root,
        .me = n->local.me.pk,
        .network_name = n->local.genesis.name,
        .hooks = {.ctx = n,
                  .status = web_status,
                  .appended = web_appended,
                  .sync_now = web_sync_now},
    };
    return px_web_start(n->loop, &wc, &n->web);
}

/* --- lifecycle ----------------------------------------------------------------- */

/* New entries arrived: maybe address announcements. Look within a second
 * (not at once: a bulk sync stores many batches). */
static void entries_stored(void *ctx, bool members_changed)
{
    px_node *n = ctx;
    if (members_changed)
        reload_members(n, false);
    px_blobnet_entries_stored(n->blobnet); /* the keep sweep */
    uint64_t soon = px_now_ms() + 1000;
    if (n->next_learn_ms > soon)
        n->next_learn_ms = soon;
}

int px_node_new(const px_node_cfg *cfg, uv_loop_t *loop, px_node **out)
{
    px_node *n = calloc(1, sizeof *n);
    *out = NULL;
    if (!n)
        return PX_ENOMEM;
    n->loop = loop;
    n->cfg = *cfg;
    if (n->cfg.max_inbound <= 0)
        n->cfg.max_inbound = 32;
    if (n->cfg.max_handshakes <= 0)
        n->cfg.max_handshakes = 64;
    if (n->cfg.handshake_timeout_ms == 0)
        n->cfg.handshake_timeout_ms = 10000;
    if (n->cfg.max_outbound < 0)
        n->cfg.max_outbound = 4;
    int rc = px_local_open(&n->local, cfg->data_dir);
    if (!rc)
        n->local.feed.max_ahead_ms = n->cfg.max_clock_ahead_ms;
    for (size_t i = 0; !rc && i < n->local.genesis.n_bootstrap; i++)
        rc = add_peer(n, n->local.genesis.bootstrap[i], "genesis bootstrap address", NULL);
    for (size_t i = 0; !rc && i < cfg->n_peers; i++)
        rc = add_peer(n, cfg->peers[i], "--peer", NULL);
    /* The only system randomness the node's decisions use: one seed. */
    uint8_t seed[16];
    px_random_bytes(seed, sizeof seed);
    uint64_t s0 = 0, s1 = 0;
    for (int i = 0; i < 8; i++) {
        s0 = s0 << 8 | seed[i];
        s1 = s1 << 8 | seed[8 + i];
    }
    px_rng_seed(&n->rng, s0);
    if (!rc)
        rc = px_gossip_new(loop, &n->local, s1, n->cfg.handshake_timeout_ms,
                           n->cfg.blob_limits.max_size, &n->gossip);
    if (!rc) {
        px_gossip_on_stored(n->gossip, entries_stored, n);
        px_gossip_on_ban(n->gossip, on_ban, n);
    }
    if (!rc)
        rc = px_blobnet_new(loop, &n->local, &n->cfg.blob_limits, n->gossip, &n->blobnet);
    if (rc) {
        px_local_close(&n->local);
        free(n);
        return rc;
    }
    *out = n;
    return PX_OK;
}

static void on_signal(uv_signal_t *s, int signum)
{
    px_node *n = s->data;
    px_info("node", "received %s; stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    px_node_stop(n);
}

int px_node_start(px_node *n)
{
    int rc = PX_OK;
    n->started_ms = px_now_ms();
    n->next_rotate_ms = n->started_ms + PX_DIAL_ROTATE_EVERY_MS;
    /* The control socket first: it refuses a second daemon on this data
     * directory before a port is bound or anything is announced. */
    rc = px_control_start(n->loop, n->local.paths.socket, control_answer, n, &n->control);
    if (!rc && n->cfg.listen)
        rc = start_listening(n);
    if (!rc)
        rc = announce(n);
    if (!rc)
        rc = start_web(n);
    if (rc)
        return rc;
    uv_timer_init(n->loop, &n->tick);
    n->tick.data = n;
    uv_timer_start(&n->tick, on_tick, 0, TICK_MS);
    char pk[17];
    short_key(pk, n->local.me.pk);
    px_info("node", "node %s of network '%s' started; %zu peer(s) to dial", pk,
            n->local.genesis.name, n->n_peers);
    return PX_OK;
}

void px_node_stop(px_node *n)
{
    if (n->stopping)
        return;
    n->stopping = true;
    if (n->listening)
        uv_close((uv_handle_t *)&n->listener, NULL);
    n->listening = false;
    if (n->tick.loop && !uv_is_closing((uv_handle_t *)&n->tick))
        uv_close((uv_handle_t *)&n->tick, NULL);
    if (n->signals) {
        uv_close((uv_handle_t *)&n->sigint, NULL);
        uv_close((uv_handle_t *)&n->sigterm, NULL);
        n->signals = false;
    }
    px_control_stop(n->control);
    n->control = NULL;
    px_web_stop(n->web);
    n->web = NULL;
    px_gossip_stop(n->gossip);
    px_blobnet_stop(n->blobnet);
    for (session *s = n->sessions; s; s = s->next)
        if (s->conn)
            px_conn_close(s->conn, PX_OK);
}

void px_node_free(px_node *n)
{
    if (!n)
        return;
    px_gossip_free(n->gossip);
    px_blobnet_free(n->blobnet);
    px_local_close(&n->local);
    free(n);
}

int px_node_run(const px_node_cfg *cfg)
{
    uv_loop_t loop;
    px_node *n = NULL;
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    int rc = px_node_new(cfg, &loop, &n);
    if (!rc) {
        uv_signal_init(&loop, &n->sigint);
        uv_signal_init(&loop, &n->sigterm);
        n->sigint.data = n->sigterm.data = n;
        uv_signal_start(&n->sigint, on_signal, SIGINT);
        uv_signal_start(&n->sigterm, on_signal, SIGTERM);
        n->signals = true;
        rc = px_node_start(n);
        if (rc)
            px_node_stop(n);
        uv_run(&loop, UV_RUN_DEFAULT);
        if (!rc)
            px_info("node", "stopped cleanly");
    }
    px_node_free(n);
    uv_loop_close(&loop);
    return rc;
}
