-- Imports whose batches are being applied (from their first batch to import.completed,
-- failed or cancelled). Background work that would compete with them (the search
-- indexer's big catch-ups) waits while one is running.
CREATE TABLE imports_running (
    job_id     uuid PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applied_batches_recent ON applied_batches (applied_at);
