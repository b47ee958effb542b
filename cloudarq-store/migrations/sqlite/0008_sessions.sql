-- CloudArq store, migration 8 (SQLite): sign-in sessions of the hosted
-- service (issue 11); see the PostgreSQL twin
-- (migrations/postgres/0008_sessions.sql) for what each column means. SQLite
-- has no row-level security; the tenant column and the (tenant_id, …)
-- references are the same.

ALTER TABLE users ADD COLUMN authz_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at_ms INTEGER;
CREATE UNIQUE INDEX users_tenant_id_id_key ON users (tenant_id, id);
-- Sign-in compares e-mail addresses case-insensitively, so two users of a
-- tenant may not differ by case alone.
CREATE UNIQUE INDEX users_tenant_login_key ON users (tenant_id, lower(email));

CREATE TABLE sessions (
    id BLOB NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    user_id BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL,
    last_used_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    revoked_reason TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id);

CREATE TABLE refresh_tokens (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    token_hash BLOB NOT NULL CHECK (length(token_hash) = 32),
    session_id BLOB NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    rotated_at_ms INTEGER,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (tenant_id, session_id);
