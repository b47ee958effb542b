//! `cloudarq worker`: a stateless process that runs the scans the service
//! queued (issue 12). Any number of workers, on any number of machines,
//! share one database: each claims the oldest waiting scan
//! ([`Store::claim_scan`], `FOR UPDATE SKIP LOCKED`), runs it through the
//! one scan pipeline ([`cloudarq_core::scan`]) with the connection's role
//! and External ID, and stores the result with the CLI's storing step
//! ([`crate::record::finish`]: the result under the lease, then its
//! comparison with the connection's previous successful scan, logged; the
//! API computes the same diff when it is read).
//!
//! - At most `concurrency` scans run at once per worker.
//! - A heartbeat renews the claim's lease every third of it, with the scan's
//!   progress; a refused heartbeat (the scan was cancelled, or another
//!   worker took it over after this one stalled) stops the scan at once,
//!   and nothing of it is stored (the fencing token, [`Lease`]).
//! - A scan that cannot succeed as configured (the role cannot be assumed,
//!   the mutelist no longer fits the rules) fails with its reason; any
//!   other error (throttling, the network, a timeout) is retried with
//!   back-off ([`Store::retry_scan`]), up to the attempt limit.
//! - On shutdown (SIGTERM) the worker claims nothing more, lets running
//!   scans finish for `shutdown_grace`, and gives the rest back to the queue
//!   without counting the attempt ([`Store::release_scan`]).
//! - Every worker is also a scheduler: once per poll interval it queues the
//!   scans whose schedule ticked ([`Store::enqueue_scheduled_scans`]; one
//!   scan per tick however many workers run).
//! - Workers with maintenance on (the default of `cloudarq worker`) also
//!   queue each day's purge and, with a backup directory, backup
//!   ([`Store::enqueue_daily_maintenance`]: once a day however many
//!   workers), and run them and requested key rotations like scans: claimed
//!   under a lease renewed by heartbeat, fenced, one audit entry per run.
//! - A scan of an organization connection lists the organization in the
//!   management account's role and scans each selected member in its role
//!   ([`OrganizationPlan`]), then stores one child scan per member, the
//!   members whose role could not be assumed (coverage gaps, not a failure)
//!   and the roll-up score, under the same lease
//!   ([`Store::finish_organization_scan`]).
//! - The credentials of the customer's role live only inside the scan's
//!   collection (the pipeline drops them with it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use cloudarq_core::engine::Mutelist;
use cloudarq_core::organization::OrganizationPlan;
use cloudarq_core::scan::{CollectPlan, ScanPlan, SnapshotSource, Stage};
use cloudarq_core::{CoreError, CredentialSource, ProgressEvent};
use cloudarq_model::Region;
use cloudarq_model::finding::ResultSource;
use cloudarq_store::backup::BackupPolicy;
use cloudarq_store::jobs::{ClaimedScan, Lease};
use cloudarq_store::maintenance::{MaintenanceClaim, MaintenanceKind};
use cloudarq_store::organizations::OrganizationOutcome;
use cloudarq_store::rotation::RotateOptions;
use cloudarq_store::scans::ScanTimes;
use cloudarq_store::{JobRunner, Store, StoreError, TenantScope};
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

/// The credentials a worker calls STS with to assume customers' roles (the
/// service principal's: the SDK's default chain in production).
pub type AwsBase = Arc<dyn Fn() -> CredentialSource + Send + Sync>;

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// This worker's name in the scans it claims (1–100 characters).
    pub id: String,
    /// Scans at once.
    pub concurrency: usize,
    /// How long to wait before asking again when nothing is queued.
    pub poll: Duration,
    /// How long running scans may go on after a shutdown request before
    /// they are given back to the queue.
    pub shutdown_grace: Duration,
    /// The regions to collect; empty for every enabled region.
    pub regions: Vec<Region>,
    /// Send every AWS request here (an emulator, for tests).
    pub aws_endpoint_url: Option<String>,
    /// The maintenance this worker takes part in; `None` for none.
    pub maintenance: Option<MaintenanceSettings>,
}

/// The maintenance jobs a worker queues and runs.
#[derive(Clone, Debug)]
pub struct MaintenanceSettings {
    /// Back the store up here every day (and rewrite the key backups here
    /// when a purge removes a tenant's keys); `None`: no backup job.
    pub backup_dir: Option<std::path::PathBuf>,
    /// Which backups to keep.
    pub backup_policy: BackupPolicy,
}

