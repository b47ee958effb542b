//! The scan job lifecycle (table `scans`, with [`crate::scans`]): the
//! store's job queue. A worker claims the oldest queued scan of any tenant
//! under a lease, reports its progress (each report renews the lease), and
//! finishes the scan in place with its result, fails it, or puts it back
//! in the queue to be tried again after a back-off.
//!
//! ```text
//! queued ──claim_scan──▶ running ──finish_scan──▶ succeeded
//!  ▲ │                    │  ▲
//!  │ │                    │  └── claim_scan once the lease expired (attempt n + 1;
//!  │ │                    │      after MAX_SCAN_ATTEMPTS the claim fails it instead)
//!  │ │                    ├──fail_scan, or retry_scan at MAX_SCAN_ATTEMPTS──▶ failed
//!  └─┼────retry_scan──────┘  (queued again, not claimed before the back-off)
//!    │
//! queued or running ──cancel_scan, or connection or tenant deleted──▶ cancelled
//! ```
//!
//! - Claiming is cross-tenant, so it takes the [`JobRunner`] and runs in one
//!   short maintenance transaction; on PostgreSQL the candidate row is
//!   locked `FOR UPDATE SKIP LOCKED`, so two workers never claim the same
//!   scan, and on SQLite the transaction holds the write lock from its start
//!   (`BEGIN IMMEDIATE`).
//! - A claim fails instead of running a scan whose connection or tenant was
//!   deleted, and a scan whose lease expired [`MAX_SCAN_ATTEMPTS`] times (the
//!   claim is the reaper of expired leases).
//! - A claim returns a [`Lease`], the fencing token (worker and attempt).
//!   Progress, finish, fail and retry take it and change the scan only while
//!   the scan is still on that claim; a worker that stalled past its lease
//!   and woke after another claim cannot complete, fail or overwrite that
//!   attempt ([`StoreError::LeaseLost`]), and nothing of it is stored.
//! - Progress, finish, fail, retry and cancel act for one tenant
//!   ([`TenantScope`]): they run in tenant transactions, so on PostgreSQL
//!   row-level security applies, and another tenant's scan is
//!   [`StoreError::NotFound`] and left unchanged.
//! - Each step changes the row only from the states it allows, in one
//!   conditional `UPDATE`; a scan in another state is refused with
//!   [`StoreError::ScanState`], which names the scan and its state. So two
//!   finishes of one scan store its findings once, and a cancelled scan's
//!   worker learns at its next progress report that it should stop.
//! - [`Store::record_scan`] (the CLI) queues and finishes a scan in one
//!   transaction.
//!
//! Deleting a connection or tenant cancels its queued and running scans
//! ([`crate::retention`]).

use cloudarq_model::finding::ResultSource;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{Tx, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scans::{ScanId, ScanStatus, ScanTimes, json, parse};
use crate::scope::{JobRunner, TenantId, TenantScope};

/// How long a claim lasts without a progress report, by default
/// ([`crate::StoreConfig::scan_lease`] sets another): a worker reports at
/// least this often (a timer, not only real progress), or its scan may be
/// claimed again.
pub const SCAN_LEASE: Duration = Duration::minutes(5);

/// Claims of one scan at most: a scan whose lease expired this many times
/// is failed instead of claimed again.
pub const MAX_SCAN_ATTEMPTS: u32 = 3;

/// The longest worker id, in characters.
pub const MAX_WORKER_ID_CHARS: usize = 100;

/// The longest stored error message of a failed scan, in characters
/// (escapes included).
pub const MAX_SCAN_ERROR_CHARS: usize = 2000;

/// What ends an error message cut at [`MAX_SCAN_ERROR_CHARS`].
const TRUNCATED: &str = "… (truncated)";

/// A scan a worker has claimed: what it needs to run it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ClaimedScan {
    /// The scan, now running.
    pub scan: ScanId,
    /// Its tenant: the scope of every call the worker makes for it
    /// (credentials, progress, finish, fail).
    pub scope: TenantScope,
    /// The connection to scan.
    pub connection: ConnectionId,
    /// Which claim of this scan this is, from 1 (at most
    /// [`MAX_SCAN_ATTEMPTS`]).
    pub attempt: u32,
    /// When the claim lapses unless the worker reports progress.
    pub lease_expires_at: OffsetDateTime,
    /// The claim's fencing token: every later step of this attempt takes it.
    pub lease: Lease,
}

