//! PostgreSQL row-level security, the second wall (checklist AC-6 a–d),
//! checked from the catalog and with raw SQL under the application role.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly.

mod common;

use common::*;
use sqlx::Connection;
use uuid::Uuid;

async fn setup() -> (Env, Uuid, Uuid) {
    let env = pg_env().await;
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    for s in [&a, &b] {
        let c = connection(&env, s, "prod").await;
        record(&env, s, c, &demo_result(), 0).await;
    }
    (env, a.tenant().as_uuid(), b.tenant().as_uuid())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_table_has_forced_rls_and_a_policy() {
    let (env, _, _) = setup().await;
    let mut c = sqlx::PgConnection::connect(&env.url).await.unwrap();
    let rows: Vec<(String, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
         (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND p.schemaname = 'public') \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND (c.relname = 'tenants' OR EXISTS ( \
           SELECT 1 FROM information_schema.columns col WHERE col.table_schema = 'public' \
           AND col.table_name = c.relname AND col.column_name = 'tenant_id'))",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(rows.len(), 10, "{rows:?}");
    for (t, enabled, forced, policies) in rows {
        assert!(
            enabled && forced && policies >= 1,
            "{t}: rls {enabled} forced {forced} policies {policies}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_role_is_powerless_and_owns_nothing() {
    let (env, _, _) = setup().await;
    let mut c = sqlx::PgConnection::connect(&env.url).await.unwrap();
    let (sup, bypass): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'cloudarq_app'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(!sup && !bypass);
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'cloudarq_app'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(owned, 0);
}

/// A transaction as the application role, with the tenant setting when given.
async fn as_app(
    c: &mut sqlx::PgConnection,
    tenant: Option<Uuid>,
) -> sqlx::Transaction<'_, sqlx::Postgres> {
    let mut tx = c.begin().await.unwrap();
    if let Some(t) = tenant {
        sqlx::query("SELECT set_config('cloudarq.tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("SET LOCAL ROLE cloudarq_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn count_findings(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM findings")
        .fetch_one(&mut **tx)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_sql_as_the_app_role_sees_only_its_tenant() {
    let (env, a, b) = setup().await;
    let mut c = sqlx::PgConnection::connect(&env.url).await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM findings")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let per_tenant = total / 2;
    assert!(per_tenant > 0);

    // GUC set to A: A's rows only.
    let mut tx = as_app(&mut c, Some(a)).await;
    let n = count_findings(&mut tx).await;
    assert_eq!(n, per_tenant);
    let foreign: i64 = sqlx::query_scalar("SELECT count(*) FROM findings WHERE tenant_id = $1")
        .bind(b)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(foreign, 0);
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

    // Unset: 0 rows, not an error, not all rows.
    let mut tx = as_app(&mut c, None).await;
    let n = count_findings(&mut tx).await;
    assert_eq!(n, 0);
    tx.commit().await.unwrap();

    // Same connection, after a committed tenant transaction: the setting
    // reverts to '' and the next transaction without it sees nothing.
    let mut tx = as_app(&mut c, Some(a)).await;
    let n = count_findings(&mut tx).await;
    assert_eq!(n, per_tenant);
    tx.commit().await.unwrap();
    let mut tx = as_app(&mut c, None).await;
    let n = count_findings(&mut tx).await;
    assert_eq!(n, 0, "a pooled connection keeps no tenant");
    tx.commit().await.unwrap();
}
