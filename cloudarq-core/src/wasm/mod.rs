//! WebAssembly rules (W1–W5): third-party rules run sandboxed beside the
//! built-in ones.
//!
//! - The contract is the WIT package `cloudarq:rule@1.0.0`
//!   (`cloudarq-model/wit/cloudarq-rule@1.0.0/rule.wit`): a guest exports
//!   `configure(settings)`, a batched `evaluate(unit, resources)` and
//!   `metadata()`, and imports only `log`. Bindings come from
//!   `wasmtime::component::bindgen!`; [`ACCEPTED_CONTRACTS`] lists the
//!   versions this host runs. A resource crosses as its ARN, its type name
//!   and the serde JSON of [`cloudarq_model::Resource`], so the guest SDK
//!   hands rules the very types native rules get (typed WIT records per kind
//!   are for a later contract version).
//! - A package is a component with its [`PackageMeta`] JSON in the
//!   `cloudarq-rule-meta` custom section, read by [`inspect`] without
//!   running anything and validated on load. [`package_module`] builds one
//!   from a guest's core module (`cloudarq rules package`).
//! - A package file is read once, bounded, into [`PackageBytes`] (a FIFO,
//!   device or directory is refused before reading); those same bytes go to
//!   the pin, trust, settings lookup, inspection and compilation.
//! - [`WasmHost`] owns one engine (fuel and epoch interruption, no WASI),
//!   the linker, an optional compiled cache (entries authenticated by an
//!   HMAC under a per-host key) and the epoch thread;
//!   [`WasmHost::load_package`] checks size, pin and trust ([`trust`]) before
//!   compiling; [`WasmHost::evaluate`] runs a package per scan unit with
//!   fresh, pre-linked instances and size-bounded batches under [`Limits`],
//!   within a time budget per package.
//! - Every failure (a [`Failure`]) becomes ERROR findings for the package's
//!   rules on the affected resources; other rules and packages keep running.
//! - [`WasmRules`] is the set of packages a scan runs; the engine merges
//!   their findings ([`Engine::with_wasm_rules`](crate::engine::Engine::with_wasm_rules)).
//!
//! ```no_run
//! use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost};
//! let host = WasmHost::new(Limits::default())?;
//! let pkg = host.load_file("tag-owner.wasm".as_ref(), &LoadOptions::default())?;
//! let snapshot = cloudarq_model::Snapshot::from_json(&std::fs::read_to_string("s.json")?, "s.json")?;
//! let run = host.evaluate(&pkg, &snapshot);
//! println!("{} findings, {} fuel", run.findings.len(), run.stats.fuel_used);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod error;
mod files;
mod host;
mod inspect;
mod limits;
mod packaging;
mod rules;
pub mod trust;

/// Host bindings generated from the contract's WIT.
#[allow(missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../cloudarq-model/wit/cloudarq-rule@1.0.0",
        world: "rule",
    });
}

pub use cloudarq_model::package::PackageMeta;
pub use error::{Failure, WasmError};
pub use files::{PackageBytes, write_secret_file};
pub use host::{LoadOptions, LoadStats, PackageRun, RunStats, WasmHost, WasmPackage};
pub use inspect::{ACCEPTED_CONTRACTS, EVALUATOR_INTERFACE, HOST_VERSION, PackageInfo, inspect};
pub use limits::Limits;
pub use packaging::package_module;
pub use rules::{WasmRules, WasmRun};
