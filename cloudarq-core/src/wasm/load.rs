//! Loading a package: [`WasmHost::load_file`] and [`WasmHost::load`] read
//! it once, have [`WasmHost::verify`] run the size, pin and trust checks
//! (`verify.rs`), then [`WasmHost::load_package`] reads the metadata, picks
//! the settings, checks the contract version, compiles (or takes the
//! compiled cache's entry) and pre-links, all on the same verified bytes.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use cloudarq_model::package::PackageMeta;
use wasmtime::Engine;
use wasmtime::component::Component;

use super::bindings::RulePre;
use super::cache::Lookup;
use super::files::PackageBytes;
use super::host::{GuestState, WasmHost};
use super::inspect::{PackageInfo, contract_problem, inspect};
use super::trust::{Signature, TrustPolicy};
use super::verify::{TrustStatus, VerifiedPackage};
use super::{Failure, WasmError};

/// How to load one package.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions<'a> {
    /// Settings passed to `configure` (`{}` when `None`).
    pub settings: Option<serde_json::Value>,
    /// Settings keyed by package name, looked up under the name in the
    /// package's own metadata when `settings` is `None`.
    pub settings_by_package: Option<&'a BTreeMap<String, serde_json::Value>>,
    /// Refuse the package unless its sha256 is this (lowercase hex).
    pub expected_sha256: Option<String>,
    /// Its detached signature, if any.
    pub signature: Option<Signature>,
    /// When set, the package must be pinned or signed by a trusted key.
    pub trust: Option<&'a TrustPolicy>,
}

/// How a package was loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadStats {
    /// Whether the compiled component came from the cache.
    pub cached: bool,
    /// Why a cache entry for the package was not used, when there was one
    /// (for example `cache tag invalid`); the package was recompiled.
    pub recompiled_because: Option<String>,
    /// Time to compile or deserialize, and pre-link.
    pub load_time: Duration,
    /// Why trust accepted it (`None` without a trust policy).
    pub trusted_because: Option<String>,
    /// How its origin was checked (trust policy, pin, signature, or none).
    pub trust: TrustStatus,
}

/// A loaded package: ready to run, or broken with the cause (every rule of
/// it then gives ERROR findings).
pub struct WasmPackage {
    pub(super) engine: Engine,
    pub(super) name: String,
    sha256: String,
    pub(super) info: PackageInfo,
    pub(super) settings: String,
    pub(super) state: Result<RulePre<GuestState>, Failure>,
    stats: LoadStats,
}

impl std::fmt::Debug for WasmPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPackage")
            .field("name", &self.name)
            .field("sha256", &self.sha256)
            .field("rules", &self.info.meta.rules.len())
            .field("failure", &self.state.as_ref().err())
            .finish_non_exhaustive()
    }
}

impl WasmPackage {
    /// The name it was loaded under (file name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its metadata.
    pub fn meta(&self) -> &PackageMeta {
        &self.info.meta
    }
    /// Its metadata, imports and exports.
    pub fn info(&self) -> &PackageInfo {
        &self.info
    }
    /// The sha256 of the package file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    /// Why it cannot run, if it cannot.
    pub fn failure(&self) -> Option<&Failure> {
        self.state.as_ref().err()
    }
    /// How it was loaded.
    pub fn load_stats(&self) -> &LoadStats {
        &self.stats
    }
}

impl WasmHost {
    /// Reads a package file once, bounded by [`Limits::module_bytes`](super::Limits::module_bytes)
    /// ([`PackageBytes::read`]).
    pub fn read_package(&self, path: &Path) -> Result<PackageBytes, WasmError> {
        PackageBytes::read(path, self.limits.module_bytes)
    }

    /// Loads a package file ([`read_package`](Self::read_package),
    /// [`verify`](Self::verify), then [`load_package`](Self::load_package));
    /// its signature is read from `<file>.sig` when present.
    pub fn load_file(&self, path: &Path, opts: &LoadOptions<'_>) -> Result<WasmPackage, WasmError> {
        let package = self.read_package(path)?;
        let mut opts = opts.clone();
        if opts.signature.is_none() {
            opts.signature = Signature::read_for(path)?;
        }
        let verified = self.verify(package, &opts)?;
        self.load_package(&verified, &opts)
    }

