-- CloudArq store, initial schema (PostgreSQL). The SQLite twin is
-- migrations/sqlite/0001_initial.sql: same tables, columns and numbers.
-- Times are Unix milliseconds (UTC). Ids are UUIDs (uuid here).
-- Columns holding ciphertext are byteas written by cloudarq_store::crypto.

CREATE TABLE tenants (
    id uuid PRIMARY KEY NOT NULL,
    name text NOT NULL,
    created_at_ms bigint NOT NULL,
    deleted_at_ms bigint,
    purge_after_ms bigint
);

-- Per-tenant data keys, wrapped by a master key from the keyring.
CREATE TABLE tenant_keys (
    id bigint PRIMARY KEY NOT NULL CHECK (id BETWEEN 1 AND 4294967295),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    master_key_id bigint NOT NULL,
    wrapped_key bytea NOT NULL,
    state text NOT NULL CHECK (state IN ('primary', 'retired')),
    encryptions bigint NOT NULL DEFAULT 0,
    created_at_ms bigint NOT NULL
);
CREATE UNIQUE INDEX tenant_keys_one_primary ON tenant_keys (tenant_id) WHERE state = 'primary';

CREATE TABLE users (
    id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'client')),
    password_hash text,
    totp_secret bytea,
    created_at_ms bigint NOT NULL,
    UNIQUE (tenant_id, email)
);

CREATE TABLE connections (
    id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    account_id text,
    role_arn text,
    created_at_ms bigint NOT NULL,
    deleted_at_ms bigint,
    purge_after_ms bigint,
    UNIQUE (tenant_id, name)
);

-- Deleted at once when the connection or tenant is deleted (revocation).
CREATE TABLE connection_credentials (
    connection_id uuid PRIMARY KEY NOT NULL REFERENCES connections (id),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    external_id bytea,
    access_key_id bytea,
    secret_access_key bytea,
    updated_at_ms bigint NOT NULL
);

CREATE TABLE scans (
    id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    connection_id uuid NOT NULL REFERENCES connections (id),
    status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress bigint NOT NULL DEFAULT 0,
    account_id text,
    collected_at_ms bigint,
    regions text NOT NULL DEFAULT '[]',
    rules_evaluated bigint NOT NULL DEFAULT 0,
    resources bigint NOT NULL DEFAULT 0,
    coverage_gaps text NOT NULL DEFAULT '[]',
    evaluation_gaps text NOT NULL DEFAULT '[]',
    created_at_ms bigint NOT NULL,
    started_at_ms bigint,
    finished_at_ms bigint,
    error text
);
CREATE INDEX scans_by_connection ON scans (tenant_id, connection_id, created_at_ms);

CREATE TABLE findings (
    id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    scan_id uuid NOT NULL REFERENCES scans (id),
    rule_id text NOT NULL,
    title text NOT NULL,
    service text NOT NULL,
    resource_type text NOT NULL,
    resource_arn text NOT NULL,
    region text,
    status text NOT NULL CHECK (status IN ('PASS', 'FAIL', 'ERROR', 'MUTED')),
    severity text NOT NULL,
    severity_rank bigint NOT NULL,
    details bytea NOT NULL
);
CREATE INDEX findings_page ON findings (tenant_id, scan_id, severity_rank DESC, id);

CREATE TABLE scores (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    scan_id uuid NOT NULL REFERENCES scans (id),
    framework text NOT NULL,
    framework_title text NOT NULL,
    position bigint NOT NULL,
    section text NOT NULL,
    passed bigint NOT NULL,
    failed bigint NOT NULL,
    manual bigint NOT NULL,
    score DOUBLE PRECISION,
    PRIMARY KEY (scan_id, framework, section)
);

CREATE TABLE mutelist_entries (
    id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    connection_id uuid REFERENCES connections (id),
    rule_id text NOT NULL,
    resource_glob text NOT NULL,
    reason text NOT NULL,
    expires_at_ms bigint,
    created_at_ms bigint NOT NULL
);

CREATE TABLE audit_log (
    id uuid PRIMARY KEY NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    actor text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    source_ip text,
    outcome text NOT NULL,
    at_ms bigint NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (tenant_id, at_ms);

-- The application role: it owns nothing, bypasses nothing, and every tenant
-- transaction runs as it (SET LOCAL ROLE cloudarq_app), so row-level security
-- applies. The owner (the role running migrations) keeps the schema.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cloudarq_app') THEN
        CREATE ROLE cloudarq_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
GRANT cloudarq_app TO CURRENT_USER;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    tenants, tenant_keys, users, connections, connection_credentials, scans,
    findings, scores, mutelist_entries, audit_log
TO cloudarq_app;

-- Row-level security, the second wall: enabled and forced on every tenant
-- table; an unset or empty cloudarq.tenant_id sees no row (NULLIF, never an
-- error and never all rows).
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE tenant_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_keys
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE connections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON connections
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE connection_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE connection_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON connection_credentials
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE scans ENABLE ROW LEVEL SECURITY;
ALTER TABLE scans FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scans
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE findings ENABLE ROW LEVEL SECURITY;
ALTER TABLE findings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON findings
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE scores FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scores
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE mutelist_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE mutelist_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON mutelist_entries
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
    USING (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('cloudarq.tenant_id', true), '')::uuid);
