-- CloudArq store, migration 16 (SQLite): scan schedules (issue 12); see
-- migrations/postgres/0016_scan_schedules.sql.

CREATE TABLE scan_schedules (
    connection_id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    interval_seconds INTEGER CHECK (interval_seconds IS NULL OR interval_seconds >= 60),
    cron TEXT,
    time_zone TEXT NOT NULL,
    anchor_ms INTEGER NOT NULL,
    next_tick_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    CHECK ((interval_seconds IS NULL) <> (cron IS NULL)),
    -- The tenant wall: a schedule names a connection of its own tenant.
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
);
CREATE INDEX scan_schedules_due ON scan_schedules (next_tick_ms);

ALTER TABLE scans ADD COLUMN schedule_tick_ms INTEGER;
CREATE UNIQUE INDEX scans_one_per_tick ON scans (connection_id, schedule_tick_ms)
    WHERE schedule_tick_ms IS NOT NULL;
