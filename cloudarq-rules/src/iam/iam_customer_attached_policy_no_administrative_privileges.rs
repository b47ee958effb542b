//! `iam_customer_attached_policy_no_administrative_privileges`: no attached customer policy grants `*` on `*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Owner, attachment_phrase, managed_doc};
use crate::controls::{cis3, cis7, fsbp, nist};

/// A customer-managed policy attached to a user, group or role does not
/// allow every action on every resource.
///
/// Unattached policies are covered by
/// `iam_customer_unattached_policy_no_administrative_privileges`.
pub(crate) struct IamCustomerAttachedPolicyNoAdministrativePrivileges;

static META: RuleMeta = RuleMeta {
    id: "iam_customer_attached_policy_no_administrative_privileges",
    title: "Attached customer-managed IAM policy does not grant full \"*:*\" administrative privileges",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "A policy that allows \"*\" on \"*\" gives whoever holds it complete control of the \
        account. Least privilege means granting only the actions a job needs.",
    remediation: Remediation {
        cli: "aws iam get-policy-version --policy-arn <policy-arn> --version-id <default-version>\n\
              aws iam create-policy-version --policy-arn <policy-arn> \\\n\
              --policy-document file://least-privilege.json --set-as-default",
        console: "IAM > Policies > <policy> > Edit; replace the \"*\" action and resource with the actions \
                  and resources the holders need, and save as the default version.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    },
    controls: &[
        cis3("1.16"),
        cis7("2.14"),
        fsbp("IAM.1"),
        nist("AC-5b"),
        nist("AC-6"),
        nist("AC-6(10)"),
    ],
};

impl Rule for IamCustomerAttachedPolicyNoAdministrativePrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (p, doc) = match managed_doc(resource, Owner::Customer)? {
            Ok(v) => v,
            Err(done) => return Ok(done),
        };
        if p.attachment_count == 0 {
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
