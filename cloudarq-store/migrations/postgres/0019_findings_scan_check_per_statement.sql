-- CloudArq store, migration 19 (PostgreSQL): the rule "every finding belongs
-- to an existing scan of its own tenant" is checked once per statement
-- instead of once per row. PostgreSQL only: SQLite keeps its foreign key
-- (there it costs little; benches/README.md, "Store throughput").
--
-- Why: findings_scan_fkey ran one lookup and one row lock on the scan for
-- every inserted finding. That was about a third of the server's work for a
-- scan's findings (a 100,000-finding scan: 88 K findings/s with it, 130 K/s
-- without it, on the same idle machine). A scan's findings are written 2,000
-- to a statement, all naming the same scan, so a check per statement does
-- the same job with one lookup.
--
-- What the foreign key guaranteed, and what replaces each part:
-- 1. An inserted finding names a scan that exists, of the finding's own
--    tenant: findings_scan_exists, after each INSERT statement, looks up
--    every distinct (tenant_id, scan_id) of the new rows and refuses the
--    statement when one is missing. The error is the foreign key's own:
--    SQLSTATE 23503, constraint findings_scan_fkey.
--    The lookup runs as the inserting role, under row-level security, so it
--    finds only scans of the bound tenant. The foreign key ignored
--    row-level security, but the (tenant_id, scan_id) pair already limited
--    it to the same tenant's scans (migration 0002), so what is accepted is
--    unchanged.
-- 2. A scan cannot be deleted while one of its findings is being inserted:
--    the same lookup takes FOR KEY SHARE on each scan it finds, as the
--    foreign key's check did. A concurrent DELETE of that scan waits for
--    the inserting transaction, then finds its findings (rule 3).
-- 3. A scan cannot be deleted, nor its (tenant_id, id) changed, while
--    findings name it: scans_keep_findings, before each such row change,
--    refuses it (23503, findings_scan_fkey) when a finding names the scan.
--    The purge and retention delete a scan's findings first, as before.
--    Every store transaction that deletes scans is READ COMMITTED (the
--    backup's REPEATABLE READ transaction only reads), so this check sees
--    findings committed while it waited for rule 2's lock.
-- 4. A finding cannot be moved to another scan or tenant: nothing in
--    CloudArq moves one, so findings_keep_scan refuses any UPDATE that
--    changes a finding's tenant_id or scan_id.
-- 5. TRUNCATE scans ... CASCADE would have emptied findings too; it is now
--    refused while findings has rows (scores_scan_fkey still makes a plain
--    TRUNCATE of scans fail).
--
-- Restores are unaffected: pg_restore creates triggers after loading the
-- data, as it added foreign keys.

ALTER TABLE findings DROP CONSTRAINT findings_scan_fkey;

CREATE FUNCTION cloudarq_findings_scan_exists() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    missing record;
BEGIN
    -- Each distinct scan of the new rows, looked up and locked once.
    SELECT n.tenant_id, n.scan_id INTO missing
        FROM (SELECT DISTINCT tenant_id, scan_id FROM new_findings) n
        LEFT JOIN LATERAL (
            SELECT true AS present FROM scans s
                WHERE s.tenant_id = n.tenant_id AND s.id = n.scan_id
                FOR KEY SHARE OF s) l ON true
        WHERE l.present IS NULL
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "findings" violates foreign key constraint "findings_scan_fkey"'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'findings_scan_fkey',
                  TABLE = 'findings',
                  DETAIL = format('Key (tenant_id, scan_id)=(%s, %s) is not present in table "scans".',
                                  missing.tenant_id, missing.scan_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER findings_scan_exists
    AFTER INSERT ON findings
    REFERENCING NEW TABLE AS new_findings
    FOR EACH STATEMENT EXECUTE FUNCTION cloudarq_findings_scan_exists();

CREATE FUNCTION cloudarq_findings_keep_scan() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a finding cannot be moved to another scan or tenant'
        USING ERRCODE = 'foreign_key_violation',
              CONSTRAINT = 'findings_scan_fkey',
              TABLE = 'findings',
              DETAIL = format('Finding %s names scan %s of tenant %s.', OLD.id, OLD.scan_id, OLD.tenant_id);
END
$$;

CREATE TRIGGER findings_keep_scan
    BEFORE UPDATE OF tenant_id, scan_id ON findings
    FOR EACH ROW
    WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.scan_id IS DISTINCT FROM NEW.scan_id)
    EXECUTE FUNCTION cloudarq_findings_keep_scan();

CREATE FUNCTION cloudarq_scans_keep_findings() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        IF EXISTS (SELECT 1 FROM findings) THEN
            RAISE EXCEPTION 'truncate of table "scans" would orphan the rows of table "findings"'
                USING ERRCODE = 'foreign_key_violation',
                      CONSTRAINT = 'findings_scan_fkey',
                      TABLE = 'scans';
        END IF;
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM findings f WHERE f.tenant_id = OLD.tenant_id AND f.scan_id = OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "scans" violates foreign key constraint "findings_scan_fkey" on table "findings"'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'findings_scan_fkey',
                  TABLE = 'scans',
                  DETAIL = format('Key (tenant_id, id)=(%s, %s) is still referenced from table "findings".',
                                  OLD.tenant_id, OLD.id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER scans_keep_findings_delete
    BEFORE DELETE ON scans
    FOR EACH ROW EXECUTE FUNCTION cloudarq_scans_keep_findings();

CREATE TRIGGER scans_keep_findings_update
    BEFORE UPDATE OF tenant_id, id ON scans
    FOR EACH ROW
    WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION cloudarq_scans_keep_findings();

CREATE TRIGGER scans_keep_findings_truncate
    BEFORE TRUNCATE ON scans
    FOR EACH STATEMENT EXECUTE FUNCTION cloudarq_scans_keep_findings();
