/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conn.c — a peer connection over libuv (see conn.h).
 *
 * Layout: allocation and teardown (two handles, a TCP stream and a timer,
 * freed when both close callbacks have run); writing (every write owns its
 * buffer until its callback); the handshake driver; the read path (box-
 * stream frames into wire messages into on_message); dial and accept.
 */
#include "conn.h"

#include "boxstream.h"
#include "crypto.h"
#include "error.h"
#include "log.h"
#include "util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { READ_BUF = 64 * 1024 };

typedef enum conn_state {
    ST_CONNECTING,
    ST_HANDSHAKE,
    ST_READY,
    ST_CLOSING,
} conn_state;

struct px_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t connect_req;
    int open_handles;
    conn_state state;
    bool outbound;
    bool was_congested;
    size_t watch_below; /* px_conn_watch_drain: fire on_drain below this (0: off) */
    bool ready_once;    /* the handshake completed at some point */
    bool paused;        /* reading stopped by the owner */
    bool closed_notified;
    int close_rc;
    char why[160]; /* the detail of close_rc, kept for on_close */
    px_conn_cbs cbs;
    void *owner;
    void *data;
    struct dial_ctx *dial; /* while connecting */
    px_shs shs;
    uint8_t shs_buf[PX_SHS_MSG_MAX];
    size_t shs_have;
    px_box_enc enc;
    px_box_dec dec;
    px_wire_reader wire;
    uint8_t peer_pk[32];
    char addr[64];
    uint64_t since_ms;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint8_t read_buf[READ_BUF];
};

/* A write in flight: owns its bytes until the callback. */
typedef struct conn_write {
    uv_write_t req;
    px_conn *conn;
    bool close_after;
    size_t len;
    uint8_t data[];
} conn_write;

static void short_key(char out[17], const uint8_t pk[32])
{
    px_hex_encode(out, pk, 8);
}

/* --- teardown ------------------------------------------------------------ */

static void on_handle_closed(uv_handle_t *h)
{
    px_conn *c = h->data;
    if (--c->open_handles > 0)
        return;
    if (!c->closed_notified) {
        c->closed_notified = true;
        if (c->cbs.on_close)
            c->cbs.on_close(c, c->close_rc);
    }
    px_shs_clear(&c->shs);
    px_box_enc_clear(&c->enc);
    px_box_dec_clear(&c->dec);
    px_wire_reader_free(&c->wire);
    free(c);
}

static void close_handles(px_conn *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

/* Fail or close without a goodbye (handshake not done, or the stream broke). */
static void abort_conn(px_conn *c, int rc)
{
    if (c->state != ST_CLOSING) {
        c->state = ST_CLOSING;
        c->close_rc = rc;
        if (rc)
            snprintf(c->why, sizeof c->why, "%s", px_err_message(rc));
    }
    close_handles(c);
}

static void on_timeout(uv_timer_t *t);

/* --- writing --------------------------------------------------------------- */

static void on_written(uv_write_t *req, int status)
{
    conn_write *w = (conn_write *)req;
    px_conn *c = w->conn;
    bool close_after = w->close_after;
    free(w);
    if (status < 0) {
        if (status != UV_ECANCELED)
            abort_conn(c, px_err_from_uv(status));
        return;
    }
    if (close_after) {
        close_handles(c);
        return;
    }
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    bool fire = false;
    if (c->was_congested && c->state == ST_READY && queued < PX_CONN_LOW_WATER) {
        c->was_congested = false;
        fire = true;
    }
    if (c->watch_below && c->state == ST_READY && queued < c->watch_below) {
        c->watch_below = 0;
        fire = true;
    }
    if (fire && c->cbs.on_drain)
        c->cbs.on_drain(c);
}

/* A write request with room for len bytes, filled by the caller. */
static conn_write *write_new(px_conn *c, size_t len, bool close_after)
{
    conn_write *w = malloc(sizeof *w + len);
    if (!w)
        return NULL;
    w->conn = c;
    w->close_after = close_after;
    w->len = len;
    return w;
}

/* Queue w's bytes on the socket; w is freed by on_written, or here on error. */
static int write_start(px_conn *c, conn_write *w)
{
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)w->len);
    int uvrc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written);
    if (uvrc) {
        free(w);
        return px_err_from_uv(uvrc);
    }
    c->bytes_out += w->len;
    return PX_OK;
}