/// The fencing token of a claim: the scan, the worker and the attempt the
/// claim gave it. Progress, finish, fail and retry each take it and change
/// the scan only while the scan is still on that claim (one conditional
/// `UPDATE` on worker and attempt); once the lease expired and another
/// claim took the scan, or the scan ended, the step is refused with
/// [`StoreError::LeaseLost`] and nothing changes. So a worker that stalled
/// past its lease and wakes up cannot complete, fail or overwrite the
/// attempt that replaced it. Only [`Store::claim_scan`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    scan: ScanId,
    worker: String,
    attempt: u32,
}

impl Lease {
    /// The scan claimed.
    pub fn scan(&self) -> ScanId {
        self.scan
    }

    /// The worker holding the claim.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Which claim of the scan this is, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// What [`Store::retry_scan`] did with a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retry {
    /// Queued again; no claim takes it before `not_before`.
    Queued {
        /// The end of the back-off.
        not_before: OffsetDateTime,
    },
    /// That was attempt [`MAX_SCAN_ATTEMPTS`]: the scan failed, its error
    /// kept for inspection.
    GaveUp,
}

/// The back-off before the first retry; each later one doubles it.
pub const RETRY_BASE: Duration = Duration::seconds(30);

/// The longest back-off.
pub const RETRY_CAP: Duration = Duration::minutes(30);

/// The back-off after failed attempt `attempt` (from 1), with `jitter` in
/// [0, 1]: half of `RETRY_BASE · 2^(attempt − 1)` (at most [`RETRY_CAP`])
/// plus `jitter` times the other half ("equal jitter"), so retries of many
/// scans that failed together spread out, and none comes back sooner than
/// half its step.
///
/// ```
/// use cloudarq_store::jobs::{RETRY_BASE, RETRY_CAP, retry_delay};
/// assert_eq!(retry_delay(1, 0.0), RETRY_BASE / 2);
/// assert_eq!(retry_delay(1, 1.0), RETRY_BASE);
/// assert_eq!(retry_delay(3, 1.0), RETRY_BASE * 4);
/// assert_eq!(retry_delay(40, 1.0), RETRY_CAP);
/// ```
pub fn retry_delay(attempt: u32, jitter: f64) -> Duration {
    let step = attempt.saturating_sub(1).min(16);
    let full = RETRY_BASE
        .checked_mul(1 << step)
        .map_or(RETRY_CAP, |d| d.min(RETRY_CAP));
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    full / 2 + (full / 2) * jitter
}

/// A uniform draw in [0, 1) for the jitter.
fn jitter() -> Result<f64> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| StoreError::InvalidInput {
        field: "randomness",
        detail: format!("the system's random source failed: {e}"),
    })?;
    Ok(f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0))
}

/// The end of a lease taken or renewed at `now`.
pub(crate) fn lease_until(now: OffsetDateTime, lease: Duration) -> Result<OffsetDateTime> {
    now.checked_add(lease)
        .ok_or_else(|| StoreError::InvalidInput {
            field: "time",
            detail: format!("{now} plus the scan lease is out of range"),
        })
}

/// A worker id: 1 to [`MAX_WORKER_ID_CHARS`] characters, none of them
/// control, bidirectional or line-separator characters, not blank.
pub(crate) fn check_worker(worker: &str) -> Result<()> {
    let n = worker.chars().count();
    if n == 0 || n > MAX_WORKER_ID_CHARS || worker.trim().is_empty() {
        return Err(StoreError::InvalidInput {
            field: "worker id",
            detail: format!(
                "{:?} must be 1 to {MAX_WORKER_ID_CHARS} characters, not blank",
                cloudarq_model::text::escape(&worker.chars().take(40).collect::<String>())
            ),
        });
    }
    if !cloudarq_model::text::is_inert(worker) {
        return Err(StoreError::InvalidInput {
            field: "worker id",
            detail: format!(
                "{:?} holds control or bidirectional characters",
                cloudarq_model::text::escape(worker)
            ),
        });
    }
    Ok(())
}

