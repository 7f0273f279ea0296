/* SPDX-License-Identifier: Apache-2.0 */
/*
 * px_peer.c — a test peer for praxisd: plain blocking-style POSIX sockets
 * (non-blocking fds behind poll() with a deadline, so every wait is bounded)
 * driving the pure modules of praxis_core (shs.c, boxstream.c, wire.c), not
 * libuv. It behaves well or badly on purpose, for the integration tests
 * (tests/integration/daemon.sh, hostile.sh) and the figures (bench/daemon.sh).
 *
 *   px_peer MODE --to [KEY@]HOST:PORT [--data DIR] [options]
 *
 * KEY is the server's public key; without it the network root's key (from
 * DIR's genesis) is assumed, as praxisd does. DIR gives our identity and the
 * network key. Modes (each prints one result line, or figure lines for the
 * bench modes, and exits 0 on the expected outcome, 1 otherwise, 2 on a
 * usage error):
 *
 *   hello        handshake, exchange hellos, goodbye; prints the time taken
 *   garbage      --count N connections that each send 1..256 random bytes,
 *                half-close, and must be closed by the server
 *   halfopen     open --count N connections that send nothing (--partial:
 *                half a msg1 of random bytes), hold them --hold MS, report
 *                how many the server closed
 *   stall        send msg1 only; the server must close within --timeout;
 *                prints how long it took
 *   bigheader    after the hellos, a box-stream header claiming 5000 bytes
 *   bigmsg       after the hellos, a length prefix declaring 2 MiB
 *   badmsgpack   after the hellos, a message that is not msgpack
 *   nohello      after the handshake, a message before any hello
 *   badrun       a hostile author: --count entries (300) of its feed, the
 *                middle one (150) with a garbage signature, links consistent
 *                and the rest validly signed; the server must close
 *   silent       handshake, then no hello: the server must close in time
 *   strip        relay a feed export (--file F) with every body stripped,
 *                then stay --hold MS
 *   announce     --count address announcements of 8 addresses each, one
 *                every --hold MS
 *   liar         claim seq 1000000 of its own feed, send nothing, stay
 *                --hold MS
 *                (these four: the server must close the connection)
 *   relay        after the hellos, send the entries of --file (a feed
 *                export, whoever signed them) as this member would relay
 *                them, then stay --hold ms; exit 0 if the connection stays
 *   blobserve    serve the file --file as a blob (schema/BLOBS.md) to
 *                the server's blob_want / blob_get, one chunk every --hold
 *                MS (a slow honest peer); ends when the server closes or
 *                has asked nothing for --timeout MS; prints chunks sent
 *   badchunk     the same, but every chunk it sends has one byte flipped:
 *                the server must close the connection (its hash fails)
 *   bench-handshakes  --count N sequential connect + handshake + close
 *   bench-throughput  after the hellos, stream --mb M MiB as ~64 KiB
 *                messages ({"type":"x-bench","data":bin}), then a goodbye,
 *                and wait for the server's goodbye; plus in-process
 *                box-stream figures on 4 KiB frames (no sockets)
 *
 * --timeout MS (default 5000) bounds each wait; bench-throughput waits at
 * least 120 s for the whole stream.
 *
 * Layout: options and context; deadlines and socket I/O; one client
 * connection (handshake, send, receive); the modes; main.
 */
#include "addr.h"
#include "archive.h"
#include "blob.h"
#include "msg.h"
#include "boxstream.h"
#include "crypto.h"
#include "datadir.h"
#include "error.h"
#include "mpcheck.h"
#include "genesis.h"
#include "identity.h"
#include "shs.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <getopt.h>
#include <msgpack.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RBUF = 64 * 1024, BENCH_MSG = 64 * 1024 };

typedef struct ctx {
    const char *mode;
    const char *data;
    const char *to;
    uint64_t count;
    uint64_t hold_ms;
    uint64_t mb;
    uint64_t timeout_ms;
    bool partial;
    const char *file;
    bool have_data; /* identity and genesis loaded */
    px_identity me;
    px_genesis g;
    uint8_t server_pk[32];
    bool have_server_pk;
    struct sockaddr_storage sa;
    socklen_t salen;
} ctx;

/* --- deadlines and socket I/O -------------------------------------------- */

static uint64_t now_ms(void)
{
    return px_mono_ns() / 1000000u;
}

static double now_s(void)
{
    return (double)px_mono_ns() / 1e9;
}

/* Milliseconds left until deadline, for poll(); 0 once it has passed. */
static int left_ms(uint64_t deadline)
{
    uint64_t now = now_ms();
    if (now >= deadline)
        return 0;
    return deadline - now > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int)(deadline - now);
}

/* Wait until fd is ready for events or the deadline passes. PX_OK or
 * PX_ETIMEDOUT. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, left_ms(deadline));
        if (r > 0)
            return PX_OK;
        if (r == 0)
            return px_err_set(PX_ETIMEDOUT, "no answer within the deadline");
        if (errno != EINTR)
            return px_err_set(px_err_from_errno(errno), "poll: %s", strerror(errno));
    }
}

/* Connect to the target with a deadline. OUT *out: a non-blocking fd. */
static int sock_dial(const ctx *x, uint64_t deadline, int *out)
{
    int fd = socket(x->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = PX_OK;
    *out = -1;
    if (fd < 0)
        return px_err_set(px_err_from_errno(errno), "socket: %s", strerror(errno));
    if (connect(fd, (const struct sockaddr *)&x->sa, x->salen) != 0) {
        if (errno != EINPROGRESS) {
            rc = px_err_set(PX_ENET, "connect to %s: %s", x->to, strerror(errno));
            goto out;
        }
        rc = wait_fd(fd, POLLOUT, deadline);
        if (rc) {
            rc = px_err_set(rc, "connect to %s: timed out", x->to);
            goto out;
        }
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            rc = px_err_set(PX_ENET, "connect to %s: %s", x->to, strerror(err));
            goto out;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
out:
    if (rc)
        close(fd);
    else
        *out = fd;
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t deadline)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(fd, POLLOUT, deadline);
            if (rc)
                return px_err_set(rc, "the server stopped reading (send timed out)");
            continue;
        }
        return px_err_set(PX_ECLOSED, "send: %s", strerror(errno));
    }
    return PX_OK;
}

/* Read up to n bytes (at least 1). OUT *got. PX_OK, PX_ECLOSED (end of
 * stream or reset: the server closed), PX_ETIMEDOUT or another error. */
static int read_some(int fd, uint8_t *p, size_t n, uint64_t deadline, size_t *got)
{
    *got = 0;
    for (;;) {
        ssize_t r = recv(fd, p, n, 0);
        if (r > 0) {
            *got = (size_t)r;
            return PX_OK;
        }
        if (r == 0)
            return px_err_set(PX_ECLOSED, "the server closed the connection");
        if (errno == EINTR)
            continue;
        if (errno == ECONNRESET || errno == EPIPE)
            return px_err_set(PX_ECLOSED, "the server reset the connection");
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return px_err_set(px_err_from_errno(errno), "recv: %s", strerror(errno));
        int rc = wait_fd(fd, POLLIN, deadline);
        if (rc)
            return rc;
    }
}

static int read_full(int fd, uint8_t *p, size_t n, uint64_t deadline)
{
    while (n > 0) {
        size_t got = 0;
        int rc = read_some(fd, p, n, deadline, &got);
        if (rc)
            return rc;
        p += got;
        n -= got;
    }
    return PX_OK;
}

/* Read and discard until the server closes. PX_OK once it has, or
 * PX_ETIMEDOUT. */
