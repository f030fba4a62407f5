-- A claim leases a delivery by writing leased_until, a column in no index, so PostgreSQL can
-- update the row in place (a HOT update: no new entry in any of the four indexes) when its
-- page has room; fillfactor leaves that room in pages written from now on. Before, the lease
-- moved next_attempt_at, which rewrote every index entry of the row on every claim.
ALTER TABLE deliveries ADD COLUMN leased_until timestamptz;
ALTER TABLE deliveries SET (fillfactor = 70);
