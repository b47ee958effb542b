//! Maintenance jobs on the queue (table `maintenance_runs`): the daily purge
//! (S4), the daily backup with its retention (S5), and key rotation in
//! batches (S2). Workers run them as they run scans:
//!
//! - [`Store::enqueue_daily_maintenance`] queues a day's purge and backup
//!   once, however many workers call it: the day (UTC) is the run's dedupe
//!   key. [`Store::request_rotation`] queues a rotation (an operator's
//!   request).
//! - [`Store::claim_maintenance`] claims the oldest waiting run, or one
//!   whose lease expired (its worker died), in one short transaction
//!   (`FOR UPDATE SKIP LOCKED` on PostgreSQL); after
//!   [`MAX_MAINTENANCE_ATTEMPTS`] claims that never ended, the claim fails
//!   the run instead. One run holds a lease at a time, whatever the number
//!   of workers: a purge's `VACUUM FULL` waits for a backup's snapshot,
//!   whose `pg_dump` would then queue behind the vacuum.
//! - [`Store::renew_maintenance`] and [`Store::end_maintenance`] take the
//!   claim's [`MaintenanceLease`] (worker and attempt, the fencing token):
//!   a worker that lost its lease can neither renew nor end the run.
//! - Each ended run writes its own audit entry, in the operators' tenant
//!   (`maintenance.purge`, `maintenance.backup`, `maintenance.rotation`;
//!   outcome `success` or `error`), so `cloudarq audit verify` covers them.
//!
//! The work itself is the store's: [`Store::purge`] (or
//! [`Store::purge_with_backups`]), [`Store::backup`], [`Store::rotate`].

use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::audit_log::AuditEntry;
use crate::db::{Tx, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::jobs::{check_worker, error_text, lease_until};
use crate::scope::JobRunner;

/// Claims of one run that may end without a result (a worker dying each
/// time) before the next claim fails it.
pub const MAX_MAINTENANCE_ATTEMPTS: u32 = 3;

/// A maintenance job's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaintenanceKind {
    /// Remove what deleted connections and tenants left after their purge
    /// delay ([`Store::purge`]).
    Purge,
    /// Back the store up and prune old backups ([`Store::backup`]).
    Backup,
    /// New data keys and every row re-encrypted, in batches
    /// ([`Store::rotate`]).
    Rotation,
}

impl MaintenanceKind {
    /// Its name in the table and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Purge => "purge",
            Self::Backup => "backup",
            Self::Rotation => "rotation",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "purge" => Ok(Self::Purge),
            "backup" => Ok(Self::Backup),
            "rotation" => Ok(Self::Rotation),
            other => Err(StoreError::Corrupt {
                what: "maintenance kind",
                detail: format!("{other:?}"),
            }),
        }
    }
}

/// The fencing token of a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaintenanceLease {
    id: Uuid,
    worker: String,
    attempt: u32,
}

/// A claimed run.
#[derive(Clone, Debug)]
pub struct MaintenanceClaim {
    /// The run.
    pub id: Uuid,
    /// What to do.
    pub kind: MaintenanceKind,
    /// Its dedupe key (the day, for daily jobs).
    pub due_key: String,
    /// Which claim of the run this is (from 1).
    pub attempt: u32,
    /// The fencing token.
    pub lease: MaintenanceLease,
}

/// A run as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaintenanceRun {
    /// The run.
    pub id: Uuid,
    /// What it does.
    pub kind: MaintenanceKind,
    /// Its dedupe key.
    pub due_key: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// Claims so far.
    pub attempts: u32,
    /// What it did (counts), once succeeded.
    pub result: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

