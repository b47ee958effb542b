//! `cloudarq worker`: a stateless process that runs the scans the service
//! queued (issue 12). Any number of workers, on any number of machines,
//! share one database: each claims the oldest waiting scan
//! ([`Store::claim_scan`], `FOR UPDATE SKIP LOCKED`), runs it through the
//! one scan pipeline ([`cloudarq_core::scan`]) with the connection's role
//! and External ID, and stores the result ([`Store::finish_scan`]; the
//! diff with the previous scan is computed when it is read).
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
//! - The credentials of the customer's role live only inside the scan's
//!   collection (the pipeline drops them with it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use cloudarq_core::engine::Mutelist;
use cloudarq_core::scan::{CollectPlan, ScanPlan, SnapshotSource, Stage};
use cloudarq_core::{CoreError, CredentialSource, ProgressEvent};
use cloudarq_model::Region;
use cloudarq_store::jobs::{ClaimedScan, Lease};
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
}

/// A worker: the store, the cross-tenant claim capability, and settings.
pub struct Worker {
    store: Arc<Store>,
    runner: JobRunner,
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
            runner,
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
        loop {
            while let Some(done) = jobs.try_join_next() {
                outcomes.extend(done.ok());
            }
            let slot = tokio::select! {
                () = &mut shutdown => break,
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(s) => s,
                    Err(_) => break,
                },
            };
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
}

/// Whether a failed scan could succeed on another try: not when the role
/// refused us or the inputs are wrong, yes for everything passing.
fn worth_retrying(e: &cloudarq_core::scan::ScanError) -> bool {
    use cloudarq_core::scan::ScanError as S;
    match e {
        S::Collect(CoreError::AssumeRole { code, .. }) => passing(code),
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
        ($reason:expr) => {{
            let reason: String = $reason;
            store
                .fail_scan(scope, lease, &reason, OffsetDateTime::now_utc())
                .await?;
            tracing::warn!(scan = %lease.scan(), reason = %cloudarq_model::text::Inert(&reason), "scan failed");
            Ok(Outcome::Failed)
        }};
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
    let scan = prepared.run();
    tokio::pin!(scan);
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
    let ran = loop {
        let deadline = release_at;
        let grace_over = async move {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let event = tokio::select! {
            r = &mut scan => Event::Done(r),
            _ = beat.tick() => Event::Beat,
            changed = stop.changed(), if release_at.is_none() => Event::Stop(changed.is_err() || *stop.borrow()),
            () = grace_over => Event::GraceOver,
        };
        match event {
            Event::Done(r) => break r,
            Event::Beat => {
                // A refusal means cancelled or taken over: returning drops
                // the scan (and its collection) here.
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
                return Ok(Outcome::Released);
            }
        }
    };
    match ran {
        Ok(done) => {
            let times = ScanTimes {
                started_at,
                finished_at: OffsetDateTime::now_utc(),
            };
            store.finish_scan(scope, lease, &done.result, times).await?;
            tracing::info!(scan = %lease.scan(), findings = done.result.findings.len(), "scan stored");
            Ok(Outcome::Succeeded)
        }
        Err(e) if worth_retrying(&e) => {
            store
                .retry_scan(scope, lease, &e.to_string(), OffsetDateTime::now_utc())
                .await?;
            Ok(Outcome::Retried)
        }
        Err(e) => fail!(e.to_string()),
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
