//! Package trust: sha256 pins and ed25519 signatures, with and without a
//! trust policy; refusals happen before compilation (fail closed).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod wasm_common;

use cloudarq_core::wasm::trust::{Signature, SigningKey, TrustPolicy, sha256_hex};
use cloudarq_core::wasm::{Limits, LoadOptions, PackageBytes, WasmError, WasmHost};
use wasm_common::S3_PACKAGE;

fn policy_for(key: &SigningKey) -> TrustPolicy {
    TrustPolicy::parse(
        &format!(
            "[[key]]\nname = \"acme\"\npublic_key = \"{}\"\n",
            key.public_key()
        ),
        "trust.toml",
    )
    .unwrap()
}

/// Loads with an empty compiled cache dir, and reports whether anything was
/// compiled into it (a refused package must leave it empty).
fn load(
    bytes: &[u8],
    signature: Option<Signature>,
    trust: Option<&TrustPolicy>,
) -> (Result<(), WasmError>, bool) {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let host = WasmHost::new(Limits::default())
        .unwrap()
        .with_cache_dir(&cache, &dir.path().join("cache.key"))
        .unwrap();
    let opts = LoadOptions {
        signature,
        trust,
        ..LoadOptions::default()
    };
    let r = host.load(bytes, "s3-rules.wasm", &opts).map(|p| {
        assert_eq!(p.failure(), None);
    });
    let compiled = std::fs::read_dir(&cache).unwrap().next().is_some();
    (r, compiled)
}

fn refused(r: (Result<(), WasmError>, bool), needle: &str) {
    let (r, compiled) = r;
    match r {
        Err(WasmError::Untrusted { reason, .. }) => {
            assert!(reason.contains(needle), "{reason:?} should say {needle:?}")
        }
        other => panic!("expected a refusal naming {needle:?}, got {other:?}"),
    }
    assert!(!compiled, "a refused package must not be compiled");
}

#[test]
fn signed_package_is_accepted_by_a_policy_trusting_the_key() {
    let key = SigningKey::generate().unwrap();
    let sig = Signature::sign(&key, S3_PACKAGE);
    let (r, compiled) = load(S3_PACKAGE, Some(sig), Some(&policy_for(&key)));
    r.unwrap();
    assert!(compiled);
}

#[test]
fn tampered_byte_is_refused_with_and_without_a_policy() {
    let key = SigningKey::generate().unwrap();
    let sig = Signature::sign(&key, S3_PACKAGE);
    let mut tampered = S3_PACKAGE.to_vec();
    let i = tampered.len() / 2;
    tampered[i] ^= 0x01;
    refused(
        load(&tampered, Some(sig.clone()), Some(&policy_for(&key))),
        "does not match",
    );
    // Without a policy a present signature is still checked.
    refused(load(&tampered, Some(sig), None), "does not match");
}

#[test]
fn wrong_key_is_refused() {
    let trusted = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    // Signed by a key the policy does not list.
    let sig = Signature::sign(&other, S3_PACKAGE);
    refused(
        load(S3_PACKAGE, Some(sig.clone()), Some(&policy_for(&trusted))),
        "does not trust",
    );
    // A signature claiming the trusted key but made with another one.
    let forged = Signature {
        public_key: trusted.public_key(),
        ..sig
    };
    refused(
        load(S3_PACKAGE, Some(forged), Some(&policy_for(&trusted))),
        "does not match",
    );
}

#[test]
fn missing_signature_is_refused_with_a_policy_and_allowed_without() {
    let key = SigningKey::generate().unwrap();
    refused(load(S3_PACKAGE, None, Some(&policy_for(&key))), "unsigned");
    let (r, compiled) = load(S3_PACKAGE, None, None);
    r.unwrap();
    assert!(compiled);
}

#[test]
fn pinned_sha256_is_accepted_unsigned_and_a_wrong_pin_refused() {
    let digest = sha256_hex(S3_PACKAGE);
    let policy =
        TrustPolicy::parse(&format!("[[pin]]\nsha256 = \"{digest}\"\n"), "trust.toml").unwrap();
    load(S3_PACKAGE, None, Some(&policy)).0.unwrap();
    let mut other = S3_PACKAGE.to_vec();
    other.push(0);
    refused(load(&other, None, Some(&policy)), "not pinned");

    // A pin in the configuration (LoadOptions::expected_sha256).
    let host = WasmHost::new(Limits::default()).unwrap();
    let opts = LoadOptions {
        expected_sha256: Some("00".repeat(32)),
        ..LoadOptions::default()
    };
    let e = host.load(S3_PACKAGE, "s3", &opts).unwrap_err().to_string();
    assert!(e.contains("the configuration pins"), "{e}");
}

