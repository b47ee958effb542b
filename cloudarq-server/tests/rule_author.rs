//! Issue 15: a rule author outside this repository. In an empty temporary
//! directory, with the SDK crate only as `cargo package` builds it for
//! crates.io (its `.crate` unpacked, reached through a `[patch.crates-io]`
//! in that directory's `.cargo/config.toml`, as a local registry would),
//! the rule author's guide (`docs/rule-authors.md`) runs as written:
//! scaffold, native test, build, run, golden tests, keygen, sign, verify,
//! and a scan with a trust policy. Then the scaffold's own README commands
//! run, and the reports are checked.
//!
//! Needs the wasm32 target, like the other rebuild tests: without it the
//! test fails with the install hint, unless `CLOUDARQ_SKIP_WASM_REBUILD=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::root;

/// The shell commands of the fenced block between `<!-- NAME:begin -->`
/// and `<!-- NAME:end -->` in `text`.
fn commands(text: &str, name: &str) -> String {
    let begin = format!("<!-- {name}:begin -->");
    let end = format!("<!-- {name}:end -->");
    let start = text.find(&begin).unwrap_or_else(|| panic!("no {begin}")) + begin.len();
    let stop = text[start..]
        .find(&end)
        .unwrap_or_else(|| panic!("no {end}"))
        + start;
    let block = &text[start..stop];
    let body = block
        .trim()
        .strip_prefix("```sh")
        .and_then(|b| b.strip_suffix("```"))
        .unwrap_or_else(|| panic!("{name}: one ```sh block expected"));
    body.to_owned()
}

/// The target directory for builds a test starts (kept between runs, so a
/// second run is warm): beside the test's own, never inside it (cargo holds
/// the test's target directory while tests run).
fn build_dir(what: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join(what)
}

/// `cargo package -p cloudarq-model` (not verified here: the test command
/// runs `cargo publish --dry-run`, which is), unpacked into `into`.
fn packaged_sdk(into: &Path) -> PathBuf {
    let target = build_dir("sdk-package");
    let o = Command::new(env!("CARGO"))
        .args([
            "package",
            "-p",
            "cloudarq-model",
            "--no-verify",
            "--allow-dirty",
            "--offline",
        ])
        .arg("--target-dir")
        .arg(&target)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "cargo package: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let version = cloudarq_model::package::SDK_VERSION;
    let krate = target.join(format!("package/cloudarq-model-{version}.crate"));
    let o = Command::new("tar")
        .arg("xzf")
        .arg(&krate)
        .arg("-C")
        .arg(into)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "tar: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = into.join(format!("cloudarq-model-{version}"));
    // What an author gets is only what the package holds: the sources,
    // the contract's WIT and the README; no path into this workspace.
    assert!(dir.join("wit/cloudarq-rule@1.0.0/rule.wit").is_file());
    assert!(dir.join("README.md").is_file());
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()).unwrap();
    for (name, dep) in manifest["dependencies"].as_table().unwrap() {
        assert!(dep.get("path").is_none(), "dependency {name} by path");
        assert!(
            dep.is_str() || dep.get("version").is_some(),
            "dependency {name} without a version"
        );
    }
    dir
}

/// Runs `script` with bash in `dir`, the `cloudarq` binary first on PATH.
fn run_script(script: &str, dir: &Path, home: &Path) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_cloudarq")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("CLOUDARQ_HOME", home)
        .env("CARGO_TARGET_DIR", build_dir("rule-author"))
        .env_remove("RUSTFLAGS")
        .env_remove("CLOUDARQ_LOG")
        .env_remove("CLOUDARQ_DB")
        .env_remove("CLOUDARQ_KEYRING")
        .env_remove("CLOUDARQ_KEYRING_FILE")
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "script failed:\n{script}\n--- output:\n{out}"
    );
    out
}

