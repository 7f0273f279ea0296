/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_core.c — the sans-I/O replication core (replication/core.h) driven
 * by hand-built inputs, no sockets: the codec's round trips and refusals;
 * two cores wired in memory exchanging a feed (the storage actions carried
 * out by app/ingest.h on real SQLite stores); a bad signature that closes
 * the connection and refuses the key; back-pressure that pauses reading;
 * hello rules and timeout; duplicate connections; the same seed giving the
 * same actions; a blob fetched through the core while entries replicate,
 * the chunk window shrinking on the connection that carries entries only,
 * and a peer that serves a wrong chunk closed for it.
 */
#include "archive.h"
#include "blob.h"
#include "check.h"
#include "core.h"
#include "crypto.h"
#include "error.h"
#include "feed.h"
#include "ingest.h"
#include "members.h"
#include "msg.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static px_identity root, alice, bob;
static uint8_t net[32];
static char dir[64];

static const uint8_t case_body[] = "\x81\xa1x\x01"; /* {"x": 1} */

static void make(px_entry *e, const px_identity *who, uint64_t seq, const uint8_t *prev,
                 uint64_t ts)
{
    px_header h = {0};
    memcpy(h.network_id, net, 32);
    memcpy(h.author, who->pk, 32);
    h.seq = seq;
    h.has_prev = prev != NULL;
    if (prev)
        memcpy(h.prev, prev, 32);
    h.timestamp_ms = ts;
    snprintf(h.kind, sizeof h.kind, "case");
    CHECK_RC(px_entry_sign(e, &h, case_body, sizeof case_body - 1, who->sk), PX_OK);
}

/* --- a node in memory: a core, a store, an ingester ----------------------------------- */

enum { INBOX_MAX = 4096 };

typedef struct tnode {
    const px_identity *id;
    px_store *store;
    px_members members;
    px_core *core;
    px_ingest *ig;
    px_buf scratch;
    uint64_t wake_at;
    int closed_rc; /* the last CLOSE asked for */
    uint64_t closed_peer;
    bool paused;
    size_t stores_seen;
    bool hold_stores; /* keep STORE actions instead of running them */
    px_core_action held[64];
    size_t n_held;
    size_t bans;
    px_buf log;       /* every action's type and length, for the determinism check */
    uint64_t only_to; /* nonzero: SENDs to other peers are dropped (peers with no node) */
    /* a blob store in memory (test_blob_*): the blob of make_blob() */
    uint8_t *blob;      /* its bytes as held */
    bool blob_manifest; /* the manifest is held */
    uint8_t blob_have;  /* bitmap of chunks held */
    bool blob_corrupt;  /* serves chunks with one byte flipped */
    int blob_bad_puts;  /* chunks it was asked to store that did not match */
    bool blob_done;
    int blob_done_rc;
    size_t blob_lookups;
    bool hold_puts; /* keep PUT_CHUNK actions instead of storing them */
    px_core_action puts[16];
    size_t n_puts;
} tnode;

enum { BLOB_CHUNKS = 5, BLOB_SIZE = 4 * 65536 + 100 };
static uint8_t blob_bytes[BLOB_SIZE], blob_id[32], blob_hashes[BLOB_CHUNKS][32];
static px_buf blob_mf;

static void make_blob(void)
{
    for (size_t i = 0; i < BLOB_SIZE; i++)
        blob_bytes[i] = (uint8_t)(i * 13 + 5);
    px_blob_manifest m = {.size = BLOB_SIZE, .chunk_size = PX_BLOB_CHUNK, .n = BLOB_CHUNKS};
    uint8_t hashes[BLOB_CHUNKS][32];
    m.hashes = hashes;
    for (uint32_t c = 0; c < m.n; c++)
        px_hash(hashes[c], blob_bytes + (size_t)c * PX_BLOB_CHUNK, px_blob_chunk_len(&m, c));
    memcpy(blob_hashes, hashes, sizeof hashes);
    px_buf_reset(&blob_mf);
    CHECK_RC(px_blob_manifest_encode(&m, &blob_mf), PX_OK);
    px_blob_id(blob_id, blob_mf.data, blob_mf.len);
}

static size_t blob_chunk_len(uint32_t i)
{
    return i + 1 < BLOB_CHUNKS ? PX_BLOB_CHUNK : BLOB_SIZE - (size_t)i * PX_BLOB_CHUNK;
}

