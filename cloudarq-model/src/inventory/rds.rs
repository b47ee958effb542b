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
//! | [`DbInstanceConfiguration`] (`AWS::RDS::DBInstanceConfiguration`) | `arn:aws:rds:<region>:<account>:db-configuration:<identifier>` | `DescribeDBInstances` (the fields [`DbInstance`] lacks) |
//! | [`DbClusterConfiguration`] (`AWS::RDS::DBClusterConfiguration`) | `arn:aws:rds:<region>:<account>:cluster-configuration:<identifier>` | `DescribeDBClusters` (the fields [`DbCluster`] lacks) |
//! | [`DbParameterGroup`] (`AWS::RDS::DBParameterGroup`) | `arn:aws:rds:<region>:<account>:pg:<name>` | `DescribeDBParameters` filtered to the TLS parameters, per group an instance uses |
//! | [`DbParameterGroup`] (`AWS::RDS::DBClusterParameterGroup`) | `arn:aws:rds:<region>:<account>:cluster-pg:<name>` | `DescribeDBClusterParameters` filtered to the TLS parameters, per group a cluster uses |
//! | [`RdsRegionSettings`] (`AWS::RDS::RegionSettings`) | `arn:aws:rds:<region>:<account>:account` | `DescribeEventSubscriptions`, `DescribeCertificates`, `DescribeDBEngineVersions` per engine version in use |
//!
//! The two `*Configuration` kinds exist because [`DbInstance`] and
//! [`DbCluster`] are frozen by rule contract 1.0 (WebAssembly packages read
//! them with unknown fields refused): data added later about an instance or
//! a cluster lives beside it, under its own ARN, and a rule finds it by
//! building that ARN from the identifier.
//!
//! A failed listing leaves that kind's resources of the region absent (the
//! pages read before the failure are kept) with a gap naming the call.
//!
//! **`Collected` fields:** [`DbSnapshot::public`] and
//! [`DbSnapshot::shared_with`], read per manual (or other non-automated)
//! snapshot; automated snapshots cannot be shared, so theirs are
//! `Value(false)` and `Value([])` without a call. A parameter group's
//! [`tls_parameters`](DbParameterGroup::tls_parameters) and the region
//! settings' lists, each from its own call. Every instance and cluster
//! field comes with the listing and is always present.
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

/// `AWS::RDS::DBInstanceConfiguration`: what `DescribeDBInstances` says of
/// an instance that [`DbInstance`] (frozen by rule contract 1.0) does not
/// hold, ARN `arn:aws:rds:<region>:<account>:db-configuration:<identifier>`
/// (CloudArq's name: AWS gives it none), named by the instance identifier.
/// One per [`DbInstance`], from the same listing and at no extra cost; a
/// rule about the instance finds it by building that ARN. A snapshot made
/// before this kind existed has none: rules then say *not collected*.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstanceConfiguration {
    /// The DB instance identifier (the [`DbInstance`] it describes).
    pub identifier: String,
    /// Its DB parameter groups (`DBParameterGroups`), usually one.
    #[serde(default)]
    pub parameter_groups: Vec<ParameterGroupMembership>,
    /// `EngineLifecycleSupport`: `open-source-rds-extended-support` when
    /// the instance is enrolled in RDS Extended Support,
    /// `open-source-rds-extended-support-disabled` when not; `None` when
    /// RDS did not return it (engines without Extended Support).
    #[serde(default)]
    pub engine_lifecycle_support: Option<String>,
}

/// A DB (or DB cluster) parameter group a resource uses, and whether its
/// values are applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterGroupMembership {
    /// The parameter group's name (`default.postgres16`, or a custom one).
    pub name: String,
    /// `ParameterApplyStatus`: `in-sync`, `pending-reboot`, `applying`;
    /// `None` when RDS did not say.
    #[serde(default)]
    pub apply_status: Option<String>,
}

/// `AWS::RDS::DBClusterConfiguration`: what `DescribeDBClusters` says of a
/// cluster that [`DbCluster`] (frozen by rule contract 1.0) does not hold,
/// ARN `arn:aws:rds:<region>:<account>:cluster-configuration:<identifier>`
/// (CloudArq's name), named by the cluster identifier. One per
/// [`DbCluster`], from the same listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbClusterConfiguration {
    /// The DB cluster identifier.
    pub identifier: String,
    /// Its DB cluster parameter group (`DBClusterParameterGroup`).
    #[serde(default)]
    pub parameter_group: Option<String>,
    /// `EngineLifecycleSupport` of the cluster, as for
    /// [`DbInstanceConfiguration::engine_lifecycle_support`].
    #[serde(default)]
    pub engine_lifecycle_support: Option<String>,
}