static int drain_until_closed(int fd, uint64_t deadline)
{
    uint8_t junk[4096];
    for (;;) {
        size_t got = 0;
        int rc = read_some(fd, junk, sizeof junk, deadline, &got);
        if (rc == PX_ECLOSED)
            return PX_OK;
        if (rc)
            return rc;
    }
}

/* --- one client connection --------------------------------------------------- */

typedef struct pconn {
    int fd;
    px_box_enc enc;
    px_box_dec dec;
    px_wire_reader wire;
    bool goodbye;         /* the server's goodbye arrived */
    const uint8_t *plain; /* decrypted bytes not yet given to the wire reader */
    size_t plain_len;
    size_t rpos, rlen; /* unread part of rbuf */
    uint8_t rbuf[RBUF];
} pconn;

static pconn *pconn_new(void)
{
    pconn *pc = calloc(1, sizeof *pc);
    if (pc)
        pc->fd = -1;
    return pc;
}

static void pconn_free(pconn *pc)
{
    if (!pc)
        return;
    if (pc->fd >= 0)
        close(pc->fd);
    px_box_enc_clear(&pc->enc);
    px_box_dec_clear(&pc->dec);
    px_wire_reader_free(&pc->wire);
    free(pc);
}

/* Client side of the Secret Handshake over pc->fd (connected). */
static int handshake(const ctx *x, pconn *pc, uint64_t deadline)
{
    px_shs s;
    px_shs_keys keys;
    uint8_t eph[32], msg[PX_SHS_MSG_MAX];
    size_t len = 0;
    px_random_bytes(eph, sizeof eph);
    int rc = px_shs_client_init(&s, x->g.network_key, x->me.pk, x->me.sk, x->server_pk, eph);
    px_memzero(eph, sizeof eph);
    while (!rc) {
        px_shs_step step = px_shs_next(&s, &len);
        if (step == PX_SHS_WRITE) {
            rc = px_shs_produce(&s, msg, len);
            if (!rc)
                rc = write_all(pc->fd, msg, len, deadline);
        } else if (step == PX_SHS_READ) {
            rc = read_full(pc->fd, msg, len, deadline);
            if (rc == PX_ECLOSED)
                rc = px_err_set(PX_EHANDSHAKE, "the server hung up during the handshake "
                                               "(wrong network key, or refused)");
            if (!rc)
                rc = px_shs_consume(&s, msg, len);
        } else if (step == PX_SHS_DONE) {
            break;
        } else {
            rc = px_err_set(PX_EHANDSHAKE, "handshake failed");
        }
    }
    if (!rc)
        rc = px_shs_session(&s, &keys);
    if (!rc) {
        px_box_enc_init(&pc->enc, keys.enc_key, keys.enc_nonce);
        px_box_dec_init(&pc->dec, keys.dec_key, keys.dec_nonce);
        px_wire_reader_init(&pc->wire, PX_WIRE_MAX);
    }
    px_memzero(&keys, sizeof keys);
    px_shs_clear(&s);
    return rc;
}

/* Box len plaintext bytes (any framing already applied) and send them. */
static int send_boxed(pconn *pc, const void *plain, size_t len, uint64_t deadline)
{
    px_buf boxed = {0};
    int rc = px_box_enc_write(&pc->enc, plain, len, &boxed);
    if (!rc)
        rc = write_all(pc->fd, boxed.data, boxed.len, deadline);
    px_buf_free(&boxed);
    return rc;
}

/* Send one message (len32 + msgpack bytes) through the box-stream. */
static int send_msg(pconn *pc, const void *msg, size_t len, uint64_t deadline)
{
    px_buf framed = {0};
    int rc = px_wire_frame(&framed, msg, len);
    if (!rc)
        rc = send_boxed(pc, framed.data, framed.len, deadline);
    px_buf_free(&framed);
    return rc;
}

static int send_goodbye(pconn *pc, uint64_t deadline)
{
    px_buf bye = {0};
    int rc = px_box_enc_goodbye(&pc->enc, &bye);
    if (!rc)
        rc = write_all(pc->fd, bye.data, bye.len, deadline);
    px_buf_free(&bye);
    return rc;
}

/* Receive the next message. OUT: *msg / *len, valid until the next call.
 * PX_ECLOSED when the server said goodbye (pc->goodbye) or closed. */
static int recv_msg(pconn *pc, uint64_t deadline, const uint8_t **msg, size_t *len)
{
    for (;;) {
        size_t used = 0;
        if (pc->plain_len > 0) {
            int rc = px_wire_reader_feed(&pc->wire, pc->plain, pc->plain_len, &used, msg, len);
            pc->plain += used;
            pc->plain_len -= used;
            if (rc != PX_EAGAIN)
                return rc;
            continue;
        }
        if (pc->rpos < pc->rlen) {
            int rc = px_box_dec_feed(&pc->dec, pc->rbuf + pc->rpos, pc->rlen - pc->rpos, &used,
                                     &pc->plain, &pc->plain_len);
            pc->rpos += used;
            if (rc == PX_ECLOSED) {
                pc->goodbye = true;
                return px_err_set(PX_ECLOSED, "the server said goodbye");
            }
            if (rc != PX_OK && rc != PX_EAGAIN)
                return rc;
            continue;
        }
        size_t got = 0;
        int rc = read_some(pc->fd, pc->rbuf, sizeof pc->rbuf, deadline, &got);
        if (rc)
            return rc;
        pc->rpos = 0;
        pc->rlen = got;
    }
}

/* Wait for the server to end the connection (goodbye or close), ignoring
 * whatever messages come first. */
static int wait_closed(pconn *pc, uint64_t deadline)
{
    for (;;) {
        const uint8_t *msg;
        size_t len;
        int rc = recv_msg(pc, deadline, &msg, &len);
        if (rc == PX_ECLOSED)
            return PX_OK;
        if (rc == PX_ETIMEDOUT)
            return px_err_set(rc, "the server kept the connection open");
        if (rc)
            return rc;
    }
}

static int send_hello(const ctx *x, pconn *pc, uint64_t deadline)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    px_mp_pack_str(&pk, "type");
    px_mp_pack_str(&pk, "hello");
    px_mp_pack_str(&pk, "version");
    msgpack_pack_uint32(&pk, 1);
    px_mp_pack_str(&pk, "software");
    px_mp_pack_str(&pk, "px_peer");
    px_mp_pack_str(&pk, "network_id");
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, x->g.network_id, 32);
    int rc = send_msg(pc, sb.data, sb.size, deadline);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* Receive the server's hello and check it names our network. OUT: the
 * server's software string (truncated) into sw. */
static int recv_hello(const ctx *x, pconn *pc, uint64_t deadline, char *sw, size_t swlen)
{
    const uint8_t *msg;
    size_t len;
    msgpack_unpacked u;
    int rc = recv_msg(pc, deadline, &msg, &len);
    if (rc)
        return px_err_set(rc, "no hello from the server: %s", px_err_message(rc));
    msgpack_unpacked_init(&u);
    rc = px_wire_unpack(msg, len, &u);
    if (!rc) {
        const msgpack_object *type = px_mp_get(&u.data, "type");
        const msgpack_object *net = px_mp_get(&u.data, "network_id");
        const msgpack_object *s = px_mp_get(&u.data, "software");
        if (!type || type->type != MSGPACK_OBJECT_STR || type->via.str.size != 5 ||
            memcmp(type->via.str.ptr, "hello", 5) != 0)
            rc = px_err_set(PX_EPROTO, "the server's first message is not a hello");
        else if (!net || net->type != MSGPACK_OBJECT_BIN || net->via.bin.size != 32 ||
                 memcmp(net->via.bin.ptr, x->g.network_id, 32) != 0)
            rc = px_err_set(PX_ENETWORK, "the server's hello names another network");
        else if (s && s->type == MSGPACK_OBJECT_STR)
            snprintf(sw, swlen, "%.*s", (int)s->via.str.size, s->via.str.ptr);
        else
            snprintf(sw, swlen, "?");
    }
    msgpack_unpacked_destroy(&u);
    return rc;
}