impl MaintenanceSettings {
    /// The daily jobs: the purge, and the backup when there is a directory.
    fn daily(&self) -> &'static [MaintenanceKind] {
        if self.backup_dir.is_some() {
            &[MaintenanceKind::Purge, MaintenanceKind::Backup]
        } else {
            &[MaintenanceKind::Purge]
        }
    }
}

/// How a claimed scan ended for this worker.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Stored, succeeded.
    Succeeded,
    /// Queued again after a failure worth retrying (or failed at the
    /// attempt limit).
    Retried,
    /// Failed for good, with the reason stored on the scan.
    Failed,
    /// Given back to the queue at shutdown.
    Released,
    /// Stopped: cancelled, or its claim was lost; nothing stored.
    Abandoned,
    /// A maintenance job ran to its end (`succeeded` or not).
    Maintenance {
        /// What it was.
        kind: MaintenanceKind,
        /// Whether it succeeded.
        succeeded: bool,
    },
}

/// A worker: the store, the cross-tenant claim capability, and settings.
pub struct Worker {
    store: Arc<Store>,
    runner: Arc<JobRunner>,
    settings: WorkerSettings,
    aws_base: AwsBase,
}

/// What a job needs, shared by the jobs of one worker.
struct Shared {
    store: Arc<Store>,
    settings: WorkerSettings,
    aws_base: AwsBase,
    heartbeat: Duration,
}

impl Worker {
    /// A worker over `store` (opened with the lease every worker uses).
    pub fn new(
        store: Arc<Store>,
        runner: JobRunner,
        settings: WorkerSettings,
        aws_base: AwsBase,
    ) -> Self {
        Self {
            store,
            runner: Arc::new(runner),
            settings,
            aws_base,
        }
    }