/// `AWS::RDS::DBParameterGroup` (ARN `…:pg:<name>`) and
/// `AWS::RDS::DBClusterParameterGroup` (ARN `…:cluster-pg:<name>`): a
/// parameter group that a collected instance or cluster uses (no other is
/// read), with only the parameters that decide whether the engine refuses
/// unencrypted connections; the [`Properties`](crate::Properties) variant
/// tells which kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbParameterGroup {
    /// The parameter group's name.
    pub name: String,
    /// `rds.force_ssl` (PostgreSQL, SQL Server) and
    /// `require_secure_transport` (MySQL, MariaDB), as
    /// `DescribeDBParameters` / `DescribeDBClusterParameters` (filtered by
    /// name) returned them; a parameter the engine lacks is absent. Not
    /// collected when the call failed or was denied.
    #[serde(default)]
    pub tls_parameters: Collected<Vec<DbParameter>>,
}

/// One parameter of a parameter group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbParameter {
    /// The parameter's name.
    pub name: String,
    /// Its value; `None` when the group leaves it unset (no value at all,
    /// not even the engine's default).
    #[serde(default)]
    pub value: Option<String>,
    /// `Source`: `user`, `system` or `engine-default`.
    #[serde(default)]
    pub source: Option<String>,
}

/// `AWS::RDS::RegionSettings`: what RDS says of a whole region, one per
/// scanned region, ARN `arn:aws:rds:<region>:<account>:account` (CloudArq's
/// name), named by the account id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RdsRegionSettings {
    /// The region's event subscriptions (`DescribeEventSubscriptions`).
    /// Not collected when the call failed or was denied.
    #[serde(default)]
    pub event_subscriptions: Collected<Vec<EventSubscription>>,
    /// The CA certificates RDS offers in the region
    /// (`DescribeCertificates`). Not collected when the call failed or was
    /// denied.
    #[serde(default)]
    pub certificates: Collected<Vec<CaCertificate>>,
    /// Whether RDS still offers each engine version the region's instances
    /// run (`DescribeDBEngineVersions` per engine and version, deprecated
    /// versions included); one entry per version in use, none for a region
    /// without instances.
    #[serde(default)]
    pub engine_versions: Vec<EngineVersionStatus>,
}

/// An RDS event subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSubscription {
    /// `CustSubscriptionId`, the subscription's name.
    pub name: String,
    /// `SourceType`: `db-instance`, `db-parameter-group`,
    /// `db-security-group`, `db-snapshot`, `db-cluster`, …; `None` for a
    /// subscription to every source type.
    #[serde(default)]
    pub source_type: Option<String>,
    /// `EventCategoriesList`; empty means every category.
    #[serde(default)]
    pub event_categories: Vec<String>,
    /// `SourceIdsList`; empty means every source of the type.
    #[serde(default)]
    pub source_ids: Vec<String>,
    /// `Enabled`.
    pub enabled: bool,
    /// `Status`: `active`, `no-permission`, `topic-not-exist`, `creating`,
    /// `modifying`, `deleting`.
    #[serde(default)]
    pub status: Option<String>,
    /// `SnsTopicArn`, where the events go.
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
}

/// A CA certificate RDS offers (`DescribeCertificates`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaCertificate {
    /// `CertificateIdentifier`, for example `rds-ca-rsa2048-g1`; instances
    /// name it in [`DbInstance::ca_certificate`].
    pub identifier: String,
    /// `ValidFrom`.
    #[serde(default)]
    pub valid_from: Option<Timestamp>,
    /// `ValidTill`; `None` when RDS did not return it.
    #[serde(default)]
    pub valid_till: Option<Timestamp>,
}

/// Whether RDS still offers an engine version in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineVersionStatus {
    /// The engine, for example `postgres`.
    pub engine: String,
    /// The version, for example `16.3`.
    pub version: String,
    /// `Status` as `DescribeDBEngineVersions` (with `IncludeAll`) returned
    /// it: `available` or `deprecated`; `Value(None)` when RDS no longer
    /// lists the version at all. Not collected when the call failed or was
    /// denied.
    #[serde(default)]
    pub status: Collected<Option<String>>,
}
