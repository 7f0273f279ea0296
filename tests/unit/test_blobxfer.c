/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_blobxfer.c — the blob transfer protocol (node/replication/blobxfer.c)
 * with no I/O: several protocol machines wired together in memory, each
 * with a fake store, driven by hand (a virtual clock, messages delivered in
 * order). Two nodes; several peers at once (each chunk asked of one);
 * a relay one hop further; a peer whose chunk does not match its hash;
 * a peer that never answers (asked elsewhere after the timeout); resume
 * from a bitmap; a deadline with nobody holding the blob; an empty blob.
 */
#include "blobxfer.h"
#include "check.h"
#include "crypto.h"
#include "error.h"
#include "msg.h"

#include <stdlib.h>
#include <string.h>

enum { NODES = 6, CHUNKS = 5, SIZE = 4 * 65536 + 100 };

typedef struct node {
    px_bx *bx;
    bool has_manifest;
    uint8_t have[1];
    uint8_t *data; /* SIZE bytes */
    bool corrupt;  /* serves chunks with one byte flipped */
    bool silent;   /* never answers chunk requests */
    bool deferred; /* reports chunks written, durable only when the test says */
    bool hold;     /* gives the store's verdicts only when the test says (release) */
    struct {
        uint32_t index;
        bool ok;
    } held[16];
    size_t n_held;
    uint32_t written[8];
    size_t n_written;
    int done_rc;
    bool done;
    uint64_t chunks_in;
    uint64_t offender; /* the last peer named by PX_BXA_OFFENCE (0: none) */
    int offence_rc;
    int offences;
} node;

typedef struct msg {
    node *from, *to;
    px_buf bytes;
} msg;

static node nodes[NODES];

/* The machines name peers by ids: a node's index, plus one. */
static uint64_t id_of(const node *n)
{
    return (uint64_t)(n - nodes) + 1;
}
static msg queue[4096];
static size_t q_head, q_len;
static uint8_t blob[SIZE], id[32];
static px_buf manifest;
static uint64_t now = 1000;

static void make_blob(size_t size)
{
    for (size_t i = 0; i < size; i++)
        blob[i] = (uint8_t)(i * 7 + 3);
    px_blob_manifest m = {
        .size = size, .chunk_size = PX_BLOB_CHUNK, .n = px_blob_chunk_count(size)};
    uint8_t hashes[CHUNKS][32];
    m.hashes = m.n ? hashes : NULL;
    for (uint32_t c = 0; c < m.n; c++)
        px_hash(hashes[c], blob + (size_t)c * PX_BLOB_CHUNK, px_blob_chunk_len(&m, c));
    px_buf_free(&manifest);
    px_blob_manifest_encode(&m, &manifest);
    px_blob_id(id, manifest.data, manifest.len);
}

static void setup(size_t size)
{
    for (int i = 0; i < NODES; i++) {
        px_bx_free(nodes[i].bx);
        free(nodes[i].data);
        memset(&nodes[i], 0, sizeof nodes[i]);
        px_bx_new(NULL, &nodes[i].bx);
        nodes[i].data = calloc(1, SIZE);
    }
    for (size_t k = 0; k < q_len; k++)
        px_buf_free(&queue[(q_head + k) % 4096].bytes);
    q_head = q_len = 0;
    make_blob(size);
}

static void give(node *n) /* n holds the whole blob */
{
    n->has_manifest = true;
    n->have[0] = 0x1f;
    memcpy(n->data, blob, SIZE);
}

static void send_to(node *from, node *to, const uint8_t *p, size_t len)
{
    msg *m = &queue[(q_head + q_len++) % 4096];
    m->from = from;
    m->to = to;
    memset(&m->bytes, 0, sizeof m->bytes);
    px_buf_append(&m->bytes, p, len);
}

