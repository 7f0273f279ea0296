-- 011_blob_unkept.sql — why a blob is not kept (node/ledger/blob.c,
-- schema/BLOBS.md section 6): a keeper's record attaches it, but the blobs
-- kept for that keeper would then exceed the quota per author, so it stays
-- evictable cache. NULL when it is kept, or when no keeper's record attaches it.
ALTER TABLE blobs ADD COLUMN unkept TEXT;
