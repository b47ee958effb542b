-- CloudArq store, migration 11 (SQLite): the audit log's hash chain and
-- user agent (issue 11, V5). The PostgreSQL twin explains the chain:
-- migrations/postgres/0011_audit_chain.sql. Rows written before it have no
-- seq and stay outside the chain; a trigger requires every new row to be
-- chained.
ALTER TABLE audit_log ADD COLUMN user_agent TEXT;
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_log ADD COLUMN row_hash BLOB;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (tenant_id, seq);
CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
WHEN NEW.seq IS NULL OR NEW.seq < 1
  OR NEW.prev_hash IS NULL OR length(NEW.prev_hash) != 32
  OR NEW.row_hash IS NULL OR length(NEW.row_hash) != 32
BEGIN
    SELECT RAISE(ABORT, 'audit_log rows must be chained (seq, prev_hash, row_hash)');
END;
