-- CloudArq store, migration 14 (PostgreSQL): the operators' tenant (issue
-- 11, V4). The SQLite twin is migrations/sqlite/0014_operator_tenant.sql.
--
-- Operators run the service: they create tenants and their first admin, and
-- delete tenants. They are the admins of one reserved tenant, named here
-- (at most one row). The application role may read it, to tell an
-- operator's session from another, but never write it: no tenant admin can
-- make their tenant the operators'.
CREATE TABLE operator_tenant (
    id uuid PRIMARY KEY NOT NULL REFERENCES tenants (id),
    singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);
GRANT SELECT ON operator_tenant TO cloudarq_app;
