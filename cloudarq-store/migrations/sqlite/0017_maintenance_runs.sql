-- CloudArq store, migration 17 (SQLite): maintenance jobs on the queue
-- (issue 12); see migrations/postgres/0017_maintenance_runs.sql.

CREATE TABLE maintenance_runs (
    id BLOB PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('purge', 'backup', 'rotation')),
    due_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    claimed_by TEXT,
    lease_expires_at_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at_ms INTEGER NOT NULL,
    started_at_ms INTEGER,
    finished_at_ms INTEGER,
    result TEXT,
    error TEXT,
    UNIQUE (kind, due_key)
);
CREATE INDEX maintenance_runs_to_claim ON maintenance_runs (created_at_ms, id)
    WHERE status IN ('queued', 'running');
