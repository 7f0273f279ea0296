/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blob.h — attachments as content-addressed blobs (schema/BLOBS.md).
 *
 * A blob is cut into 64 KiB chunks. Its manifest (size, chunk size, every
 * chunk's BLAKE2b-256) is encoded in canonical msgpack, and its id is the
 * BLAKE2b-256 of those bytes, so a chunk can be checked against the
 * manifest the moment it arrives, before it is written, and a transfer
 * resumes with the chunks still missing.
 *
 * The store (px_blobs) keeps the manifest and a bitmap of the chunks held in
 * SQLite (table blobs, schema/010_blobs.sql) and the chunk bytes in one file
 * per blob under DIR/blobs/. A blob is complete only when every chunk is
 * verified and present; that flag changes in the same transaction that
 * records the last chunk. Blobs added on this node (own) and pinned ones are
 * kept; the others form a cache of bounded size, evicted least recently used
 * first.
 *
 * The API is shaped for the transfer code: put a manifest (checked against
 * the id wanted), put a chunk (verified, then stored), list the chunks still
 * missing, read a range (every chunk read is verified again), is-complete,
 * list, remove, pin.
 */
#ifndef PX_BLOB_H
#define PX_BLOB_H

#include "store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    PX_BLOB_CHUNK = 65536,                  /* chunk size, bytes */
    PX_BLOB_ID_BYTES = 32,                  /* BLAKE2b-256 */
    PX_BLOB_MAX_DEFAULT = 64 * 1024 * 1024, /* default size limit per blob */
    /* Chunk buffers aligned so (and whole multiples of it long) are written
     * with O_DIRECT where the file system allows (blob.c, write_run). */
    PX_BLOB_DIRECT_ALIGN = 4096,
};
/* The hardest limit a store may be configured with (4 GiB: 65536 chunks). */
#define PX_BLOB_MAX_LIMIT ((uint64_t)PX_BLOB_CHUNK * 65536u)
/* Default cache size for blobs this node need not keep. */
#define PX_BLOB_CACHE_DEFAULT ((uint64_t)1024 * 1024 * 1024)
/* Default quota per author: bytes of blobs held that one author's records
 * attach (schema/BLOBS.md section 6). */
#define PX_BLOB_QUOTA_DEFAULT ((uint64_t)256 * 1024 * 1024)

/* --- the manifest ------------------------------------------------------- */

typedef struct px_blob_manifest {
    uint64_t size;         /* bytes of the blob */
    uint32_t chunk_size;   /* PX_BLOB_CHUNK */
    uint32_t n;            /* chunks: ceil(size / chunk_size); 0 for an empty blob */
    uint8_t (*hashes)[32]; /* n BLAKE2b-256 hashes (malloc'd; NULL when n is 0) */
} px_blob_manifest;

/* The chunk count of a blob of size bytes. */
uint32_t px_blob_chunk_count(uint64_t size);
/* The length of chunk i of m (the last one may be short). */
size_t px_blob_chunk_len(const px_blob_manifest *m, uint32_t i);

/* Decode manifest bytes from outside. Everything is checked before anything
 * is allocated: the canonical encoding (schema/BLOBS.md), the chunk size,
 * size <= max_size (PX_ETOOBIG otherwise), the hash count against the size,
 * and that the bytes hold exactly that many hashes and nothing after.
 * PX_OK, PX_EFORMAT or PX_ETOOBIG with a detail; OUT *m (release with
 * px_blob_manifest_free; zeroed on failure). */
int px_blob_manifest_decode(const uint8_t *p, size_t len, uint64_t max_size, px_blob_manifest *m);
/* The canonical encoding of m, appended to out. */
int px_blob_manifest_encode(const px_blob_manifest *m, px_buf *out);
/* The id of manifest bytes: BLAKE2b-256 of them. */
void px_blob_id(uint8_t id[32], const uint8_t *manifest, size_t len);
void px_blob_manifest_free(px_blob_manifest *m);

/* --- the store ---------------------------------------------------------- */

typedef struct px_blobs px_blobs;

typedef struct px_blob_limits {
    uint64_t max_size;         /* per blob; 0 = PX_BLOB_MAX_DEFAULT; at most PX_BLOB_MAX_LIMIT */
    uint64_t cache_max;        /* bytes of evictable blobs kept; 0 = PX_BLOB_CACHE_DEFAULT */
    uint64_t quota_per_author; /* 0 = PX_BLOB_QUOTA_DEFAULT (schema/BLOBS.md section 6) */
    bool reader;               /* reads only (a web worker's read-only store): no sweep */
} px_blob_limits;

