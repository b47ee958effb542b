//! `cloudtrail_log_file_validation_enabled`: every trail of the account has
//! log file integrity validation on.
//!
//! An organization trail seen from a member account is judged by the
//! management account's scan; it is not applicable here.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::trail;
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "cloudtrail_log_file_validation_enabled",
    title: "CloudTrail trail has log file integrity validation enabled",
    severity: Severity::Medium,
    service: Service::Cloudtrail,
    resource_types: &[ResourceType::CloudTrailTrail],
    rationale: "With validation on, CloudTrail writes a signed digest of every hour's log \
                files, so a log file that was changed or deleted after delivery can be \
                detected. Without it, an intruder who reaches the bucket can rewrite the \
                record of what they did.",
    remediation: Remediation {
        cli: "aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
        console: "CloudTrail > Trails > <trail> > General details > Edit > Log file validation: \
                  Enabled > Save changes.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-enabling.html",
    },
    controls: &[
        cis3("3.2"),
        cis7("4.2"),
        fsbp("CloudTrail.4"),
        nist("AU-9(3)"),
        nist("AU-10"),
    ],
};

/// Log file validation is on.
pub(crate) struct CloudtrailLogFileValidationEnabled;

impl Rule for CloudtrailLogFileValidationEnabled {
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
        Ok(Outcome::check(
            t.log_file_validation,
            format!("trail {} validates its log files", t.name),
            format!("trail {} does not validate its log files", t.name),
        )
        .with_evidence(json!({"log_file_validation": t.log_file_validation})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, monitoring_snapshot, resource, trail};

    const ARN: &str = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main";

    #[test]
    fn validation_passes_or_fails_and_foreign_org_trails_are_skipped() {
        let snap = monitoring_snapshot(vec![trail("main", json!({}))]);
        assert_eq!(
            kind(&eval(&CloudtrailLogFileValidationEnabled, &snap, ARN)),
            "pass"
        );
        let snap = monitoring_snapshot(vec![trail("main", json!({"log_file_validation": false}))]);
        assert_eq!(
            kind(&eval(&CloudtrailLogFileValidationEnabled, &snap, ARN)),
            "fail"
        );
        let org = "arn:aws:cloudtrail:eu-west-1:999999999999:trail/org";
        let snap = monitoring_snapshot(vec![resource(json!({"arn": org, "region": "eu-west-1",
            "name": "org", "properties": {"AWS::CloudTrail::Trail": {"name": "org",
            "organization_trail": true, "log_file_validation": false}}}))]);
        assert_eq!(
            kind(&eval(&CloudtrailLogFileValidationEnabled, &snap, org)),
            "not_applicable"
        );
    }
}
