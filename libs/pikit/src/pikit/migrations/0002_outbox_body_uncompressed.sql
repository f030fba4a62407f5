-- Bodies are stored as they are, without TOAST's compression: a row lives only until the relay
-- has published it, and compressing large bodies (an import batch's event carries the ids and
-- SKUs of 5,000 products) with pglz was ~1.5 % of all CPU samples while
-- an import's batches were applied (perf, 2 cores).
ALTER TABLE outbox ALTER COLUMN body SET STORAGE EXTERNAL;
