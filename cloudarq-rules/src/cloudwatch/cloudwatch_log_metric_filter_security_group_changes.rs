//! `cloudwatch_log_metric_filter_security_group_changes`: security group changes are monitored: a metric filter on the
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
    id: "cloudwatch_log_metric_filter_security_group_changes",
    title: "A log metric filter and alarm exist for security group changes",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "A security group change can open a port to the internet. An alarm on every change lets someone check that each opening was intended.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name SecurityGroupChanges \
  --metric-transformations metricName=SecurityGroupChanges,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }'
aws cloudwatch put-metric-alarm --alarm-name SecurityGroupChanges --metric-name SecurityGroupChanges --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.10"),
        cis7("5.10"),
        fsbp("CloudWatch.10"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for security group changes.
pub(crate) struct CloudwatchLogMetricFilterSecurityGroupChanges;

impl Rule for CloudwatchLogMetricFilterSecurityGroupChanges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::SecurityGroupChanges,
            "security group changes",
        ))
    }
}
