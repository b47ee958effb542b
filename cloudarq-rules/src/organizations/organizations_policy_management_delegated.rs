//! `organizations_policy_management_delegated`: the management of
//! Organizations policies is delegated to a member account by a
//! resource-based delegation policy.
//!
//! PASS when the organization has a delegation policy. An account in no
//! organization is not applicable; from a member account the policy cannot
//! be read: *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::account;
use crate::controls::cis7;

static META: RuleMeta = RuleMeta {
    id: "organizations_policy_management_delegated",
    title: "Organizations policies are managed from a delegated member account",
    severity: Severity::Low,
    service: Service::Organizations,
    resource_types: &[ResourceType::OrganizationsAccount],
    rationale: "Service control, backup and tag policies change what every account may do. \
                Managing them from a delegated member account keeps that work, and the people \
                who do it, out of the management account.",
    remediation: Remediation {
        cli: "aws organizations put-resource-policy --content file://delegation-policy.json",
        console: "AWS Organizations console (management account) > Settings > Delegated \
                  administrator for AWS Organizations > Delegate, with the policy actions the \
                  delegated account may use.",
        url: "https://docs.aws.amazon.com/organizations/latest/userguide/orgs-policy-delegate.html",
    },
    controls: &[cis7("2.1.5")],
};

/// Policy management is delegated.
pub(crate) struct OrganizationsPolicyManagementDelegated;

impl Rule for OrganizationsPolicyManagementDelegated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(a) = account(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let org = match &a.organization {
            Collected::NotCollected => return Ok(Outcome::not_collected("organization")),
            Collected::Value(None) => return Ok(Outcome::not_applicable()),
            Collected::Value(Some(o)) => o,
        };
        let Some(delegated) = a.delegation_policy.value().copied() else {
            return Ok(Outcome::not_collected("delegation_policy"));
        };
        Ok(Outcome::check(
            delegated,
            format!("organization {} delegates policy management", org.id),
            format!(
                "organization {} has no delegation policy for policy management",
                org.id
            ),
        )
        .with_evidence(json!({"delegation_policy": delegated})))
    }
}