/// The stored form of a failed scan's error message, which an API and a UI
/// show: trimmed, every control, bidirectional and line-separator character
/// escaped ([`cloudarq_model::text::escape`]), at most
/// [`MAX_SCAN_ERROR_CHARS`] characters (a longer one is cut and marked).
/// Refused when blank. Reads at most one character more than it keeps.
pub(crate) fn error_text(error: &str) -> Result<String> {
    let error = error.trim();
    if error.is_empty() {
        return Err(StoreError::InvalidInput {
            field: "scan error",
            detail: "a failed scan needs a reason; the message is empty".into(),
        });
    }
    let room = MAX_SCAN_ERROR_CHARS - TRUNCATED.chars().count();
    let mut out = String::new();
    let mut used = 0;
    // How much of `out` fits before the marker, should the text be cut.
    let mut fits_with_marker = 0;
    let mut buf = [0u8; 4];
    for c in error.chars() {
        // Whole escapes only: a cut never splits one.
        let piece = cloudarq_model::text::escape(c.encode_utf8(&mut buf));
        let n = piece.chars().count();
        if used + n > MAX_SCAN_ERROR_CHARS {
            out.truncate(fits_with_marker);
            out.push_str(TRUNCATED);
            return Ok(out);
        }
        out.push_str(&piece);
        used += n;
        if used <= room {
            fits_with_marker = out.len();
        }
    }
    Ok(out)
}

/// A candidate for a claim: id, tenant, connection, attempts so far, the
/// last claimer, and whether its connection and tenant are live.
type Candidate = (Uuid, Uuid, Uuid, i64, Option<String>, bool);

/// The oldest queued scan, or running scan whose lease has expired (at $1),
/// of any tenant, followed by `$lock`.
macro_rules! candidate {
    ($lock:literal) => {
        concat!(
            "SELECT s.id, s.tenant_id, s.connection_id, s.attempts, s.claimed_by, \
             (co.deleted_at_ms IS NULL AND t.deleted_at_ms IS NULL) \
             FROM scans s \
             JOIN connections co ON co.tenant_id = s.tenant_id AND co.id = s.connection_id \
             JOIN tenants t ON t.id = s.tenant_id \
             WHERE (s.status = 'queued' AND (s.not_before_ms IS NULL OR s.not_before_ms <= $1)) \
                OR (s.status = 'running' AND (s.lease_expires_at_ms IS NULL OR s.lease_expires_at_ms <= $1)) \
             ORDER BY s.created_at_ms, s.id LIMIT 1",
            $lock
        )
    };
}

/// The candidate on PostgreSQL, which skips rows another claim has locked.
const CANDIDATE_POSTGRES: &str = candidate!(" FOR UPDATE OF s SKIP LOCKED");

/// The candidate on SQLite, whose transaction already holds the database's
/// write lock.
const CANDIDATE_SQLITE: &str = candidate!("");