#[test]
fn an_outside_author_scaffolds_tests_builds_signs_and_scans_with_the_packaged_sdk() {
    if !common::wasm_builds_run() {
        return;
    }
    let sandbox = tempfile::tempdir().unwrap();
    let work = sandbox.path().join("author");
    let home = sandbox.path().join("home");
    let registry = sandbox.path().join("registry");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&registry).unwrap();
    let sdk = packaged_sdk(&registry);
    std::fs::create_dir_all(work.join(".cargo")).unwrap();
    std::fs::write(
        work.join(".cargo/config.toml"),
        format!(
            "[patch.crates-io]\ncloudarq-model = {{ path = {:?} }}\n",
            sdk.display().to_string()
        ),
    )
    .unwrap();

    // The guide, as written.
    let guide = std::fs::read_to_string(root().join("docs/rule-authors.md")).unwrap();
    let out = run_script(&commands(&guide, "author-path"), &work, &home);

    // rules test passed both fixtures; verify named the trusted key.
    assert!(out.contains("rules test: 2 passed, 0 failed"), "{out}");
    assert!(
        out.contains("OK: signed by trusted key \"acme platform team\""),
        "{out}"
    );
    // The scan's summary lists the package with its version, sha256 and trust.
    let package = work.join("acme-tagging/acme-tagging.wasm");
    let sha = cloudarq_core::wasm::trust::sha256_hex(&std::fs::read(&package).unwrap());
    assert!(out.contains("Rule packages (1):"), "{out}");
    assert!(
        out.contains(&format!("acme-tagging 0.1.0  1 rule(s)  sha256 {sha}")),
        "{out}"
    );
    assert!(
        out.contains("trusted: signed by trusted key \"acme platform team\""),
        "{out}"
    );

    // The package's findings and its rule's remediation are in the reports.
    let reports = work.join("acme-tagging/reports");
    let file = |ext: &str| {
        let name = common::files_in(&reports)
            .into_iter()
            .find(|f| f.ends_with(ext))
            .unwrap_or_else(|| panic!("no .{ext} report in {}", reports.display()));
        std::fs::read_to_string(reports.join(name)).unwrap()
    };
    let (html, csv) = (file("html"), file("csv"));
    let remediation = "aws resourcegroupstaggingapi tag-resources";
    for (what, text) in [("html", &html), ("csv", &csv)] {
        assert!(text.contains("acme_tagging_required_tag"), "{what}");
        assert!(text.contains(remediation), "{what}: no remediation");
    }
    // The demo account's instances carry no owner tag: each is a FAIL.
    let fails = csv
        .lines()
        .filter(|l| l.contains("acme_tagging_required_tag") && l.contains("FAIL"))
        .count();
    assert!(fails >= 4, "{csv}");

    // Without settings, the scan is refused before it runs, naming the
    // package and the key its schema requires; nothing is written.
    let o = common::cloudarq_in(
        &home,
        &[
            "scan",
            "--demo",
            "--no-store",
            "--rules",
            package.to_str().unwrap(),
            "--output-dir",
            work.join("refused").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains(
            "package \"acme-tagging\": settings refused: missing the required key \"required_tag\""
        ),
        "{}",
        common::stderr(&o)
    );
    assert!(!work.join("refused").exists());

    // The scaffold's README: its five commands run as written too.
    let readme = std::fs::read_to_string(work.join("acme-tagging/README.md")).unwrap();
    let out = run_script(
        &commands(&readme, "rule-package-commands"),
        &work.join("acme-tagging"),
        &home,
    );
    assert!(out.contains("rules test: 2 passed, 0 failed"), "{out}");
}

#[test]
fn rules_new_refuses_bad_names_types_and_a_non_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let at = |p: &str| dir.path().join(p).display().to_string();
    for (args, want) in [
        (vec!["Acme"], "package name"),
        (vec!["acme_rules"], "package name"),
        (vec!["acme-"], "package name"),
        (vec!["acme\u{1b}[31m"], "package name"),
        (
            vec!["acme", "--resource-type", "AWS::Nope::Thing"],
            "AWS::Nope::Thing",
        ),
        (
            vec!["acme", "--resource-type", "AWS::RDS::DBCluster"],
            "the demo account has none",
        ),
    ] {
        let mut full = vec!["rules", "new"];
        full.extend(args.iter().copied());
        let target = at("x");
        full.extend(["--dir", target.as_str()]);
        let o = common::cloudarq(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = common::stderr(&o);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains('\u{1b}'), "{err}");
        assert!(!dir.path().join("x").exists(), "{args:?} wrote files");
    }
    std::fs::create_dir(dir.path().join("full")).unwrap();
    std::fs::write(dir.path().join("full/keep.txt"), "mine").unwrap();
    let o = common::cloudarq(&["rules", "new", "acme", "--dir", &at("full")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("full/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn rules_new_writes_fixtures_whose_expectations_match_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("p");
    let o = common::cloudarq(&[
        "rules",
        "new",
        "acme-x",
        "--resource-type",
        "AWS::S3::Bucket",
        "--resource-type",
        "AWS::IAM::Role",
        "--dir",
        pkg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let read = |p: &str| std::fs::read_to_string(pkg.join(p)).unwrap();
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("cloudarq-model = { version = \"1.0\", features = [\"guest\"] }"));
    assert!(!manifest.contains("path"), "{manifest}");
    let lib = read("src/lib.rs");
    assert!(lib.contains("resource_types: &[ResourceType::S3Bucket, ResourceType::IamRole]"));
    assert!(lib.contains("service: Service::S3"));
    // Fixtures are valid snapshots holding one resource of each type.
    for case in ["tagged", "untagged"] {
        let snap = cloudarq_model::Snapshot::from_json(
            &read(&format!("fixtures/{case}.snapshot.json")),
            case,
        )
        .unwrap();
        assert_eq!(snap.resources.len(), 2);
        let expected: serde_json::Value =
            serde_json::from_str(&read(&format!("fixtures/{case}.expected.json"))).unwrap();
        assert_eq!(expected.as_array().unwrap().len(), 2);
    }
    let untagged: serde_json::Value =
        serde_json::from_str(&read("fixtures/untagged.expected.json")).unwrap();
    let high = untagged
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["severity"] == "high")
        .count();
    assert_eq!(high, 1);
    // The scan settings name the package, with the key its schema requires.
    let settings: serde_json::Value = serde_json::from_str(&read("scan-settings.json")).unwrap();
    assert_eq!(settings["acme-x"]["required_tag"], "owner");
}
