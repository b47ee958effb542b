//! Backups (issue 16, items 3–5): private from the first byte, keys and data
//! from one moment, pruned by age, and the 30-day promise end to end; on
//! both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use cloudarq_store::backup::{BackupPolicy, BackupStep};
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::rotation::RotateOptions;
use cloudarq_store::{JobRunner, Store, StoreError};
use common::*;

const DAY: i64 = 86_400;

fn policy(p: u32, k: u32, d: u32) -> BackupPolicy {
    BackupPolicy {
        keep: None,
        retention: RetentionPolicy::new(p, k, d).unwrap(),
    }
}

/// Every directory under `dir` (itself included) is mode 700 and every file
/// mode 600; no symbolic link.
fn assert_private(dir: &Path, when: &str) {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(dir).unwrap();
    assert!(meta.is_dir(), "{when}: {}", dir.display());
    assert_eq!(
        meta.permissions().mode() & 0o7777,
        0o700,
        "{when}: {}",
        dir.display()
    );
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let m = std::fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            assert_private(&p, when);
        } else {
            assert!(m.is_file(), "{when}: {} is not a file", p.display());
            assert_eq!(
                m.permissions().mode() & 0o7777,
                0o600,
                "{when}: {}",
                p.display()
            );
        }
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Decrypts every encrypted value of every tenant; returns the scans read.
async fn read_everything((store, runner): &(Store, JobRunner)) -> usize {
    let mut scans = 0;
    for t in store.tenants(runner).await.unwrap() {
        let scope = runner.scope(t.id);
        for c in store.connections(&scope).await.unwrap() {
            store.credentials(&scope, c.id).await.unwrap();
            for s in store.scans(&scope, Some(c.id)).await.unwrap() {
                store.load_result(&scope, s.id).await.unwrap();
                scans += 1;
            }
        }
    }
    scans
}

async fn seed(env: &Env, name: &str, at: i64) {
    let s = tenant(env, name).await;
    let c = connection(env, &s, "prod").await;
    record(env, &s, c, &demo_result(), at).await;
}

// ------------------------------------------------------- item 3: privacy

async fn every_file_is_private_from_its_creation(env: Env) {
    seed(&env, "a", 0).await;
    let dir = env.dir.path().join("new/backups");
    let mut seen = Vec::new();
    let files = env
        .store
        .backup_with_hook(
            env.runner(),
            &dir,
            policy(7, 7, 7),
            t(0),
            &mut |step, path| {
                // The file or directory the step just made, and everything else.
                assert!(path.exists(), "{step:?}: {}", path.display());
                assert_private(&dir, &format!("{step:?}"));
                seen.push(step);
                Ok(())
            },
        )
        .await
        .unwrap();
    assert!(seen.contains(&BackupStep::DataFileCreated), "{seen:?}");
    assert!(seen.contains(&BackupStep::KeysFileWritten), "{seen:?}");
    assert_private(&dir, "after the backup");
    assert_eq!(names(&dir).len(), 2, "{:?}", names(&dir));
    assert!(files.data.exists() && files.keys.exists());
    // A directory others may write to is refused, named, and left alone.
    use std::os::unix::fs::PermissionsExt;
    let open = env.dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = env
        .store
        .backup(env.runner(), &open, policy(7, 7, 7), t(1))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("open") && err.contains("writable by group or others"),
        "{err}"
    );
    assert!(names(&open).is_empty());
    assert_eq!(
        std::fs::metadata(&open).unwrap().permissions().mode() & 0o777,
        0o777
    );
}
both!(every_file_is_private_from_its_creation);

async fn a_backup_failing_at_any_step_leaves_nothing_and_still_prunes(env: Env) {
    seed(&env, "a", 0).await;
    let mut steps = Vec::new();
    let probe = env.dir.path().join("probe");
    env.store
        .backup_with_hook(env.runner(), &probe, policy(7, 7, 7), t(0), &mut |s, _| {
            steps.push(s);
            Ok(())
        })
        .await
        .unwrap();
    assert!(steps.len() >= 4, "{steps:?}");
    for (i, fail_at) in steps.iter().enumerate() {
        let dir = env.dir.path().join(format!("fail{i}"));
        std::fs::create_dir(&dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        // A key backup past its retention, from an earlier run.
        let stale = dir.join("cloudarq-keys-20200101T000000Z.json");
        std::fs::write(&stale, b"{}").unwrap();
        let err = env
            .store
            .backup_with_hook(env.runner(), &dir, policy(7, 7, 7), t(0), &mut |s, _| {
                if s == *fail_at {
                    Err("injected failure".into())
                } else {
                    Ok(())
                }
            })
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("injected failure"), "{fail_at:?}: {err}");
        assert!(
            names(&dir).is_empty(),
            "{fail_at:?}: left {:?} (the stale key backup must be pruned too)",
            names(&dir)
        );
    }
}
both!(a_backup_failing_at_any_step_leaves_nothing_and_still_prunes);

