//! Issue 9 §4: `cloudarq scan` options. A value repeated in a
//! comma-separated option counts once; every option is checked before
//! anything is written (no report, no store, no keyring); a mutelist past its
//! size limit is refused without reading it.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::process::Command;

use common::{cloudarq_in, files_in, stderr, stdout};

#[test]
fn issue_9_repeated_values_count_once() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let o = cloudarq_in(
        home.path(),
        &[
            "scan",
            "--demo",
            "--compliance",
            "cis_aws_3.0,aws_fsbp,cis_aws_3.0",
            "--output-formats",
            "json,terminal,json",
            "--output-dir",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = files_in(&out);
    assert_eq!(files.len(), 1, "{files:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(&files[0])).unwrap()).unwrap();
    let scored: Vec<&str> = report["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["framework"].as_str().unwrap())
        .collect();
    assert_eq!(scored, ["cis_aws_3.0", "aws_fsbp"]);
    let text = stdout(&o);
    assert_eq!(
        text.matches("CloudArq scan of AWS account").count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("Trend cis_aws_3.0").count(), 1, "{text}");
}

#[test]
fn issue_9_every_option_is_checked_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let a_file = dir.path().join("a-file");
    std::fs::write(&a_file, "mine").unwrap();
    let missing_dir = dir.path().join("no-such-dir/snap.json");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--regions", "eu-west-1,Europe"], "\"Europe\""),
        (vec!["--services", "iam,dynamodb"], "\"dynamodb\""),
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
            vec!["--demo", "--output-dir", a_file.to_str().unwrap()],
            "is not a directory",
        ),
        (
            vec!["--demo", "--save-snapshot", missing_dir.to_str().unwrap()],
            "--save-snapshot",
        ),
        (
            vec!["--demo", "--connection", "bad\x1b[2Kname"],
            "--connection",
        ),
        (vec!["--demo", "--connection", " "], "--connection"),
        (
            vec!["--demo", "--compliance", "cis_aws_3.0,nope"],
            "\"nope\"",
        ),
        (vec!["--demo", "--fail-on", "severe"], "severe"),
    ];
    for (args, needle) in cases {
        let home = tempfile::tempdir().unwrap();
        let out = home.path().join("out");
        let mut all = vec!["scan"];
        if !args.contains(&"--output-dir") {
            all.extend(["--output-dir", out.to_str().unwrap()]);
        }
        all.extend(args.iter().copied());
        let o = cloudarq_in(home.path(), &all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{all:?}: {}", stderr(&o));
        assert_eq!(
            files_in(home.path()),
            Vec::<String>::new(),
            "{all:?} wrote to the data directory or the output directory"
        );
        assert_eq!(std::fs::read_to_string(&a_file).unwrap(), "mine");
    }
}

/// A 300 MiB sparse mutelist, with the process's data segment limited to
/// 256 MiB: reading the file whole would abort the process; it is refused
/// from its size.
#[test]
fn issue_9_an_oversized_mutelist_is_refused_without_reading_it() {
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    let o = Command::new("sh")
        .args(["-c", "ulimit -d 262144 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_cloudarq"))
        .args([
            "scan",
            "--demo",
            "--no-store",
            "--output-formats",
            "terminal",
            "--mutelist",
        ])
        .arg(&big)
        .env("CLOUDARQ_HOME", home.path())
        .env_remove("CLOUDARQ_LOG")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is 314572800 bytes, over the limit of 4194304 bytes"),
        "{}",
        stderr(&o)
    );
}

/// Files handed to `scan` that are not regular files (a FIFO no one writes,
/// an endless device) are refused from their type, before any read: no hang
/// (the run is killed after 20 s) and no memory growth (data segment limited
/// to 256 MiB).
#[test]
fn issue_9_non_regular_input_files_are_refused_without_reading() {
    let home = tempfile::tempdir().unwrap();
    let fifo = home.path().join("input.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    for (option, file, kind) in [
        ("--snapshot", fifo, "FIFO"),
        ("--snapshot", "/dev/zero", "character device"),
        ("--mutelist", fifo, "not a regular file"),
        ("--mutelist", "/dev/zero", "not a regular file"),
        ("--trust-policy", fifo, "FIFO"),
        ("--trust-policy", "/dev/zero", "character device"),
        ("--rules-settings", fifo, "FIFO"),
    ] {
        let mut args = vec!["scan", "--no-store", "--output-formats", "terminal"];
        if option != "--snapshot" {
            args.push("--demo");
        }
        if option == "--trust-policy" || option == "--rules-settings" {
            args.extend(["--rules", "/nonexistent-package.wasm"]);
        }
        args.extend([option, file]);
        let o = Command::new("sh")
            .args(["-c", "ulimit -d 262144 && exec timeout 20 \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_cloudarq"))
            .args(&args)
            .env("CLOUDARQ_HOME", home.path())
            .env_remove("CLOUDARQ_LOG")
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(file) && err.contains(kind), "{args:?}: {err}");
    }
}