/* A blob action, executed against n's blob in memory. */
static void run_blob(tnode *n, const px_core_action *a, uint64_t now)
{
    switch (a->type) {
    case PX_CORE_BLOB_PUT_MANIFEST:
        CHECK(a->len == blob_mf.len && memcmp(a->bytes, blob_mf.data, a->len) == 0);
        n->blob_manifest = true;
        px_core_blob_manifest_stored(n->core, a->blob, PX_OK, now);
        break;
    case PX_CORE_BLOB_PUT_CHUNK:
        CHECK(a->index < BLOB_CHUNKS && a->len == blob_chunk_len(a->index));
        { /* the hash is the store's to check, as blobnet's worker does */
            uint8_t h[32];
            px_hash(h, a->bytes, a->len);
            if (memcmp(h, blob_hashes[a->index], 32) != 0) {
                n->blob_bad_puts++;
                px_core_blob_chunk_stored(n->core, a->blob, a->index, PX_EHASH, now);
                break;
            }
        }
        memcpy(n->blob + (size_t)a->index * PX_BLOB_CHUNK, a->bytes, a->len);
        n->blob_have |= (uint8_t)(1u << a->index);
        px_core_blob_chunk_stored(n->core, a->blob, a->index, PX_OK, now);
        break;
    case PX_CORE_BLOB_LOOKUP:
        n->blob_lookups++;
        px_core_blob_looked_up(n->core, a->peer, a->blob, a->hops,
                               n->blob_manifest ? (const uint8_t *)blob_mf.data : NULL, blob_mf.len,
                               &n->blob_have, 1, now);
        break;
    case PX_CORE_BLOB_SERVE: {
        static uint8_t chunk[PX_BLOB_CHUNK];
        bool held = a->index < BLOB_CHUNKS && (n->blob_have >> a->index & 1);
        size_t len = held ? blob_chunk_len(a->index) : 0;
        if (held)
            memcpy(chunk, n->blob + (size_t)a->index * PX_BLOB_CHUNK, len);
        if (held && n->blob_corrupt)
            chunk[len / 2] ^= 0x40;
        px_core_blob_serve(n->core, a->peer, a->blob, a->index, held ? chunk : NULL, len, now);
        break;
    }
    case PX_CORE_BLOB_DONE:
        n->blob_done = true;
        n->blob_done_rc = a->rc;
        break;
    default:
        break;
    }
}

/* A message in flight: from -> to. */
typedef struct flight {
    int to;
    uint64_t peer; /* the peer id the receiver knows the sender by */
    uint8_t *bytes;
    size_t len;
} flight;

static flight inflight[INBOX_MAX];
static size_t n_inflight;

static void node_open(tnode *n, const px_identity *id, const char *name, uint64_t seed)
{
    char path[128];
    memset(n, 0, sizeof *n);
    n->id = id;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK_RC(px_store_open(path, &n->store), PX_OK);
    CHECK_RC(px_members_load(&n->members, n->store, root.pk), PX_OK);
    px_core_cfg cc = {
        .me = id->pk, .network_id = net, .members = &n->members, .seed = seed, .now_ms = 1000};
    CHECK_RC(px_core_new(&cc, &n->core), PX_OK);
    px_ingest_cfg ic = {.store = n->store, .root = root.pk, .me = id->pk};
    memcpy(ic.feed.network_id, net, 32);
    CHECK_RC(px_ingest_new(&ic, &n->ig), PX_OK);
    CHECK_RC(px_ingest_feed_core(n->store, n->core, 1000), PX_OK);
    n->blob = calloc(1, BLOB_SIZE);
}

static void node_close(tnode *n)
{
    /* Messages still in flight belong to this test only. */
    for (size_t i = 0; i < n_inflight; i++)
        free(inflight[i].bytes);
    n_inflight = 0;
    for (size_t i = 0; i < n->n_held; i++)
        px_core_action_release(&n->held[i]);
    for (size_t i = 0; i < n->n_puts; i++)
        px_core_action_release(&n->puts[i]);
    px_core_free(n->core);
    px_ingest_free(n->ig);
    px_members_free(&n->members);
    px_store_close(n->store);
    px_buf_free(&n->scratch);
    px_buf_free(&n->log);
    free(n->blob);
}

static void run_store(tnode *n, px_core_action *a, uint64_t now)
{
    px_ingest_job *j = NULL;
    CHECK_RC(px_ingest_job_new(a->job, a->kind, a->bytes, a->len, a->members_hint, &j), PX_OK);
    a->bytes = NULL;
    CHECK_RC(px_ingest_run(n->ig, &j, 1, now), PX_OK);
    const px_core_outcome *o = px_ingest_outcome(j);
    if (o->members_changed)
        CHECK_RC(px_members_load(&n->members, n->store, root.pk), PX_OK);
    px_core_stored(n->core, a->job, o, now);
    if (o->members_changed)
        px_core_members_changed(n->core, false, now);
    px_ingest_job_free(j);
}

/* Carry out n's actions; messages go to the other node (peer_to: the id
 * the other node knows n by; to: its index). */