/* The store's check: chunk c's bytes match the manifest's hash. */
static bool chunk_ok(uint32_t c, const uint8_t *p, size_t len)
{
    px_blob_manifest m;
    uint8_t h[32];
    px_blob_manifest_decode(manifest.data, manifest.len, PX_BLOB_MAX_DEFAULT, &m);
    bool ok = c < m.n && len == px_blob_chunk_len(&m, c);
    if (ok) {
        px_hash(h, p, len);
        ok = memcmp(h, m.hashes[c], 32) == 0;
    }
    px_blob_manifest_free(&m);
    return ok;
}

static uint32_t n_chunks(void)
{
    px_blob_manifest m;
    px_blob_manifest_decode(manifest.data, manifest.len, PX_BLOB_MAX_DEFAULT, &m);
    uint32_t n = m.n;
    px_blob_manifest_free(&m);
    return n;
}

static size_t chunk_len(uint32_t c)
{
    size_t size = 0;
    px_blob_manifest m;
    px_blob_manifest_decode(manifest.data, manifest.len, PX_BLOB_MAX_DEFAULT, &m);
    size = px_blob_chunk_len(&m, c);
    px_blob_manifest_free(&m);
    return size;
}

/* Carry out n's actions (and the results they give) until none is left. */
static void drive(node *n)
{
    for (int round = 0; round < 1000; round++) {
        size_t k;
        const px_bx_action *a = px_bx_actions(n->bx, &k);
        if (!k)
            return;
        px_bx_action acts[256];
        px_buf data[256];
        size_t m = k < 256 ? k : 256;
        for (size_t i = 0; i < m; i++) {
            acts[i] = a[i];
            memset(&data[i], 0, sizeof data[i]);
            px_buf_append(&data[i], a[i].data, a[i].len);
        }
        px_bx_clear(n->bx);
        for (size_t i = 0; i < m; i++) {
            const px_bx_action *x = &acts[i];
            node *peer = x->peer ? &nodes[x->peer - 1] : NULL;
            switch (x->kind) {
            case PX_BXA_SEND:
                send_to(n, peer, data[i].data, data[i].len);
                break;
            case PX_BXA_PUT_MANIFEST:
                n->has_manifest = true;
                px_bx_manifest_stored(n->bx, x->id, PX_OK, now);
                break;
            case PX_BXA_PUT_CHUNK:
                if (n->hold && n->n_held < 16) { /* the verdict waits for release() */
                    bool ok = chunk_ok(x->index, data[i].data, data[i].len);
                    if (ok)
                        memcpy(n->data + (size_t)x->index * PX_BLOB_CHUNK, data[i].data,
                               data[i].len);
                    n->held[n->n_held].index = x->index;
                    n->held[n->n_held++].ok = ok;
                    break;
                }
                if (!chunk_ok(x->index, data[i].data, data[i].len)) { /* not written */
                    px_bx_chunk_stored(n->bx, x->id, x->index, PX_EHASH, now);
                    break;
                }
                memcpy(n->data + (size_t)x->index * PX_BLOB_CHUNK, data[i].data, data[i].len);
                if (n->deferred) {
                    n->written[n->n_written++ % 8] = x->index;
                    px_bx_chunk_written(n->bx, x->id, x->index, now);
                    break;
                }
                n->have[0] |= (uint8_t)(1u << x->index);
                px_bx_chunk_stored(n->bx, x->id, x->index, PX_OK, now);
                break;
            case PX_BXA_LOOKUP:
                px_bx_lookup_done(n->bx, x->peer, x->id, x->hops,
                                  n->has_manifest ? manifest.data : NULL, manifest.len, n->have,
                                  (n_chunks() + 7) / 8, now);
                break;
            case PX_BXA_SERVE: {
                if (n->silent)
                    break;
                bool held = n->has_manifest && (n->have[0] >> x->index & 1);
                uint8_t chunk[PX_BLOB_CHUNK];
                size_t len = chunk_len(x->index);
                memcpy(chunk, n->data + (size_t)x->index * PX_BLOB_CHUNK, len);
                if (n->corrupt)
                    chunk[0] ^= 1;
                px_buf out = {0};
                px_msg_encode_blob_chunk(&out, x->id, x->index, held ? chunk : NULL,
                                         held ? len : 0);
                send_to(n, peer, out.data, out.len);
                px_buf_free(&out);
                break;
            }
            case PX_BXA_WATCH:
                px_bx_drained(n->bx, x->peer, PX_BX_SEND_QUEUE, now);
                break;
            case PX_BXA_DONE:
                n->done = true;
                n->done_rc = x->rc;
                break;
            case PX_BXA_OFFENCE: /* pump() drops the link */
                CHECK(x->index < CHUNKS && memcmp(x->id, id, 32) == 0);
                n->offender = x->peer;
                n->offence_rc = x->rc;
                n->offences++;
                break;
            }
            px_buf_free(&data[i]);
        }
    }
}

