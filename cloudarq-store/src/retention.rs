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

/// How long deleted data waits for the purge and how long backups are kept:
/// one policy, validated when it is made, so every value in use keeps the
/// 30-day promise.
///
/// **Invariant:** `purge_delay + max(key_backup_retention,
/// data_backup_retention) ≤ 30 days`. A deleted tenant's rows stay in the
/// database for at most the purge delay; every backup taken before the purge
/// may hold them, so each kind of backup must be gone within 30 days of the
/// deletion:
/// - key backups hold the wrapped data keys that could decrypt the tenant's
///   encrypted columns (crypto-shredding only works once they are gone);
/// - data backups hold no key, but they do hold every column that is not
///   encrypted (tenant, user and connection names, e-mail addresses,
///   password hashes, account ids and role ARNs, finding metadata, the audit
///   log), so they too must age out within the promise; keeping them longer
///   than the key backups buys nothing a restore could use.
///
/// Pruning runs with every backup and every `purge --backup-dir`, so the
/// bound holds to within the schedule of those jobs (daily by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    purge_delay_days: u32,
    key_backup_retention_days: u32,
    data_backup_retention_days: u32,
}

impl Default for RetentionPolicy {
    /// 7 days before the purge, key and data backups kept 7 days: 14 days.
    fn default() -> Self {
        Self {
            purge_delay_days: 7,
            key_backup_retention_days: 7,
            data_backup_retention_days: 7,
        }
    }
}

impl RetentionPolicy {
    /// A policy, refused (naming every value) when it would keep deleted
    /// data past the 30-day promise or keep no backup at all.
    pub fn new(
        purge_delay_days: u32,
        key_backup_retention_days: u32,
        data_backup_retention_days: u32,
    ) -> Result<Self> {
        let invalid = |detail: String| StoreError::InvalidInput {
            field: "retention policy",
            detail,
        };
        if key_backup_retention_days == 0 || data_backup_retention_days == 0 {
            return Err(invalid(format!(
                "key backup retention {key_backup_retention_days} days and data backup retention \
                 {data_backup_retention_days} days must both be at least 1 day"
            )));
        }
        // u64 sums cannot overflow two u32 values.
        let longest = u64::from(key_backup_retention_days.max(data_backup_retention_days));
        let total = u64::from(purge_delay_days) + longest;
        if total > u64::from(MAX_PURGE_DELAY_DAYS) {
            return Err(invalid(format!(
                "purge delay {purge_delay_days} days + key backup retention {key_backup_retention_days} days \
                 (data backup retention {data_backup_retention_days} days) = {total} days, more than the \
                 {MAX_PURGE_DELAY_DAYS} days promised for removing deleted data"
            )));
        }
        Ok(Self {
            purge_delay_days,
            key_backup_retention_days,
            data_backup_retention_days,
        })
    }

    /// Days between deletion and purge.
    pub fn purge_delay_days(&self) -> u32 {
        self.purge_delay_days
    }

    /// Days a key backup is kept.
    pub fn key_backup_retention_days(&self) -> u32 {
        self.key_backup_retention_days
    }

    /// Days a data backup is kept.
    pub fn data_backup_retention_days(&self) -> u32 {
        self.data_backup_retention_days
    }

