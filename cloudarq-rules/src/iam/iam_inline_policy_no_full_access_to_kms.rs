//! `iam_inline_policy_no_full_access_to_kms`: no inline policy grants `kms:*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::inline_full_service_access;
use crate::controls::fsbp;

/// No inline policy of the user, group or role allows every KMS action on
/// every resource (through `kms:*`, `*`, a wider wildcard or a
/// `NotAction` that leaves KMS in).
///
/// Principals without inline policies are not applicable; a missing
/// (`null`) document makes the outcome *not collected* unless another policy
/// already fails. Mapped to FSBP IAM.21, which asks the same of
/// customer-managed policies.
pub(crate) struct IamInlinePolicyNoFullAccessToKms;

static META: RuleMeta = RuleMeta {
    id: "iam_inline_policy_no_full_access_to_kms",
    title: "Inline IAM policy does not grant full access to KMS (kms:*)",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[
        ResourceType::IamUser,
        ResourceType::IamGroup,
        ResourceType::IamRole,
    ],
    rationale: "kms:* on every key includes changing key policies, disabling keys and scheduling \
        their deletion, which can make encrypted data unreadable for good, as well as decrypting \
        with any key. Key administration and key use belong to different, narrow grants.",
    remediation: Remediation {
        cli: "aws iam put-role-policy --role-name <role> --policy-name <policy> \\\n\
              --policy-document file://scoped.json   # or put-user-policy / put-group-policy\n\
              # scoped.json: only the KMS actions needed, e.g. kms:Decrypt on named keys",
        console: "IAM > Users (or User groups, Roles) > <name> > Permissions > the inline policy > \
                  Edit; replace kms:* with the specific actions needed.",
        url: "https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies-best-practices.html",
    },
    controls: &[fsbp("IAM.21")],
};

impl Rule for IamInlinePolicyNoFullAccessToKms {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        inline_full_service_access(resource, snapshot, "kms")
    }
}
