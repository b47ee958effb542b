//! CloudArq core: AWS access and collectors (the inventory snapshot), the
//! finding engine, the report writers and the WebAssembly rule host.
//!
//! - [`engine::Engine`] evaluates rules over a
//!   [`Snapshot`](cloudarq_model::Snapshot) into a
//!   [`ScanResult`](cloudarq_model::finding::ScanResult), with a mutelist and
//!   framework scores; [`engine::diff`] compares two results.
//! - [`report`] writes JSON, OCSF, CSV, HTML and the terminal summary.
//! - [`scan::ScanPlan`] is one scan, start to end: source, rules, mutelist,
//!   frameworks, report files.
//! - `Auditor` (feature `collect`) collects an account into a snapshot: give
//!   it a `CredentialSource` (assume a role with an `ExternalId`, the default
//!   chain, or static keys), regions and services; `Auditor::collect` returns
//!   typed resources keyed by ARN plus the coverage gaps that could not be
//!   read.
//! - `wasm` (feature `wasm`) runs third-party rules sandboxed in
//!   WebAssembly beside the built-in ones.
//!
//! # Features
//!
//! - `collect` (default): the AWS SDK clients, `Auditor`, credentials and
//!   the collectors, `scan::CollectPlan`.
//! - `wasm` (default): the WebAssembly rule host (wasmtime): `wasm`,
//!   `Engine::with_wasm_rules`, `scan::PackagePlan`.
//! - `packaging`: `wasm` plus the author's packaging tool,
//!   `wasm::package_module` (wit-component); the `cloudarq` command enables it.
//!
//! With `default-features = false` an embedder gets the engine, the
//! mutelist, scores, diff, every report writer and [`scan::ScanPlan`] over a
//! snapshot in hand, and builds neither wasmtime nor the AWS SDK. This
//! example runs in every combination:
//!
//! ```
//! use cloudarq_core::engine::Engine;
//! use cloudarq_core::report::{OutputFormat, RuleIndex, write_reports};
//! use cloudarq_model::Snapshot;
//!
//! # let json = include_str!("../../testdata/demo-snapshot.json");
//! let snapshot = Snapshot::from_json(json, "demo")?;
//! let engine = Engine::new(cloudarq_rules::all())
//!     .with_frameworks(cloudarq_rules::frameworks::frameworks()?);
//! let result = engine.evaluate(&snapshot);
//! let dir = tempfile::tempdir()?;
//! let formats = OutputFormat::parse_list("html,ocsf")?;
//! let written = write_reports(&result, &RuleIndex::builtin(), &formats, dir.path())?;
//! assert_eq!(written.len(), 2);
//! assert!(result.findings.len() > 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
// Unsafe code is denied by the workspace lint; the one exception is the
// compiled-module cache load in `wasm/cache.rs` (see `tests/wasm_cache.rs`).

#[cfg(feature = "collect")]
mod auditor;
#[cfg(feature = "collect")]
mod auth;
#[cfg(feature = "collect")]
mod aws;
#[cfg(feature = "collect")]
mod collect;
pub mod engine;
#[cfg(feature = "collect")]
mod error;
pub mod input;
#[cfg(feature = "collect")]
pub mod organization;
#[cfg(feature = "collect")]
mod progress;
pub mod report;
pub mod scan;
#[cfg(feature = "wasm")]
pub mod wasm;

#[cfg(feature = "collect")]
pub use auditor::{Auditor, AuditorBuilder, DEFAULT_SERVICE_DEADLINE, ENDPOINT_ENV};
#[cfg(feature = "collect")]
pub use auth::{
    CredentialSource, ExternalId, RoleArn, SESSION_DURATION_SECS, SESSION_NAME_PREFIX, StaticKeys,
};
/// The AWS layer is internal; embedders see the actions it calls (the IAM
/// permissions a role needs), its pacing and its retry policy.
#[cfg(feature = "collect")]
pub use aws::{Action, ApiService, RateLimits, RetryPolicy};
pub use cloudarq_model as model;
#[cfg(feature = "collect")]
pub use error::CoreError;
#[cfg(feature = "collect")]
pub use progress::ProgressEvent;