static void link_up(node *a, node *b)
{
    px_bx_peer_up(a->bx, id_of(b), now);
    drive(a);
    px_bx_peer_up(b->bx, id_of(a), now);
    drive(b);
}

/* Deliver messages until none is left; a peer's offence drops the link. */
static void pump(void)
{
    for (int guard = 0; q_len && guard < 100000; guard++) {
        msg m = queue[q_head];
        q_head = (q_head + 1) % 4096;
        q_len--;
        px_msg d;
        if (px_msg_decode((const uint8_t *)m.bytes.data, m.bytes.len, &d) == PX_OK &&
            px_msg_is_blob(d.type)) {
            if (d.type == PX_MSG_BLOB_CHUNK)
                m.to->chunks_in++;
            int rc = px_bx_on_message(m.to->bx, id_of(m.from), &d.blob, now);
            drive(m.to);
            if (!rc && m.to->offender == id_of(m.from)) { /* its store found a bad chunk */
                rc = m.to->offence_rc;
                m.to->offender = 0;
            }
            if (rc) { /* the driver closes the connection: both ends see it down */
                px_bx_peer_down(m.to->bx, id_of(m.from), now);
                drive(m.to);
                px_bx_peer_down(m.from->bx, id_of(m.to), now);
                drive(m.from);
                for (size_t k = 0; k < q_len; k++) { /* what was in flight is lost */
                    msg *x = &queue[(q_head + k) % 4096];
                    if ((x->from == m.from && x->to == m.to) ||
                        (x->from == m.to && x->to == m.from))
                        x->to = NULL;
                }
            }
        }
        px_msg_free(&d);
        px_buf_free(&m.bytes);
        while (q_len && !queue[q_head].to) {
            px_buf_free(&queue[q_head].bytes);
            q_head = (q_head + 1) % 4096;
            q_len--;
        }
    }
}

static void tick_all(uint64_t dt)
{
    now += dt;
    for (int i = 0; i < NODES; i++) {
        px_bx_tick(nodes[i].bx, now);
        drive(&nodes[i]);
    }
    pump();
}

static void fetch(node *n, uint64_t timeout)
{
    CHECK_RC(px_bx_fetch(n->bx, id, n->has_manifest ? manifest.data : NULL, manifest.len, n->have,
                         (n_chunks() + 7) / 8, now + timeout, now),
             PX_OK);
    drive(n);
    pump();
}

static void test_two_nodes(void)
{
    setup(SIZE);
    node *a = &nodes[0], *b = &nodes[1];
    give(a);
    link_up(a, b);
    fetch(b, 10000);
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK(b->have[0] == 0x1f);
    CHECK_MEM(b->data, blob, SIZE);
    CHECK(b->chunks_in == CHUNKS); /* each chunk once */
}

/* Chunks written but not yet durable: all are fetched (once), none counts
 * as held and the fetch does not end until the driver says they are
 * durable; one the store then fails to record ends it with that error. */
