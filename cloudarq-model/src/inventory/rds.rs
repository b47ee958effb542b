//! RDS inventory kinds: DB instances, Aurora/Multi-AZ clusters and their
//! snapshots.

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::RDS::DBInstance`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbInstance {
    /// Instance identifier.
    pub identifier: String,
    /// Engine, for example `postgres`.
    pub engine: Option<String>,
    /// Engine version.
    pub engine_version: Option<String>,
    /// Instance class.
    pub instance_class: Option<String>,
    /// Status, for example `available`.
    pub status: Option<String>,
    /// Reachable from the internet when its network allows.
    pub publicly_accessible: bool,
    /// Storage encrypted at rest.
    pub storage_encrypted: bool,
    /// KMS key, when encrypted.
    pub kms_key_id: Option<String>,
    /// Automated backup retention in days (0 = off).
    pub backup_retention_days: i32,
    /// Multi-AZ deployment.
    pub multi_az: bool,
    /// Deletion protection on.
    pub deletion_protection: bool,
    /// Automatic minor version upgrades on.
    pub auto_minor_version_upgrade: bool,
    /// IAM database authentication on.
    pub iam_auth_enabled: bool,
    /// Master user name.
    pub master_username: Option<String>,
    /// Tags are copied to snapshots.
    pub copy_tags_to_snapshot: bool,
    /// Endpoint port.
    pub port: Option<i32>,
    /// VPC id of its subnet group.
    pub vpc_id: Option<String>,
    /// VPC security group ids.
    pub security_groups: Vec<String>,
    /// CA certificate identifier.
    pub ca_certificate: Option<String>,
    /// Cluster it belongs to.
    pub cluster_identifier: Option<String>,
    /// Enhanced Monitoring interval in seconds (0 = off).
    pub monitoring_interval: Option<i32>,
    /// Log types exported to CloudWatch Logs.
    pub cloudwatch_logs_exports: Vec<String>,
    /// Creation time.
    pub created: Option<Timestamp>,
}

/// `AWS::RDS::DBCluster`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbCluster {
    /// Cluster identifier.
    pub identifier: String,
    /// Engine, for example `aurora-postgresql`.
    pub engine: Option<String>,
    /// Engine version.
    pub engine_version: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// Storage encrypted at rest.
    pub storage_encrypted: bool,
    /// KMS key, when encrypted.
    pub kms_key_id: Option<String>,
    /// Automated backup retention in days.
    pub backup_retention_days: Option<i32>,
    /// Spans several availability zones.
    pub multi_az: bool,
    /// Deletion protection on.
    pub deletion_protection: bool,
    /// Automatic minor version upgrades on (Multi-AZ DB clusters only).
    pub auto_minor_version_upgrade: Option<bool>,
    /// IAM database authentication on.
    pub iam_auth_enabled: bool,
    /// Master user name.
    pub master_username: Option<String>,
    /// Tags are copied to snapshots.
    pub copy_tags_to_snapshot: bool,
    /// Endpoint port.
    pub port: Option<i32>,
    /// Member instance identifiers.
    pub members: Vec<String>,
    /// Backtrack window in seconds (Aurora MySQL), 0 or `None` when off.
    pub backtrack_window: Option<i64>,
    /// Log types exported to CloudWatch Logs.
    pub cloudwatch_logs_exports: Vec<String>,
    /// Publicly accessible (Multi-AZ DB clusters only).
    pub publicly_accessible: Option<bool>,
    /// Creation time.
    pub created: Option<Timestamp>,
}

/// `AWS::RDS::DBSnapshot` and `AWS::RDS::DBClusterSnapshot`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DbSnapshot {
    /// Snapshot identifier.
    pub identifier: String,
    /// Source instance or cluster identifier.
    pub source_identifier: Option<String>,
    /// `manual` or `automated`.
    pub snapshot_type: Option<String>,
    /// Encrypted.
    pub encrypted: bool,
    /// KMS key, when encrypted.
    pub kms_key_id: Option<String>,
    /// Engine.
    pub engine: Option<String>,
    /// Creation time.
    pub created: Option<Timestamp>,
    /// Anyone may restore it (`restore` attribute contains `all`).
    pub public: Collected<bool>,
    /// Account ids it is shared with (`all` excluded).
    pub shared_with: Collected<Vec<String>>,
}
