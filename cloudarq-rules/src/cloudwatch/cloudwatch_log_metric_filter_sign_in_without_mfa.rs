//! `cloudwatch_log_metric_filter_sign_in_without_mfa`: console sign-ins without MFA are monitored: a metric filter on the
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
    id: "cloudwatch_log_metric_filter_sign_in_without_mfa",
    title: "A log metric filter and alarm exist for console sign-in without MFA",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "A console sign-in without MFA is one password away from a takeover. Being told when it happens shows which users still sign in with a password alone, and catches a stolen password in use.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name ConsoleSigninWithoutMFA \
  --metric-transformations metricName=ConsoleSigninWithoutMFA,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'
aws cloudwatch put-metric-alarm --alarm-name ConsoleSigninWithoutMFA --metric-name ConsoleSigninWithoutMFA --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.2"),
        cis7("5.2"),
        fsbp("CloudWatch.3"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for console sign-in without MFA.
pub(crate) struct CloudwatchLogMetricFilterSignInWithoutMfa;

impl Rule for CloudwatchLogMetricFilterSignInWithoutMfa {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::ConsoleSignInWithoutMfa,
            "console sign-ins without MFA",
        ))
    }
}
