-- CloudArq store, migration 15 (SQLite): retries of a failed scan attempt
-- with exponential back-off; see migrations/postgres/0015_scan_retries.sql.

ALTER TABLE scans ADD COLUMN not_before_ms INTEGER;
