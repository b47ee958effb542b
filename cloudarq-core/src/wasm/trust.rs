//! Package trust (W4): sha256 pinning, ed25519 detached signatures and a
//! [`TrustPolicy`]. With a policy, a package must be pinned or signed by a
//! trusted key; anything else is refused before compilation (fail closed).
//!
//! ```
//! use cloudarq_core::wasm::trust::{SigningKey, Signature, TrustPolicy};
//! let key = SigningKey::generate()?;
//! let wasm = b"\0asm component bytes";
//! let sig = Signature::sign(&key, wasm);
//! let policy = TrustPolicy::parse(&format!(
//!     "[[key]]\nname = \"acme\"\npublic_key = \"{}\"\n", key.public_key()), "trust.toml")?;
//! policy.check(wasm, Some(&sig))?;
//! let mut tampered = wasm.to_vec();
//! tampered[0] ^= 1;
//! assert!(policy.check(&tampered, Some(&sig)).is_err());
//! assert!(policy.check(wasm, None).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::WasmError;

/// The largest trust policy file read (a policy lists keys and pins).
pub const TRUST_POLICY_BYTES: usize = 1 << 20;

/// The lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const KEY_PREFIX: &str = "ed25519:";

/// A private signing key (keep it secret; `Debug` does not print it).
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.public_key())
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    secret_key: String,
}

impl SigningKey {
    /// A new random key (from the operating system's random source).
    pub fn generate() -> Result<Self, WasmError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| WasmError::Trust(format!("no randomness: {e}")))?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }
    /// The public key, as `ed25519:<base64>`.
    pub fn public_key(&self) -> String {
        format!(
            "{KEY_PREFIX}{}",
            B64.encode(self.0.verifying_key().as_bytes())
        )
    }
    /// The key file text (JSON).
    pub fn to_file_text(&self) -> String {
        let f = KeyFile {
            format: "cloudarq.signing-key".to_owned(),
            secret_key: B64.encode(self.0.to_bytes()),
        };
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }
    /// Parses a key file written by [`to_file_text`](Self::to_file_text).
    pub fn from_file_text(text: &str, source: &str) -> Result<Self, WasmError> {
        let bad = |m: &str| WasmError::Trust(format!("{source}: not a CloudArq signing key: {m}"));
        let f: KeyFile = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        if f.format != "cloudarq.signing-key" {
            return Err(bad("wrong format marker"));
        }
        let bytes = B64.decode(f.secret_key).map_err(|e| bad(&e.to_string()))?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| bad("key is not 32 bytes"))?;
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }
}

fn parse_public_key(text: &str, source: &str) -> Result<ed25519_dalek::VerifyingKey, WasmError> {
    let bad = |m: String| WasmError::Trust(format!("{source}: invalid public key {text:?}: {m}"));
    let b64 = text
        .trim()
        .strip_prefix(KEY_PREFIX)
        .ok_or_else(|| bad(format!("expected {KEY_PREFIX}<base64>")))?;
    let bytes = B64.decode(b64).map_err(|e| bad(e.to_string()))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| bad("not 32 bytes".to_owned()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&arr).map_err(|e| bad(e.to_string()))
}

/// A detached signature of a package file (`<package>.sig`, JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Always `cloudarq.signature`.
    pub format: String,
    /// The signer's public key, `ed25519:<base64>`.
    pub public_key: String,
    /// The sha256 of the signed package, for humans (the signature covers the bytes).
    pub sha256: String,
    /// The ed25519 signature of the package bytes, base64.
    pub signature: String,
}

