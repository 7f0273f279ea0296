-- 004_members.sql — membership: quick access to admissions and revocations,
-- and entries held back because their author is not (yet) a member.

CREATE INDEX entries_member ON entries (author, seq) WHERE kind = 'member';
CREATE INDEX entries_revoke ON entries (author, seq) WHERE kind = 'revoke';

-- Entries whose author was not a member when they arrived. They are kept
-- (bounded, see members.h) and offered to the feed again when an admission
-- arrives, so the order in which admissions and entries travel does not
-- matter.
CREATE TABLE held (
    id          BLOB    NOT NULL UNIQUE,
    author      BLOB    NOT NULL,
    seq         INTEGER NOT NULL,
    header      BLOB    NOT NULL,
    sig         BLOB    NOT NULL,
    body        BLOB,
    received_ms INTEGER NOT NULL
);
CREATE INDEX held_author ON held (author, seq);
