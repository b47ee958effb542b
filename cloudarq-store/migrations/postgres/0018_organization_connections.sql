-- CloudArq store, migration 18 (PostgreSQL): organization connections and
-- their child scans (cloudarq_store::organizations, issue 12). The SQLite
-- twin is migrations/sqlite/0018_organization_connections.sql.
-- A connection is of one AWS account, or of an AWS organization: then
-- `organization` holds its settings as JSON (the member role's name, the
-- include and exclude lists of account ids and OUs; identifiers, no
-- secret: the External ID stays in connection_credentials, encrypted).
-- An organization scan is one queued row like any other; when it succeeds
-- it has one child scan per scanned member (parent_scan_id, same tenant
-- and connection, the member's findings and scores), the organization's
-- roll-up scores as its own, and in `organization` what was listed: each
-- member's name, OU path and child scan, the members skipped and why, and
-- the members whose role could not be assumed (coverage gaps).
-- The table-level grants of cloudarq_app and the row-level policies on
-- connections and scans cover the new columns.

ALTER TABLE connections ADD COLUMN kind text NOT NULL DEFAULT 'account'
    CHECK (kind IN ('account', 'organization'));
ALTER TABLE connections ADD COLUMN organization text;
ALTER TABLE connections ADD CONSTRAINT organization_settings
    CHECK ((kind = 'organization') = (organization IS NOT NULL));

-- The parent is the same tenant's (the key carries tenant_id, as every
-- reference to tenant data does: tests/rls.rs checks the catalog), and its
-- member scans go with it.
ALTER TABLE scans ADD COLUMN parent_scan_id uuid;
ALTER TABLE scans ADD CONSTRAINT scans_parent_scan FOREIGN KEY (tenant_id, parent_scan_id)
    REFERENCES scans (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE scans ADD COLUMN organization text;
CREATE INDEX scans_by_parent ON scans (tenant_id, parent_scan_id) WHERE parent_scan_id IS NOT NULL;
