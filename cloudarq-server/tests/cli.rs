//! The `cloudarq` binary end to end: the demo main job, exit codes, and bad
//! input that must fail clearly and write nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::Path;
use std::process::{Command, Output};

fn cloudarq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(args)
        .env_remove("CLOUDARQ_LOG")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

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
    assert_eq!(o.status.code(), Some(1), "the demo has critical failures");
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "json",
        "--output-dir",
        d,
    ]);
    assert_eq!(o.status.code(), Some(0));
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
