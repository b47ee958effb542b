//! Deletion and purge (S4, checklist DATA-1, DATA-2).
//!
//! Deleting a connection or a tenant revokes access at once: its credentials
//! row is deleted, queued and running scans are cancelled, and it disappears
//! from every read. The rows left behind are removed by [`Store::purge`] once
//! `purge_after` has passed (at most [`MAX_PURGE_DELAY_DAYS`] days); purging a
//! tenant also deletes its data keys, so its rows in any backup can no longer
//! be decrypted (crypto-shredding: backups never contain data keys, see
//! [`crate::backup`]).

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::{JobRunner, TenantId, TenantScope};

/// The security page promises removal within 30 days.
pub const MAX_PURGE_DELAY_DAYS: u32 = 30;

/// How long deleted data waits before the purge removes it, and how long key
/// backups are kept; together they must fit the 30-day promise, since a key
/// backup is what could still decrypt a purged tenant's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Days between deletion and purge.
    pub purge_delay_days: u32,
    /// Days a key backup is kept.
    pub key_backup_retention_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            purge_delay_days: 7,
            key_backup_retention_days: 7,
        }
    }
}

impl RetentionPolicy {
    /// Refuses a policy that would keep readable data longer than 30 days.
    pub fn validate(&self) -> Result<()> {
        let total = self.purge_delay_days + self.key_backup_retention_days;
        if self.purge_delay_days > MAX_PURGE_DELAY_DAYS || total > MAX_PURGE_DELAY_DAYS {
            return Err(StoreError::InvalidInput {
                field: "retention policy",
                detail: format!(
                    "purge delay {} days + key backup retention {} days = {total} days, \
                     more than the {MAX_PURGE_DELAY_DAYS} days promised for removing deleted data",
                    self.purge_delay_days, self.key_backup_retention_days
                ),
            });
        }
        Ok(())
    }
}

/// What a purge removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Connections purged.
    pub connections: u64,
    /// Tenants purged.
    pub tenants: u64,
    /// Data keys destroyed.
    pub data_keys: u64,
    /// Rows deleted, all tables.
    pub rows: u64,
}

/// The tables holding rows of a connection, children first.
const CONNECTION_TABLES: &[&str] = &[
    "findings",
    "scores",
    "scans",
    "mutelist_entries",
    "connection_credentials",
    "connections",
];

