//! `cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled`: AWS Config configuration changes are monitored: a metric filter on the
//! trail's log group catches them and an alarm on its metric notifies a
//! subscribed SNS topic. See [`monitored`](super::monitoring::monitored) for
//! the chain and how each step is judged; the filter pattern is evaluated,
//! not compared as text.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::filter_pattern::MonitoringControl;
use super::monitoring::monitored;
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "cloudwatch_log_metric_filter_and_alarm_for_aws_config_configuration_changes_enabled",
    title: "A log metric filter and alarm exist for AWS Config configuration changes",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "Stopping the Config recorder or changing its delivery channel blinds the account's configuration history. An alarm makes sure it is not done quietly.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name AWSConfigChanges \
  --metric-transformations metricName=AWSConfigChanges,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }'
aws cloudwatch put-metric-alarm --alarm-name AWSConfigChanges --metric-name AWSConfigChanges --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.9"),
        cis7("5.9"),
        fsbp("CloudWatch.9"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for AWS Config configuration changes.
pub(crate) struct CloudwatchLogMetricFilterAndAlarmForAwsConfigConfigurationChangesEnabled;

impl Rule for CloudwatchLogMetricFilterAndAlarmForAwsConfigConfigurationChangesEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::ConfigChanges,
            "AWS Config configuration changes",
        ))
    }
}
