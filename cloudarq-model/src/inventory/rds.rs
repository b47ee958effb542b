//! RDS inventory kinds: DB instances, Aurora/Multi-AZ clusters and their
//! snapshots.
//!
//! RDS is regional: every resource has `region: Some(<region>)`. ARNs are
//! the ones RDS returns:
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`DbInstance`] (`AWS::RDS::DBInstance`) | `arn:aws:rds:<region>:<account>:db:<identifier>` | `DescribeDBInstances` |
//! | [`DbCluster`] (`AWS::RDS::DBCluster`) | `arn:aws:rds:<region>:<account>:cluster:<identifier>` | `DescribeDBClusters` |
//! | [`DbSnapshot`] (`AWS::RDS::DBSnapshot`) | `arn:aws:rds:<region>:<account>:snapshot:<identifier>` | `DescribeDBSnapshots`; `public` and `shared_with` from `DescribeDBSnapshotAttributes` |
//! | [`DbSnapshot`] (`AWS::RDS::DBClusterSnapshot`) | `arn:aws:rds:<region>:<account>:cluster-snapshot:<identifier>` | `DescribeDBClusterSnapshots`; `public` and `shared_with` from `DescribeDBClusterSnapshotAttributes` |
//!
//! A failed listing leaves that kind's resources of the region absent (the
//! pages read before the failure are kept) with a gap naming the call.
//!
//! **`Collected` fields:** only [`DbSnapshot::public`] and
//! [`DbSnapshot::shared_with`], read per manual (or other non-automated)
//! snapshot; automated snapshots cannot be shared, so theirs are
//! `Value(false)` and `Value([])` without a call. Every instance and
//! cluster field comes with the listing and is always present.
//!
//! Resources refer to each other by identifier: an instance's
//! [`cluster_identifier`](DbInstance::cluster_identifier), a cluster's
//! [`members`](DbCluster::members), a snapshot's
//! [`source_identifier`](DbSnapshot::source_identifier). Build the ARN from
//! the table with [`Arn::build`](crate::Arn::build) (for example
//! `cluster:<identifier>`) to look the other resource up.

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::RDS::DBInstance`: a DB instance (including the instances of an
/// Aurora cluster), ARN `arn:aws:rds:<region>:<account>:db:<identifier>`,
/// from `DescribeDBInstances`. No field is `Collected`; booleans RDS did
/// not return are `false`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    /// DB instance identifier (lowercase, unique per account and region).
    pub identifier: String,
    /// Engine, for example `postgres`, `mysql`, `aurora-postgresql`.
    #[serde(default)]
    pub engine: Option<String>,
    /// Engine version, for example `16.3`.
    #[serde(default)]
    pub engine_version: Option<String>,
    /// Instance class, for example `db.t3.micro`.
    #[serde(default)]
    pub instance_class: Option<String>,
    /// Status, for example `available`, `stopped`, `creating`.
    #[serde(default)]
    pub status: Option<String>,
    /// `PubliclyAccessible`: from outside its VPC the endpoint resolves to a
    /// public IP address, so the instance is reachable from the internet
    /// where its security groups and subnet routes allow.
    pub publicly_accessible: bool,
    /// Storage is encrypted at rest.
    pub storage_encrypted: bool,
    /// The KMS key of the storage encryption, as RDS returned it (a key
    /// ARN); `None` when not encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Automated backup retention in days; 0 means automated backups are
    /// off.
    pub backup_retention_days: i32,
    /// Multi-AZ deployment (a standby in another availability zone).
    pub multi_az: bool,
    /// Deletion protection is on.
    pub deletion_protection: bool,
    /// Automatic minor version upgrades are on.
    pub auto_minor_version_upgrade: bool,
    /// IAM database authentication is on.
    pub iam_auth_enabled: bool,
    /// The master (administrator) user name.
    #[serde(default)]
    pub master_username: Option<String>,
    /// Tags are copied to snapshots of the instance.
    pub copy_tags_to_snapshot: bool,
    /// The port clients connect to (the endpoint's, else `DbInstancePort`
    /// when not 0); `None` when RDS gave neither (for example while
    /// creating).
    #[serde(default)]
    pub port: Option<i32>,
    /// The VPC (`vpc-…`) of its DB subnet group.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Ids (`sg-…`) of its VPC security groups.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Identifier of the server certificate's CA, for example
    /// `rds-ca-rsa2048-g1`.
    #[serde(default)]
    pub ca_certificate: Option<String>,
    /// Identifier of the [`DbCluster`] it belongs to, for a cluster member.
    #[serde(default)]
    pub cluster_identifier: Option<String>,
    /// Enhanced Monitoring interval in seconds (0: off; else 1, 5, 10, 15,
    /// 30 or 60); `None` when RDS did not return it.
    #[serde(default)]
    pub monitoring_interval: Option<i32>,
    /// Log types exported to CloudWatch Logs, for example `postgresql`,
    /// `error`, `audit`; empty when none.
    #[serde(default)]
    pub cloudwatch_logs_exports: Vec<String>,
    /// When the instance was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

/// `AWS::RDS::DBCluster`: an Aurora DB cluster or a Multi-AZ DB cluster,
/// ARN `arn:aws:rds:<region>:<account>:cluster:<identifier>`, from
/// `DescribeDBClusters`. No field is `Collected`; booleans RDS did not
/// return are `false`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbCluster {
    /// DB cluster identifier.
    pub identifier: String,
    /// Engine, for example `aurora-postgresql`, `aurora-mysql`, `postgres`.
    #[serde(default)]
    pub engine: Option<String>,
    /// Engine version.
    #[serde(default)]
    pub engine_version: Option<String>,
    /// Status, for example `available`.
    #[serde(default)]
    pub status: Option<String>,
    /// Storage is encrypted at rest.
    pub storage_encrypted: bool,
    /// The KMS key of the storage encryption, as RDS returned it (a key
    /// ARN); `None` when not encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Automated backup retention in days; `None` when RDS did not return
    /// it.
    #[serde(default)]
    pub backup_retention_days: Option<i32>,
    /// The cluster has instances in several availability zones.
    pub multi_az: bool,
    /// Deletion protection is on.
    pub deletion_protection: bool,
    /// Automatic minor version upgrades are on; a Multi-AZ DB cluster
    /// setting (Aurora sets it per instance), `None` when RDS did not
    /// return it.
    #[serde(default)]
    pub auto_minor_version_upgrade: Option<bool>,
    /// IAM database authentication is on.
    pub iam_auth_enabled: bool,
    /// The master (administrator) user name.
    #[serde(default)]
    pub master_username: Option<String>,
    /// Tags are copied to snapshots of the cluster.
    pub copy_tags_to_snapshot: bool,
    /// The port the cluster's endpoints listen on.
    #[serde(default)]
    pub port: Option<i32>,
    /// Identifiers of the member [`DbInstance`]s.
    #[serde(default)]
    pub members: Vec<String>,
    /// Backtrack window in seconds (Aurora MySQL); 0 or `None` when
    /// backtracking is off.
    #[serde(default)]
    pub backtrack_window: Option<i64>,
    /// Log types exported to CloudWatch Logs; empty when none.
    #[serde(default)]
    pub cloudwatch_logs_exports: Vec<String>,
    /// `PubliclyAccessible`; a Multi-AZ DB cluster setting (Aurora sets it
    /// per instance, see [`DbInstance::publicly_accessible`]), `None` when
    /// RDS did not return it.
    #[serde(default)]
    pub publicly_accessible: Option<bool>,
    /// When the cluster was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

/// `AWS::RDS::DBSnapshot` (ARN `…:snapshot:<identifier>`, from
/// `DescribeDBSnapshots`) and `AWS::RDS::DBClusterSnapshot` (ARN
/// `…:cluster-snapshot:<identifier>`, from `DescribeDBClusterSnapshots`):
/// the [`Properties`](crate::Properties) variant tells which.
///
/// `public` and `shared_with` are `Collected`: for a snapshot that is not
/// automated they come from one `Describe*SnapshotAttributes` call (its
/// `restore` attribute), and both are not collected when it failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbSnapshot {
    /// Snapshot identifier.
    pub identifier: String,
    /// Identifier of the DB instance (for a DB snapshot) or DB cluster (for
    /// a cluster snapshot) it was taken from.
    #[serde(default)]
    pub source_identifier: Option<String>,
    /// `manual`, `automated`, or another type RDS names (`awsbackup`,
    /// `shared`, `public`).
    #[serde(default)]
    pub snapshot_type: Option<String>,
    /// The snapshot is encrypted.
    pub encrypted: bool,
    /// The KMS key that encrypts it, as RDS returned it (a key ARN); `None`
    /// when not encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Engine of the source, for example `postgres`.
    #[serde(default)]
    pub engine: Option<String>,
    /// When the snapshot was taken.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Anyone may restore it: its `restore` attribute contains `all`.
    /// `Value(false)` for automated snapshots (which cannot be shared). Not
    /// collected when the attributes call failed or was denied.
    #[serde(default)]
    pub public: Collected<bool>,
    /// Account ids its `restore` attribute names (`all` excluded), sorted,
    /// each once; empty when shared with no account. Not collected when the
    /// attributes call failed or was denied.
    #[serde(default)]
    pub shared_with: Collected<Vec<String>>,
}
