//! Issue 9, end to end: the real `cloudarq` binary fed the hostile snapshot
//! and the hostile rule package of `cloudarq-core/tests/hostile/mod.rs`.
//!
//! The captured stdout and stderr bytes of `scan` (every format), `history
//! --diff`, `rules inspect|run|test` and of failing commands hold no raw
//! control or bidirectional character from the data (the CLI's own colours
//! are off: the output is not a terminal); every stderr line is one log
//! event; and the report files are valid, neutralized and escaped.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;
#[path = "../../cloudarq-core/tests/hostile/mod.rs"]
mod hostile;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cloudarq_core::wasm::{Limits, WasmHost};
use common::stderr;
use hostile::hazards;

/// Runs the binary with `home` as its data directory and guest log lines on.
fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(args)
        .env(
            "CLOUDARQ_LOG",
            "warn,cloudarq::wasm::guest=trace,cloudarq_core=debug,cloudarq_server=debug",
        )
        .env_remove("CLOUDARQ_DB")
        .env_remove("CLOUDARQ_KEYRING")
        .env_remove("CLOUDARQ_KEYRING_FILE")
        .env_remove("NO_COLOR")
        .env("CLOUDARQ_HOME", home)
        .output()
        .unwrap()
}

/// Asserts neither stream holds a raw control or bidi character, and that
/// every stderr line is one log event (or the final `error:` line).
fn assert_inert(what: &str, o: &Output) {
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let text = String::from_utf8(bytes.clone()).expect("UTF-8 output");
        assert_eq!(
            hazards(&text),
            Vec::<String>::new(),
            "{what}: raw characters on {stream}"
        );
    }
    for line in stderr(o).lines() {
        assert!(
            is_log_line(line) || line.starts_with("error: "),
            "{what}: stderr line is not one log event: {line:.200}"
        );
    }
}