    /// Claims and runs scans until `shutdown` completes, then drains: no new
    /// claims, running scans get `shutdown_grace` to finish and are released
    /// after it. Returns how each claimed scan ended, in completion order.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Vec<Outcome> {
        let lease = self.store.scan_lease();
        let heartbeat = Duration::try_from(lease / 3).unwrap_or(Duration::from_secs(1));
        let shared = Arc::new(Shared {
            store: self.store.clone(),
            settings: self.settings.clone(),
            aws_base: self.aws_base.clone(),
            heartbeat,
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let slots = Arc::new(tokio::sync::Semaphore::new(
            self.settings.concurrency.max(1),
        ));
        let mut jobs = JoinSet::new();
        let mut outcomes = Vec::new();
        tokio::pin!(shutdown);
        tracing::info!(worker = %self.settings.id, concurrency = self.settings.concurrency, "worker started");
        let mut scheduled_at: Option<tokio::time::Instant> = None;
        loop {
            while let Some(done) = jobs.try_join_next() {
                outcomes.extend(done.ok());
            }
            // The scheduler's step, at most once per poll interval: every
            // worker runs it, and a tick's dedupe key makes that safe.
            if scheduled_at.is_none_or(|at| at.elapsed() >= self.settings.poll) {
                scheduled_at = Some(tokio::time::Instant::now());
                if let Err(e) = self
                    .store
                    .enqueue_scheduled_scans(&self.runner, OffsetDateTime::now_utc())
                    .await
                {
                    tracing::warn!(error = %e, "queueing scheduled scans failed; trying again");
                }
                if let Some(m) = &self.settings.maintenance
                    && let Err(e) = self
                        .store
                        .enqueue_daily_maintenance(
                            &self.runner,
                            m.daily(),
                            OffsetDateTime::now_utc(),
                        )
                        .await
                {
                    tracing::warn!(error = %e, "queueing maintenance failed; trying again");
                }
            }
            let slot = tokio::select! {
                () = &mut shutdown => break,
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(s) => s,
                    Err(_) => break,
                },
            };
            if let Some(m) = &self.settings.maintenance {
                match self
                    .store
                    .claim_maintenance(&self.runner, &self.settings.id, OffsetDateTime::now_utc())
                    .await
                {
                    Ok(Some(claim)) => {
                        let (store, runner, m) =
                            (self.store.clone(), self.runner.clone(), m.clone());
                        jobs.spawn(async move {
                            let outcome = run_maintenance(store, runner, claim, m, heartbeat).await;
                            drop(slot);
                            outcome
                        });
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming maintenance failed; trying again")
                    }
                }
            }
            let claimed = self
                .store
                .claim_scan(&self.runner, &self.settings.id, OffsetDateTime::now_utc())
                .await;
            match claimed {
                Ok(Some(claim)) => {
                    let (shared, stop) = (shared.clone(), stop_rx.clone());
                    // The scan pipeline's future is not `Send` for every
                    // lifetime it borrows (rustc cannot prove it through
                    // the AWS layer's and sqlx's higher-ranked bounds), so
                    // each job is driven on its own blocking-pool thread;
                    // what it spawns still runs on the runtime.
                    let handle = tokio::runtime::Handle::current();
                    jobs.spawn_blocking(move || {
                        let outcome = handle.block_on(run_one(shared, claim, stop));
                        drop(slot);
                        outcome
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "claiming a scan failed; trying again"),
            }
            drop(slot);
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
        tracing::info!(worker = %self.settings.id, running = jobs.len(), "worker stopping");
        let _ = stop_tx.send(true);
        while let Some(done) = jobs.join_next().await {
            outcomes.extend(done.ok());
        }
        tracing::info!(worker = %self.settings.id, "worker stopped");
        outcomes
    }
}

/// Runs maintenance claim `claim`, renewing its lease every `heartbeat`,
/// and ends it with what it did or why it failed (and its audit entry).
async fn run_maintenance(
    store: Arc<Store>,
    runner: Arc<JobRunner>,
    claim: MaintenanceClaim,
    m: MaintenanceSettings,
    heartbeat: Duration,
) -> Outcome {
    let now = OffsetDateTime::now_utc();
    let kind = claim.kind;
    let work = async {
        match (kind, &m.backup_dir) {
            (MaintenanceKind::Purge, Some(dir)) => store
                .purge_with_backups(&runner, dir, m.backup_policy, now)
                .await
                .map(|r| {
                    format!(
                        "{} connection(s), {} tenant(s), {} data key(s), {} row(s) purged; {} key backup(s) rewritten, {} old backup file(s) removed",
                        r.report.connections,
                        r.report.tenants,
                        r.report.data_keys,
                        r.report.rows,
                        r.rewritten.len(),
                        r.removed.len()
                    )
                }),
            (MaintenanceKind::Purge, None) => store.purge(&runner, now).await.map(|r| {
                format!(
                    "{} connection(s), {} tenant(s), {} data key(s), {} row(s) purged",
                    r.connections, r.tenants, r.data_keys, r.rows
                )
            }),
            (MaintenanceKind::Backup, Some(dir)) => store
                .backup(&runner, dir, m.backup_policy, now)
                .await
                .map(|f| {
                    format!(
                        "backup {} with keys {}; {} old file(s) removed",
                        f.data.display(),
                        f.keys.display(),
                        f.removed.len()
                    )
                }),
            (MaintenanceKind::Backup, None) => Err(StoreError::InvalidInput {
                field: "backup_dir",
                detail: "this worker has no backup directory".into(),
            }),
            (MaintenanceKind::Rotation, _) => store
                .rotate(&runner, RotateOptions::default(), now)
                .await
                .map(|r| {
                    format!(
                        "{} new data key(s), {} row(s) re-encrypted",
                        r.new_data_keys, r.reencrypted
                    )
                }),
        }
    };
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            r = &mut work => break r,
            () = tokio::time::sleep(heartbeat) => {
                if let Err(e) = store
                    .renew_maintenance(&runner, &claim.lease, OffsetDateTime::now_utc())
                    .await
                {
                    tracing::warn!(run = %claim.id, error = %e, "maintenance job stopped");
                    return Outcome::Abandoned;
                }
            }
        }
    };
    let outcome = result.map_err(|e| e.to_string());
    match store
        .end_maintenance(
            &runner,
            &claim,
            outcome.as_deref().map_err(String::as_str),
            OffsetDateTime::now_utc(),
        )
        .await
    {
        Ok(()) => Outcome::Maintenance {
            kind,
            succeeded: outcome.is_ok(),
        },
        Err(e) => {
            tracing::warn!(run = %claim.id, error = %e, "maintenance job left to its lease");
            Outcome::Abandoned
        }
    }
}

/// The percentage a scan stage stands for: collection 0–90 by units, then
/// evaluation.
fn percent(planned: usize, done: usize) -> u8 {
    if planned == 0 {
        return 0;
    }
    u8::try_from((done.min(planned) * 90) / planned).unwrap_or(90)
}

/// Why a step refused this worker's claim: the scan should stop.
fn claim_gone(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::LeaseLost { .. } | StoreError::ScanState { .. } | StoreError::NotFound { .. }
    )
}

