-- Who made each change: user:ops@example.com or key:ci-nightly for API edits, the principal that
-- started the import for an import's rows (kept here: the job itself may be deleted long before).
ALTER TABLE product_history ADD COLUMN actor text;