/// `2026-03-14T09:26:53.123456Z  WARN target: …`: the subscriber's own
/// timestamp (with fractional seconds, which the forged corpus line lacks),
/// then a level.
fn is_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        r.into_iter()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    let frac = b.iter().skip(20).take_while(|c| c.is_ascii_digit()).count();
    let date_time = digits(0..4)
        && b.get(4) == Some(&b'-')
        && b.get(10) == Some(&b'T')
        && b.get(19) == Some(&b'.')
        && frac >= 3
        && b.get(20 + frac) == Some(&b'Z');
    date_time && {
        let rest = line[21 + frac..].trim_start();
        ["TRACE ", "DEBUG ", "INFO ", "WARN ", "ERROR "]
            .iter()
            .any(|l| rest.starts_with(l))
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    snapshot: PathBuf,
    package: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("hostile.json");
    std::fs::write(&snapshot, hostile::hostile_snapshot(true).0).unwrap();
    let package = dir.path().join("hostile-echo.wasm");
    let host = WasmHost::new(Limits::default()).unwrap();
    std::fs::write(&package, hostile::hostile_package(&host)).unwrap();
    Fixture {
        dir,
        snapshot,
        package,
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn issue_9_scan_and_history_print_hostile_data_inert() {
    let f = fixture();
    let home = f.dir.path().join("home");
    let out = f.dir.path().join("out");
    let first = run(
        &home,
        &[
            "scan",
            "--demo",
            "--connection",
            "acct",
            "--output-formats",
            "terminal",
        ],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let scan = run(
        &home,
        &[
            "scan",
            "--snapshot",
            s(&f.snapshot),
            "--rules",
            s(&f.package),
            "--connection",
            "acct",
            "--output-formats",
            "json,ocsf,csv,html,terminal",
            "--output-dir",
            s(&out),
        ],
    );
    assert!(scan.status.success(), "{}", stderr(&scan));
    assert_inert("scan", &scan);
    let stdout = String::from_utf8_lossy(&scan.stdout);
    assert!(stdout.contains(hostile::RULE_ID), "{stdout}");
    assert!(stdout.contains("Saved scan"), "{stdout}");
    // The guest's log lines arrived, each one line with its escapes visible.
    let err = stderr(&scan);
    let guest: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("cloudarq::wasm::guest"))
        .collect();
    // Each call logs the 17 strings in order, the first being `<script>…`;
    // the two regions make at least one call each (more when their
    // resources' JSON passes `Limits::batch_bytes`).
    let calls = guest
        .iter()
        .filter(|l| l.contains("cloudarq::wasm::guest: <script>alert(1)</script> package="))
        .count();
    assert!(calls >= 2, "one call per region at least:\n{err}");
    assert_eq!(guest.len(), 17 * calls, "17 lines per call:\n{err}");
    assert!(
        guest
            .iter()
            .any(|l| l.contains(r"line one\r\n2026-01-01T00:00:00Z  INFO cloudarq: forged line\n")),
        "{err}"
    );
    assert!(
        guest
            .iter()
            .any(|l| l.contains(r"\x1b]52;c;ZWNobyBwd25lZA==\x07")),
        "{err}"
    );
    assert_eq!(
        err.matches("forged line").count(),
        guest.iter().filter(|l| l.contains("forged line")).count()
    );

    // History lists the new failures with their hostile ARNs, escaped.
    let history = run(&home, &["history", "--connection", "acct", "--diff"]);
    assert!(history.status.success(), "{}", stderr(&history));
    assert_inert("history", &history);
    let text = String::from_utf8_lossy(&history.stdout);
    assert!(
        text.contains(r#"=cmd|' /C calc'!A0\u{202e}gnp.exe"#),
        "{text}"
    );

    // Every report file: JSON and OCSF parse, CSV is neutralized and escaped.
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 4, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.to_string_lossy();
        if name.ends_with(".json") {
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(
                doc.to_string()
                    .contains(&serde_json::to_string(&hostile::long_string()).unwrap())
            );
        } else if name.ends_with(".csv") {
            assert_eq!(hazards(&text), Vec::<String>::new(), "{name}");
            assert!(text.contains("'=cmd|' /C calc'!A0"), "{name}");
        } else {
            assert!(name.ends_with(".html"));
            assert_eq!(text.matches("<script").count(), 1);
            assert!(!text.contains("<img"));
        }
    }
}

#[test]
fn issue_9_rules_commands_print_package_output_inert() {
    let f = fixture();
    let home = f.dir.path().join("home");
    let inspect = run(&home, &["rules", "inspect", s(&f.package)]);
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    assert_inert("rules inspect", &inspect);
    assert!(String::from_utf8_lossy(&inspect.stdout).contains(hostile::TITLE));

    let rules_run = run(
        &home,
        &["rules", "run", s(&f.package), "--snapshot", s(&f.snapshot)],
    );
    assert!(rules_run.status.success(), "{}", stderr(&rules_run));
    assert_inert("rules run", &rules_run);
    let text = String::from_utf8_lossy(&rules_run.stdout);
    assert!(text.contains(r"\x1b[31mred\x1b[0m\x1b[2J"), "{text:.2000}");

    let cases = f.dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    std::fs::copy(&f.snapshot, cases.join("hostile.snapshot.json")).unwrap();
    std::fs::write(cases.join("hostile.expected.json"), "[]").unwrap();
    let test = run(
        &home,
        &["rules", "test", s(&cases), "--package", s(&f.package)],
    );
    assert_eq!(test.status.code(), Some(1), "{}", stderr(&test));
    assert_inert("rules test", &test);
    assert!(String::from_utf8_lossy(&test.stdout).contains("got, unexpected"));
}

#[test]
fn issue_9_errors_quoting_hostile_input_are_escaped() {
    let f = fixture();
    let home = f.dir.path().join("home");
    // serde quotes the unknown variant it read: here with an ESC inside.
    let mut doc: serde_json::Value = serde_json::from_str(hostile::DEMO).unwrap();
    let r = &mut doc["resources"][0]["properties"];
    let props = r.as_object_mut().unwrap();
    let (_, value) = props
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    props.clear();
    props.insert("AWS::EC2::\x1b]52;c;ZXZpbA==\x07\u{202e}Evil".into(), value);
    let crafted = f.dir.path().join("crafted.json");
    std::fs::write(&crafted, doc.to_string()).unwrap();
    // A mutelist whose unknown field carries a cursor move.
    let mutelist = f.dir.path().join("mute.toml");
    std::fs::write(
        &mutelist,
        "[[mute]]\nrule = \"*\"\nresource = \"*\"\nreason = \"r\"\n\"\\u001b[1A\\u001b[2Kx\" = 1\n",
    )
    .unwrap();
    // Package metadata naming a resource type with an ESC (same length, so
    // the custom section stays well-formed).
    let package = std::fs::read(&f.package).unwrap();
    let (from, to) = (
        br#""AWS::EC2::SecurityGroup""#.as_slice(),
        br#""\u001b[1mAWS::EC2::Evil""#.as_slice(),
    );
    assert_eq!(from.len(), to.len());
    // The last copy is the metadata section (the guest's data holds another).
    let at = package
        .windows(from.len())
        .rposition(|w| w == from)
        .unwrap();
    let mut bad_package = package.clone();
    bad_package[at..at + from.len()].copy_from_slice(to);
    let bad = f.dir.path().join("bad.wasm");
    std::fs::write(&bad, bad_package).unwrap();

    let out = f.dir.path().join("out");
    for (args, quoted) in [
        (
            vec![
                "scan",
                "--no-store",
                "--output-dir",
                s(&out),
                "--snapshot",
                s(&crafted),
            ],
            r"AWS::EC2::\x1b]52;c;ZXZpbA==\x07\u{202e}Evil",
        ),
        (
            vec![
                "scan",
                "--no-store",
                "--output-dir",
                s(&out),
                "--demo",
                "--mutelist",
                s(&mutelist),
            ],
            r"\x1b[1A\x1b[2Kx",
        ),
        (vec!["rules", "inspect", s(&bad)], r"\x1b[1mAWS::EC2::Evil"),
    ] {
        let o = run(&home, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_inert(&format!("{args:?}"), &o);
        assert!(stderr(&o).contains(quoted), "{args:?}: {}", stderr(&o));
    }
    assert!(!out.exists(), "nothing written");
}
