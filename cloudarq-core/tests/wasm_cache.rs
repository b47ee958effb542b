//! The compiled-component cache: a second load comes from the cache; an
//! entry is deserialized only when its HMAC tag, made under this host's key,
//! verifies, so swapped native code is never executed; unsafe directories,
//! entries and keys are refused; and `unsafe` appears only in the one
//! cache-loading function, behind that check.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod wasm_common;

use std::path::{Path, PathBuf};

use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost, WasmPackage};
use cloudarq_model::rule::Status;
use wasm_common::{S3_PACKAGE, demo_snapshot};

/// A cache directory and, beside it, its key file.
struct Cache {
    _root: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
}

fn cache() -> Cache {
    let root = tempfile::tempdir().unwrap();
    Cache {
        dir: root.path().join("cache"),
        key: root.path().join("cache.key"),
        _root: root,
    }
}

fn host(c: &Cache) -> WasmHost {
    WasmHost::new(Limits::default())
        .unwrap()
        .with_cache_dir(&c.dir, &c.key)
        .unwrap()
}

/// Why a host refuses the cache `dir` with `key` (it must refuse).
fn open_error(dir: &Path, key: &Path) -> String {
    WasmHost::new(Limits::default())
        .unwrap()
        .with_cache_dir(dir, key)
        .unwrap_err()
        .to_string()
}

fn load(h: &WasmHost, bytes: &[u8]) -> WasmPackage {
    h.load(bytes, "pkg.wasm", &LoadOptions::default()).unwrap()
}

/// The only entry of the cache of package `bytes`.
fn entry(c: &Cache, bytes: &[u8]) -> PathBuf {
    let sha = cloudarq_core::wasm::trust::sha256_hex(bytes);
    std::fs::read_dir(&c.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(&sha) && n.ends_with(".cwasm")
        })
        .unwrap()
}

/// The example third-party package: a different guest with other rules.
fn tag_owner() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/wasm-rule-tag-owner/tag-owner.wasm"),
    )
    .unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn second_load_comes_from_the_cache_and_gives_the_same_findings() {
    let c = cache();
    let (h1, h2) = (host(&c), host(&c));
    let cold = load(&h1, S3_PACKAGE);
    assert!(!cold.load_stats().cached);
    assert_eq!(cold.load_stats().recompiled_because, None);
    let warm = load(&h2, S3_PACKAGE);
    assert!(warm.load_stats().cached);
    let snap = demo_snapshot();
    let findings = h2.evaluate(&warm, &snap).findings;
    assert_eq!(h1.evaluate(&cold, &snap).findings, findings);
    assert!(findings.iter().all(|f| f.status != Status::Error));
    // A package evaluated by a host that did not load it: ERROR, not a crash.
    let crossed = h1.evaluate(&warm, &snap).findings;
    assert_eq!(crossed.len(), findings.len());
    assert!(
        crossed
            .iter()
            .all(|f| f.message.contains("another WasmHost"))
    );
    // One entry, named by the package's sha256; the key lives outside.
    let names: Vec<String> = std::fs::read_dir(&c.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let sha = cloudarq_core::wasm::trust::sha256_hex(S3_PACKAGE);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with(&sha) && names[0].ends_with(".cwasm"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&c.dir), 0o700, "a cache directory it creates is 0700");
        assert_eq!(mode(&entry(&c, S3_PACKAGE)), 0o600);
        assert_eq!(mode(&c.key), 0o600);
    }
}

#[test]
fn a_damaged_cache_file_is_recompiled_not_loaded() {
    let c = cache();
    load(&host(&c), S3_PACKAGE);
    let cwasm = entry(&c, S3_PACKAGE);
    let mut bytes = std::fs::read(&cwasm).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0xff;
    std::fs::write(&cwasm, &bytes).unwrap();
    let again = load(&host(&c), S3_PACKAGE);
    assert!(
        !again.load_stats().cached,
        "the damaged file must not be used"
    );
    assert_eq!(
        again.load_stats().recompiled_because.as_deref(),
        Some("cache tag invalid")
    );
    assert_eq!(again.failure(), None);
    // The recompilation replaced the entry: the next load is cached again.
    assert!(load(&host(&c), S3_PACKAGE).load_stats().cached);
}

