-- CloudArq store, migration 10 (SQLite): TOTP two-factor sign-in and backup
-- codes; see the PostgreSQL twin (migrations/postgres/0010_totp.sql).
ALTER TABLE users ADD COLUMN totp_enrolled_at_ms INTEGER;
ALTER TABLE users ADD COLUMN totp_confirmed_at_ms INTEGER;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE backup_codes (
    id BLOB NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    user_id BLOB NOT NULL,
    code_hash TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    used_at_ms INTEGER,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX backup_codes_by_user ON backup_codes (tenant_id, user_id);

-- Whether a session was opened with a second factor (its refreshed
-- access tokens say so too).
ALTER TABLE sessions ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;
