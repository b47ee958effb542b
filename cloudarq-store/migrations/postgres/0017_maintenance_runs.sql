-- CloudArq store, migration 17 (PostgreSQL): maintenance jobs on the queue
-- (issue 12): the daily purge (S4), the daily backup with its retention
-- (S5), and key rotation in batches (S2), each a row claimed by a worker
-- under a lease with the scans' fencing token (claimed_by, attempts). The
-- SQLite twin is migrations/sqlite/0017_maintenance_runs.sql.
--
-- (kind, due_key) is the dedupe key: the day (YYYY-MM-DD, UTC) for a daily
-- job, so however many workers enqueue a day's purge, one runs; a rotation
-- requested by an operator gets a key of its own. Not a tenant table: only
-- the owner's maintenance transactions read or write it (no grant to
-- cloudarq_app); each run's audit entry goes to the operators' tenant.

CREATE TABLE maintenance_runs (
    id uuid PRIMARY KEY NOT NULL,
    kind text NOT NULL CHECK (kind IN ('purge', 'backup', 'rotation')),
    due_key text NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    claimed_by text,
    lease_expires_at_ms bigint,
    attempts bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at_ms bigint NOT NULL,
    started_at_ms bigint,
    finished_at_ms bigint,
    result text,
    error text,
    UNIQUE (kind, due_key)
);
CREATE INDEX maintenance_runs_to_claim ON maintenance_runs (created_at_ms, id)
    WHERE status IN ('queued', 'running');
