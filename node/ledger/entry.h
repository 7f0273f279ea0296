/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entry.h — the signed entry: header codec, signature, id, body binding.
 *
 * The format is fixed by DESIGN.md and specified byte by byte in
 * schema/ENTRIES.md:
 *
 *   header    = msgpack [1, network_id:bin32, author:bin32, seq:uint,
 *                        prev:bin32|nil, timestamp_ms:uint, kind:str,
 *                        body_len:uint, body_hash:bin32]
 *   signature = Ed25519(author, "praxis-entry-v1" || header bytes)
 *   id        = BLAKE2b-256(header bytes || signature)
 *   body_hash = BLAKE2b-256(body bytes)
 *
 * This module knows one entry at a time and nothing of feeds or stores; the
 * chain rules (seq, prev, timestamps, forks) live in feed.c. Headers are kept
 * as the exact bytes that were signed and are never re-encoded for storage
 * or forwarding. Decoding is strict: the header must be the canonical
 * (shortest-form) msgpack encoding of its values, so one logical header has
 * exactly one byte string.
 */
#ifndef PX_ENTRY_H
#define PX_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_ENTRY_FORMAT = 1,
    PX_KIND_MAX = 32,         /* bytes in a kind name */
    PX_HEADER_MAX = 256,      /* a valid header is at most ~220 bytes */
    PX_BODY_MAX = 128 * 1024, /* body size limit, checked before allocating */
    PX_ID_BYTES = 32,
    PX_ID_HEX = 65, /* 64 hex digits + NUL */
};

/* The decoded fields of a header. */
typedef struct px_header {
    uint8_t network_id[32];
    uint8_t author[32];
    uint64_t seq; /* 1, 2, ... */
    bool has_prev;
    uint8_t prev[32]; /* valid iff has_prev; seq 1 has none */
    uint64_t timestamp_ms;
    char kind[PX_KIND_MAX + 1];
    uint64_t body_len;
    uint8_t body_hash[32];
} px_header;

/* An entry: decoded header, its exact bytes, signature and id, and an
 * optional borrowed body. The struct owns no heap memory; body points into
 * memory owned by whoever filled it and must outlive every use of the
 * entry. body == NULL means the body is absent (purged, or not sent). */
typedef struct px_entry {
    px_header h;
    uint8_t header_bytes[PX_HEADER_MAX];
    size_t header_len;
    uint8_t sig[64];
    uint8_t id[32];
    const uint8_t *body;
    size_t body_len;
} px_entry;

/* Create and sign an entry. Fills in h->body_len and h->body_hash from body,
 * encodes the header, signs it with sk (whose public half must equal
 * h->author) and computes the id. body is borrowed into out->body.
 * Returns PX_OK, PX_EINVAL (bad kind, seq 0, prev inconsistent with seq) or
 * PX_ETOOBIG (body over PX_BODY_MAX). */
int px_entry_sign(px_entry *out, const px_header *h, const uint8_t *body, size_t body_len,
                  const uint8_t sk[64]);

/* Decode an entry from its parts (as stored or received). Checks the header
 * encoding strictly and computes the id; does NOT check the signature or the
 * body (see below), so the result is only "well-formed". body may be NULL.
 * header and sig are copied (they may point into *out); body is borrowed.
 * Returns PX_OK, PX_EFORMAT
 * (with a detail naming what is wrong) or PX_ETOOBIG. */
int px_entry_decode(px_entry *out, const uint8_t *header, size_t header_len, const uint8_t sig[64],
                    const uint8_t *body, size_t body_len);

/* Check the signature against h.author. PX_OK or PX_ESIG. */
int px_entry_verify_sig(const px_entry *e);

/* Check the body (if present) against body_len, body_hash and PX_BODY_MAX.
 * An absent body is fine. PX_OK, PX_EHASH or PX_ETOOBIG. */
int px_entry_check_body(const px_entry *e);

/* Encode a header into out (at least PX_HEADER_MAX bytes). Returns the
 * length, or 0 if the header is invalid (bad kind, seq 0, prev rules). */
size_t px_header_encode(const px_header *h, uint8_t *out);

/* Whether s is a valid kind name: 1..32 bytes of [a-z0-9_-]. */
bool px_kind_valid(const char *s);

/* Lowercase hex of an id; out must hold PX_ID_HEX bytes. Returns out. */
char *px_id_hex(char out[PX_ID_HEX], const uint8_t id[32]);

#endif
