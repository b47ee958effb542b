//! `cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk`: disabled or scheduled-for-deletion customer managed keys are monitored: a metric filter on the
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
    id: "cloudwatch_log_metric_filter_disable_or_scheduled_deletion_of_kms_cmk",
    title: "A log metric filter and alarm exist for disabling or scheduled deletion of customer managed KMS keys",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "Data encrypted under a deleted key is lost for good, and a disabled key stops every service that depends on it. An alarm gives time to cancel a deletion within its waiting period.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name DisableOrDeleteCMK \
  --metric-transformations metricName=DisableOrDeleteCMK,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }'
aws cloudwatch put-metric-alarm --alarm-name DisableOrDeleteCMK --metric-name DisableOrDeleteCMK --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.7"),
        cis7("5.7"),
        fsbp("CloudWatch.7"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for disabling or scheduled deletion of customer managed KMS keys.
pub(crate) struct CloudwatchLogMetricFilterDisableOrScheduledDeletionOfKmsCmk;

impl Rule for CloudwatchLogMetricFilterDisableOrScheduledDeletionOfKmsCmk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::CmkDisableOrDeletion,
            "disabled or scheduled-for-deletion customer managed keys",
        ))
    }
}
