//! `cloudarq rules …` for WebAssembly packages and `cloudarq scan --rules`,
//! driven through the binary with the example package
//! (`examples/wasm-rule-tag-owner`).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::cloudarq;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn example() -> PathBuf {
    root().join("examples/wasm-rule-tag-owner")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The example package copied into a fresh directory (so signatures stay local).
fn package_copy(dir: &Path) -> PathBuf {
    let p = dir.join("tag-owner.wasm");
    std::fs::copy(example().join("tag-owner.wasm"), &p).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn inspect_shows_metadata_contract_and_imports() {
    let o = cloudarq(&["rules", "inspect", s(&example().join("tag-owner.wasm"))]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("package:   acme-tag-owner 1.0.0"), "{t}");
    assert!(t.contains("contract:  1.0.0 (exports 1.0.0)"), "{t}");
    assert!(
        t.contains("imports:   cloudarq:rule/host@1.0.0, cloudarq:rule/types@1.0.0"),
        "{t}"
    );
    assert!(t.contains("rule acme_s3_bucket_owner_tag [low]"), "{t}");
}

#[test]
fn inspect_refuses_a_file_that_is_not_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.wasm");
    std::fs::write(&f, b"not wasm").unwrap();
    let o = cloudarq(&["rules", "inspect", s(&f)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("not a WebAssembly rule component"),
        "{}",
        text(&o)
    );
}

#[test]
fn run_prints_findings_and_usage_against_the_limits() {
    let fx = example().join("fixtures");
    let o = cloudarq(&[
        "rules",
        "run",
        s(&example().join("tag-owner.wasm")),
        "--snapshot",
        s(&fx.join("tagged.snapshot.json")),
        "--settings",
        s(&fx.join("settings.json")),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("PASS   acme_s3_bucket_owner_tag"), "{t}");
    assert!(t.contains("not an address in acme.example"), "{t}");
    assert!(t.contains("fuel:   busiest call"), "{t}");
    assert!(t.contains("of 65536 KiB"), "{t}");
    assert!(t.contains("of the 10000 ms deadline"), "{t}");
}

#[test]
fn golden_fixtures_pass_and_a_changed_expectation_fails() {
    let o = cloudarq(&[
        "rules",
        "test",
        s(&example().join("fixtures")),
        "--package",
        s(&example().join("tag-owner.wasm")),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("rules test: 2 passed, 0 failed"),
        "{}",
        text(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    for f in [
        "settings.json",
        "tagged.snapshot.json",
        "tagged.expected.json",
    ] {
        std::fs::copy(example().join("fixtures").join(f), dir.path().join(f)).unwrap();
    }
    let exp = dir.path().join("tagged.expected.json");
    let changed = std::fs::read_to_string(&exp)
        .unwrap()
        .replacen("\"PASS\"", "\"FAIL\"", 1);
    std::fs::write(&exp, changed).unwrap();
    let o = cloudarq(&[
        "rules",
        "test",
        s(dir.path()),
        "--package",
        s(&example().join("tag-owner.wasm")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("expected, missing"), "{}", text(&o));
}

#[test]
fn keygen_sign_verify_and_a_tampered_package() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package_copy(dir.path());
    let key = dir.path().join("key.json");
    let o = cloudarq(&["rules", "keygen", "--out", s(&key)]);
    assert!(o.status.success(), "{}", text(&o));
    let public = String::from_utf8_lossy(&o.stdout).trim().to_owned();
    assert!(public.starts_with("ed25519:"), "{public}");
    // keygen never overwrites a key.
    assert_eq!(
        cloudarq(&["rules", "keygen", "--out", s(&key)])
            .status
            .code(),
        Some(2)
    );

    // Unsigned: refused.
    let o = cloudarq(&["rules", "verify", s(&pkg)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no signature"), "{}", text(&o));

    assert!(
        cloudarq(&["rules", "sign", s(&pkg), "--key", s(&key)])
            .status
            .success()
    );
    let policy = dir.path().join("trust.toml");
    std::fs::write(
        &policy,
        format!("[[key]]\nname = \"acme\"\npublic_key = \"{public}\"\n"),
    )
    .unwrap();
    let o = cloudarq(&["rules", "verify", s(&pkg), "--trust-policy", s(&policy)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("signed by trusted key \"acme\""),
        "{}",
        text(&o)
    );

    let mut bytes = std::fs::read(&pkg).unwrap();
    let i = bytes.len() - 10;
    bytes[i] ^= 1;
    std::fs::write(&pkg, bytes).unwrap();
    let o = cloudarq(&["rules", "verify", s(&pkg), "--trust-policy", s(&policy)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("does not match"), "{}", text(&o));
}

#[test]
fn scan_with_rules_merges_wasm_findings_into_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "json",
        "--output-dir",
        s(&out),
        "--rules",
        s(&example().join("tag-owner.wasm")),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let json = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let findings = result["findings"].as_array().unwrap();
    let wasm = findings
        .iter()
        .filter(|f| f["rule_id"] == "acme_s3_bucket_owner_tag")
        .count();
    assert_eq!(wasm, 3, "one finding per demo bucket");
    assert!(
        findings
            .iter()
            .any(|f| f["rule_id"] == "s3_bucket_object_versioning")
    );
}

#[test]
fn a_mutelist_can_mute_a_wasm_rule_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mutes = dir.path().join("mutes.toml");
    std::fs::write(
        &mutes,
        "[[mute]]\nrule = \"acme_s3_bucket_owner_tag\"\nresource = \"arn:aws:s3:::acme-backups\"\nreason = \"legacy bucket\"\n",
    )
    .unwrap();
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "json",
        "--output-dir",
        s(&out),
        "--rules",
        s(&example().join("tag-owner.wasm")),
        "--mutelist",
        s(&mutes),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let json = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let muted: Vec<_> = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "MUTED")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap(),
                f["resource_arn"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        muted,
        [("acme_s3_bucket_owner_tag", "arn:aws:s3:::acme-backups")]
    );
    // Without the package the id is unknown, as before.
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "terminal",
        "--mutelist",
        s(&mutes),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("unknown rule id"), "{}", text(&o));
}

#[test]
fn scan_with_a_trust_policy_refuses_an_unsigned_package_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package_copy(dir.path());
    let policy = dir.path().join("trust.toml");
    std::fs::write(
        &policy,
        format!("[[pin]]\nsha256 = \"{}\"\n", "0".repeat(64)),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-dir",
        s(&out),
        "--rules",
        s(&pkg),
        "--trust-policy",
        s(&policy),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("refused: unsigned"), "{}", text(&o));
    assert!(!out.exists());
}

#[test]
fn scan_refuses_a_package_reusing_a_built_in_rule_id() {
    let o = cloudarq(&[
        "scan",
        "--demo",
        "--output-formats",
        "terminal",
        "--rules",
        s(&root().join("cloudarq-core/tests/guests/s3-rules.wasm")),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("is already used by another rule"),
        "{}",
        text(&o)
    );
}

/// Rebuilds the example with its one documented command when the wasm32
/// target is installed, and checks it matches the checked-in package.
#[test]
fn checked_in_example_package_matches_a_rebuild() {
    let has_target = Command::new("rustc")
        .args([
            "--print",
            "target-libdir",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .output()
        .is_ok_and(|o| {
            o.status.success() && Path::new(String::from_utf8_lossy(&o.stdout).trim()).exists()
        });
    if !has_target {
        println!(
            "SKIPPED: the wasm32-unknown-unknown target is not installed (rustup target add wasm32-unknown-unknown)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tag-owner.wasm");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("wasm-guests");
    let o = Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(["rules", "build", s(&example()), "--output", s(&out)])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let rebuilt = std::fs::read(&out).unwrap();
    let checked_in = std::fs::read(example().join("tag-owner.wasm")).unwrap();
    if rebuilt != checked_in {
        // Same toolchain and sources give the same bytes; a different
        // toolchain may not, so compare what the package does.
        println!(
            "note: rebuilt bytes differ from the checked-in package; comparing metadata and fixtures"
        );
        let a = cloudarq(&["rules", "inspect", s(&out)]);
        let b = cloudarq(&["rules", "inspect", s(&example().join("tag-owner.wasm"))]);
        let strip = |o: &Output| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.starts_with("sha256:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&a), strip(&b));
        let t = cloudarq(&[
            "rules",
            "test",
            s(&example().join("fixtures")),
            "--package",
            s(&out),
        ]);
        assert!(t.status.success(), "{}", text(&t));
    }
}
