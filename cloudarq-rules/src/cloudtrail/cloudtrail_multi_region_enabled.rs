//! `cloudtrail_multi_region_enabled`: the account has a multi-region trail
//! that is logging every read and write management event.
//!
//! CIS asks for one trail of this kind, not for one per region: a
//! multi-region trail logs every region, including regions enabled later.
//! A regional trail, however many, does not count. Reported once per
//! account, on `AWS::CloudTrail::Account`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{listing_gap, logs_everything, not_collected_by_gap, trails};
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "cloudtrail_multi_region_enabled",
    title: "A multi-region CloudTrail trail is logging all read and write management events",
    severity: Severity::High,
    service: Service::Cloudtrail,
    resource_types: &[ResourceType::CloudTrailAccount],
    rationale: "CloudTrail's record of API calls is what an investigation reconstructs an \
                incident from. A trail that covers every region and every management event \
                leaves no region (including ones an attacker enables) and no kind of call \
                unrecorded beyond the 90-day event history.",
    remediation: Remediation {
        cli: "aws cloudtrail create-trail --name <name> --s3-bucket-name <bucket> \\\n\
              --is-multi-region-trail --enable-log-file-validation\n\
              aws cloudtrail start-logging --name <name>",
        console: "CloudTrail > Trails > Create trail > apply to all regions, management events: \
                  Read and Write > Create; make sure logging is on.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
    },
    controls: &[
        cis3("3.1"),
        cis7("4.1"),
        fsbp("CloudTrail.1"),
        nist("AU-12a"),
        nist("AU-12c"),
    ],
};

/// A multi-region trail is logging all management events.
pub(crate) struct CloudtrailMultiRegionEnabled;

impl Rule for CloudtrailMultiRegionEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, _resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let mut unknown = Vec::new();
        for t in trails(snapshot) {
            match logs_everything(t) {
                Some(true) => {
                    return Ok(Outcome::pass(format!(
                        "trail {} logs every region's read and write management events",
                        t.name
                    ))
                    .with_evidence(
                        json!({"trail": t.name, "organization_trail": t.organization_trail}),
                    ));
                }
                Some(false) => {}
                None => unknown.push(t.name.as_str()),
            }
        }
        if let Some(g) = listing_gap(snapshot, &["cloudtrail:DescribeTrails"]) {
            return Ok(not_collected_by_gap("trails", g));
        }
        if !unknown.is_empty() {
            return Ok(
                Outcome::not_collected("status").with_evidence(json!({"trails_not_read": unknown}))
            );
        }
        let names: Vec<&str> = trails(snapshot).map(|t| t.name.as_str()).collect();
        Ok(Outcome::fail(if names.is_empty() {
            "the account has no CloudTrail trail".to_owned()
        } else {
            format!(
                "none of the account's {} trails is a logging multi-region trail with all management events",
                names.len()
            )
        })
        .with_evidence(json!({"trails": names})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{CLOUDTRAIL_ACCOUNT, eval, gap, kind, monitoring_snapshot, trail};

    fn verdict(trails: Vec<Resource>) -> &'static str {
        kind(&eval(
            &CloudtrailMultiRegionEnabled,
            &monitoring_snapshot(trails),
            CLOUDTRAIL_ACCOUNT,
        ))
    }

    #[test]
    fn one_complete_trail_passes_and_partial_ones_fail() {
        assert_eq!(verdict(vec![trail("main", json!({}))]), "pass");
        assert_eq!(verdict(vec![]), "fail");
        assert_eq!(
            verdict(vec![trail("r", json!({"multi_region": false}))]),
            "fail"
        );
        assert_eq!(
            verdict(vec![trail(
                "off",
                json!({"status": {"value": {"logging": false}}})
            )]),
            "fail"
        );
        let write_only = json!({"event_selectors": {"value": {"basic": [
            {"read_write_type": "WriteOnly", "include_management_events": true}]}}});
        assert_eq!(verdict(vec![trail("w", write_only)]), "fail");
        // Two basic selectors that together log reads and writes.
        let split = json!({"event_selectors": {"value": {"basic": [
            {"read_write_type": "WriteOnly", "include_management_events": true},
            {"read_write_type": "ReadOnly", "include_management_events": true}]}}});
        assert_eq!(verdict(vec![trail("split", split)]), "pass");
        let excluded = json!({"event_selectors": {"value": {"basic": [
            {"read_write_type": "All", "include_management_events": true,
             "exclude_management_event_sources": ["kms.amazonaws.com"]}]}}});
        assert_eq!(verdict(vec![trail("x", excluded)]), "fail");
        let advanced = json!({"event_selectors": {"value": {"advanced": [
            {"name": "mgmt", "field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]}]}}});
        assert_eq!(verdict(vec![trail("adv", advanced)]), "pass");
        let adv_narrow = json!({"event_selectors": {"value": {"advanced": [
            {"field_selectors": [{"field": "eventCategory", "equals": ["Management"]},
                                 {"field": "readOnly", "equals": ["false"]}]}]}}});
        assert_eq!(verdict(vec![trail("adv", adv_narrow)]), "fail");
    }

    #[test]
    fn unread_trails_and_listing_gaps_are_not_collected_but_never_hide_a_pass() {
        assert_eq!(
            verdict(vec![trail("u", json!({"status": "not_collected"}))]),
            "not_collected"
        );
        let mut snap = monitoring_snapshot(vec![trail("r", json!({"multi_region": false}))]);
        snap.gaps.push(gap(
            Service::Cloudtrail,
            "cloudtrail:DescribeTrails",
            Some("us-east-1"),
            None,
        ));
        assert_eq!(
            kind(&eval(
                &CloudtrailMultiRegionEnabled,
                &snap,
                CLOUDTRAIL_ACCOUNT
            )),
            "not_collected"
        );
        snap.resources.insert(trail("main", json!({})));
        assert_eq!(
            kind(&eval(
                &CloudtrailMultiRegionEnabled,
                &snap,
                CLOUDTRAIL_ACCOUNT
            )),
            "pass"
        );
    }
}