/* Dial, handshake, exchange hellos (send_own_hello: whether we send ours).
 * OUT *out: the connection, freed by pconn_free(). */
static int open_session(const ctx *x, uint64_t deadline, bool send_own_hello, pconn **out, char *sw,
                        size_t swlen)
{
    pconn *pc = pconn_new();
    int rc = pc ? PX_OK : PX_ENOMEM;
    *out = NULL;
    if (!rc)
        rc = sock_dial(x, deadline, &pc->fd);
    if (!rc)
        rc = handshake(x, pc, deadline);
    if (!rc && send_own_hello)
        rc = send_hello(x, pc, deadline);
    if (!rc)
        rc = recv_hello(x, pc, deadline, sw, swlen);
    if (rc) {
        pconn_free(pc);
        return rc;
    }
    *out = pc;
    return PX_OK;
}

/* --- modes ----------------------------------------------------------------------- */

static int mode_hello(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    double t0 = now_s();
    uint64_t deadline = now_ms() + x->timeout_ms;
    int rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    double t1 = now_s();
    if (!rc)
        rc = send_goodbye(pc, deadline);
    if (!rc)
        rc = wait_closed(pc, deadline);
    pconn_free(pc);
    if (!rc)
        printf("hello ok: handshake and hellos in %.1f ms (server %s)\n", (t1 - t0) * 1e3, sw);
    return rc;
}

static int mode_garbage(const ctx *x)
{
    uint64_t bytes = 0;
    double t0 = now_s();
    for (uint64_t i = 0; i < x->count; i++) {
        uint8_t junk[256], n8;
        int fd = -1;
        uint64_t deadline = now_ms() + x->timeout_ms;
        px_random_bytes(&n8, 1);
        size_t n = (size_t)n8 + 1;
        px_random_bytes(junk, n);
        int rc = sock_dial(x, deadline, &fd);
        if (rc)
            return px_err_set(rc, "garbage connection %llu: %s", (unsigned long long)i + 1,
                              px_err_detail());
        /* The server may hang up as soon as it has seen 64 bad bytes; a send
         * that then fails is fine. */
        (void)write_all(fd, junk, n, deadline);
        shutdown(fd, SHUT_WR);
        rc = drain_until_closed(fd, deadline);
        close(fd);
        if (rc)
            return px_err_set(rc, "garbage connection %llu: the server did not close it",
                              (unsigned long long)i + 1);
        bytes += n;
    }
    printf("garbage ok: %llu connections sent %llu random bytes and were closed by the server "
           "in %.2f s\n",
           (unsigned long long)x->count, (unsigned long long)bytes, now_s() - t0);
    return PX_OK;
}

/* Whether the server has closed fd (reads 0 or a reset; data is drained). */
static bool closed_by_server(int fd)
{
    uint8_t junk[256];
    for (;;) {
        ssize_t r = recv(fd, junk, sizeof junk, 0);
        if (r > 0)
            continue;
        if (r == 0)
            return true;
        if (errno == EINTR)
            continue;
        return errno != EAGAIN && errno != EWOULDBLOCK;
    }
}

static int mode_halfopen(const ctx *x)
{
    int *fds = calloc(x->count, sizeof *fds);
    uint64_t opened = 0, closed = 0;
    int rc = fds ? PX_OK : PX_ENOMEM;
    for (uint64_t i = 0; !rc && i < x->count; i++) {
        rc = sock_dial(x, now_ms() + x->timeout_ms, &fds[i]);
        if (!rc && x->partial) {
            uint8_t half[PX_SHS_MSG1_BYTES / 2];
            px_random_bytes(half, sizeof half);
            (void)write_all(fds[i], half, sizeof half, now_ms() + x->timeout_ms);
        }
        if (!rc)
            opened++;
    }
    if (!rc) {
        uint64_t open_now = 0;
        for (uint64_t i = 0; i < opened; i++)
            open_now += !closed_by_server(fds[i]);
        /* The tests wait for this line before they act during the hold. */
        printf("halfopen: %llu opened, %llu still open; holding %llu ms\n",
               (unsigned long long)opened, (unsigned long long)open_now,
               (unsigned long long)x->hold_ms);
        fflush(stdout);
        uint64_t end = now_ms() + x->hold_ms;
        while (left_ms(end) > 0)
            poll(NULL, 0, left_ms(end));
        for (uint64_t i = 0; i < opened; i++)
            closed += closed_by_server(fds[i]);
        printf("halfopen ok: %llu connections held %llu ms; the server closed %llu, %llu still "
               "open\n",
               (unsigned long long)opened, (unsigned long long)x->hold_ms,
               (unsigned long long)closed, (unsigned long long)(opened - closed));
    }
    for (uint64_t i = 0; fds && i < opened; i++)
        close(fds[i]);
    free(fds);
    return rc;
}

static int mode_stall(const ctx *x)
{
    px_shs s;
    uint8_t eph[32], msg1[PX_SHS_MSG1_BYTES];
    int fd = -1;
    uint64_t deadline = now_ms() + x->timeout_ms;
    px_random_bytes(eph, sizeof eph);
    int rc = px_shs_client_init(&s, x->g.network_key, x->me.pk, x->me.sk, x->server_pk, eph);
    px_memzero(eph, sizeof eph);
    if (!rc)
        rc = px_shs_produce(&s, msg1, sizeof msg1);
    px_shs_clear(&s);
    if (!rc)
        rc = sock_dial(x, deadline, &fd);
    double t0 = now_s();
    if (!rc)
        rc = write_all(fd, msg1, sizeof msg1, deadline);
    if (!rc) {
        rc = drain_until_closed(fd, deadline);
        if (rc == PX_ETIMEDOUT)
            rc = px_err_set(rc, "the server did not cut off a stalled handshake within %llu ms",
                            (unsigned long long)x->timeout_ms);
    }
    double t1 = now_s();
    if (fd >= 0)
        close(fd);
    if (!rc)
        printf("stall ok: the server closed a stalled handshake after %.0f ms\n", (t1 - t0) * 1e3);
    return rc;
}

/* Forge a box-stream header announcing len body bytes, sealed with the
 * encoder's current key and nonce. The encoder refuses to make one, so this
 * reaches into its (private) fields: a test tool's privilege. */
static int send_forged_header(pconn *pc, unsigned len, uint64_t deadline)
{
    uint8_t header[18], boxed[PX_BOX_HEADER_BYTES];
    header[0] = (uint8_t)(len >> 8);
    header[1] = (uint8_t)len;
    px_random_bytes(header + 2, 16);
    px_secretbox_easy(boxed, header, sizeof header, pc->enc.nonce, pc->enc.key);
    return write_all(pc->fd, boxed, sizeof boxed, deadline);
}

