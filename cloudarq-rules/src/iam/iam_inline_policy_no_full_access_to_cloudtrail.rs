//! `iam_inline_policy_no_full_access_to_cloudtrail`: no inline policy grants `cloudtrail:*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::inline_full_service_access;
use crate::controls::fsbp;

/// No inline policy of the user, group or role allows every CloudTrail action on
/// every resource (through `cloudtrail:*`, `*`, a wider wildcard or a
/// `NotAction` that leaves CloudTrail in).
///
/// Principals without inline policies are not applicable; a missing
/// (`null`) document makes the outcome *not collected* unless another policy
/// already fails. Mapped to FSBP IAM.21, which asks the same of
/// customer-managed policies.
pub(crate) struct IamInlinePolicyNoFullAccessToCloudtrail;

static META: RuleMeta = RuleMeta {
    id: "iam_inline_policy_no_full_access_to_cloudtrail",
    title: "Inline IAM policy does not grant full access to CloudTrail (cloudtrail:*)",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[
        ResourceType::IamUser,
        ResourceType::IamGroup,
        ResourceType::IamRole,
    ],
    rationale: "CloudTrail is the account's audit record. Whoever can stop, delete or reconfigure \
        trails can hide their own activity; those actions belong to a few administrators only.",
    remediation: Remediation {
        cli: "aws iam put-role-policy --role-name <role> --policy-name <policy> \\\n\
              --policy-document file://scoped.json   # or put-user-policy / put-group-policy\n\
              # scoped.json: only the CloudTrail actions needed, e.g. cloudtrail:LookupEvents",
        console: "IAM > Users (or User groups, Roles) > <name> > Permissions > the inline policy > \
                  Edit; replace cloudtrail:* with the specific actions needed.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/security_iam_id-based-policy-examples.html",
    },
    controls: &[fsbp("IAM.21")],
};

impl Rule for IamInlinePolicyNoFullAccessToCloudtrail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        inline_full_service_access(resource, snapshot, "cloudtrail")
    }
}
