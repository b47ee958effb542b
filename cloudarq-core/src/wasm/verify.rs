//! [`VerifiedPackage`]: package bytes that passed the size, pin and trust
//! checks, and [`WasmHost::verify`], the one function that makes one.
//!
//! Compilation ([`WasmHost::load_package`], the packaging tool's
//! `metadata()` call) and the compiled cache take only a `&VerifiedPackage`,
//! so bytes that were not checked cannot reach wasmtime's compiler, nor a
//! cache lookup that would deserialize native code for them: the proof of
//! the checks is a value the later steps require, not an order of calls
//! someone could change. The fields are private to this file.

use super::files::PackageBytes;
use super::host::WasmHost;
use super::load::LoadOptions;
use super::{Limits, WasmError};

/// Package bytes that passed the size, pin and trust checks of
/// [`WasmHost::verify`]: the only thing a [`WasmHost`] compiles.
///
/// ```
/// use cloudarq_core::wasm::{Limits, LoadOptions, PackageBytes, VerifiedPackage, WasmHost};
/// let host = WasmHost::new(Limits::default())?;
/// let bytes = PackageBytes::from_vec("x.wasm", b"\0asm".to_vec(), 1024)?;
/// let pinned_elsewhere = LoadOptions {
///     expected_sha256: Some("00".repeat(32)),
///     ..LoadOptions::default()
/// };
/// assert!(host.verify(bytes.clone(), &pinned_elsewhere).is_err());
/// let verified: VerifiedPackage = host.verify(bytes, &LoadOptions::default())?;
/// assert_eq!(verified.name(), "x.wasm");
/// assert_eq!(verified.trusted_because(), None);
/// assert_eq!(verified.trust().to_string(), "unsigned, allowed (no trust policy)");
/// # Ok::<(), cloudarq_core::wasm::WasmError>(())
/// ```
///
/// Outside this crate there is no other way to get one: its fields are
/// private, and nothing converts bytes into it.
///
/// ```compile_fail
/// use cloudarq_core::wasm::{PackageBytes, VerifiedPackage};
/// let bytes = PackageBytes::from_vec("x.wasm", b"\0asm".to_vec(), 1024).unwrap();
/// let forged = VerifiedPackage { package: bytes, trust: cloudarq_core::wasm::TrustStatus::Unchecked };
/// ```
///
/// ```compile_fail
/// use cloudarq_core::wasm::{PackageBytes, VerifiedPackage};
/// let bytes = PackageBytes::from_vec("x.wasm", b"\0asm".to_vec(), 1024).unwrap();
/// let forged: VerifiedPackage = bytes.into();
/// ```
pub struct VerifiedPackage {
    package: PackageBytes,
    trust: TrustStatus,
}

/// How a package's origin was checked when it was verified: what a scan's
/// summary shows beside the package's name, version and sha256.
///
/// ```
/// use cloudarq_core::wasm::TrustStatus;
/// let s = TrustStatus::Signed("ed25519:AAAA".into());
/// assert_eq!(s.to_string(), "signed by ed25519:AAAA (no trust policy)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustStatus {
    /// A trust policy accepted it: why (a pinned digest, or a trusted key).
    Trusted(String),
    /// Its sha256 is the digest the configuration pins; no trust policy.
    Pinned,
    /// A valid signature by this public key; no trust policy was given, so
    /// the key is not known to be trusted.
    Signed(String),
    /// No signature, no pin, no trust policy: allowed because nothing asked
    /// for more.
    Unchecked,
}

impl std::fmt::Display for TrustStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Trusted(why) => write!(f, "trusted: {why}"),
            Self::Pinned => f.write_str("sha256 pinned by the configuration (no trust policy)"),
            Self::Signed(key) => write!(f, "signed by {key} (no trust policy)"),
            Self::Unchecked => f.write_str("unsigned, allowed (no trust policy)"),
        }
    }
}

impl std::fmt::Debug for VerifiedPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedPackage")
            .field("package", &self.package)
            .field("trust", &self.trust)
            .finish()
    }
}

impl VerifiedPackage {
    /// The name it is known by (the path as given, for a file).
    pub fn name(&self) -> &str {
        self.package.name()
    }
    /// The lowercase hex sha256 of its bytes.
    pub fn sha256(&self) -> &str {
        self.package.sha256()
    }
    /// Why the trust policy accepted it (`None` without a trust policy).
    pub fn trusted_because(&self) -> Option<&str> {
        match &self.trust {
            TrustStatus::Trusted(why) => Some(why),
            _ => None,
        }
    }
    /// How its origin was checked.
    pub fn trust(&self) -> &TrustStatus {
        &self.trust
    }
    /// The verified bytes, for inspection and compilation.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.package.bytes()
    }
}

impl WasmHost {
    /// Checks a package read by [`read_package`](Self::read_package) or
    /// [`PackageBytes::from_vec`], and only then makes it compilable:
    ///
    /// - **size**: at most [`Limits::module_bytes`] of this host;
    /// - **pin**: its sha256 is `opts.expected_sha256`, when one is given;
    /// - **trust**: with `opts.trust`, it is pinned by the policy or signed
    ///   (`opts.signature`) by a key the policy trusts (fail closed);
    ///   without a policy, a signature that is given must still verify.
    ///
    /// Only those three fields of `opts` are read here; the settings are
    /// [`load_package`](Self::load_package)'s.
    pub fn verify(
        &self,
        package: PackageBytes,
        opts: &LoadOptions<'_>,
    ) -> Result<VerifiedPackage, WasmError> {
        let trust = check(&self.limits, &package, opts)?;
        Ok(VerifiedPackage { package, trust })
    }
}

/// The size, pin and trust checks; how the package's origin was checked.
fn check(
    limits: &Limits,
    package: &PackageBytes,
    opts: &LoadOptions<'_>,
) -> Result<TrustStatus, WasmError> {
    let (name, bytes) = (package.name(), package.bytes());
    let untrusted = |reason: String| WasmError::Untrusted {
        name: name.to_owned(),
        reason,
    };
    if bytes.len() > limits.module_bytes {
        return Err(WasmError::TooLarge {
            name: name.to_owned(),
            what: "package",
            size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            limit: limits.module_bytes,
        });
    }
    let sha256 = package.sha256();
    if let Some(pin) = &opts.expected_sha256
        && !pin.trim().eq_ignore_ascii_case(sha256)
    {
        return Err(untrusted(format!(
            "sha256 is {sha256}, the configuration pins {}",
            pin.trim()
        )));
    }
    match (opts.trust, &opts.signature) {
        (Some(policy), sig) => Ok(TrustStatus::Trusted(
            policy.check(bytes, sig.as_ref()).map_err(untrusted)?,
        )),
        (None, Some(sig)) => Ok(TrustStatus::Signed(sig.verify(bytes).map_err(untrusted)?)),
        (None, None) if opts.expected_sha256.is_some() => Ok(TrustStatus::Pinned),
        (None, None) => Ok(TrustStatus::Unchecked),
    }
}