/// Whether an AWS error code names a passing condition (throttling, a
/// fault on AWS's side) rather than a refusal.
fn passing(code: &str) -> bool {
    code.is_empty()
        || code.contains("Throttl")
        || code.contains("LimitExceeded")
        || code.contains("Unavailable")
        || code.contains("Internal")
        || code.contains("Timeout")
        || code == "SlowDown"
        // Organizations' throttling, and the transport's causes when no
        // service answered (`GapKind` names).
        || code.contains("TooManyRequests")
        || code == "Unreachable"
        || code == "DeadlineExceeded"
}

/// Whether a failed scan could succeed on another try: not when the role
/// refused us or the inputs are wrong, yes for everything passing.
fn worth_retrying(e: &cloudarq_core::scan::ScanError) -> bool {
    use cloudarq_core::scan::ScanError as S;
    match e {
        // A refused call the scan cannot do without (an organization's
        // listing, say) fails like a refused role; throttling is retried.
        S::Collect(CoreError::AssumeRole { code, .. } | CoreError::Aws { code, .. }) => {
            passing(code)
        }
        S::Collect(
            CoreError::NoRegions(_)
            | CoreError::InvalidEndpoint { .. }
            | CoreError::InvalidSessionName { .. }
            | CoreError::InvalidDeadline(_),
        )
        | S::Engine(_) => false,
        _ => true,
    }
}

/// How [`drive`] ended.
enum Driven<R> {
    /// The work finished with `R`.
    Done(R),
    /// Shutdown's grace ran out: the claim was given back to the queue.
    Released,
}