static void drain(tnode *nodes, int self, int to, uint64_t peer_to, uint64_t now)
{
    tnode *n = &nodes[self];
    px_core_action a;
    while (px_core_next_action(n->core, &a)) {
        char line[64];
        snprintf(line, sizeof line, "%d:%zu;", (int)a.type, a.len);
        px_buf_append(&n->log, line, strlen(line));
        switch (a.type) {
        case PX_CORE_SEND:
            if (n->only_to && a.peer != n->only_to)
                break;
            if (n_inflight < INBOX_MAX) {
                inflight[n_inflight++] =
                    (flight){.to = to, .peer = peer_to, .bytes = a.bytes, .len = a.len};
                a.bytes = NULL;
            }
            break;
        case PX_CORE_CLOSE:
            n->closed_rc = a.rc;
            n->closed_peer = a.peer;
            break;
        case PX_CORE_PAUSE:
            n->paused = true;
            break;
        case PX_CORE_RESUME:
            n->paused = false;
            break;
        case PX_CORE_WAKE:
            n->wake_at = a.at_ms;
            break;
        case PX_CORE_STORE:
            n->stores_seen++;
            if (n->hold_stores && n->n_held < 64) {
                n->held[n->n_held++] = a;
                continue; /* kept, not released */
            }
            run_store(n, &a, now);
            break;
        case PX_CORE_LOAD:
            px_ingest_answer_load(n->store, n->core, &a, &n->scratch, now);
            break;
        case PX_CORE_LOAD_BODIES:
            px_ingest_load_bodies(n->store, n->core, &a, now);
            break;
        case PX_CORE_BAN:
            n->bans++;
            break;
        case PX_CORE_READY:
        case PX_CORE_WATCH: /* run_pair reports every queue empty each round */
            break;
        case PX_CORE_BLOB_PUT_CHUNK:
            if (n->hold_puts && n->n_puts < 16) {
                n->puts[n->n_puts++] = a;
                continue; /* kept, not released */
            }
            run_blob(n, &a, now);
            break;
        case PX_CORE_BLOB_PUT_MANIFEST:
        case PX_CORE_BLOB_LOOKUP:
        case PX_CORE_BLOB_SERVE:
        case PX_CORE_BLOB_DONE:
            run_blob(n, &a, now);
            break;
        }
        px_core_action_release(&a);
    }
}

/* Two nodes, 0 knows 1 as peer 7, 1 knows 0 as peer 9: run until quiet,
 * the clock advancing 5 ms per round (wakes fire when due). */
static void run_pair(tnode *nodes, uint64_t *now, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        drain(nodes, 0, 1, 9, *now);
        drain(nodes, 1, 0, 7, *now);
        size_t k = n_inflight;
        n_inflight = 0;
        static flight batch[INBOX_MAX];
        memcpy(batch, inflight, k * sizeof *batch);
        for (size_t i = 0; i < k; i++) {
            tnode *dst = &nodes[batch[i].to];
            px_core_peer_message(dst->core, batch[i].peer, batch[i].bytes, batch[i].len, *now);
            free(batch[i].bytes);
        }
        /* Everything sent was written. */
        px_core_peer_queued(nodes[0].core, 7, 0, *now);
        px_core_peer_queued(nodes[1].core, 9, 0, *now);
        *now += 5;
        for (int i = 0; i < 2; i++)
            if (nodes[i].wake_at && *now >= nodes[i].wake_at) {
                nodes[i].wake_at = 0;
                px_core_tick(nodes[i].core, *now);
            }
    }
}

/* Store who's entries 1..count (those held already are skipped). */
static size_t store_feed(tnode *n, const px_identity *who, size_t count)
{
    px_entry *e = calloc(count, sizeof *e);
    for (size_t i = 0; i < count; i++)
        make(&e[i], who, i + 1, i ? e[i - 1].id : NULL, 1000 + i);
    px_feed_ctx fc = {.store = n->store, .is_member = px_members_admits, .member_ctx = &n->members};
    memcpy(fc.network_id, net, 32);
    px_ingest_result res;
    CHECK_RC(px_store_begin(n->store), PX_OK);
    CHECK_RC(px_feed_ingest_batch(&fc, e, count, 5000, &res), PX_OK);
    CHECK_RC(px_store_commit(n->store), PX_OK);
    free(e);
    return res.added;
}

static uint64_t head_of(tnode *n, const px_identity *who)
{
    px_head h;
    return px_store_head(n->store, who->pk, &h) == PX_OK ? h.seq : 0;
}

/* --- the codec ------------------------------------------------------------------------- */

