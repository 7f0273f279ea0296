/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_entry.c — the entry codec: round trip, strict decoding, and that
 * every single-byte change to header, signature or body is rejected.
 */
#include "check.h"
#include "crypto.h"
#include "entry.h"
#include "error.h"
#include "identity.h"

#include <string.h>

static px_identity alice;
static const uint8_t body[] = "\x82\xa5title\x81\xa2\x65n\xa1x\xa4stage\xa5pilot";

static void make(px_entry *e, uint64_t seq, const uint8_t *prev)
{
    px_header h = {0};
    memset(h.network_id, 7, 32);
    memcpy(h.author, alice.pk, 32);
    h.seq = seq;
    h.has_prev = prev != NULL;
    if (prev)
        memcpy(h.prev, prev, 32);
    h.timestamp_ms = 1700000000000ull + seq;
    memcpy(h.kind, "case", 5);
    CHECK_RC(px_entry_sign(e, &h, body, sizeof body - 1, alice.sk), PX_OK);
}

static void test_round_trip(void)
{
    px_entry a, b, c;
    make(&a, 1, NULL);
    make(&b, 2, a.id);
    CHECK_RC(px_entry_decode(&c, b.header_bytes, b.header_len, b.sig, b.body, b.body_len), PX_OK);
    CHECK_MEM(c.id, b.id, 32);
    CHECK(c.h.seq == 2 && c.h.has_prev && memcmp(c.h.prev, a.id, 32) == 0);
    CHECK_STR(c.h.kind, "case");
    CHECK(c.h.body_len == sizeof body - 1);
    CHECK(c.h.timestamp_ms == 1700000000002ull);
    CHECK_MEM(c.h.author, alice.pk, 32);
    CHECK_RC(px_entry_verify_sig(&c), PX_OK);
    CHECK_RC(px_entry_check_body(&c), PX_OK);
    /* The id is BLAKE2b-256(header || signature). */
    uint8_t buf[PX_HEADER_MAX + 64], id[32];
    memcpy(buf, b.header_bytes, b.header_len);
    memcpy(buf + b.header_len, b.sig, 64);
    px_hash(id, buf, b.header_len + 64);
    CHECK_MEM(id, b.id, 32);
    /* The body may be absent (purged): still well-formed and signed. */
    CHECK_RC(px_entry_decode(&c, b.header_bytes, b.header_len, b.sig, NULL, 0), PX_OK);
    CHECK_RC(px_entry_check_body(&c), PX_OK);
    CHECK_RC(px_entry_verify_sig(&c), PX_OK);
}

/* A changed header byte must never yield an entry that passes: either it no
 * longer decodes, or its signature fails. */
static void test_header_byte_flips(void)
{
    px_entry e, d;
    uint8_t hdr[PX_HEADER_MAX];
    int accepted = 0;
    make(&e, 2, (const uint8_t *)"01234567890123456789012345678901");
    for (size_t i = 0; i < e.header_len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(hdr, e.header_bytes, e.header_len);
            hdr[i] ^= (uint8_t)(1u << bit);
            if (px_entry_decode(&d, hdr, e.header_len, e.sig, e.body, e.body_len) == PX_OK &&
                px_entry_verify_sig(&d) == PX_OK && px_entry_check_body(&d) == PX_OK)
                accepted++;
        }
    }
    CHECK(accepted == 0);
}

static void test_sig_and_body_flips(void)
{
    px_entry e, d;
    uint8_t sig[64], b[sizeof body];
    int accepted = 0;
    make(&e, 1, NULL);
    for (size_t i = 0; i < 64; i++) {
        memcpy(sig, e.sig, 64);
        sig[i] ^= 0x01;
        CHECK_RC(px_entry_decode(&d, e.header_bytes, e.header_len, sig, e.body, e.body_len), PX_OK);
        accepted += px_entry_verify_sig(&d) == PX_OK;
    }
    for (size_t i = 0; i < e.body_len; i++) {
        memcpy(b, e.body, e.body_len);
        b[i] ^= 0x80;
        CHECK_RC(px_entry_decode(&d, e.header_bytes, e.header_len, e.sig, b, e.body_len), PX_OK);
        accepted += px_entry_check_body(&d) == PX_OK;
    }
    CHECK(accepted == 0);
    /* A body of another length fails too. */
    CHECK_RC(px_entry_decode(&d, e.header_bytes, e.header_len, e.sig, e.body, e.body_len - 1),
             PX_OK);
    CHECK_RC(px_entry_check_body(&d), PX_EHASH);
}

static void test_strict_decoding(void)
{
    px_entry e, d;
    uint8_t hdr[PX_HEADER_MAX + 16];
    make(&e, 1, NULL);
    /* Truncated at every length. */
    for (size_t n = 0; n < e.header_len; n++)
        CHECK(px_entry_decode(&d, e.header_bytes, n, e.sig, NULL, 0) != PX_OK);
    /* Trailing byte. */
    memcpy(hdr, e.header_bytes, e.header_len);
    hdr[e.header_len] = 0xc0;
    CHECK_RC(px_entry_decode(&d, hdr, e.header_len + 1, e.sig, NULL, 0), PX_EFORMAT);
    /* Non-canonical: seq 1 written as a uint8 (0xcc 0x01) instead of a
     * positive fixint. The header layout: 0x99, 0x01, bin32 network
     * (34 bytes), bin32 author (34 bytes), then seq at offset 70. */
    CHECK(e.header_bytes[70] == 0x01);
    memcpy(hdr, e.header_bytes, 70);
    hdr[70] = 0xcc;
    hdr[71] = 0x01;
    memcpy(hdr + 72, e.header_bytes + 71, e.header_len - 71);
    CHECK_RC(px_entry_decode(&d, hdr, e.header_len + 1, e.sig, NULL, 0), PX_EFORMAT);
    /* seq 1 with a prev, or seq 2 without, is refused at encoding. */
    px_header h = e.h;
    h.has_prev = true;
    CHECK(px_header_encode(&h, hdr) == 0);
    h.seq = 2;
    h.has_prev = false;
    CHECK(px_header_encode(&h, hdr) == 0);
    /* Bad kinds. */
    CHECK(!px_kind_valid(""));
    CHECK(!px_kind_valid("Case"));
    CHECK(!px_kind_valid("a b"));
    CHECK(!px_kind_valid("abcdefghijklmnopqrstuvwxyz0123456"));
    CHECK(px_kind_valid("benchmark"));
    /* Oversized body. */
    static uint8_t big[PX_BODY_MAX + 1];
    h = e.h;
    CHECK_RC(px_entry_sign(&d, &h, big, sizeof big, alice.sk), PX_ETOOBIG);
}

int main(void)
{
    uint8_t seed[32];
    px_crypto_init();
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)i;
    px_identity_from_seed(&alice, seed);
    RUN(test_round_trip);
    RUN(test_header_byte_flips);
    RUN(test_sig_and_body_flips);
    RUN(test_strict_decoding);
    return check_summary();
}
