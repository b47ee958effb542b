-- CloudArq store, migration 19 (SQLite): nothing to change. The PostgreSQL
-- twin (migrations/postgres/0019_findings_scan_check_per_statement.sql)
-- replaces the findings' foreign key to scans, a lookup and a row lock per
-- inserted finding, by triggers that check each INSERT statement once and
-- refuse deleting or re-keying a scan that findings name. SQLite's check of
-- that key is a B-tree seek per row that costs little (benches/README.md,
-- "Store throughput"), and dropping it would mean rebuilding the table, so
-- the foreign key stays here; both schemas enforce the same rules.
SELECT 1;