typedef struct px_blob_info {
    uint8_t id[32];
    uint64_t size;
    uint32_t chunks; /* total */
    uint32_t held;   /* verified and present */
    bool complete;
    bool own; /* kept: added here, or attached to a case this node keeps */
    bool pinned;
    uint64_t added_ms;
    uint64_t used_ms;
    /* Why a blob a keeper's record attaches is not kept (over that keeper's
     * quota per author: px_blob_keep_for), one sentence; "" otherwise. */
    char unkept[240];
} px_blob_info;

/* Open the blob store of the data directory dir (chunk files in dir/blobs,
 * created 0700) over store s (borrowed; it must outlive the px_blobs).
 * limits may be NULL (defaults). Removes chunk files no row names any more
 * (left by a crash during remove) and temporary files older than a day. */
int px_blobs_open(px_blobs **out, px_store *s, const char *dir, const px_blob_limits *limits);
void px_blobs_close(px_blobs *b); /* NULL-safe */

/* Add a local file as an own blob, streaming it (memory is bounded by one
 * chunk plus the hashes). The chunks go to a temporary file that becomes
 * the blob's file only when all are written and synced; the row is then
 * recorded complete in one transaction. Adding a blob held already makes it
 * own (and completes it if it was partial). A file over the size limit is
 * refused (PX_ETOOBIG) before anything is written; a full disk gives PX_EIO
 * with a sentence, and nothing is left behind. Inside a transaction of the
 * store (publish), the row joins that transaction: if it is rolled back,
 * the file is swept at the next open. OUT id. */
int px_blob_add_file(px_blobs *b, const char *path, uint8_t id[32]);

/* Take a manifest from outside for the blob id: it must decode (within the
 * size limit) and hash to id (PX_EHASH). Records the blob with no chunks
 * held (or leaves it as it is if held already: PX_OK). For room, evicts
 * other evictable blobs; PX_ETOOBIG if the cache cannot hold it. */
int px_blob_put_manifest(px_blobs *b, const uint8_t id[32], const uint8_t *manifest, size_t len);

/* Store chunk index of blob id: its length and BLAKE2b-256 must match the
 * manifest (PX_EHASH, PX_EINVAL: nothing is written), then it is written,
 * synced and recorded; the blob turns complete with its last chunk.
 * PX_ENOENT if the manifest is not held. A chunk held already: PX_OK. */
int px_blob_put_chunk(px_blobs *b, const uint8_t id[32], uint32_t index, const uint8_t *data,
                      size_t len);

/* Several chunks of one blob in one go (one fdatasync, one transaction):
 * each checked as by px_blob_put_chunk, rcs[k] its result; the return value
 * is the batch's (a full disk: PX_EIO, and no chunk of it counts). hashed:
 * the caller has checked every chunk's BLAKE2b-256 against the manifest of
 * this id already (the transfer protocol does on arrival), so only index
 * and length are checked again. */
int px_blob_put_chunks(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                       const uint8_t *const *data, const size_t *len, bool hashed, int *rcs);

/* px_blob_put_chunks in two steps, for syncing many batches at once:
 * px_blob_write_chunks checks and writes the chunks' bytes but neither
 * syncs nor records them (after a crash they are simply not held);
 * px_blob_record_chunks later syncs the blob's file and only then records
 * the chunks given (all written before by write_chunks) as held, in one
 * transaction, completing the blob with its last chunk. */
int px_blob_write_chunks(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                         const uint8_t *const *data, const size_t *len, bool hashed, int *rcs);
int px_blob_record_chunks(px_blobs *b, const uint8_t id[32], size_t n, const uint32_t *index,
                          int *rcs);

/* The manifest bytes and the bitmap of chunks held (chunk i is bit i % 8
 * of byte i / 8), appended to manifest and have. PX_ENOENT if not held. */
int px_blob_state(px_blobs *b, const uint8_t id[32], px_buf *manifest, px_buf *have);

/* Keep a blob held here (never evicted), as if added here: this node's own
 * record attaches it (publish), a choice of its operator's, so no quota. */
int px_blob_keep(px_blobs *b, const uint8_t id[32]);
/* Whether a case record held in s, by one of the n keys, attaches the blob
 * id. OUT *out. */