static void test_codec_round_trips(void)
{
    px_buf b = {0};
    px_msg m;
    CHECK_RC(px_msg_encode_hello(&b, 1, "praxisd/test\x01", net), PX_OK);
    CHECK_RC(px_msg_decode((const uint8_t *)b.data, b.len, &m), PX_OK);
    CHECK(m.type == PX_MSG_HELLO && m.version == 1 && memcmp(m.network_id, net, 32) == 0);
    CHECK(strcmp(m.software, "praxisd/test?") == 0); /* control characters replaced */
    px_msg_free(&m);

    px_msg_feed f[2] = {{root.pk, 5}, {alice.pk, 7}};
    px_buf_reset(&b);
    CHECK_RC(px_msg_encode_feeds(&b, PX_MSG_HAVE, f, 2), PX_OK);
    CHECK_RC(px_msg_decode((const uint8_t *)b.data, b.len, &m), PX_OK);
    CHECK(m.type == PX_MSG_HAVE && m.n_feeds == 2 && m.feeds[1].seq == 7 &&
          memcmp(m.feeds[0].author, root.pk, 32) == 0);
    px_msg_free(&m);

    uint8_t ids[2][32];
    memset(ids, 0x11, sizeof ids);
    px_buf_reset(&b);
    CHECK_RC(px_msg_encode_want(&b, (const uint8_t(*)[32])ids, 2), PX_OK);
    CHECK_RC(px_msg_decode((const uint8_t *)b.data, b.len, &m), PX_OK);
    CHECK(m.type == PX_MSG_WANT_BODIES && m.n_ids == 2);
    px_msg_free(&m);

    px_buf items = {0};
    CHECK_RC(px_msg_put_body(&items, ids[0], (const uint8_t *)"abc", 3), PX_OK);
    px_buf_reset(&b);
    CHECK_RC(px_msg_encode_bodies(&b, (const uint8_t *)items.data, items.len, 1), PX_OK);
    CHECK_RC(px_msg_decode((const uint8_t *)b.data, b.len, &m), PX_OK);
    CHECK(m.type == PX_MSG_BODIES && m.n_bodies == 1 && m.bodies[0].len == 3 &&
          memcmp(m.bodies[0].body, "abc", 3) == 0);
    px_msg_free(&m);
    px_buf_free(&items);
    px_buf_free(&b);
}

/* Decode a message written as msgpack hex. */
static int decode_hex(const char *hex)
{
    uint8_t bytes[256];
    size_t n = strlen(hex) / 2;
    CHECK_RC(px_hex_decode(bytes, n, hex), PX_OK);
    px_msg m;
    int rc = px_msg_decode(bytes, n, &m);
    px_msg_free(&m);
    return rc;
}

static void test_codec_refusals(void)
{
    /* {"type": "clock"} without feeds */
    CHECK_RC(decode_hex("81a474797065a5636c6f636b"), PX_EPROTO);
    /* {"type": "clock", "feeds": [[1, 2]]}: author not a bin32 */
    CHECK_RC(decode_hex("82a474797065a5636c6f636ba56665656473919201"
                        "02"),
             PX_EPROTO);
    /* {"type": "entries", "entries": []}: empty */
    CHECK_RC(decode_hex("82a474797065a7656e7472696573a7656e747269657390"), PX_EPROTO);
    /* {"nope": 1}: no type */
    CHECK_RC(decode_hex("81a46e6f706501"), PX_EPROTO);
    /* {"type": "later"}: unknown types decode (and are ignored) */
    CHECK_RC(decode_hex("81a474797065a56c61746572"), PX_OK);
    /* truncated: a map of 2 with one pair */
    CHECK_RC(decode_hex("82a474797065a5636c6f636b"), PX_EFORMAT);
    /* an array claiming 2^32-1 items in a few bytes: refused before allocating */
    CHECK_RC(decode_hex("82a474797065a5636c6f636ba5666565647"
                        "3ddffffffff"),
             PX_EFORMAT);
    /* 65 ids in want_bodies: over the limit */
    px_buf b = {0};
    uint8_t ids[65][32];
    memset(ids, 1, sizeof ids);
    CHECK_RC(px_msg_encode_want(&b, (const uint8_t(*)[32])ids, 65), PX_OK);
    px_msg m;
    CHECK_RC(px_msg_decode((const uint8_t *)b.data, b.len, &m), PX_EPROTO);
    px_msg_free(&m);
    px_buf_free(&b);
}

/* --- two cores ----------------------------------------------------------------------- */

static void connect_pair(tnode *nodes, uint64_t now)
{
    /* alice (0) dialled bob (1) */
    CHECK_RC(px_core_peer_open(nodes[0].core, 7, nodes[1].id->pk, true, now), PX_OK);
    CHECK_RC(px_core_peer_open(nodes[1].core, 9, nodes[0].id->pk, false, now), PX_OK);
}

