-- 003_records.sql — the records index: derived tables for case studies (with
-- full-text search in every language), indicator definitions, benchmark
-- results, crosswalks, retractions and aggregates.
--
-- Everything here is derived from the entries table by node/index.c and can
-- be rebuilt from it (`praxis reindex`; also automatically on open when the
-- meta key 'records_index' is missing, stale or of another version, which is
-- how a store that already held entries gets its index after this migration).
-- Rows are written in the same transaction as the entry they come from.
-- Only bodies that pass their kind's schema are indexed.
--
-- Conventions: rid is the row id within a kind's table; id, author and
-- supersedes are 32-byte entry ids / public keys; period_key orders periods
-- as px_period_cmp does (year * 1000, plus 10 * first month + 1 for a
-- quarter, 10 * month + 2 for a month); text columns hold the record's own
-- text (untrusted: every reader escapes it for its output).

-- Every indexed record: from its entry (author, seq) to its kind's row.
-- Retractions and supersessions find their target here, from the target's
-- id through the entries table. Keyed by (author, seq), not by id: a feed's
-- entries arrive in seq order, so inserts append instead of landing on a
-- random page of a hash-keyed index (the entries table has that one).
CREATE TABLE rec_index (
    author BLOB    NOT NULL,
    seq    INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    rid    INTEGER NOT NULL,
    PRIMARY KEY (author, seq)
) WITHOUT ROWID;