/* Write len bytes from data (copied). */
static int write_raw(px_conn *c, const uint8_t *data, size_t len, bool close_after)
{
    conn_write *w = write_new(c, len, close_after);
    if (!w)
        return PX_ENOMEM;
    memcpy(w->data, data, len);
    return write_start(c, w);
}

/* A message is framed and sealed straight into its write request: a chunk
 * message (64 KiB) is not copied into a framed and a boxed buffer first. */
int px_conn_send(px_conn *c, const void *msg, size_t len)
{
    uint8_t prefix[PX_WIRE_LEN_BYTES];
    if (c->state != ST_READY)
        return PX_ECLOSED;
    int rc = px_wire_prefix(prefix, len);
    if (rc)
        return rc;
    conn_write *w = write_new(c, px_box_enc_size(sizeof prefix + len), false);
    if (!w)
        return PX_ENOMEM;
    rc = px_box_enc_seal(&c->enc, prefix, sizeof prefix, msg, len, w->data);
    if (rc)
        free(w);
    else
        rc = write_start(c, w);
    if (!rc && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > PX_CONN_HIGH_WATER)
        c->was_congested = true;
    return rc;
}

size_t px_conn_queued(const px_conn *c)
{
    return c->state == ST_READY ? uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp) : 0;
}

bool px_conn_congested(const px_conn *c)
{
    return c->state == ST_READY &&
           uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp) > PX_CONN_HIGH_WATER;
}

void px_conn_watch_drain(px_conn *c, size_t below)
{
    c->watch_below = below;
}

void px_conn_close(px_conn *c, int rc)
{
    if (c->state == ST_CLOSING)
        return;
    bool ready = c->state == ST_READY;
    c->state = ST_CLOSING;
    c->close_rc = rc;
    if (rc)
        snprintf(c->why, sizeof c->why, "%s", px_err_message(rc));
    uv_read_stop((uv_stream_t *)&c->tcp);
    if (ready) {
        px_buf bye = {0};
        int brc = px_box_enc_goodbye(&c->enc, &bye);
        if (!brc)
            brc = write_raw(c, bye.data, bye.len, true);
        px_buf_free(&bye);
        if (!brc) {
            /* Do not wait forever for a peer that stopped reading. */
            uv_timer_start(&c->timer, on_timeout, 2000, 0);
            return;
        }
    }
    close_handles(c);
}

/* --- handshake ------------------------------------------------------------- */

static void on_timeout(uv_timer_t *t)
{
    px_conn *c = t->data;
    if (c->state == ST_CLOSING) {
        close_handles(c);
        return;
    }
    px_debug("conn", "%s: handshake timed out", c->addr);
    abort_conn(c, px_err_set(PX_ETIMEDOUT, "handshake with %s timed out", c->addr));
}

static int become_ready(px_conn *c)
{
    px_shs_keys keys;
    int rc = px_shs_session(&c->shs, &keys);
    if (rc)
        return rc;
    px_box_enc_init(&c->enc, keys.enc_key, keys.enc_nonce);
    px_box_dec_init(&c->dec, keys.dec_key, keys.dec_nonce);
    memcpy(c->peer_pk, keys.peer_pk, 32);
    px_memzero(&keys, sizeof keys);
    px_shs_clear(&c->shs);
    px_wire_reader_init(&c->wire, PX_WIRE_MAX);
    uv_timer_stop(&c->timer);
    c->state = ST_READY;
    c->ready_once = true;
    char k[17];
    short_key(k, c->peer_pk);
    px_debug("conn", "%s: handshake done with %s (%s)", c->addr, k,
             c->outbound ? "outbound" : "inbound");
    if (c->cbs.on_ready)
        c->cbs.on_ready(c);
    return PX_OK;
}

