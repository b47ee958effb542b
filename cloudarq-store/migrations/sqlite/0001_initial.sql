-- CloudArq store, initial schema (SQLite). The PostgreSQL twin is
-- migrations/postgres/0001_initial.sql: same tables, columns and numbers.
-- Times are Unix milliseconds (UTC). Ids are UUIDs (16-byte blobs here).
-- Columns holding ciphertext are BLOBs written by cloudarq_store::crypto.

CREATE TABLE tenants (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    deleted_at_ms INTEGER,
    purge_after_ms INTEGER
);

-- Per-tenant data keys, wrapped by a master key from the keyring.
CREATE TABLE tenant_keys (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id BETWEEN 1 AND 4294967295),
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    master_key_id INTEGER NOT NULL,
    wrapped_key BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('primary', 'retired')),
    encryptions INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX tenant_keys_one_primary ON tenant_keys (tenant_id) WHERE state = 'primary';

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'client')),
    password_hash TEXT,
    totp_secret BLOB,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, email)
);

CREATE TABLE connections (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    account_id TEXT,
    role_arn TEXT,
    created_at_ms INTEGER NOT NULL,
    deleted_at_ms INTEGER,
    purge_after_ms INTEGER,
    UNIQUE (tenant_id, name)
);

-- Deleted at once when the connection or tenant is deleted (revocation).
CREATE TABLE connection_credentials (
    connection_id BLOB PRIMARY KEY NOT NULL REFERENCES connections (id),
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    external_id BLOB,
    access_key_id BLOB,
    secret_access_key BLOB,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE scans (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    connection_id BLOB NOT NULL REFERENCES connections (id),
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
    error TEXT
);
CREATE INDEX scans_by_connection ON scans (tenant_id, connection_id, created_at_ms);

CREATE TABLE findings (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    scan_id BLOB NOT NULL REFERENCES scans (id),
    rule_id TEXT NOT NULL,
    title TEXT NOT NULL,
    service TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_arn TEXT NOT NULL,
    region TEXT,
    status TEXT NOT NULL CHECK (status IN ('PASS', 'FAIL', 'ERROR', 'MUTED')),
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    details BLOB NOT NULL
);
CREATE INDEX findings_page ON findings (tenant_id, scan_id, severity_rank DESC, id);

CREATE TABLE scores (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    scan_id BLOB NOT NULL REFERENCES scans (id),
    framework TEXT NOT NULL,
    framework_title TEXT NOT NULL,
    position INTEGER NOT NULL,
    section TEXT NOT NULL,
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    manual INTEGER NOT NULL,
    score DOUBLE PRECISION,
    PRIMARY KEY (scan_id, framework, section)
);

CREATE TABLE mutelist_entries (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    connection_id BLOB REFERENCES connections (id),
    rule_id TEXT NOT NULL,
    resource_glob TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires_at_ms INTEGER,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    source_ip TEXT,
    outcome TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (tenant_id, at_ms);