    /// Loads package bytes held in memory, under `name`
    /// ([`PackageBytes::from_vec`], [`verify`](Self::verify), then
    /// [`load_package`](Self::load_package)).
    pub fn load(
        &self,
        bytes: &[u8],
        name: &str,
        opts: &LoadOptions<'_>,
    ) -> Result<WasmPackage, WasmError> {
        let package = PackageBytes::from_vec(name, bytes.to_vec(), self.limits.module_bytes)?;
        let verified = self.verify(package, opts)?;
        self.load_package(&verified, opts)
    }

    /// Loads a package that passed [`verify`](Self::verify): metadata,
    /// settings (`opts.settings`, else `opts.settings_by_package`; refused,
    /// naming the package, when they lack a key the package's settings
    /// schema lists as `required`), contract
    /// version, compilation (or the cache) and linking, all on the verified
    /// bytes. The pin, signature and trust policy of `opts` are not read
    /// again: they were [`verify`](Self::verify)'s.
    ///
    /// A metadata problem is an error (nothing can run). A contract, compile
    /// or link problem gives a package whose rules all report ERROR with the
    /// cause.
    pub fn load_package(
        &self,
        package: &VerifiedPackage,
        opts: &LoadOptions<'_>,
    ) -> Result<WasmPackage, WasmError> {
        let name = package.name();
        let sha256 = package.sha256().to_owned();
        let info = inspect(package.bytes(), name)?;
        let settings = opts
            .settings
            .clone()
            .or_else(|| {
                opts.settings_by_package
                    .and_then(|m| m.get(&info.meta.name).cloned())
            })
            .unwrap_or_else(|| serde_json::json!({}));
        info.meta
            .check_settings(&settings)
            .map_err(|reason| WasmError::Settings {
                name: info.meta.name.clone(),
                reason,
            })?;
        let settings = settings.to_string();
        let started = Instant::now();
        let mut cached = false;
        let mut recompiled_because = None;
        let state = match contract_problem(&info) {
            Some(f) => Err(f),
            None => self
                .compile(package, &mut cached, &mut recompiled_because)
                .and_then(|c| {
                    let pre = self
                        .linker
                        .instantiate_pre(&c)
                        .map_err(|e| Failure::Link(format!("{e:#}")))?;
                    RulePre::new(pre).map_err(|e| Failure::Link(format!("{e:#}")))
                }),
        };
        if let Err(f) = &state {
            tracing::warn!(package = name, cause = %f, "wasm rule package cannot run; its rules report ERROR");
        }
        Ok(WasmPackage {
            engine: self.engine.clone(),
            name: name.to_owned(),
            sha256,
            info,
            settings,
            state,
            stats: LoadStats {
                cached,
                recompiled_because,
                load_time: started.elapsed(),
                trusted_because: package.trusted_because().map(str::to_owned),
                trust: package.trust().clone(),
            },
        })
    }

    /// The compiled cache's entry for `package`, else a fresh compilation
    /// (then stored in the cache).
    fn compile(
        &self,
        package: &VerifiedPackage,
        cached: &mut bool,
        recompiled_because: &mut Option<String>,
    ) -> Result<Component, Failure> {
        if let Some(cache) = &self.cache {
            match cache.get(&self.engine, package) {
                Lookup::Hit(c) => {
                    *cached = true;
                    return Ok(c);
                }
                Lookup::Miss => {}
                Lookup::Rejected(why) => *recompiled_because = Some(why),
            }
        }
        let c = self
            .compile_verified(package)
            .map_err(|e| Failure::Compile(format!("{e:#}")))?;
        if let Some(cache) = &self.cache {
            cache.put(&self.engine, package, &c);
        }
        Ok(c)
    }

    /// Compiles `package` with this host's engine: the crate's one call of
    /// wasmtime's compiler, and it takes only verified bytes.
    pub(super) fn compile_verified(
        &self,
        package: &VerifiedPackage,
    ) -> wasmtime::Result<Component> {
        Component::new(&self.engine, package.bytes())
    }
}
