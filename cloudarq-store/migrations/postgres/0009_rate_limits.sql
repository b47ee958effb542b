-- CloudArq store, migration 9 (PostgreSQL): rate limits shared by every
-- instance of the service (issue 11, V6). One row per key: the GCRA
-- "theoretical arrival time" of the next request. The key is a SHA-256 of
-- what is limited (an address, an account), so no address or e-mail is
-- stored. Not tenant data (sign-in is limited before any tenant is known):
-- only the owner's maintenance connections read and write it; the
-- application role has no grant. Rows past their time are deleted as the
-- service goes. The SQLite twin is migrations/sqlite/0009_rate_limits.sql.
CREATE TABLE rate_limits (
    key bytea PRIMARY KEY NOT NULL CHECK (octet_length(key) = 32),
    tat_ms bigint NOT NULL
);
CREATE INDEX rate_limits_by_time ON rate_limits (tat_ms);
REVOKE ALL ON rate_limits FROM PUBLIC;
