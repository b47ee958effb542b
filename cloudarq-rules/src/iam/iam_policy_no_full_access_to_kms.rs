//! `iam_policy_no_full_access_to_kms`: no customer policy grants `kms:*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::customer_policy_statements;
use crate::controls::fsbp;

/// A customer-managed policy does not allow every KMS action on every
/// resource.
///
/// Prowler looks for the literal `kms:*`; this rule also catches `*`,
/// `km*`-style wildcards and `NotAction` statements that leave KMS in. An
/// unattached policy fails at low severity.
pub(crate) struct IamPolicyNoFullAccessToKms;

static META: RuleMeta = RuleMeta {
    id: "iam_policy_no_full_access_to_kms",
    title: "Customer-managed IAM policy does not grant full access to KMS (kms:*)",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "kms:* on every key includes changing key policies, disabling keys and scheduling \
        their deletion, which can make encrypted data unreadable for good, as well as decrypting \
        with any key. Key administration and key use belong to different, narrow grants.",
    remediation: Remediation {
        cli: "aws iam create-policy-version --policy-arn <policy-arn> \\\n\
              --policy-document file://scoped.json --set-as-default\n\
              # scoped.json: list only the KMS actions needed, e.g. kms:Decrypt on specific key ARNs",
        console: "IAM > Policies > <policy> > Edit; replace kms:* with the specific actions needed \
                  (for example kms:Decrypt on named keys) and save as the default version.",
        url: "https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies-best-practices.html",
    },
    controls: &[fsbp("IAM.21")],
};

impl Rule for IamPolicyNoFullAccessToKms {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        customer_policy_statements(
            resource,
            |d| d.full_service_statements("kms"),
            "does not grant kms:* on *",
            "grants kms:* on *",
        )
    }
}