static void test_written_then_stored(void)
{
    for (int fail = 0; fail < 2; fail++) {
        setup(SIZE);
        node *a = &nodes[0], *b = &nodes[1];
        give(a);
        b->deferred = true;
        link_up(a, b);
        fetch(b, 10000);
        CHECK(!b->done);
        CHECK(b->chunks_in == CHUNKS && b->n_written == CHUNKS);
        px_bx_status st;
        px_bx_status_get(b->bx, id, &st);
        CHECK(st.active && st.held == 0);
        CHECK(st.written == CHUNKS); /* praxisd syncs at once: held + written is all */
        for (size_t k = 0; k < b->n_written; k++) {
            CHECK(b->done == (fail && k > 2)); /* the failure ended it */
            px_bx_chunk_stored(b->bx, id, b->written[k], fail && k == 2 ? PX_EIO : PX_OK, now);
            drive(b);
            px_bx_status_get(b->bx, id, &st);
            CHECK(b->done || (st.written == CHUNKS - k - 1 && st.held == k + 1));
        }
        pump();
        CHECK(b->done && b->done_rc == (fail ? PX_EIO : PX_OK));
    }
}

/* While entries move, the window is PX_BX_WINDOW_MIN (fewer than this
 * blob's chunks): the fetch still completes, each chunk fetched once. */
static void test_small_window(void)
{
    setup(SIZE);
    node *a = &nodes[0], *b = &nodes[1];
    give(a);
    link_up(a, b);
    CHECK((int)PX_BX_WINDOW_MIN < (int)CHUNKS);
    px_bx_entries_moving(b->bx, id_of(a), now);
    fetch(b, 10000);
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK_MEM(b->data, blob, SIZE);
    CHECK(b->chunks_in == CHUNKS);
}

static void test_several_peers(void)
{
    setup(SIZE);
    node *b = &nodes[0];
    for (int i = 1; i <= 3; i++) {
        give(&nodes[i]);
        link_up(&nodes[i], b);
    }
    fetch(b, 10000);
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK_MEM(b->data, blob, SIZE);
    CHECK(b->chunks_in == CHUNKS); /* several peers, still each chunk once */
}

static void test_relay(void)
{
    setup(SIZE);
    node *a = &nodes[0], *h = &nodes[1], *c = &nodes[2];
    give(a);
    link_up(a, h);
    link_up(h, c);
    fetch(c, 60000);
    for (int i = 0; i < 5 && !c->done; i++)
        tick_all(1000);
    CHECK(c->done && c->done_rc == PX_OK);
    CHECK_MEM(c->data, blob, SIZE);
    CHECK(h->have[0] == 0x1f); /* the middle node fetched it and keeps it */
    px_bx_counters ctr;
    px_bx_counters_get(h->bx, &ctr);
    CHECK(ctr.wants_relayed == 1);
    CHECK(!a->done); /* a was asked with hops 0: it only answered */
}

static void test_bad_chunk(void)
{
    setup(SIZE);
    node *bad = &nodes[0], *good = &nodes[1], *b = &nodes[2];
    give(bad);
    bad->corrupt = true;
    give(good);
    link_up(bad, b);
    link_up(good, b);
    fetch(b, 20000);
    for (int i = 0; i < 10 && !b->done; i++)
        tick_all(1000);
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK_MEM(b->data, blob, SIZE);
    px_bx_counters ctr;
    px_bx_counters_get(b->bx, &ctr);
    CHECK(ctr.bad_chunks >= 1);
    /* The store checked the hash (off the loop); the machine named the
     * sender, and only it, for PX_EHASH. */
    CHECK(b->offences >= 1 && b->offence_rc == PX_EHASH);
    CHECK(px_bx_window(b->bx, id_of(bad)) == 0); /* its link was dropped */
    CHECK(px_bx_window(b->bx, id_of(good)) > 0);
}