static void test_two_cores_exchange_a_feed(void)
{
    tnode nodes[2];
    node_open(&nodes[0], &alice, "x-a.db", 1);
    node_open(&nodes[1], &bob, "x-b.db", 2);
    CHECK(store_feed(&nodes[0], &root, 600) == 600); /* more than two batches */
    CHECK_RC(px_ingest_feed_core(nodes[0].store, nodes[0].core, 1000), PX_OK);
    uint64_t now = 1000;
    connect_pair(nodes, now);
    run_pair(nodes, &now, 200);
    CHECK(px_core_peer_ready(nodes[0].core, 7) && px_core_peer_ready(nodes[1].core, 9));
    CHECK(head_of(&nodes[1], &root) == 600);
    CHECK(px_core_head(nodes[1].core, root.pk) == 600);
    CHECK(px_core_peers_holding(nodes[0].core, root.pk, 600) == 1);
    px_core_progress pr;
    px_core_get_progress(nodes[1].core, now, &pr);
    CHECK(pr.received == 600 && pr.duplicates == 0 && pr.sig_checks == 600 && pr.remaining == 0);
    px_core_get_progress(nodes[0].core, now, &pr);
    CHECK(pr.entries_sent == 600); /* each entry once */
    CHECK(nodes[0].closed_rc == 0 && nodes[1].closed_rc == 0);

    /* Live: bob's store grows behind its core's back (an import); alice
     * gets the new entries. */
    CHECK(store_feed(&nodes[1], &root, 603) == 3);
    CHECK_RC(px_ingest_feed_core(nodes[1].store, nodes[1].core, now), PX_OK);
    run_pair(nodes, &now, 50);
    CHECK(head_of(&nodes[0], &root) == 603);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

static void test_bad_signature_bans(void)
{
    tnode nodes[2];
    node_open(&nodes[0], &alice, "s-a.db", 1);
    node_open(&nodes[1], &bob, "s-b.db", 2);
    uint64_t now = 1000;
    connect_pair(nodes, now);
    run_pair(nodes, &now, 5);
    /* alice sends bob an entries message whose second entry's signature is
     * broken (made by hand: an honest core never sends one). */
    px_entry e[2];
    make(&e[0], &root, 1, NULL, 1000);
    make(&e[1], &root, 2, e[0].id, 1001);
    uint8_t sig[64];
    memset(sig, 0xa5, sizeof sig);
    CHECK_RC(
        px_entry_decode(&e[1], e[1].header_bytes, e[1].header_len, sig, e[1].body, e[1].body_len),
        PX_OK);
    px_buf items = {0}, msg = {0};
    for (int i = 0; i < 2; i++) /* archive items: [header, sig, body] */
        CHECK_RC(px_archive_put(&items, &e[i]), PX_OK);
    CHECK_RC(px_msg_encode_entries(&msg, (const uint8_t *)items.data, items.len, 2), PX_OK);
    px_core_peer_message(nodes[1].core, 9, (const uint8_t *)msg.data, msg.len, now);
    drain(nodes, 1, 0, 7, now);
    CHECK_RC(nodes[1].closed_rc, PX_ESIG);
    CHECK(nodes[1].closed_peer == 9);
    CHECK(head_of(&nodes[1], &root) == 1); /* the valid prefix is kept */
    /* The host closes the connection and says so: the key is refused. */
    px_core_peer_closed(nodes[1].core, 9, PX_ESIG, now);
    drain(nodes, 1, 0, 7, now);
    CHECK(nodes[1].bans == 1);
    CHECK(px_core_banned_until(nodes[1].core, alice.pk) >= now + 30000);
    CHECK(!px_core_admits(nodes[1].core, alice.pk, now + 1000));
    CHECK(px_core_n_bans(nodes[1].core) == 1 &&
          px_core_ban_at(nodes[1].core, 0)->last_rc == PX_ESIG);
    px_buf_free(&items);
    px_buf_free(&msg);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

static void test_back_pressure_pauses_reading(void)
{
    tnode nodes[2];
    node_open(&nodes[0], &alice, "p-a.db", 1);
    node_open(&nodes[1], &bob, "p-b.db", 2);
    uint64_t now = 1000;
    connect_pair(nodes, now);
    run_pair(nodes, &now, 5);
    nodes[1].hold_stores = true;
    /* 20 messages of about 512 KiB each, none stored yet: reading pauses
     * once more than 8 MiB wait. */
    size_t big = 500 * 1024;
    uint8_t *pad = calloc(1, big);
    px_entry e;
    make(&e, &root, 1, NULL, 1000);
    px_buf items = {0}, msg = {0};
    CHECK_RC(px_archive_put(&items, &e), PX_OK);
    CHECK_RC(px_msg_encode_entries(&msg, (const uint8_t *)items.data, items.len, 1), PX_OK);
    for (int i = 0; i < 20 && !nodes[1].paused; i++) {
        /* a big entries message: one entry plus an unknown key with padding */
        px_buf m2 = {0};
        CHECK_RC(px_buf_append(&m2, "\x83", 1), PX_OK); /* map of 3 */
        CHECK_RC(px_buf_append(&m2, msg.data + 1, msg.len - 1), PX_OK);
        CHECK_RC(px_buf_append(&m2, "\xa3pad\xc6", 5), PX_OK); /* "pad": bin32 */
        uint8_t len4[4] = {(uint8_t)(big >> 24), (uint8_t)(big >> 16), (uint8_t)(big >> 8),
                           (uint8_t)big};
        CHECK_RC(px_buf_append(&m2, len4, 4), PX_OK);
        CHECK_RC(px_buf_append(&m2, pad, big), PX_OK);
        px_core_peer_message(nodes[1].core, 9, (const uint8_t *)m2.data, m2.len, now);
        drain(nodes, 1, 0, 7, now);
        px_buf_free(&m2);
    }
    CHECK(nodes[1].paused);
    CHECK(nodes[1].n_held >= 16);
    CHECK(nodes[1].closed_rc == 0);
    /* The stores finish: reading resumes. */
    nodes[1].hold_stores = false;
    for (size_t i = 0; i < nodes[1].n_held; i++) {
        run_store(&nodes[1], &nodes[1].held[i], now);
        px_core_action_release(&nodes[1].held[i]);
    }
    nodes[1].n_held = 0;
    drain(nodes, 1, 0, 7, now);
    CHECK(!nodes[1].paused);
    CHECK(head_of(&nodes[1], &root) == 1);
    free(pad);
    px_buf_free(&items);
    px_buf_free(&msg);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

static void test_hello_rules(void)
{
    tnode nodes[2];
    node_open(&nodes[0], &alice, "h-a.db", 1);
    node_open(&nodes[1], &bob, "h-b.db", 2);
    uint64_t now = 1000;
    /* a message before hello */
    CHECK_RC(px_core_peer_open(nodes[1].core, 9, alice.pk, false, now), PX_OK);
    px_buf b = {0};
    px_msg_feed f = {root.pk, 1};
    CHECK_RC(px_msg_encode_feeds(&b, PX_MSG_CLOCK, &f, 1), PX_OK);
    px_core_peer_message(nodes[1].core, 9, (const uint8_t *)b.data, b.len, now);
    drain(nodes, 1, 0, 7, now);
    CHECK_RC(nodes[1].closed_rc, PX_EPROTO);
    px_core_peer_closed(nodes[1].core, 9, PX_EPROTO, now);
    drain(nodes, 1, 0, 7, now);
    CHECK(nodes[1].bans == 1);
    /* a hello of another network */
    uint8_t other[32];
    memset(other, 0x55, 32);
    nodes[1].closed_rc = 0;
    CHECK_RC(px_core_peer_open(nodes[1].core, 10, root.pk, false, now), PX_OK);
    px_buf_reset(&b);
    CHECK_RC(px_msg_encode_hello(&b, 1, "x", other), PX_OK);
    px_core_peer_message(nodes[1].core, 10, (const uint8_t *)b.data, b.len, now);
    drain(nodes, 1, 0, 7, now);
    CHECK_RC(nodes[1].closed_rc, PX_ENETWORK);
    px_core_peer_closed(nodes[1].core, 10, PX_ENETWORK, now);
    /* no hello at all: closed once the timeout passes */
    nodes[1].closed_rc = 0;
    uint8_t k[32];
    memset(k, 0x66, 32);
    CHECK_RC(px_core_peer_open(nodes[1].core, 11, k, false, now), PX_OK);
    drain(nodes, 1, 0, 7, now);
    CHECK(nodes[1].wake_at > now && nodes[1].wake_at <= now + 10000);
    px_core_tick(nodes[1].core, now + 9999);
    drain(nodes, 1, 0, 7, now + 9999);
    CHECK(nodes[1].closed_rc == 0);
    px_core_tick(nodes[1].core, now + 10000);
    drain(nodes, 1, 0, 7, now + 10000);
    CHECK_RC(nodes[1].closed_rc, PX_ETIMEDOUT);
    px_core_peer_closed(nodes[1].core, 11, PX_ETIMEDOUT, now + 10000);
    CHECK(px_core_banned_until(nodes[1].core, k) == 0); /* not an offence that bans */
    px_buf_free(&b);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

static void test_duplicates_and_self(void)
{
    tnode n;
    node_open(&n, &bob, "d.db", 3);
    uint64_t now = 1000;
    CHECK_RC(px_core_peer_open(n.core, 1, bob.pk, true, now), PX_OK);
    tnode nodes[1] = {n};
    drain(nodes, 0, 0, 0, now);
    CHECK_RC(nodes[0].closed_rc, PX_EDUP);
    CHECK(nodes[0].closed_peer == 1);
    px_core_peer_closed(nodes[0].core, 1, PX_EDUP, now);
    /* Two connections to alice: both ends keep the one dialled by the
     * smaller key. */
    bool bob_smaller = memcmp(bob.pk, alice.pk, 32) < 0;
    nodes[0].closed_rc = 0;
    CHECK_RC(px_core_peer_open(nodes[0].core, 2, alice.pk, true, now), PX_OK);
    CHECK_RC(px_core_peer_open(nodes[0].core, 3, alice.pk, false, now), PX_OK);
    drain(nodes, 0, 0, 0, now);
    CHECK_RC(nodes[0].closed_rc, PX_EDUP);
    CHECK(nodes[0].closed_peer == (bob_smaller ? 3u : 2u));
    CHECK_RC(px_core_peer_open(nodes[0].core, 2, alice.pk, true, now), PX_EINVAL); /* id in use */
    node_close(&nodes[0]);
}

static void test_same_seed_same_actions(void)
{
    px_buf logs[2] = {{0}, {0}};
    for (int run = 0; run < 2; run++) {
        tnode nodes[2];
        char a[32], b[32];
        snprintf(a, sizeof a, "r%d-a.db", run);
        snprintf(b, sizeof b, "r%d-b.db", run);
        node_open(&nodes[0], &alice, a, 42);
        node_open(&nodes[1], &bob, b, 43);
        CHECK(store_feed(&nodes[0], &root, 300) == 300);
        CHECK_RC(px_ingest_feed_core(nodes[0].store, nodes[0].core, 1000), PX_OK);
        uint64_t now = 1000;
        connect_pair(nodes, now);
        run_pair(nodes, &now, 100);
        CHECK(head_of(&nodes[1], &root) == 300);
        px_buf_append(&logs[run], nodes[0].log.data, nodes[0].log.len);
        px_buf_append(&logs[run], nodes[1].log.data, nodes[1].log.len);
        node_close(&nodes[0]);
        node_close(&nodes[1]);
    }
    CHECK(logs[0].len > 0 && logs[0].len == logs[1].len &&
          memcmp(logs[0].data, logs[1].data, logs[0].len) == 0);
    px_buf_free(&logs[0]);
    px_buf_free(&logs[1]);
}

/* --- blobs ----------------------------------------------------------------------------- */

/* n holds the whole blob of make_blob(), manifest and every chunk. */
static void hold_whole_blob(tnode *n)
{
    memcpy(n->blob, blob_bytes, BLOB_SIZE);
    n->blob_manifest = true;
    n->blob_have = (uint8_t)((1u << BLOB_CHUNKS) - 1);
}

/* Alice holds a blob and a feed bob lacks; bob fetches the blob while the
 * feed replicates: both arrive, every chunk checked (and stored) once. */
static void test_blob_fetch_beside_entries(void)
{
    tnode nodes[2];
    node_open(&nodes[0], &alice, "b-a.db", 1);
    node_open(&nodes[1], &bob, "b-b.db", 2);
    hold_whole_blob(&nodes[0]);
    CHECK(store_feed(&nodes[0], &root, 600) == 600);
    CHECK_RC(px_ingest_feed_core(nodes[0].store, nodes[0].core, 1000), PX_OK);
    uint64_t now = 1000;
    connect_pair(nodes, now);
    CHECK_RC(px_core_blob_fetch(nodes[1].core, blob_id, NULL, 0, NULL, 0, now + 30000, now), PX_OK);
    px_bx_status st;
    px_core_blob_status(nodes[1].core, blob_id, &st);
    CHECK(st.active && !st.have_manifest);
    run_pair(nodes, &now, 400);
    CHECK(nodes[1].blob_done && nodes[1].blob_done_rc == PX_OK);
    CHECK(nodes[1].blob_have == 0x1f && nodes[1].blob_manifest);
    CHECK_MEM(nodes[1].blob, blob_bytes, BLOB_SIZE);
    CHECK(head_of(&nodes[1], &root) == 600);
    px_bx_counters ctr;
    px_core_blob_counters(nodes[1].core, &ctr);
    CHECK(ctr.chunks_received == BLOB_CHUNKS && ctr.bad_chunks == 0);
    px_core_blob_counters(nodes[0].core, &ctr);
    CHECK(ctr.chunks_sent == BLOB_CHUNKS);
    px_core_blob_status(nodes[1].core, blob_id, &st);
    CHECK(!st.active);
    CHECK(nodes[0].closed_rc == 0 && nodes[1].closed_rc == 0);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

/* Entries arriving on one connection shrink the chunk window on that
 * connection only: bob's other peer keeps the full window. Once entries
 * stop, the window grows back as chunks arrive. */
static void test_blob_window_per_peer(void)
{
    tnode nodes[2];
    node_open(&nodes[0], &alice, "w-a.db", 1);
    node_open(&nodes[1], &bob, "w-b.db", 2);
    CHECK(store_feed(&nodes[0], &root, 300) == 300);
    CHECK_RC(px_ingest_feed_core(nodes[0].store, nodes[0].core, 1000), PX_OK);
    uint64_t now = 1000;
    connect_pair(nodes, now);
    /* A third peer of bob's (root's key), with no node behind it: what bob
     * sends it is dropped. */
    nodes[1].only_to = 9;
    CHECK_RC(px_core_peer_open(nodes[1].core, 11, root.pk, true, now), PX_OK);
    px_buf hello = {0};
    CHECK_RC(px_msg_encode_hello(&hello, 1, "test", net), PX_OK);
    px_core_peer_message(nodes[1].core, 11, (const uint8_t *)hello.data, hello.len, now);
    px_buf_free(&hello);
    CHECK(px_core_blob_window(nodes[1].core, 11) == PX_BX_WINDOW);
    CHECK(px_core_blob_window(nodes[1].core, 12) == 0); /* no such peer */
    run_pair(nodes, &now, 60);
    CHECK(head_of(&nodes[1], &root) == 300);
    CHECK(px_core_blob_window(nodes[1].core, 9) == PX_BX_WINDOW_MIN); /* entries came on it */
    CHECK(px_core_blob_window(nodes[1].core, 11) == PX_BX_WINDOW);    /* none on this one */
    CHECK(px_core_blob_window(nodes[0].core, 7) == PX_BX_WINDOW);     /* alice only sent */
    /* Quiet for longer than PX_BX_ENTRY_QUIET_MS: bob fetches; each chunk
     * delivered grows the window on that link again. */
    hold_whole_blob(&nodes[0]);
    now += PX_BX_ENTRY_QUIET_MS;
    CHECK_RC(px_core_blob_fetch(nodes[1].core, blob_id, NULL, 0, NULL, 0, now + 30000, now), PX_OK);
    run_pair(nodes, &now, 100);
    CHECK(nodes[1].blob_done && nodes[1].blob_done_rc == PX_OK);
    CHECK(px_core_blob_window(nodes[1].core, 9) == PX_BX_WINDOW_MIN + BLOB_CHUNKS);
    CHECK(px_core_blob_window(nodes[1].core, 11) == PX_BX_WINDOW);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

/* Alice (0) serves the blob with a byte of every chunk flipped; bob (1),
 * connected to her, starts fetching it. */
static void fetch_from_corrupt(tnode nodes[2], const char *a_db, const char *b_db, uint64_t *now)
{
    node_open(&nodes[0], &alice, a_db, 1);
    node_open(&nodes[1], &bob, b_db, 2);
    hold_whole_blob(&nodes[0]);
    nodes[0].blob_corrupt = true;
    *now = 1000;
    connect_pair(nodes, *now);
    CHECK_RC(px_core_blob_fetch(nodes[1].core, blob_id, NULL, 0, NULL, 0, *now + 30000, *now),
             PX_OK);
}

/* A peer that answers with a chunk that does not match its hash is closed
 * for it (PX_EHASH, a ban): the store checked the bytes and said so, nothing
 * was stored, and the fetch is still running to be served elsewhere. */
static void test_blob_bad_chunk_closes(void)
{
    tnode nodes[2];
    uint64_t now;
    fetch_from_corrupt(nodes, "c-a.db", "c-b.db", &now);
    run_pair(nodes, &now, 40);
    CHECK(nodes[1].closed_rc == PX_EHASH && nodes[1].closed_peer == 9);
    CHECK(nodes[1].blob_bad_puts >= 1); /* the core did not check: its store did */
    CHECK(nodes[1].blob_have == 0 && !nodes[1].blob_done);
    px_core_peer_closed(nodes[1].core, 9, PX_EHASH, now);
    CHECK(px_core_banned_until(nodes[1].core, alice.pk) > now);
    px_bx_counters ctr;
    px_core_blob_counters(nodes[1].core, &ctr);
    CHECK(ctr.bad_chunks >= 1);
    px_bx_status st;
    px_core_blob_status(nodes[1].core, blob_id, &st);
    CHECK(st.active && st.have_manifest && st.held == 0 && st.in_flight == 0);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

/* A sender of a bad chunk that hangs up before its receiver's store has
 * checked the chunk is banned all the same when the verdict comes: the
 * core remembers whose chunks were still unverified when they left. */
static void test_blob_bad_chunk_then_hang_up(void)
{
    tnode nodes[2];
    uint64_t now;
    fetch_from_corrupt(nodes, "h-a.db", "h-b.db", &now);
    nodes[1].hold_puts = true;
    for (int r = 0; r < 40 && nodes[1].n_puts == 0; r++)
        run_pair(nodes, &now, 1);
    CHECK(nodes[1].n_puts >= 1);
    CHECK(nodes[1].closed_rc == 0); /* nothing known against it yet */
    /* It hangs up: a plain close, not an offence. */
    px_core_peer_closed(nodes[1].core, 9, PX_OK, now);
    CHECK(px_core_banned_until(nodes[1].core, alice.pk) == 0);
    size_t bans = nodes[1].bans;
    /* Now the store checks what it sent. */
    nodes[1].hold_puts = false;
    for (size_t i = 0; i < nodes[1].n_puts; i++) {
        run_blob(&nodes[1], &nodes[1].puts[i], now);
        px_core_action_release(&nodes[1].puts[i]);
    }
    nodes[1].n_puts = 0;
    drain(nodes, 1, 0, 7, now);
    CHECK(nodes[1].blob_bad_puts >= 1);
    CHECK(px_core_banned_until(nodes[1].core, alice.pk) > now);
    CHECK(nodes[1].bans > bans);
    node_close(&nodes[0]);
    node_close(&nodes[1]);
}

int main(void)
{
    uint8_t seed[32] = {17};
    px_crypto_init();
    px_identity_from_seed(&root, seed);
    seed[0] = 18;
    px_identity_from_seed(&alice, seed);
    seed[0] = 19;
    px_identity_from_seed(&bob, seed);
    memset(net, 0x45, 32);
    make_blob();
    snprintf(dir, sizeof dir, "/tmp/px-test-core-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_codec_round_trips);
    RUN(test_codec_refusals);
    RUN(test_two_cores_exchange_a_feed);
    RUN(test_bad_signature_bans);
    RUN(test_back_pressure_pauses_reading);
    RUN(test_hello_rules);
    RUN(test_duplicates_and_self);
    RUN(test_same_seed_same_actions);
    RUN(test_blob_fetch_beside_entries);
    RUN(test_blob_window_per_peer);
    RUN(test_blob_bad_chunk_closes);
    RUN(test_blob_bad_chunk_then_hang_up);
    px_buf_free(&blob_mf);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_summary();
}
