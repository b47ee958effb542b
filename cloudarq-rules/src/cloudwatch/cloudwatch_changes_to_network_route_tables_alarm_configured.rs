//! `cloudwatch_changes_to_network_route_tables_alarm_configured`: route table changes are monitored: a metric filter on the
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
    id: "cloudwatch_changes_to_network_route_tables_alarm_configured",
    title: "A log metric filter and alarm exist for route table changes",
    severity: Severity::Medium,
    service: Service::Cloudwatch,
    resource_types: &[ResourceType::CloudWatchAccount],
    rationale: "A changed route can send a subnet's traffic through a host an attacker controls, or to the internet. An alarm on route table changes catches that.",
    remediation: Remediation {
        cli: r##"aws logs put-metric-filter --log-group-name <trail-log-group> --filter-name RouteTableChanges \
  --metric-transformations metricName=RouteTableChanges,metricNamespace=CISBenchmark,metricValue=1 \
  --filter-pattern '{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }'
aws cloudwatch put-metric-alarm --alarm-name RouteTableChanges --metric-name RouteTableChanges --namespace CISBenchmark \
  --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 \
  --comparison-operator GreaterThanOrEqualToThreshold --alarm-actions <sns-topic-arn>"##,
        console: "CloudWatch > Log groups > <trail log group> > Metric filters > Create metric \
                  filter (the pattern above) > then Create alarm on its metric, notifying an SNS \
                  topic with a confirmed subscription.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
    },
    controls: &[
        cis3("4.13"),
        cis7("5.13"),
        fsbp("CloudWatch.13"),
        nist("SI-4(2)"),
    ],
};

/// A log metric filter and alarm exist for route table changes.
pub(crate) struct CloudwatchChangesToNetworkRouteTablesAlarmConfigured;

impl Rule for CloudwatchChangesToNetworkRouteTablesAlarmConfigured {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(monitored(
            snapshot,
            MonitoringControl::RouteTableChanges,
            "route table changes",
        ))
    }
}