/* Write whatever the handshake wants written next, and admit or refuse the
 * client when it is time to decide. */
static int handshake_advance(px_conn *c)
{
    size_t len;
    for (;;) {
        px_shs_step step = px_shs_next(&c->shs, &len);
        if (step == PX_SHS_WRITE) {
            uint8_t msg[PX_SHS_MSG_MAX];
            int rc = px_shs_produce(&c->shs, msg, len);
            if (!rc)
                rc = write_raw(c, msg, len, false);
            if (rc)
                return rc;
            continue;
        }
        if (step == PX_SHS_DECIDE) {
            const uint8_t *pk = px_shs_peer_pk(&c->shs);
            if (c->cbs.admit && !c->cbs.admit(c, pk)) {
                char k[17];
                short_key(k, pk);
                return px_err_set(PX_ENOTMEMBER, "%s: key %s is not a member; refused", c->addr, k);
            }
            int rc = px_shs_accept(&c->shs);
            if (rc)
                return rc;
            continue;
        }
        if (step == PX_SHS_DONE)
            return become_ready(c);
        if (step == PX_SHS_FAILED)
            return PX_EHANDSHAKE;
        return PX_OK; /* READ: wait for bytes */
    }
}

/* Feed handshake bytes; returns how many were used (the rest belong to the
 * box-stream). */
static int handshake_feed(px_conn *c, const uint8_t *in, size_t len, size_t *used)
{
    *used = 0;
    while (*used < len && c->state == ST_HANDSHAKE) {
        size_t need;
        if (px_shs_next(&c->shs, &need) != PX_SHS_READ)
            return PX_EHANDSHAKE;
        size_t take = need - c->shs_have;
        if (take > len - *used)
            take = len - *used;
        memcpy(c->shs_buf + c->shs_have, in + *used, take);
        c->shs_have += take;
        *used += take;
        if (c->shs_have < need)
            return PX_OK;
        c->shs_have = 0;
        int rc = px_shs_consume(&c->shs, c->shs_buf, need);
        if (!rc)
            rc = handshake_advance(c);
        if (rc)
            return rc;
    }
    return PX_OK;
}

/* --- reading --------------------------------------------------------------- */

