-- CloudArq store, migration 3 (PostgreSQL): the scan job lifecycle
-- (cloudarq_store::jobs). The SQLite twin is
-- migrations/sqlite/0003_scan_jobs.sql: same columns and index.
-- A worker claims a queued scan: claimed_by names it, the lease expires
-- unless its progress reports renew it (a running scan whose lease expired
-- is claimed again), attempts counts the claims. Migration 1's `error`
-- holds why a scan failed; `progress`, `started_at_ms` and `finished_at_ms`
-- are filled in as the scan runs.
-- The claim runs as the owner (a maintenance transaction: every tenant's
-- queue); progress, finish and fail run as cloudarq_app under row-level
-- security, whose table grants and policy on scans cover the new columns.

ALTER TABLE scans ADD COLUMN claimed_by text;
ALTER TABLE scans ADD COLUMN lease_expires_at_ms bigint;
ALTER TABLE scans ADD COLUMN attempts bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0);

-- The claim's search, oldest first across tenants, over the scans a worker
-- may still claim.
CREATE INDEX scans_to_claim ON scans (created_at_ms, id) WHERE status IN ('queued', 'running');