/// The attack of issue 9 §1: the native code of an entry is replaced by the
/// compilation of another guest (whose findings differ), and the old-style
/// sha256 sidecar recomputed. The scan must recompile, say why, and give the
/// original package's findings.
#[test]
fn swapped_native_code_with_a_recomputed_sidecar_is_never_executed() {
    let snap = demo_snapshot();
    let c = cache();
    let original = {
        let h = host(&c);
        let p = load(&h, S3_PACKAGE);
        h.evaluate(&p, &snap).findings
    };
    assert!(original.iter().all(|f| f.status != Status::Error));
    // The other guest's compilation, made by a host with another key.
    let other = cache();
    load(&host(&other), &tag_owner());
    let foreign = std::fs::read(entry(&other, &tag_owner())).unwrap();
    let foreign_code = &foreign[48..];

    let victim = entry(&c, S3_PACKAGE);
    let mine = std::fs::read(&victim).unwrap();
    let attempts: Vec<(&str, Vec<u8>)> = vec![
        // Raw compiled code, as the old format stored it.
        ("raw code", foreign_code.to_vec()),
        // This entry's header and tag, the other guest's code.
        ("code swapped under the old tag", {
            let mut v = mine[..48].to_vec();
            v.extend_from_slice(foreign_code);
            v
        }),
        // A whole valid entry of another package, moved to this name.
        ("another package's entry", foreign.clone()),
    ];
    for (what, bytes) in attempts {
        std::fs::write(&victim, &bytes).unwrap();
        let mut sidecar = victim.clone().into_os_string();
        sidecar.push(".sha256");
        std::fs::write(&sidecar, cloudarq_core::wasm::trust::sha256_hex(&bytes)).unwrap();
        let h = host(&c);
        let p = load(&h, S3_PACKAGE);
        assert!(!p.load_stats().cached, "{what}: must not be loaded");
        assert_eq!(
            p.load_stats().recompiled_because.as_deref(),
            Some("cache tag invalid"),
            "{what}"
        );
        assert_eq!(h.evaluate(&p, &snap).findings, original, "{what}");
    }

    // The same swap between two packages of one host (same key) fails too:
    // the tag binds the package's sha256.
    let h = host(&c);
    load(&h, &tag_owner());
    std::fs::copy(entry(&c, &tag_owner()), entry(&c, S3_PACKAGE)).unwrap();
    let h = host(&c);
    let p = load(&h, S3_PACKAGE);
    assert_eq!(
        p.load_stats().recompiled_because.as_deref(),
        Some("cache tag invalid")
    );
    assert_eq!(h.evaluate(&p, &snap).findings, original);
}

#[cfg(unix)]
#[test]
fn a_world_writable_cache_directory_is_refused_and_left_as_it_is() {
    let c = cache();
    std::fs::create_dir(&c.dir).unwrap();
    chmod(&c.dir, 0o777);
    let e = open_error(&c.dir, &c.key);
    assert!(
        e.contains(&c.dir.display().to_string())
            && e.contains("writable by group or others")
            && e.contains("chmod go-w"),
        "{e}"
    );
    assert_eq!(
        mode(&c.dir),
        0o777,
        "never chmod a directory it did not create"
    );
    assert!(!c.key.exists(), "nothing is created for a refused cache");
    // A group-writable one too.
    chmod(&c.dir, 0o770);
    open_error(&c.dir, &c.key);
}

