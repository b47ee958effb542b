-- CloudArq store, migration 2 (PostgreSQL): the tenant wall holds against
-- the application's own database role. The SQLite twin is
-- migrations/sqlite/0002_tenant_wall.sql (same constraints where SQLite has
-- them; it has no roles and no row-level security).

-- 1. References stay inside a tenant. A foreign-key check ignores row-level
-- security, so a single-column reference would accept (and so reveal)
-- another tenant's id; with (tenant_id, id) it only finds a row of the same
-- tenant.
-- The primary keys of rows named after another row (a connection's
-- credentials, a scan's scores) carry the tenant too: a uniqueness check
-- also ignores row-level security, and would otherwise tell a tenant that
-- another tenant's row exists.
ALTER TABLE connections ADD CONSTRAINT connections_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE scans ADD CONSTRAINT scans_tenant_id_id_key UNIQUE (tenant_id, id);
ALTER TABLE connection_credentials
    DROP CONSTRAINT connection_credentials_pkey,
    ADD CONSTRAINT connection_credentials_pkey PRIMARY KEY (tenant_id, connection_id),
    DROP CONSTRAINT connection_credentials_connection_id_fkey,
    ADD CONSTRAINT connection_credentials_connection_fkey
        FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id);
ALTER TABLE scans
    DROP CONSTRAINT scans_connection_id_fkey,
    ADD CONSTRAINT scans_connection_fkey
        FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id);
ALTER TABLE findings
    DROP CONSTRAINT findings_scan_id_fkey,
    ADD CONSTRAINT findings_scan_fkey
        FOREIGN KEY (tenant_id, scan_id) REFERENCES scans (tenant_id, id);
ALTER TABLE scores
    DROP CONSTRAINT scores_pkey,
    ADD CONSTRAINT scores_pkey PRIMARY KEY (tenant_id, scan_id, framework, section),
    DROP CONSTRAINT scores_scan_id_fkey,
    ADD CONSTRAINT scores_scan_fkey
        FOREIGN KEY (tenant_id, scan_id) REFERENCES scans (tenant_id, id);
ALTER TABLE mutelist_entries
    DROP CONSTRAINT mutelist_entries_connection_id_fkey,
    ADD CONSTRAINT mutelist_entries_connection_fkey
        FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id);

-- 2. A transaction is bound to one tenant, once. The binding lives in a
-- table only the owner can touch, written by a SECURITY DEFINER function:
-- unlike the cloudarq.tenant_id setting of migration 1, which any role may
-- change with set_config, the application role cannot rewrite it, and a
-- second call naming another tenant in the same transaction is refused.
-- A row is (backend, server start, transaction id): it matches only the
-- transaction that wrote it (xid8 never repeats within a server's life, and
-- the start time differs in any other server, e.g. after a restore), so a
-- pooled connection's next transaction starts unbound and sees no row.
-- PostgreSQL-only machinery: not a tenant table, holds no tenant data.
CREATE UNLOGGED TABLE tenant_binding (
    pid integer PRIMARY KEY NOT NULL,
    server_started timestamptz NOT NULL,
    xact xid8 NOT NULL,
    bound_tenant uuid NOT NULL
);
REVOKE ALL ON tenant_binding FROM PUBLIC;

CREATE FUNCTION cloudarq_bind_tenant(tenant uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bound uuid;
BEGIN
    IF tenant IS NULL THEN
        RAISE EXCEPTION 'cloudarq_bind_tenant: the tenant is null' USING ERRCODE = '22004';
    END IF;
    SELECT b.bound_tenant INTO bound FROM public.tenant_binding b
     WHERE b.pid = pg_backend_pid()
       AND b.server_started = pg_postmaster_start_time()
       AND b.xact = pg_current_xact_id();
    IF FOUND THEN
        IF bound <> tenant THEN
            RAISE EXCEPTION 'this transaction is bound to tenant %; it cannot act for tenant %', bound, tenant
                USING ERRCODE = '42501';
        END IF;
        RETURN;
    END IF;
    INSERT INTO public.tenant_binding AS b (pid, server_started, xact, bound_tenant)
    VALUES (pg_backend_pid(), pg_postmaster_start_time(), pg_current_xact_id(), tenant)
    ON CONFLICT (pid) DO UPDATE
        SET server_started = EXCLUDED.server_started, xact = EXCLUDED.xact, bound_tenant = EXCLUDED.bound_tenant;
END
$$;

-- The tenant this transaction is bound to, or NULL (no row matches NULL).
-- Policies call it as (SELECT cloudarq_current_tenant()), an init-plan
-- evaluated once per query, not once per row. PL/pgSQL keeps the lookup's
-- plan for the session; a SQL function would plan it again in every query.
CREATE FUNCTION cloudarq_current_tenant() RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT b.bound_tenant FROM public.tenant_binding b
             WHERE b.pid = pg_backend_pid()
               AND b.server_started = pg_postmaster_start_time()
               AND b.xact = pg_current_xact_id_if_assigned());
END
$$;

REVOKE ALL ON FUNCTION cloudarq_bind_tenant(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION cloudarq_current_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cloudarq_bind_tenant(uuid) TO cloudarq_app;
GRANT EXECUTE ON FUNCTION cloudarq_current_tenant() TO cloudarq_app;

ALTER POLICY tenant_isolation ON tenants
    USING (id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON tenant_keys
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON users
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON connections
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON connection_credentials
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON scans
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON findings
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON scores
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON mutelist_entries
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));
ALTER POLICY tenant_isolation ON audit_log
    USING (tenant_id = (SELECT cloudarq_current_tenant()))
    WITH CHECK (tenant_id = (SELECT cloudarq_current_tenant()));

-- 3. The audit log is append-only. The application role may add and read
-- rows; no role may change one, and rows are deleted only by the purge of a
-- deleted tenant (the owner's maintenance transaction, before it deletes
-- the tenant row), which keeps the 30-day removal promise.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM cloudarq_app;

CREATE FUNCTION cloudarq_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM public.tenants t
                    WHERE t.id = OLD.tenant_id
                      AND t.deleted_at_ms IS NOT NULL
                      AND t.purge_after_ms IS NOT NULL) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused (only the purge of a deleted tenant removes its rows)', TG_OP
        USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION cloudarq_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION cloudarq_audit_log_append_only();
