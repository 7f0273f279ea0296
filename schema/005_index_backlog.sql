-- 005_index_backlog.sql — entries stored by replication before the records
-- index has seen them (flags bit 1, PX_ENTRY_FLAG_UNINDEXED). Replication
-- keeps indexing off its critical path and catches up when idle; this
-- partial index finds the backlog without scanning the table.
CREATE INDEX entries_unindexed ON entries (author, seq) WHERE (flags & 2) != 0;
