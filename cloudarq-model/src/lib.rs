//! CloudArq's rule API: the typed inventory model that collectors fill and
//! rules read.
//!
//! This crate is deliberately small: it depends on serde, serde_json, thiserror,
//! time and secrecy only (plus `wit-bindgen` behind the `guest` feature), so a
//! WebAssembly rule guest can use it without tokio, the AWS SDK or wasmtime.
//! [`credentials`] holds the one [`RoleArn`], [`ExternalId`] and
//! [`StaticKeys`] that the CLI, the collector and the store share. [`package`] holds
//! the metadata of WebAssembly rule packages; the `guest` feature adds the
//! guest SDK (`guest`, `export_rules!`).
//!
//! The principal types are [`Snapshot`] (one collection of one account,
//! versioned JSON), [`Resource`] (one ARN, its [`ResourceType`] and typed
//! [`Properties`]), [`Collected`] (a value or *not collected*) and
//! [`CoverageGap`] (what could not be read, and why). [`text`] makes
//! untrusted strings inert for a terminal, a log line or a CSV cell.
//!
//! ```
//! use cloudarq_model::{Snapshot, ResourceType, Timestamp};
//! let snap = Snapshot::new("123456789012".parse()?, cloudarq_model::Partition::aws(),
//!     "2026-01-01T00:00:00Z".parse::<Timestamp>()?);
//! assert_eq!(snap.of_type(ResourceType::S3Bucket).count(), 0);
//! # Ok::<(), cloudarq_model::ModelError>(())
//! ```
#![warn(missing_docs)]
// Unsafe code is denied (workspace lint); only the generated guest bindings
// (feature `guest`, never built for the host) allow it.

mod common;
pub mod credentials;
mod derived;
mod error;
pub mod finding;
#[cfg(feature = "guest")]
pub mod guest;
mod ids;
pub mod inventory;
pub mod mute;
pub mod organization;
pub mod package;
pub mod rule;
mod snapshot;
pub mod text;

pub use common::{Collected, Service, Tags, Timestamp};
pub use credentials::{ExternalId, RoleArn, StaticKeys};
pub use derived::{
    IamGroupRef, IamGroups, SgReferences, SgReferrer, VolumeSnapshotRef, VolumeSnapshots,
};
pub use error::ModelError;
pub use ids::{AccountId, Arn, Partition, Region};
pub use inventory::{Properties, Resource, ResourceType};
pub use snapshot::{
    CollectionStats, CoverageGap, GapKind, Resources, SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION,
    Snapshot,
};
