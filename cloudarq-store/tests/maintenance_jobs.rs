//! Maintenance jobs on the queue, both backends (issue 12): a day's purge
//! and backup queued once however many workers ask, claims fenced by their
//! lease, the attempt limit, and an audit entry per run in the operators'
//! tenant.

#![allow(
    clippy::unwrap_used,
    reason = "test bodies, shared by both backends through `both!`, fail loudly"
)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use cloudarq_store::StoreError;
use cloudarq_store::maintenance::{MAX_MAINTENANCE_ATTEMPTS, MaintenanceKind};
use cloudarq_store::retention::RetentionPolicy;
use common::*;

const DAILY: &[MaintenanceKind] = &[MaintenanceKind::Purge, MaintenanceKind::Backup];

/// Three workers asking at once, several times a day: one purge and one
/// backup per day.
async fn a_days_jobs_are_queued_once_by_any_number_of_workers(env: Env) {
    let env = Arc::new(env);
    let mut queued = Vec::new();
    // Two days, a round every three hours, three workers per round.
    for round in 0..16 {
        let at = t(round * 3 * 3600);
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let env = env.clone();
                tokio::spawn(async move {
                    env.store
                        .enqueue_daily_maintenance(env.runner(), DAILY, at)
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            queued.extend(task.await.unwrap());
        }
    }
    let runs = env.store.maintenance_runs(env.runner(), 100).await.unwrap();
    let days: HashSet<&str> = runs.iter().map(|r| r.due_key.as_str()).collect();
    assert_eq!(runs.len(), 2 * days.len(), "{runs:?}");
    assert!((2..=3).contains(&days.len()), "{days:?}");
    assert_eq!(queued.len(), runs.len(), "each run reported by one worker");
    assert_eq!(queued.iter().collect::<HashSet<_>>().len(), queued.len());
}
both!(a_days_jobs_are_queued_once_by_any_number_of_workers);

/// A claim is fenced: once its lease lapsed and another worker claimed the
/// run, the first can neither renew nor end it; the second ends it, and
/// the run's audit entry lands in the operators' tenant.
async fn claims_are_fenced_and_each_run_is_audited(env: Env) {
    let runner = env.runner();
    let a = tenant(&env, "a").await;
    let conn = connection(&env, &a, "gone").await;
    env.store
        .delete_connection(&a, conn, RetentionPolicy::new(1, 1, 1).unwrap(), t(0))
        .await
        .unwrap();
    env.store
        .enqueue_daily_maintenance(runner, &[MaintenanceKind::Purge], t(0))
        .await
        .unwrap();
    let first = env
        .store
        .claim_maintenance(runner, "w1", t(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.kind, first.attempt), (MaintenanceKind::Purge, 1));
    // Nothing else waits while the lease runs.
    assert!(
        env.store
            .claim_maintenance(runner, "w2", t(2))
            .await
            .unwrap()
            .is_none()
    );
    env.store
        .renew_maintenance(runner, &first.lease, t(100))
        .await
        .unwrap();
    // w1 stalls past its lease; w2 takes the run over.
    let lapse = t(100 + 301);
    let second = env
        .store
        .claim_maintenance(runner, "w2", lapse)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.id, second.attempt), (first.id, 2));
    for refused in [
        env.store
            .renew_maintenance(runner, &first.lease, lapse)
            .await,
        env.store
            .end_maintenance(runner, &first, Ok("stale"), lapse)
            .await,
    ] {
        assert!(
            matches!(
                refused,
                Err(StoreError::MaintenanceLeaseLost { attempt: 1, .. })
            ),
            "{refused:?}"
        );
    }
    // w2 does the work and ends the run.
    let purged = env.store.purge(runner, t(2 * 86_400)).await.unwrap();
    assert_eq!(purged.connections, 1);
    let summary = format!("{} connection(s) purged", purged.connections);
    env.store
        .end_maintenance(runner, &second, Ok(&summary), lapse)
        .await
        .unwrap();
    // Ended once: a second end is refused too.
    assert!(matches!(
        env.store
            .end_maintenance(runner, &second, Ok("again"), lapse)
            .await,
        Err(StoreError::MaintenanceLeaseLost { .. })
    ));
    let runs = env.store.maintenance_runs(runner, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (
            runs[0].status.as_str(),
            runs[0].attempts,
            runs[0].result.as_deref()
        ),
        ("succeeded", 2, Some(summary.as_str()))
    );
    let operators = runner.scope(env.store.operator_tenant(runner, t(0)).await.unwrap());
    let log = env.store.audit_log(&operators).await.unwrap();
    let entries: Vec<_> = log
        .iter()
        .filter(|e| e.entry.action == "maintenance.purge")
        .collect();
    assert_eq!(entries.len(), 1, "{log:?}");
    assert_eq!(entries[0].entry.actor, "worker:w2");
    assert_eq!(entries[0].entry.outcome, "success");
    // The tenant's own log holds none of it.
    assert!(
        env.store
            .audit_log(&a)
            .await
            .unwrap()
            .iter()
            .all(|e| !e.entry.action.starts_with("maintenance."))
    );
    let chains = env.store.verify_audit_log(runner).await.unwrap();
    assert!(!chains.is_empty());
}
both!(claims_are_fenced_and_each_run_is_audited);