/// Runs `work` for claim `lease`: renews the lease with `progress` every
/// heartbeat (a refusal, cancelled or taken over, returns the error and so
/// drops `work` and everything it holds), and at shutdown gives `work` the
/// grace period, then releases the claim.
async fn drive<F: Future>(
    shared: &Shared,
    scope: &TenantScope,
    lease: &Lease,
    stop: &mut watch::Receiver<bool>,
    progress: &AtomicU8,
    work: F,
) -> Result<Driven<F::Output>, StoreError> {
    let store: &Store = &shared.store;
    tokio::pin!(work);
    let mut beat = tokio::time::interval(shared.heartbeat);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    beat.tick().await;
    let mut release_at: Option<tokio::time::Instant> = None;
    /// What woke the job up.
    enum Event<R> {
        Done(R),
        Beat,
        Stop(bool),
        GraceOver,
    }
    loop {
        let deadline = release_at;
        let grace_over = async move {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let event = tokio::select! {
            r = &mut work => Event::Done(r),
            _ = beat.tick() => Event::Beat,
            changed = stop.changed(), if release_at.is_none() => Event::Stop(changed.is_err() || *stop.borrow()),
            () = grace_over => Event::GraceOver,
        };
        match event {
            Event::Done(r) => return Ok(Driven::Done(r)),
            Event::Beat => {
                match store
                    .report_progress(
                        scope,
                        lease,
                        progress.load(Ordering::Relaxed),
                        OffsetDateTime::now_utc(),
                    )
                    .await
                {
                    Ok(_) => {}
                    Err(e) if claim_gone(&e) => return Err(e),
                    Err(e) => tracing::warn!(error = %e, "heartbeat failed; the lease may lapse"),
                }
            }
            Event::Stop(true) => {
                release_at = Some(tokio::time::Instant::now() + shared.settings.shutdown_grace);
            }
            Event::Stop(false) => {}
            Event::GraceOver => {
                store
                    .release_scan(scope, lease, OffsetDateTime::now_utc())
                    .await?;
                tracing::info!(scan = %lease.scan(), "scan released at shutdown");
                return Ok(Driven::Released);
            }
        }
    }
}

/// Fails the scan of claim `lease` for good with `reason`.
async fn fail_for_good(
    store: &Store,
    scope: &TenantScope,
    lease: &Lease,
    reason: String,
) -> Result<Outcome, StoreError> {
    store
        .fail_scan(scope, lease, &reason, OffsetDateTime::now_utc())
        .await?;
    tracing::warn!(scan = %lease.scan(), reason = %cloudarq_model::text::Inert(&reason), "scan failed");
    Ok(Outcome::Failed)
}

/// Ends the claim of a scan that failed with `e`: back to the queue with a
/// back-off when another try could succeed ([`worth_retrying`]), failed for
/// good otherwise.
async fn unsuccessful(
    store: &Store,
    scope: &TenantScope,
    lease: &Lease,
    e: &cloudarq_core::scan::ScanError,
) -> Result<Outcome, StoreError> {
    if worth_retrying(e) {
        store
            .retry_scan(scope, lease, &e.to_string(), OffsetDateTime::now_utc())
            .await?;
        return Ok(Outcome::Retried);
    }
    fail_for_good(store, scope, lease, e.to_string()).await
}

async fn run_one(shared: Arc<Shared>, claim: ClaimedScan, stop: watch::Receiver<bool>) -> Outcome {
    let ClaimedScan {
        scope,
        connection,
        lease,
        ..
    } = claim;
    let span = tracing::info_span!("scan", scan = %lease.scan(), attempt = lease.attempt());
    let scan = lease.scan();
    match run_claimed(shared, scope, connection, lease, stop)
        .instrument(span)
        .await
    {
        Ok(outcome) => outcome,
        Err(e) if claim_gone(&e) => {
            tracing::info!(scan = %scan, reason = %e, "scan stopped");
            Outcome::Abandoned
        }
        Err(e) => {
            // The store itself failed (the database went away): the lease
            // lapses and another attempt starts later.
            tracing::warn!(scan = %scan, error = %e, "scan left to its lease");
            Outcome::Abandoned
        }
    }
}

async fn run_claimed(
    shared: Arc<Shared>,
    scope: TenantScope,
    connection: cloudarq_store::connections::ConnectionId,
    lease: Lease,
    mut stop: watch::Receiver<bool>,
) -> Result<Outcome, StoreError> {
    let (scope, lease) = (&scope, &lease);
    let store: &Store = &shared.store;
    let started_at = OffsetDateTime::now_utc();
    // Fails the scan for good with a reason.
    macro_rules! fail {
        ($reason:expr) => {
            fail_for_good(store, scope, lease, $reason).await
        };
    }
    let Some(conn) = store
        .connections(scope)
        .await?
        .into_iter()
        .find(|c| c.id == connection)
    else {
        return fail!("its connection was deleted".into());
    };
    let Some(role_arn) = conn.role_arn else {
        return fail!("the connection has no role to assume".into());
    };
    let credentials = store.credentials(scope, connection).await?;
    let rows = store.mute_entries(scope, connection).await?;
    let mutelist = match Mutelist::new(
        "the tenant's mutelist",
        rows.into_iter().map(|r| r.entry).collect(),
    ) {
        Ok(m) => m,
        Err(e) => return fail!(format!("the mutelist: {e}")),
    };
    if let Some(settings) = conn.organization {
        // An organization: list it in the management account's role, scan
        // each selected member in its role, store the children and the
        // roll-up under this claim.
        let progress = Arc::new(AtomicU8::new(0));
        let on_member = {
            let progress = progress.clone();
            move |done: usize, total: usize| {
                progress.store(percent(total, done), Ordering::Relaxed);
            }
        };
        let base = shared.aws_base.clone();
        let plan = OrganizationPlan {
            base: Box::new(move || base()),
            management_role: role_arn,
            external_id: credentials.external_id,
            role_name: settings.member_role_name,
            filter: settings.filter,
            regions: shared.settings.regions.clone(),
            services: Vec::new(),
            endpoint_url: shared.settings.aws_endpoint_url.clone(),
            frameworks: None,
            reports: None,
            mutelist: Some(mutelist),
            on_member: Some(Box::new(on_member)),
        };
        let ran = match drive(&shared, scope, lease, &mut stop, &progress, plan.run()).await? {
            Driven::Done(r) => r,
            Driven::Released => return Ok(Outcome::Released),
        };
        return match ran {
            Ok(org) => {
                let times = ScanTimes {
                    started_at,
                    finished_at: OffsetDateTime::now_utc(),
                };
                let outcome = OrganizationOutcome {
                    organization: &org.organization,
                    members: org
                        .members
                        .iter()
                        .map(|(a, s)| (a, &s.result as &(dyn ResultSource + Sync)))
                        .collect(),
                    gaps: &org.gaps,
                    skipped: &org.skipped,
                    scores: &org.scores,
                };
                store
                    .finish_organization_scan(scope, lease, &outcome, times)
                    .await?;
                Ok(Outcome::Succeeded)
            }
            Err(e) => unsuccessful(store, scope, lease, &e).await,
        };
    }
    let mut collect = CollectPlan::new(CredentialSource::assume_role(
        role_arn,
        credentials.external_id,
        (shared.aws_base)(),
    ));
    collect.regions = shared.settings.regions.clone();
    collect.endpoint_url = shared.settings.aws_endpoint_url.clone();
    let progress = Arc::new(AtomicU8::new(0));
    let planned = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sink = {
        let (progress, planned, done) = (progress.clone(), planned.clone(), done.clone());
        move |stage: &Stage| match stage {
            Stage::Collect(ProgressEvent::Planned { units, .. }) => {
                planned.store(*units, Ordering::Relaxed);
            }
            Stage::Collect(ProgressEvent::Collected { .. }) => {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.store(
                    percent(planned.load(Ordering::Relaxed), n),
                    Ordering::Relaxed,
                );
            }
            Stage::Collected { .. } => progress.store(90, Ordering::Relaxed),
            Stage::Evaluated { .. } => progress.store(99, Ordering::Relaxed),
            _ => {}
        }
    };
    let prepared = match ScanPlan::new(SnapshotSource::Collect(collect))
        .mutelist(mutelist)
        .on_progress(sink)
        .prepare()
    {
        Ok(p) => p,
        Err(e) => return fail!(e.to_string()),
    };
    let ran = match drive(&shared, scope, lease, &mut stop, &progress, prepared.run()).await? {
        Driven::Done(r) => r,
        Driven::Released => return Ok(Outcome::Released),
    };
    match ran {
        Ok(mut done) => {
            // The snapshot is not needed past evaluation: freed before the
            // findings are stored (for a large account, about as much
            // memory as the findings themselves). The result shares its
            // resources until it is detached from it.
            done.result.detach();
            drop(done.snapshot);
            let times = ScanTimes {
                started_at,
                finished_at: OffsetDateTime::now_utc(),
            };
            // The CLI's storing step: the result under the lease, then the
            // comparison with the connection's previous successful scan.
            let recorded =
                crate::record::finish(store, scope, connection, lease, &done.result, times).await;
            let recorded = match recorded {
                Ok(r) => Some(r),
                Err(crate::record::RecordError::Store(e)) => return Err(e),
                // Stored; only the comparison failed (another account).
                Err(e) => {
                    tracing::warn!(scan = %lease.scan(), error = %e, "scan stored, not compared");
                    None
                }
            };
            let changes = recorded.as_ref().and_then(|r| r.changes.as_ref());
            tracing::info!(
                scan = %lease.scan(),
                findings = done.result.findings().len(),
                new_failures = changes.map(|c| c.new_failures.len()),
                resolved = changes.map(|c| c.resolved.len()),
                "scan stored"
            );
            Ok(Outcome::Succeeded)
        }
        Err(e) => unsuccessful(store, scope, lease, &e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_fail_and_passing_conditions_retry() {
        use cloudarq_core::scan::ScanError;
        let assume = |code: &str| {
            ScanError::Collect(CoreError::AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/R".into(),
                code: code.into(),
                detail: "x".into(),
            })
        };
        assert!(!worth_retrying(&assume("AccessDenied")));
        assert!(!worth_retrying(&assume("RegionDisabledException")));
        assert!(worth_retrying(&assume("Throttling")));
        assert!(worth_retrying(&assume("ServiceUnavailable")));
        assert!(worth_retrying(&ScanError::Collect(
            CoreError::Unreachable {
                endpoint: "sts".into(),
                detail: "refused".into(),
            }
        )));
        let listing = |code: &str| {
            ScanError::Collect(CoreError::Aws {
                action: "organizations:DescribeOrganization",
                code: code.into(),
                detail: "x".into(),
            })
        };
        assert!(!worth_retrying(&listing(
            "AWSOrganizationsNotInUseException"
        )));
        assert!(!worth_retrying(&listing("AccessDeniedException")));
        assert!(worth_retrying(&listing("TooManyRequestsException")));
        assert!(worth_retrying(&listing("Unreachable")));
        assert!(worth_retrying(&listing("ThrottledOut")));
        assert!(!worth_retrying(&ScanError::Collect(CoreError::NoRegions(
            "none enabled".into()
        ))));
    }

    #[test]
    fn collection_maps_to_ninety_percent() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(10, 0), 0);
        assert_eq!(percent(10, 5), 45);
        assert_eq!(percent(10, 10), 90);
        assert_eq!(percent(10, 11), 90, "never past collection's share");
    }
}
