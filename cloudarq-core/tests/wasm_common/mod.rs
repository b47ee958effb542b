//! Helpers shared by the WebAssembly rule tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers shared by several test files; tests fail loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use cloudarq_core::wasm::{Limits, WasmHost, package_module};
use cloudarq_model::Snapshot;

/// The demo account snapshot.
pub fn demo_snapshot() -> Snapshot {
    let text = include_str!("../../../testdata/demo-snapshot.json");
    Snapshot::from_json(text, "demo-snapshot.json").unwrap()
}

/// The checked-in packaged S3 family.
pub const S3_PACKAGE: &[u8] = include_bytes!("../guests/s3-rules.wasm");

/// Whether `rustup`'s wasm32-unknown-unknown target is installed.
pub fn wasm_target_installed() -> bool {
    let Ok(out) = Command::new("rustc")
        .args([
            "--print",
            "target-libdir",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .output()
    else {
        return false;
    };
    out.status.success() && Path::new(String::from_utf8_lossy(&out.stdout).trim()).exists()
}

/// Set to `1` to skip the rebuild tests on purpose when the wasm32 target is
/// missing; without it a missing target fails them.
pub const SKIP_WASM_REBUILD: &str = "CLOUDARQ_SKIP_WASM_REBUILD";

/// Whether a rebuild test runs: always when the wasm32 target is installed;
/// when it is not, an error with the install hint unless `opt_out` is `1`.
pub fn rebuild_decision(installed: bool, opt_out: Option<&str>) -> Result<bool, String> {
    match (installed, opt_out) {
        (true, _) => Ok(true),
        (false, Some("1")) => Ok(false),
        (false, _) => Err(format!(
            "the wasm32-unknown-unknown target is not installed: run `rustup target add \
             wasm32-unknown-unknown`, or set {SKIP_WASM_REBUILD}=1 to skip this rebuild test on purpose"
        )),
    }
}

/// [`rebuild_decision`] for this machine: panics with the install hint.
pub fn wasm_rebuild_runs() -> bool {
    let opt_out = std::env::var(SKIP_WASM_REBUILD).ok();
    match rebuild_decision(wasm_target_installed(), opt_out.as_deref()) {
        Ok(true) => true,
        Ok(false) => {
            println!("skipped on request ({SKIP_WASM_REBUILD}=1): the wasm32 target is missing");
            false
        }
        Err(hint) => panic!("{hint}"),
    }
}

/// Builds the guest crate in `dir` for wasm32-unknown-unknown and packages it.
/// The documented command: `cargo build --release --target wasm32-unknown-unknown`.
pub fn build_and_package(dir: &Path, lib_name: &str) -> Vec<u8> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"))
        .join("wasm-guests");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "building the guest in {} failed",
        dir.display()
    );
    let core = std::fs::read(
        target_dir
            .join("wasm32-unknown-unknown/release")
            .join(format!("{lib_name}.wasm")),
    )
    .unwrap();
    let host = WasmHost::new(Limits::default()).unwrap();
    package_module(&host, &core).unwrap().0
}
