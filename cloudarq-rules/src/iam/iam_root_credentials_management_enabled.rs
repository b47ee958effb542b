//! `iam_root_credentials_management_enabled`: the organization manages its
//! member accounts' root access centrally.
//!
//! Both features of centralized root access must be on:
//! `RootCredentialsManagement` (member accounts can have their root
//! credentials removed and no root password) and `RootSessions` (the
//! management account performs the few tasks that need root, in a
//! short-lived session). An account in no organization is not applicable:
//! there is nothing to manage centrally. Seen from a member account, the
//! call is denied: *not collected*, judged by the management account's scan.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::cis7;

/// The features centralized root access consists of.
const REQUIRED: [&str; 2] = ["RootCredentialsManagement", "RootSessions"];

static META: RuleMeta = RuleMeta {
    id: "iam_root_credentials_management_enabled",
    title: "Root access of member accounts is managed centrally by the organization",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamOrganizationsFeatures],
    rationale: "Every member account's root user has a password and possibly access keys or \
                MFA devices to guard. With centralized root access the organization removes \
                those credentials and performs root-only tasks from the management account in \
                short, audited sessions, so no member account keeps a standing root login.",
    remediation: Remediation {
        cli: "aws organizations enable-aws-service-access --service-principal iam.amazonaws.com\n\
              aws iam enable-organizations-root-credentials-management\n\
              aws iam enable-organizations-root-sessions",
        console: "IAM console (management account) > Root access management > Enable: both \
                  root credentials management and privileged root actions in member accounts.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html",
    },
    controls: &[cis7("2.1.1")],
};

/// Root access is managed centrally.
pub(crate) struct IamRootCredentialsManagementEnabled;

impl Rule for IamRootCredentialsManagementEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamOrganizationsFeatures(f) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let enabled = match &f.enabled_features {
            Collected::NotCollected => return Ok(Outcome::not_collected("enabled_features")),
            Collected::Value(None) => return Ok(Outcome::not_applicable()),
            Collected::Value(Some(list)) => list,
        };
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|r| !enabled.iter().any(|e| e == r))
            .collect();
        Ok(Outcome::check(
            missing.is_empty(),
            "the organization manages member accounts' root access centrally".to_owned(),
            format!(
                "centralized root access is not fully enabled: {} off",
                missing.join(" and ")
            ),
        )
        .with_evidence(json!({"enabled_features": enabled, "missing": missing})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};

    const ARN: &str = "arn:aws:iam::123456789012:organizations-features";

    fn verdict(features: serde_json::Value) -> &'static str {
        let snap = snapshot(vec![resource(
            json!({"arn": ARN, "region": null, "name": "123456789012",
            "properties": {"AWS::IAM::OrganizationsFeatures": {"enabled_features": features}}}),
        )]);
        kind(&eval(&IamRootCredentialsManagementEnabled, &snap, ARN))
    }

    #[test]
    fn both_features_are_needed() {
        assert_eq!(
            verdict(json!({"value": ["RootCredentialsManagement", "RootSessions"]})),
            "pass"
        );
        assert_eq!(
            verdict(json!({"value": ["RootCredentialsManagement"]})),
            "fail"
        );
        assert_eq!(verdict(json!({"value": []})), "fail");
        assert_eq!(verdict(json!({"value": null})), "not_applicable");
        assert_eq!(verdict(json!("not_collected")), "not_collected");
    }
}