-- Case studies. prev_rid: the version this one supersedes (only a case of
-- the same author counts); version_no: 1 + the superseded version's; live:
-- not retracted and not superseded by a live version (what queries show).
-- No index on live or ts: listings read every row anyway (to count them),
-- which takes a few milliseconds for 10,000 cases, and replication writes
-- cases faster without one.
CREATE TABLE rec_cases (
    rid          INTEGER PRIMARY KEY,
    id           BLOB    NOT NULL,
    author       BLOB    NOT NULL,
    ts           INTEGER NOT NULL,
    country      TEXT    NOT NULL,
    stage        TEXT    NOT NULL,
    centre       TEXT,
    start_year   INTEGER,
    end_year     INTEGER,
    illustrative INTEGER NOT NULL DEFAULT 0,
    prev_rid     INTEGER,
    version_no   INTEGER NOT NULL DEFAULT 1,
    retracted    INTEGER NOT NULL DEFAULT 0,
    live         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rec_cases_prev ON rec_cases (prev_rid) WHERE prev_rid IS NOT NULL;

CREATE TABLE rec_case_tags (
    tag TEXT    NOT NULL COLLATE NOCASE,
    rid INTEGER NOT NULL,
    PRIMARY KEY (tag, rid)
) WITHOUT ROWID;

-- Full text of the cases: one row per case and language (the language of
-- the language-map entries it holds), so ranking and snippets stay within
-- one language. extra: centre, tags, services and channels (the same in
-- every row of a case). The rowid of language i of case rid is
-- rid * 64 + i (PX_INDEX_FTS_LANGS), so a search learns its cases from the
-- index alone. unicode61 folds case and strips diacritics in Latin,
-- Cyrillic and Georgian alike. No stemmer: FTS5 has one for English only,
-- and it doubles the cost of indexing; a search word ending in '*' matches
-- as a prefix in every language instead ("очеред*", "wait*").
CREATE VIRTUAL TABLE rec_cases_fts USING fts5 (
    title, summary, body, extra, case_rid UNINDEXED, lang UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Ranking: bm25 with a title match worth most, then summary, tags, text.
INSERT INTO rec_cases_fts (rec_cases_fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0, 3.0, 0.0, 0.0)');

-- Indicator definitions; versions and live as for cases.
CREATE TABLE rec_indicators (
    rid              INTEGER PRIMARY KEY,
    id               BLOB    NOT NULL,
    author           BLOB    NOT NULL,
    ts               INTEGER NOT NULL,
    code             TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    measure_type     TEXT    NOT NULL,
    domain           TEXT,
    unit             TEXT,
    scale_min        REAL    NOT NULL,
    scale_max        REAL    NOT NULL,
    higher_is_better INTEGER NOT NULL,
    illustrative     INTEGER NOT NULL DEFAULT 0,
    prev_rid         INTEGER,
    version_no       INTEGER NOT NULL DEFAULT 1,
    retracted        INTEGER NOT NULL DEFAULT 0,
    live             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rec_indicators_code ON rec_indicators (code, version);
CREATE INDEX rec_indicators_prev ON rec_indicators (prev_rid) WHERE prev_rid IS NOT NULL;

-- Benchmark results. One index only: compare, trend and aggregate all start
-- from an indicator's live results in a period, and every index costs each
-- of the thousands of rows a CSV import or a sync adds per second. It holds
-- the country too, so finding which countries report an indicator at all
-- (compare's "missing" rows) reads the index alone.
CREATE TABLE rec_benchmarks (
    rid               INTEGER PRIMARY KEY,
    id                BLOB    NOT NULL,
    author            BLOB    NOT NULL,
    ts                INTEGER NOT NULL,
    indicator         TEXT    NOT NULL,
    indicator_version INTEGER,            -- NULL: the latest version
    country           TEXT    NOT NULL,
    centre            TEXT,               -- NULL: all
    service           TEXT,
    channel           TEXT,
    period            TEXT    NOT NULL,
    period_key        INTEGER NOT NULL,
    value             REAL    NOT NULL,
    n                 INTEGER,
    ci_low            REAL,
    ci_high           REAL,
    std_err           REAL,
    method            TEXT,
    status            TEXT    NOT NULL,
    source            TEXT,
    illustrative      INTEGER NOT NULL DEFAULT 0,
    retracted         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rec_benchmarks_ind ON rec_benchmarks (indicator, retracted, period_key, country);

-- Crosswalks, from whoever published them; queries count only the
-- secretariat's.
CREATE TABLE rec_crosswalks (
    rid          INTEGER PRIMARY KEY,
    id           BLOB    NOT NULL,
    author       BLOB    NOT NULL,
    ts           INTEGER NOT NULL,
    from_code    TEXT    NOT NULL,
    to_code      TEXT    NOT NULL,
    conversion   TEXT    NOT NULL,        -- 'linear' or 'endpoints'
    a            REAL,
    b            REAL,
    grade        TEXT    NOT NULL,
    illustrative INTEGER NOT NULL DEFAULT 0,
    retracted    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rec_crosswalks_from ON rec_crosswalks (from_code);
CREATE INDEX rec_crosswalks_to ON rec_crosswalks (to_code);

-- Aggregates published by the secretariat.
CREATE TABLE rec_aggregates (
    rid               INTEGER PRIMARY KEY,
    id                BLOB    NOT NULL,
    author            BLOB    NOT NULL,
    ts                INTEGER NOT NULL,
    indicator         TEXT    NOT NULL,
    indicator_version INTEGER,
    period            TEXT    NOT NULL,
    period_key        INTEGER NOT NULL,
    by_what           TEXT    NOT NULL,   -- network, country, centre, service
    grp               TEXT,
    weighting         TEXT    NOT NULL,
    basis             TEXT    NOT NULL,
    value             REAL    NOT NULL,
    members           INTEGER NOT NULL,
    n                 INTEGER,
    illustrative      INTEGER NOT NULL DEFAULT 0,
    retracted         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rec_aggregates_ind ON rec_aggregates (indicator, period_key);

-- Retractions that counted: the target was an indexed record of the same
-- author. id is the retract entry (its body holds the reason).
CREATE TABLE rec_retractions (
    target BLOB    PRIMARY KEY,
    id     BLOB    NOT NULL,
    author BLOB    NOT NULL,
    ts     INTEGER NOT NULL
) WITHOUT ROWID;
