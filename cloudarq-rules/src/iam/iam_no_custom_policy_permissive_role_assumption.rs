//! `iam_no_custom_policy_permissive_role_assumption`: no customer policy lets its holder assume any role.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::customer_policy_statements;
use crate::controls::nist;

/// A customer-managed policy does not allow `sts:AssumeRole` on every role.
///
/// "Every role" is `Resource: "*"`, a pattern such as
/// `arn:aws:iam::*:role/*` (any role of any account), or a `NotResource`.
/// The action may come through `sts:*`, `*` or a `NotAction`. An unattached
/// policy fails at low severity. Mapped to NIST 800-53 AC-6 (least
/// privilege): assuming any role reaches every role's permissions,
/// administrators' included. CIS 1.16 / 2.14 are about `*:*` only.
pub(crate) struct IamNoCustomPolicyPermissiveRoleAssumption;

static META: RuleMeta = RuleMeta {
    id: "iam_no_custom_policy_permissive_role_assumption",
    title: "Customer-managed IAM policy does not allow sts:AssumeRole on all roles",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "sts:AssumeRole on \"*\" lets the holder assume every role whose trust policy allows \
        the account, including privileged ones, now and in the future. Name the roles a principal \
        may assume.",
    remediation: Remediation {
        cli: "aws iam create-policy-version --policy-arn <policy-arn> \\\n\
              --policy-document file://scoped.json --set-as-default\n\
              # scoped.json: \"Action\": \"sts:AssumeRole\", \"Resource\": \"arn:aws:iam::<account>:role/<role>\"",
        console: "IAM > Policies > <policy> > Edit; replace the \"*\" resource of sts:AssumeRole with the \
                  ARNs of the roles that may be assumed.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html",
    },
    controls: &[nist("AC-6")],
};

impl Rule for IamNoCustomPolicyPermissiveRoleAssumption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        customer_policy_statements(
            resource,
            |d| d.assume_any_role_statements(),
            "does not allow assuming every role",
            "allows sts:AssumeRole on every role",
        )
    }
}
