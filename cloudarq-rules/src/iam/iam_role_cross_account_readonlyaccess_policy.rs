//! `iam_role_cross_account_readonlyaccess_policy`: no role that other
//! accounts can assume carries the AWS-managed `ReadOnlyAccess` policy.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Listing, Principal, find_aws_policy, is_service_linked, not_collected_by_gap};
use crate::controls::nist;
use crate::policy::Document;

/// The AWS-managed policy this rule looks for.
const READ_ONLY_ACCESS: &str = "ReadOnlyAccess";

/// A role with `ReadOnlyAccess` attached is not assumable from another
/// account.
///
/// The trust policy is read with the policy engine's cross-account analysis
/// (the one the S3 and KMS policy rules use): a named principal of another
/// account, a wildcard principal with no narrowing condition, or a wildcard
/// narrowed only to something wider than this account (an organization, a
/// source IP) all FAIL. Service principals and federated (SAML, OIDC)
/// principals are not accounts. `ReadOnlyAccess` reads far more than
/// configuration (S3 objects, DynamoDB items, Secrets Manager metadata,
/// CloudWatch Logs); a third party auditing the account should get
/// `SecurityAudit` or `ViewOnlyAccess` instead, which is what the peer's
/// check asks too. Roles without the policy PASS; service-linked roles are
/// not applicable; a missing trust policy, or an attachment listing a gap
/// may hide, is *not collected*.
pub(crate) struct IamRoleCrossAccountReadonlyaccessPolicy;

static META: RuleMeta = RuleMeta {
    id: "iam_role_cross_account_readonlyaccess_policy",
    title: "IAM role that other accounts can assume does not have the ReadOnlyAccess policy \
            attached",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamRole],
    rationale: "ReadOnlyAccess lets its holder read data, not only configuration: S3 objects, \
        DynamoDB tables, Lambda code, log contents and more. Given to another account (a vendor, \
        a monitoring tool), it exposes the account's data to that account's security. Third \
        parties that audit configuration need SecurityAudit or ViewOnlyAccess.",
    remediation: Remediation {
        cli: "aws iam detach-role-policy --role-name <role> \\\n\
              --policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess\n\
              aws iam attach-role-policy --role-name <role> \\\n\
              --policy-arn arn:aws:iam::aws:policy/SecurityAudit   # or ViewOnlyAccess",
        console: "IAM > Roles > <role> > Permissions > select ReadOnlyAccess > Remove; attach \
                  SecurityAudit or ViewOnlyAccess, or a policy scoped to what the other account \
                  needs.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html",
    },
    controls: &[nist("AC-6")],
};

impl Rule for IamRoleCrossAccountReadonlyaccessPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (Properties::IamRole(role), Some(p)) = (&resource.properties, Principal::of(resource))
        else {
            return Ok(Outcome::not_applicable());
        };
        if is_service_linked(role) {
            return Ok(Outcome::not_applicable());
        }
        let name = &role.role_name;
        let Some(attached) = find_aws_policy(p.attached, READ_ONLY_ACCESS) else {
            if let Some(g) = p.gap(snapshot, Listing::Attached) {
                return Ok(not_collected_by_gap("attached_policies", g));
            }
            return Ok(Outcome::pass(format!(
                "role {name} does not have ReadOnlyAccess attached"
            )));
        };
        if role.trust_policy.is_null() {
            return Ok(Outcome::not_collected("trust_policy"));
        }
        let doc = Document::parse(&role.trust_policy)
            .map_err(|e| RuleError(format!("trust policy of role {name}: {e}")))?;
        let x = doc.cross_account_access(snapshot.account_id.as_str());
        let evidence = json!({
            "policy_arn": attached.arn,
            "other_accounts": x.accounts,
            "public_wildcard_statements": x.public_wildcard,
            "narrowed_wildcard_statements": x.narrowed_wildcard,
        });
        let mut who = Vec::new();
        if !x.accounts.is_empty() {
            who.push(format!("account {}", x.accounts.join(", ")));
        }
        if !x.public_wildcard.is_empty() {
            who.push(format!(
                "any AWS principal (statement {})",
                x.public_wildcard.join(", ")
            ));
        }
        if !x.narrowed_wildcard.is_empty() {
            who.push(format!(
                "principals outside this account under a condition (statement {})",
                x.narrowed_wildcard.join(", ")
            ));
        }
        Ok(if who.is_empty() {
            Outcome::pass(format!(
                "role {name} has ReadOnlyAccess attached but no other account can assume it"
            ))
        } else {
            Outcome::fail(format!(
                "role {name} has ReadOnlyAccess attached and can be assumed by {}",
                who.join("; ")
            ))
        }
        .with_evidence(evidence))
    }
}