/* The four "the server must close" modes after a good start. */
static int mode_violation(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    const char *what = x->mode;
    uint64_t deadline = now_ms() + x->timeout_ms;
    bool nohello = strcmp(what, "nohello") == 0;
    int rc = open_session(x, deadline, !nohello, &pc, sw, sizeof sw);
    if (rc)
        return rc;
    double t0 = now_s();
    if (strcmp(what, "bigheader") == 0) {
        rc = send_forged_header(pc, 5000, deadline);
    } else if (strcmp(what, "bigmsg") == 0) {
        uint8_t prefix[4] = {0x00, 0x20, 0x00, 0x00}; /* 2 MiB */
        rc = send_boxed(pc, prefix, sizeof prefix, deadline);
    } else if (strcmp(what, "badmsgpack") == 0) {
        const uint8_t bad[] = {0xc1, 0x00}; /* 0xc1 is never used in msgpack */
        rc = send_msg(pc, bad, sizeof bad, deadline);
    } else {
        const uint8_t early[] = {0x81, 0xa4, 't', 'y', 'p', 'e', 0xa7,
                                 'x',  '-',  'b', 'e', 'n', 'c', 'h'};
        rc = send_msg(pc, early, sizeof early, deadline);
    }
    if (!rc)
        rc = wait_closed(pc, deadline);
    double t1 = now_s();
    bool goodbye = pc->goodbye;
    pconn_free(pc);
    if (!rc)
        printf("%s ok: the server closed the connection after %.1f ms (%s)\n", what,
               (t1 - t0) * 1e3, goodbye ? "with a goodbye" : "without a goodbye");
    return rc;
}

static int mode_bench_handshakes(const ctx *x)
{
    double t0 = now_s(), shs_s = 0;
    for (uint64_t i = 0; i < x->count; i++) {
        pconn *pc = pconn_new();
        uint64_t deadline = now_ms() + x->timeout_ms;
        int rc = pc ? PX_OK : PX_ENOMEM;
        if (!rc)
            rc = sock_dial(x, deadline, &pc->fd);
        double h0 = now_s();
        if (!rc)
            rc = handshake(x, pc, deadline);
        shs_s += now_s() - h0;
        pconn_free(pc);
        if (rc)
            return px_err_set(rc, "handshake %llu of %llu: %s", (unsigned long long)i + 1,
                              (unsigned long long)x->count, px_err_message(rc));
    }
    double secs = now_s() - t0;
    printf("bench-handshakes ok: %llu sequential connect+handshake+close in %.2f s: %.0f "
           "handshakes/s (%.2f ms per handshake)\n",
           (unsigned long long)x->count, secs, (double)x->count / secs,
           shs_s * 1e3 / (double)x->count);
    printf("figure\thandshakes_per_s\t%.0f\thandshakes/s\n", (double)x->count / secs);
    printf("figure\thandshake_latency\t%.2f\tms\n", shs_s * 1e3 / (double)x->count);
    return PX_OK;
}

/* In-process box-stream on 4 KiB frames: encode only, and encode + decode.
 * OUT: MB/s (10^6 bytes of plaintext per second) for each. */
static int box_inprocess(uint64_t total, double *enc_mbs, double *both_mbs)
{
    uint8_t key[32], nonce[24], chunk[PX_BOX_BODY_MAX];
    px_box_enc e;
    px_box_dec *d = malloc(sizeof *d);
    px_buf out = {0};
    int rc = d ? PX_OK : PX_ENOMEM;
    uint64_t frames = total / sizeof chunk;
    px_random_bytes(key, sizeof key);
    px_random_bytes(nonce, sizeof nonce);
    px_random_bytes(chunk, sizeof chunk);
    px_box_enc_init(&e, key, nonce);
    double t0 = now_s();
    for (uint64_t i = 0; !rc && i < frames; i++) {
        px_buf_reset(&out);
        rc = px_box_enc_write(&e, chunk, sizeof chunk, &out);
    }
    double t1 = now_s();
    if (!rc) {
        px_box_enc_init(&e, key, nonce);
        px_box_dec_init(d, key, nonce);
    }
    double t2 = now_s();
    for (uint64_t i = 0; !rc && i < frames; i++) {
        const uint8_t *plain = NULL;
        size_t used = 0, plain_len = 0;
        px_buf_reset(&out);
        rc = px_box_enc_write(&e, chunk, sizeof chunk, &out);
        if (!rc)
            rc = px_box_dec_feed(d, out.data, out.len, &used, &plain, &plain_len);
        if (!rc && (used != out.len || plain_len != sizeof chunk))
            rc = px_err_set(PX_EPROTO, "in-process box-stream round trip lost bytes");
    }
    double t3 = now_s();
    *enc_mbs = (double)(frames * sizeof chunk) / 1e6 / (t1 - t0);
    *both_mbs = (double)(frames * sizeof chunk) / 1e6 / (t3 - t2);
    px_box_enc_clear(&e);
    px_box_dec_clear(d);
    free(d);
    px_buf_free(&out);
    px_memzero(key, sizeof key);
    return rc;
}

static int mode_bench_throughput(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    px_buf framed = {0}, boxed = {0};
    uint64_t total = x->mb * 1024 * 1024, sent = 0;
    uint64_t wait_ms = x->timeout_ms > 120000 ? x->timeout_ms : 120000;
    /* A map of two keys whose framed size is exactly 64 KiB: length prefix,
     * fixmap, "type", "x-bench", "data", bin16 header, data. */
    size_t data_len = BENCH_MSG - PX_WIRE_LEN_BYTES - 1 - 5 - 8 - 5 - 3;
    uint8_t *data = malloc(data_len);
    int rc = data ? PX_OK : PX_ENOMEM;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (!rc) {
        px_random_bytes(data, data_len);
        msgpack_pack_map(&pk, 2);
        px_mp_pack_str(&pk, "type");
        px_mp_pack_str(&pk, "x-bench");
        px_mp_pack_str(&pk, "data");
        msgpack_pack_bin(&pk, data_len);
        msgpack_pack_bin_body(&pk, data, data_len);
        rc = px_wire_frame(&framed, sb.data, sb.size);
        if (!rc && framed.len != BENCH_MSG)
            rc = px_err_set(PX_EINVAL, "bench message is %zu bytes, not %d", framed.len, BENCH_MSG);
    }
    if (!rc)
        rc = open_session(x, now_ms() + x->timeout_ms, true, &pc, sw, sizeof sw);
    double t0 = now_s();
    uint64_t deadline = now_ms() + wait_ms;
    while (!rc && sent < total) {
        px_buf_reset(&boxed);
        rc = px_box_enc_write(&pc->enc, framed.data, framed.len, &boxed);
        if (!rc)
            rc = write_all(pc->fd, boxed.data, boxed.len, deadline);
        sent += framed.len;
    }
    if (!rc)
        rc = send_goodbye(pc, deadline);
    if (!rc) {
        /* The server reads in order: its goodbye means it has read it all. */
        rc = wait_closed(pc, deadline);
        if (!rc && !pc->goodbye)
            rc = px_err_set(PX_EPROTO, "the server closed without a goodbye");
    }
    double t1 = now_s();
    double enc_mbs = 0, both_mbs = 0;
    if (!rc)
        rc = box_inprocess(total, &enc_mbs, &both_mbs);
    if (!rc) {
        double mbs = (double)sent / 1e6 / (t1 - t0);
        printf("bench-throughput ok: %llu MiB as %llu messages of 64 KiB to %s in %.2f s: "
               "%.0f MB/s over loopback; in process, 4 KiB frames: %.0f MB/s encode, %.0f MB/s "
               "encode+decode\n",
               (unsigned long long)x->mb, (unsigned long long)(sent / framed.len), sw, t1 - t0, mbs,
               enc_mbs, both_mbs);
        printf("figure\tboxstream_loopback\t%.0f\tMB/s\n", mbs);
        printf("figure\tboxstream_inprocess_encode\t%.0f\tMB/s\n", enc_mbs);
        printf("figure\tboxstream_inprocess_roundtrip\t%.0f\tMB/s\n", both_mbs);
    }
    pconn_free(pc);
    px_buf_free(&framed);
    px_buf_free(&boxed);
    msgpack_sbuffer_destroy(&sb);
    free(data);
    return rc;
}

