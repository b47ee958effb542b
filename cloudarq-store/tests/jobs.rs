//! The scan job lifecycle on both backends (issue 10 §1): claims by
//! concurrent workers, leases and their expiry, the attempt limit,
//! progress, finish and fail, each from the states it allows and for its
//! own tenant only, and the error text an API will show.

#![allow(
    clippy::unwrap_used,
    reason = "test bodies, shared by both backends through `both!`, fail loudly"
)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use cloudarq_model::finding::ScanResult;
use cloudarq_store::findings::FindingFilter;
use cloudarq_store::jobs::{MAX_SCAN_ATTEMPTS, MAX_SCAN_ERROR_CHARS, SCAN_LEASE};
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::scans::{ScanId, ScanStatus, ScanSummary, ScanTimes};
use cloudarq_store::{StoreError, TenantScope};
use common::*;
use uuid::Uuid;

const LEASE_SECS: i64 = SCAN_LEASE.whole_seconds();

fn times(at: i64) -> ScanTimes {
    ScanTimes {
        started_at: t(at),
        finished_at: t(at + 5),
    }
}

/// The summary of `scan` as the tenant lists it.
async fn summary(env: &Env, scope: &TenantScope, scan: ScanId) -> ScanSummary {
    env.store
        .scans(scope, None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == scan)
        .unwrap()
}

/// Every finding of `scan`, for comparisons.
async fn findings_of(env: &Env, scope: &TenantScope, scan: ScanId) -> usize {
    let mut n = 0;
    let mut after = None;
    loop {
        let page = env
            .store
            .findings_page(scope, scan, &FindingFilter::default(), after, 1000)
            .await
            .unwrap();
        n += page.findings.len();
        match page.next {
            Some(c) => after = Some(c),
            None => return n,
        }
    }
}

fn small() -> ScanResult {
    let mut r = demo_result();
    r.findings.truncate(25);
    r
}

fn state(err: StoreError, want: ScanStatus) {
    assert!(
        matches!(err, StoreError::ScanState { status, .. } if status == want),
        "{err}"
    );
}

fn not_found(err: StoreError) {
    assert!(
        matches!(err, StoreError::NotFound { what: "scan", .. }),
        "{err}"
    );
}

// ------------------------------------------------------------------ lifecycle

async fn queued_running_succeeded_reads_back_as_record_scan(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let result = demo_result();
    let recorded = record(&env, &scope, conn, &result, 0).await;

    let queued = env.store.queue_scan(&scope, conn, t(10)).await.unwrap();
    let s = summary(&env, &scope, queued).await;
    assert_eq!(
        (s.status, s.progress, s.attempts),
        (ScanStatus::Queued, 0, 0)
    );
    let claimed = env
        .store
        .claim_scan(env.runner(), "worker-1", t(20))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.scan, queued);
    assert_eq!(claimed.scope, scope);
    assert_eq!(claimed.connection, conn);
    assert_eq!(claimed.attempt, 1);
    assert_eq!(claimed.lease_expires_at, t(20) + SCAN_LEASE);
    let s = summary(&env, &scope, queued).await;
    assert_eq!(s.status, ScanStatus::Running);
    assert_eq!(s.started_at, Some(t(20)));
    assert_eq!(s.attempts, 1);
    // The worker acts with the scope the claim gave it.
    let scope = claimed.scope;
    assert!(env.store.credentials(&scope, conn).await.is_ok());
    assert_eq!(
        env.store
            .report_progress(&scope, &claimed.lease, 40, t(30))
            .await
            .unwrap(),
        40
    );
    env.store
        .finish_scan(&scope, &claimed.lease, &result, times(25))
        .await
        .unwrap();

    let finished = env.store.load_result(&scope, queued).await.unwrap();
    assert_eq!(finished, result, "a finished scan reads back as recorded");
    assert_eq!(
        finished,
        env.store.load_result(&scope, recorded).await.unwrap(),
        "the same as record_scan"
    );
    let s = summary(&env, &scope, queued).await;
    assert_eq!(
        (s.status, s.progress, s.attempts),
        (ScanStatus::Succeeded, 100, 1)
    );
    assert_eq!((s.started_at, s.finished_at), (Some(t(25)), Some(t(30))));
    assert_eq!(s.error, None);
    assert_eq!(s.findings as usize, result.findings.len());
    let r = summary(&env, &scope, recorded).await;
    assert_eq!(
        (r.status, r.progress, r.attempts),
        (ScanStatus::Succeeded, 100, 0)
    );
    // Nothing is left to claim.
    assert!(
        env.store
            .claim_scan(env.runner(), "worker-1", t(40))
            .await
            .unwrap()
            .is_none()
    );
}
both!(queued_running_succeeded_reads_back_as_record_scan);

