//! CloudArq core: AWS access and collectors (the inventory snapshot), the
//! finding engine, the report writers and the WebAssembly rule host.
//!
//! The entry point is [`Auditor`]: give it a [`CredentialSource`] (assume a
//! role with an [`ExternalId`], the default chain, or static keys), regions
//! and services, and [`Auditor::collect`] returns a
//! [`Snapshot`](cloudarq_model::Snapshot): typed resources keyed by ARN plus
//! the coverage gaps that could not be read.
//!
//! ```no_run
//! # async fn run() -> Result<(), cloudarq_core::CoreError> {
//! use cloudarq_core::{Auditor, CredentialSource};
//! let snapshot = Auditor::builder(CredentialSource::DefaultChain { profile: None })
//!     .regions(["eu-west-1".parse()?])
//!     .build()?
//!     .collect()
//!     .await?;
//! std::fs::write("snapshot.json", snapshot.to_json()?).ok();
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
// Unsafe code is denied by the workspace lint; the one exception is the
// compiled-module cache load in `wasm/cache.rs` (see `tests/wasm_cache.rs`).

mod auditor;
mod auth;
mod aws;
mod collect;
pub mod engine;
mod error;
pub mod input;
mod progress;
pub mod report;
pub mod scan;
pub mod wasm;

pub use auditor::{Auditor, AuditorBuilder, DEFAULT_SERVICE_DEADLINE, ENDPOINT_ENV};
pub use auth::{
    CredentialSource, ExternalId, RoleArn, SESSION_DURATION_SECS, SESSION_NAME_PREFIX, StaticKeys,
};
/// The AWS layer is internal; embedders see the actions it calls (the IAM
/// permissions a role needs), its pacing and its retry policy.
pub use aws::{Action, RateLimits, RetryPolicy};
pub use cloudarq_model as model;
pub use error::CoreError;
pub use progress::ProgressEvent;
