//! `cloudwatch_changes_to_network_acls_alarm_configured`: network ACL changes are monitored: a metric filter on the
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
    id: "cloudwatch_changes_to_network_acls_alarm_configured",
    title: "A log metric filter and alarm exist for network ACL changes",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "Network ACLs are a subnet's stateless firewall; a changed entry can expose every instance in the subnet. An alarm makes each change reviewed.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name NACLChanges \
  --metric-transformations metricName=NACLChanges,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }'
aws cloudwatch put-metric-alarm --alarm-name NACLChanges --metric-name NACLChanges --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.11"),
        cis7("5.11"),
        fsbp("CloudWatch.11"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for network ACL changes.
pub(crate) struct CloudwatchChangesToNetworkAclsAlarmConfigured;

impl Rule for CloudwatchChangesToNetworkAclsAlarmConfigured {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::NaclChanges,
            "network ACL changes",
        ))
    }
}