impl Store {
    /// Claims the oldest queued scan of any tenant for `worker` (1 to
    /// [`MAX_WORKER_ID_CHARS`] characters, no control characters), or a
    /// running scan whose lease expired (its worker died): the scan becomes
    /// running, started now, claimed by `worker` until `now +` the store's
    /// scan lease ([`SCAN_LEASE`] by default), its attempt counted. `None` when nothing is waiting.
    ///
    /// On the way it fails, with an error saying why, each candidate whose
    /// connection or tenant was deleted and each whose lease expired
    /// [`MAX_SCAN_ATTEMPTS`] times. Two workers claiming at once never get
    /// the same scan.
    pub async fn claim_scan(
        &self,
        runner: &JobRunner,
        worker: &str,
        now: OffsetDateTime,
    ) -> Result<Option<ClaimedScan>> {
        check_worker(worker)?;
        let until = lease_until(now, self.scan_lease)?;
        let mut tx = self.pool.begin_operator().await?;
        loop {
            let candidate: Option<Candidate> = match &mut tx {
                Tx::Sqlite(t) => {
                    sqlx::query_as(CANDIDATE_SQLITE)
                        .bind(ms(now))
                        .fetch_optional(&mut **t)
                        .await
                }
                Tx::Postgres(t) => {
                    sqlx::query_as(CANDIDATE_POSTGRES)
                        .bind(ms(now))
                        .fetch_optional(&mut **t)
                        .await
                }
            }
            .ctx("finding a scan to claim")?;
            let Some((id, tenant, connection, attempts, last_worker, live)) = candidate else {
                tx.commit().await?;
                return Ok(None);
            };
            let give_up = if !live {
                Some("its connection or tenant was deleted before a worker claimed it".to_string())
            } else if attempts >= i64::from(MAX_SCAN_ATTEMPTS) {
                Some(format!(
                    "given up after {attempts} attempts: the lease of each worker expired without a result (last worker {})",
                    last_worker.as_deref().unwrap_or("unknown")
                ))
            } else {
                None
            };
            if let Some(reason) = give_up {
                let reason = error_text(&reason)?;
                on_tx!(&mut tx, c => {
                    sqlx::query(
                        "UPDATE scans SET status = 'failed', error = $1, finished_at_ms = $2, lease_expires_at_ms = NULL \
                         WHERE id = $3",
                    )
                    .bind(&reason)
                    .bind(ms(now))
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .ctx("failing an unclaimable scan")?;
                });
                tracing::warn!(scan = %id, tenant = %tenant, error = %reason, "scan failed instead of claimed");
                continue;
            }
            let attempt: i64 = on_tx!(&mut tx, c => {
                sqlx::query_scalar(
                    "UPDATE scans SET status = 'running', started_at_ms = $1, claimed_by = $2, lease_expires_at_ms = $3, \
                     attempts = attempts + 1, progress = 0, error = NULL, not_before_ms = NULL WHERE id = $4 RETURNING attempts",
                )
                .bind(ms(now))
                .bind(worker.to_owned())
                .bind(ms(until))
                .bind(id)
                .fetch_one(&mut *c)
                .await
                .ctx("claiming a scan")?
            });
            tx.commit().await?;
            let attempt = u32::try_from(attempt).map_err(|_| StoreError::Corrupt {
                what: "scan attempts",
                detail: format!("{attempt} is out of range"),
            })?;
            tracing::info!(scan = %id, tenant = %tenant, worker, attempt, "scan claimed");
            return Ok(Some(ClaimedScan {
                scan: ScanId(id),
                scope: runner.scope(TenantId(tenant)),
                connection: ConnectionId(connection),
                attempt,
                lease_expires_at: until,
                lease: Lease {
                    scan: ScanId(id),
                    worker: worker.to_owned(),
                    attempt,
                },
            }));
        }
    }

