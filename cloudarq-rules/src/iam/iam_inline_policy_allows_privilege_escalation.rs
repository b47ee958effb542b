//! `iam_inline_policy_allows_privilege_escalation`: inline policies grant no escalation path.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::inline_docs;
use crate::controls::nist;
use crate::policy::{Document, escalation_paths};

/// The inline policies of a user, group or role, taken together, grant no
/// known privilege-escalation combination of actions.
///
/// Prowler judges each inline policy alone; a principal's inline policies
/// all apply at once, so this rule combines them (two policies holding
/// `iam:PassRole` and `ec2:RunInstances` escalate together). As in
/// `iam_policy_allows_privilege_escalation`, `iam:PassRole` alone is not
/// reported. Principals without inline policies are not applicable. Mapped,
/// like the managed-policy rule, to NIST 800-53 AC-6 and AC-6(10).
pub(crate) struct IamInlinePolicyAllowsPrivilegeEscalation;

static META: RuleMeta = RuleMeta {
    id: "iam_inline_policy_allows_privilege_escalation",
    title: "Inline IAM policies do not allow privilege escalation",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[
        ResourceType::IamUser,
        ResourceType::IamGroup,
        ResourceType::IamRole,
    ],
    rationale: "Some permissions let their holder grant themselves more: editing policies, creating \
        credentials for other users, or passing a privileged role to a service they control. A \
        principal with such a combination is as powerful as the most privileged role it can reach.",
    remediation: Remediation {
        cli: "aws iam get-role-policy --role-name <role> --policy-name <policy>   # or get-user-policy / get-group-policy\n\
              aws iam put-role-policy --role-name <role> --policy-name <policy> \\\n\
              --policy-document file://without-escalation.json",
        console: "IAM > Users (or User groups, Roles) > <name> > Permissions > the inline policy > \
                  Edit; remove the reported actions or scope iam:PassRole to non-privileged roles.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    },
    controls: &[nist("AC-6"), nist("AC-6(10)")],
};

impl Rule for IamInlinePolicyAllowsPrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let subject = match inline_docs(resource, snapshot)? {
            Ok(s) => s,
            Err(done) => return Ok(done),
        };
        let docs: Vec<&Document> = subject.docs.iter().map(|(_, d)| d).collect();
        let paths: Vec<&str> = escalation_paths(&docs).iter().map(|e| e.name).collect();
        let who = subject.principal.label();
        let names: Vec<&str> = subject.docs.iter().map(|(n, _)| *n).collect();
        if !paths.is_empty() {
            return Ok(Outcome::fail(format!(
                "{who}'s inline policies allow privilege escalation through {}",
                paths.join(", ")
            ))
            .with_evidence(json!({"escalation_paths": paths, "inline_policies": names})));
        }
        if let Some(o) = subject.unknown() {
            return Ok(o);
        }
        Ok(Outcome::pass(format!(
            "{who}'s inline policies grant no known privilege-escalation path"
        ))
        .with_evidence(json!({"inline_policies": names})))
    }
}