/* Send {"type": "clock", "feeds": []} and then one `entries` message with
 * the given entries (signed by this peer's key). */
static int send_entries(pconn *pc, const px_entry *e, size_t n, bool with_clock, uint64_t deadline)
{
    static const uint8_t clock[] = {0x82, 0xa4, 't',  'y', 'p', 'e', 0xa5, 'c', 'l', 'o',
                                    'c',  'k',  0xa5, 'f', 'e', 'e', 'd',  's', 0x90};
    static const uint8_t head[] = {0x82, 0xa4, 't', 'y',  'p', 'e', 0xa7, 'e', 'n', 't', 'r',
                                   'i',  'e',  's', 0xa7, 'e', 'n', 't',  'r', 'i', 'e', 's'};
    px_buf msg = {0};
    uint8_t count[3] = {(uint8_t)(0x90 | n)}; /* fixarray up to 15, else array 16 */
    size_t clen = 1;
    if (n > 15) {
        count[0] = 0xdc;
        count[1] = (uint8_t)(n >> 8);
        count[2] = (uint8_t)n;
        clen = 3;
    }
    int rc = px_buf_append(&msg, head, sizeof head);
    if (!rc)
        rc = px_buf_append(&msg, count, clen);
    for (size_t i = 0; !rc && i < n; i++)
        rc = px_archive_put(&msg, &e[i]);
    if (!rc && with_clock)
        rc = send_msg(pc, clock, sizeof clock, deadline);
    if (!rc)
        rc = send_msg(pc, msg.data, msg.len, deadline);
    px_buf_free(&msg);
    return rc;
}

static int make_entry(const ctx *x, px_entry *e, const uint8_t network_id[32], uint64_t seq,
                      const uint8_t *prev, const char *title)
{
    uint8_t body[64];
    size_t n = strlen(title) < 40 ? strlen(title) : 40;
    /* {"title": {"en": TITLE}} */
    size_t k = 0;
    const uint8_t pre[] = {0x81, 0xa5, 't', 'i', 't', 'l', 'e', 0x81, 0xa2, 'e', 'n'};
    memcpy(body, pre, sizeof pre);
    k = sizeof pre;
    body[k++] = (uint8_t)(0xa0 | n);
    memcpy(body + k, title, n);
    k += n;
    px_header h = {.seq = seq, .has_prev = prev != NULL, .timestamp_ms = 1000 + seq};
    memcpy(h.network_id, network_id, 32);
    memcpy(h.author, x->me.pk, 32);
    if (prev)
        memcpy(h.prev, prev, 32);
    memcpy(h.kind, "case", 5);
    /* the body must outlive e: keep it in a static ring */
    static uint8_t keep[4][64];
    static int slot;
    uint8_t *b = keep[slot++ % 4];
    memcpy(b, body, k);
    return px_entry_sign(e, &h, b, k, x->me.sk);
}

/* Entry-level misbehaviour after a good hello. forge: a changed signature
 * byte; chain: seq 2 whose prev is not seq 1's id; othernet: an entry
 * signed for another network. Each must get the connection dropped. fork:
 * two different entries for seq 1, in two messages: both kept as proof, the
 * connection stays. */
static int mode_entries(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms;
    int rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    if (rc)
        return rc;
    px_entry e[2];
    const char *what = x->mode;
    uint8_t other[32];
    memset(other, 0x5a, sizeof other);
    bool expect_close = strcmp(what, "fork") != 0;
    if (strcmp(what, "forge") == 0) {
        rc = make_entry(x, &e[0], x->g.network_id, 1, NULL, "forged");
        e[0].sig[17] ^= 0x40;
        if (!rc)
            rc = send_entries(pc, e, 1, true, deadline);
    } else if (strcmp(what, "chain") == 0) {
        uint8_t wrong[32];
        memset(wrong, 0x33, sizeof wrong);
        rc = make_entry(x, &e[0], x->g.network_id, 1, NULL, "first");
        if (!rc)
            rc = make_entry(x, &e[1], x->g.network_id, 2, wrong, "broken link");
        if (!rc)
            rc = send_entries(pc, e, 2, true, deadline);
    } else if (strcmp(what, "othernet") == 0) {
        rc = make_entry(x, &e[0], other, 1, NULL, "elsewhere");
        if (!rc)
            rc = send_entries(pc, e, 1, true, deadline);
    } else { /* fork */
        rc = make_entry(x, &e[0], x->g.network_id, 1, NULL, "one version");
        if (!rc)
            rc = make_entry(x, &e[1], x->g.network_id, 1, NULL, "another version");
        if (!rc)
            rc = send_entries(pc, &e[0], 1, true, deadline);
        if (!rc)
            rc = send_entries(pc, &e[1], 1, false, deadline);
    }
    double t0 = now_s();
    if (!rc && expect_close)
        rc = wait_closed(pc, deadline);
    if (!rc && !expect_close) {
        /* Stay a while: the node must not drop an author's own fork. */
        uint64_t stay = now_ms() + 1000;
        const uint8_t *m;
        size_t len;
        while (!rc && now_ms() < stay) {
            rc = recv_msg(pc, stay, &m, &len);
            if (rc == PX_ETIMEDOUT)
                rc = PX_OK;
        }
    }
    double t1 = now_s();
    pconn_free(pc);
    if (!rc)
        printf("%s ok: %s %.1f ms after the entries\n", what,
               expect_close ? "the server dropped the connection" : "the connection stayed open",
               (t1 - t0) * 1e3);
    return rc;
}

/* relay: a member forwards entries it holds (from an export file, up to
 * 15), signed by anyone. What the node does with them is for the test to
 * check; the connection must stay (relaying is not misbehaviour). */
static int mode_relay(const ctx *x)
{
    if (!x->file) {
        fprintf(stderr, "px_peer: relay needs --file FEED\n");
        return PX_EINVAL;
    }
    FILE *f = fopen(x->file, "rb");
    if (!f) {
        fprintf(stderr, "px_peer: cannot open %s\n", x->file);
        return PX_EIO;
    }
    px_archive_reader r = {.f = f};
    px_entry e[15];
    px_buf bodies[15] = {{0}};
    size_t n = 0;
    int rc = PX_OK;
    while (n < 15 && (rc = px_archive_next(&r, &e[n])) == PX_OK) {
        /* the body points into the reader's buffer: keep a copy */
        if (e[n].body && (rc = px_buf_append(&bodies[n], e[n].body, e[n].body_len)) != PX_OK)
            break;
        if (e[n].body)
            e[n].body = bodies[n].data;
        n++;
    }
    if (rc == PX_ENOENT)
        rc = PX_OK;
    px_archive_reader_free(&r);
    fclose(f);
    pconn *pc = NULL;
    char sw[64] = "";
    uint64_t deadline = now_ms() + x->timeout_ms + x->hold_ms;
    if (!rc)
        rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    if (!rc)
        rc = send_entries(pc, e, n, true, deadline);
    uint64_t stay = now_ms() + x->hold_ms;
    while (!rc && now_ms() < stay) {
        const uint8_t *m;
        size_t len;
        rc = recv_msg(pc, stay, &m, &len);
        if (rc == PX_ETIMEDOUT)
            rc = PX_OK;
    }
    pconn_free(pc);
    for (size_t i = 0; i < 15; i++)
        px_buf_free(&bodies[i]);
    if (!rc)
        printf("relay ok: sent %zu entries; the connection stayed open\n", n);
    return rc;
}

