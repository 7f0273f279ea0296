-- 010_blobs.sql — the blob store's metadata (node/blob.c, schema/BLOBS.md).
-- Chunk bytes live in files under DIR/blobs/ (one file per blob); this table
-- says which chunks of each blob are verified and present, so a blob becomes
-- complete in the same transaction that records its last chunk.
CREATE TABLE blobs (
  id        BLOB PRIMARY KEY CHECK (length(id) = 32), -- BLAKE2b-256 of manifest
  manifest  BLOB NOT NULL,              -- the canonical manifest bytes
  size      INTEGER NOT NULL,           -- bytes
  chunks    INTEGER NOT NULL,           -- chunk count
  have      BLOB NOT NULL,              -- bitmap: bit i of byte i/8 = chunk i held
  held      INTEGER NOT NULL DEFAULT 0, -- chunks held (popcount of have)
  complete  INTEGER NOT NULL DEFAULT 0, -- 1 only when held = chunks
  own       INTEGER NOT NULL DEFAULT 0, -- added on this node: never evicted
  pinned    INTEGER NOT NULL DEFAULT 0, -- pinned by the user: never evicted
  added_ms  INTEGER NOT NULL,
  used_ms   INTEGER NOT NULL            -- last read or written, for eviction
) WITHOUT ROWID;
CREATE INDEX blobs_evictable ON blobs (used_ms) WHERE own = 0 AND pinned = 0;
