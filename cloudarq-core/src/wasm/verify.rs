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
/// # Ok::<(), cloudarq_core::wasm::WasmError>(())
/// ```
///
/// Outside this crate there is no other way to get one: its fields are
/// private, and nothing converts bytes into it.
///
/// ```compile_fail
/// use cloudarq_core::wasm::{PackageBytes, VerifiedPackage};
/// let bytes = PackageBytes::from_vec("x.wasm", b"\0asm".to_vec(), 1024).unwrap();
/// let forged = VerifiedPackage { package: bytes, trusted_because: None };
/// ```
///
/// ```compile_fail
/// use cloudarq_core::wasm::{PackageBytes, VerifiedPackage};
/// let bytes = PackageBytes::from_vec("x.wasm", b"\0asm".to_vec(), 1024).unwrap();
/// let forged: VerifiedPackage = bytes.into();
/// ```
pub struct VerifiedPackage {
    package: PackageBytes,
    trusted_because: Option<String>,
}

impl std::fmt::Debug for VerifiedPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedPackage")
            .field("package", &self.package)
            .field("trusted_because", &self.trusted_because)
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
        self.trusted_because.as_deref()
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
        let trusted_because = check(&self.limits, &package, opts)?;
        Ok(VerifiedPackage {
            package,
            trusted_because,
        })
    }
}

/// The size, pin and trust checks; why the trust policy accepted the
/// package, when there is one.
fn check(
    limits: &Limits,
    package: &PackageBytes,
    opts: &LoadOptions<'_>,
) -> Result<Option<String>, WasmError> {
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
        (Some(policy), sig) => Ok(Some(policy.check(bytes, sig.as_ref()).map_err(untrusted)?)),
        (None, Some(sig)) => {
            sig.verify(bytes).map_err(untrusted)?;
            Ok(None)
        }
        (None, None) => Ok(None),
    }
}
