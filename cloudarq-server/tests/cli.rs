//! The `cloudarq` binary end to end: the demo main job, exit codes, and bad
//! input that must fail clearly and write nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::Path;

use common::{cloudarq, cloudarq_in, files_in, stderr, stdout};

#[test]
fn demo_scan_writes_every_report_and_prints_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "json,ocsf,csv,html,terminal",
        "--output-dir",
        out_dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("CloudArq scan of AWS account 123456789012"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CIS Amazon Web Services Foundations Benchmark v3.0.0"),
        "{stdout}"
    );
    let mut files = files_in(&out_dir);
    files.sort();
    let exts: Vec<&str> = files
        .iter()
        .map(|f| f.rsplit('.').next().unwrap())
        .collect();
    assert_eq!(exts.len(), 4, "{files:?}");
    for ext in ["csv", "html", "json"] {
        assert!(exts.contains(&ext), "{files:?}");
    }
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "json",
        "--output-dir",
        d,
        "--fail-on",
        "critical",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the demo has critical failures: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "json",
        "--output-dir",
        d,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{\"format\":\"cloudarq.snapshot\",").unwrap();
    let old = dir.path().join("old.json");
    std::fs::write(&old, r#"{"format":"cloudarq.snapshot","version":0}"#).unwrap();
    let bad_glob = dir.path().join("glob.toml");
    std::fs::write(&bad_glob, "[[mute]]\nrule = \"s3_bucket_object_versioning\"\nresource = \"arn:aws:s3:::[oops\"\nreason = \"x\"\n").unwrap();
    let bad_rule = dir.path().join("rule.toml");
    std::fs::write(
        &bad_rule,
        "[[mute]]\nrule = \"s3_no_such_rule\"\nresource = \"*\"\nreason = \"x\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--snapshot", corrupt.to_str().unwrap()],
            "corrupt.json",
        ),
        (vec!["--snapshot", old.to_str().unwrap()], "version 0"),
        (
            vec!["--demo", "--mutelist", bad_glob.to_str().unwrap()],
            "glob.toml",
        ),
        (
            vec!["--demo", "--mutelist", bad_rule.to_str().unwrap()],
            "s3_no_such_rule",
        ),
        (vec!["--demo", "--compliance", "cis_aws_9.9"], "cis_aws_9.9"),
        // The framework lookup lists the known ids (issue 10 §1).
        (
            vec!["--demo", "--compliance", "cis_aws_9.9"],
            "expected one of cis_aws_3.0, cis_aws_7.0, aws_fsbp, nist_800_53_r5",
        ),
        (vec!["--demo", "--output-formats", "json,pdf"], "pdf"),
        (vec!["--demo", "--fail-on", "severe"], "severe"),
        (
            vec![
                "--role-arn",
                "arn:aws:iam::123:role/x",
                "--external-id",
                "abc",
            ],
            "arn:aws:iam::123:role/x",
        ),
        (
            vec![
                "--role-arn",
                "arn:aws:iam::123456789012:role/x",
                "--external-id",
                "bad id",
            ],
            "External ID",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["scan", "--output-dir", out_s];
        all.extend(args.iter().copied());
        let o = cloudarq(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "{all:?}: error should name {needle:?}: {}",
            stderr(&o)
        );
        assert!(
            files_in(&out).is_empty(),
            "{all:?} wrote {:?}",
            files_in(&out)
        );
    }
}

#[test]
fn rules_list_and_show() {
    let o = cloudarq(&["rules", "list"]);
    assert!(o.status.success());
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(list.lines().count() >= 80, "{list}");
    assert!(list.contains("s3_bucket_object_versioning"));
    let o = cloudarq(&["rules", "show", "iam_root_mfa_enabled"]);
    assert!(o.status.success());
    let show = String::from_utf8_lossy(&o.stdout);
    assert!(
        show.contains("remediation (CLI)") && show.contains("cis_aws_3.0"),
        "{show}"
    );
    let o = cloudarq(&["rules", "show", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule id \"nope\""));
}