async fn a_backup_directory_with_uri_characters_works(env: Env) {
    seed(&env, "a", 0).await;
    let dir = env.dir.path().join("b?x#y%20z&mode=memory");
    let files = env
        .store
        .backup(env.runner(), &dir, policy(7, 7, 7), t(0))
        .await
        .unwrap();
    assert_private(&dir, "after the backup");
    let target = env.another_db("uri").await;
    let keyring = env.reopen_keyring();
    let restored = Store::restore(&target, &files.data, &files.keys, keyring)
        .await
        .unwrap();
    assert_eq!(read_everything(&restored).await, 1);
}
both!(a_backup_directory_with_uri_characters_works);

// ------------------------------------------------- item 4: one moment

/// Writers add tenants without pause while three backups are taken; every
/// backup restores with every value readable.
async fn backups_during_writes_restore_every_row(env: Env) {
    seed(&env, "seed", 0).await;
    let stop = AtomicBool::new(false);
    let runner = env.runner();
    let writer = async {
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            seed(&env, &format!("w{i}"), i).await;
            i += 1;
        }
        i
    };
    let rotator = async {
        // On SQLite writers and rotation are serialized, so rotation can run
        // beside them; on PostgreSQL it runs between backup steps below.
        let mut n = 0;
        while env.pg.is_none() && !stop.load(Ordering::Relaxed) {
            env.store
                .rotate(runner, RotateOptions::default(), t(n))
                .await
                .unwrap();
            n += 1;
        }
    };
    let backups = async {
        let mut out = Vec::new();
        for k in 0..3 {
            tokio::task::yield_now().await;
            out.push(
                env.store
                    .backup(
                        runner,
                        &env.dir.path().join(format!("b{k}")),
                        policy(7, 7, 7),
                        t(k),
                    )
                    .await
                    .unwrap(),
            );
        }
        stop.store(true, Ordering::Relaxed);
        out
    };
    let (written, (), files) = tokio::join!(writer, rotator, backups);
    assert!(written > 0);
    for (k, f) in files.iter().enumerate() {
        let target = env.another_db(&format!("during{k}")).await;
        let restored = Store::restore(&target, &f.data, &f.keys, env.reopen_keyring())
            .await
            .unwrap();
        assert!(read_everything(&restored).await >= 1);
        restored.0.close().await;
    }
}
both!(backups_during_writes_restore_every_row);

/// Between every two steps of a backup a tenant is added and every key
/// rotated (old data keys destroyed, rows re-encrypted): the backup is still
/// one moment, and restores with every value readable.
async fn tenants_and_rotations_between_backup_steps_restore_every_row(env: Env) {
    seed(&env, "seed", 0).await;
    let runner = env.runner();
    let dir = env.dir.path().join("backups");
    let mut n = 0;
    let rt = tokio::runtime::Handle::current();
    let files = env
        .store
        .backup_with_hook(runner, &dir, policy(7, 7, 7), t(0), &mut |_, _| {
            n += 1;
            tokio::task::block_in_place(|| {
                rt.block_on(async {
                    seed(&env, &format!("between{n}"), n).await;
                    let rep = env
                        .store
                        .rotate(runner, RotateOptions::default(), t(n))
                        .await
                        .unwrap();
                    assert!(rep.destroyed_data_keys > 0, "{rep:?}");
                })
            });
            Ok(())
        })
        .await
        .unwrap();
    let target = env.another_db("between").await;
    let restored = Store::restore(&target, &files.data, &files.keys, env.reopen_keyring())
        .await
        .unwrap();
    assert!(read_everything(&restored).await >= 1);
}
both!(tenants_and_rotations_between_backup_steps_restore_every_row);

async fn restore_refuses_a_key_backup_missing_a_key_in_use(env: Env) {
    seed(&env, "a", 0).await;
    seed(&env, "b", 0).await;
    let dir = env.dir.path().join("backups");
    let files = env
        .store
        .backup(env.runner(), &dir, policy(7, 7, 7), t(0))
        .await
        .unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files.keys).unwrap()).unwrap();
    let dropped = json["keys"].as_array_mut().unwrap().remove(0);
    let kid = u32::try_from(dropped["id"].as_i64().unwrap()).unwrap();
    let partial = env.dir.path().join("partial.json");
    std::fs::write(&partial, serde_json::to_vec(&json).unwrap()).unwrap();
    let target = env.another_db("partial").await;
    let err = Store::restore(&target, &files.data, &partial, env.reopen_keyring())
        .await
        .err()
        .unwrap();
    match &err {
        StoreError::MissingDataKeys { kids } => assert_eq!(kids, &[kid]),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains(&kid.to_string()), "{err}");
    if let Some(path) = target.strip_prefix("sqlite://") {
        let path = PathBuf::from(path);
        assert!(
            !path.exists(),
            "a refused SQLite restore leaves no database behind"
        );
    }
}
both!(restore_refuses_a_key_backup_missing_a_key_in_use);

// ------------------------------------------------- item 5: retention

