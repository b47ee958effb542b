//! RDS inventory kinds: DB instances, Aurora/Multi-AZ clusters and their
//! snapshots.

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::RDS::DBInstance`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    /// Instance identifier.
    pub identifier: String,
    /// Engine, for example `postgres`.
    #[serde(default)]
    pub engine: Option<String>,
    /// Engine version.
    #[serde(default)]
    pub engine_version: Option<String>,
    /// Instance class.
    #[serde(default)]
    pub instance_class: Option<String>,
    /// Status, for example `available`.
    #[serde(default)]
    pub status: Option<String>,
    /// Reachable from the internet when its network allows.
    pub publicly_accessible: bool,
    /// Storage encrypted at rest.
    pub storage_encrypted: bool,
    /// KMS key, when encrypted.
    #[serde(default)]
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
    #[serde(default)]
    pub master_username: Option<String>,
    /// Tags are copied to snapshots.
    pub copy_tags_to_snapshot: bool,
    /// Endpoint port.
    #[serde(default)]
    pub port: Option<i32>,
    /// VPC id of its subnet group.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// VPC security group ids.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// CA certificate identifier.
    #[serde(default)]
    pub ca_certificate: Option<String>,
    /// Cluster it belongs to.
    #[serde(default)]
    pub cluster_identifier: Option<String>,
    /// Enhanced Monitoring interval in seconds (0 = off).
    #[serde(default)]
    pub monitoring_interval: Option<i32>,
    /// Log types exported to CloudWatch Logs.
    #[serde(default)]
    pub cloudwatch_logs_exports: Vec<String>,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

/// `AWS::RDS::DBCluster`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbCluster {
    /// Cluster identifier.
    pub identifier: String,
    /// Engine, for example `aurora-postgresql`.
    #[serde(default)]
    pub engine: Option<String>,
    /// Engine version.
    #[serde(default)]
    pub engine_version: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<String>,
    /// Storage encrypted at rest.
    pub storage_encrypted: bool,
    /// KMS key, when encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Automated backup retention in days.
    #[serde(default)]
    pub backup_retention_days: Option<i32>,
    /// Spans several availability zones.
    pub multi_az: bool,
    /// Deletion protection on.
    pub deletion_protection: bool,
    /// Automatic minor version upgrades on (Multi-AZ DB clusters only).
    #[serde(default)]
    pub auto_minor_version_upgrade: Option<bool>,
    /// IAM database authentication on.
    pub iam_auth_enabled: bool,
    /// Master user name.
    #[serde(default)]
    pub master_username: Option<String>,
    /// Tags are copied to snapshots.
    pub copy_tags_to_snapshot: bool,
    /// Endpoint port.
    #[serde(default)]
    pub port: Option<i32>,
    /// Member instance identifiers.
    #[serde(default)]
    pub members: Vec<String>,
    /// Backtrack window in seconds (Aurora MySQL), 0 or `None` when off.
    #[serde(default)]
    pub backtrack_window: Option<i64>,
    /// Log types exported to CloudWatch Logs.
    #[serde(default)]
    pub cloudwatch_logs_exports: Vec<String>,
    /// Publicly accessible (Multi-AZ DB clusters only).
    #[serde(default)]
    pub publicly_accessible: Option<bool>,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

/// `AWS::RDS::DBSnapshot` and `AWS::RDS::DBClusterSnapshot`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbSnapshot {
    /// Snapshot identifier.
    pub identifier: String,
    /// Source instance or cluster identifier.
    #[serde(default)]
    pub source_identifier: Option<String>,
    /// `manual` or `automated`.
    #[serde(default)]
    pub snapshot_type: Option<String>,
    /// Encrypted.
    pub encrypted: bool,
    /// KMS key, when encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Engine.
    #[serde(default)]
    pub engine: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Anyone may restore it (`restore` attribute contains `all`).
    #[serde(default)]
    pub public: Collected<bool>,
    /// Account ids it is shared with (`all` excluded).
    #[serde(default)]
    pub shared_with: Collected<Vec<String>>,
}