/// A run whose every claim lapses (its worker dies each time) is failed by
/// the claim after the attempt limit, with the reason; a failed run is
/// audited as an error; a requested rotation queues beside the daily jobs.
async fn a_run_that_never_ends_is_failed_after_the_attempt_limit(env: Env) {
    let runner = env.runner();
    env.store
        .enqueue_daily_maintenance(runner, &[MaintenanceKind::Backup], t(0))
        .await
        .unwrap();
    let mut at = 0;
    for attempt in 1..=MAX_MAINTENANCE_ATTEMPTS {
        let c = env
            .store
            .claim_maintenance(runner, &format!("w{attempt}"), t(at))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.attempt, attempt);
        at += 301;
    }
    let rotation = env.store.request_rotation(runner, t(at)).await.unwrap();
    // The next claim fails the backup run and takes the rotation.
    let next = env
        .store
        .claim_maintenance(runner, "w9", t(at))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((next.id, next.kind), (rotation, MaintenanceKind::Rotation));
    env.store
        .end_maintenance(runner, &next, Err("the keyring is read-only"), t(at))
        .await
        .unwrap();
    let runs = env.store.maintenance_runs(runner, 10).await.unwrap();
    let backup = runs
        .iter()
        .find(|r| r.kind == MaintenanceKind::Backup)
        .unwrap();
    assert_eq!(backup.status, "failed");
    assert!(
        backup
            .error
            .as_deref()
            .is_some_and(|e| e.contains("given up after 3 attempts") && e.contains("w3")),
        "{backup:?}"
    );
    let rotation = runs
        .iter()
        .find(|r| r.kind == MaintenanceKind::Rotation)
        .unwrap();
    assert_eq!(
        (rotation.status.as_str(), rotation.error.as_deref()),
        ("failed", Some("the keyring is read-only"))
    );
    let operators = runner.scope(env.store.operator_tenant(runner, t(0)).await.unwrap());
    let log = env.store.audit_log(&operators).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.entry.action == "maintenance.rotation" && e.entry.outcome == "error"),
        "{log:?}"
    );
}
both!(a_run_that_never_ends_is_failed_after_the_attempt_limit);

/// Runs go one at a time across workers: with a purge and a backup queued,
/// a second worker gets nothing while the first holds its lease, and the
/// backup once the purge has ended.
async fn one_maintenance_run_holds_a_lease_at_a_time(env: Env) {
    let runner = env.runner();
    env.store
        .enqueue_daily_maintenance(runner, DAILY, t(0))
        .await
        .unwrap();
    let first = env
        .store
        .claim_maintenance(runner, "w1", t(1))
        .await
        .unwrap()
        .unwrap();
    for w in ["w2", "w3"] {
        assert!(
            env.store
                .claim_maintenance(runner, w, t(2))
                .await
                .unwrap()
                .is_none(),
            "{w} claimed a run beside {:?}",
            first.kind
        );
    }
    env.store
        .end_maintenance(runner, &first, Ok("done"), t(3))
        .await
        .unwrap();
    let second = env
        .store
        .claim_maintenance(runner, "w2", t(4))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(second.kind, first.kind);
    assert!(
        env.store
            .claim_maintenance(runner, "w3", t(5))
            .await
            .unwrap()
            .is_none()
    );
}
both!(one_maintenance_run_holds_a_lease_at_a_time);
