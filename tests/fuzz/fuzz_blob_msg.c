/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_blob_msg.c — libFuzzer target for the blob transfer machine
 * (node/replication/blobxfer.c, schema/PROTOCOL.md "Blobs") alone, fed
 * the messages of one peer as the replication core decodes them (msg.c's
 * px_msg_decode; the codec's own round trip is fuzz_msg's). fuzz_msg also
 * drives the machine inside a core.
 *
 * Input: byte 0 picks the state (bit 0: a fetch of the fixed blob of
 * fuzz_fixtures.h runs; bit 1: the peer has already sent its manifest, so
 * chunks are judged against it; bit 2: we hold the blob's manifest and
 * chunk 0 already), the rest is a stream of wire messages (4-byte length,
 * msgpack), each given to the state machine as from one peer.
 *
 * Invariants: the state machine answers PX_OK, PX_EPROTO or PX_EHASH and
 * never counts more chunks held or in flight than the blob has; every
 * action it asks for is well formed (a SEND decodes as a blob message, a
 * PUT_CHUNK has the manifest's length for its chunk; its hash is the
 * store's to check, so this driver answers PX_EHASH for bytes that do not
 * match, and then the machine names that peer, and only it, in an
 * OFFENCE; the driver closes it).
 */
#include "blobxfer.h"
#include "fuzz_fixtures.h"
#include "msg.h"

static bool chunk_matches(const px_bx_action *a)
{
    for (size_t k = 0; k < a->len; k++)
        if (a->data[k] != fuzz_blob_byte((size_t)a->index * 65536 + k))
            return false;
    return true;
}

/* Check the actions queued, answer the store's, clear. Whether peer was
 * named for an offence. */
static bool settle(px_bx *bx, const uint8_t id[32], uint64_t now, uint64_t peer)
{
    bool offence = false;
    for (int round = 0; round < 8; round++) {
        size_t n;
        const px_bx_action *a = px_bx_actions(bx, &n);
        bool stored = false;
        for (size_t i = 0; i < n; i++) {
            if (a[i].kind == PX_BXA_SEND) {
                px_msg m;
                FUZZ_ASSERT(px_msg_decode(a[i].data, a[i].len, &m) == PX_OK);
                FUZZ_ASSERT(px_msg_is_blob(m.type));
                px_msg_free(&m);
            } else if (a[i].kind == PX_BXA_PUT_CHUNK) {
                FUZZ_ASSERT(memcmp(a[i].id, id, 32) == 0 && a[i].index < 3);
                FUZZ_ASSERT(a[i].len == (a[i].index < 2 ? 65536u : FUZZ_BLOB_SIZE - 2 * 65536u));
            } else if (a[i].kind == PX_BXA_PUT_MANIFEST) {
                stored = true;
            } else if (a[i].kind == PX_BXA_OFFENCE) {
                FUZZ_ASSERT(a[i].peer == peer && a[i].rc == PX_EHASH);
                offence = true;
            }
        }
        uint32_t idx[8];
        int rcs[8];
        size_t ni = 0;
        for (size_t i = 0; i < n && ni < 8; i++)
            if (a[i].kind == PX_BXA_PUT_CHUNK) {
                rcs[ni] = chunk_matches(&a[i]) ? PX_OK : PX_EHASH;
                idx[ni++] = a[i].index;
            }
        px_bx_clear(bx);
        if (stored)
            px_bx_manifest_stored(bx, id, PX_OK, now);
        for (size_t i = 0; i < ni; i++)
            px_bx_chunk_stored(bx, id, idx[i], rcs[i], now);
        if (!stored && !ni)
            break;
    }
    px_bx_clear(bx);
    return offence;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    static px_buf mb; /* the fixture, computed once per process */
    static uint8_t id[32];
    if (!mb.len)
        fuzz_blob(&mb, id);
    px_bx *bx = NULL;
    FUZZ_ASSERT(px_bx_new(NULL, &bx) == PX_OK);
    uint64_t peer = 1, other = 2;
    uint64_t now = 1000;
    px_bx_peer_up(bx, peer, now);
    px_bx_peer_up(bx, other, now);
    px_bx_clear(bx);
    if (mode & 1) {
        uint8_t held[1] = {1};
        FUZZ_ASSERT(px_bx_fetch(bx, id, (mode & 4) ? mb.data : NULL, mb.len, held, 1, now + 60000,
                                now) == PX_OK);
        settle(bx, id, now, peer);
    }
    if ((mode & 3) == 3) { /* the peer offers the whole blob */
        uint8_t all[1] = {7};
        px_msg_blob h = {.type = PX_MSG_BLOB_HAVE,
                         .manifest = mb.data,
                         .manifest_len = mb.len,
                         .have = all,
                         .have_len = 1};
        memcpy(h.id, id, 32);
        FUZZ_ASSERT(px_bx_on_message(bx, peer, &h, now) == PX_OK);
        settle(bx, id, now, peer);
    }
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    while (left >= 4) {
        size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        p += 4;
        left -= 4;
        if (len > left)
            len = left;
        px_msg m;
        memset(&m, 0, sizeof m); /* px_msg_free of an undecoded message is harmless */
        msgpack_unpacked_init(&m.u);
        if (len && px_msg_decode(p, len, &m) == PX_OK && px_msg_is_blob(m.type)) {
            px_err_clear();
            int rc = px_bx_on_message(bx, peer, &m.blob, now);
            FUZZ_ASSERT(rc == PX_OK || rc == PX_EPROTO || rc == PX_EHASH);
            if (settle(bx, id, now, peer) && !rc)
                rc = PX_EHASH; /* its store found a chunk bad */
            if (rc) {          /* the driver closes the peer */
                px_bx_peer_down(bx, peer, now);
                px_bx_clear(bx);
                px_bx_peer_up(bx, peer, now);
                px_bx_clear(bx);
            }
        }
        px_msg_free(&m);
        p += len;
        left -= len;
        now += 100;
    }
    px_bx_status st;
    px_bx_status_get(bx, id, &st);
    FUZZ_ASSERT(st.held <= st.chunks && st.in_flight <= st.chunks);
    px_bx_drained(bx, peer, PX_BX_SEND_QUEUE, now);
    px_bx_tick(bx, now + PX_BX_CHUNK_TIMEOUT_MS);
    settle(bx, id, now, peer);
    px_bx_tick(bx, now + 120000); /* past every deadline */
    px_bx_clear(bx);
    px_bx_peer_down(bx, peer, now);
    px_bx_peer_down(bx, other, now);
    px_bx_free(bx);
    return 0;
}
