//! `iam_inline_policy_no_administrative_privileges`: no inline policy grants `*` on `*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::inline_docs;
use crate::controls::{cis3, cis7, nist};

/// No inline policy of the user, group or role allows every action on every
/// resource.
///
/// Principals without inline policies are not applicable. A policy whose
/// document is missing (`null`) makes the outcome *not collected* unless
/// another one already fails. Mapped to CIS 1.16 / 2.14, whose intent (no
/// `*:*` policies) covers inline policies too.
pub(crate) struct IamInlinePolicyNoAdministrativePrivileges;

static META: RuleMeta = RuleMeta {
    id: "iam_inline_policy_no_administrative_privileges",
    title: "Inline IAM policy does not grant full \"*:*\" administrative privileges",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[
        ResourceType::IamUser,
        ResourceType::IamGroup,
        ResourceType::IamRole,
    ],
    rationale: "An inline policy that allows \"*\" on \"*\" gives its principal complete control of \
        the account, and inline policies are easy to overlook in reviews.",
    remediation: Remediation {
        cli: "aws iam get-user-policy --user-name <user> --policy-name <policy>   # or get-group-policy / get-role-policy\n\
              aws iam put-user-policy --user-name <user> --policy-name <policy> --policy-document file://least-privilege.json\n\
              aws iam delete-user-policy --user-name <user> --policy-name <policy>",
        console: "IAM > Users (or User groups, Roles) > <name> > Permissions > the inline policy > \
                  Edit to least privilege, or Remove.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-edit.html",
    },
    controls: &[
        cis3("1.16"),
        cis7("2.14"),
        nist("AC-5b"),
        nist("AC-6"),
        nist("AC-6(10)"),
    ],
};

impl Rule for IamInlinePolicyNoAdministrativePrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let subject = match inline_docs(resource, snapshot)? {
            Ok(s) => s,
            Err(done) => return Ok(done),
        };
        let hits: Vec<&str> = subject
            .docs
            .iter()
            .filter(|(_, d)| !d.admin_statements().is_empty())
            .map(|(n, _)| *n)
            .collect();
        let who = subject.principal.label();
        if !hits.is_empty() {
            return Ok(Outcome::fail(format!(
                "{who} has inline policy {} granting * on *",
                hits.join(", ")
            ))
            .with_evidence(json!({"policies": hits})));
        }
        if let Some(o) = subject.unknown() {
            return Ok(o);
        }
        Ok(
            Outcome::pass(format!("{who} has no inline policy granting * on *")).with_evidence(
                json!({"inline_policies": subject.docs.iter().map(|(n, _)| n).collect::<Vec<_>>()}),
            ),
        )
    }
}