/* The store's verdicts n held back, in the order the chunks were given. */
static void release(node *n)
{
    size_t k = n->n_held;
    n->n_held = 0;
    for (size_t i = 0; i < k; i++) {
        if (n->held[i].ok)
            n->have[0] |= (uint8_t)(1u << n->held[i].index);
        px_bx_chunk_stored(n->bx, id, n->held[i].index, n->held[i].ok ? PX_OK : PX_EHASH, now);
        drive(n);
    }
}

/* A fetch given up while the store still checks a bad chunk: the store's
 * verdict still names the sender (it must not escape by the fetch ending
 * first), and a new fetch of the same blob does not take the old verdict
 * as its own (which would blame the peer it asked next). */
static void test_verdict_after_cancel(void)
{
    setup(SIZE);
    node *bad = &nodes[0], *good = &nodes[1], *b = &nodes[2];
    give(bad);
    bad->corrupt = true;
    give(good);
    b->hold = true;
    link_up(bad, b);
    fetch(b, 20000);
    size_t bad_verdicts = b->n_held;
    CHECK(bad_verdicts == CHUNKS && !b->done);
    px_bx_cancel(b->bx, id);
    drive(b);
    CHECK(px_bx_storing_from(b->bx, id_of(bad))); /* its driver must remember it */

    /* the same blob again, from the good peer only, its verdicts held too */
    px_bx_peer_down(b->bx, id_of(bad), now);
    drive(b);
    px_bx_peer_down(bad->bx, id_of(b), now);
    drive(bad);
    link_up(good, b);
    fetch(b, 20000);
    CHECK(b->n_held == bad_verdicts + CHUNKS);
    release(b); /* the old fetch's verdicts first, as the store gives them */
    CHECK(b->offences == (int)bad_verdicts && b->offence_rc == PX_EHASH);
    CHECK(b->offender == id_of(bad)); /* never the good peer */
    CHECK(!px_bx_storing_from(b->bx, id_of(bad)));
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK_MEM(b->data, blob, SIZE);
}

static void test_silent_peer(void)
{
    setup(SIZE);
    node *s = &nodes[0], *good = &nodes[1], *b = &nodes[2];
    give(s);
    s->silent = true;
    give(good);
    link_up(s, b);
    link_up(good, b);
    fetch(b, 60000);
    CHECK(!b->done || b->done_rc == PX_OK);
    for (int i = 0; i < 20 && !b->done; i++)
        tick_all(1000); /* past PX_BX_CHUNK_TIMEOUT_MS */

    CHECK(b->done && b->done_rc == PX_OK);
    CHECK_MEM(b->data, blob, SIZE);
}

static void test_resume(void)
{
    setup(SIZE);
    node *a = &nodes[0], *b = &nodes[1];
    give(a);
    b->has_manifest = true; /* what a restart finds in the store */
    b->have[0] = 0x03;
    memcpy(b->data, blob, 2 * PX_BLOB_CHUNK);
    link_up(a, b);
    fetch(b, 10000);
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK_MEM(b->data, blob, SIZE);
    CHECK(b->chunks_in == CHUNKS - 2); /* nothing held is fetched again */
}

static void test_nobody_has_it(void)
{
    setup(SIZE);
    node *a = &nodes[0], *b = &nodes[1];
    link_up(a, b);
    fetch(b, 5000);
    for (int i = 0; i < 10 && !b->done; i++)
        tick_all(1000);
    CHECK(b->done && b->done_rc == PX_ETIMEDOUT);
    px_bx_status st;
    px_bx_status_get(b->bx, id, &st);
    CHECK(!st.active);
}

static void test_empty_blob(void)
{
    setup(0);
    node *a = &nodes[0], *b = &nodes[1];
    give(a);
    a->have[0] = 0;
    link_up(a, b);
    fetch(b, 10000);
    CHECK(b->done && b->done_rc == PX_OK);
    CHECK(b->chunks_in == 0);
}

