//! `iam_policy_no_full_access_to_cloudtrail`: no customer policy grants `cloudtrail:*`.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::customer_policy_statements;
use crate::controls::fsbp;

/// A customer-managed policy does not allow every CloudTrail action on every
/// resource.
///
/// Prowler looks for the literal `cloudtrail:*`; this rule also catches
/// `*`, `cloud*`-style wildcards and `NotAction` statements that leave
/// CloudTrail in. An unattached policy fails at low severity.
pub(crate) struct IamPolicyNoFullAccessToCloudtrail;

static META: RuleMeta = RuleMeta {
    id: "iam_policy_no_full_access_to_cloudtrail",
    title: "Customer-managed IAM policy does not grant full access to CloudTrail (cloudtrail:*)",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "CloudTrail is the account's audit record. Whoever can stop, delete or reconfigure \
        trails can hide their own activity; those actions belong to a few administrators only.",
    remediation: Remediation {
        cli: "aws iam create-policy-version --policy-arn <policy-arn> \\\n\
              --policy-document file://scoped.json --set-as-default\n\
              # scoped.json: list only the CloudTrail actions needed, e.g. cloudtrail:LookupEvents",
        console: "IAM > Policies > <policy> > Edit; replace cloudtrail:* with the specific read actions \
                  needed and save as the default version.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/security_iam_id-based-policy-examples.html",
    },
    controls: &[fsbp("IAM.21")],
};

impl Rule for IamPolicyNoFullAccessToCloudtrail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        customer_policy_statements(
            resource,
            |d| d.full_service_statements("cloudtrail"),
            "does not grant cloudtrail:* on *",
            "grants cloudtrail:* on *",
        )
    }
}
