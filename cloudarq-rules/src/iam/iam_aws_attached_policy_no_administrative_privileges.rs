//! `iam_aws_attached_policy_no_administrative_privileges`: no attached AWS-managed policy grants `*` on `*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Owner, attachment_phrase, managed_doc};
use crate::controls::{cis3, cis7, fsbp, nist};

/// An AWS-managed policy attached in the account does not allow every
/// action on every resource.
///
/// In practice this flags `AdministratorAccess` wherever it is attached.
/// Unattached and customer-managed policies are not applicable here.
pub(crate) struct IamAwsAttachedPolicyNoAdministrativePrivileges;

static META: RuleMeta = RuleMeta {
    id: "iam_aws_attached_policy_no_administrative_privileges",
    title: "Attached AWS-managed IAM policy does not grant full \"*:*\" administrative privileges",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "A policy that allows \"*\" on \"*\" gives whoever holds it complete control of the \
        account. Least privilege means granting only the actions a job needs.",
    remediation: Remediation {
        cli: "aws iam list-entities-for-policy --policy-arn arn:aws:iam::aws:policy/<policy>\n\
              aws iam detach-user-policy --user-name <user> --policy-arn arn:aws:iam::aws:policy/<policy>\n\
              aws iam detach-group-policy --group-name <group> --policy-arn arn:aws:iam::aws:policy/<policy>\n\
              aws iam detach-role-policy --role-name <role> --policy-arn arn:aws:iam::aws:policy/<policy>",
        console: "IAM > Policies > <policy> > Entities attached; detach it from each entity and grant \
                  a least-privilege policy instead.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    },
    controls: &[
        fsbp("IAM.1"),
        cis3("1.16"),
        cis7("2.14"),
        nist("AC-5b"),
        nist("AC-6"),
        nist("AC-6(10)"),
    ],
};

impl Rule for IamAwsAttachedPolicyNoAdministrativePrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (p, doc) = match managed_doc(resource, Owner::Aws)? {
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
                "AWS-managed policy {} ({}) does not grant * on *",
                p.policy_name,
                attachment_phrase(p)
            ),
            format!(
                "AWS-managed policy {} is {} and grants * on * (statement {})",
                p.policy_name,
                attachment_phrase(p),
                admin.join(", ")
            ),
        )
        .with_evidence(json!({"attachment_count": p.attachment_count, "admin_statements": admin})))
    }
}
