//! Credentials (A1, A2). **Architecture Invariant:** only this module
//! touches secret credential material; everything else holds an opaque SDK
//! provider that is dropped when the scan ends.

mod assume_role;
mod credentials;
mod external_id;

pub use assume_role::{RoleArn, SESSION_DURATION_SECS, SESSION_NAME_PREFIX};
pub use credentials::{CredentialSource, StaticKeys};
pub(crate) use credentials::{LiveCounter, resolve};
pub use external_id::ExternalId;

/// Checks a session-name suffix before any AWS call is made.
pub(crate) fn validate_session_suffix(suffix: &str) -> Result<(), crate::error::CoreError> {
    assume_role::session_name(suffix).map(|_| ())
}
