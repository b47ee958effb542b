//! `cloudtrail_s3_dataevents_write_enabled`: a logging multi-region trail
//! logs S3 object-level write events (`PutObject`, `DeleteObject`, …) of
//! every bucket.
//!
//! Basic selectors count when a data resource of type `AWS::S3::Object`
//! names every bucket (`arn:aws:s3` or `arn:aws:s3:::`) with a read/write
//! type that includes writes. Advanced selectors count when they select
//! data events of `AWS::S3::Object` with no ARN or event-name condition that
//! narrows them, and no `readOnly` condition that leaves writes out.

use cloudarq_model::inventory::cloudtrail::Access;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::s3_data_events;
use crate::controls::{cis3, cis7, nist};

static META: RuleMeta = RuleMeta {
    id: "cloudtrail_s3_dataevents_write_enabled",
    title: "A multi-region CloudTrail trail logs S3 object-level write events of every bucket",
    severity: Severity::Low,
    service: Service::Cloudtrail,
    resource_types: &[ResourceType::CloudTrailAccount],
    rationale: "Management events do not record who wrote, overwrote or deleted an object. \
                Object-level write events do, which is what tells a ransomware or tampering \
                investigation which objects changed and by whom.",
    remediation: Remediation {
        cli: "aws cloudtrail put-event-selectors --trail-name <trail> --event-selectors \\\n\
              '[{\"ReadWriteType\":\"WriteOnly\",\"IncludeManagementEvents\":true,\"DataResources\":[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3\"]}]}]'",
        console: "CloudTrail > Trails > <trail> > Data events > Edit > Data event type S3, all \
                  current and future buckets, Write > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-cloudtrail-logging-for-s3.html",
    },
    controls: &[cis3("3.8"), cis7("4.8"), nist("AU-12c")],
};

/// S3 object-level write events are logged for every bucket.
pub(crate) struct CloudtrailS3DataeventsWriteEnabled;

impl Rule for CloudtrailS3DataeventsWriteEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(s3_data_events(snapshot, Access::Write))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{CLOUDTRAIL_ACCOUNT, eval, kind, monitoring_snapshot, trail};
    use serde_json::json;

    fn verdict(selectors: serde_json::Value) -> &'static str {
        let snap = monitoring_snapshot(vec![trail(
            "main",
            json!({"event_selectors": {"value": selectors}}),
        )]);
        kind(&eval(
            &CloudtrailS3DataeventsWriteEnabled,
            &snap,
            CLOUDTRAIL_ACCOUNT,
        ))
    }

    #[test]
    fn every_bucket_and_writes_are_needed() {
        let basic = |rw: &str, value: &str| {
            json!({"basic": [{"read_write_type": rw, "include_management_events": true,
                "data_resources": [{"resource_type": "AWS::S3::Object", "values": [value]}]}]})
        };
        assert_eq!(verdict(basic("All", "arn:aws:s3")), "pass");
        assert_eq!(verdict(basic("WriteOnly", "arn:aws:s3:::")), "pass");
        assert_eq!(verdict(basic("ReadOnly", "arn:aws:s3")), "fail");
        assert_eq!(verdict(basic("All", "arn:aws:s3:::one-bucket/")), "fail");
        assert_eq!(
            verdict(
                json!({"basic": [{"read_write_type": "All", "include_management_events": true}]})
            ),
            "fail"
        );
        let adv = |extra: serde_json::Value| {
            let mut fs = vec![
                json!({"field": "eventCategory", "equals": ["Data"]}),
                json!({"field": "resources.type", "equals": ["AWS::S3::Object"]}),
            ];
            if !extra.is_null() {
                fs.push(extra);
            }
            json!({"advanced": [{"name": "s3", "field_selectors": fs}]})
        };
        assert_eq!(verdict(adv(json!(null))), "pass");
        assert_eq!(
            verdict(adv(json!({"field": "readOnly", "equals": ["false"]}))),
            "pass"
        );
        assert_eq!(
            verdict(adv(json!({"field": "readOnly", "equals": ["true"]}))),
            "fail"
        );
        assert_eq!(
            verdict(adv(
                json!({"field": "resources.ARN", "starts_with": ["arn:aws:s3:::one/"]})
            )),
            "fail"
        );
        assert_eq!(
            verdict(adv(json!({"field": "eventName", "equals": ["PutObject"]}))),
            "fail"
        );
        assert_eq!(
            verdict(json!({"advanced": [{"field_selectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::DynamoDB::Table"]}]}]})),
            "fail"
        );
    }

    #[test]
    fn unread_selectors_are_not_collected() {
        let snap = monitoring_snapshot(vec![trail(
            "main",
            json!({"event_selectors": "not_collected"}),
        )]);
        assert_eq!(
            kind(&eval(
                &CloudtrailS3DataeventsWriteEnabled,
                &snap,
                CLOUDTRAIL_ACCOUNT
            )),
            "not_collected"
        );
    }
}