/* slow: after a good hello, send one byte per second of a message for
 * --hold ms. The node must keep serving others meanwhile (checked by the
 * test), whatever it does with this peer. */
static int mode_slow(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms + x->hold_ms;
    int rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    if (rc)
        return rc;
    static const uint8_t clock[] = {0x00, 0x00, 0x00, 0x13, 0x82, 0xa4, 't', 'y',
                                    'p',  'e',  0xa5, 'c',  'l',  'o',  'c', 'k',
                                    0xa5, 'f',  'e',  'e',  'd',  's',  0x90};
    uint64_t end = now_ms() + x->hold_ms;
    size_t sent = 0;
    while (!rc && now_ms() < end && sent < sizeof clock) {
        rc = send_boxed(pc, &clock[sent], 1, deadline);
        sent++;
        uint64_t next = now_ms() + 1000;
        while (now_ms() < next && now_ms() < end)
            usleep(50000);
    }
    pconn_free(pc);
    if (!rc)
        printf("slow ok: sent %zu bytes, one per second\n", sent);
    return rc;
}

/* flood: after a good hello, --count clock messages each naming 8192 made-up
 * feeds, as fast as the socket takes them. */
static int mode_flood(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms;
    int rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    if (rc)
        return rc;
    px_buf msg = {0};
    enum { FEEDS = 8192 };
    static const uint8_t head[] = {0x82, 0xa4, 't',  'y',  'p',        'e',         0xa4, 'h',
                                   'a',  'v',  'e',  0xa5, 'f',        'e',         'e',  'd',
                                   's',  0xdd, 0x00, 0x00, FEEDS >> 8, FEEDS & 0xff};
    double t0 = now_s();
    uint64_t i;
    for (i = 0; !rc && i < x->count; i++) {
        px_buf_reset(&msg);
        rc = px_buf_append(&msg, head, sizeof head);
        for (int f = 0; !rc && f < FEEDS; f++) {
            uint8_t item[1 + 2 + 32 + 1] = {0x92, 0xc4, 0x20};
            px_random_bytes(item + 3, 32);
            item[35] = 0x01;
            rc = px_buf_append(&msg, item, sizeof item);
        }
        if (!rc)
            rc = send_msg(pc, msg.data, msg.len, deadline);
    }
    double t1 = now_s();
    px_buf_free(&msg);
    pconn_free(pc);
    if (!rc)
        printf("flood ok: %llu messages of %d made-up feeds in %.2f s\n", (unsigned long long)i,
               FEEDS, t1 - t0);
    return rc;
}

/* An entry of this peer's feed with any kind and body (copied into keep,
 * which must outlive e). */
static int make_kind(const ctx *x, px_entry *e, uint64_t seq, const uint8_t *prev, uint64_t ts,
                     const char *kind, const uint8_t *body, size_t len)
{
    px_header h = {.seq = seq, .has_prev = prev != NULL, .timestamp_ms = ts};
    memcpy(h.network_id, x->g.network_id, 32);
    memcpy(h.author, x->me.pk, 32);
    if (prev)
        memcpy(h.prev, prev, 32);
    snprintf(h.kind, sizeof h.kind, "%s", kind);
    return px_entry_sign(e, &h, body, len, x->me.sk);
}

/* Stay connected for ms, reading (and dropping) what the node sends, so it
 * can finish with us. PX_OK also if the node closes. */
static int linger(pconn *pc, uint64_t ms)
{
    uint64_t until = now_ms() + ms;
    int rc = PX_OK;
    while (!rc && now_ms() < until) {
        const uint8_t *m;
        size_t len;
        rc = recv_msg(pc, until, &m, &len);
    }
    return rc == PX_ETIMEDOUT || rc == PX_ECLOSED ? PX_OK : rc;
}

/* badrun: a hostile author serves --count entries (default 300) of its own
 * feed whose middle entry (150 of 300) carries a garbage signature, with
 * every chain link consistent and the later entries validly signed, in
 * messages of 100 entries. The node must refuse from the bad entry on and
 * drop the connection. */
static int mode_badrun(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms;
    size_t n = x->count > 1 ? (size_t)x->count : 300, bad = n / 2;
    px_entry *e = calloc(n, sizeof *e);
    if (!e)
        return PX_ENOMEM;
    static const uint8_t body[] = {0x81, 0xa5, 't', 'i',  't', 'l', 'e', 0x81,
                                   0xa2, 'e',  'n', 0xa3, 'b', 'a', 'd'};
    int rc = PX_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        rc =
            make_kind(x, &e[i], i + 1, i ? e[i - 1].id : NULL, 1000 + i, "case", body, sizeof body);
        if (!rc && i + 1 == bad) {
            uint8_t junk[64];
            memset(junk, 0x5a, sizeof junk);
            rc = px_entry_decode(&e[i], e[i].header_bytes, e[i].header_len, junk, e[i].body,
                                 e[i].body_len);
        }
    }
    if (!rc)
        rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    for (size_t at = 0; !rc && at < n; at += 100) {
        size_t k = n - at < 100 ? n - at : 100;
        rc = send_entries(pc, e + at, k, at == 0, deadline);
        if (rc == PX_ECLOSED || rc == PX_ENET) /* dropped after the bad one: expected */
            break;
    }
    if (!rc || rc == PX_ECLOSED || rc == PX_ENET)
        rc = wait_closed(pc, deadline);
    pconn_free(pc);
    free(e);
    if (!rc)
        printf("badrun ok: %zu entries served, entry %zu with a garbage signature; the server "
               "dropped the connection\n",
               n, bad);
    return rc;
}

/* silent: complete the handshake, then say nothing (no hello); the server
 * must close the connection within --timeout. Prints how long it took. */
static int mode_silent(const ctx *x)
{
    pconn *pc = pconn_new();
    uint64_t deadline = now_ms() + x->timeout_ms;
    int rc = pc ? PX_OK : PX_ENOMEM;
    if (!rc)
        rc = sock_dial(x, deadline, &pc->fd);
    if (!rc)
        rc = handshake(x, pc, deadline);
    double t0 = now_s();
    for (;;) { /* the server's hello may come first; then its close */
        const uint8_t *m;
        size_t len;
        if (rc)
            break;
        rc = recv_msg(pc, deadline, &m, &len);
    }
    double t1 = now_s();
    pconn_free(pc);
    if (rc == PX_ECLOSED) {
        printf("silent ok: the server closed the connection %.0f ms after the handshake\n",
               (t1 - t0) * 1e3);
        return PX_OK;
    }
    return rc == PX_ETIMEDOUT ? px_err_set(PX_ETIMEDOUT, "the server kept a silent peer open") : rc;
}

/* strip: relay the entries of a feed export (--file F) with every body
 * stripped (nil), as a relay that drops bodies would, then stay --hold ms. */
