//! Running the `cloudarq` binary in tests, each run with its own data
//! directory so no test touches the user's store or keyring.

#![allow(dead_code, reason = "each test binary uses part of it")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The data directory of every run of one test binary, unless a test picks
/// its own.
pub fn shared_home() -> &'static Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// Runs the binary with the shared data directory.
pub fn cloudarq(args: &[&str]) -> Output {
    cloudarq_in(shared_home(), args)
}

/// Runs the binary with `home` as its data directory (store and keyring).
pub fn cloudarq_in(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(args)
        .env_remove("CLOUDARQ_LOG")
        .env_remove("CLOUDARQ_DB")
        .env_remove("CLOUDARQ_KEYRING")
        .env_remove("CLOUDARQ_KEYRING_FILE")
        .env("CLOUDARQ_HOME", home)
        .output()
        .unwrap()
}

/// The names in `dir` (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether a test that builds a wasm guest runs: yes with the
/// wasm32-unknown-unknown target; without it, a failure with the install
/// hint, unless `CLOUDARQ_SKIP_WASM_REBUILD=1` skips it on purpose (printed).
pub fn wasm_builds_run() -> bool {
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
    if has_target {
        return true;
    }
    let opted_out = std::env::var("CLOUDARQ_SKIP_WASM_REBUILD").is_ok_and(|v| v == "1");
    assert!(
        opted_out,
        "the wasm32-unknown-unknown target is not installed: run `rustup target add \
         wasm32-unknown-unknown`, or set CLOUDARQ_SKIP_WASM_REBUILD=1 to skip this test on purpose"
    );
    println!("skipped on request (CLOUDARQ_SKIP_WASM_REBUILD=1): the wasm32 target is missing");
    false
}