#[test]
fn two_demo_runs_show_a_trend_and_history() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let out = out.to_str().unwrap();
    let first = cloudarq_in(home.path(), &["scan", "--demo", "--output-dir", out]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("Trend cis_aws_7.0  17.2% (1 scan)"),
        "{}",
        stdout(&first)
    );
    let second = cloudarq_in(home.path(), &["scan", "--demo", "--output-dir", out]);
    assert!(second.status.success(), "{}", stderr(&second));
    let text = stdout(&second);
    assert!(
        text.contains("Trend cis_aws_7.0  17.2% → 17.2% (2 scans)"),
        "{text}"
    );
    assert!(text.contains("0 new failures, 0 resolved"), "{text}");
    // The store and the keyring are owner-only files in the data directory.
    use std::os::unix::fs::PermissionsExt;
    for f in ["cloudarq.db", "keyring.toml"] {
        let mode = std::fs::metadata(home.path().join(f))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{f} mode {mode:o}");
    }
    let h = cloudarq_in(
        home.path(),
        &[
            "history",
            "--connection",
            "demo",
            "--framework",
            "aws_fsbp",
            "--diff",
        ],
    );
    assert!(h.status.success(), "{}", stderr(&h));
    let text = stdout(&h);
    assert!(
        text.contains("demo (account 123456789012): 2 scans"),
        "{text}"
    );
    assert_eq!(text.matches("13.9%").count(), 2, "{text}");
    assert!(text.contains("0 new, 0 resolved"), "{text}");
    // --no-store leaves the store alone.
    let o = cloudarq_in(
        home.path(),
        &[
            "scan",
            "--demo",
            "--no-store",
            "--output-formats",
            "terminal",
        ],
    );
    assert!(o.status.success() && !stdout(&o).contains("Saved scan"));
    let h = cloudarq_in(home.path(), &["history"]);
    assert!(stdout(&h).contains("2 scans"), "{}", stdout(&h));
    // Bad input names what was wrong.
    for (args, needle) in [
        (
            vec!["history", "--connection", "nope"],
            "unknown connection \"nope\"",
        ),
        (vec!["history", "--framework", "cis_aws_9.9"], "cis_aws_9.9"),
        (vec!["--db", "mysql://x", "history"], "mysql://x"),
        (vec!["keys", "promote", "9"], "no key 9"),
    ] {
        let o = cloudarq_in(home.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_missing_keyring_is_refused_when_a_database_exists() {
    let home = tempfile::tempdir().unwrap();
    let o = cloudarq_in(
        home.path(),
        &["scan", "--demo", "--output-formats", "terminal"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(home.path().join("keyring.toml")).unwrap();
    let out = home.path().join("out");
    let o = cloudarq_in(
        home.path(),
        &["scan", "--demo", "--output-dir", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("keyring.toml does not exist"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("CLOUDARQ_KEYRING"), "{}", stderr(&o));
    assert!(files_in(&out).is_empty(), "nothing written");
    assert!(
        !home.path().join("keyring.toml").exists(),
        "no new keyring over existing data"
    );
}

#[test]
fn keys_rotation_backup_and_restore_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let run = |args: &[&str]| {
        let o = cloudarq_in(h, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    run(&["scan", "--demo", "--output-formats", "terminal"]);
    let status = run(&["keys", "status"]);
    assert!(status.contains("master keys (primary: 1)"), "{status}");
    assert!(run(&["keys", "add"]).contains("added master key 2"));
    run(&["keys", "promote", "2"]);
    let o = cloudarq_in(h, &["keys", "remove", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("master key 1 still wraps 1 data key(s)"),
        "{}",
        stderr(&o)
    );
    let rotated = run(&["keys", "rotate", "--batch", "50"]);
    assert!(rotated.contains("1 old data key(s) destroyed"), "{rotated}");
    // For a service: the rotation queued for its workers, nothing run here.
    let queued = run(&["keys", "rotate", "--queue"]);
    assert!(
        queued.starts_with("rotation queued as maintenance run "),
        "{queued}"
    );
    assert!(
        run(&["keys", "status"]).contains("master keys (primary: 2)"),
        "a queued rotation changes nothing yet"
    );
    let o = cloudarq_in(h, &["keys", "rotate", "--queue", "--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    run(&["keys", "remove", "1"]);
    let status = run(&["keys", "status"]);
    assert!(
        status.contains("master keys (primary: 2)") && !status.contains("\n     1  wraps"),
        "{status}"
    );

    let backups = h.join("backups");
    let b = run(&["backup", "--dir", backups.to_str().unwrap(), "--keep", "3"]);
    assert!(b.contains("backup written"), "{b}");
    let o = cloudarq_in(
        h,
        &[
            "backup",
            "--dir",
            backups.to_str().unwrap(),
            "--purge-delay-days",
            "20",
            "--key-retention-days",
            "14",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("purge delay 20 days") && stderr(&o).contains("14 days"),
        "{}",
        stderr(&o)
    );
    let mut files = files_in(&backups);
    files.sort();
    let data = backups.join(
        files
            .iter()
            .find(|f| f.starts_with("cloudarq-data-"))
            .unwrap(),
    );
    let keys = backups.join(
        files
            .iter()
            .find(|f| f.starts_with("cloudarq-keys-"))
            .unwrap(),
    );
    let target = h.join("restored.db");
    let url = format!("sqlite://{}", target.display());
    let r = run(&[
        "--db",
        &url,
        "restore",
        data.to_str().unwrap(),
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert!(r.contains("restored") && r.contains("1 data key(s)"), "{r}");
    let hist = run(&["--db", &url, "history", "--diff"]);
    assert!(
        hist.contains("demo (account 123456789012): 1 scan"),
        "{hist}"
    );
    // Restoring over the live database is refused.
    let o = cloudarq_in(
        h,
        &[
            "--db",
            &url,
            "restore",
            data.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(run(&["purge"]).contains("purged 0 connection(s)"));
}

// ------------------------------------------- files holding secrets (issue 16)

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn the_first_run_makes_a_private_data_directory_of_private_files() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path().join("fresh/cloudarq");
    let o = cloudarq_in(&home, &["scan", "--demo", "--output-formats", "terminal"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for d in [t.path().join("fresh"), home.clone()] {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
    }
    let names = files_in(&home);
    for f in ["cloudarq.db", "keyring.toml"] {
        assert!(names.iter().any(|n| n == f), "{names:?}");
    }
    for f in &names {
        assert_eq!(mode(&home.join(f)), 0o600, "{f}");
    }
}

#[test]
fn links_planted_in_the_data_directory_receive_no_key_material() {
    let home = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let mut targets = Vec::new();
    // The old temporary names of the keyring, and the database's WAL.
    for name in ["keyring.tmp", "keyring.toml.tmp", "cloudarq.db-wal"] {
        let target = outside.path().join(name);
        std::os::unix::fs::symlink(&target, home.path().join(name)).unwrap();
        targets.push(target);
    }
    let o = cloudarq_in(
        home.path(),
        &["scan", "--demo", "--output-formats", "terminal"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cloudarq.db-wal") && stderr(&o).contains("symbolic link"),
        "{}",
        stderr(&o)
    );
    for t in &targets {
        assert!(!t.exists(), "{} received data", t.display());
    }
    // A link at the keyring's own name is refused, never followed.
    let home = tempfile::tempdir().unwrap();
    let target = outside.path().join("stolen.toml");
    std::os::unix::fs::symlink(&target, home.path().join("keyring.toml")).unwrap();
    let o = cloudarq_in(
        home.path(),
        &["scan", "--demo", "--output-formats", "terminal"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("keyring.toml"), "{}", stderr(&o));
    assert!(!target.exists());
}

#[test]
fn a_retention_policy_that_wraps_or_breaks_the_promise_is_refused_first() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("backups");
    let d = dir.to_str().unwrap();
    for (args, needle) in [
        (
            vec![
                "backup",
                "--dir",
                d,
                "--purge-delay-days",
                "7",
                "--key-retention-days",
                "4294967290",
            ],
            "4294967297 days",
        ),
        (
            vec!["backup", "--dir", d, "--data-retention-days", "24"],
            "data backup retention 24 days",
        ),
        (
            vec!["purge", "--backup-dir", d, "--purge-delay-days", "31"],
            "30 days",
        ),
        (vec!["backup", "--dir", d, "--keep", "0"], "keep"),
    ] {
        let o = cloudarq_in(home.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!dir.exists(), "{args:?} wrote a backup");
        assert!(
            files_in(home.path()).is_empty(),
            "{args:?} opened the store"
        );
    }
}

/// A `pg_dump`/`pg_restore` stand-in that records its arguments and
/// environment in `record`, and writes a few bytes as the dump.
fn fake_pg_tool(bin: &Path, name: &str, record: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let script = format!(
        "#!/bin/sh\n{{ for a in \"$@\"; do printf 'ARG %s\\n' \"$a\"; done; env | sed 's/^/ENV /'; }} > '{}'\nprintf 'PGDMP'\n",
        record.display()
    );
    let p = bin.join(name);
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn pg_dump_and_pg_restore_get_no_secret_in_argv_and_no_keyring_in_env() {
    let pg = cloudarq_store::testing::PgCluster::start().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(pg.create_db("source")).unwrap();
    rt.block_on(pg.create_db("target")).unwrap();
    let t = tempfile::tempdir().unwrap();
    let bin = t.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let dump_rec = t.path().join("pg_dump.txt");
    let restore_rec = t.path().join("pg_restore.txt");
    fake_pg_tool(&bin, "pg_dump", &dump_rec);
    fake_pg_tool(&bin, "pg_restore", &restore_rec);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    // 32 bytes of 0x42, in base64.
    let keyring = "primary = 1\n[[key]]\nid = 1\nmaterial = \"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=\"\n";
    let port = pg.port();
    let url = |db: &str| {
        format!(
            "postgres://postgres:S3CRET-PW-1@127.0.0.1:{port}/{db}?sslmode=disable&application_name=cloudarq"
        )
    };
    let backups = t.path().join("backups");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cloudarq"))
            .args(args)
            .env_remove("CLOUDARQ_DB")
            .env_remove("CLOUDARQ_KEYRING_FILE")
            .env("CLOUDARQ_HOME", t.path().join("home"))
            .env("CLOUDARQ_KEYRING", keyring)
            .env("CLOUDARQ_LOG", "debug")
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let src = url("source");
    let o = run(&["--db", &src, "backup", "--dir", backups.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut names = files_in(&backups);
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    for n in &names {
        assert_eq!(mode(&backups.join(n)), 0o600, "{n}");
    }
    let o2 = run(&[
        "--db",
        &url("target"),
        "restore",
        backups.join(&names[0]).to_str().unwrap(),
        "--keys",
        backups.join(&names[1]).to_str().unwrap(),
    ]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    for (rec, tool) in [(&dump_rec, "pg_dump"), (&restore_rec, "pg_restore")] {
        let text = std::fs::read_to_string(rec).unwrap();
        let args: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ARG "))
            .collect();
        let env: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ENV "))
            .collect();
        assert!(!args.is_empty() && !env.is_empty(), "{tool}: {text}");
        assert!(
            args.iter().all(|a| !a.contains("S3CRET")),
            "{tool} argv shows the password: {args:?}"
        );
        assert!(
            args.iter()
                .any(|a| a.starts_with("--dbname=postgres://postgres@127.0.0.1:")),
            "{tool}: {args:?}"
        );
        assert!(env.contains(&"PGPASSWORD=S3CRET-PW-1"), "{tool}: {env:?}");
        assert!(
            env.iter().all(|e| !e.starts_with("CLOUDARQ_")),
            "{tool} inherited {env:?}"
        );
    }
    let dump_args = std::fs::read_to_string(&dump_rec).unwrap();
    assert!(dump_args.contains("ARG --snapshot="), "{dump_args}");
    for o in [&o, &o2] {
        let all = format!("{}{}", stdout(o), stderr(o));
        assert!(!all.contains("S3CRET"), "{all}");
    }
}

/// Issue 16, item 2: on PostgreSQL, maintenance as a schema owner without
/// BYPASSRLS (row-level security is forced, so it sees no tenant's rows) is
/// refused with the missing attribute and the fix, and changes nothing.
#[test]
fn keys_remove_as_an_owner_without_bypassrls_is_refused() {
    let pg = cloudarq_store::testing::PgCluster::start().unwrap();
    let url = pg
        .create_owned_db("cloudarq", "cloudarq_owner", true)
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let keyring = h.join("keyring.toml");
    cloudarq_store::Keyring::create_file(&keyring).unwrap();
    let run = |args: &[&str]| {
        let o = cloudarq_in(h, &[&["--db", url.as_str()], args].concat());
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    run(&["scan", "--demo", "--output-formats", "terminal"]);
    run(&["keys", "add"]);
    run(&["keys", "promote", "2"]);
    pg.set_bypass_rls("cloudarq_owner", false).unwrap();
    let before = std::fs::read(&keyring).unwrap();
    let o = cloudarq_in(h, &["--db", url.as_str(), "keys", "remove", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("\"cloudarq_owner\" lacks BYPASSRLS")
            && err.contains("ALTER ROLE \"cloudarq_owner\" BYPASSRLS"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&keyring).unwrap(),
        before,
        "key 1 is still there"
    );
}

/// First runs at once in a new data directory all succeed: the keyring, the
/// local tenant and the connection are created by one and found by the rest.
#[test]
fn concurrent_first_scans_all_succeed() {
    let home = tempfile::tempdir().unwrap();
    let outs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let runs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = outs
            .iter()
            .map(|o| {
                let home = home.path();
                s.spawn(move || {
                    cloudarq_in(
                        home,
                        &[
                            "scan",
                            "--demo",
                            "--output-formats",
                            "json",
                            "--output-dir",
                            o.path().to_str().unwrap(),
                        ],
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in &runs {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let history = cloudarq_in(home.path(), &["history"]);
    assert!(
        String::from_utf8_lossy(&history.stdout).contains("4 scans"),
        "{}",
        String::from_utf8_lossy(&history.stdout)
    );
}

#[test]
fn organization_scans_refuse_bad_lists_before_any_work() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let out = h.join("out");
    let base = [
        "scan",
        "--organization",
        "--role-arn",
        "arn:aws:iam::123456789012:role/CloudArqAudit",
        "--external-id",
        "cloudarq-org-0001",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--output-dir",
        out.to_str().unwrap(),
    ];
    for (flag, value, named) in [
        ("--exclude-ous", "ou-ok-1,\x1b[2Jhostile", "--exclude-ous"),
        ("--include-ous", "sandbox", "--include-ous"),
        ("--include-accounts", "12345", "--include-accounts"),
        (
            "--exclude-accounts",
            "123456789012,abc",
            "--exclude-accounts",
        ),
        ("--member-role-name", "bad name!", "--member-role-name"),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value]);
        let o = cloudarq_in(h, &args);
        assert_eq!(o.status.code(), Some(2), "{flag}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(named), "{flag}: {err}");
        assert!(!err.contains('\x1b'), "{flag}: raw escape in {err:?}");
        assert!(!out.exists(), "{flag}: nothing written");
    }
    // An organization scan is not a demo, and needs the management role.
    let o = cloudarq_in(h, &["scan", "--organization", "--demo"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