    /// Records that the scan of claim `lease` (of the scope's tenant) is
    /// `percent` done (0–100) and renews the lease to `now +` the scan lease
    /// (a heartbeat: report the same percentage again to renew only).
    /// Progress never goes back: a lower percentage keeps the stored one.
    /// Returns the stored progress. Refused with [`StoreError::LeaseLost`]
    /// once another claim took the scan, and with [`StoreError::ScanState`]
    /// when it was cancelled: either way the worker stops.
    pub async fn report_progress(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        percent: u8,
        now: OffsetDateTime,
    ) -> Result<u8> {
        if percent > 100 {
            return Err(StoreError::InvalidInput {
                field: "scan progress",
                detail: format!("{percent} is outside 0..=100"),
            });
        }
        let until = lease_until(now, self.scan_lease)?;
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let stored: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "UPDATE scans SET progress = CASE WHEN progress > $1 THEN progress ELSE $1 END, lease_expires_at_ms = $2 \
                 WHERE id = $3 AND tenant_id = $4 AND status = 'running' AND claimed_by = $5 AND attempts = $6 \
                 RETURNING progress",
            )
            .bind(i64::from(percent))
            .bind(ms(until))
            .bind(lease.scan.0)
            .bind(tenant)
            .bind(lease.worker.clone())
            .bind(i64::from(lease.attempt))
            .fetch_optional(&mut *c)
            .await
            .ctx("reporting scan progress")?
        });
        let Some(stored) = stored else {
            return Err(self
                .refusal(
                    &mut tx,
                    tenant,
                    lease.scan,
                    Some(lease),
                    "reporting progress",
                    "running",
                )
                .await);
        };
        tx.commit().await?;
        u8::try_from(stored).map_err(|_| StoreError::Corrupt {
            what: "scan progress",
            detail: format!("{stored} is outside 0..=100"),
        })
    }

    /// Finishes the scan of claim `lease` (of the scope's tenant) with its
    /// result: the row is filled in place (account, regions, counts, gaps)
    /// and set succeeded at 100 %, and every finding (details encrypted) and
    /// score is stored, in one transaction. Refused, with nothing stored,
    /// when the scan is no longer on this claim ([`StoreError::LeaseLost`])
    /// or no longer running ([`StoreError::ScanState`], e.g. cancelled).
    pub async fn finish_scan(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        result: &(impl ResultSource + Sync + ?Sized),
        times: ScanTimes,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        self.fill_scan(&mut tx, tenant, lease.scan, result, times, Some(lease))
            .await?;
        tx.commit().await?;
        tracing::info!(scan = %lease.scan, findings = result.finding_count(), "scan stored");
        Ok(())
    }

    /// Fails the scan of claim `lease` (of the scope's tenant) at `now`
    /// for good, with `error` as its reason (a failure no retry can mend,
    /// such as a role that cannot be assumed): trimmed, control and
    /// bidirectional characters escaped, at most [`MAX_SCAN_ERROR_CHARS`]
    /// characters (cut and marked beyond); an empty reason is refused.
    /// Refused like [`Store::finish_scan`] when the claim is stale or the
    /// scan no longer running.
    pub async fn fail_scan(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        error: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.end_attempt(
            scope,
            lease,
            "failing",
            "UPDATE scans SET status = 'failed', error = $1, finished_at_ms = $2, lease_expires_at_ms = NULL \
             WHERE id = $3 AND tenant_id = $4 AND status = 'running' AND claimed_by = $5 AND attempts = $6",
            &error_text(error)?,
            now,
        )
        .await?;
        tracing::warn!(scan = %lease.scan, "scan failed");
        Ok(())
    }

    /// Ends the failed attempt of claim `lease` (of the scope's tenant) at
    /// `now` for a reason worth another try (throttling, a network fault, a
    /// crash): below [`MAX_SCAN_ATTEMPTS`] the scan is queued again, with
    /// `error` kept as the last attempt's reason and no claim before
    /// [`retry_delay`] has passed (random jitter); at the limit it fails
    /// ([`Retry::GaveUp`]), its reason saying how many attempts were made.
    /// Refused like [`Store::finish_scan`] when the claim is stale or the
    /// scan no longer running.
    pub async fn retry_scan(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        error: &str,
        now: OffsetDateTime,
    ) -> Result<Retry> {
        if lease.attempt >= MAX_SCAN_ATTEMPTS {
            let reason = format!(
                "given up after {} attempts: {}",
                lease.attempt,
                error.trim()
            );
            self.fail_scan(scope, lease, &reason, now).await?;
            return Ok(Retry::GaveUp);
        }
        let error = error_text(error)?;
        let not_before = now
            .checked_add(retry_delay(lease.attempt, jitter()?))
            .ok_or_else(|| StoreError::InvalidInput {
                field: "time",
                detail: format!("{now} plus the retry delay is out of range"),
            })?;
        self.end_attempt(
            scope,
            lease,
            "retrying",
            "UPDATE scans SET status = 'queued', error = $1, not_before_ms = $2, claimed_by = NULL, \
             lease_expires_at_ms = NULL, progress = 0 \
             WHERE id = $3 AND tenant_id = $4 AND status = 'running' AND claimed_by = $5 AND attempts = $6",
            &error,
            not_before,
        )
        .await?;
        tracing::info!(scan = %lease.scan, attempt = lease.attempt, %not_before, "scan queued again");
        Ok(Retry::Queued { not_before })
    }

    /// Gives the scan of claim `lease` back to the queue without counting
    /// the attempt (a worker shutting down before the scan finished): any
    /// worker may claim it at once, its progress starts over. Refused like
    /// [`Store::finish_scan`] when the claim is stale or the scan no longer
    /// running.
    pub async fn release_scan(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.end_attempt(
            scope,
            lease,
            "releasing",
            "UPDATE scans SET status = 'queued', error = $1, not_before_ms = $2, claimed_by = NULL, \
             lease_expires_at_ms = NULL, progress = 0, attempts = attempts - 1 \
             WHERE id = $3 AND tenant_id = $4 AND status = 'running' AND claimed_by = $5 AND attempts = $6",
            &error_text(&format!("released by worker {} when it shut down", lease.worker))?,
            now,
        )
        .await?;
        tracing::info!(scan = %lease.scan, "scan released");
        Ok(())
    }

    /// Ends the attempt of claim `lease` with `sql`, a conditional update
    /// of the claim's scan binding the error ($1), a time ($2), the scan,
    /// tenant, worker and attempt ($3–$6); no row changed is the claim's
    /// refusal, and nothing is kept.
    async fn end_attempt(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        action: &'static str,
        sql: &'static str,
        error: &str,
        at: OffsetDateTime,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let changed = on_tx!(&mut tx, c => {
            sqlx::query(sql)
                .bind(error.to_owned())
                .bind(ms(at))
                .bind(lease.scan.0)
                .bind(tenant)
                .bind(lease.worker.clone())
                .bind(i64::from(lease.attempt))
                .execute(&mut *c)
                .await
                .ctx(action)?
                .rows_affected()
        });
        if changed == 0 {
            return Err(self
                .refusal(&mut tx, tenant, lease.scan, Some(lease), action, "running")
                .await);
        }
        tx.commit().await
    }

    /// Cancels queued or running scan `scan` of the scope's tenant at `now`
    /// (an admin's request): a queued scan is never claimed, and a running
    /// one's worker learns it at its next progress report (refused with
    /// [`StoreError::ScanState`] naming `cancelled`) and stops there; its
    /// finish is refused too, so nothing of it is stored. A scan that has
    /// already ended is refused ([`StoreError::ScanState`]); another
    /// tenant's is [`StoreError::NotFound`].
    pub async fn cancel_scan(
        &self,
        scope: &TenantScope,
        scan: ScanId,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let cancelled = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE scans SET status = 'cancelled', finished_at_ms = $1, lease_expires_at_ms = NULL \
                 WHERE id = $2 AND tenant_id = $3 AND status IN ('queued', 'running')",
            )
            .bind(ms(now))
            .bind(scan.0)
            .bind(tenant)
            .execute(&mut *c)
            .await
            .ctx("cancelling a scan")?
            .rows_affected()
        });
        if cancelled == 0 {
            return Err(self
                .refusal(
                    &mut tx,
                    tenant,
                    scan,
                    None,
                    "cancelling",
                    "queued or running",
                )
                .await);
        }
        tx.commit().await?;
        tracing::info!(scan = %scan, "scan cancelled");
        Ok(())
    }

    /// Fills scan `scan` with `result` inside `tx`: running under `lease`,
    /// or queued when there is none (`record_scan`); the scan row, then its
    /// findings and scores. The conditional update comes
    /// first, so a concurrent second fill waits for it and then finds the
    /// scan succeeded.
    pub(crate) async fn fill_scan(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: ScanId,
        source: &(impl ResultSource + Sync + ?Sized),
        times: ScanTimes,
        lease: Option<&Lease>,
    ) -> Result<()> {
        let from = if lease.is_some() {
            ScanStatus::Running
        } else {
            ScanStatus::Queued
        };
        let result = source.head();
        let regions = json(&result.regions)?;
        let coverage = json(&result.coverage_gaps)?;
        let evaluation = crate::gaps::to_column(|| source.evaluation_gaps())?;
        let catalogue = json(&result.rules)?;
        /// The fill, from state $12, with `$extra` conditions.
        macro_rules! fill {
            ($extra:literal) => {
                concat!(
                    "UPDATE scans SET status = 'succeeded', progress = 100, account_id = $1, collected_at_ms = $2, regions = $3, \
                     rules_evaluated = $4, resources = $5, coverage_gaps = $6, evaluation_gaps = $7, \
                     started_at_ms = $8, finished_at_ms = $9, lease_expires_at_ms = NULL, error = NULL, rule_catalogue = $13 \
                     WHERE id = $10 AND tenant_id = $11 AND status = $12",
                    $extra
                )
            };
        }
        let filled = on_tx!(tx, c => {
            let q = sqlx::query(if lease.is_some() {
                fill!(" AND claimed_by = $14 AND attempts = $15")
            } else {
                fill!("")
            })
            .bind(result.account_id.as_str())
            .bind(ms(result.collected_at.get()))
            .bind(&regions)
            .bind(i64::from(result.rules_evaluated))
            .bind(i64::from(result.resources))
            .bind(&coverage)
            .bind(&evaluation)
            .bind(ms(times.started_at))
            .bind(ms(times.finished_at))
            .bind(scan.0)
            .bind(tenant)
            .bind(from.as_str())
            .bind(&catalogue);
            let q = match lease {
                Some(l) => q.bind(l.worker.clone()).bind(i64::from(l.attempt)),
                None => q,
            };
            q.execute(&mut *c)
            .await
            .ctx("storing a scan")?
            .rows_affected()
        });
        if filled == 0 {
            let expected = match from {
                ScanStatus::Queued => "queued",
                _ => "running",
            };
            return Err(self
                .refusal(tx, tenant, scan, lease, "finishing", expected)
                .await);
        }
        self.insert_findings(tx, tenant, scan.0, source).await?;
        self.insert_scores(tx, tenant, scan.0, &result.scores).await
    }

    /// Why a lifecycle step left scan `scan` unchanged: not found for this
    /// tenant, on another claim than `lease` (when given), or in a state the
    /// step does not start from.
    async fn refusal(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: ScanId,
        lease: Option<&Lease>,
        action: &'static str,
        expected: &'static str,
    ) -> StoreError {
        let row: Result<Option<(String, Option<String>, i64)>> = on_tx!(tx, c => {
            sqlx::query_as("SELECT status, claimed_by, attempts FROM scans WHERE id = $1 AND tenant_id = $2")
                .bind(scan.0)
                .bind(tenant)
                .fetch_optional(&mut *c)
                .await
                .ctx("reading a scan's status")
        });
        let (status, claimed_by, attempts) = match row {
            Ok(Some(row)) => row,
            Ok(None) => {
                return StoreError::NotFound {
                    what: "scan",
                    id: scan.to_string(),
                };
            }
            Err(e) => return e,
        };
        let status = match parse::<ScanStatus>("scan status", &status) {
            Ok(status) => status,
            Err(e) => return e,
        };
        if let Some(lease) = lease
            && (claimed_by.as_deref() != Some(lease.worker.as_str())
                || attempts != i64::from(lease.attempt))
        {
            return StoreError::LeaseLost {
                scan,
                worker: lease.worker.clone(),
                attempt: lease.attempt,
                current: u32::try_from(attempts).unwrap_or(u32::MAX),
                status,
                action,
            };
        }
        StoreError::ScanState {
            scan,
            status,
            action,
            expected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_ids_are_short_inert_and_not_blank() {
        for ok in [
            "worker-1",
            "ip-10-0-0-1.ec2.internal/4242",
            &"w".repeat(100),
        ] {
            assert!(check_worker(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "   ",
            &"w".repeat(101),
            "w\n2",
            "w\x1b[2J",
            "w\u{202e}",
            "w\u{9b}",
        ] {
            assert!(
                matches!(
                    check_worker(bad),
                    Err(StoreError::InvalidInput {
                        field: "worker id",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn error_text_is_escaped_bounded_and_never_empty() {
        assert_eq!(error_text("  AccessDenied  ").unwrap(), "AccessDenied");
        assert_eq!(
            error_text("a\nb\x1b[31m\u{202e}c").unwrap(),
            r"a\nb\x1b[31m\u{202e}c"
        );
        assert!(error_text(" \n ").is_err());
        let exact = "x".repeat(MAX_SCAN_ERROR_CHARS);
        assert_eq!(error_text(&exact).unwrap(), exact, "the bound itself fits");
        let long = error_text(&"y".repeat(1_000_000)).unwrap();
        assert_eq!(long.chars().count(), MAX_SCAN_ERROR_CHARS);
        assert!(long.ends_with(TRUNCATED));
        // Escapes count: a string of controls is cut too, never mid-escape.
        let controls = error_text(&"\x1b".repeat(1000)).unwrap();
        assert!(controls.chars().count() <= MAX_SCAN_ERROR_CHARS);
        assert!(
            controls
                .trim_end_matches(TRUNCATED)
                .split("\\x1b")
                .all(str::is_empty)
        );
        assert!(cloudarq_model::text::is_inert(&controls));
    }
}
