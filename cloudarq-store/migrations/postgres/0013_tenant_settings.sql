-- CloudArq store, migration 13 (PostgreSQL): the tenant's settings (issue
-- 11, V3). The SQLite twin is migrations/sqlite/0013_tenant_settings.sql.
--
-- require_client_mfa: clients, like admins, act only after signing in with a
-- second factor. The application role updates it for its own tenant (the
-- tenants policy of migration 0002 limits it to that row).
ALTER TABLE tenants ADD COLUMN require_client_mfa boolean NOT NULL DEFAULT false;
