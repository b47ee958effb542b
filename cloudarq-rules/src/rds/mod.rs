//! Built-in RDS rules, one file per rule named by its id.
//!
//! Shared logic: [`cluster`], [`engine`], [`events`].

pub(crate) mod cluster;
pub(crate) mod engine;
pub(crate) mod events;

mod rds_cluster_backtrack_enabled;
mod rds_cluster_copy_tags_to_snapshots;
mod rds_cluster_default_admin;
mod rds_cluster_deletion_protection;
mod rds_cluster_iam_authentication_enabled;
mod rds_cluster_minor_version_upgrade_enabled;
mod rds_cluster_multi_az;
mod rds_cluster_non_default_port;
mod rds_cluster_protected_by_backup_plan;
mod rds_cluster_storage_encrypted;
mod rds_instance_backup_enabled;
mod rds_instance_certificate_expiration;
mod rds_instance_copy_tags_to_snapshots;
mod rds_instance_default_admin;
mod rds_instance_deletion_protection;
mod rds_instance_deprecated_engine_version;
mod rds_instance_enhanced_monitoring_enabled;
mod rds_instance_event_subscription_parameter_groups;
mod rds_instance_event_subscription_security_groups;
mod rds_instance_extended_support;
mod rds_instance_iam_authentication_enabled;
mod rds_instance_inside_vpc;
mod rds_instance_integration_cloudwatch_logs;
mod rds_instance_minor_version_upgrade_enabled;
mod rds_instance_multi_az;
mod rds_instance_no_public_access;
mod rds_instance_non_default_port;
mod rds_instance_protected_by_backup_plan;
mod rds_instance_storage_encrypted;
mod rds_instance_transport_encrypted;
mod rds_snapshots_encrypted;
mod rds_snapshots_public_access;

use cloudarq_model::rule::Rule;

/// Every RDS rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &rds_cluster_backtrack_enabled::RdsClusterBacktrackEnabled,
    &rds_cluster_copy_tags_to_snapshots::RdsClusterCopyTagsToSnapshots,
    &rds_cluster_default_admin::RdsClusterDefaultAdmin,
    &rds_cluster_deletion_protection::RdsClusterDeletionProtection,
    &rds_cluster_iam_authentication_enabled::RdsClusterIamAuthenticationEnabled,
    &rds_cluster_minor_version_upgrade_enabled::RdsClusterMinorVersionUpgradeEnabled,
    &rds_cluster_multi_az::RdsClusterMultiAz,
    &rds_cluster_non_default_port::RdsClusterNonDefaultPort,
    &rds_cluster_protected_by_backup_plan::RdsClusterProtectedByBackupPlan,
    &rds_cluster_storage_encrypted::RdsClusterStorageEncrypted,
    &rds_instance_backup_enabled::RdsInstanceBackupEnabled,
    &rds_instance_certificate_expiration::RdsInstanceCertificateExpiration,
    &rds_instance_copy_tags_to_snapshots::RdsInstanceCopyTagsToSnapshots,
    &rds_instance_default_admin::RdsInstanceDefaultAdmin,
    &rds_instance_deletion_protection::RdsInstanceDeletionProtection,
    &rds_instance_deprecated_engine_version::RdsInstanceDeprecatedEngineVersion,
    &rds_instance_enhanced_monitoring_enabled::RdsInstanceEnhancedMonitoringEnabled,
    &rds_instance_event_subscription_parameter_groups::RdsInstanceEventSubscriptionParameterGroups,
    &rds_instance_event_subscription_security_groups::RdsInstanceEventSubscriptionSecurityGroups,
    &rds_instance_extended_support::RdsInstanceExtendedSupport,
    &rds_instance_iam_authentication_enabled::RdsInstanceIamAuthenticationEnabled,
    &rds_instance_inside_vpc::RdsInstanceInsideVpc,
    &rds_instance_integration_cloudwatch_logs::RdsInstanceIntegrationCloudwatchLogs,
    &rds_instance_minor_version_upgrade_enabled::RdsInstanceMinorVersionUpgradeEnabled,
    &rds_instance_multi_az::RdsInstanceMultiAz,
    &rds_instance_no_public_access::RdsInstanceNoPublicAccess,
    &rds_instance_non_default_port::RdsInstanceNonDefaultPort,
    &rds_instance_protected_by_backup_plan::RdsInstanceProtectedByBackupPlan,
    &rds_instance_storage_encrypted::RdsInstanceStorageEncrypted,
    &rds_instance_transport_encrypted::RdsInstanceTransportEncrypted,
    &rds_snapshots_encrypted::RdsSnapshotsEncrypted,
    &rds_snapshots_public_access::RdsSnapshotsPublicAccess,
];
