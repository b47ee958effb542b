//! CloudWatch and CloudWatch Logs inventory kinds: log groups with their
//! metric filters, metric alarms, and one account-level resource.
//!
//! | kind | ARN | region | filled by |
//! |---|---|---|---|
//! | [`CloudWatchAccount`] (`AWS::CloudWatch::Account`) | `arn:aws:cloudwatch::<account>:account` | global | nothing: it exists whenever CloudWatch was collected; the CIS monitoring rules (a metric filter and alarm for each kind of event) report on it |
//! | [`LogGroup`] (`AWS::Logs::LogGroup`) | `arn:aws:logs:<region>:<account>:log-group:<name>` | its region | `DescribeLogGroups`; `metric_filters` from `DescribeMetricFilters` (one listing per region) |
//! | [`Alarm`] (`AWS::CloudWatch::Alarm`) | `arn:aws:cloudwatch:<region>:<account>:alarm:<name>` | its region | `DescribeAlarms` (metric alarms) |
//!
//! Both regional kinds belong to the `cloudwatch` service (a log group's
//! ARN names `logs`). A failed `DescribeLogGroups` or `DescribeAlarms`
//! leaves that kind absent in the region with a gap naming
//! `logs:DescribeLogGroups` or `cloudwatch:DescribeAlarms`; a failed
//! `DescribeMetricFilters` leaves every log group's
//! [`metric_filters`](LogGroup::metric_filters) of the region not
//! collected, with a gap naming `logs:DescribeMetricFilters`.
//!
//! ```
//! use cloudarq_model::inventory::cloudwatch::LogGroup;
//! use cloudarq_model::{Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:logs:eu-west-1:123456789012:log-group:trail",
//!     "region": "eu-west-1", "name": "trail",
//!     "properties": {"AWS::Logs::LogGroup": {"name": "trail", "retention_days": 365,
//!         "metric_filters": {"value": [{"name": "root", "pattern": "{ $.userIdentity.type = \"Root\" }",
//!             "metrics": [{"namespace": "CIS", "name": "RootUsage"}]}]}}}
//! }))?;
//! let Properties::LogsLogGroup(g) = &r.properties else { unreachable!() };
//! assert_eq!(g.metric_filters.value().map(Vec::len), Some(1));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::CloudWatch::Account`: CloudWatch was collected for the account.
/// It has no fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchAccount {}

/// `AWS::Logs::LogGroup`: a CloudWatch Logs log group.
/// [`Resource::name`](crate::Resource::name) is its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    /// The log group's name (untrusted text).
    pub name: String,
    /// How many days events are kept (`retentionInDays`); `None`: forever.
    #[serde(default)]
    pub retention_days: Option<i32>,
    /// The KMS key that encrypts the group's events (`kmsKeyId`); `None`:
    /// CloudWatch Logs' own encryption.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// When the group was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// The group's metric filters (`DescribeMetricFilters`). Not collected
    /// when the region's filter listing failed or was denied.
    #[serde(default)]
    pub metric_filters: Collected<Vec<MetricFilter>>,
}

/// One metric filter of a log group.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricFilter {
    /// The filter's name (untrusted text).
    pub name: String,
    /// The filter pattern, as written (untrusted text).
    #[serde(default)]
    pub pattern: String,
    /// The metrics the filter publishes to.
    #[serde(default)]
    pub metrics: Vec<MetricName>,
}

/// A CloudWatch metric: its namespace and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricName {
    /// The namespace (untrusted text).
    pub namespace: String,
    /// The metric's name (untrusted text).
    pub name: String,
}

/// `AWS::CloudWatch::Alarm`: a metric alarm.
/// [`Resource::name`](crate::Resource::name) is its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// The alarm's name (untrusted text).
    pub name: String,
    /// The metric the alarm watches, for a single-metric alarm.
    #[serde(default)]
    pub metric: Option<MetricName>,
    /// The metrics a metric-math alarm reads (`Metrics[].MetricStat`).
    #[serde(default)]
    pub math_metrics: Vec<MetricName>,
    /// The alarm's actions run when it changes state (`ActionsEnabled`).
    #[serde(default)]
    pub actions_enabled: bool,
    /// What runs when the alarm fires (`AlarmActions`: SNS topic ARNs,
    /// Auto Scaling or EC2 actions).
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// The alarm's state (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    #[serde(default)]
    pub state: Option<String>,
}

impl Alarm {
    /// Whether the alarm watches `metric` (alone or within metric math).
    pub fn watches(&self, metric: &MetricName) -> bool {
        self.metric.as_ref() == Some(metric) || self.math_metrics.contains(metric)
    }
}
