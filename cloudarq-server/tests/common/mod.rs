//! Running the `cloudarq` binary in tests, each run with its own data
//! directory so no test touches the user's store or keyring.

#![allow(dead_code, reason = "each test binary uses part of it")]

use std::path::Path;
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
