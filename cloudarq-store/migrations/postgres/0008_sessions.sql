-- CloudArq store, migration 8 (PostgreSQL): sign-in sessions of the hosted
-- service (issue 11). The SQLite twin is migrations/sqlite/0008_sessions.sql.
--
-- A session is one sign-in: its access tokens carry its id (`sid`), and the
-- service checks on every request that it is not revoked, not past its
-- absolute lifetime, and that the user's `authz_version` is still the one the
-- token was issued under (a role change, password change, 2FA reset or
-- removal bumps it, so older tokens stop at once).
-- A session's refresh tokens form one family: each is stored as its SHA-256
-- only, used once (rotated_at_ms), and presenting a rotated one revokes the
-- whole session (RFC 9700 §4.14.2).

ALTER TABLE users ADD COLUMN authz_version bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at_ms bigint;
ALTER TABLE users ADD CONSTRAINT users_tenant_id_id_key UNIQUE (tenant_id, id);
-- Sign-in compares e-mail addresses case-insensitively, so two users of a
-- tenant may not differ by case alone.
CREATE UNIQUE INDEX users_tenant_login_key ON users (tenant_id, lower(email));

CREATE TABLE sessions (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL,
    created_at_ms bigint NOT NULL,
    last_used_at_ms bigint NOT NULL,
    expires_at_ms bigint NOT NULL,
    revoked_at_ms bigint,
    revoked_reason text,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT sessions_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id);

CREATE TABLE refresh_tokens (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    token_hash bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    session_id uuid NOT NULL,
    issued_at_ms bigint NOT NULL,
    rotated_at_ms bigint,
    PRIMARY KEY (tenant_id, token_hash),
    CONSTRAINT refresh_tokens_session_fkey FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id)
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (tenant_id, session_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, refresh_tokens TO cloudarq_app;

ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));

ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_tokens
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