static void test_too_many_requests(void)
{
    setup(SIZE);
    node *a = &nodes[0], *b = &nodes[1];
    give(a);
    link_up(a, b);
    /* b asks a for far more than PX_BX_SERVE_MAX without reading. */
    int rc = PX_OK;
    for (int k = 0; k <= PX_BX_SERVE_MAX / PX_BX_GET_MAX && rc == PX_OK; k++) {
        px_msg_blob m = {.type = PX_MSG_BLOB_GET, .n_chunks = PX_BX_GET_MAX};
        memcpy(m.id, id, 32);
        px_bx_peer_up(a->bx, id_of(b), now); /* idempotent */
        rc = px_bx_on_message(a->bx, id_of(b), &m, now);
        size_t n;
        px_bx_actions(a->bx, &n); /* the SERVEs are not carried out: the queue fills */
        px_bx_clear(a->bx);
    }
    CHECK(rc == PX_EPROTO);
}

static void test_relay_limits(void)
{
    setup(SIZE);
    node *h = &nodes[0], *c = &nodes[1], *d = &nodes[2];
    link_up(h, c);
    link_up(h, d);
    /* c asks h (hops 1) for ten blobs nobody holds: h relays four of them. */
    for (int k = 0; k < 10; k++) {
        px_msg_blob m = {.type = PX_MSG_BLOB_WANT, .hops = 1};
        memset(m.id, k + 1, 32);
        CHECK_RC(px_bx_on_message(h->bx, id_of(c), &m, now), PX_OK);
        drive(h);
    }
    px_bx_counters ctr;
    px_bx_counters_get(h->bx, &ctr);
    CHECK(ctr.wants_relayed == PX_BX_RELAYS_PER_PEER);
    /* h's own fetches still have room. */
    CHECK_RC(px_bx_fetch(h->bx, id, NULL, 0, NULL, 0, now + 1000, now), PX_OK);
    drive(h);
    for (size_t k = 0; k < q_len; k++)
        px_buf_free(&queue[(q_head + k) % 4096].bytes);
    q_head = q_len = 0;
}

/* A driver may take an action's bytes over (px_bx_take) instead of
 * copying them: once, the pointer it was given, and px_bx_clear then frees
 * only the rest (ASan would see a double free or a leak). */
static void test_take(void)
{
    px_bx *bx = NULL;
    CHECK_RC(px_bx_new(NULL, &bx), PX_OK);
    uint8_t wanted[32] = {7};
    px_bx_peer_up(bx, 1, 0);
    px_bx_peer_up(bx, 2, 0);
    CHECK_RC(px_bx_fetch(bx, wanted, NULL, 0, NULL, 0, 10000, 0), PX_OK);
    size_t n = 0;
    const px_bx_action *v = px_bx_actions(bx, &n);
    size_t sends = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != PX_BXA_SEND)
            continue;
        sends++;
        if (sends == 1) { /* the first taken, the others left to px_bx_clear */
            const uint8_t *was = v[i].data;
            uint8_t *mine = px_bx_take(bx, &v[i]);
            CHECK(mine != NULL && mine == was && v[i].len > 0);
            CHECK(px_bx_take(bx, &v[i]) == NULL); /* not twice */
            free(mine);
        }
    }
    CHECK(sends == 2); /* a want to each peer */
    px_bx_clear(bx);
    px_bx_free(bx);
}

int main(void)
{
    if (px_crypto_init())
        return 1;
    RUN(test_two_nodes);
    RUN(test_written_then_stored);
    RUN(test_small_window);
    RUN(test_several_peers);
    RUN(test_relay);
    RUN(test_bad_chunk);
    RUN(test_verdict_after_cancel);
    RUN(test_silent_peer);
    RUN(test_resume);
    RUN(test_nobody_has_it);
    RUN(test_empty_blob);
    RUN(test_too_many_requests);
    RUN(test_relay_limits);
    RUN(test_take);
    for (int i = 0; i < NODES; i++) {
        px_bx_free(nodes[i].bx);
        free(nodes[i].data);
    }
    px_buf_free(&manifest);
    return check_summary();
}
