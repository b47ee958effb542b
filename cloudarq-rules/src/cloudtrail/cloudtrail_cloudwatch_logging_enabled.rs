//! `cloudtrail_cloudwatch_logging_enabled`: every trail of the account also
//! delivers to CloudWatch Logs, and did so within the last day.
//!
//! A trail without a log group fails; so does one whose last delivery to
//! CloudWatch Logs is more than 24 hours before the scan, or that never
//! delivered (a broken role or a deleted group stops delivery silently).
//! An unread status is *not collected*. An organization trail seen from a
//! member account is judged by the management account's scan.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::trail;
use crate::controls::{fsbp, nist};

/// How old the last delivery to CloudWatch Logs may be.
const MAX_DELIVERY_AGE_HOURS: i64 = 24;

static META: RuleMeta = RuleMeta {
    id: "cloudtrail_cloudwatch_logging_enabled",
    title: "CloudTrail trail delivers its events to CloudWatch Logs, the last time within a day",
    severity: Severity::Low,
    service: Service::Cloudtrail,
    resource_types: &[ResourceType::CloudTrailTrail],
    rationale: "Metric filters and alarms on API activity (the CIS monitoring controls) read \
                the trail's events in CloudWatch Logs. A trail that does not deliver there, or \
                stopped delivering, leaves every such alarm silent.",
    remediation: Remediation {
        cli: "aws cloudtrail update-trail --name <trail> \\\n\
              --cloud-watch-logs-log-group-arn <log-group-arn> --cloud-watch-logs-role-arn <role-arn>",
        console: "CloudTrail > Trails > <trail> > CloudWatch Logs > Edit > Enabled, choose the \
                  log group and the role CloudTrail uses to write to it > Save changes.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",
    },
    controls: &[fsbp("CloudTrail.5"), nist("AU-6(3)")],
};

/// The trail delivers to CloudWatch Logs.
pub(crate) struct CloudtrailCloudwatchLoggingEnabled;

impl Rule for CloudtrailCloudwatchLoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(t) = trail(resource) else {
            return Ok(Outcome::not_applicable());
        };
        if resource.arn.account() != snapshot.account_id.as_str() {
            return Ok(Outcome::not_applicable());
        }
        let Some(group) = t.cloudwatch_logs_log_group_arn.as_deref() else {
            return Ok(Outcome::fail(format!(
                "trail {} does not deliver to CloudWatch Logs",
                t.name
            )));
        };
        let status = match &t.status {
            Collected::NotCollected => return Ok(Outcome::not_collected("status")),
            Collected::Value(s) => s,
        };
        let now = snapshot.collected_at.get();
        let fresh = status
            .latest_cloudwatch_logs_delivery
            .is_some_and(|at| (now - at.get()).whole_hours() <= MAX_DELIVERY_AGE_HOURS);
        Ok(Outcome::check(
            fresh,
            format!("trail {} delivers to CloudWatch Logs", t.name),
            format!(
                "trail {} is set to deliver to CloudWatch Logs but has not in the last {MAX_DELIVERY_AGE_HOURS} hours",
                t.name
            ),
        )
        .with_evidence(json!({"log_group_arn": group,
            "latest_cloudwatch_logs_delivery": status.latest_cloudwatch_logs_delivery,
            "latest_cloudwatch_logs_delivery_error": status.latest_cloudwatch_logs_delivery_error})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, monitoring_snapshot, trail};

    const ARN: &str = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main";

    fn verdict(fields: serde_json::Value) -> &'static str {
        let snap = monitoring_snapshot(vec![trail("main", fields)]);
        kind(&eval(&CloudtrailCloudwatchLoggingEnabled, &snap, ARN))
    }

    #[test]
    fn recent_delivery_passes_and_stale_or_none_fails() {
        // The test snapshot is taken at 2026-06-01T00:00:00Z.
        let delivered = |at: &str| json!({"status": {"value": {"logging": true, "latest_cloudwatch_logs_delivery": at}}});
        assert_eq!(verdict(delivered("2026-05-31T23:00:00Z")), "pass");
        assert_eq!(verdict(delivered("2026-05-30T12:00:00Z")), "fail");
        assert_eq!(
            verdict(json!({"status": {"value": {"logging": true}}})),
            "fail"
        );
        assert_eq!(
            verdict(json!({"cloudwatch_logs_log_group_arn": null})),
            "fail"
        );
        assert_eq!(verdict(json!({"status": "not_collected"})), "not_collected");
        // No log group is a FAIL even when the status was not read.
        assert_eq!(
            verdict(json!({"cloudwatch_logs_log_group_arn": null, "status": "not_collected"})),
            "fail"
        );
    }
}
