//! `cloudwatch_log_metric_filter_for_s3_bucket_policy_changes`: S3 bucket policy changes are monitored: a metric filter on the
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
    id: "cloudwatch_log_metric_filter_for_s3_bucket_policy_changes",
    title: "A log metric filter and alarm exist for S3 bucket policy changes",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "A bucket policy or ACL change is how data gets exposed to the internet or another account. An alarm lets someone review each change before the data is read.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name S3BucketPolicyChanges \
  --metric-transformations metricName=S3BucketPolicyChanges,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }'
aws cloudwatch put-metric-alarm --alarm-name S3BucketPolicyChanges --metric-name S3BucketPolicyChanges --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.8"),
        cis7("5.8"),
        fsbp("CloudWatch.8"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for S3 bucket policy changes.
pub(crate) struct CloudwatchLogMetricFilterForS3BucketPolicyChanges;

impl Rule for CloudwatchLogMetricFilterForS3BucketPolicyChanges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::S3BucketPolicyChanges,
            "S3 bucket policy changes",
        ))
    }
}
