//! Maintenance as a PostgreSQL role that row-level security filters (issue
//! 16, item 2): a schema owner without BYPASSRLS sees no tenant's rows, so
//! every maintenance entry point must refuse, naming the missing attribute,
//! and change nothing — above all `keys remove`, which would otherwise find
//! "no data key" wrapped by a master key that wraps them all.

#![allow(clippy::unwrap_used, reason = "test bodies fail loudly")]

mod common;

use cloudarq_store::backup::BackupPolicy;
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::rotation::RotateOptions;
use cloudarq_store::testing::PgCluster;
use cloudarq_store::{JobRunner, Keyring, Store, StoreError};
use common::*;

const OWNER: &str = "cloudarq_owner";

fn refused(err: StoreError) {
    assert!(
        matches!(
            err,
            StoreError::MaintenanceRole {
                missing: "BYPASSRLS",
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(OWNER)
            && msg.contains("ALTER ROLE")
            && msg.contains("owning the tables is not enough"),
        "{msg}"
    );
}

/// A store owned by a non-superuser with BYPASSRLS, holding two tenants
/// (one deleted and due for purge), a queued scan, a backup, and a second
/// master key made primary — everything a maintenance job would act on.
async fn populated(
    pg: &PgCluster,
    dir: &std::path::Path,
) -> (Store, JobRunner, String, std::path::PathBuf) {
    let url = pg.create_owned_db("cloudarq", OWNER, true).unwrap();
    let keyring = dir.join("keyring.toml");
    let (store, runner) = Store::open(&url, Keyring::create_file(&keyring).unwrap())
        .await
        .unwrap();
    let mut small = demo_result();
    small.findings.truncate(30);
    for name in ["a", "b"] {
        let scope = runner.scope(store.create_tenant(&runner, name, t(0)).await.unwrap());
        let conn = store
            .create_connection(
                &scope,
                cloudarq_store::connections::NewConnection {
                    name: "prod".into(),
                    account_id: None,
                    role_arn: None,
                    external_id: Some(ext(SENTINEL_EXT)),
                    static_keys: None,
                },
                t(0),
            )
            .await
            .unwrap();
        store
            .record_scan(
                &scope,
                conn,
                &small,
                cloudarq_store::scans::ScanTimes {
                    started_at: t(0),
                    finished_at: t(1),
                },
            )
            .await
            .unwrap();
        if name == "a" {
            store.queue_scan(&scope, conn, t(2)).await.unwrap();
        }
        if name == "b" {
            let now = RetentionPolicy::new(0, 7, 7).unwrap();
            store
                .delete_tenant(&runner, scope.tenant(), now, t(10))
                .await
                .unwrap();
        }
    }
    let two = store.add_master_key(&runner).unwrap();
    store.promote_master_key(&runner, two).unwrap();
    (store, runner, url, keyring)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_without_bypassrls_refuses_and_changes_nothing() {
    let pg = PgCluster::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, runner, url, keyring) = populated(&pg, dir.path()).await;
    let backups = dir.path().join("backups");
    let policy = BackupPolicy {
        keep: Some(3),
        retention: RetentionPolicy::default(),
    };
    let early = store
        .backup(&runner, &backups, policy, t(20))
        .await
        .unwrap();

    // The owner loses BYPASSRLS while the store is open.
    pg.set_bypass_rls(OWNER, false).unwrap();
    let data_before = pg.data_dump("cloudarq").unwrap();
    let keyring_before = std::fs::read(&keyring).unwrap();
    let backups_before = std::fs::read_dir(&backups).unwrap().count();

    refused(store.remove_master_key(&runner, 1).await.unwrap_err());
    refused(
        store
            .rotate(&runner, RotateOptions::default(), t(30))
            .await
            .unwrap_err(),
    );
    refused(store.purge(&runner, t(40)).await.unwrap_err());
    refused(
        store
            .backup(&runner, &backups, policy, t(50))
            .await
            .unwrap_err(),
    );
    let elsewhere = dir.path().join("other-backups");
    refused(
        store
            .backup(&runner, &elsewhere, policy, t(50))
            .await
            .unwrap_err(),
    );
    refused(store.key_status(&runner).await.unwrap_err());
    refused(store.tenants(&runner).await.unwrap_err());
    refused(
        store
            .claim_scan(&runner, "worker-1", t(60))
            .await
            .unwrap_err(),
    );
    // The maintenance jobs of issue 12: neither queued nor claimed.
    refused(
        store
            .enqueue_daily_maintenance(
                &runner,
                &[
                    cloudarq_store::maintenance::MaintenanceKind::Purge,
                    cloudarq_store::maintenance::MaintenanceKind::Backup,
                ],
                t(60),
            )
            .await
            .unwrap_err(),
    );
    refused(store.request_rotation(&runner, t(60)).await.unwrap_err());
    refused(
        store
            .claim_maintenance(&runner, "worker-1", t(60))
            .await
            .unwrap_err(),
    );

    let data_after = pg.data_dump("cloudarq").unwrap();
    let lines = |d: &[u8]| -> std::collections::BTreeSet<String> {
        String::from_utf8_lossy(d)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let (was, now) = (lines(&data_before), lines(&data_after));
    assert!(
        data_after == data_before,
        "rows changed: gone {:?}, new {:?}",
        was.difference(&now).collect::<Vec<_>>(),
        now.difference(&was).collect::<Vec<_>>()
    );
    assert_eq!(
        std::fs::read(&keyring).unwrap(),
        keyring_before,
        "master key 1 is still in the keyring file"
    );
    assert_eq!(std::fs::read_dir(&backups).unwrap().count(), backups_before);
    assert!(!elsewhere.exists(), "no backup directory created");
    store.close().await;

    // Opening as that role fails before the (vacuous) master-key check.
    let ring = || Keyring::load_file(&keyring).unwrap();
    refused(Store::open(&url, ring()).await.unwrap_err());

    // Restore into an empty database as that role: refused before writing.
    pg.psql("postgres", "CREATE DATABASE restored OWNER cloudarq_owner")
        .unwrap();
    let target = pg.url_as(OWNER, "restored");
    refused(
        Store::restore(&target, &early.data, &early.keys, ring())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        pg.psql(
            "restored",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        .unwrap(),
        "0"
    );

    // With BYPASSRLS back, the same calls work and see every row.
    pg.set_bypass_rls(OWNER, true).unwrap();
    let (store, runner) = Store::open(&url, ring()).await.unwrap();
    let status = store.key_status(&runner).await.unwrap();
    assert_eq!(status.data_keys.len(), 2);
    // a: 30 findings and an External ID; b (deleted, credentials revoked): 30.
    assert_eq!(status.master_keys[&1], (2, 61));
    let err = store.remove_master_key(&runner, 1).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::KeyInUse {
                id: 1,
                data_keys: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(store.purge(&runner, t(40)).await.unwrap().tenants, 1);
    let claimed = store.claim_scan(&runner, "worker-1", t(60)).await.unwrap();
    assert_eq!(claimed.map(|c| c.attempt), Some(1), "the queued scan");
}
