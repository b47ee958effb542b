//! CloudWatch collector: one region's CloudWatch Logs log groups with their
//! metric filters, and its metric alarms.
//!
//! Calls per region, the three listings at once: `DescribeLogGroups` (50
//! per page), `DescribeMetricFilters` (50 per page, every filter of the
//! region, matched to its group by name) and `DescribeAlarms` (metric
//! alarms, 100 per page). No call is made per resource.

use std::collections::BTreeMap;

use cloudarq_model::inventory::cloudwatch::{
    Alarm, CloudWatchAccount, LogGroup, MetricFilter, MetricName,
};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Tags, Timestamp};

use crate::aws::{Action, AwsContext};
use crate::collect::util::account_resource;

/// The most log groups and metric filters per page.
const LOGS_PAGE_SIZE: i32 = 50;
/// The most alarms per page.
const ALARMS_PAGE_SIZE: i32 = 100;

/// The account-level resource: CloudWatch was collected.
pub(crate) fn account(ctx: &AwsContext) -> Vec<Resource> {
    account_resource(
        ctx,
        "cloudwatch",
        Properties::CloudWatchAccount(Box::new(CloudWatchAccount {})),
    )
}

/// Collects the log groups (with metric filters) and alarms of `region`.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let logs = ctx.logs(region);
    let cw = ctx.cloudwatch(region);
    let at = Some(region);
    let (groups, filters, alarms) = futures::join!(
        ctx.paginate(
            Action::LogsDescribeLogGroups,
            at,
            logs.describe_log_groups()
                .limit(LOGS_PAGE_SIZE)
                .into_paginator()
                .send(),
        ),
        ctx.paginate(
            Action::LogsDescribeMetricFilters,
            at,
            logs.describe_metric_filters()
                .limit(LOGS_PAGE_SIZE)
                .into_paginator()
                .send(),
        ),
        ctx.paginate(
            Action::CloudWatchDescribeAlarms,
            at,
            cw.describe_alarms()
                .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
                .max_records(ALARMS_PAGE_SIZE)
                .into_paginator()
                .send(),
        ),
    );
    // Filters by log group name; a filter listing that stopped early makes
    // every group's filters not collected (the gap names the call).
    let mut by_group: Option<BTreeMap<String, Vec<MetricFilter>>> = match filters.error {
        Some(_) => None,
        None => Some(BTreeMap::new()),
    };
    if let Some(map) = by_group.as_mut() {
        for f in filters.pages.iter().flat_map(|p| p.metric_filters()) {
            let Some(group) = f.log_group_name() else {
                continue;
            };
            map.entry(group.to_owned()).or_default().push(MetricFilter {
                name: f.filter_name().unwrap_or_default().to_owned(),
                pattern: f.filter_pattern().unwrap_or_default().to_owned(),
                metrics: f
                    .metric_transformations()
                    .iter()
                    .map(|m| MetricName {
                        namespace: m.metric_namespace().to_owned(),
                        name: m.metric_name().to_owned(),
                    })
                    .collect(),
            });
        }
    }
    let mut out = Vec::new();
    for g in groups.pages.iter().flat_map(|p| p.log_groups()) {
        let Some(name) = g.log_group_name() else {
            continue;
        };
        let Some(arn) = group_arn(ctx, region, g.log_group_arn(), name) else {
            tracing::warn!("log group without a usable ARN; skipped");
            continue;
        };
        let metric_filters = match by_group.as_mut() {
            Some(map) => Collected::Value(map.remove(name).unwrap_or_default()),
            None => Collected::NotCollected,
        };
        out.push(Resource {
            arn,
            region: Some(region.clone()),
            name: name.to_owned(),
            tags: Tags::new(),
            properties: Properties::LogsLogGroup(Box::new(LogGroup {
                name: name.to_owned(),
                retention_days: g.retention_in_days(),
                kms_key_id: g.kms_key_id().map(str::to_owned),
                created: g.creation_time().and_then(from_millis),
                metric_filters,
            })),
        });
    }
    for a in alarms.pages.iter().flat_map(|p| p.metric_alarms()) {
        let Some(name) = a.alarm_name() else {
            continue;
        };
        let arn = a
            .alarm_arn()
            .and_then(|s| s.parse::<Arn>().ok())
            .or_else(|| ctx.arn("cloudwatch", Some(region), &["alarm:", name].concat()));
        let Some(arn) = arn else {
            tracing::warn!("alarm without a usable ARN; skipped");
            continue;
        };
        let metric = match (a.namespace(), a.metric_name()) {
            (Some(ns), Some(m)) => Some(MetricName {
                namespace: ns.to_owned(),
                name: m.to_owned(),
            }),
            _ => None,
        };
        let math_metrics = a
            .metrics()
            .iter()
            .filter_map(|q| q.metric_stat()?.metric())
            .filter_map(|m| {
                Some(MetricName {
                    namespace: m.namespace()?.to_owned(),
                    name: m.metric_name()?.to_owned(),
                })
            })
            .collect();
        out.push(Resource {
            arn,
            region: Some(region.clone()),
            name: name.to_owned(),
            tags: Tags::new(),
            properties: Properties::CloudWatchAlarm(Box::new(Alarm {
                name: name.to_owned(),
                metric,
                math_metrics,
                actions_enabled: a.actions_enabled().unwrap_or(false),
                alarm_actions: a.alarm_actions().to_vec(),
                state: a.state_value().map(|s| s.as_str().to_owned()),
            })),
        });
    }
    out
}

/// A log group's ARN: the one returned without its `:*` suffix, else built.
fn group_arn(ctx: &AwsContext, region: &Region, returned: Option<&str>, name: &str) -> Option<Arn> {
    returned
        .and_then(|a| a.trim_end_matches(":*").parse::<Arn>().ok())
        .or_else(|| ctx.arn("logs", Some(region), &["log-group:", name].concat()))
}

/// Milliseconds since the epoch, as CloudWatch Logs gives times.
fn from_millis(ms: i64) -> Option<Timestamp> {
    let nanos = u32::try_from(ms.rem_euclid(1000) * 1_000_000).ok()?;
    Timestamp::from_unix_nanos(ms.div_euclid(1000), nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_timestamps() {
        assert_eq!(
            from_millis(1_700_000_000_123)
                .map(|t| t.to_string())
                .as_deref(),
            Some("2023-11-14T22:13:20.123Z")
        );
        assert_eq!(
            from_millis(-1).map(|t| t.to_string()).as_deref(),
            Some("1969-12-31T23:59:59.999Z")
        );
    }
}
