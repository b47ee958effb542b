//! `securityhub_enabled`: Security Hub is enabled in every collected region,
//! with at least one security standard enabled.
//!
//! The check runs once per region (`AWS::SecurityHub::Hub`). A hub that
//! Security Hub says is not subscribed fails; a hub whose state could not be
//! read is *not collected*, never a FAIL. An enabled hub with no standard in
//! force (every subscription `FAILED` or `DELETING`, or none) fails too: it
//! gathers other services' findings but checks nothing itself.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7};

static META: RuleMeta = RuleMeta {
    id: "securityhub_enabled",
    title: "AWS Security Hub is enabled in the region with a security standard",
    severity: Severity::Medium,
    service: Service::SecurityHub,
    resource_types: &[ResourceType::SecurityHubHub],
    rationale: "Security Hub gathers the findings of GuardDuty, Inspector, Macie, IAM Access \
                Analyzer and partner tools in one place per region and checks the account \
                against security standards continuously. Without it in a region, findings stay \
                scattered across consoles and misconfigurations there go unchecked between \
                audits.",
    remediation: Remediation {
        cli: "aws securityhub enable-security-hub --enable-default-standards --region <region>",
        console: "Security Hub console (in each region) > Go to Security Hub > choose the \
                  security standards to enable > Enable Security Hub.",
        url: "https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html",
    },
    controls: &[cis3("4.16"), cis7("5.16")],
};

/// AWS Security Hub is enabled in the region with a security standard.
pub(crate) struct SecurityhubEnabled;

impl Rule for SecurityhubEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::SecurityHubHub(h) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let hub = match &h.hub {
            Collected::NotCollected => return Ok(Outcome::not_collected("hub")),
            Collected::Value(None) => {
                return Ok(
                    Outcome::fail(format!("Security Hub is not enabled in {region}"))
                        .with_evidence(json!({"enabled": false})),
                );
            }
            Collected::Value(Some(hub)) => hub,
        };
        let Collected::Value(standards) = &h.enabled_standards else {
            return Ok(Outcome::not_collected("enabled_standards"));
        };
        let in_force: Vec<&str> = standards
            .iter()
            .filter(|s| s.in_force())
            .map(|s| s.standards_arn.as_str())
            .collect();
        let evidence = json!({
            "enabled": true,
            "subscribed_at": hub.subscribed_at,
            "standards": standards
                .iter()
                .map(|s| json!({"standards_arn": s.standards_arn, "status": s.status}))
                .collect::<Vec<_>>(),
        });
        let n = in_force.len();
        Ok(Outcome::check(
            n > 0,
            format!("Security Hub is enabled in {region} with {n} security standard(s)"),
            format!("Security Hub is enabled in {region}, but no security standard is enabled"),
        )
        .with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:securityhub:eu-west-1:123456789012:hub/default";
    const FSBP: &str =
        "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0";

    fn outcome(hub: serde_json::Value, standards: serde_json::Value) -> Outcome {
        let r = resource(
            json!({"arn": ARN, "region": "eu-west-1", "name": "123456789012",
            "properties": {"AWS::SecurityHub::Hub": {
                "hub": hub, "enabled_standards": standards}}}),
        );
        eval(&SecurityhubEnabled, &snapshot(vec![r]), ARN)
    }

    fn enabled() -> serde_json::Value {
        json!({"value": {"hub_arn": ARN, "subscribed_at": "2026-01-02T03:04:05.000Z"}})
    }

    #[test]
    fn an_enabled_hub_with_a_standard_passes() {
        let ready = json!({"value": [{"standards_arn": FSBP, "status": "READY"}]});
        let out = outcome(enabled(), ready);
        assert_eq!(kind(&out), "pass");
        assert!(message(&out).contains("eu-west-1"));
    }

    #[test]
    fn no_hub_or_no_standard_in_force_fails() {
        let out = outcome(json!({"value": null}), json!({"value": []}));
        assert_eq!(kind(&out), "fail");
        assert_eq!(message(&out), "Security Hub is not enabled in eu-west-1");
        assert_eq!(kind(&outcome(enabled(), json!({"value": []}))), "fail");
        for status in ["FAILED", "DELETING"] {
            let gone = json!({"value": [{"standards_arn": FSBP, "status": status}]});
            assert_eq!(kind(&outcome(enabled(), gone)), "fail", "{status}");
        }
    }

    #[test]
    fn an_unread_hub_or_standards_list_is_not_collected() {
        assert_eq!(
            kind(&outcome(json!("not_collected"), json!("not_collected"))),
            "not_collected"
        );
        assert_eq!(
            kind(&outcome(enabled(), json!("not_collected"))),
            "not_collected"
        );
        // Not enabled is known even without a standards list.
        assert_eq!(
            kind(&outcome(json!({"value": null}), json!("not_collected"))),
            "fail"
        );
    }
}
