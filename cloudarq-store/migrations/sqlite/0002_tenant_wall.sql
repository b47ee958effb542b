-- CloudArq store, migration 2 (SQLite). The PostgreSQL twin is
-- migrations/postgres/0002_tenant_wall.sql. SQLite has no roles and no
-- row-level security; this mirrors the constraints: references that stay
-- inside a tenant, and an append-only audit log.

-- 1. References stay inside a tenant: (tenant_id, id) foreign keys. SQLite
-- cannot add a constraint to a table, so the referencing tables are copied
-- aside, dropped (children first) and created again with the same columns.
-- As on PostgreSQL, the primary keys of a connection's credentials and a
-- scan's scores carry the tenant too.
CREATE UNIQUE INDEX connections_tenant_id_id_key ON connections (tenant_id, id);

CREATE TEMP TABLE findings_0001 AS SELECT * FROM findings;
CREATE TEMP TABLE scores_0001 AS SELECT * FROM scores;
CREATE TEMP TABLE scans_0001 AS SELECT * FROM scans;
CREATE TEMP TABLE mutelist_entries_0001 AS SELECT * FROM mutelist_entries;
CREATE TEMP TABLE connection_credentials_0001 AS SELECT * FROM connection_credentials;
DROP TABLE findings;
DROP TABLE scores;
DROP TABLE scans;
DROP TABLE mutelist_entries;
DROP TABLE connection_credentials;

-- Deleted at once when the connection or tenant is deleted (revocation).
CREATE TABLE connection_credentials (
    connection_id BLOB NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    external_id BLOB,
    access_key_id BLOB,
    secret_access_key BLOB,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, connection_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
);
INSERT INTO connection_credentials SELECT * FROM temp.connection_credentials_0001;

CREATE TABLE scans (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    connection_id BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress INTEGER NOT NULL DEFAULT 0,
    account_id TEXT,
    collected_at_ms INTEGER,
    regions TEXT NOT NULL DEFAULT '[]',
    rules_evaluated INTEGER NOT NULL DEFAULT 0,
    resources INTEGER NOT NULL DEFAULT 0,
    coverage_gaps TEXT NOT NULL DEFAULT '[]',
    evaluation_gaps TEXT NOT NULL DEFAULT '[]',
    created_at_ms INTEGER NOT NULL,
    started_at_ms INTEGER,
    finished_at_ms INTEGER,
    error TEXT,
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
);
INSERT INTO scans SELECT * FROM temp.scans_0001;
CREATE INDEX scans_by_connection ON scans (tenant_id, connection_id, created_at_ms);
CREATE UNIQUE INDEX scans_tenant_id_id_key ON scans (tenant_id, id);

CREATE TABLE findings (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    scan_id BLOB NOT NULL,
    rule_id TEXT NOT NULL,
    title TEXT NOT NULL,
    service TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_arn TEXT NOT NULL,
    region TEXT,
    status TEXT NOT NULL CHECK (status IN ('PASS', 'FAIL', 'ERROR', 'MUTED')),
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    details BLOB NOT NULL,
    FOREIGN KEY (tenant_id, scan_id) REFERENCES scans (tenant_id, id)
);
INSERT INTO findings SELECT * FROM temp.findings_0001;
CREATE INDEX findings_page ON findings (tenant_id, scan_id, severity_rank DESC, id);

CREATE TABLE scores (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    scan_id BLOB NOT NULL,
    framework TEXT NOT NULL,
    framework_title TEXT NOT NULL,
    position INTEGER NOT NULL,
    section TEXT NOT NULL,
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    manual INTEGER NOT NULL,
    score DOUBLE PRECISION,
    PRIMARY KEY (tenant_id, scan_id, framework, section),
    FOREIGN KEY (tenant_id, scan_id) REFERENCES scans (tenant_id, id)
);
INSERT INTO scores SELECT * FROM temp.scores_0001;

CREATE TABLE mutelist_entries (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    connection_id BLOB,
    rule_id TEXT NOT NULL,
    resource_glob TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires_at_ms INTEGER,
    created_at_ms INTEGER NOT NULL,
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
);
INSERT INTO mutelist_entries SELECT * FROM temp.mutelist_entries_0001;

DROP TABLE temp.findings_0001;
DROP TABLE temp.scores_0001;
DROP TABLE temp.scans_0001;
DROP TABLE temp.mutelist_entries_0001;
DROP TABLE temp.connection_credentials_0001;

-- 2. (Tenant binding is PostgreSQL's: SQLite has no database roles, and
-- the TenantScope of every store call is its wall.)

-- 3. The audit log is append-only: no row changes, and rows are deleted
-- only by the purge of a deleted tenant.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM tenants t
                  WHERE t.id = OLD.tenant_id
                    AND t.deleted_at_ms IS NOT NULL
                    AND t.purge_after_ms IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused (only the purge of a deleted tenant removes its rows)');
END;