static int mode_strip(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms + x->hold_ms;
    px_archive_reader r = {0};
    px_buf items = {0};
    size_t n = 0;
    int rc = PX_OK;
    r.f = fopen(x->file ? x->file : "", "rb");
    if (!r.f)
        return px_err_set(PX_ENOENT, "strip needs --file FEED-EXPORT");
    static const uint8_t head[] = {0x82, 0xa4, 't', 'y',  'p', 'e', 0xa7, 'e', 'n', 't', 'r',
                                   'i',  'e',  's', 0xa7, 'e', 'n', 't',  'r', 'i', 'e', 's'};
    for (;;) {
        px_entry e;
        int arc = px_archive_next(&r, &e);
        if (arc == PX_ENOENT)
            break;
        if (arc) {
            rc = arc;
            break;
        }
        e.body = NULL;
        e.body_len = 0;
        rc = px_archive_put(&items, &e);
        if (rc || ++n == 256)
            break;
    }
    fclose(r.f);
    px_archive_reader_free(&r);
    if (!rc && n == 0)
        rc = px_err_set(PX_ENOENT, "%s holds no entries", x->file);
    if (!rc)
        rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    static const uint8_t clock[] = {0x82, 0xa4, 't',  'y', 'p', 'e', 0xa5, 'c', 'l', 'o',
                                    'c',  'k',  0xa5, 'f', 'e', 'e', 'd',  's', 0x90};
    if (!rc)
        rc = send_msg(pc, clock, sizeof clock, deadline);
    px_buf msg = {0};
    uint8_t count[3] = {0xdc, (uint8_t)(n >> 8), (uint8_t)n};
    if (!rc)
        rc = px_buf_append(&msg, head, sizeof head);
    if (!rc)
        rc = px_buf_append(&msg, count, 3);
    if (!rc)
        rc = px_buf_append(&msg, items.data, items.len);
    if (!rc)
        rc = send_msg(pc, msg.data, msg.len, deadline);
    if (!rc)
        rc = linger(pc, x->hold_ms);
    px_buf_free(&msg);
    px_buf_free(&items);
    pconn_free(pc);
    if (!rc)
        printf("strip ok: relayed %zu entries without their bodies\n", n);
    return rc;
}

/* announce: --count address announcements of this peer's own feed, each
 * naming 8 new addresses on 127.0.0.1 (nothing listens there), one every
 * --hold ms, so the node learns them one after the other. */
static int mode_announce(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms + x->count * (x->hold_ms + 1000);
    int rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    px_entry prev;
    for (uint64_t k = 1; !rc && k <= x->count; k++) {
        uint8_t body[1 + 10 + 1 + 8 * 17];
        size_t len = 0;
        body[len++] = 0x81;
        body[len++] = 0xa9;
        memcpy(body + len, "addresses", 9);
        len += 9;
        body[len++] = 0x98;
        for (int i = 0; i < 8; i++) {
            char a[24];
            int w = snprintf(a, sizeof a, "127.0.0.1:%u", (unsigned)(40000 + k * 8 + (uint64_t)i));
            body[len++] = (uint8_t)(0xa0 | w);
            memcpy(body + len, a, (size_t)w);
            len += (size_t)w;
        }
        px_entry e;
        rc = make_kind(x, &e, k, k > 1 ? prev.id : NULL, 1000 + k, "address", body, len);
        if (!rc)
            rc = send_entries(pc, &e, 1, k == 1, deadline);
        prev = e;
        if (!rc && k < x->count)
            rc = linger(pc, x->hold_ms);
    }
    if (!rc)
        rc = linger(pc, 500);
    pconn_free(pc);
    if (!rc)
        printf("announce ok: %llu announcements of 8 addresses each\n",
               (unsigned long long)x->count);
    return rc;
}

/* liar: claim in its clock to hold seq 1000000 of its own feed, send
 * nothing, and stay --hold ms (`praxis sync --wait` must still finish). */
static int mode_liar(const ctx *x)
{
    char sw[64] = "";
    pconn *pc = NULL;
    uint64_t deadline = now_ms() + x->timeout_ms + x->hold_ms;
    int rc = open_session(x, deadline, true, &pc, sw, sizeof sw);
    uint8_t msg[64] = {0x82, 0xa4, 't', 'y', 'p', 'e', 0xa5, 'c',  'l',  'o',  'c',
                       'k',  0xa5, 'f', 'e', 'e', 'd', 's',  0x91, 0x92, 0xc4, 0x20};
    size_t len = 22;
    memcpy(msg + len, x->me.pk, 32);
    len += 32;
    msg[len++] = 0xce; /* uint32 1000000 */
    msg[len++] = 0x00;
    msg[len++] = 0x0f;
    msg[len++] = 0x42;
    msg[len++] = 0x40;
    if (!rc)
        rc = send_msg(pc, msg, len, deadline);
    if (!rc)
        rc = linger(pc, x->hold_ms);
    pconn_free(pc);
    if (!rc)
        printf("liar ok: claimed seq 1000000 of its feed for %llu ms, sent nothing\n",
               (unsigned long long)x->hold_ms);
    return rc;
}

/* blobserve / badchunk: a peer that holds one blob (the file --file) and
 * answers the server's wants and chunk requests, honestly or not. */
