/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_msg.c — libFuzzer target for the replication messages, blob
 * transfer messages included: the codec (replication/msg.c) and the
 * replication core (replication/core.c, with its blob transfer machine)
 * judging what a peer sends. (fuzz_blob_msg.c drives the blob machine
 * alone, through the same codec.)
 *
 * Input layout:
 *   byte 0   mode: bit 0 clear — the rest is one message for the codec;
 *            bit 0 set — the rest is a stream of messages for a core, each
 *            a 2-byte big-endian length and that many bytes, sent by a peer
 *            whose hello was accepted (bit 1 set: no hello first; bit 2
 *            set: a fetch of fuzz_fixtures.h's 3-chunk blob runs)
 *   rest     the bytes
 *
 * Invariants checked: px_msg_decode returns one of its documented codes
 * and never more items than the protocol's limits; a message it accepts,
 * encoded again from what was decoded, decodes to the same fields; the
 * core never crashes, closes the peer at most once with an error that is
 * a peer's fault or a protocol rule, and every store or load job it asks
 * for is one it answers (answered here with an empty outcome, or a failed
 * read); every blob chunk it hands over to be stored matches the blob
 * (the core checked it against the manifest's hash), and a blob fetch
 * never counts more chunks held or in flight than the blob has.
 */
#include "archive.h"
#include "core.h"
#include "error.h"
#include "fuzz_fixtures.h"
#include "log.h"
#include "members.h"
#include "msg.h"

static void same_blob(const px_msg_blob *a, const px_msg_blob *b)
{
    FUZZ_ASSERT(a->type == b->type && memcmp(a->id, b->id, 32) == 0);
    FUZZ_ASSERT(a->hops == b->hops && a->index == b->index && a->n_chunks == b->n_chunks);
    FUZZ_ASSERT((a->manifest == NULL) == (b->manifest == NULL) &&
                a->manifest_len == b->manifest_len);
    FUZZ_ASSERT(!a->manifest || memcmp(a->manifest, b->manifest, a->manifest_len) == 0);
    FUZZ_ASSERT((a->have == NULL) == (b->have == NULL) && a->have_len == b->have_len);
    FUZZ_ASSERT(!a->have_len || memcmp(a->have, b->have, a->have_len) == 0);
    FUZZ_ASSERT((a->data == NULL) == (b->data == NULL) && a->data_len == b->data_len);
    FUZZ_ASSERT(!a->data || memcmp(a->data, b->data, a->data_len) == 0);
    FUZZ_ASSERT(memcmp(a->chunks, b->chunks, a->n_chunks * sizeof a->chunks[0]) == 0);
}

static void check_roundtrip(const px_msg *m)
{
    px_buf b = {0};
    px_msg m2;
    int rc = PX_OK;
    switch (m->type) {
    case PX_MSG_HELLO:
        rc = px_msg_encode_hello(&b, m->version, m->software, m->network_id);
        break;
    case PX_MSG_CLOCK:
    case PX_MSG_HAVE:
    case PX_MSG_GRAFT:
        rc = px_msg_encode_feeds(&b, m->type, m->feeds, m->n_feeds);
        break;
    case PX_MSG_PRUNE:
        rc = px_msg_encode_prune(&b);
        break;
    case PX_MSG_WANT_BODIES: {
        uint8_t(*ids)[32] = malloc((m->n_ids + 1) * 32);
        FUZZ_ASSERT(ids != NULL);
        for (size_t i = 0; i < m->n_ids; i++)
            memcpy(ids[i], m->ids[i], 32);
        rc = px_msg_encode_want(&b, (const uint8_t(*)[32])ids, m->n_ids);
        free(ids);
        break;
    }
    case PX_MSG_BODIES: {
        px_buf items = {0};
        for (size_t i = 0; !rc && i < m->n_bodies; i++)
            rc = px_msg_put_body(&items, m->bodies[i].id, m->bodies[i].body, m->bodies[i].len);
        if (!rc)
            rc = px_msg_encode_bodies(&b, (const uint8_t *)items.data, items.len, m->n_bodies);
        px_buf_free(&items);
        break;
    }
    case PX_MSG_BLOB_WANT:
    case PX_MSG_BLOB_HAVE:
    case PX_MSG_BLOB_GET:
    case PX_MSG_BLOB_CHUNK:
        rc = px_msg_encode_blob(&b, &m->blob);
        break;
    case PX_MSG_ENTRIES:
    case PX_MSG_UNKNOWN:
        return; /* entries items are re-checked by fuzz_archive's item round trip */
    }
    FUZZ_ASSERT(rc == PX_OK);
    rc = px_msg_decode((const uint8_t *)b.data, b.len, &m2);
    FUZZ_ASSERT(rc == PX_OK && m2.type == m->type);
    switch (m->type) {
    case PX_MSG_HELLO:
        FUZZ_ASSERT(m2.version == m->version && strcmp(m2.software, m->software) == 0 &&
                    memcmp(m2.network_id, m->network_id, 32) == 0);
        break;
    case PX_MSG_CLOCK:
    case PX_MSG_HAVE:
    case PX_MSG_GRAFT:
        FUZZ_ASSERT(m2.n_feeds == m->n_feeds);
        for (size_t i = 0; i < m->n_feeds; i++)
            FUZZ_ASSERT(m2.feeds[i].seq == m->feeds[i].seq &&
                        memcmp(m2.feeds[i].author, m->feeds[i].author, 32) == 0);
        break;
    case PX_MSG_WANT_BODIES:
        FUZZ_ASSERT(m2.n_ids == m->n_ids);
        break;
    case PX_MSG_BODIES:
        FUZZ_ASSERT(m2.n_bodies == m->n_bodies);
        for (size_t i = 0; i < m->n_bodies; i++)
            FUZZ_ASSERT(m2.bodies[i].len == m->bodies[i].len &&
                        memcmp(m2.bodies[i].body, m->bodies[i].body, m->bodies[i].len) == 0);
        break;
    case PX_MSG_BLOB_WANT:
    case PX_MSG_BLOB_HAVE:
    case PX_MSG_BLOB_GET:
    case PX_MSG_BLOB_CHUNK:
        same_blob(&m->blob, &m2.blob);
        break;
    default:
        break;
    }
    px_msg_free(&m2);
    px_buf_free(&b);
}

static void fuzz_codec(const uint8_t *in, size_t n)
{
    px_msg m;
    int rc = px_msg_decode(in, n, &m);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EFORMAT || rc == PX_EPROTO || rc == PX_ETOOBIG);
    if (rc == PX_OK) {
        FUZZ_ASSERT(m.n_items <= PX_MSG_ENTRIES_MAX && m.n_ids <= PX_MSG_IDS_MAX &&
                    m.n_bodies <= PX_MSG_IDS_MAX && m.n_feeds <= PX_MSG_FEEDS_MAX);
        if (m.type == PX_MSG_ENTRIES)
            FUZZ_ASSERT(m.n_items >= 1);
        for (size_t i = 0; i < m.n_items; i++)
            FUZZ_ASSERT(m.items[i].sig != NULL && (m.items[i].has_body || !m.items[i].body));
        check_roundtrip(&m);
    }
    px_msg_free(&m);
}

/* Answer what the core asks, as a host would whose store is empty. */
static void drain(px_core *c, uint64_t now, int *closes, int *close_rc)
{
    px_core_action a;
    while (px_core_next_action(c, &a)) {
        if (a.type == PX_CORE_CLOSE) {
            (*closes)++;
            *close_rc = a.rc;
        } else if (a.type == PX_CORE_STORE) {
            px_core_outcome o = {0};
            px_core_stored(c, a.job, &o, now);
        } else if (a.type == PX_CORE_LOAD) {
            px_core_loaded(c, a.job, PX_ESTORE, NULL, 0, 0, 0, now);
        } else if (a.type == PX_CORE_LOAD_BODIES) {
            px_core_bodies_loaded(c, a.job, PX_OK, NULL, 0, now);
        } else if (a.type == PX_CORE_SEND) {
            FUZZ_ASSERT(a.len >= 1 && a.bytes != NULL);
        } else if (a.type == PX_CORE_BLOB_PUT_MANIFEST) {
            px_core_blob_manifest_stored(c, a.blob, PX_OK, now);
        } else if (a.type == PX_CORE_BLOB_PUT_CHUNK) {
            FUZZ_ASSERT(a.index < 3 && a.len >= 1);
            for (size_t k = 0; k < a.len; k++)
                FUZZ_ASSERT(a.bytes[k] == fuzz_blob_byte((size_t)a.index * 65536 + k));
            px_core_blob_chunk_stored(c, a.blob, a.index, PX_OK, now);
        } else if (a.type == PX_CORE_BLOB_LOOKUP) {
            px_core_blob_looked_up(c, a.peer, a.blob, a.hops, NULL, 0, NULL, 0, now);
        } else if (a.type == PX_CORE_BLOB_SERVE) {
            px_core_blob_serve(c, a.peer, a.blob, a.index, NULL, 0, now);
        }
        px_core_action_release(&a);
    }
}

static void fuzz_core(const uint8_t *in, size_t n, bool hello, bool fetch)
{
    uint8_t net[32], pk[32], sk[64], me[32];
    fuzz_network_id(net);
    fuzz_author(pk, sk);
    memset(me, 0x11, 32);
    px_members members = {0};
    memcpy(members.root, pk, 32); /* the peer's key is the root: a member */
    px_core_cfg cfg = {.me = me, .network_id = net, .members = &members, .seed = 1, .now_ms = 1};
    px_core *c = NULL;
    FUZZ_ASSERT(px_core_new(&cfg, &c) == PX_OK);
    px_core_seq head = {.seq = 3};
    memcpy(head.author, pk, 32);
    FUZZ_ASSERT(px_core_local_changed(c, &head, 1, 1) == PX_OK);
    int closes = 0, close_rc = 0;
    uint64_t now = 10;
    FUZZ_ASSERT(px_core_peer_open(c, 1, pk, false, now) == PX_OK);
    drain(c, now, &closes, &close_rc);
    if (hello) {
        px_buf b = {0};
        FUZZ_ASSERT(px_msg_encode_hello(&b, 1, "fuzz", net) == PX_OK);
        px_core_peer_message(c, 1, (const uint8_t *)b.data, b.len, now);
        px_buf_free(&b);
        drain(c, now, &closes, &close_rc);
        FUZZ_ASSERT(closes == 0 && px_core_peer_ready(c, 1));
    }
    static px_buf mb; /* the blob fixture, computed once per process */
    static uint8_t blob_id[32];
    if (!mb.len)
        fuzz_blob(&mb, blob_id);
    if (fetch) {
        FUZZ_ASSERT(px_core_blob_fetch(c, blob_id, NULL, 0, NULL, 0, now + 60000, now) == PX_OK);
        drain(c, now, &closes, &close_rc);
    }
    for (size_t pos = 0; pos + 2 <= n;) {
        size_t len = (size_t)in[pos] << 8 | in[pos + 1];
        pos += 2;
        if (len > n - pos)
            len = n - pos;
        px_core_peer_message(c, 1, in + pos, len, now);
        drain(c, now, &closes, &close_rc);
        px_core_peer_queued(c, 1, 0, now);
        drain(c, now, &closes, &close_rc);
        pos += len;
        now += 700;
        px_core_tick(c, now);
        drain(c, now, &closes, &close_rc);
        px_bx_status st;
        px_core_blob_status(c, blob_id, &st);
        FUZZ_ASSERT(st.held <= st.chunks && st.in_flight <= st.chunks);
    }
    FUZZ_ASSERT(closes <= 1);
    if (closes)
        FUZZ_ASSERT(close_rc == PX_EFORMAT || close_rc == PX_EPROTO || close_rc == PX_ETOOBIG ||
                    close_rc == PX_ENETWORK || close_rc == PX_ETIMEDOUT || close_rc == PX_EHASH);
    px_core_peer_closed(c, 1, closes ? close_rc : PX_OK, now);
    drain(c, now, &closes, &close_rc);
    px_core_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    px_log_set_level(PX_LOG_OFF); /* the core logs what peers do wrong */
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_core(data + 1, size - 1, !(data[0] & 2), (data[0] & 4) != 0);
    else
        fuzz_codec(data + 1, size - 1);
    return 0;
}
