-- CloudArq store, migration 13 (SQLite): the tenant's settings (issue 11,
-- V3); see migrations/postgres/0013_tenant_settings.sql.
ALTER TABLE tenants ADD COLUMN require_client_mfa INTEGER NOT NULL DEFAULT 0;
