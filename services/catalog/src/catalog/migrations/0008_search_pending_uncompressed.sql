-- The queued ids are stored as they are, without TOAST's compression: a row lives only until
-- the indexer takes it, and compressing an import batch's 5,000 ids with pglz was ~2.5 % of
-- all CPU samples while an import's batches were applied (perf, 2 cores).
ALTER TABLE search_pending ALTER COLUMN product_ids SET STORAGE EXTERNAL;
