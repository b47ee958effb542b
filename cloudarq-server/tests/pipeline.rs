//! The scan pipeline as a worker runs it (issue 10 §1): a queued scan is
//! claimed, run through `cloudarq_core::scan` with the tenant's stored
//! mutelist, reports progress from the pipeline's stages, and is finished in
//! place by the same storing step the command line uses
//! (`cloudarq_server::record`); its diff against the previous scan and its
//! rule catalogue come back from the store.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use std::sync::{Arc, Mutex};

use cloudarq_core::engine::Mutelist;
use cloudarq_core::scan::{ScanPlan, SnapshotSource, Stage};
use cloudarq_model::Snapshot;
use cloudarq_model::mute::MuteEntry;
use cloudarq_model::rule::Status;
use cloudarq_store::connections::NewConnection;
use cloudarq_store::scans::{ScanStatus, ScanTimes};
use cloudarq_store::{Store, StoreConfig};
use time::OffsetDateTime;

const DEMO: &str = include_str!("../../testdata/demo-snapshot.json");

fn t(s: i64) -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1_800_000_000 + s)
}

#[tokio::test]
async fn a_worker_claims_runs_and_finishes_a_queued_scan_with_the_cli_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let (store, runner) = Store::open(
        StoreConfig::new(url),
        cloudarq_store::testing::memory_keyring(),
    )
    .await
    .unwrap();
    let tenant = store.create_tenant(&runner, "acme", t(0)).await.unwrap();
    let scope = runner.scope(tenant);
    let conn = store
        .create_connection(
            &scope,
            NewConnection {
                name: "prod".into(),
                account_id: Some("123456789012".parse().unwrap()),
                role_arn: None,
                external_id: None,
                static_keys: None,
            },
            t(0),
        )
        .await
        .unwrap();
    // The tenant accepted one risk, stored as the model's MuteEntry.
    let demo = Snapshot::from_json(DEMO, "demo").unwrap();
    let first_fail = {
        let r = ScanPlan::new(SnapshotSource::Snapshot(demo.clone()))
            .prepare()
            .unwrap()
            .run()
            .await
            .unwrap()
            .result
            .into_scan_result();
        r.findings
            .into_iter()
            .find(|f| f.status == Status::Fail)
            .unwrap()
    };
    store
        .add_mute_entry(
            &scope,
            Some(conn),
            &MuteEntry {
                rule: Some(first_fail.rule_id.clone()),
                resource: first_fail.resource_arn.to_string(),
                reason: "accepted by the security team".into(),
                expires: None,
                region: None,
            },
            t(1),
        )
        .await
        .unwrap();

    let mut previous = None;
    for round in 0..2_i64 {
        let queued = store.queue_scan(&scope, conn, t(10 + round)).await.unwrap();
        let claimed = store
            .claim_scan(&runner, "worker-1", t(11 + round))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.scan, queued);
        let scope = claimed.scope.clone();
        let rows = store
            .mute_entries(&scope, claimed.connection)
            .await
            .unwrap();
        let mutelist = Mutelist::new(
            "the tenant's mutelist",
            rows.into_iter().map(|e| e.entry).collect(),
        )
        .unwrap();
        let stages = Arc::new(Mutex::new(Vec::new()));
        let seen = stages.clone();
        let scan = ScanPlan::new(SnapshotSource::Snapshot(demo.clone()))
            .mutelist(mutelist)
            .on_progress(move |s| seen.lock().unwrap().push(s.clone()))
            .prepare()
            .unwrap()
            .run()
            .await
            .unwrap();
        // Progress goes to the store, from the pipeline's stages.
        let seen = stages.lock().unwrap().clone();
        for (i, _) in seen.iter().enumerate() {
            let pct = u8::try_from(50 + 10 * i).unwrap();
            store
                .report_progress(&scope, &claimed.lease, pct, t(12 + round))
                .await
                .unwrap();
        }
        assert!(matches!(
            seen[..],
            [Stage::Collected { .. }, Stage::Evaluated { .. }]
        ));
        let muted = scan
            .result
            .findings()
            .find(|f| f.rule_id == first_fail.rule_id && *f.resource_arn == first_fail.resource_arn)
            .unwrap();
        assert_eq!(muted.status, Status::Muted);
        let recorded = cloudarq_server::record::finish(
            &store,
            &scope,
            claimed.connection,
            &claimed.lease,
            &scan.result,
            ScanTimes {
                started_at: t(11 + round),
                finished_at: t(13 + round),
            },
        )
        .await
        .unwrap();
        assert_eq!(recorded.scan, queued, "finished in place, no second row");
        match (round, &recorded.changes) {
            (0, None) => {}
            (1, Some(d)) => {
                assert!(d.new_failures.is_empty() && d.resolved.is_empty());
                assert!(!d.still_failing.is_empty());
            }
            other => panic!("unexpected changes for round {round}: {other:?}"),
        }
        let back = store.load_result(&scope, queued).await.unwrap();
        // Stored from the lean form, read back as the document it stands for.
        assert_eq!(back, scan.result.clone().into_scan_result());
        previous = Some(claimed.lease.clone());
    }
    let scans = store.scans(&scope, Some(conn)).await.unwrap();
    assert_eq!(scans.len(), 2);
    assert!(scans.iter().all(|s| s.status == ScanStatus::Succeeded));
    let previous = previous.unwrap();
    assert_eq!(scans[0].id, previous.scan());
    // A finished scan cannot be finished again by the storing step.
    let again = cloudarq_server::record::finish(
        &store,
        &scope,
        conn,
        &previous,
        &cloudarq_model::finding::ScanResult::from_json(
            &cloudarq_core::report::json::to_string(
                &store.load_result(&scope, scans[0].id).await.unwrap(),
            )
            .unwrap(),
            "stored",
        )
        .unwrap(),
        ScanTimes {
            started_at: t(20),
            finished_at: t(21),
        },
    )
    .await
    .unwrap_err();
    assert!(again.to_string().contains("succeeded"), "{again}");
    store.close().await;
}
