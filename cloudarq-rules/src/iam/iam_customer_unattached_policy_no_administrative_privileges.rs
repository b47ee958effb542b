//! `iam_customer_unattached_policy_no_administrative_privileges`: no unattached customer policy grants `*` on `*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Owner, attachment_phrase, managed_doc};
use crate::controls::fsbp;

/// A customer-managed policy attached to nothing does not allow every
/// action on every resource: it is one attach call away from granting full
/// control.
pub(crate) struct IamCustomerUnattachedPolicyNoAdministrativePrivileges;

static META: RuleMeta = RuleMeta {
    id: "iam_customer_unattached_policy_no_administrative_privileges",
    title: "Unattached customer-managed IAM policy does not grant full \"*:*\" administrative privileges",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "A policy that allows \"*\" on \"*\" gives whoever holds it complete control of the \
        account. Least privilege means granting only the actions a job needs.",
    remediation: Remediation {
        cli: "aws iam list-policy-versions --policy-arn <policy-arn>\n\
              aws iam delete-policy-version --policy-arn <policy-arn> --version-id <non-default-version>\n\
              aws iam delete-policy --policy-arn <policy-arn>",
        console: "IAM > Policies > <policy> > Delete, or Edit it down to least privilege.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    },
    controls: &[fsbp("IAM.1")],
};

impl Rule for IamCustomerUnattachedPolicyNoAdministrativePrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (p, doc) = match managed_doc(resource, Owner::Customer)? {
            Ok(v) => v,
            Err(done) => return Ok(done),
        };
        if p.attachment_count != 0 {
            return Ok(Outcome::not_applicable());
        }
        let admin: Vec<String> = doc.admin_statements().iter().map(|s| s.label()).collect();
        Ok(Outcome::check(
            admin.is_empty(),
            format!(
                "customer policy {} ({}) does not grant * on *",
                p.policy_name,
                attachment_phrase(p)
            ),
            format!(
                "customer policy {} is {} and grants * on * (statement {})",
                p.policy_name,
                attachment_phrase(p),
                admin.join(", ")
            ),
        )
        .with_evidence(json!({"attachment_count": p.attachment_count, "admin_statements": admin})))
    }
}
