-- CloudArq store, migration 12 (PostgreSQL): invitations (issue 11, V3).
-- The SQLite twin is migrations/sqlite/0012_invitations.sql.
--
-- An admin adds a user without a password; the service returns a one-time
-- invitation token once and keeps only its SHA-256 here, with an expiry.
-- Accepting it sets the password and clears both columns in one
-- conditional UPDATE, so a token works once, and a new invitation replaces
-- the old one.
ALTER TABLE users ADD COLUMN invite_hash bytea;
ALTER TABLE users ADD COLUMN invite_expires_at_ms bigint;
CREATE UNIQUE INDEX users_invite_key ON users (tenant_id, invite_hash) WHERE invite_hash IS NOT NULL;
