-- CloudArq store, migration 9 (SQLite): rate limits of the service; see the
-- PostgreSQL twin (migrations/postgres/0009_rate_limits.sql).
CREATE TABLE rate_limits (
    key BLOB PRIMARY KEY NOT NULL CHECK (length(key) = 32),
    tat_ms INTEGER NOT NULL
);
CREATE INDEX rate_limits_by_time ON rate_limits (tat_ms);