async fn claims_take_the_oldest_queued_scan_of_any_tenant(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    let cb = connection(&env, &b, "prod").await;
    let b1 = env.store.queue_scan(&b, cb, t(1)).await.unwrap();
    let a1 = env.store.queue_scan(&a, ca, t(2)).await.unwrap();
    let b2 = env.store.queue_scan(&b, cb, t(3)).await.unwrap();
    // A finished scan is never claimed.
    record(&env, &a, ca, &small(), 0).await;
    let mut order = Vec::new();
    while let Some(c) = env
        .store
        .claim_scan(env.runner(), "w", t(10))
        .await
        .unwrap()
    {
        order.push((c.scan, c.scope.tenant()));
    }
    assert_eq!(
        order,
        [(b1, b.tenant()), (a1, a.tenant()), (b2, b.tenant())]
    );
}
both!(claims_take_the_oldest_queued_scan_of_any_tenant);

/// Many workers claiming at once (separate tasks, separate connections,
/// released together): every queued scan is claimed exactly once.
async fn concurrent_claimers_never_get_the_same_scan(env: Env) {
    const SCANS: usize = 24;
    const WORKERS: usize = 6;
    let mut queued = HashSet::new();
    for name in ["a", "b", "c"] {
        let scope = tenant(&env, name).await;
        let conn = connection(&env, &scope, "prod").await;
        for i in 0..SCANS / 3 {
            queued.insert(
                env.store
                    .queue_scan(&scope, conn, t(i as i64))
                    .await
                    .unwrap(),
            );
        }
    }
    let env = Arc::new(env);
    let start = Arc::new(tokio::sync::Barrier::new(WORKERS));
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            let (env, start) = (env.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let mut mine = Vec::new();
                while let Some(c) = env
                    .store
                    .claim_scan(env.runner(), &format!("worker-{w}"), t(100))
                    .await
                    .unwrap()
                {
                    mine.push(c.scan);
                }
                mine
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for w in workers {
        claimed.extend(w.await.unwrap());
    }
    let unique: HashSet<ScanId> = claimed.iter().copied().collect();
    assert_eq!(
        unique.len(),
        claimed.len(),
        "a scan claimed twice: {claimed:?}"
    );
    assert_eq!(unique, queued, "every queued scan claimed");
}
both!(concurrent_claimers_never_get_the_same_scan);

/// Two finishes of one scan at once: one stores the result, the other is
/// refused, and the findings are stored once.
async fn two_finishes_at_once_store_the_findings_once(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let scan = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    let lease = env
        .store
        .claim_scan(env.runner(), "w", t(1))
        .await
        .unwrap()
        .unwrap()
        .lease;
    let env = Arc::new(env);
    let result = small();
    let finishes: Vec<_> = (0..2)
        .map(|_| {
            let (env, scope, result, lease) =
                (env.clone(), scope.clone(), result.clone(), lease.clone());
            tokio::spawn(async move {
                env.store
                    .finish_scan(&scope, &lease, &result, times(1))
                    .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for f in finishes {
        outcomes.push(f.await.unwrap());
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    for o in outcomes {
        if let Err(e) = o {
            state(e, ScanStatus::Succeeded);
        }
    }
    assert_eq!(findings_of(&env, &scope, scan).await, result.findings.len());
}
both!(two_finishes_at_once_store_the_findings_once);

// ------------------------------------------------------------------- progress

async fn progress_is_monotonic_bounded_and_renews_the_lease(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let scan = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    let lease = env
        .store
        .claim_scan(env.runner(), "w1", t(0))
        .await
        .unwrap()
        .unwrap()
        .lease;
    let progress = |p: u8, at: i64| {
        let (env, scope, lease) = (&env, &scope, &lease);
        async move { env.store.report_progress(scope, lease, p, t(at)).await }
    };
    assert_eq!(progress(30, 10).await.unwrap(), 30);
    assert_eq!(progress(20, 20).await.unwrap(), 30, "never goes back");
    assert_eq!(progress(30, 30).await.unwrap(), 30, "a heartbeat");
    assert!(matches!(
        progress(101, 40).await.unwrap_err(),
        StoreError::InvalidInput {
            field: "scan progress",
            ..
        }
    ));
    assert_eq!(summary(&env, &scope, scan).await.progress, 30);
    // The heartbeat at +240 s holds the lease to +540 s: past the first
    // lease (+300 s), nobody may claim the scan.
    progress(55, 240).await.unwrap();
    let claim = |at: i64| env.store.claim_scan(env.runner(), "w2", t(at));
    assert!(claim(LEASE_SECS + 1).await.unwrap().is_none());
    assert!(claim(240 + LEASE_SECS - 1).await.unwrap().is_none());
    // Without another heartbeat it lapses and a new attempt starts over.
    let again = claim(240 + LEASE_SECS).await.unwrap().unwrap();
    assert_eq!((again.scan, again.attempt), (scan, 2));
    assert_eq!(summary(&env, &scope, scan).await.progress, 0);
    env.store
        .finish_scan(&scope, &again.lease, &small(), times(600))
        .await
        .unwrap();
    assert!(
        matches!(
            progress(100, 700).await.unwrap_err(),
            StoreError::LeaseLost {
                attempt: 1,
                current: 2,
                status: ScanStatus::Succeeded,
                ..
            }
        ),
        "the first claim's heartbeat is stale"
    );
    assert_eq!(summary(&env, &scope, scan).await.progress, 100);
}
both!(progress_is_monotonic_bounded_and_renews_the_lease);

// ---------------------------------------------------------------- the wall

/// Tenant B's scope on tenant A's scans, queued and running: every step is
/// "not found" and A's scans are exactly as they were.
async fn another_tenants_scope_moves_no_scan(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    connection(&env, &b, "prod").await;
    let running = env.store.queue_scan(&a, ca, t(0)).await.unwrap();
    let queued = env.store.queue_scan(&a, ca, t(1)).await.unwrap();
    let claim = env
        .store
        .claim_scan(env.runner(), "w", t(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.scan, running, "the older one");
    env.store
        .report_progress(&a, &claim.lease, 20, t(3))
        .await
        .unwrap();
    let before = env.store.scans(&a, None).await.unwrap();
    let mut raw = raw(&env).await;
    let rows_before = raw_rows!(
        raw,
        (i64,),
        "SELECT count(*) FROM findings WHERE tenant_id = $1",
        a.tenant().as_uuid()
    );
    // The running scan's own fencing token, with B's scope.
    let lease = &claim.lease;
    not_found(
        env.store
            .report_progress(&b, lease, 90, t(4))
            .await
            .unwrap_err(),
    );
    not_found(
        env.store
            .finish_scan(&b, lease, &small(), times(4))
            .await
            .unwrap_err(),
    );
    not_found(
        env.store
            .fail_scan(&b, lease, "stolen", t(4))
            .await
            .unwrap_err(),
    );
    not_found(
        env.store
            .retry_scan(&b, lease, "stolen", t(4))
            .await
            .unwrap_err(),
    );
    for scan in [queued, running] {
        not_found(env.store.cancel_scan(&b, scan, t(4)).await.unwrap_err());
    }
    let after = env.store.scans(&a, None).await.unwrap();
    assert_eq!(after, before);
    let statuses: Vec<_> = after.iter().map(|s| (s.status, s.progress)).collect();
    assert_eq!(
        statuses,
        [(ScanStatus::Queued, 0), (ScanStatus::Running, 20)],
        "newest first"
    );
    assert_eq!(
        raw_rows!(
            raw,
            (i64,),
            "SELECT count(*) FROM findings WHERE tenant_id = $1",
            a.tenant().as_uuid()
        ),
        rows_before
    );
    assert!(env.store.scans(&b, None).await.unwrap().is_empty());
    // A's own scope still can.
    env.store
        .finish_scan(&a, &claim.lease, &small(), times(5))
        .await
        .unwrap();
}
both!(another_tenants_scope_moves_no_scan);

async fn a_cancelled_scan_is_never_claimed_progressed_or_finished(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    let running = env.store.queue_scan(&a, ca, t(0)).await.unwrap();
    let queued = env.store.queue_scan(&a, ca, t(1)).await.unwrap();
    let claim = env
        .store
        .claim_scan(env.runner(), "w", t(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.scan, running);
    let lease = claim.lease;
    // Another tenant's scope: not found, nothing changes.
    for scan in [queued, running] {
        not_found(env.store.cancel_scan(&b, scan, t(3)).await.unwrap_err());
    }
    assert_eq!(summary(&env, &a, queued).await.status, ScanStatus::Queued);
    assert_eq!(summary(&env, &a, running).await.status, ScanStatus::Running);
    // A queued scan: cancelled, then never claimed.
    env.store.cancel_scan(&a, queued, t(4)).await.unwrap();
    let q = summary(&env, &a, queued).await;
    assert_eq!(
        (q.status, q.finished_at),
        (ScanStatus::Cancelled, Some(t(4)))
    );
    assert!(
        env.store
            .claim_scan(env.runner(), "w2", t(5))
            .await
            .unwrap()
            .is_none()
    );
    // A running scan: its worker's next report is refused naming the state,
    // its finish stores nothing, and its lease lapsing does not revive it.
    env.store.cancel_scan(&a, running, t(6)).await.unwrap();
    state(
        env.store
            .report_progress(&a, &lease, 50, t(7))
            .await
            .unwrap_err(),
        ScanStatus::Cancelled,
    );
    state(
        env.store
            .finish_scan(&a, &lease, &small(), times(8))
            .await
            .unwrap_err(),
        ScanStatus::Cancelled,
    );
    assert_eq!(findings_of(&env, &a, running).await, 0);
    assert!(
        env.store
            .claim_scan(env.runner(), "w2", t(10 + 2 * LEASE_SECS))
            .await
            .unwrap()
            .is_none()
    );
    // An ended scan cannot be cancelled: the refusal names its state.
    let err = env.store.cancel_scan(&a, queued, t(9)).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    state(err, ScanStatus::Cancelled);
    let done = env.store.queue_scan(&a, ca, t(20)).await.unwrap();
    let lease = env
        .store
        .claim_scan(env.runner(), "w", t(21))
        .await
        .unwrap()
        .unwrap()
        .lease;
    env.store
        .finish_scan(&a, &lease, &small(), times(22))
        .await
        .unwrap();
    state(
        env.store.cancel_scan(&a, done, t(30)).await.unwrap_err(),
        ScanStatus::Succeeded,
    );
    assert_eq!(findings_of(&env, &a, done).await, 25);
    not_found(
        env.store
            .cancel_scan(&a, ScanId(Uuid::now_v7()), t(31))
            .await
            .unwrap_err(),
    );
}
both!(a_cancelled_scan_is_never_claimed_progressed_or_finished);

// ------------------------------------------------------- finished is final

async fn a_finished_or_failed_scan_stays_as_it_is(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let first = small();
    let mut other = demo_result();
    other.findings.truncate(3);
    let claim = |at: i64| {
        let env = &env;
        async move {
            env.store
                .claim_scan(env.runner(), "w", t(at))
                .await
                .unwrap()
                .unwrap()
                .lease
        }
    };
    // Succeeded: refused to finish again, to fail, to retry, to cancel, with
    // its own claim's token.
    let done = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    let lease = claim(1).await;
    env.store
        .finish_scan(&scope, &lease, &first, times(1))
        .await
        .unwrap();
    let err = env
        .store
        .finish_scan(&scope, &lease, &other, times(10))
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains(&done.to_string()) && msg.contains("succeeded") && msg.contains("running"),
        "{msg}"
    );
    state(err, ScanStatus::Succeeded);
    state(
        env.store
            .fail_scan(&scope, &lease, "late", t(10))
            .await
            .unwrap_err(),
        ScanStatus::Succeeded,
    );
    state(
        env.store
            .retry_scan(&scope, &lease, "late", t(10))
            .await
            .unwrap_err(),
        ScanStatus::Succeeded,
    );
    state(
        env.store
            .cancel_scan(&scope, done, t(10))
            .await
            .unwrap_err(),
        ScanStatus::Succeeded,
    );
    assert_eq!(env.store.load_result(&scope, done).await.unwrap(), first);
    assert_eq!(findings_of(&env, &scope, done).await, first.findings.len());

    // Failed for good: refused to finish, fail again, retry or progress; no
    // findings, no result, never claimed again.
    let failed = env.store.queue_scan(&scope, conn, t(20)).await.unwrap();
    let lease = claim(20).await;
    env.store
        .fail_scan(&scope, &lease, "no credentials", t(21))
        .await
        .unwrap();
    state(
        env.store
            .finish_scan(&scope, &lease, &other, times(30))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
    state(
        env.store
            .fail_scan(&scope, &lease, "again", t(30))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
    state(
        env.store
            .retry_scan(&scope, &lease, "again", t(30))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
    state(
        env.store
            .report_progress(&scope, &lease, 50, t(30))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
    assert_eq!(findings_of(&env, &scope, failed).await, 0);
    assert!(matches!(
        env.store.load_result(&scope, failed).await,
        Err(StoreError::NotFound { .. })
    ));
    let s = summary(&env, &scope, failed).await;
    assert_eq!(s.status, ScanStatus::Failed);
    assert_eq!(s.error.as_deref(), Some("no credentials"));
    assert_eq!(s.finished_at, Some(t(21)));
    assert!(
        env.store
            .claim_scan(env.runner(), "w", t(40))
            .await
            .unwrap()
            .is_none()
    );
    // Cancelled (its connection deleted while running): refused too.
    let running = env.store.queue_scan(&scope, conn, t(50)).await.unwrap();
    let lease = claim(50).await;
    env.store
        .delete_connection(&scope, conn, RetentionPolicy::default(), t(51))
        .await
        .unwrap();
    state(
        env.store
            .finish_scan(&scope, &lease, &other, times(52))
            .await
            .unwrap_err(),
        ScanStatus::Cancelled,
    );
    assert_eq!(findings_of(&env, &scope, running).await, 0);
}
both!(a_finished_or_failed_scan_stays_as_it_is);

// ------------------------------------------------- leases and attempt limit

async fn an_expired_lease_is_claimed_again_up_to_the_attempt_limit(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let scan = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    let claim = |worker: &'static str, at: i64| env.store.claim_scan(env.runner(), worker, t(at));
    let mut at = 0;
    let mut last = None;
    for attempt in 1..=MAX_SCAN_ATTEMPTS {
        let worker = ["w1", "w2", "w3"][attempt as usize - 1];
        let c = claim(worker, at).await.unwrap().unwrap();
        assert_eq!((c.scan, c.attempt), (scan, attempt));
        last = Some(c.lease);
        // Held until the lease ends, to the millisecond.
        assert!(claim("other", at + LEASE_SECS - 1).await.unwrap().is_none());
        at += LEASE_SECS;
    }
    // The third lease expired too: failed, not claimed a fourth time.
    assert!(claim("w4", at).await.unwrap().is_none());
    let s = summary(&env, &scope, scan).await;
    assert_eq!(
        (s.status, s.attempts),
        (ScanStatus::Failed, MAX_SCAN_ATTEMPTS)
    );
    let error = s.error.unwrap();
    assert!(
        error.contains(&format!("{MAX_SCAN_ATTEMPTS} attempts")) && error.contains("w3"),
        "{error}"
    );
    assert_eq!(s.finished_at, Some(t(at)));
    // The late worker's result is refused, and nothing of it is stored.
    let err = env
        .store
        .finish_scan(&scope, &last.unwrap(), &small(), times(at))
        .await
        .unwrap_err();
    state(err, ScanStatus::Failed);
    assert_eq!(findings_of(&env, &scope, scan).await, 0);
}
both!(an_expired_lease_is_claimed_again_up_to_the_attempt_limit);

/// The fencing token (issue 12's zombie): a worker that stalled past its
/// lease wakes after another claim took the scan; each of its steps is
/// refused, names the stale attempt, and changes nothing.
async fn a_stalled_worker_cannot_complete_fail_or_overwrite_its_successor(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let scan = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    let claim = |worker: &'static str, at: i64| env.store.claim_scan(env.runner(), worker, t(at));
    let zombie = claim("w1", 0).await.unwrap().unwrap().lease;
    assert_eq!(
        (zombie.scan(), zombie.worker(), zombie.attempt()),
        (scan, "w1", 1)
    );
    env.store
        .report_progress(&scope, &zombie, 40, t(10))
        .await
        .unwrap();
    let fresh = claim("w2", 10 + LEASE_SECS).await.unwrap().unwrap().lease;
    assert_eq!(fresh.attempt(), 2);
    env.store
        .report_progress(&scope, &fresh, 5, t(20 + LEASE_SECS))
        .await
        .unwrap();
    let before = summary(&env, &scope, scan).await;
    let lost = |e: StoreError| {
        let msg = e.to_string();
        assert!(
            msg.contains("attempt 1 by w1 lost its lease") && msg.contains("attempt 2"),
            "{msg}"
        );
        assert!(
            matches!(
                e,
                StoreError::LeaseLost {
                    attempt: 1,
                    current: 2,
                    status: ScanStatus::Running,
                    ..
                }
            ),
            "{msg}"
        );
    };
    let at = 30 + LEASE_SECS;
    lost(
        env.store
            .report_progress(&scope, &zombie, 99, t(at))
            .await
            .unwrap_err(),
    );
    lost(
        env.store
            .finish_scan(&scope, &zombie, &small(), times(at))
            .await
            .unwrap_err(),
    );
    lost(
        env.store
            .fail_scan(&scope, &zombie, "stalled", t(at))
            .await
            .unwrap_err(),
    );
    lost(
        env.store
            .retry_scan(&scope, &zombie, "stalled", t(at))
            .await
            .unwrap_err(),
    );
    assert_eq!(summary(&env, &scope, scan).await, before);
    assert_eq!(findings_of(&env, &scope, scan).await, 0);
    // The successor finishes; the zombie's later finish is still refused.
    let mut result = small();
    result.findings.truncate(7);
    env.store
        .finish_scan(&scope, &fresh, &result, times(at))
        .await
        .unwrap();
    assert!(matches!(
        env.store
            .finish_scan(&scope, &zombie, &small(), times(at + 1))
            .await
            .unwrap_err(),
        StoreError::LeaseLost {
            status: ScanStatus::Succeeded,
            ..
        }
    ));
    assert_eq!(findings_of(&env, &scope, scan).await, 7);
    // The same worker id claiming again is another attempt: its old token
    // is stale too.
    let second = env.store.queue_scan(&scope, conn, t(1000)).await.unwrap();
    let old = claim("w1", 1000).await.unwrap().unwrap().lease;
    let new = claim("w1", 1000 + LEASE_SECS).await.unwrap().unwrap().lease;
    assert_eq!((old.scan(), new.scan(), new.attempt()), (second, second, 2));
    assert!(matches!(
        env.store
            .finish_scan(&scope, &old, &small(), times(2000))
            .await
            .unwrap_err(),
        StoreError::LeaseLost { attempt: 1, .. }
    ));
    env.store
        .finish_scan(&scope, &new, &small(), times(2000))
        .await
        .unwrap();
}
both!(a_stalled_worker_cannot_complete_fail_or_overwrite_its_successor);

/// Retries: a failed attempt goes back to the queue with exponential
/// back-off and jitter, no claim takes it early, and the last allowed
/// attempt's failure is final, its reasons kept for inspection.
async fn a_retried_scan_waits_out_its_back_off_and_gives_up_at_the_limit(env: Env) {
    use cloudarq_store::jobs::{RETRY_BASE, Retry};
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let scan = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    let claim_at = |at: time::OffsetDateTime| env.store.claim_scan(env.runner(), "w", at);
    let mut now = t(10);
    let mut lease = claim_at(now).await.unwrap().unwrap().lease;
    let mut first = None;
    for attempt in 1..MAX_SCAN_ATTEMPTS {
        let Retry::Queued { not_before } = env
            .store
            .retry_scan(&scope, &lease, "Throttling: Rate exceeded\x1b[2J", now)
            .await
            .unwrap()
        else {
            panic!("attempt {attempt} is below the limit");
        };
        // Equal jitter: between half the step and the step.
        let step = RETRY_BASE * (1 << (attempt - 1));
        assert!(
            not_before >= now + step / 2 && not_before <= now + step,
            "attempt {attempt}: {not_before} after {now}"
        );
        first.get_or_insert(not_before);
        let s = summary(&env, &scope, scan).await;
        assert_eq!(
            (s.status, s.attempts, s.progress),
            (ScanStatus::Queued, attempt, 0)
        );
        let error = s.error.unwrap();
        assert!(error.starts_with("Throttling: Rate exceeded"), "{error}");
        assert!(cloudarq_model::text::is_inert(&error), "{error:?}");
        // Not a millisecond early.
        assert!(
            claim_at(not_before - time::Duration::milliseconds(1))
                .await
                .unwrap()
                .is_none()
        );
        now = not_before;
        let c = claim_at(now).await.unwrap().unwrap();
        assert_eq!((c.scan, c.attempt), (scan, attempt + 1));
        assert_eq!(summary(&env, &scope, scan).await.error, None);
        // The previous attempt's token is stale.
        assert!(matches!(
            env.store
                .retry_scan(&scope, &lease, "late", now)
                .await
                .unwrap_err(),
            StoreError::LeaseLost { .. }
        ));
        lease = c.lease;
    }
    assert_eq!(
        env.store
            .retry_scan(&scope, &lease, "Throttling again", now)
            .await
            .unwrap(),
        Retry::GaveUp
    );
    let s = summary(&env, &scope, scan).await;
    assert_eq!(
        (s.status, s.attempts),
        (ScanStatus::Failed, MAX_SCAN_ATTEMPTS)
    );
    assert_eq!(
        s.error.as_deref(),
        Some(format!("given up after {MAX_SCAN_ATTEMPTS} attempts: Throttling again").as_str())
    );
    assert!(
        claim_at(now + time::Duration::days(1))
            .await
            .unwrap()
            .is_none()
    );
    // Jitter spreads scans that failed together.
    let mut ends = HashSet::new();
    for _ in 0..8 {
        env.store.queue_scan(&scope, conn, t(5000)).await.unwrap();
        let l = claim_at(t(5000)).await.unwrap().unwrap().lease;
        if let Retry::Queued { not_before } = env
            .store
            .retry_scan(&scope, &l, "throttled", t(5000))
            .await
            .unwrap()
        {
            ends.insert(not_before);
        }
    }
    assert!(
        ends.len() > 1,
        "eight retries at one instant all end together"
    );
    assert!(first.is_some());
}
both!(a_retried_scan_waits_out_its_back_off_and_gives_up_at_the_limit);

/// A scan left queued under a deleted connection or tenant (deletion
/// cancels scans; this is a row that escaped it) is failed, never claimed.
async fn scans_of_deleted_connections_and_tenants_are_failed_not_claimed(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    let ca2 = connection(&env, &a, "staging").await;
    let cb = connection(&env, &b, "prod").await;
    let gone_conn = env.store.queue_scan(&a, ca, t(0)).await.unwrap();
    let gone_tenant = env.store.queue_scan(&b, cb, t(1)).await.unwrap();
    let live = env.store.queue_scan(&a, ca2, t(2)).await.unwrap();
    let mut raw = raw(&env).await;
    raw_exec!(
        raw,
        "UPDATE connections SET deleted_at_ms = 0, purge_after_ms = 0 WHERE id = $1",
        ca.0
    )
    .unwrap();
    raw_exec!(
        raw,
        "UPDATE tenants SET deleted_at_ms = 0, purge_after_ms = 0 WHERE id = $1",
        b.tenant().as_uuid()
    )
    .unwrap();
    let c = env
        .store
        .claim_scan(env.runner(), "w", t(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.scan, live, "the live scan, after the two older ones");
    assert!(
        env.store
            .claim_scan(env.runner(), "w", t(10))
            .await
            .unwrap()
            .is_none()
    );
    for id in [gone_conn, gone_tenant] {
        let rows = raw_rows!(
            raw,
            (String, Option<String>, i64),
            "SELECT status, error, attempts FROM scans WHERE id = $1",
            id.0
        );
        let (status, error, attempts) = rows[0].clone();
        assert_eq!((status.as_str(), attempts), ("failed", 0));
        assert!(error.unwrap().contains("deleted"));
    }
    // The normal path: deleting a connection cancels its queued scans.
    let queued = env.store.queue_scan(&a, ca2, t(20)).await.unwrap();
    env.store
        .delete_connection(&a, ca2, RetentionPolicy::default(), t(21))
        .await
        .unwrap();
    assert!(
        env.store
            .claim_scan(env.runner(), "w", t(22))
            .await
            .unwrap()
            .is_none()
    );
    let rows = raw_rows!(
        raw,
        (String,),
        "SELECT status FROM scans WHERE id = $1",
        queued.0
    );
    assert_eq!(rows[0].0, "cancelled");
}
both!(scans_of_deleted_connections_and_tenants_are_failed_not_claimed);

// ------------------------------------------------------------- hostile text

async fn hostile_error_text_and_worker_ids(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let scan = env.store.queue_scan(&scope, conn, t(0)).await.unwrap();
    for worker in [
        "",
        "  ",
        "w\n2",
        "w\x1b[2J",
        "w\u{202e}txt",
        &"w".repeat(101),
    ] {
        assert!(
            matches!(
                env.store.claim_scan(env.runner(), worker, t(1)).await,
                Err(StoreError::InvalidInput {
                    field: "worker id",
                    ..
                })
            ),
            "{worker:?}"
        );
    }
    assert_eq!(summary(&env, &scope, scan).await.status, ScanStatus::Queued);
    let lease = env
        .store
        .claim_scan(env.runner(), &"w".repeat(100), t(1))
        .await
        .unwrap()
        .unwrap()
        .lease;
    // An empty reason is refused and the scan keeps running.
    assert!(matches!(
        env.store.fail_scan(&scope, &lease, " \n\t ", t(2)).await,
        Err(StoreError::InvalidInput {
            field: "scan error",
            ..
        })
    ));
    assert_eq!(
        summary(&env, &scope, scan).await.status,
        ScanStatus::Running
    );
    let hostile = format!(
        "AccessDenied\r\n2026-01-01 INFO scan succeeded\x1b[2J\x1b]8;;https://evil.test\x07click\u{202e}gpj.exe\u{2028}{}",
        "A".repeat(1_000_000)
    );
    env.store
        .fail_scan(&scope, &lease, &hostile, t(2))
        .await
        .unwrap();
    let error = summary(&env, &scope, scan).await.error.unwrap();
    assert!(cloudarq_model::text::is_inert(&error), "{error:?}");
    assert!(error.chars().count() <= MAX_SCAN_ERROR_CHARS);
    assert!(
        error.starts_with(r"AccessDenied\r\n2026-01-01 INFO scan succeeded\x1b[2J\x1b]8;;https://evil.test\x07click\u{202e}gpj.exe\u{2028}AAA"),
        "{error}"
    );
    assert!(error.ends_with("(truncated)"), "{error}");
}
both!(hostile_error_text_and_worker_ids);

// ----------------------------------------------------- row-level security

/// The service's set-up: claims on the owner's pool (a maintenance
/// transaction), progress, finish and fail on the tenant login role's pool
/// under row-level security.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_role_runs_progress_finish_and_fail_under_row_level_security() {
    let env = pg_env_with_tenant_role().await;
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let ca = connection(&env, &a, "prod").await;
    let cb = connection(&env, &b, "prod").await;
    let sa = env.store.queue_scan(&a, ca, t(0)).await.unwrap();
    let sb = env.store.queue_scan(&b, cb, t(1)).await.unwrap();
    let first = env
        .store
        .claim_scan(env.runner(), "w", t(2))
        .await
        .unwrap()
        .unwrap();
    let second = env
        .store
        .claim_scan(env.runner(), "w", t(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.scan, second.scan), (sa, sb));
    assert_eq!(
        env.store
            .report_progress(&first.scope, &first.lease, 50, t(3))
            .await
            .unwrap(),
        50
    );
    not_found(
        env.store
            .finish_scan(&first.scope, &second.lease, &small(), times(3))
            .await
            .unwrap_err(),
    );
    not_found(
        env.store
            .fail_scan(&second.scope, &first.lease, "x", t(3))
            .await
            .unwrap_err(),
    );
    env.store
        .finish_scan(&first.scope, &first.lease, &small(), times(4))
        .await
        .unwrap();
    env.store
        .fail_scan(&second.scope, &second.lease, "AccessDenied", t(4))
        .await
        .unwrap();
    assert_eq!(env.store.load_result(&a, sa).await.unwrap(), small());
    assert_eq!(
        summary(&env, &b, sb).await.error.as_deref(),
        Some("AccessDenied")
    );
    // Not a scan id of either tenant.
    not_found(
        env.store
            .cancel_scan(&a, ScanId(Uuid::now_v7()), t(5))
            .await
            .unwrap_err(),
    );
}
