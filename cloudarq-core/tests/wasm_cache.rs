//! The compiled-component cache: a second load comes from the cache, a
//! damaged cache file is never deserialized, and `unsafe` appears only in
//! the one cache-loading function.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wasm_common;

use std::path::Path;

use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost};
use wasm_common::{S3_PACKAGE, demo_snapshot};

fn host(dir: &Path) -> WasmHost {
    WasmHost::new(Limits::default())
        .unwrap()
        .with_cache_dir(dir)
        .unwrap()
}

#[test]
fn second_load_comes_from_the_cache_and_gives_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let (h1, h2) = (host(dir.path()), host(dir.path()));
    let cold = h1.load(S3_PACKAGE, "s3", &LoadOptions::default()).unwrap();
    assert!(!cold.load_stats().cached);
    let warm = h2.load(S3_PACKAGE, "s3", &LoadOptions::default()).unwrap();
    assert!(warm.load_stats().cached);
    let snap = demo_snapshot();
    let findings = h2.evaluate(&warm, &snap).findings;
    assert_eq!(h1.evaluate(&cold, &snap).findings, findings);
    assert!(
        findings
            .iter()
            .all(|f| f.status != cloudarq_model::rule::Status::Error)
    );
    // A package evaluated by a host that did not load it: ERROR, not a crash.
    let crossed = h1.evaluate(&warm, &snap).findings;
    assert_eq!(crossed.len(), findings.len());
    assert!(
        crossed
            .iter()
            .all(|f| f.message.contains("another WasmHost"))
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let sha = cloudarq_core::wasm::trust::sha256_hex(S3_PACKAGE);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with(&sha)), "{names:?}");
}

#[test]
fn a_damaged_cache_file_is_recompiled_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    host(dir.path())
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .unwrap();
    let cwasm = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .unwrap();
    let mut bytes = std::fs::read(&cwasm).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0xff;
    std::fs::write(&cwasm, &bytes).unwrap();
    let again = host(dir.path())
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .unwrap();
    assert!(
        !again.load_stats().cached,
        "the damaged file must not be used"
    );
    assert_eq!(again.failure(), None);
}

/// `unsafe` appears in the workspace's Rust sources only in the cache's
/// `load_trusted_compiled` (one `#[allow(unsafe_code)]`, one `unsafe` block).
#[test]
fn unsafe_appears_only_in_the_cache_loader() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut hits = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") && !path.ends_with("tests/wasm_cache.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    let unsafe_use = [
                        "unsafe {",
                        "unsafe fn",
                        "unsafe impl",
                        "unsafe extern",
                        "unsafe(",
                        "allow(unsafe_code",
                        "expect(unsafe_code",
                    ];
                    if unsafe_use.iter().any(|u| code.contains(u)) {
                        hits.push(format!(
                            "{}:{}: {}",
                            path.strip_prefix(root).unwrap().display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    let allowed = [
        "cloudarq-core/src/wasm/cache.rs: #[allow(unsafe_code)]",
        "cloudarq-core/src/wasm/cache.rs: unsafe { Component::deserialize(engine, bytes) }",
        // The guest SDK's generated bindings (feature `guest`, wasm only).
        "cloudarq-model/src/guest.rs: #[allow(unsafe_code, missing_docs, clippy::all)]",
    ];
    let mut found: Vec<String> = hits
        .iter()
        .map(|h| {
            let (file, rest) = h.split_once(':').unwrap();
            let (_, line) = rest.split_once(':').unwrap();
            format!("{file}:{line}")
        })
        .collect();
    found.sort();
    let mut allowed = allowed.to_vec();
    allowed.sort();
    assert_eq!(found, allowed, "unexpected unsafe: {hits:#?}");
}
