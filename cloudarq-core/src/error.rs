//! The error of configuring, authenticating and collecting (feature
//! `collect`); the engine, the reports, rule packages and the scan pipeline
//! have their own (`EngineError`, `ReportError`, `WasmError`, `ScanError`).

use thiserror::Error;

/// Errors of configuring, authenticating and collecting.
///
/// Messages name the input at fault but never a secret's value.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A role session name STS would refuse.
    #[error("invalid role session name {input:?}: {reason}")]
    InvalidSessionName {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An endpoint URL that is not an http(s) URL.
    #[error("invalid endpoint URL {input:?}: {reason}")]
    InvalidEndpoint {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A region, account id, role ARN, External ID or other identifier
    /// that did not parse.
    #[error(transparent)]
    Model(#[from] cloudarq_model::ModelError),
    /// No region to scan.
    #[error("no regions to scan: {0}")]
    NoRegions(String),
    /// No service to scan.
    #[error("no services to scan: none was selected")]
    NoServices,
    /// A service deadline that cannot be met.
    #[error("invalid service deadline: {0}")]
    InvalidDeadline(String),
    /// The endpoint could not be reached.
    #[error("cannot reach AWS endpoint {endpoint}: {detail}")]
    Unreachable {
        /// The endpoint or region that was tried.
        endpoint: String,
        /// The transport error.
        detail: String,
    },
    /// The credentials were rejected, expired or missing.
    #[error("credentials from {source_name} were rejected: {code}: {detail}")]
    InvalidCredentials {
        /// Where the credentials came from (`static keys`, `profile prod`, …).
        source_name: String,
        /// The AWS error code.
        code: String,
        /// The AWS message.
        detail: String,
    },
    /// `sts:AssumeRole` failed for another reason (trust policy, External ID mismatch, …).
    #[error("cannot assume role {role_arn}: {code}: {detail}")]
    AssumeRole {
        /// The role.
        role_arn: String,
        /// The AWS error code.
        code: String,
        /// The AWS message.
        detail: String,
    },
    /// Another AWS error during set-up.
    #[error("{action} failed: {code}: {detail}")]
    Aws {
        /// The IAM action.
        action: &'static str,
        /// The AWS error code.
        code: String,
        /// The AWS message.
        detail: String,
    },
}