impl Store {
    /// Deletes a connection: credentials gone and scans cancelled now, the
    /// rest purged after the policy's delay.
    pub async fn delete_connection(
        &self,
        scope: &TenantScope,
        id: ConnectionId,
        policy: RetentionPolicy,
        now: OffsetDateTime,
    ) -> Result<()> {
        policy.validate()?;
        let tenant = scope.tenant().as_uuid();
        let purge_after = ms(now + Duration::days(i64::from(policy.purge_delay_days)));
        let mut tx = self.begin_tenant(tenant).await?;
        let marked = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE connections SET deleted_at_ms = $1, purge_after_ms = $2 \
                 WHERE id = $3 AND tenant_id = $4 AND deleted_at_ms IS NULL",
            )
            .bind(ms(now))
            .bind(purge_after)
            .bind(id.0)
            .bind(tenant)
            .execute(&mut *c)
            .await
            .ctx("deleting a connection")?
            .rows_affected()
        });
        if marked == 0 {
            return Err(StoreError::NotFound {
                what: "connection",
                id: id.to_string(),
            });
        }
        on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM connection_credentials WHERE connection_id = $1 AND tenant_id = $2")
                .bind(id.0)
                .bind(tenant)
                .execute(&mut *c)
                .await
                .ctx("revoking connection credentials")?;
            sqlx::query(
                "UPDATE scans SET status = 'cancelled', finished_at_ms = $1 \
                 WHERE connection_id = $2 AND tenant_id = $3 AND status IN ('queued', 'running')",
            )
            .bind(ms(now))
            .bind(id.0)
            .bind(tenant)
            .execute(&mut *c)
            .await
            .ctx("cancelling scans")?;
        });
        tx.commit().await
    }

    /// Deletes a tenant: every credential gone, every scan cancelled and every
    /// connection deleted now; the rest, data keys included, purged after the
    /// policy's delay.
    pub async fn delete_tenant(
        &self,
        runner: &JobRunner,
        tenant: TenantId,
        policy: RetentionPolicy,
        now: OffsetDateTime,
    ) -> Result<()> {
        policy.validate()?;
        let scope = runner.scope(tenant);
        let t = tenant.as_uuid();
        let purge_after = ms(now + Duration::days(i64::from(policy.purge_delay_days)));
        let mut tx = self.begin_tenant(scope.tenant().as_uuid()).await?;
        let marked = on_tx!(&mut tx, c => {
            let n = sqlx::query(
                "UPDATE tenants SET deleted_at_ms = $1, purge_after_ms = $2 WHERE id = $3 AND deleted_at_ms IS NULL",
            )
            .bind(ms(now))
            .bind(purge_after)
            .bind(t)
            .execute(&mut *c)
            .await
            .ctx("deleting a tenant")?
            .rows_affected();
            sqlx::query("DELETE FROM connection_credentials WHERE tenant_id = $1")
                .bind(t)
                .execute(&mut *c)
                .await
                .ctx("revoking credentials")?;
            sqlx::query(
                "UPDATE scans SET status = 'cancelled', finished_at_ms = $1 \
                 WHERE tenant_id = $2 AND status IN ('queued', 'running')",
            )
            .bind(ms(now))
            .bind(t)
            .execute(&mut *c)
            .await
            .ctx("cancelling scans")?;
            sqlx::query(
                "UPDATE connections SET deleted_at_ms = $1, purge_after_ms = $2 WHERE tenant_id = $3 AND deleted_at_ms IS NULL",
            )
            .bind(ms(now))
            .bind(purge_after)
            .bind(t)
            .execute(&mut *c)
            .await
            .ctx("deleting connections")?;
            n
        });
        if marked == 0 {
            return Err(StoreError::NotFound {
                what: "tenant",
                id: tenant.to_string(),
            });
        }
        tx.commit().await
    }

    /// The purge job: removes every row of connections and tenants whose
    /// `purge_after` is at or before `now`, and destroys purged tenants'
    /// data keys.
    pub async fn purge(&self, runner: &JobRunner, now: OffsetDateTime) -> Result<PurgeReport> {
        let mut report = PurgeReport::default();
        // Find what is due: a cross-tenant read, in a maintenance
        // transaction, refused unless the role sees every row (a role that
        // row-level security filters would find nothing due).
        let mut tx = self.pool.begin_operator().await?;
        let (conns, tenants): (Vec<(Uuid, Uuid)>, Vec<Uuid>) = on_tx!(&mut tx, c => {
            let conns = sqlx::query_as(
                "SELECT id, tenant_id FROM connections WHERE purge_after_ms IS NOT NULL AND purge_after_ms <= $1",
            )
            .bind(ms(now))
            .fetch_all(&mut *c)
            .await
            .ctx("finding connections to purge")?;
            let tenants = sqlx::query_scalar(
                "SELECT id FROM tenants WHERE purge_after_ms IS NOT NULL AND purge_after_ms <= $1",
            )
            .bind(ms(now))
            .fetch_all(&mut *c)
            .await
            .ctx("finding tenants to purge")?;
            (conns, tenants)
        });
        tx.commit().await?;
        for (conn, tenant) in conns {
            if tenants.contains(&tenant) {
                continue;
            }
            report.rows += self.purge_connection(tenant, conn).await?;
            report.connections += 1;
        }
        for tenant in tenants {
            let (rows, keys) = self.purge_tenant(runner, TenantId(tenant)).await?;
            report.rows += rows;
            report.data_keys += keys;
            report.tenants += 1;
        }
        if report != PurgeReport::default() {
            tracing::info!(?report, "purge finished");
        }
        Ok(report)
    }

    async fn purge_connection(&self, tenant: Uuid, conn: Uuid) -> Result<u64> {
        let mut tx = self.begin_tenant(tenant).await?;
        let mut rows = 0;
        for table in CONNECTION_TABLES {
            rows += on_tx!(&mut tx, c => {
                let q = match *table {
                    "findings" => "DELETE FROM findings WHERE tenant_id = $1 AND scan_id IN (SELECT id FROM scans WHERE connection_id = $2)",
                    "scores" => "DELETE FROM scores WHERE tenant_id = $1 AND scan_id IN (SELECT id FROM scans WHERE connection_id = $2)",
                    "scans" => "DELETE FROM scans WHERE tenant_id = $1 AND connection_id = $2",
                    "mutelist_entries" => "DELETE FROM mutelist_entries WHERE tenant_id = $1 AND connection_id = $2",
                    "connection_credentials" => "DELETE FROM connection_credentials WHERE tenant_id = $1 AND connection_id = $2",
                    _ => "DELETE FROM connections WHERE tenant_id = $1 AND id = $2",
                };
                sqlx::query(q)
                    .bind(tenant)
                    .bind(conn)
                    .execute(&mut *c)
                    .await
                    .ctx("purging a connection")?
                    .rows_affected()
            });
        }
        tx.commit().await?;
        Ok(rows)
    }

    async fn purge_tenant(&self, runner: &JobRunner, tenant: TenantId) -> Result<(u64, u64)> {
        let t = runner.scope(tenant).tenant().as_uuid();
        // A maintenance transaction: the audit log is append-only for the
        // application role, and only this path (a deleted tenant) may
        // delete its rows. Every statement names the tenant.
        let mut tx = self.pool.begin_operator().await?;
        let kids: Vec<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM tenant_keys WHERE tenant_id = $1")
                .bind(t)
                .fetch_all(&mut *c)
                .await
                .ctx("listing data keys")?
        });
        let mut rows = 0;
        // Children first; the tenant row last.
        const QUERIES: &[&str] = &[
            "DELETE FROM findings WHERE tenant_id = $1",
            "DELETE FROM scores WHERE tenant_id = $1",
            "DELETE FROM scans WHERE tenant_id = $1",
            "DELETE FROM mutelist_entries WHERE tenant_id = $1",
            "DELETE FROM connection_credentials WHERE tenant_id = $1",
            "DELETE FROM connections WHERE tenant_id = $1",
            "DELETE FROM audit_log WHERE tenant_id = $1",
            "DELETE FROM users WHERE tenant_id = $1",
            "DELETE FROM tenant_keys WHERE tenant_id = $1",
            "DELETE FROM tenants WHERE id = $1",
        ];
        for q in QUERIES {
            rows += on_tx!(&mut tx, c => {
                sqlx::query(*q)
                    .bind(t)
                    .execute(&mut *c)
                    .await
                    .ctx("purging a tenant")?
                    .rows_affected()
            });
        }
        tx.commit().await?;
        let kids: Vec<u32> = kids
            .into_iter()
            .filter_map(|k| u32::try_from(k).ok())
            .collect();
        self.keys.forget(&kids)?;
        Ok((rows, kids.len() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_beyond_30_days_are_refused_naming_both_values() {
        let bad = RetentionPolicy {
            purge_delay_days: 20,
            key_backup_retention_days: 14,
        };
        let err = bad.validate().unwrap_err().to_string();
        assert!(
            err.contains("purge delay 20 days") && err.contains("14 days"),
            "{err}"
        );
        assert!(RetentionPolicy::default().validate().is_ok());
        assert!(
            RetentionPolicy {
                purge_delay_days: 30,
                key_backup_retention_days: 0
            }
            .validate()
            .is_ok()
        );
        assert!(
            RetentionPolicy {
                purge_delay_days: 31,
                key_backup_retention_days: 0
            }
            .validate()
            .is_err()
        );
    }
}
