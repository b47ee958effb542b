//! Amazon CloudWatch Logs, as the CIS "Monitoring" controls see it: a metric
//! filter on the CloudTrail log group, read for what it catches rather than
//! for how its text is spelled, and the built-in CloudWatch rules, one file
//! per rule named by its id.

mod cloudwatch_changes_to_network_acls_alarm_configured;
mod cloudwatch_changes_to_network_gateways_alarm_configured;
mod cloudwatch_changes_to_network_route_tables_alarm_configured;
mod cloudwatch_changes_to_vpcs_alarm_configured;
mod cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled;
mod cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled;
mod cloudwatch_log_metric_filter_authentication_failures;
mod cloudwatch_log_metric_filter_aws_organizations_changes;
mod cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk;
mod cloudwatch_log_metric_filter_for_s3_bucket_policy_changes;
mod cloudwatch_log_metric_filter_policy_changes;
mod cloudwatch_log_metric_filter_root_usage;
mod cloudwatch_log_metric_filter_security_group_changes;
mod cloudwatch_log_metric_filter_sign_in_without_mfa;
mod cloudwatch_log_metric_filter_unauthorized_api_calls;
pub mod filter_pattern;
mod monitoring;

use cloudarq_model::rule::Rule;

/// Every CloudWatch rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &cloudwatch_changes_to_network_acls_alarm_configured::CloudwatchChangesToNetworkAclsAlarmConfigured,
    &cloudwatch_changes_to_network_gateways_alarm_configured::CloudwatchChangesToNetworkGatewaysAlarmConfigured,
    &cloudwatch_changes_to_network_route_tables_alarm_configured::CloudwatchChangesToNetworkRouteTablesAlarmConfigured,
    &cloudwatch_changes_to_vpcs_alarm_configured::CloudwatchChangesToVpcsAlarmConfigured,
    &cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled::CloudwatchLogMetricFilterAndAlarmForAwsConfigConfigurationChangesEnabled,
    &cloudwatch_log_metric_filter_and_alarm_for_cloudtrail_configuration_changes_enabled::CloudwatchLogMetricFilterAndAlarmForCloudtrailConfigurationChangesEnabled,
    &cloudwatch_log_metric_filter_authentication_failures::CloudwatchLogMetricFilterAuthenticationFailures,
    &cloudwatch_log_metric_filter_aws_organizations_changes::CloudwatchLogMetricFilterAwsOrganizationsChanges,
    &cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk::CloudwatchLogMetricFilterDisableOrScheduledDeletionOfKmsCmk,
    &cloudwatch_log_metric_filter_for_s3_bucket_policy_changes::CloudwatchLogMetricFilterForS3BucketPolicyChanges,
    &cloudwatch_log_metric_filter_policy_changes::CloudwatchLogMetricFilterPolicyChanges,
    &cloudwatch_log_metric_filter_root_usage::CloudwatchLogMetricFilterRootUsage,
    &cloudwatch_log_metric_filter_security_group_changes::CloudwatchLogMetricFilterSecurityGroupChanges,
    &cloudwatch_log_metric_filter_sign_in_without_mfa::CloudwatchLogMetricFilterSignInWithoutMfa,
    &cloudwatch_log_metric_filter_unauthorized_api_calls::CloudwatchLogMetricFilterUnauthorizedApiCalls,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "cloudwatch");
    }

    #[test]
    fn rules_are_listed_in_id_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
