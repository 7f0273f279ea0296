/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_entry.c — libFuzzer target for the entry codec (entry.c) and the pure
 * feed rule (px_feed_check_next in feed.c): what a peer or an export hands
 * us as (header bytes, signature, body).
 *
 * Input layout:
 *   byte 0      flags: bit 0 = a body is present; bit 1 adds 256 to the
 *               header length (to reach the size limit)
 *   byte 1      header length, low 8 bits
 *   then        the header bytes, 64 signature bytes (zero-padded if the
 *               input ends first), and the body (the rest)
 *
 * Every decoded entry must be canonical (re-encoding its fields gives the
 * same bytes), decode again in place to the same id, and be checked by the
 * signature, body and chain rules with only their documented results. A
 * signature that verifies for any author but the fixed one would be a
 * forgery and aborts.
 */
#include "entry.h"
#include "error.h"
#include "feed.h"
#include "fuzz_fixtures.h"

static px_head fixed_head;
static uint8_t fixed_network[32];
static uint8_t fixed_author[32];

static void setup(void)
{
    static int done;
    px_entry head;
    uint8_t sk[64];
    if (done)
        return;
    fuzz_setup();
    fuzz_network_id(fixed_network);
    fuzz_author(fixed_author, sk);
    px_memzero(sk, sizeof sk);
    fuzz_head_entry(&head);
    memset(&fixed_head, 0, sizeof fixed_head);
    memcpy(fixed_head.author, head.h.author, 32);
    fixed_head.seq = head.h.seq;
    memcpy(fixed_head.id, head.id, 32);
    fixed_head.timestamp_ms = head.h.timestamp_ms;
    done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    px_entry e, again;
    uint8_t sig[64] = {0};
    uint8_t enc[PX_HEADER_MAX];
    char hex[PX_ID_HEX];

    setup();
    if (size < 2)
        return 0;
    bool has_body = data[0] & 1;
    size_t hlen = (size_t)data[1] | (size_t)(data[0] & 2) << 7;
    data += 2;
    size -= 2;
    if (hlen > size)
        hlen = size;
    const uint8_t *header = data;
    data += hlen;
    size -= hlen;
    size_t slen = size < 64 ? size : 64;
    memcpy(sig, data, slen);
    data += slen;
    size -= slen;

    px_err_clear();
    int rc = px_entry_decode(&e, header, hlen, sig, has_body ? data : NULL, size);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EFORMAT || rc == PX_ETOOBIG);
    if (rc != PX_OK)
        return 0;

    /* Well-formed means canonical and internally consistent. */
    FUZZ_ASSERT(e.header_len == hlen && memcmp(e.header_bytes, header, hlen) == 0);
    FUZZ_ASSERT(px_header_encode(&e.h, enc) == hlen && memcmp(enc, header, hlen) == 0);
    FUZZ_ASSERT(px_kind_valid(e.h.kind));
    FUZZ_ASSERT(e.h.seq >= 1 && e.h.has_prev == (e.h.seq > 1));
    FUZZ_ASSERT(has_body ? e.body == data && e.body_len == size : e.body == NULL);
    px_id_hex(hex, e.id);
    FUZZ_ASSERT(strlen(hex) == 64);

    /* Decoding the entry's own bytes in place gives the same entry. */
    again = e;
    rc = px_entry_decode(&again, again.header_bytes, again.header_len, again.sig, e.body,
                         e.body_len);
    FUZZ_ASSERT(rc == PX_OK && memcmp(again.id, e.id, 32) == 0 &&
                memcmp(&again.h, &e.h, sizeof e.h) == 0);

    int sig_rc = px_entry_verify_sig(&e);
    FUZZ_ASSERT(sig_rc == PX_OK || sig_rc == PX_ESIG);
    if (sig_rc == PX_OK)
        FUZZ_ASSERT(memcmp(e.h.author, fixed_author, 32) == 0); /* else: a forgery */

    rc = px_entry_check_body(&e);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_EHASH || rc == PX_ETOOBIG);
    if (rc == PX_OK && e.body)
        FUZZ_ASSERT(e.body_len == e.h.body_len);

    rc = px_feed_check_next(fixed_network, NULL, &e);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_ENETWORK || rc == PX_ESEQ);
    if (rc == PX_OK)
        FUZZ_ASSERT(e.h.seq == 1);
    rc = px_feed_check_next(fixed_network, &fixed_head, &e);
    FUZZ_ASSERT(rc == PX_OK || rc == PX_ENETWORK || rc == PX_ESEQ || rc == PX_EPREV ||
                rc == PX_ETIME);
    if (rc == PX_OK)
        FUZZ_ASSERT(e.h.seq == 2 && memcmp(e.h.prev, fixed_head.id, 32) == 0 &&
                    e.h.timestamp_ms >= fixed_head.timestamp_ms);
    return 0;
}
