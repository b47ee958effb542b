-- CloudArq store, migration 11 (PostgreSQL): the audit log's hash chain and
-- user agent (issue 11, V5). The SQLite twin is
-- migrations/sqlite/0011_audit_chain.sql.
--
-- Each tenant's rows form a chain: seq counts from 1 without gaps, prev_hash
-- is the row_hash of the row before (32 zero bytes for the first) and
-- row_hash is SHA-256 over prev_hash and the row's fields (audit_log.rs,
-- `chain_hash`). An edited, removed or reordered row breaks the chain at
-- that point, which `cloudarq audit verify` reports. Rows written before
-- this migration have no seq and stay outside the chain (verify counts them);
-- every new row must be chained (the NOT VALID check applies to new rows).
ALTER TABLE audit_log ADD COLUMN user_agent text;
ALTER TABLE audit_log ADD COLUMN seq bigint;
ALTER TABLE audit_log ADD COLUMN prev_hash bytea;
ALTER TABLE audit_log ADD COLUMN row_hash bytea;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_chained
    CHECK (seq IS NOT NULL AND seq > 0
           AND octet_length(prev_hash) = 32 AND octet_length(row_hash) = 32) NOT VALID;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (tenant_id, seq);
