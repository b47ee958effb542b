-- CloudArq store, migration 16 (PostgreSQL): scan schedules (issue 12).
-- The SQLite twin is migrations/sqlite/0016_scan_schedules.sql.
--
-- A connection has at most one schedule: a fixed interval (ticks at
-- anchor + k * interval) or a cron expression read in an IANA time zone.
-- next_tick_ms is the first tick not yet enqueued. Any number of schedulers
-- (every worker runs one) enqueue due ticks; a scan made for a tick carries
-- it in scans.schedule_tick_ms, and the unique index below is the dedupe key
-- of a tick: however many schedulers see it due, one scan is stored.
-- Deleting the connection or its tenant deletes the schedule at once.

CREATE TABLE scan_schedules (
    connection_id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    interval_seconds bigint CHECK (interval_seconds IS NULL OR interval_seconds >= 60),
    cron text,
    time_zone text NOT NULL,
    anchor_ms bigint NOT NULL,
    next_tick_ms bigint NOT NULL,
    created_at_ms bigint NOT NULL,
    CHECK ((interval_seconds IS NULL) <> (cron IS NULL)),
    -- The tenant wall: a schedule names a connection of its own tenant.
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
);
CREATE INDEX scan_schedules_due ON scan_schedules (next_tick_ms);

ALTER TABLE scans ADD COLUMN schedule_tick_ms bigint;
CREATE UNIQUE INDEX scans_one_per_tick ON scans (connection_id, schedule_tick_ms)
    WHERE schedule_tick_ms IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON scan_schedules TO cloudarq_app;
ALTER TABLE scan_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE scan_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scan_schedules
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