static int stream_feed(px_conn *c, const uint8_t *in, size_t len)
{
    while (len > 0 && c->state == ST_READY) {
        size_t used = 0, plain_len = 0;
        const uint8_t *plain = NULL;
        int rc = px_box_dec_feed(&c->dec, in, len, &used, &plain, &plain_len);
        in += used;
        len -= used;
        if (rc == PX_EAGAIN)
            return PX_OK;
        if (rc == PX_ECLOSED) {
            px_debug("conn", "%s: peer said goodbye", c->addr);
            px_conn_close(c, PX_OK);
            return PX_OK;
        }
        if (rc)
            return rc;
        while (plain_len > 0 && c->state == ST_READY) {
            const uint8_t *msg = NULL;
            size_t msg_len = 0;
            rc = px_wire_reader_feed(&c->wire, plain, plain_len, &used, &msg, &msg_len);
            plain += used;
            plain_len -= used;
            if (rc == PX_EAGAIN)
                break;
            if (rc)
                return rc;
            if (c->cbs.on_message)
                c->cbs.on_message(c, msg, msg_len);
        }
    }
    return PX_OK;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    px_conn *c = h->data;
    (void)suggested;
    *buf = uv_buf_init((char *)c->read_buf, sizeof c->read_buf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    px_conn *c = s->data;
    int rc = PX_OK;
    if (nread == 0)
        return;
    if (nread < 0) {
        int why = nread == UV_EOF
                      ? (c->state == ST_READY
                             ? px_err_set(PX_ECLOSED, "the peer closed the connection")
                             : px_err_set(PX_EHANDSHAKE,
                                          "the peer closed the connection during the handshake"))
                      : px_err_set(px_err_from_uv((int)nread), "read: %s", uv_strerror((int)nread));
        if (c->state == ST_HANDSHAKE)
            px_debug("conn", "%s: closed during handshake", c->addr);
        abort_conn(c, why);
        return;
    }
    c->bytes_in += (uint64_t)nread;
    const uint8_t *p = (const uint8_t *)buf->base;
    size_t len = (size_t)nread;
    if (c->state == ST_HANDSHAKE) {
        size_t used = 0;
        rc = handshake_feed(c, p, len, &used);
        p += used;
        len -= used;
        if (rc) {
            px_debug("conn", "%s: handshake failed: %s", c->addr, px_err_message(rc));
            abort_conn(c, rc);
            return;
        }
    }
    if (c->state == ST_READY && len > 0) {
        rc = stream_feed(c, p, len);
        if (rc) {
            px_debug("conn", "%s: stream error: %s", c->addr, px_err_message(rc));
            abort_conn(c, rc);
        }
    }
}

/* --- creation -------------------------------------------------------------- */

static px_conn *conn_new(const px_conn_cfg *cfg, bool outbound)
{
    px_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->outbound = outbound;
    c->cbs = cfg->cbs;
    c->owner = cfg->owner;
    c->since_ms = px_now_ms();
    snprintf(c->addr, sizeof c->addr, "?");
    uv_tcp_init(cfg->loop, &c->tcp);
    uv_timer_init(cfg->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->open_handles = 2;
    return c;
}

static int start_handshake(px_conn *c, const px_conn_cfg *cfg, const uint8_t *server_pk)
{
    uint8_t eph[32];
    if (cfg->random)
        cfg->random(eph, 32);
    else
        px_random_bytes(eph, 32);
    int rc = server_pk
                 ? px_shs_client_init(&c->shs, cfg->network_key, cfg->pk, cfg->sk, server_pk, eph)
                 : px_shs_server_init(&c->shs, cfg->network_key, cfg->pk, cfg->sk, eph);
    px_memzero(eph, sizeof eph);
    if (rc)
        return rc;
    c->state = ST_HANDSHAKE;
    int uvrc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (uvrc)
        return px_err_from_uv(uvrc);
    return handshake_advance(c);
}

static void name_peer(px_conn *c)
{
    struct sockaddr_storage ss;
    int n = sizeof ss;
    char host[48] = "?";
    unsigned port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &n) != 0)
        return;
    if (ss.ss_family == AF_INET) {
        uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    snprintf(c->addr, sizeof c->addr, "%s:%u", host, port);
}

/* What the handshake needs once the connection is up: the keys are copied
 * here (conn.h's contract), since the caller's may be gone by then. */
typedef struct dial_ctx {
    px_conn_cfg cfg;
    uint8_t server_pk[32];
    uint8_t network_key[32];
    uint8_t pk[32];
    uint8_t sk[64];
} dial_ctx;

static void dial_ctx_free(dial_ctx *d)
{
    if (d)
        px_memzero(d, sizeof *d);
    free(d);
}

static void on_connected(uv_connect_t *req, int status)
{
    px_conn *c = req->data;
    dial_ctx *d = c->dial;
    c->dial = NULL;
    if (c->state == ST_CLOSING) {
        dial_ctx_free(d);
        return;
    }
    int rc =
        status < 0 ? px_err_set(px_err_from_uv(status), "connect: %s", uv_strerror(status)) : PX_OK;
    if (!rc) {
        /* Small messages (chunk requests, haves) must not wait for Nagle
         * behind an unacknowledged write: both ends, as on accept. */
        uv_tcp_nodelay(&c->tcp, 1);
        name_peer(c);
        rc = start_handshake(c, &d->cfg, d->server_pk);
    }
    dial_ctx_free(d);
    if (rc)
        abort_conn(c, rc);
}

int px_conn_dial(const px_conn_cfg *cfg, const struct sockaddr *addr, const uint8_t server_pk[32],
                 px_conn **out)
{
    px_conn *c = conn_new(cfg, true);
    dial_ctx *d = malloc(sizeof *d);
    if (!c || !d) {
        free(d);
        if (c) {
            c->closed_notified = true; /* contract: no callback on error */
            close_handles(c);
        }
        return PX_ENOMEM;
    }
    d->cfg = *cfg;
    memcpy(d->server_pk, server_pk, 32);
    memcpy(d->network_key, cfg->network_key, 32);
    memcpy(d->pk, cfg->pk, 32);
    memcpy(d->sk, cfg->sk, 64);
    d->cfg.network_key = d->network_key;
    d->cfg.pk = d->pk;
    d->cfg.sk = d->sk;
    c->dial = d;
    c->connect_req.data = c;
    if (addr->sa_family == AF_INET) {
        char host[48];
        uv_ip4_name((const struct sockaddr_in *)addr, host, sizeof host);
        snprintf(c->addr, sizeof c->addr, "%s:%u", host,
                 (unsigned)ntohs(((const struct sockaddr_in *)addr)->sin_port));
    }
    c->state = ST_CONNECTING;
    int uvrc = uv_tcp_connect(&c->connect_req, &c->tcp, addr, on_connected);
    if (uvrc) {
        dial_ctx_free(d);
        c->dial = NULL;
        c->cbs.on_close = NULL; /* contract: no callback on error */
        c->closed_notified = true;
        close_handles(c);
        return px_err_from_uv(uvrc);
    }
    uv_timer_start(&c->timer, on_timeout, cfg->handshake_timeout_ms, 0);
    *out = c;
    return PX_OK;
}

int px_conn_accept(const px_conn_cfg *cfg, uv_stream_t *server, px_conn **out)
{
    px_conn *c = conn_new(cfg, false);
    if (!c)
        return PX_ENOMEM;
    int uvrc = uv_accept(server, (uv_stream_t *)&c->tcp);
    int rc = uvrc ? px_err_from_uv(uvrc) : PX_OK;
    if (!rc) {
        uv_tcp_nodelay(&c->tcp, 1);
        name_peer(c);
        uv_timer_start(&c->timer, on_timeout, cfg->handshake_timeout_ms, 0);
        rc = start_handshake(c, cfg, NULL);
    }
    if (rc) {
        c->closed_notified = true; /* contract: no callback on error */
        close_handles(c);
        return rc;
    }
    *out = c;
    return PX_OK;
}

void px_conn_pause(px_conn *c)
{
    if (c->paused || c->state != ST_READY)
        return;
    c->paused = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
}

void px_conn_resume(px_conn *c)
{
    if (!c->paused || c->state != ST_READY)
        return;
    c->paused = false;
    int uvrc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (uvrc)
        abort_conn(c, px_err_from_uv(uvrc));
}

/* --- accessors ------------------------------------------------------------- */

void *px_conn_owner(const px_conn *c)
{
    return c->owner;
}
void px_conn_set_data(px_conn *c, void *data)
{
    c->data = data;
}
void *px_conn_data(const px_conn *c)
{
    return c->data;
}
const uint8_t *px_conn_peer_pk(const px_conn *c)
{
    return c->ready_once ? c->peer_pk : NULL;
}
bool px_conn_is_outbound(const px_conn *c)
{
    return c->outbound;
}
bool px_conn_is_ready(const px_conn *c)
{
    return c->state == ST_READY;
}
const char *px_conn_why(const px_conn *c)
{
    return c->why;
}

const char *px_conn_addr(const px_conn *c)
{
    return c->addr;
}
uint64_t px_conn_since_ms(const px_conn *c)
{
    return c->since_ms;
}
uint64_t px_conn_bytes_in(const px_conn *c)
{
    return c->bytes_in;
}
uint64_t px_conn_bytes_out(const px_conn *c)
{
    return c->bytes_out;
}