static int mode_blobserve(const ctx *x)
{
    bool bad = strcmp(x->mode, "badchunk") == 0;
    if (!x->file) {
        fprintf(stderr, "px_peer: %s needs --file FILE\n", x->mode);
        return PX_EINVAL;
    }
    FILE *f = fopen(x->file, "rb");
    if (!f)
        return px_err_set(PX_EIO, "cannot open %s", x->file);
    px_buf data = {0};
    uint8_t tmp[65536];
    size_t got;
    int rc = PX_OK;
    while (!rc && (got = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = px_buf_append(&data, tmp, got);
    fclose(f);
    px_blob_manifest m = {
        .size = data.len, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(data.len)};
    px_buf mb = {0};
    uint8_t id[32];
    if (!rc && m.n && !(m.hashes = calloc(m.n, 32)))
        rc = PX_ENOMEM;
    for (uint32_t i = 0; !rc && i < m.n; i++)
        px_hash(m.hashes[i], data.data + (size_t)i * PX_BLOB_CHUNK, px_blob_chunk_len(&m, i));
    if (!rc)
        rc = px_blob_manifest_encode(&m, &mb);
    if (!rc)
        px_blob_id(id, mb.data, mb.len);
    uint8_t *have = calloc((m.n + 7) / 8 + 1, 1);
    if (!have)
        rc = PX_ENOMEM;
    for (uint32_t i = 0; !rc && i < m.n; i++)
        have[i / 8] |= (uint8_t)(1u << (i % 8));
    pconn *pc = NULL;
    char sw[64] = "";
    uint64_t sent = 0;
    bool closed = false, sent_bad = false;
    if (!rc)
        rc = open_session(x, now_ms() + x->timeout_ms, true, &pc, sw, sizeof sw);
    while (!rc) {
        const uint8_t *raw;
        size_t len;
        rc = recv_msg(pc, now_ms() + x->timeout_ms, &raw, &len);
        if (rc == PX_ECLOSED) {
            closed = true;
            rc = PX_OK;
            break;
        }
        if (rc == PX_ETIMEDOUT) {
            rc = PX_OK;
            break;
        }
        if (rc)
            break;
        px_msg dm;
        px_buf out = {0};
        bool decoded = px_msg_decode(raw, len, &dm) == PX_OK && px_msg_is_blob(dm.type);
        const px_msg_blob in = dm.blob;
        if (decoded && in.type == PX_MSG_BLOB_WANT && memcmp(in.id, id, 32) != 0) {
            px_msg_blob none = {.type = PX_MSG_BLOB_HAVE}; /* another blob: we hold nothing of it */
            memcpy(none.id, in.id, 32);
            rc = px_msg_encode_blob(&out, &none);
            if (!rc)
                rc = send_msg(pc, out.data, out.len, now_ms() + x->timeout_ms);
        } else if (decoded && memcmp(in.id, id, 32) == 0) {
            if (in.type == PX_MSG_BLOB_WANT) {
                px_msg_blob h = {.type = PX_MSG_BLOB_HAVE,
                                 .manifest = mb.data,
                                 .manifest_len = mb.len,
                                 .have = have,
                                 .have_len = (m.n + 7) / 8};
                memcpy(h.id, id, 32);
                rc = px_msg_encode_blob(&out, &h);
                if (!rc)
                    rc = send_msg(pc, out.data, out.len, now_ms() + x->timeout_ms);
            } else if (in.type == PX_MSG_BLOB_GET) {
                for (size_t k = 0; !rc && k < in.n_chunks; k++) {
                    uint32_t i = in.chunks[k];
                    if (i >= m.n)
                        continue;
                    size_t cl = px_blob_chunk_len(&m, i);
                    memcpy(tmp, data.data + (size_t)i * PX_BLOB_CHUNK, cl);
                    if (bad) {
                        tmp[cl / 2] ^= 0x5a;
                        sent_bad = true;
                    }
                    if (x->hold_ms) {
                        struct timespec ts = {(time_t)(x->hold_ms / 1000),
                                              (long)(x->hold_ms % 1000) * 1000000L};
                        nanosleep(&ts, NULL);
                    }
                    px_buf_reset(&out);
                    rc = px_msg_encode_blob_chunk(&out, id, i, tmp, cl);
                    if (!rc)
                        rc = send_msg(pc, out.data, out.len, now_ms() + x->timeout_ms);
                    if (rc == PX_ECLOSED || rc == PX_ENET || rc == PX_EIO) {
                        closed = true; /* it closed while we were sending */
                        rc = PX_OK;
                        break;
                    }
                    sent++;
                }
            }
        }
        px_buf_free(&out);
        px_msg_free(&dm);
        if (closed)
            break;
    }
    pconn_free(pc);
    free(have);
    px_buf_free(&mb);
    px_blob_manifest_free(&m);
    px_buf_free(&data);
    if (!rc && bad && !(closed && sent_bad))
        rc = px_err_set(PX_EPROTO, "the server %s after a bad chunk",
                        sent_bad ? "kept the connection open" : "never asked for a chunk");
    if (!rc)
        printf("%s ok: sent %llu chunk(s)%s\n", x->mode, (unsigned long long)sent,
               closed ? "; the server closed the connection" : "");
    return rc;
}

/* --- main ------------------------------------------------------------------------ */

static const char usage[] =
    "usage: px_peer MODE --to [KEY@]HOST:PORT [--data DIR] [--count N] [--hold MS]\n"
    "               [--mb M] [--timeout MS] [--partial] [--file FEED]\n"
    "MODE: hello | garbage | halfopen | stall | bigheader | bigmsg | badmsgpack |\n"
    "      nohello | forge | chain | othernet | fork | slow | flood | relay |\n"
    "      badrun | silent | strip | announce | liar | blobserve | badchunk |\n"
    "      bench-handshakes | bench-throughput\n"
    "Exit status: 0 the expected outcome, 1 anything else, 2 usage error.\n";

typedef struct mode {
    const char *name;
    int (*run)(const ctx *x);
    bool needs_data;
} mode;

static const mode modes[] = {
    {"hello", mode_hello, true},
    {"garbage", mode_garbage, false},
    {"halfopen", mode_halfopen, false},
    {"stall", mode_stall, true},
    {"bigheader", mode_violation, true},
    {"bigmsg", mode_violation, true},
    {"badmsgpack", mode_violation, true},
    {"nohello", mode_violation, true},
    {"forge", mode_entries, true},
    {"chain", mode_entries, true},
    {"othernet", mode_entries, true},
    {"fork", mode_entries, true},
    {"slow", mode_slow, true},
    {"relay", mode_relay, true},
    {"flood", mode_flood, true},
    {"badrun", mode_badrun, true},
    {"silent", mode_silent, true},
    {"strip", mode_strip, true},
    {"announce", mode_announce, true},
    {"liar", mode_liar, true},
    {"blobserve", mode_blobserve, true},
    {"badchunk", mode_blobserve, true},
    {"bench-handshakes", mode_bench_handshakes, true},
    {"bench-throughput", mode_bench_throughput, true},
};

static int usage_error(const char *what)
{
    fprintf(stderr, "px_peer: %s\n%s", what, usage);
    return 2;
}

/* Load DIR's identity and genesis, work out the server's key and address. */
static int setup(ctx *x)
{
    px_addr a;
    px_datadir d;
    int rc = px_addr_parse(x->to, &a);
    if (rc)
        return px_err_set(rc, "--to: %s", px_err_detail());
    if (x->data) {
        rc = px_datadir_resolve(&d, x->data);
        if (!rc)
            rc = px_identity_load(&x->me, d.key);
        if (!rc)
            rc = px_genesis_load(&x->g, d.genesis);
        if (rc)
            return rc;
        x->have_data = true;
    }
    if (a.has_key) {
        memcpy(x->server_pk, a.key, 32);
        x->have_server_pk = true;
    } else if (x->have_data) {
        memcpy(x->server_pk, x->g.root, 32);
        x->have_server_pk = true;
    }
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)a.port);
    int gai = getaddrinfo(a.host, port, &hints, &res);
    if (gai != 0 || !res)
        return px_err_set(PX_ENET, "cannot resolve %s: %s", a.host, gai_strerror(gai));
    memcpy(&x->sa, res->ai_addr, res->ai_addrlen);
    x->salen = res->ai_addrlen;
    freeaddrinfo(res);
    return PX_OK;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},  {"to", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'n'}, {"hold", required_argument, NULL, 'H'},
        {"mb", required_argument, NULL, 'm'},    {"timeout", required_argument, NULL, 'T'},
        {"partial", no_argument, NULL, 'P'},     {"file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},        {0}};
    ctx x = {.count = 1, .hold_ms = 1000, .mb = 64, .timeout_ms = 5000};
    const mode *m = NULL;
    int c;
    if (argc < 2)
        return usage_error("no mode given");
    x.mode = argv[1];
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(modes[i].name, x.mode) == 0)
            m = &modes[i];
    if (!m)
        return usage_error("unknown mode");
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        uint64_t *num = NULL, lo = 1, hi = 1000000;
        switch (c) {
        case 'd':
            x.data = optarg;
            break;
        case 't':
            x.to = optarg;
            break;
        case 'n':
            num = &x.count;
            break;
        case 'H':
            num = &x.hold_ms;
            lo = 0;
            hi = 3600000;
            break;
        case 'm':
            num = &x.mb;
            hi = 65536;
            break;
        case 'T':
            num = &x.timeout_ms;
            hi = 3600000;
            break;
        case 'P':
            x.partial = true;
            break;
        case 'f':
            x.file = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return usage_error("unknown option or missing value");
        }
        if (num && px_parse_u64(optarg, lo, hi, num) != PX_OK)
            return usage_error("a numeric option is out of range");
    }
    if (optind != argc)
        return usage_error("unexpected argument");
    if (!x.to)
        return usage_error("--to is required");
    if (m->needs_data && !x.data)
        return usage_error("this mode needs --data DIR (identity and network key)");
    if (px_crypto_init() != PX_OK) {
        fprintf(stderr, "px_peer: cannot initialise libsodium\n");
        return 1;
    }
    int rc = setup(&x);
    if (!rc && m->needs_data && !x.have_server_pk)
        rc = px_err_set(PX_EINVAL, "--to needs KEY@ (no network root to assume)");
    if (!rc)
        rc = m->run(&x);
    px_identity_clear(&x.me);
    if (rc) {
        printf("%s FAILED: %s\n", x.mode, px_err_message(rc));
        fprintf(stderr, "px_peer %s: %s\n", x.mode, px_err_message(rc));
        return 1;
    }
    return 0;
}
