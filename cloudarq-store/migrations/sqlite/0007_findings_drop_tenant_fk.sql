-- CloudArq store, migration 7 (SQLite): nothing to change. The PostgreSQL
-- twin (migrations/postgres/0007_findings_drop_tenant_fk.sql) drops the
-- findings' direct foreign key to tenants, which the (tenant_id, scan_id)
-- reference to scans implies. SQLite cannot drop a constraint without
-- rebuilding the table (copying every finding), and its check of that key
-- costs little per row (benches/README.md, "Store throughput"), so the
-- redundant reference stays here; both schemas enforce the same rules.
SELECT 1;