/// Issue 10 §3: a package that fails the pin or trust checks never becomes
/// a `VerifiedPackage`, the only input of compilation and of the compiled
/// cache, so it is never compiled; the refusal comes before its metadata is
/// even read. (That nothing else builds one is the `compile_fail` doctests
/// on `VerifiedPackage`.)
#[test]
fn issue_10_an_unpinned_or_untrusted_package_never_reaches_compilation() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let host = WasmHost::new(Limits::default())
        .unwrap()
        .with_cache_dir(&cache, &dir.path().join("cache.key"))
        .unwrap();
    let compiled = || std::fs::read_dir(&cache).unwrap().count();
    let read = |b: &[u8]| PackageBytes::from_vec("p.wasm", b.to_vec(), 1 << 25).unwrap();
    let key = SigningKey::generate().unwrap();
    let policy = policy_for(&key);
    let with_policy = LoadOptions {
        trust: Some(&policy),
        ..LoadOptions::default()
    };

    // Not even a component: inspecting or compiling it first would fail
    // with another error.
    let e = host.verify(read(b"not wasm"), &with_policy).unwrap_err();
    assert!(matches!(e, WasmError::Untrusted { .. }), "{e:?}");
    let e = host.load(b"not wasm", "p.wasm", &with_policy).unwrap_err();
    assert!(matches!(e, WasmError::Untrusted { .. }), "{e:?}");

    // A real package: unsigned under a policy, or pinned to another digest.
    let e = host.verify(read(S3_PACKAGE), &with_policy).unwrap_err();
    assert!(e.to_string().contains("unsigned"), "{e}");
    let pinned_elsewhere = LoadOptions {
        expected_sha256: Some("00".repeat(32)),
        ..LoadOptions::default()
    };
    let e = host
        .verify(read(S3_PACKAGE), &pinned_elsewhere)
        .unwrap_err();
    assert!(e.to_string().contains("the configuration pins"), "{e}");
    assert!(host.load(S3_PACKAGE, "s3", &pinned_elsewhere).is_err());
    assert_eq!(compiled(), 0, "a refused package was compiled");

    // The same package signed by the trusted key verifies, then compiles.
    let signed = LoadOptions {
        signature: Some(Signature::sign(&key, S3_PACKAGE)),
        ..with_policy.clone()
    };
    let verified = host.verify(read(S3_PACKAGE), &signed).unwrap();
    assert_eq!(verified.sha256(), sha256_hex(S3_PACKAGE));
    assert_eq!(
        verified.trusted_because(),
        Some("signed by trusted key \"acme\"")
    );
    let pkg = host
        .load_package(&verified, &LoadOptions::default())
        .unwrap();
    assert_eq!(pkg.failure(), None);
    assert_eq!(
        pkg.load_stats().trusted_because.as_deref(),
        verified.trusted_because()
    );
    assert_eq!(
        compiled(),
        1,
        "the verified package was compiled into the cache"
    );
}

#[test]
fn bad_policy_and_key_files_are_named() {
    let e = TrustPolicy::parse("", "trust.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no key and no pin"), "{e}");
    let e = TrustPolicy::parse(
        "[[key]]\nname = \"x\"\npublic_key = \"rsa:abc\"\n",
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("t.toml") && e.contains("ed25519:"), "{e}");
    let e = TrustPolicy::parse("[[pin]]\nsha256 = \"abc\"\n", "t.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("64 hex digits"), "{e}");
    let key = SigningKey::generate().unwrap();
    let back = SigningKey::from_file_text(&key.to_file_text(), "k.json").unwrap();
    assert_eq!(back.public_key(), key.public_key());
    assert!(SigningKey::from_file_text("{}", "k.json").is_err());
    assert!(!format!("{key:?}").contains(&key.to_file_text()));
}
