/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_blob_manifest.c — libFuzzer target for the blob manifest decoder
 * (px_blob_manifest_decode in node/ledger/blob.c, schema/BLOBS.md): the bytes a
 * peer sends for a blob it offers.
 *
 * The first input byte picks the size limit (0: the default 64 MiB; else
 * that many times 64 KiB, so small limits are reached too); the rest is the
 * manifest. A refusal must be PX_EFORMAT or PX_ETOOBIG and say why, and
 * leave nothing allocated. A manifest that decodes must be within the
 * limit, hold ceil(size / 65536) hashes, and encode back to exactly the
 * same bytes (the encoding is canonical: one manifest, one id).
 */
#include "blob.h"
#include "fuzz_fixtures.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_setup();
    if (size < 1)
        return 0;
    uint64_t limit = data[0] ? (uint64_t)data[0] * PX_BLOB_CHUNK : PX_BLOB_MAX_DEFAULT;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    px_blob_manifest m;
    px_err_clear();
    int rc = px_blob_manifest_decode(p, len, limit, &m);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EFORMAT || rc == PX_ETOOBIG);
    if (rc != PX_OK) {
        FUZZ_ASSERT(px_err_detail()[0] != '\0');
        FUZZ_ASSERT(m.hashes == NULL && m.n == 0);
        return 0;
    }
    FUZZ_ASSERT(m.size <= limit);
    FUZZ_ASSERT(m.chunk_size == PX_BLOB_CHUNK);
    FUZZ_ASSERT(m.n == px_blob_chunk_count(m.size));
    FUZZ_ASSERT((m.n == 0) == (m.hashes == NULL));
    for (uint32_t i = 0; i < m.n; i++) {
        size_t cl = px_blob_chunk_len(&m, i);
        FUZZ_ASSERT(cl >= 1 && cl <= PX_BLOB_CHUNK);
    }
    px_buf again = {0};
    FUZZ_ASSERT(px_blob_manifest_encode(&m, &again) == PX_OK);
    FUZZ_ASSERT(again.len == len && memcmp(again.data, p, len) == 0);
    px_buf_free(&again);
    px_blob_manifest_free(&m);
    return 0;
}
