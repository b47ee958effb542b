-- CloudArq store, migration 14 (SQLite): the operators' tenant (issue 11,
-- V4); see migrations/postgres/0014_operator_tenant.sql.
CREATE TABLE operator_tenant (
    id BLOB PRIMARY KEY NOT NULL REFERENCES tenants (id),
    singleton INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (singleton = 1)
);
