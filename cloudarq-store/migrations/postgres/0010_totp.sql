-- CloudArq store, migration 10 (PostgreSQL): TOTP two-factor sign-in and
-- backup codes (issue 11, V3). The SQLite twin is
-- migrations/sqlite/0010_totp.sql.
--
-- users.totp_secret (encrypted, migration 1) holds the seed of an
-- enrolment; totp_enrolled_at_ms says when it started (an enrolment not
-- confirmed within ten minutes is refused and replaced), totp_confirmed_at_ms
-- when a valid code confirmed it, and totp_last_step the time step of the
-- last code accepted: a code of that step or an earlier one is refused
-- (replay), decided by one conditional UPDATE.
ALTER TABLE users ADD COLUMN totp_enrolled_at_ms bigint;
ALTER TABLE users ADD COLUMN totp_confirmed_at_ms bigint;
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- Ten single-use codes per user, each stored as an Argon2id PHC string;
-- regenerating deletes the old set.
CREATE TABLE backup_codes (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL,
    code_hash text NOT NULL,
    created_at_ms bigint NOT NULL,
    used_at_ms bigint,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT backup_codes_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX backup_codes_by_user ON backup_codes (tenant_id, user_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON backup_codes TO cloudarq_app;
ALTER TABLE backup_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE backup_codes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON backup_codes
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));

-- Whether a session was opened with a second factor (its refreshed
-- access tokens say so too).
ALTER TABLE sessions ADD COLUMN mfa boolean NOT NULL DEFAULT false;
