//! PostgreSQL row-level security, the second wall (checklist AC-6 a–d), and
//! the roles that hold it (issue 16, item 9): checked from the catalog and
//! with raw SQL as the tenant login role, the way code inside a tenant
//! transaction would attack it.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod common;

use cloudarq_store::audit_log::AuditEntry;
use cloudarq_store::{Store, StoreConfig, StoreError};
use common::*;
use sqlx::Connection;
use uuid::Uuid;

struct Setup {
    env: Env,
    a: Uuid,
    b: Uuid,
    /// A connection of tenant b.
    b_conn: Uuid,
}

async fn setup() -> Setup {
    let env = pg_env_with_tenant_role().await;
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let mut b_conn = Uuid::nil();
    for s in [&a, &b] {
        let c = connection(&env, s, "prod").await;
        record(&env, s, c, &demo_result(), 0).await;
        env.store
            .audit(
                s,
                &AuditEntry {
                    actor: "admin".into(),
                    action: "connection.create".into(),
                    target: c.to_string(),
                    source_ip: None,
                    user_agent: None,
                    outcome: "success".into(),
                    at: t(1),
                },
            )
            .await
            .unwrap();
        b_conn = c.0;
    }
    Setup {
        env,
        a: a.tenant().as_uuid(),
        b: b.tenant().as_uuid(),
        b_conn,
    }
}

/// The owner's (superuser's) connection.
async fn owner(s: &Setup) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(&s.env.url).await.unwrap()
}

/// A connection logged in as the tenant role, as the store's tenant pool is.
async fn tenant_login(s: &Setup) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(s.env.tenant_url.as_deref().unwrap())
        .await
        .unwrap()
}

/// A transaction as the tenant role, bound to `tenant` when given, as the
/// store begins one.
async fn bound(
    c: &mut sqlx::PgConnection,
    tenant: Option<Uuid>,
) -> sqlx::Transaction<'_, sqlx::Postgres> {
    let mut tx = c.begin().await.unwrap();
    if let Some(t) = tenant {
        sqlx::query("SELECT cloudarq_bind_tenant($1)")
            .bind(t)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx
}

async fn count(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, tenant: Option<Uuid>) -> i64 {
    match tenant {
        None => sqlx::query_scalar("SELECT count(*) FROM findings"),
        Some(t) => sqlx::query_scalar("SELECT count(*) FROM findings WHERE tenant_id = $1").bind(t),
    }
    .fetch_one(&mut **tx)
    .await
    .unwrap()
}