#[cfg(unix)]
#[test]
fn a_cache_directory_owned_by_another_user_is_refused() {
    let c = cache();
    let root = {
        use std::os::unix::fs::MetadataExt;
        tempfile::tempfile().unwrap().metadata().unwrap().uid() == 0
    };
    let dir = if root {
        std::fs::create_dir(&c.dir).unwrap();
        chmod(&c.dir, 0o700);
        // `nobody`.
        std::os::unix::fs::chown(&c.dir, Some(65534), Some(65534)).unwrap();
        c.dir.clone()
    } else {
        PathBuf::from("/")
    };
    let e = open_error(&dir, &c.key);
    assert!(
        e.contains(&dir.display().to_string()) && e.contains("not by the current user"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_open_to_others_a_symlink_or_inside_the_cache_is_refused() {
    let c = cache();
    load(&host(&c), S3_PACKAGE);
    for m in [0o644, 0o640, 0o604, 0o666] {
        chmod(&c.key, m);
        let e = open_error(&c.dir, &c.key);
        assert!(
            e.contains(&c.key.display().to_string()) && e.contains("chmod 600"),
            "{m:o}: {e}"
        );
    }
    chmod(&c.key, 0o600);
    assert!(load(&host(&c), S3_PACKAGE).load_stats().cached);

    // A symlink at the key's name is never followed (nor written through).
    let link = c.dir.parent().unwrap().join("link.key");
    std::os::unix::fs::symlink(&c.key, &link).unwrap();
    let e = open_error(&c.dir, &link);
    assert!(e.contains("symlink"), "{e}");
    let dangling = c.dir.parent().unwrap().join("dangling.key");
    let target = c.dir.parent().unwrap().join("planted-target");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    open_error(&c.dir, &dangling);
    assert!(
        !target.exists(),
        "no key material through a planted symlink"
    );

    // Inside the cache directory: refused.
    let e = open_error(&c.dir, &c.dir.join("k"));
    assert!(e.contains("outside the cache directory"), "{e}");
}

#[cfg(unix)]
#[test]
fn an_entry_open_to_others_is_recompiled_with_the_reason() {
    let c = cache();
    load(&host(&c), S3_PACKAGE);
    chmod(&entry(&c, S3_PACKAGE), 0o666);
    let p = load(&host(&c), S3_PACKAGE);
    assert!(!p.load_stats().cached);
    let why = p.load_stats().recompiled_because.clone().unwrap();
    assert!(why.contains("writable by group or others"), "{why}");
    // Rewritten by this host, private again.
    assert_eq!(mode(&entry(&c, S3_PACKAGE)), 0o600);
}

/// Hosts starting together all create or read one key: an entry one of them
/// writes verifies for every other.
#[test]
fn hosts_racing_to_create_the_key_agree_on_one() {
    let c = cache();
    let barrier = std::sync::Barrier::new(6);
    let hosts: Vec<WasmHost> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    host(&c)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(!load(&hosts[0], S3_PACKAGE).load_stats().cached);
    for h in &hosts[1..] {
        assert!(load(h, S3_PACKAGE).load_stats().cached);
    }
}

/// `unsafe` appears in the workspace's Rust sources only in the cache's
/// `load_trusted_compiled` (one `#[allow(unsafe_code, reason = ..)]`, one `unsafe` block),
/// which takes only a `VerifiedEntry`: compiled bytes whose HMAC-SHA256 tag
/// under this host's cache key verified, made only by `verify`.
#[test]
fn unsafe_appears_only_in_the_cache_loader_behind_the_tag_check() {
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
        "cloudarq-core/src/wasm/cache.rs: #[allow(unsafe_code, reason = \"loads tag-checked compiled code\")]",
        "cloudarq-core/src/wasm/cache.rs: unsafe { Component::deserialize(engine, entry.0) }",
        // The guest SDK's generated bindings (feature `guest`, wasm only).
        "cloudarq-model/src/guest.rs: #[allow(unsafe_code, missing_docs, clippy::all, reason = \"generated code\")]",
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

    // The argument of the SAFETY comment holds in the code: the loader takes
    // only a `VerifiedEntry`, built in one place, after `verify_slice`.
    let cache = std::fs::read_to_string(root.join("cloudarq-core/src/wasm/cache.rs")).unwrap();
    assert!(cache.contains(
        "fn load_trusted_compiled(engine: &Engine, entry: VerifiedEntry<'_>) -> wasmtime::Result<Component>"
    ));
    assert_eq!(cache.matches("VerifiedEntry(compiled)").count(), 1);
    assert_eq!(
        cache
            .matches("load_trusted_compiled(engine, verified)")
            .count(),
        1
    );
    let verify = cache.split("fn verify<'a>(").nth(1).unwrap();
    let verify = verify.split("\n    }\n").next().unwrap();
    assert!(
        verify.find(".verify_slice(tag)").unwrap()
            < verify.find("VerifiedEntry(compiled)").unwrap()
    );
    assert!(cache.contains("// SAFETY:") && cache.contains("HMAC-SHA256 tag verified"));
}
