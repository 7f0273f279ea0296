/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_fixtures.h — the fixed keys, nonces and entries that the libFuzzer
 * targets in tests/fuzz/ and the seed generator (make_corpus.c) share.
 * Header-only (static functions), like tests/unit/check.h.
 *
 * Every target is deterministic: it never draws randomness, reads the clock
 * or touches files, so an input always takes the same path. The keys here
 * are public test values, never used outside tests:
 *   - the SHS keys are those of set0 of /work/shared/vectors/shs-vectors.json
 *     (so the reference implementation's messages are valid seeds);
 *   - the entry author and the box-stream key are fixed byte patterns.
 *
 * Layout: fuzz_setup() (libsodium, once); the SHS fixtures; the entry
 * fixtures (author, network id, the entry that is the fixed feed head);
 * the box-stream fixtures.
 */
#ifndef PX_FUZZ_FIXTURES_H
#define PX_FUZZ_FIXTURES_H

#include "blob.h"
#include "crypto.h"
#include "entry.h"
#include "error.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every target declares the libFuzzer entry point (also used by the replay
 * driver, replay_main.c, in builds without libFuzzer). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a bug: say which and abort, so that libFuzzer (or
 * the replay driver) reports the input. Expected errors never come here.
 * PX_ENOMEM is never expected: inputs are small, so running out of memory
 * means something allocated for what the input only claimed. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static inline void fuzz_hex(uint8_t *out, size_t n, const char *hex)
{
    FUZZ_ASSERT(px_hex_decode(out, n, hex) == PX_OK);
}

/* Initialise libsodium once. Deterministic: nothing here is random. */
static inline void fuzz_setup(void)
{
    static int done;
    if (done)
        return;
    FUZZ_ASSERT(px_crypto_init() == PX_OK);
    done = 1;
}

/* --- Secret Handshake: set0 of the shared vectors ---------------------- */

#define FUZZ_SHS_NETWORK_KEY "d4a1cb88a66f02f8db635ce26441cc5dac1b08420ceaac230839b755845a9ffb"
#define FUZZ_SHS_CLIENT_SEED "dd89f158728c3ad4fc36420eb30f4d1e6a856b1ef4eb19609045b5699957611d"
#define FUZZ_SHS_SERVER_SEED "65b947ca882e6bfd269ea994595d8c968cd725af9f0e18cf99d544a6f9985550"
#define FUZZ_SHS_CLIENT_EPH "c83cf27e68117378be73e92c246b39411d9ef526ec7594c6dbf47ce513bb6990"
#define FUZZ_SHS_SERVER_EPH "5a3a09339e09d7f90e0e9ca8922cbfe287468e558db9b5d6aa62b47bd6395555"

typedef struct fuzz_shs_keys {
    uint8_t net[32];
    uint8_t client_pk[32], client_sk[64], client_eph[32];
    uint8_t server_pk[32], server_sk[64], server_eph[32];
} fuzz_shs_keys;

static inline void fuzz_shs_keys_load(fuzz_shs_keys *k)
{
    uint8_t seed[32];
    fuzz_hex(k->net, 32, FUZZ_SHS_NETWORK_KEY);
    fuzz_hex(seed, 32, FUZZ_SHS_CLIENT_SEED);
    px_sign_seed_keypair(k->client_pk, k->client_sk, seed);
    fuzz_hex(seed, 32, FUZZ_SHS_SERVER_SEED);
    px_sign_seed_keypair(k->server_pk, k->server_sk, seed);
    fuzz_hex(k->client_eph, 32, FUZZ_SHS_CLIENT_EPH);
    fuzz_hex(k->server_eph, 32, FUZZ_SHS_SERVER_EPH);
}

/* Input modes shared by fuzz_shs_server.c and fuzz_shs_client.c. */
enum {
    FUZZ_SHS_PEER = 0,   /* the input is the peer's two messages */
    FUZZ_SHS_MUTATE = 1, /* a real peer; the input XORs one of its messages */
    FUZZ_SHS_MISUSE = 2, /* the input is a sequence of driver calls */
    FUZZ_SHS_MODES = 3,
};

/* --- entries ------------------------------------------------------------ */

/* The author's seed is 32 bytes of 0x11; the network id is BLAKE2b-256 of
 * "praxis-fuzz-network". The fixed feed head is entry seq 1 of that author
 * (kind "case", timestamp FUZZ_HEAD_TS, body fuzz_head_body). */
