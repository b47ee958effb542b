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
            .report_progress(&scope, queued, 40, t(30))
            .await
            .unwrap(),
        40
    );
    env.store
        .finish_scan(&scope, queued, &result, times(25))
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
    env.store
        .claim_scan(env.runner(), "w", t(1))
        .await
        .unwrap()
        .unwrap();
    let env = Arc::new(env);
    let result = small();
    let finishes: Vec<_> = (0..2)
        .map(|_| {
            let (env, scope, result) = (env.clone(), scope.clone(), result.clone());
            tokio::spawn(
                async move { env.store.finish_scan(&scope, scan, &result, times(1)).await },
            )
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
    // Not running yet.
    state(
        env.store
            .report_progress(&scope, scan, 10, t(0))
            .await
            .unwrap_err(),
        ScanStatus::Queued,
    );
    env.store
        .claim_scan(env.runner(), "w1", t(0))
        .await
        .unwrap()
        .unwrap();
    let progress = |p: u8, at: i64| {
        let (env, scope) = (&env, &scope);
        async move { env.store.report_progress(scope, scan, p, t(at)).await }
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
        .finish_scan(&scope, scan, &small(), times(600))
        .await
        .unwrap();
    state(progress(100, 700).await.unwrap_err(), ScanStatus::Succeeded);
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
        .report_progress(&a, running, 20, t(3))
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
    for scan in [queued, running] {
        not_found(
            env.store
                .report_progress(&b, scan, 90, t(4))
                .await
                .unwrap_err(),
        );
        not_found(
            env.store
                .finish_scan(&b, scan, &small(), times(4))
                .await
                .unwrap_err(),
        );
        not_found(
            env.store
                .fail_scan(&b, scan, "stolen", t(4))
                .await
                .unwrap_err(),
        );
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
        .finish_scan(&a, running, &small(), times(5))
        .await
        .unwrap();
}
both!(another_tenants_scope_moves_no_scan);

// ------------------------------------------------------- finished is final

async fn a_finished_or_failed_scan_stays_as_it_is(env: Env) {
    let scope = tenant(&env, "acme").await;
    let conn = connection(&env, &scope, "prod").await;
    let first = small();
    let mut other = demo_result();
    other.findings.truncate(3);
    // Succeeded (recorded): refused to finish again, to fail, to progress.
    let done = record(&env, &scope, conn, &first, 0).await;
    let err = env
        .store
        .finish_scan(&scope, done, &other, times(10))
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
            .fail_scan(&scope, done, "late", t(10))
            .await
            .unwrap_err(),
        ScanStatus::Succeeded,
    );
    assert_eq!(env.store.load_result(&scope, done).await.unwrap(), first);
    assert_eq!(findings_of(&env, &scope, done).await, first.findings.len());

    // Queued, unclaimed: finishing needs a claim; failing does not.
    let queued = env.store.queue_scan(&scope, conn, t(20)).await.unwrap();
    state(
        env.store
            .finish_scan(&scope, queued, &other, times(20))
            .await
            .unwrap_err(),
        ScanStatus::Queued,
    );
    env.store
        .fail_scan(&scope, queued, "no credentials", t(21))
        .await
        .unwrap();
    // Failed: refused to finish, fail again or progress; no findings, no result.
    state(
        env.store
            .finish_scan(&scope, queued, &other, times(30))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
    state(
        env.store
            .fail_scan(&scope, queued, "again", t(30))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
    assert_eq!(findings_of(&env, &scope, queued).await, 0);
    assert!(matches!(
        env.store.load_result(&scope, queued).await,
        Err(StoreError::NotFound { .. })
    ));
    let s = summary(&env, &scope, queued).await;
    assert_eq!(s.status, ScanStatus::Failed);
    assert_eq!(s.error.as_deref(), Some("no credentials"));
    assert_eq!(s.finished_at, Some(t(21)));
    // A failed scan is never claimed.
    assert!(
        env.store
            .claim_scan(env.runner(), "w", t(40))
            .await
            .unwrap()
            .is_none()
    );
    // Cancelled (its connection deleted while running): refused too.
    let running = env.store.queue_scan(&scope, conn, t(50)).await.unwrap();
    env.store
        .claim_scan(env.runner(), "w", t(50))
        .await
        .unwrap()
        .unwrap();
    env.store
        .delete_connection(&scope, conn, RetentionPolicy::default(), t(51))
        .await
        .unwrap();
    state(
        env.store
            .finish_scan(&scope, running, &other, times(52))
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
    for attempt in 1..=MAX_SCAN_ATTEMPTS {
        let worker = ["w1", "w2", "w3"][attempt as usize - 1];
        let c = claim(worker, at).await.unwrap().unwrap();
        assert_eq!((c.scan, c.attempt), (scan, attempt));
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
    // The late worker's result is refused.
    state(
        env.store
            .finish_scan(&scope, scan, &small(), times(at))
            .await
            .unwrap_err(),
        ScanStatus::Failed,
    );
}
both!(an_expired_lease_is_claimed_again_up_to_the_attempt_limit);

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
    env.store
        .claim_scan(env.runner(), &"w".repeat(100), t(1))
        .await
        .unwrap()
        .unwrap();
    // An empty reason is refused and the scan keeps running.
    assert!(matches!(
        env.store.fail_scan(&scope, scan, " \n\t ", t(2)).await,
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
        .fail_scan(&scope, scan, &hostile, t(2))
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
            .report_progress(&first.scope, sa, 50, t(3))
            .await
            .unwrap(),
        50
    );
    not_found(
        env.store
            .finish_scan(&first.scope, sb, &small(), times(3))
            .await
            .unwrap_err(),
    );
    not_found(
        env.store
            .fail_scan(&second.scope, sa, "x", t(3))
            .await
            .unwrap_err(),
    );
    env.store
        .finish_scan(&first.scope, sa, &small(), times(4))
        .await
        .unwrap();
    env.store
        .fail_scan(&second.scope, sb, "AccessDenied", t(4))
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
            .report_progress(&a, ScanId(Uuid::now_v7()), 1, t(5))
            .await
            .unwrap_err(),
    );
}