async fn exec_err(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, sql: &'static str) -> String {
    sqlx::query(sql)
        .execute(&mut **tx)
        .await
        .unwrap_err()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_table_has_forced_rls_and_a_bound_tenant_policy() {
    let s = setup().await;
    let mut c = owner(&s).await;
    let rows: Vec<(String, bool, bool, i64, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
         (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.schemaname = 'public'), \
         (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.schemaname = 'public' \
            AND p.qual LIKE '%cloudarq_current_tenant()%' AND p.with_check LIKE '%cloudarq_current_tenant()%' \
            AND p.qual NOT LIKE '%current_setting%') \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND (c.relname = 'tenants' OR EXISTS ( \
           SELECT 1 FROM information_schema.columns col WHERE col.table_schema = 'public' \
           AND col.table_name = c.relname AND col.column_name = 'tenant_id'))",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    // The ten of migration 1, sessions and refresh_tokens (migration 8),
    // backup_codes (migration 10), scan_schedules (migration 16).
    assert_eq!(rows.len(), 14, "{rows:?}");
    for (t, enabled, forced, policies, bound) in rows {
        assert!(
            enabled && forced && policies >= 1 && bound == policies,
            "{t}: rls {enabled} forced {forced} policies {policies}, {bound} on the bound tenant"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_roles_are_powerless_and_own_nothing() {
    let s = setup().await;
    let mut c = owner(&s).await;
    for role in ["cloudarq_app", TENANT_ROLE] {
        let (sup, bypass, create_role): (bool, bool, bool) = sqlx::query_as(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = $1",
        )
        .bind(role)
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert!(!sup && !bypass && !create_role, "{role}");
        let owned: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1",
        )
        .bind(role)
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(owned, 0, "{role}");
        // What it may do to the audit log and the binding table.
        let (ins, sel, upd, del, trunc, binding): (bool, bool, bool, bool, bool, bool) =
            sqlx::query_as(
                "SELECT has_table_privilege($1, 'audit_log', 'INSERT'), \
                 has_table_privilege($1, 'audit_log', 'SELECT'), \
                 has_table_privilege($1, 'audit_log', 'UPDATE'), \
                 has_table_privilege($1, 'audit_log', 'DELETE'), \
                 has_table_privilege($1, 'audit_log', 'TRUNCATE'), \
                 has_table_privilege($1, 'tenant_binding', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')",
            )
            .bind(role)
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(
            (ins, sel, upd, del, trunc, binding),
            (true, true, false, false, false, false),
            "{role}: audit_log insert/select only, tenant_binding untouchable"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_sql_as_the_tenant_role_sees_only_its_tenant() {
    let s = setup().await;
    let (a, b) = (s.a, s.b);
    let mut o = owner(&s).await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM findings")
        .fetch_one(&mut o)
        .await
        .unwrap();
    let per_tenant = total / 2;
    assert!(per_tenant > 0);
    let mut c = tenant_login(&s).await;

    // Bound to A: A's rows only.
    let mut tx = bound(&mut c, Some(a)).await;
    assert_eq!(count(&mut tx, None).await, per_tenant);
    assert_eq!(count(&mut tx, Some(b)).await, 0);
    // Writing a row for B is refused by the policy.
    let err = sqlx::query(
        "INSERT INTO audit_log (id, tenant_id, actor, action, target, outcome, at_ms) VALUES ($1, $2, 'x', 'x', 'x', 'x', 0)",
    )
    .bind(Uuid::now_v7())
    .bind(b)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // Unbound: 0 rows, not an error, not all rows.
    let mut tx = bound(&mut c, None).await;
    assert_eq!(count(&mut tx, None).await, 0);
    tx.commit().await.unwrap();

    // Same connection, after a committed tenant transaction: the binding
    // belongs to that transaction, and the next one starts unbound.
    let mut tx = bound(&mut c, Some(a)).await;
    assert_eq!(count(&mut tx, None).await, per_tenant);
    tx.commit().await.unwrap();
    let mut tx = bound(&mut c, None).await;
    assert_eq!(
        count(&mut tx, None).await,
        0,
        "a pooled connection keeps no tenant"
    );
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_role_and_set_config_gain_nothing() {
    let s = setup().await;
    let mut c = tenant_login(&s).await;
    let mut tx = bound(&mut c, Some(s.a)).await;
    sqlx::query("RESET ROLE").execute(&mut *tx).await.unwrap();
    let (who, sup, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((who.as_str(), sup, bypass), (TENANT_ROLE, false, false));
    assert_eq!(count(&mut tx, Some(s.b)).await, 0, "still only tenant a");
    // The old tenant setting no longer means anything.
    sqlx::query("SELECT set_config('cloudarq.tenant_id', $1, true)")
        .bind(s.b.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        count(&mut tx, Some(s.b)).await,
        0,
        "set_config does not switch tenant"
    );
    assert!(count(&mut tx, Some(s.a)).await > 0);
    // Nor can it become the owner, or turn row-level security off.
    let err = exec_err(&mut tx, "SET ROLE postgres").await;
    assert!(err.contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();
    let mut tx = bound(&mut c, Some(s.a)).await;
    let err = exec_err(&mut tx, "ALTER TABLE findings NO FORCE ROW LEVEL SECURITY").await;
    assert!(err.contains("must be owner"), "{err}");
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bound_transaction_cannot_switch_tenant() {
    let s = setup().await;
    let mut c = tenant_login(&s).await;
    let mut tx = bound(&mut c, Some(s.a)).await;
    // Binding the same tenant again is harmless.
    sqlx::query("SELECT cloudarq_bind_tenant($1)")
        .bind(s.a)
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("SELECT cloudarq_bind_tenant($1)")
        .bind(s.b)
        .execute(&mut *tx)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("bound to tenant"), "{err}");
    tx.rollback().await.unwrap();
    // The binding itself is out of reach.
    let mut tx = bound(&mut c, Some(s.a)).await;
    let err = exec_err(&mut tx, "DELETE FROM tenant_binding").await;
    assert!(err.contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();
    let mut tx = bound(&mut c, Some(s.a)).await;
    let err = exec_err(
        &mut tx,
        "UPDATE tenant_binding SET bound_tenant = bound_tenant",
    )
    .await;
    assert!(err.contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_append_only() {
    let s = setup().await;
    let mut c = tenant_login(&s).await;
    for sql in [
        "UPDATE audit_log SET outcome = 'denied'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let mut tx = bound(&mut c, Some(s.a)).await;
        let err = sqlx::query(sql)
            .execute(&mut *tx)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("permission denied"), "{sql}: {err}");
        tx.rollback().await.unwrap();
    }
    // Even the owner cannot change it, nor delete a live tenant's rows.
    let mut o = owner(&s).await;
    for sql in [
        "UPDATE audit_log SET outcome = 'denied'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = sqlx::query(sql)
            .execute(&mut o)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&mut o)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_to_another_tenants_rows_are_refused() {
    let s = setup().await;
    let mut c = tenant_login(&s).await;
    // Bound to A, pointing at B's connection: the policy lets the row in
    // (its tenant is A) and a single-column foreign key would find B's
    // connection; (tenant_id, connection_id) does not.
    let attempts: [&'static str; 3] = [
        "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms) VALUES ($1, $2, $3, 'queued', 0)",
        "INSERT INTO connection_credentials (connection_id, tenant_id, updated_at_ms) SELECT $3, $2, 0 WHERE $1 IS NOT NULL",
        "INSERT INTO mutelist_entries (id, tenant_id, connection_id, rule_id, resource_glob, reason, created_at_ms) \
         VALUES ($1, $2, $3, 'r', '*', 'x', 0)",
    ];
    for sql in attempts {
        let mut tx = bound(&mut c, Some(s.a)).await;
        let err = sqlx::query(sql)
            .bind(Uuid::now_v7())
            .bind(s.a)
            .bind(s.b_conn)
            .execute(&mut *tx)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("foreign key"), "{sql}: {err}");
        tx.rollback().await.unwrap();
    }
    // The catalog: every reference to a tenant-owned table carries tenant_id.
    let mut o = owner(&s).await;
    let loose: Vec<(String, String)> = sqlx::query_as(
        "SELECT con.conrelid::regclass::text, con.conname::text FROM pg_constraint con \
         WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace \
           AND con.confrelid <> 'tenants'::regclass \
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid \
                           AND a.attname = 'tenant_id' AND a.attnum = ANY (con.conkey))",
    )
    .fetch_all(&mut o)
    .await
    .unwrap();
    assert!(
        loose.is_empty(),
        "foreign keys without tenant_id: {loose:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsafe_tenant_role_is_refused_at_open() {
    let s = setup().await;
    let pg = s.env.pg.as_ref().unwrap();
    let ring = cloudarq_store::testing::memory_keyring;
    let open = |tenant_url: String| {
        let url = s.env.url.clone();
        async move {
            Store::open(StoreConfig::new(url).tenant_url(tenant_url), ring())
                .await
                .unwrap_err()
        }
    };
    // The owner itself (here a superuser).
    let err = open(s.env.url.clone()).await;
    assert!(
        matches!(&err, StoreError::TenantRole { problem, .. } if problem.contains("superuser")),
        "{err}"
    );
    // A login role that can SET ROLE to a BYPASSRLS role.
    pg.psql(
        "postgres",
        "CREATE ROLE maint NOLOGIN BYPASSRLS; CREATE ROLE sneaky LOGIN IN ROLE cloudarq_app, maint",
    )
    .unwrap();
    let err = open(pg.url_as("sneaky", "cloudarq")).await;
    assert!(
        matches!(&err, StoreError::TenantRole { problem, .. } if problem.contains("maint")),
        "{err}"
    );
    // A login role without cloudarq_app's grants.
    pg.psql("postgres", "CREATE ROLE outsider LOGIN").unwrap();
    let err = open(pg.url_as("outsider", "cloudarq")).await;
    assert!(
        err.to_string().contains("GRANT cloudarq_app TO outsider"),
        "{err}"
    );
    // The tenant role, but on another database.
    let other = s.env.another_db("other").await;
    Store::open(&other, ring()).await.unwrap().0.close().await;
    let err = open(pg.url_as(TENANT_ROLE, "other")).await;
    assert!(
        err.to_string().contains("another server or database"),
        "{err}"
    );
}

/// Inserts one finding per (tenant, scan) of `rows`, in `tx`, in one
/// statement of raw SQL.
async fn insert_finding(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    rows: &[(Uuid, Uuid)],
) -> Result<(), sqlx::Error> {
    let (tenants, scans): (Vec<Uuid>, Vec<Uuid>) = rows.iter().copied().unzip();
    let ids: Vec<Uuid> = rows.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, \
         resource_arn, region, status, severity, severity_rank, details) \
         SELECT i, t, s, 'r', 't', 'ec2', 'AWS::EC2::Instance', 'arn:aws:ec2:::x', NULL, 'FAIL', \
         'high', 3, '\\x00' FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[]) AS u(i, t, s)",
    )
    .bind(&ids)
    .bind(&tenants)
    .bind(&scans)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The SQLSTATE and text of a refused statement.
fn refusal(r: Result<impl std::fmt::Debug, sqlx::Error>) -> (String, String) {
    let e = r.unwrap_err();
    let code = e
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
        .unwrap_or_default();
    (code, e.to_string())
}

/// Issue 14: the foreign key from findings to scans became a check per
/// statement (migration 0019). Everything the foreign key refused is still
/// refused, with its SQLSTATE (23503) and name, from the tenant role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_finding_names_an_existing_scan_of_its_tenant() {
    let s = setup().await;
    let mut o = owner(&s).await;
    let scan_of = |t: Uuid| {
        sqlx::query_as::<_, (Uuid, Uuid)>(
            "SELECT id, connection_id FROM scans WHERE tenant_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(t)
    };
    let (a_scan, a_conn) = scan_of(s.a).fetch_one(&mut o).await.unwrap();
    let (b_scan, _) = scan_of(s.b).fetch_one(&mut o).await.unwrap();
    let mut c = tenant_login(&s).await;
    // A second, empty scan of A.
    let a_empty = Uuid::now_v7();
    let mut tx = bound(&mut c, Some(s.a)).await;
    sqlx::query(
        "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms) VALUES ($1, $2, $3, 'queued', 0)",
    )
    .bind(a_empty)
    .bind(s.a)
    .bind(a_conn)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let before = {
        let mut tx = bound(&mut c, Some(s.a)).await;
        count(&mut tx, Some(s.a)).await
    };
    assert!(before > 0, "the demo scan has findings");

    // 1. A scan that does not exist, another tenant's scan, and a statement
    // in which one row of many names a missing scan: refused whole.
    let attempts = [
        vec![(s.a, Uuid::now_v7())],
        vec![(s.a, b_scan)],
        [vec![(s.a, a_scan); 2_500], vec![(s.a, Uuid::now_v7())]].concat(),
    ];
    for rows in attempts {
        let mut tx = bound(&mut c, Some(s.a)).await;
        let (code, text) = refusal(insert_finding(&mut tx, &rows).await);
        assert_eq!(code, "23503", "{text}");
        assert!(text.contains("findings_scan_fkey"), "{text}");
        tx.rollback().await.unwrap();
    }
    // A row naming B's scan as B's is stopped by the policy first.
    let mut tx = bound(&mut c, Some(s.a)).await;
    let (_, text) = refusal(insert_finding(&mut tx, &[(s.b, b_scan)]).await);
    assert!(text.contains("row-level security"), "{text}");
    tx.rollback().await.unwrap();
    let mut tx = bound(&mut c, Some(s.a)).await;
    assert_eq!(count(&mut tx, Some(s.a)).await, before, "nothing was kept");
    // The positive control: a finding of A's own scan goes in.
    insert_finding(&mut tx, &[(s.a, a_empty), (s.a, a_scan)])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // 2. A finding cannot move to another scan or tenant. 3. A scan with
    // findings can be neither deleted nor re-keyed.
    let scans_key = "\"scans\" violates foreign key constraint \"findings_scan_fkey\"";
    // Each statement binds A's second scan (no scores; one finding since the
    // control above), A's first scan, and a third id: B (a tenant to move
    // to) or a fresh scan id.
    let cases: [(&'static str, Uuid, &str); 4] = [
        (
            "UPDATE findings SET scan_id = $1 WHERE scan_id = $2 AND $3::uuid IS NOT NULL",
            Uuid::now_v7(),
            "cannot be moved",
        ),
        (
            "UPDATE findings SET tenant_id = $3 WHERE scan_id = $2 AND $1::uuid IS NOT NULL",
            s.b,
            "cannot be moved",
        ),
        (
            "DELETE FROM scans WHERE id = $1 AND $2::uuid IS NOT NULL AND $3::uuid IS NOT NULL",
            Uuid::now_v7(),
            scans_key,
        ),
        (
            "UPDATE scans SET id = $3 WHERE id = $1 AND $2::uuid IS NOT NULL",
            Uuid::now_v7(),
            scans_key,
        ),
    ];
    for (sql, third, says) in cases {
        let mut tx = bound(&mut c, Some(s.a)).await;
        let r = sqlx::query(sql)
            .bind(a_empty)
            .bind(a_scan)
            .bind(third)
            .execute(&mut *tx)
            .await;
        let (code, text) = refusal(r);
        assert_eq!(code, "23503", "{sql}: {text}");
        assert!(text.contains(says), "{sql}: {text}");
        tx.rollback().await.unwrap();
    }
    // Nor can the owner truncate scans from under them.
    let (code, text) = refusal(sqlx::query("TRUNCATE scans CASCADE").execute(&mut o).await);
    assert_eq!(code, "23503", "{text}");
    assert!(text.contains("orphan"), "{text}");

    // 4. A delete racing an insert: the inserting transaction holds the
    // scan, the delete waits for it and then finds its finding.
    let mut d = tenant_login(&s).await;
    let mut tx = bound(&mut c, Some(s.a)).await;
    sqlx::query("DELETE FROM findings WHERE scan_id = $1")
        .bind(a_empty)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut inserting = bound(&mut c, Some(s.a)).await;
    insert_finding(&mut inserting, &[(s.a, a_empty)])
        .await
        .unwrap();
    {
        // A delete that will not wait fails on the lock, not on the check.
        let mut tx = bound(&mut d, Some(s.a)).await;
        sqlx::query("SET LOCAL lock_timeout = '100ms'")
            .execute(&mut *tx)
            .await
            .unwrap();
        let r = sqlx::query("DELETE FROM scans WHERE id = $1")
            .bind(a_empty)
            .execute(&mut *tx)
            .await;
        let (code, text) = refusal(r);
        assert_eq!(code, "55P03", "lock_not_available: {text}");
        tx.rollback().await.unwrap();
    }
    let deleting = tokio::spawn(async move {
        let mut tx = bound(&mut d, Some(s.a)).await;
        let r = sqlx::query("DELETE FROM scans WHERE id = $1")
            .bind(a_empty)
            .execute(&mut *tx)
            .await;
        (refusal(r), s)
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    inserting.commit().await.unwrap();
    let ((code, text), s) = deleting.await.unwrap();
    assert_eq!(code, "23503", "{text}");
    assert!(text.contains(scans_key), "{text}");

    // 5. With its findings gone, the scan can be deleted.
    let mut tx = bound(&mut c, Some(s.a)).await;
    sqlx::query("DELETE FROM findings WHERE scan_id = $1")
        .bind(a_empty)
        .execute(&mut *tx)
        .await
        .unwrap();
    let gone = sqlx::query("DELETE FROM scans WHERE id = $1")
        .bind(a_empty)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(gone.rows_affected(), 1);
    tx.commit().await.unwrap();
}
