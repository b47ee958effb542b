//! Scan schedules on both backends (issue 12): the scheduler's step run by
//! several schedulers at once on an injected clock, catch-up after an
//! outage, cron in a time zone, deletion, and the tenant wall.

#![allow(
    clippy::unwrap_used,
    reason = "test bodies, shared by both backends through `both!`, fail loudly"
)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use cloudarq_store::StoreError;
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::scans::ScanId;
use cloudarq_store::schedules::Cadence;
use common::*;

/// Three schedulers, each with its own clock skew (−2 s, 0, +3 s), step a
/// simulated hour in 7-second rounds, all three at once in every round:
/// a one-minute interval gives exactly 60 scans, one per tick, and no
/// scheduler reports a scan another one queued.
async fn three_schedulers_over_an_hour_queue_one_scan_per_tick(env: Env) {
    const SCHEDULERS: i64 = 3;
    let scope = tenant(&env, "a").await;
    let conn = connection(&env, &scope, "prod").await;
    let quiet = connection(&env, &scope, "quiet").await;
    env.store
        .set_schedule(&scope, conn, Cadence::every(60).unwrap(), t(0))
        .await
        .unwrap();
    let env = Arc::new(env);
    let mut reported: Vec<ScanId> = Vec::new();
    let mut clock = 0;
    while clock <= 3600 {
        let round = Arc::new(tokio::sync::Barrier::new(SCHEDULERS as usize));
        let tasks: Vec<_> = (0..SCHEDULERS)
            .map(|i| {
                let (env, round) = (env.clone(), round.clone());
                let skew = [-2, 0, 3][i as usize];
                // The last round reads the hour's end on every clock.
                let now = if clock == 3600 { 3600 } else { clock + skew };
                tokio::spawn(async move {
                    round.wait().await;
                    env.store
                        .enqueue_scheduled_scans(env.runner(), t(now))
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            reported.extend(task.await.unwrap());
        }
        clock = if clock + 7 > 3600 && clock < 3600 {
            3600
        } else {
            clock + 7
        };
    }
    let stored = env.store.scans(&scope, Some(conn)).await.unwrap();
    assert_eq!(stored.len(), 60, "one scan per minute of the hour");
    let unique: HashSet<ScanId> = reported.iter().copied().collect();
    assert_eq!(unique.len(), reported.len(), "a scan reported twice");
    assert_eq!(
        unique,
        stored.iter().map(|s| s.id).collect::<HashSet<_>>(),
        "every stored scan reported by exactly one scheduler"
    );
    assert!(
        env.store
            .scans(&scope, Some(quiet))
            .await
            .unwrap()
            .is_empty(),
        "a connection without a schedule is not scanned"
    );
    let schedule = env.store.schedule(&scope, conn).await.unwrap().unwrap();
    assert_eq!(schedule.next_tick, t(3660));
}
both!(three_schedulers_over_an_hour_queue_one_scan_per_tick);

/// Five hours with no scheduler running: one catch-up scan, then the
/// schedule carries on from the present.
async fn missed_ticks_give_one_catch_up_scan(env: Env) {
    let scope = tenant(&env, "a").await;
    let conn = connection(&env, &scope, "prod").await;
    env.store
        .set_schedule(&scope, conn, Cadence::every(60).unwrap(), t(0))
        .await
        .unwrap();
    let runner = env.runner();
    let back = 5 * 3600 + 30;
    assert_eq!(
        env.store
            .enqueue_scheduled_scans(runner, t(back))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        env.store
            .enqueue_scheduled_scans(runner, t(back + 29))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        env.store
            .enqueue_scheduled_scans(runner, t(back + 30))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(env.store.scans(&scope, Some(conn)).await.unwrap().len(), 2);
}
both!(missed_ticks_give_one_catch_up_scan);

/// A cron schedule in a zone half an hour off UTC ticks at half past the
/// UTC hour; replacing a schedule takes effect at once.
async fn cron_in_a_time_zone_and_replacement(env: Env) {
    let scope = tenant(&env, "a").await;
    let conn = connection(&env, &scope, "prod").await;
    let hourly = Cadence::cron("0 * * * *", "Asia/Kolkata").unwrap();
    let set = env
        .store
        .set_schedule(&scope, conn, hourly.clone(), t(0))
        .await
        .unwrap();
    let epoch_offset = t(0).unix_timestamp();
    // Kolkata is UTC+5:30: its whole hours are UTC's half hours.
    assert_eq!((set.next_tick.unix_timestamp() - 1800) % 3600, 0);
    let runner = env.runner();
    let mut queued = 0;
    for minute in 0..=180 {
        queued += env
            .store
            .enqueue_scheduled_scans(runner, t(minute * 60))
            .await
            .unwrap()
            .len();
    }
    let ticks = (epoch_offset..=epoch_offset + 180 * 60)
        .filter(|s| s % 3600 == 1800 && *s > epoch_offset)
        .count();
    assert_eq!(queued, ticks);
    let read = env.store.schedule(&scope, conn).await.unwrap().unwrap();
    assert_eq!(read.cadence, hourly);

    // Replaced by a daily schedule: nothing more in the next three hours.
    env.store
        .set_schedule(&scope, conn, Cadence::every(86_400).unwrap(), t(180 * 60))
        .await
        .unwrap();
    assert!(
        env.store
            .enqueue_scheduled_scans(runner, t(360 * 60))
            .await
            .unwrap()
            .is_empty()
    );
}
both!(cron_in_a_time_zone_and_replacement);

/// Deleting a connection or its tenant deletes its schedule at once;
/// another tenant can neither read, set nor delete a schedule it does not
/// own; a deleted schedule queues nothing.
async fn deletion_and_the_tenant_wall(env: Env) {
    let a = tenant(&env, "a").await;
    let b = tenant(&env, "b").await;
    let c = tenant(&env, "c").await;
    let gone = connection(&env, &a, "gone").await;
    let kept = connection(&env, &a, "kept").await;
    let unscheduled = connection(&env, &a, "unscheduled").await;
    let theirs = connection(&env, &b, "prod").await;
    let tenant_gone = connection(&env, &c, "prod").await;
    for (scope, conn) in [(&a, gone), (&a, kept), (&b, theirs), (&c, tenant_gone)] {
        env.store
            .set_schedule(scope, conn, Cadence::every(60).unwrap(), t(0))
            .await
            .unwrap();
    }
    // b cannot see, replace or delete a's schedule.
    assert!(matches!(
        env.store.schedule(&b, kept).await,
        Err(StoreError::NotFound {
            what: "connection",
            ..
        })
    ));
    assert!(matches!(
        env.store
            .set_schedule(&b, kept, Cadence::every(3600).unwrap(), t(0))
            .await,
        Err(StoreError::NotFound {
            what: "connection",
            ..
        })
    ));
    assert!(matches!(
        env.store.delete_schedule(&b, kept).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        env.store.schedule(&a, kept).await.unwrap().unwrap().cadence,
        Cadence::every(60).unwrap()
    );
    assert!(matches!(
        env.store.delete_schedule(&a, unscheduled).await,
        Err(StoreError::NotFound {
            what: "schedule",
            ..
        })
    ));

    let policy = RetentionPolicy::new(29, 1, 1).unwrap();
    env.store
        .delete_connection(&a, gone, policy, t(30))
        .await
        .unwrap();
    env.store
        .delete_tenant(env.runner(), c.tenant(), policy, t(30))
        .await
        .unwrap();
    env.store.delete_schedule(&a, kept).await.unwrap();
    let queued = env
        .store
        .enqueue_scheduled_scans(env.runner(), t(600))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "only b's schedule is left");
    assert_eq!(env.store.scans(&b, Some(theirs)).await.unwrap().len(), 1);
    assert!(env.store.scans(&a, None).await.unwrap().is_empty());
}
both!(deletion_and_the_tenant_wall);
