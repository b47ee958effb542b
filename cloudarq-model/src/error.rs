//! The crate's one error type.

use thiserror::Error;

/// Errors from parsing identifiers, snapshots and other boundary data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Text that is not an ARN.
    #[error("invalid ARN {0:?}: expected arn:partition:service:region:account:resource")]
    InvalidArn(String),
    /// Text that is not a 12-digit account id.
    #[error("invalid AWS account id {0:?}: expected 12 digits")]
    InvalidAccountId(String),
    /// Text that is not a region code.
    #[error("invalid AWS region {0:?}: expected a region code such as eu-west-1")]
    InvalidRegion(String),
    /// Text that is not a partition.
    #[error("invalid AWS partition {0:?}")]
    InvalidPartition(String),
    /// A service name CloudArq does not know.
    #[error("unknown service {0:?}: expected one of iam, s3, ec2, rds")]
    UnknownService(String),
    /// A resource type name CloudArq does not know.
    #[error("unknown resource type {0:?}")]
    UnknownResourceType(String),
    /// A severity name CloudArq does not know.
    #[error("unknown severity {0:?}: expected critical, high, medium, low or informational")]
    UnknownSeverity(String),
    /// A timestamp that is not RFC 3339.
    #[error("invalid timestamp {0:?}: expected RFC 3339")]
    InvalidTimestamp(String),
    /// A snapshot document that is not valid JSON of the expected shape.
    #[error("snapshot {source_name} is not a valid CloudArq snapshot: {detail}")]
    SnapshotFormat {
        /// Where the snapshot came from (a file name, or `<memory>`).
        source_name: String,
        /// What was wrong, with line and column where known.
        detail: String,
    },
    /// A snapshot written by another version of the format.
    #[error(
        "snapshot {source_name} has format version {found}, this build reads version {supported}"
    )]
    SnapshotVersion {
        /// Where the snapshot came from.
        source_name: String,
        /// The version found in the document.
        found: u64,
        /// The version this build reads.
        supported: u32,
    },
    /// A snapshot resource whose ARN names another partition, account or
    /// service, or a region the snapshot did not collect.
    #[error("snapshot {source_name} holds resource {arn}, which does not belong to it: {detail}")]
    ForeignResource {
        /// Where the snapshot came from.
        source_name: String,
        /// The resource's ARN.
        arn: String,
        /// What does not match.
        detail: String,
    },
    /// A result document that is not a CloudArq scan result this build reads.
    #[error("result {source_name} is not a CloudArq scan result this build reads: {detail}")]
    ResultFormat {
        /// Where the result came from.
        source_name: String,
        /// What was wrong.
        detail: String,
    },
    /// A role ARN that is not `arn:<partition>:iam::<account>:role/<name>`.
    #[error("invalid role ARN {input:?}: {reason}")]
    InvalidRoleArn {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An External ID STS would refuse (the value is not echoed).
    #[error("invalid External ID: {reason}")]
    InvalidExternalId {
        /// What is wrong with it.
        reason: String,
    },
    /// Two resources in one snapshot with the same ARN.
    #[error("duplicate resource ARN {0} in snapshot")]
    DuplicateArn(String),
}
