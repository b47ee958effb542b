-- CloudArq store, migration 12 (SQLite): invitations (issue 11, V3). The
-- PostgreSQL twin explains them: migrations/postgres/0012_invitations.sql.
ALTER TABLE users ADD COLUMN invite_hash BLOB;
ALTER TABLE users ADD COLUMN invite_expires_at_ms INTEGER;
CREATE UNIQUE INDEX users_invite_key ON users (tenant_id, invite_hash) WHERE invite_hash IS NOT NULL;