int px_blob_attached_by(px_store *s, const uint8_t id[32], const uint8_t (*keys)[32], size_t n,
                        bool *out);

/* The quota per author (schema/BLOBS.md section 6), asked before the
 * manifest of a blob of size bytes from outside is put. The authors of the
 * case records held that attach id are looked up: if one is a keeper (keys:
 * this node, the root, the secretariat) *kept is set and the blob is not
 * refused (whether it is then kept is px_blob_keep_for's to say);
 * a blob held already, or attached by no record, is not charged either.
 * Otherwise the blob is refused (PX_ETOOBIG, a sentence naming the author
 * and the figures) unless, for one of its authors, the blobs held that the
 * author's records attach plus size stay within the quota. */
int px_blob_quota_check(px_blobs *b, const uint8_t id[32], uint64_t size, const uint8_t (*keys)[32],
                        size_t n_keys, bool *kept);
/* The one rule for keeping a blob from outside (schema/BLOBS.md section
 * 6): a blob held that the case record of a keeper (one of keys) attaches
 * is kept (own) if, for one such keeper, the blobs kept that its records
 * attach plus this one stay within the quota per author; otherwise it stays
 * evictable cache and its unkept sentence says why (cleared once kept, or
 * when no keeper attaches it). A blob kept already stays kept. PX_ENOENT if
 * not held. OUT *kept (may be NULL). */
int px_blob_keep_for(px_blobs *b, const uint8_t id[32], const uint8_t (*keys)[32], size_t n_keys,
                     bool *kept);
/* px_blob_keep_for for every blob held, not kept, that a keeper's case
 * record attaches (a record that arrived after its blob; room freed since),
 * oldest blob first. OUT *marked (may be NULL): how many it kept now. */
int px_blob_keep_attached(px_blobs *b, const uint8_t (*keys)[32], size_t n_keys, size_t *marked);

/* The chunks of id not held yet, in order, from index from on: at most max
 * of them into out. OUT *n. */
int px_blob_missing(px_blobs *b, const uint8_t id[32], uint32_t from, uint32_t *out, size_t max,
                    size_t *n);

/* Read len bytes at off of a blob whose chunks covering the range are held.
 * Each chunk read is verified against the manifest again; a damaged one is
 * marked missing (the blob is no longer complete) and PX_EHASH returned. A
 * range past the end is PX_EINVAL; a chunk not held, PX_ENOENT. The store
 * keeps the manifest and bitmap of the blob read last while the database is
 * unchanged (SQLite's data version, this connection's change count), so
 * reading a blob chunk by chunk queries the database once. */
int px_blob_read(px_blobs *b, const uint8_t id[32], uint64_t off, uint8_t *buf, size_t len);

/* Read chunk index of id whole into buf (PX_BLOB_CHUNK bytes of room), as
 * px_blob_read (verified; PX_ENOENT if not held, PX_EINVAL past the last
 * chunk). OUT *len: its length (0 on failure). */
int px_blob_read_chunk(px_blobs *b, const uint8_t id[32], uint32_t index, uint8_t *buf,
                       size_t *len);

int px_blob_info_get(px_blobs *b, const uint8_t id[32], px_blob_info *out);
bool px_blob_is_complete(px_blobs *b, const uint8_t id[32]);
/* The manifest bytes of a held blob, appended to out. */
int px_blob_manifest_get(px_blobs *b, const uint8_t id[32], px_buf *out);

typedef int (*px_blob_cb)(void *ctx, const px_blob_info *info);
/* Every blob held, by id. */
int px_blob_each(px_blobs *b, px_blob_cb cb, void *ctx);

/* Remove a blob (row, then file). PX_ENOENT if not held. */
int px_blob_remove(px_blobs *b, const uint8_t id[32]);
int px_blob_pin(px_blobs *b, const uint8_t id[32], bool pinned);

/* Evict evictable blobs (not own, not pinned), least recently used first,
 * until the evictable ones (partial ones at their full size) take at most
 * cache_max - room bytes. OUT
 * *evicted (may be NULL): how many were removed. */
int px_blob_evict(px_blobs *b, uint64_t room, size_t *evicted);

/* A blob id as typed: 64 hex digits (held or not), or a unique prefix of at
 * least 8 of the ids held. PX_EINVAL (not hex, too short, ambiguous: the
 * candidates listed) or PX_ENOENT, with a detail. */
int px_blob_resolve(px_blobs *b, const char *hex, uint8_t out[32]);

#endif
