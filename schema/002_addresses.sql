-- 002_addresses.sql — find members' latest address announcements quickly.
-- A partial index: only 'address' entries are in it, so other inserts pay
-- nothing for it.
CREATE INDEX entries_address ON entries (author, seq) WHERE kind = 'address';
