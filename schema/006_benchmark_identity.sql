-- 006_benchmark_identity.sql — one result per key (RECORDS.md 4.2).
--
-- A benchmark result's identity is (author, indicator, indicator_version,
-- country, centre, service, channel, period). superseded = 1 marks a result
-- that a later result of the same identity from the same author replaces
-- (latest by feed position; whether or not the later one says
-- `supersedes`, so duplicates replicated from older nodes count once too).
-- Queries read only rows with retracted = 0 AND superseded = 0. Derived by
-- node/index.c like the rest of rec_benchmarks (PX_INDEX_VERSION 2 rebuilds
-- stores indexed before this column existed).
ALTER TABLE rec_benchmarks ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
-- The current result of an identity, found without reading the other
-- results of its indicator, period and country (publishing looks it up for
-- every result; indexing marks the one it replaces). Partial: superseded
-- and retracted rows leave it.
CREATE INDEX rec_benchmarks_current ON rec_benchmarks
    (indicator, country, period_key, author, centre, service, channel, indicator_version)
    WHERE superseded = 0 AND retracted = 0;