type RunRow = (
    Uuid,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

/// The oldest waiting run, or running run whose lease expired at $1, then
/// `$lock`.
macro_rules! candidate {
    ($lock:literal) => {
        concat!(
            "SELECT id, kind, due_key, attempts, claimed_by FROM maintenance_runs \
             WHERE status = 'queued' OR (status = 'running' AND (lease_expires_at_ms IS NULL OR lease_expires_at_ms <= $1)) \
             ORDER BY created_at_ms, id LIMIT 1",
            $lock
        )
    };
}

type Candidate = (Uuid, String, String, i64, Option<String>);

fn day(now: OffsetDateTime) -> String {
    let d = now.to_offset(time::UtcOffset::UTC).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Store {
    async fn insert_run(
        &self,
        kind: MaintenanceKind,
        due_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Uuid>> {
        let id = Uuid::now_v7();
        let mut tx = self.pool.begin_operator().await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO maintenance_runs (id, kind, due_key, status, created_at_ms) VALUES ($1, $2, $3, 'queued', $4) \
                 ON CONFLICT (kind, due_key) DO NOTHING",
            )
            .bind(id)
            .bind(kind.as_str())
            .bind(due_key)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("queueing a maintenance job")?
            .rows_affected()
        });
        tx.commit().await?;
        Ok((n == 1).then_some(id))
    }

    /// Queues today's (UTC) run of each of `kinds` unless it is queued
    /// already; returns the runs it queued.
    pub async fn enqueue_daily_maintenance(
        &self,
        _runner: &JobRunner,
        kinds: &[MaintenanceKind],
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>> {
        let key = day(now);
        let mut queued = Vec::new();
        for kind in kinds {
            if let Some(id) = self.insert_run(*kind, &key, now).await? {
                tracing::info!(run = %id, kind = kind.as_str(), day = %key, "maintenance job queued");
                queued.push(id);
            }
        }
        Ok(queued)
    }

    /// Queues a key rotation (new data keys, every row re-encrypted in
    /// batches) for the next worker.
    pub async fn request_rotation(&self, _runner: &JobRunner, now: OffsetDateTime) -> Result<Uuid> {
        let key = format!("requested {}", Uuid::now_v7());
        self.insert_run(MaintenanceKind::Rotation, &key, now)
            .await?
            .ok_or(StoreError::Corrupt {
                what: "maintenance run",
                detail: "a fresh rotation key collided".into(),
            })
    }

    /// Claims the oldest waiting maintenance run for `worker`, leased until
    /// `now +` the store's lease; fails, on the way, runs whose lease expired
    /// [`MAX_MAINTENANCE_ATTEMPTS`] times. `None` when nothing waits, or
    /// while another run holds a live lease: runs go one at a time.
    pub async fn claim_maintenance(
        &self,
        _runner: &JobRunner,
        worker: &str,
        now: OffsetDateTime,
    ) -> Result<Option<MaintenanceClaim>> {
        check_worker(worker)?;
        let until = lease_until(now, self.scan_lease)?;
        let mut tx = self.pool.begin_operator().await?;
        // One run at a time: a purge's `VACUUM FULL` and a backup's
        // snapshot, or a rotation and either, would wait on each other's
        // locks. Claims are serialised (an advisory lock on PostgreSQL, the
        // write lock on SQLite), so the check below sees every claim made.
        if let Tx::Postgres(t) = &mut tx {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended('cloudarq.maintenance_runs', 0))",
            )
            .execute(&mut **t)
            .await
            .ctx("serialising maintenance claims")?;
        }
        let busy: Option<String> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "SELECT kind FROM maintenance_runs WHERE status = 'running' AND lease_expires_at_ms > $1 LIMIT 1",
            )
            .bind(ms(now))
            .fetch_optional(&mut *c)
            .await
            .ctx("looking for a running maintenance job")?
        });
        if busy.is_some() {
            tx.commit().await?;
            return Ok(None);
        }
        loop {
            let candidate: Option<Candidate> = match &mut tx {
                Tx::Sqlite(t) => {
                    sqlx::query_as(candidate!(""))
                        .bind(ms(now))
                        .fetch_optional(&mut **t)
                        .await
                }
                Tx::Postgres(t) => {
                    sqlx::query_as(candidate!(" FOR UPDATE SKIP LOCKED"))
                        .bind(ms(now))
                        .fetch_optional(&mut **t)
                        .await
                }
            }
            .ctx("finding a maintenance job")?;
            let Some((id, kind, due_key, attempts, last)) = candidate else {
                tx.commit().await?;
                return Ok(None);
            };
            if attempts >= i64::from(MAX_MAINTENANCE_ATTEMPTS) {
                let reason = error_text(&format!(
                    "given up after {attempts} attempts: the lease of each worker expired without a result (last worker {})",
                    last.as_deref().unwrap_or("unknown")
                ))?;
                on_tx!(&mut tx, c => {
                    sqlx::query(
                        "UPDATE maintenance_runs SET status = 'failed', error = $1, finished_at_ms = $2, lease_expires_at_ms = NULL WHERE id = $3",
                    )
                    .bind(&reason)
                    .bind(ms(now))
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .ctx("failing a maintenance job")?;
                });
                tracing::warn!(run = %id, kind, error = %reason, "maintenance job failed instead of claimed");
                continue;
            }
            let kind = MaintenanceKind::parse(&kind)?;
            let attempt: i64 = on_tx!(&mut tx, c => {
                sqlx::query_scalar(
                    "UPDATE maintenance_runs SET status = 'running', started_at_ms = $1, claimed_by = $2, lease_expires_at_ms = $3, \
                     attempts = attempts + 1 WHERE id = $4 RETURNING attempts",
                )
                .bind(ms(now))
                .bind(worker.to_owned())
                .bind(ms(until))
                .bind(id)
                .fetch_one(&mut *c)
                .await
                .ctx("claiming a maintenance job")?
            });
            tx.commit().await?;
            let attempt = u32::try_from(attempt).map_err(|_| StoreError::Corrupt {
                what: "maintenance attempts",
                detail: format!("{attempt} is out of range"),
            })?;
            tracing::info!(run = %id, kind = kind.as_str(), worker, attempt, "maintenance job claimed");
            return Ok(Some(MaintenanceClaim {
                id,
                kind,
                due_key,
                attempt,
                lease: MaintenanceLease {
                    id,
                    worker: worker.to_owned(),
                    attempt,
                },
            }));
        }
    }

    /// Renews the lease of claim `lease` to `now +` the store's lease;
    /// [`StoreError::LeaseLost`] once another claim took the run.
    pub async fn renew_maintenance(
        &self,
        _runner: &JobRunner,
        lease: &MaintenanceLease,
        now: OffsetDateTime,
    ) -> Result<()> {
        let until = lease_until(now, self.scan_lease)?;
        let mut tx = self.pool.begin_operator().await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE maintenance_runs SET lease_expires_at_ms = $1 \
                 WHERE id = $2 AND status = 'running' AND claimed_by = $3 AND attempts = $4",
            )
            .bind(ms(until))
            .bind(lease.id)
            .bind(&lease.worker)
            .bind(i64::from(lease.attempt))
            .execute(&mut *c)
            .await
            .ctx("renewing a maintenance lease")?
            .rows_affected()
        });
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::MaintenanceLeaseLost {
                run: lease.id,
                worker: lease.worker.clone(),
                attempt: lease.attempt,
                action: "renewing",
            });
        }
        Ok(())
    }

    /// Ends claim `lease`: succeeded with `Ok(result)` (what it did), failed
    /// with `Err(error)`; and writes the run's audit entry in the operators'
    /// tenant. [`StoreError::LeaseLost`] (and nothing written) once another
    /// claim took the run.
    pub async fn end_maintenance(
        &self,
        runner: &JobRunner,
        claim: &MaintenanceClaim,
        outcome: std::result::Result<&str, &str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let lease = &claim.lease;
        let (status, result, error) = match outcome {
            Ok(r) => ("succeeded", Some(error_text(r)?), None),
            Err(e) => ("failed", None, Some(error_text(e)?)),
        };
        let mut tx = self.pool.begin_operator().await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE maintenance_runs SET status = $1, result = $2, error = $3, finished_at_ms = $4, lease_expires_at_ms = NULL \
                 WHERE id = $5 AND status = 'running' AND claimed_by = $6 AND attempts = $7",
            )
            .bind(status)
            .bind(result)
            .bind(error)
            .bind(ms(now))
            .bind(lease.id)
            .bind(&lease.worker)
            .bind(i64::from(lease.attempt))
            .execute(&mut *c)
            .await
            .ctx("ending a maintenance job")?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::MaintenanceLeaseLost {
                run: lease.id,
                worker: lease.worker.clone(),
                attempt: lease.attempt,
                action: "ending",
            });
        }
        tx.commit().await?;
        let operators = self.operator_tenant(runner, now).await?;
        self.audit(
            &runner.scope(operators),
            &AuditEntry {
                actor: format!("worker:{}", lease.worker),
                action: format!("maintenance.{}", claim.kind.as_str()),
                target: format!("maintenance:{}:{}", claim.kind.as_str(), claim.due_key),
                source_ip: None,
                user_agent: None,
                outcome: if outcome.is_ok() { "success" } else { "error" }.into(),
                at: now,
            },
        )
        .await?;
        tracing::info!(run = %lease.id, kind = claim.kind.as_str(), status, "maintenance job ended");
        Ok(())
    }

    /// The latest `limit` maintenance runs, newest first.
    pub async fn maintenance_runs(
        &self,
        _runner: &JobRunner,
        limit: u32,
    ) -> Result<Vec<MaintenanceRun>> {
        let mut tx = self.pool.begin_operator().await?;
        let rows: Vec<RunRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, kind, due_key, status, attempts, result, error FROM maintenance_runs \
                 ORDER BY created_at_ms DESC, id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await
            .ctx("listing maintenance jobs")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, kind, due_key, status, attempts, result, error)| {
                Ok(MaintenanceRun {
                    id,
                    kind: MaintenanceKind::parse(&kind)?,
                    due_key,
                    status,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    result,
                    error,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_day_is_the_utc_date() {
        assert_eq!(day(datetime!(2026-12-04 23:59:59 UTC)), "2026-12-04");
        assert_eq!(day(datetime!(2026-12-05 00:30 +02:00)), "2026-12-04");
    }
}