impl Signature {
    /// Signs `package` with `key`.
    pub fn sign(key: &SigningKey, package: &[u8]) -> Self {
        Self {
            format: "cloudarq.signature".to_owned(),
            public_key: key.public_key(),
            sha256: sha256_hex(package),
            signature: B64.encode(key.0.sign(package).to_bytes()),
        }
    }
    /// Parses a signature file.
    pub fn parse(text: &str, source: &str) -> Result<Self, WasmError> {
        let s: Self = serde_json::from_str(text)
            .map_err(|e| WasmError::Trust(format!("{source}: not a CloudArq signature: {e}")))?;
        if s.format != "cloudarq.signature" {
            return Err(WasmError::Trust(format!(
                "{source}: not a CloudArq signature: format {:?}",
                s.format
            )));
        }
        Ok(s)
    }
    /// The signature file text.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
    /// Checks the signature over `package` against its own public key;
    /// returns that key on success.
    pub fn verify(&self, package: &[u8]) -> Result<String, String> {
        let key = parse_public_key(&self.public_key, "signature").map_err(|e| e.to_string())?;
        let bytes = B64
            .decode(&self.signature)
            .map_err(|e| format!("signature is not base64: {e}"))?;
        let sig = ed25519_dalek::Signature::from_slice(&bytes)
            .map_err(|e| format!("signature is malformed: {e}"))?;
        key.verify(package, &sig).map_err(|_| {
            "signature does not match the package (tampered, or signed with another key)".to_owned()
        })?;
        Ok(self.public_key.clone())
    }
    /// Reads `<package>.sig` when it exists (a regular file of at most
    /// 64 KiB, like a package read bounded); `None` when there is none.
    pub fn read_for(package: &Path) -> Result<Option<Self>, WasmError> {
        let path = Self::path_for(package);
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        let bytes = super::files::read_regular_bounded(&path, 64 << 10, "signature")?;
        let text = String::from_utf8(bytes).map_err(|_| {
            WasmError::Trust(format!(
                "{}: not a CloudArq signature: not UTF-8",
                path.display()
            ))
        })?;
        Self::parse(&text, &path.display().to_string()).map(Some)
    }
    /// The signature file of `package`: `<package>.sig`.
    pub fn path_for(package: &Path) -> std::path::PathBuf {
        let mut p = package.as_os_str().to_owned();
        p.push(".sig");
        p.into()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    key: Vec<KeyEntry>,
    #[serde(default)]
    pin: Vec<PinEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    name: String,
    public_key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinEntry {
    sha256: String,
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for the reader of the policy file")]
    note: String,
}

/// Which packages may run: trusted signing keys and pinned sha256 digests (TOML).
///
/// ```toml
/// [[key]]
/// name = "acme security team"
/// public_key = "ed25519:…"
///
/// [[pin]]
/// sha256 = "9f86d0…"
/// note = "tag-owner 1.0.0, reviewed 2026-11-01"
/// ```
#[derive(Clone, Debug, Default)]
pub struct TrustPolicy {
    keys: Vec<(String, String)>,
    pins: Vec<String>,
}

impl TrustPolicy {
    /// Parses a policy; every key must parse and every pin be 64 hex digits.
    pub fn parse(text: &str, source: &str) -> Result<Self, WasmError> {
        let f: PolicyFile = toml::from_str(text)
            .map_err(|e| WasmError::Trust(format!("{source}: not a trust policy: {e}")))?;
        let mut keys = Vec::new();
        for k in f.key {
            parse_public_key(&k.public_key, source)?;
            keys.push((k.name, k.public_key.trim().to_owned()));
        }
        let mut pins = Vec::new();
        for p in f.pin {
            let d = p.sha256.trim().to_ascii_lowercase();
            if d.len() != 64 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(WasmError::Trust(format!(
                    "{source}: pin {:?} is not a sha256 (64 hex digits)",
                    p.sha256
                )));
            }
            pins.push(d);
        }
        if keys.is_empty() && pins.is_empty() {
            return Err(WasmError::Trust(format!(
                "{source}: the trust policy lists no key and no pin, so it would refuse every package"
            )));
        }
        Ok(Self { keys, pins })
    }

    /// Reads and parses a policy file.
    pub fn load(path: &Path) -> Result<Self, WasmError> {
        let bytes = super::files::read_regular_bounded(path, TRUST_POLICY_BYTES, "trust policy")?;
        let text = String::from_utf8(bytes).map_err(|e| WasmError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Accepts `package` when its sha256 is pinned, or when `signature` is
    /// valid and made by a trusted key; returns why it was accepted.
    pub fn check(&self, package: &[u8], signature: Option<&Signature>) -> Result<String, String> {
        let digest = sha256_hex(package);
        if self.pins.contains(&digest) {
            return Ok(format!("sha256 {digest} is pinned"));
        }
        let Some(sig) = signature else {
            return Err(format!(
                "unsigned, and sha256 {digest} is not pinned by the trust policy"
            ));
        };
        let Some((name, _)) = self.keys.iter().find(|(_, k)| *k == sig.public_key) else {
            return Err(format!(
                "signed by {}, which the trust policy does not trust",
                sig.public_key
            ));
        };
        sig.verify(package)?;
        Ok(format!("signed by trusted key {name:?}"))
    }
}
