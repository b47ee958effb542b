//! `cloudwatch_log_metric_filter_policy_changes`: IAM policy changes are monitored: a metric filter on the
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
    id: "cloudwatch_log_metric_filter_policy_changes",
    title: "A log metric filter and alarm exist for IAM policy changes",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "Changing a policy is how access is widened, by mistake or by an intruder keeping a foothold. An alarm on every IAM policy change lets someone check each one.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name IAMPolicyChanges \
  --metric-transformations metricName=IAMPolicyChanges,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}'
aws cloudwatch put-metric-alarm --alarm-name IAMPolicyChanges --metric-name IAMPolicyChanges --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.4"),
        cis7("5.4"),
        fsbp("CloudWatch.4"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for IAM policy changes.
pub(crate) struct CloudwatchLogMetricFilterPolicyChanges;

impl Rule for CloudwatchLogMetricFilterPolicyChanges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::IamPolicyChanges,
            "IAM policy changes",
        ))
    }
}
