//! The tenant's audit log (table `audit_log`): append-only. The application
//! role may only INSERT and SELECT, and a trigger refuses UPDATE, TRUNCATE
//! and any DELETE but the purge of a deleted tenant (migration 0002).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result};
use crate::scope::TenantScope;

/// One audit-log entry: who did what, when, from where, with what outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who (user id or `job-runner`).
    pub actor: String,
    /// What (e.g. `connection.delete`).
    pub action: String,
    /// On what.
    pub target: String,
    /// From where (client address), if known.
    pub source_ip: Option<String>,
    /// `success` or `denied` or `error`.
    pub outcome: String,
    /// When.
    pub at: OffsetDateTime,
}

impl Store {
    /// Appends to the tenant's audit log.
    pub async fn audit(&self, scope: &TenantScope, entry: &AuditEntry) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO audit_log (id, tenant_id, actor, action, target, source_ip, outcome, at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(tenant)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(&entry.source_ip)
            .bind(&entry.outcome)
            .bind(ms(entry.at))
            .execute(&mut *c)
            .await
            .ctx("writing the audit log")?;
        });
        tx.commit().await
    }

    /// The tenant's audit log, oldest first.
    pub async fn audit_log(&self, scope: &TenantScope) -> Result<Vec<AuditEntry>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (String, String, String, Option<String>, String, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT actor, action, target, source_ip, outcome, at_ms FROM audit_log \
                 WHERE tenant_id = $1 ORDER BY at_ms, id",
            )
            .bind(tenant)
            .fetch_all(&mut *c)
            .await
            .ctx("reading the audit log")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(actor, action, target, source_ip, outcome, at)| {
                Ok(AuditEntry {
                    actor,
                    action,
                    target,
                    source_ip,
                    outcome,
                    at: from_ms(at)?,
                })
            })
            .collect()
    }
}
