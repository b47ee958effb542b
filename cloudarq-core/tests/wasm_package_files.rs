//! Package files are read once and bounded: an oversized (sparse) file, a
//! FIFO, a device, a directory or a symlink to one is refused with its path
//! before anything is read, and a symlink to a regular package loads.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod wasm_common;

use std::path::Path;
use std::time::Duration;

use cloudarq_core::wasm::{Limits, LoadOptions, PackageBytes, WasmError, WasmHost};
use wasm_common::S3_PACKAGE;

fn limit() -> usize {
    Limits::default().module_bytes
}

/// Runs `f` on a thread and fails if it has not returned within a minute
/// (reading a FIFO with no writer would otherwise block forever).
fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("reading the package blocked")
}

fn refused(path: &Path, needle: &str) {
    let p = path.to_owned();
    let e = within_a_minute(move || PackageBytes::read(&p, limit()).map(|_| ()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&path.display().to_string()) && e.contains(needle),
        "{e}"
    );
    // The host's own file loading refuses it the same way.
    let p = path.to_owned();
    let e = within_a_minute(move || {
        WasmHost::new(Limits::default())
            .unwrap()
            .load_file(&p, &LoadOptions::default())
            .map(|_| ())
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains(needle), "{e}");
}

#[test]
fn a_256_mib_sparse_file_is_refused_by_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.wasm");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(256 << 20).unwrap();
    refused(
        &big,
        &format!("package is 268435456 bytes, the limit is {}", limit()),
    );
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("rules.wasm");
    std::fs::create_dir(&d).unwrap();
    refused(&d, "is a directory, not a regular file");
}

#[cfg(unix)]
#[test]
fn a_fifo_and_a_symlink_to_it_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.wasm");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo");
    refused(&fifo, "is a FIFO (named pipe), not a regular file");
    let link = dir.path().join("link.wasm");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    refused(&link, "is a FIFO (named pipe), not a regular file");
}

#[cfg(unix)]
#[test]
fn an_endless_device_is_refused() {
    refused(
        Path::new("/dev/zero"),
        "is a character device, not a regular file",
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_regular_package_loads_and_its_signature_is_read_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.wasm");
    std::fs::write(&real, S3_PACKAGE).unwrap();
    let link = dir.path().join("link.wasm");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let p = PackageBytes::read(&link, limit()).unwrap();
    assert_eq!(p.bytes(), S3_PACKAGE);
    assert_eq!(
        p.sha256(),
        cloudarq_core::wasm::trust::sha256_hex(S3_PACKAGE)
    );
    // A signature "file" that is a FIFO is refused, not waited on.
    let sig = dir.path().join("link.wasm.sig");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&sig)
            .status()
            .unwrap()
            .success()
    );
    let e = within_a_minute(move || {
        WasmHost::new(Limits::default())
            .unwrap()
            .load_file(&link, &LoadOptions::default())
            .map(|_| ())
    })
    .unwrap_err();
    assert!(matches!(e, WasmError::NotRegular { .. }), "{e}");
}

#[test]
fn in_memory_bytes_over_the_limit_are_refused() {
    let host = WasmHost::new(Limits {
        module_bytes: 1000,
        ..Limits::default()
    })
    .unwrap();
    let e = host
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("the limit is 1000"), "{e}");
}
