//! Credentials (A1, A2). **Architecture Invariant:** only this module
//! touches secret credential material; everything else holds an opaque SDK
//! provider that is dropped when the scan ends.

mod assume_role;
mod credentials;

pub use assume_role::{SESSION_DURATION_SECS, SESSION_NAME_PREFIX};
// The role, External ID and static keys are defined once, in cloudarq-model.
pub use cloudarq_model::credentials::{ExternalId, RoleArn, StaticKeys};
pub use credentials::CredentialSource;
pub(crate) use credentials::{LiveCounter, resolve};

/// Checks a session-name suffix before any AWS call is made.
pub(crate) fn validate_session_suffix(suffix: &str) -> Result<(), crate::error::CoreError> {
    assume_role::session_name(suffix).map(|_| ())
}
