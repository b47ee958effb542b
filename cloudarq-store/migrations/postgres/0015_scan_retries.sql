-- CloudArq store, migration 15 (PostgreSQL): retries of a failed scan
-- attempt with exponential back-off (cloudarq_store::jobs, issue 12). The
-- SQLite twin is migrations/sqlite/0015_scan_retries.sql.
-- A worker whose attempt failed for a reason worth retrying puts the scan
-- back in the queue with not_before_ms, the earliest time a claim may take
-- it again (back-off with jitter); NULL means at once. The fencing token of
-- a claim is (claimed_by, attempts), already stored: every later step of a
-- claim is conditional on both, so no column is needed for it.
-- The table-level grants of cloudarq_app and the row-level policy on scans
-- cover the new column.

ALTER TABLE scans ADD COLUMN not_before_ms bigint;
