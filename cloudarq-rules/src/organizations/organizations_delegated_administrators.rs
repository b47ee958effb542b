//! `organizations_delegated_administrators`: the organization delegates the
//! administration of its integrated security services to member accounts.
//!
//! CIS asks that services integrated with Organizations (Security Hub,
//! GuardDuty, Config, IAM Access Analyzer, …) be administered from a
//! delegated member account rather than the management account, whose use
//! should be kept to the minimum. PASS with at least one delegated
//! administrator. An account in no organization is not applicable; from a
//! member account the listing is denied: *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::account;
use crate::controls::cis7;

static META: RuleMeta = RuleMeta {
    id: "organizations_delegated_administrators",
    title: "Organizations-integrated services are administered from delegated member accounts",
    severity: Severity::Medium,
    service: Service::Organizations,
    resource_types: &[ResourceType::OrganizationsAccount],
    rationale: "The management account cannot be restricted by service control policies, so \
                every login to it is a risk to the whole organization. Delegating the \
                administration of security services to a member account keeps day-to-day work \
                out of the management account.",
    remediation: Remediation {
        cli: "aws organizations register-delegated-administrator --account-id <security-account> \\\n\
              --service-principal securityhub.amazonaws.com",
        console: "In each integrated service's console (Security Hub, GuardDuty, Config, …) of \
                  the management account: Settings > Delegated administrator > choose the \
                  security account.",
        url: "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_delegated_admin.html",
    },
    controls: &[cis7("2.1.6")],
};

/// Integrated services have delegated administrators.
pub(crate) struct OrganizationsDelegatedAdministrators;

impl Rule for OrganizationsDelegatedAdministrators {
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
        let Some(admins) = a.delegated_administrators.value() else {
            return Ok(Outcome::not_collected("delegated_administrators"));
        };
        Ok(Outcome::check(
            !admins.is_empty(),
            format!(
                "organization {} delegates service administration to {} account(s)",
                org.id,
                admins.len()
            ),
            format!("organization {} has no delegated administrator", org.id),
        )
        .with_evidence(json!({"delegated_administrators": admins})))
    }
}
