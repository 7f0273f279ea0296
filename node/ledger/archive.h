/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive.h — the feed export format: how entries travel outside the
 * network (a file, a USB stick to an air-gapped centre).
 *
 * A file is a plain concatenation of msgpack arrays, one per entry:
 *
 *   [header:bin, signature:bin(64), body:bin|nil]
 *
 * in (author, seq) order, with no framing besides msgpack's own. Specified
 * in schema/ENTRIES.md so that a third party can check an export with only a
 * msgpack library and an Ed25519 verifier.
 */
#ifndef PX_ARCHIVE_H
#define PX_ARCHIVE_H

#include "entry.h"
#include "util.h"

#include <stdio.h>

/* Largest encoded item: array + header + signature + body, with headers. */
enum { PX_ARCHIVE_ITEM_MAX = 16 + PX_HEADER_MAX + 64 + PX_BODY_MAX };

/* Append one entry's item to out. */
int px_archive_put(px_buf *out, const px_entry *e);

/* A streaming reader over a FILE. Zero-initialise, then px_archive_next()
 * until it returns PX_ENOENT (clean end of file). Memory is bounded by
 * PX_ARCHIVE_ITEM_MAX plus one read chunk, whatever the file claims. */
typedef struct px_archive_reader {
    FILE *f;
    px_buf buf; /* unread bytes are buf.data[pos..len) */
    size_t pos;
    bool eof;
    uint64_t index; /* 1-based number of the item last returned */
} px_archive_reader;

/* Read the next entry. OUT *e: decoded (header strictly checked, signature
 * and body not yet verified); e->body points into the reader's buffer and is
 * valid until the next call. Returns PX_OK, PX_ENOENT at a clean end, or
 * PX_EFORMAT / PX_ETOOBIG with a detail naming the item number (a truncated
 * file is "item N is truncated"). */
int px_archive_next(px_archive_reader *r, px_entry *e);

void px_archive_reader_free(px_archive_reader *r);

#endif
