-- CloudArq store, migration 18 (SQLite): organization connections and their
-- child scans; see migrations/postgres/0018_organization_connections.sql.
-- SQLite cannot add a table constraint to an existing table: the kind's
-- CHECK is on its column, the store writes `organization` exactly for
-- organization connections, and the parent's key is the id alone (SQLite
-- has no row-level security; the store's queries carry the tenant).

ALTER TABLE connections ADD COLUMN kind TEXT NOT NULL DEFAULT 'account'
    CHECK (kind IN ('account', 'organization'));
ALTER TABLE connections ADD COLUMN organization TEXT;

ALTER TABLE scans ADD COLUMN parent_scan_id BLOB REFERENCES scans (id) ON DELETE CASCADE;
ALTER TABLE scans ADD COLUMN organization TEXT;
CREATE INDEX scans_by_parent ON scans (tenant_id, parent_scan_id) WHERE parent_scan_id IS NOT NULL;
