-- 001_core.sql — the replicated log: entries with their exact bytes, feed
-- heads, fork proofs, and node metadata. Everything else is derived from
-- these tables and can be rebuilt from them.

-- Small key/value facts about this store (schema notes, node settings).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per accepted entry, as the exact bytes that were signed.
-- body is NULL when it was purged (purged = 1) or has not arrived yet;
-- the header still binds it by hash, so the chain keeps verifying.
-- flags bit 0: the body is authentic but fails its kind's schema (kept so
-- the author's chain is not blocked; not indexed).
CREATE TABLE entries (
    id          BLOB    NOT NULL UNIQUE,   -- BLAKE2b-256(header || sig)
    author      BLOB    NOT NULL,          -- Ed25519 public key, 32 bytes
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,          -- timestamp_ms from the header
    kind        TEXT    NOT NULL,
    header      BLOB    NOT NULL,
    sig         BLOB    NOT NULL,
    body        BLOB,
    purged      INTEGER NOT NULL DEFAULT 0,
    flags       INTEGER NOT NULL DEFAULT 0,
    received_ms INTEGER NOT NULL,
    UNIQUE (author, seq)                   -- also the index replication scans
);

-- The head of every feed held: the latest contiguous entry.
CREATE TABLE feeds (
    author  BLOB    PRIMARY KEY,
    seq     INTEGER NOT NULL,
    head_id BLOB    NOT NULL,
    ts      INTEGER NOT NULL,
    frozen  INTEGER NOT NULL DEFAULT 0     -- 1 once a fork was proven
);

-- The second entry of each proven fork (the first stays in entries).
-- Both are signed by the author for the same seq: that is the proof.
CREATE TABLE forks (
    id          BLOB    NOT NULL UNIQUE,
    author      BLOB    NOT NULL,
    seq         INTEGER NOT NULL,
    header      BLOB    NOT NULL,
    sig         BLOB    NOT NULL,
    body        BLOB,
    detected_ms INTEGER NOT NULL
);
