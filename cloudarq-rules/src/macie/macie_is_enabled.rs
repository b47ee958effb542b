//! `macie_is_enabled`: Amazon Macie is enabled, and not paused, in every
//! collected region.
//!
//! The check runs once per region (`AWS::Macie::Session`). A region where
//! Macie answered that it is not enabled fails, and so does a paused
//! session (it runs no discovery). A status that could not be read, a
//! denied call or a region where Macie is not offered among them, is *not
//! collected*, never a FAIL.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, fsbp};

static META: RuleMeta = RuleMeta {
    id: "macie_is_enabled",
    title: "Amazon Macie is enabled in the region",
    severity: Severity::Medium,
    service: Service::Macie,
    resource_types: &[ResourceType::MacieSession],
    rationale: "Macie inventories the region's S3 buckets, reports the ones that are public, \
                shared or unencrypted, and finds sensitive data (credentials, personal and \
                financial data) in their objects. Without it, nothing tells which buckets hold \
                data that needs more protection, so it cannot be classified and secured. A \
                paused Macie keeps its settings but runs no discovery.",
    remediation: Remediation {
        cli: "aws macie2 enable-macie --region <region> (a paused session: aws macie2 \
              update-macie-session --status ENABLED --region <region>)",
        console: "Amazon Macie console (in each region) > Get started > Enable Macie; for a \
                  paused session, Settings > Resume Macie.",
        url: "https://docs.aws.amazon.com/macie/latest/user/getting-started.html",
    },
    controls: &[cis3("2.1.3"), cis7("3.1.3"), fsbp("Macie.1")],
};

/// Amazon Macie is enabled in the region.
pub(crate) struct MacieIsEnabled;

impl Rule for MacieIsEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::MacieSession(m) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(status) = &m.status else {
            return Ok(Outcome::not_collected("status"));
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let evidence = json!({"status": status});
        let outcome = match status.as_deref() {
            Some(s) if s == cloudarq_model::inventory::macie::MacieSession::ENABLED => {
                Outcome::pass(format!("Amazon Macie is enabled in {region}"))
            }
            None => Outcome::fail(format!("Amazon Macie is not enabled in {region}")),
            Some("PAUSED") => Outcome::fail(format!("Amazon Macie is paused in {region}")),
            Some(_) => Outcome::fail(format!(
                "Amazon Macie is not running in {region} (its status is not ENABLED)"
            )),
        };
        Ok(outcome.with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:macie2:eu-west-1:123456789012:account";

    fn outcome(status: serde_json::Value) -> Outcome {
        let r = resource(
            json!({"arn": ARN, "region": "eu-west-1", "name": "123456789012",
            "properties": {"AWS::Macie::Session": {"status": status}}}),
        );
        eval(&MacieIsEnabled, &snapshot(vec![r]), ARN)
    }

    #[test]
    fn enabled_passes() {
        let out = outcome(json!({"value": "ENABLED"}));
        assert_eq!(kind(&out), "pass");
        assert_eq!(message(&out), "Amazon Macie is enabled in eu-west-1");
    }

    #[test]
    fn not_enabled_or_paused_fails() {
        let out = outcome(json!({"value": null}));
        assert_eq!(message(&out), "Amazon Macie is not enabled in eu-west-1");
        assert_eq!(kind(&out), "fail");
        let out = outcome(json!({"value": "PAUSED"}));
        assert_eq!(message(&out), "Amazon Macie is paused in eu-west-1");
        assert_eq!(kind(&outcome(json!({"value": ""}))), "fail");
    }

    #[test]
    fn an_unread_status_is_not_collected() {
        assert_eq!(kind(&outcome(json!("not_collected"))), "not_collected");
    }
}