#define FUZZ_HEAD_TS 1500000000000ull

static const uint8_t fuzz_head_body[] = {0x81, 0xa4, 't', 'e', 's', 't', 0x01}; /* {"test":1} */

static inline void fuzz_network_id(uint8_t out[32])
{
    static const char name[] = "praxis-fuzz-network";
    px_hash(out, (const uint8_t *)name, sizeof name - 1);
}

static inline void fuzz_author(uint8_t pk[32], uint8_t sk[64])
{
    uint8_t seed[32];
    memset(seed, 0x11, sizeof seed);
    px_sign_seed_keypair(pk, sk, seed);
}

/* Sign entry seq of the fixed author (prev = prev_id, NULL for seq 1). */
static inline void fuzz_make_entry(px_entry *out, uint64_t seq, const uint8_t *prev_id, uint64_t ts,
                                   const char *kind, const uint8_t *body, size_t body_len)
{
    px_header h;
    uint8_t pk[32], sk[64];
    memset(&h, 0, sizeof h);
    fuzz_network_id(h.network_id);
    fuzz_author(pk, sk);
    memcpy(h.author, pk, 32);
    h.seq = seq;
    h.has_prev = prev_id != NULL;
    if (prev_id)
        memcpy(h.prev, prev_id, 32);
    h.timestamp_ms = ts;
    FUZZ_ASSERT(strlen(kind) <= PX_KIND_MAX);
    memcpy(h.kind, kind, strlen(kind) + 1);
    FUZZ_ASSERT(px_entry_sign(out, &h, body, body_len, sk) == PX_OK);
    px_memzero(sk, sizeof sk);
}

static inline void fuzz_head_entry(px_entry *out)
{
    fuzz_make_entry(out, 1, NULL, FUZZ_HEAD_TS, "case", fuzz_head_body, sizeof fuzz_head_body);
}

/* --- box-stream ------------------------------------------------------------ */

/* Key: 32 bytes of 0x42 for raw streams (whose seeds hold frames sealed
 * with it), 0x43 for the streams fuzz_boxstream seals itself: no input can
 * contain a frame sealed with that one, so whatever authenticates came
 * from the encoder. Nonces: 0x00..0x17, or ff..fe (one before the 24-byte
 * counter wraps) when the input asks for it. */
enum { FUZZ_BOX_RAW = 0x42, FUZZ_BOX_SEALED = 0x43 };

static inline void fuzz_box_key(uint8_t key[32], uint8_t nonce[24], int which, int near_wrap)
{
    memset(key, which, 32);
    for (int i = 0; i < 24; i++)
        nonce[i] = near_wrap ? 0xff : (uint8_t)i;
    if (near_wrap)
        nonce[23] = 0xfe;
}

/* Chunk size for feeding a decoder: 0 means "all at once"; 1..31 as is;
 * 32..63 in steps of 128 up to 4096. */
static inline size_t fuzz_chunk(unsigned sel)
{
    sel &= 63;
    if (sel < 32)
        return sel;
    return (size_t)(sel - 31) * 128;
}

/* --- blobs ----------------------------------------------------------------- */

/* The blob of fuzz_blob_msg: 2 x 64 KiB + 5 bytes (3 chunks), byte i is
 * i mod 251. OUT: its manifest bytes (appended to m) and its id. */
enum { FUZZ_BLOB_SIZE = 2 * 65536 + 5 };

static inline uint8_t fuzz_blob_byte(size_t i)
{
    return (uint8_t)(i % 251);
}

static inline void fuzz_blob(px_buf *mbytes, uint8_t id[32])
{
    static uint8_t chunk[65536];
    px_blob_manifest m = {.size = FUZZ_BLOB_SIZE,
                          .chunk_size = PX_BLOB_CHUNK,
                          .n = px_blob_chunk_count(FUZZ_BLOB_SIZE)};
    uint8_t hashes[3][32];
    m.hashes = hashes;
    for (uint32_t c = 0; c < m.n; c++) {
        size_t len = px_blob_chunk_len(&m, c);
        for (size_t k = 0; k < len; k++)
            chunk[k] = fuzz_blob_byte((size_t)c * 65536 + k);
        px_hash(hashes[c], chunk, len);
    }
    FUZZ_ASSERT(px_blob_manifest_encode(&m, mbytes) == PX_OK);
    px_blob_id(id, mbytes->data, mbytes->len);
}

#endif
