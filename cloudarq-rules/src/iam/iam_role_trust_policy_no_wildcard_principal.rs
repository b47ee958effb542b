//! `iam_role_trust_policy_no_wildcard_principal`: no role can be assumed by any principal.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::is_service_linked;
use crate::controls::{cis7, nist};
use crate::policy::{Document, Effect};

/// No Allow statement of the role's trust policy names every principal
/// (`"*"`, `{"AWS": "*"}` or a `NotPrincipal`) without a condition that
/// narrows it by a fixed value of `aws:PrincipalOrgID`, `aws:PrincipalAccount`,
/// `aws:PrincipalArn`, `aws:SourceIp` and the like.
///
/// `sts:ExternalId` alone does not narrow: external ids are not secrets.
/// Service-linked roles are not applicable; a missing (`null`) trust policy
/// is *not collected*. Prowler has no check of this name.
pub(crate) struct IamRoleTrustPolicyNoWildcardPrincipal;

static META: RuleMeta = RuleMeta {
    id: "iam_role_trust_policy_no_wildcard_principal",
    title: "IAM role trust policy does not let any AWS principal assume the role",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[ResourceType::IamRole],
    rationale: "A trust policy with Principal \"*\" lets any identity in any AWS account assume the \
        role and use its permissions. Trust should name the accounts, roles or services that need it.",
    remediation: Remediation {
        cli: "aws iam get-role --role-name <role> --query Role.AssumeRolePolicyDocument\n\
              # replace \"Principal\": \"*\" with {\"AWS\": \"arn:aws:iam::<trusted-account>:role/<caller>\"}\n\
              aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json",
        console: "IAM > Roles > <role> > Trust relationships > Edit trust policy; replace the wildcard \
                  principal with the specific accounts or roles that must assume it, or add an \
                  aws:PrincipalOrgID condition.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html",
    },
    controls: &[cis7("2.21"), nist("AC-3")],
};

impl Rule for IamRoleTrustPolicyNoWildcardPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamRole(role) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if is_service_linked(role) {
            return Ok(Outcome::not_applicable());
        }
        if role.trust_policy.is_null() {
            return Ok(Outcome::not_collected("trust_policy"));
        }
        let doc = Document::parse(&role.trust_policy)
            .map_err(|e| RuleError(format!("trust policy of role {}: {e}", role.role_name)))?;
        let name = &role.role_name;
        let public: Vec<String> = doc.public_statements().iter().map(|s| s.label()).collect();
        if !public.is_empty() {
            return Ok(Outcome::fail(format!(
                "role {name} can be assumed by any AWS principal (trust statement {})",
                public.join(", ")
            ))
            .with_evidence(json!({"public_statements": public})));
        }
        let narrowed: Vec<_> = doc
            .statements
            .iter()
            .filter(|s| {
                s.principal
                    .as_ref()
                    .is_some_and(|p| p.negated || p.is_everyone())
            })
            .filter(|s| s.effect == Effect::Allow)
            .map(|s| json!({"statement": s.label(), "condition_keys": s.restricting_keys()}))
            .collect();
        Ok(if narrowed.is_empty() {
            Outcome::pass(format!("role {name} trusts only named principals"))
        } else {
            Outcome::pass(format!(
                "role {name} trusts a wildcard principal only under narrowing conditions"
            ))
            .with_evidence(json!({"narrowed_wildcard_statements": narrowed}))
        })
    }
}