async fn backups_are_pruned_by_age(env: Env) {
    seed(&env, "a", 0).await;
    let dir = env.dir.path().join("backups");
    let p = policy(7, 3, 5);
    for day in [0, 1, 2, 4] {
        env.store
            .backup(env.runner(), &dir, p, t(day * DAY))
            .await
            .unwrap();
    }
    let n = names(&dir);
    let kinds = |prefix: &str| -> Vec<String> {
        n.iter()
            .filter(|x| x.starts_with(prefix))
            .map(|x| x[14..22].to_string())
            .collect()
    };
    // Key backups: 3 days, so days 0 and 1 are gone at day 4; data: 5 days.
    let days: Vec<String> = [0, 1, 2, 4]
        .iter()
        .map(|d| {
            t(d * DAY)
                .date()
                .format(time::macros::format_description!("[year][month][day]"))
                .unwrap()
        })
        .collect();
    assert_eq!(
        kinds("cloudarq-keys-"),
        [days[2].clone(), days[3].clone()],
        "{n:?}"
    );
    assert_eq!(kinds("cloudarq-data-"), days, "{n:?}");
    // The count limit applies on top of age.
    let capped = BackupPolicy { keep: Some(1), ..p };
    env.store
        .backup(env.runner(), &dir, capped, t(5 * DAY))
        .await
        .unwrap();
    assert_eq!(names(&dir).len(), 2, "{:?}", names(&dir));
}
both!(backups_are_pruned_by_age);

/// A tenant deleted on day 1 under a 2-day purge delay, 3-day key and 4-day
/// data retention, with a backup and a purge every day: from day 1 + 2 +
/// max(3, 4) = 7 on, no backup holds anything of it; from its purge on, no
/// key backup holds its keys; and the live database file keeps none of it.
async fn the_30_day_promise_end_to_end(env: Env) {
    let runner = env.runner();
    seed(&env, "keeper", 0).await;
    let gone_name = "SENTINEL-tenant-to-forget";
    let gone = tenant(&env, gone_name).await;
    let c = connection(&env, &gone, "prod").await;
    record(&env, &gone, c, &demo_result(), 0).await;
    let gone_id = gone.tenant().to_string();
    let gone_keys: Vec<Vec<u8>> = match raw(&env).await {
        Raw::Sqlite(mut c) => {
            sqlx::query_scalar("SELECT wrapped_key FROM tenant_keys WHERE tenant_id = $1")
                .bind(gone.tenant().as_uuid())
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
        Raw::Pg(mut c) => {
            sqlx::query_scalar("SELECT wrapped_key FROM tenant_keys WHERE tenant_id = $1")
                .bind(gone.tenant().as_uuid())
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
    };
    assert!(!gone_keys.is_empty());
    let p = policy(2, 3, 4);
    let dir = env.dir.path().join("backups");
    let deleted_day = 1;
    let deadline = deleted_day + 2 + 4;
    for day in 0..=9 {
        if day == deleted_day {
            env.store
                .delete_tenant(runner, gone.tenant(), p.retention, t(day * DAY))
                .await
                .unwrap();
        }
        env.store
            .backup(runner, &dir, p, t(day * DAY))
            .await
            .unwrap();
        let done = env
            .store
            .purge_with_backups(runner, &dir, p, t(day * DAY + 3600))
            .await
            .unwrap();
        if day == deleted_day + 2 {
            assert_eq!(done.report.tenants, 1, "purged on day {day}");
            if let Some(file) = &env.sqlite_file {
                // secure_delete and the checkpoint: nothing left in the
                // database file or its WAL.
                for suffix in ["", "-wal"] {
                    let mut p = file.as_os_str().to_owned();
                    p.push(suffix);
                    let bytes = std::fs::read(PathBuf::from(p)).unwrap_or_default();
                    assert!(
                        !contains(&bytes, gone_name.as_bytes()),
                        "name in db{suffix}"
                    );
                    for k in &gone_keys {
                        assert!(!contains(&bytes, k), "wrapped key in db{suffix}");
                    }
                }
            }
        }
        for name in names(&dir) {
            let path = dir.join(&name);
            let bytes = std::fs::read(&path).unwrap();
            if name.starts_with("cloudarq-keys-") && day >= deleted_day + 2 {
                let text = String::from_utf8(bytes.clone()).unwrap();
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert!(
                    json["keys"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|k| k["tenant_id"] != gone_id.as_str()),
                    "day {day}: {name} still has the purged tenant's keys"
                );
            }
            if day >= deadline {
                // Every backup left was taken after the purge …
                let stamp = &name[14..29];
                let purge_stamp = t((deleted_day + 2) * DAY + 3600)
                    .format(time::macros::format_description!(
                        "[year][month][day]T[hour][minute][second]"
                    ))
                    .unwrap();
                assert!(
                    stamp > purge_stamp.as_str(),
                    "day {day}: {name} predates the purge"
                );
                // … and holds nothing of the tenant (SQLite copies are not
                // compressed, so its name would show).
                assert!(!contains(&bytes, gone_name.as_bytes()), "day {day}: {name}");
            }
        }
    }
}
both!(the_30_day_promise_end_to_end);