    /// When something deleted at `now` is purged.
    fn purge_after(&self, now: OffsetDateTime) -> Result<OffsetDateTime> {
        now.checked_add(Duration::days(i64::from(self.purge_delay_days)))
            .ok_or_else(|| StoreError::InvalidInput {
                field: "deletion time",
                detail: format!("{now} plus the purge delay is out of range"),
            })
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
    /// The tenants purged (for rewriting key backups without their keys).
    pub tenant_ids: Vec<TenantId>,
}

/// The tables holding rows of a connection, children first.
const CONNECTION_TABLES: &[&str] = &[
    "findings",
    "scores",
    "scans",
    "mutelist_entries",
    "scan_schedules",
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
        let tenant = scope.tenant().as_uuid();
        let purge_after = ms(policy.purge_after(now)?);
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
            sqlx::query("DELETE FROM scan_schedules WHERE connection_id = $1 AND tenant_id = $2")
                .bind(id.0)
                .bind(tenant)
                .execute(&mut *c)
                .await
                .ctx("deleting the connection's schedule")?;
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
        let scope = runner.scope(tenant);
        let t = tenant.as_uuid();
        let purge_after = ms(policy.purge_after(now)?);
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
            sqlx::query("DELETE FROM scan_schedules WHERE tenant_id = $1")
                .bind(t)
                .execute(&mut *c)
                .await
                .ctx("deleting schedules")?;
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
            report.tenant_ids.push(TenantId(tenant));
        }
        if report != PurgeReport::default() {
            self.scrub_after_purge().await?;
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
                    "scan_schedules" => "DELETE FROM scan_schedules WHERE tenant_id = $1 AND connection_id = $2",
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

    /// Makes deleted rows unrecoverable from the live database files.
    /// SQLite: `secure_delete` (set on every connection) has zeroed them in
    /// the pages written to the WAL; a checkpoint writes those pages into the
    /// database file and truncates the WAL, so no older copy of them is left
    /// in either. PostgreSQL: deleted rows are dead tuples until vacuumed;
    /// `VACUUM FULL` rewrites the small `tenant_keys` table so no wrapped key
    /// survives in its file, and `VACUUM` frees the space of the other tables
    /// (what PostgreSQL still holds in WAL and archives: see ARCHITECTURE.md).
    async fn scrub_after_purge(&self) -> Result<()> {
        match &self.pool {
            crate::db::Pool::Sqlite(p) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(p)
                    .await
                    .ctx("checkpointing after the purge")?;
            }
            crate::db::Pool::Postgres(p) => {
                // `VACUUM FULL` needs the table to itself; behind a
                // long reader (a backup's snapshot) it would also hold up
                // every later reader of the keys. It waits a bounded time
                // instead, on a connection of its own, and the purge fails
                // with a clear error (the next day's run scrubs again).
                let mut c = p.acquire().await.ctx("vacuuming after the purge")?;
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut *c)
                    .await
                    .ctx("vacuuming after the purge")?;
                let full = sqlx::query("VACUUM FULL tenant_keys")
                    .execute(&mut *c)
                    .await;
                if sqlx::query("RESET lock_timeout")
                    .execute(&mut *c)
                    .await
                    .is_err()
                {
                    // Never back into the pool with the short lock wait.
                    c.close_on_drop();
                }
                full.ctx("rewriting tenant_keys after the purge (VACUUM FULL, waiting at most 10 s for its lock)")?;
                sqlx::query(
                    "VACUUM findings, scores, scans, mutelist_entries, scan_schedules, connection_credentials, connections, audit_log, refresh_tokens, backup_codes, sessions, users, tenants",
                )
                .execute(&mut *c)
                .await
                .ctx("vacuuming after the purge")?;
            }
        }
        Ok(())
    }

    pub(crate) async fn purge_tenant(
        &self,
        runner: &JobRunner,
        tenant: TenantId,
    ) -> Result<(u64, u64)> {
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
            "DELETE FROM scan_schedules WHERE tenant_id = $1",
            "DELETE FROM connection_credentials WHERE tenant_id = $1",
            "DELETE FROM connections WHERE tenant_id = $1",
            "DELETE FROM audit_log WHERE tenant_id = $1",
            "DELETE FROM refresh_tokens WHERE tenant_id = $1",
            "DELETE FROM backup_codes WHERE tenant_id = $1",
            "DELETE FROM sessions WHERE tenant_id = $1",
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
    fn policies_beyond_30_days_are_refused_naming_the_values() {
        let err = RetentionPolicy::new(20, 14, 7).unwrap_err().to_string();
        assert!(
            err.contains("purge delay 20 days") && err.contains("14 days"),
            "{err}"
        );
        assert!(
            RetentionPolicy::new(30, 0, 1).is_err(),
            "keeps no key backup"
        );
        assert!(RetentionPolicy::new(29, 1, 1).is_ok());
        assert!(RetentionPolicy::new(31, 1, 1).is_err());
        // Data backups are bounded too: they hold every unencrypted column.
        let err = RetentionPolicy::new(7, 7, 30).unwrap_err().to_string();
        assert!(err.contains("data backup retention 30 days"), "{err}");
        assert!(RetentionPolicy::new(7, 7, 23).is_ok());
        let d = RetentionPolicy::default();
        assert!(
            RetentionPolicy::new(
                d.purge_delay_days(),
                d.key_backup_retention_days(),
                d.data_backup_retention_days()
            )
            .is_ok()
        );
    }

    #[test]
    fn sums_that_would_wrap_are_refused() {
        // 7 + 4294967290 wraps to 1 in u32 arithmetic.
        let err = RetentionPolicy::new(7, 4_294_967_290, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("4294967297 days"), "{err}");
        for (p, k, d) in [
            (u32::MAX, u32::MAX, u32::MAX),
            (u32::MAX, 1, 1),
            (1, 1, u32::MAX),
        ] {
            assert!(RetentionPolicy::new(p, k, d).is_err(), "{p} {k} {d}");
        }
    }

    #[test]
    fn a_deletion_time_at_the_end_of_time_is_an_error_not_a_panic() {
        let p = RetentionPolicy::default();
        let end = time::Date::MAX.with_hms(23, 59, 59).unwrap().assume_utc();
        assert!(p.purge_after(end).is_err());
    }
}
