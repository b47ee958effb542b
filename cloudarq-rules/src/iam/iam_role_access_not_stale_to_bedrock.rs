//! `iam_role_access_not_stale_to_bedrock`: iAM role allowed Amazon Bedrock has used it within 90 days.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::{BEDROCK_RATIONALE, LAST_ACCESSED_URL, stale_service_access};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "iam_role_access_not_stale_to_bedrock",
    title: "IAM role allowed Amazon Bedrock has used it within 90 days",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamRole],
    rationale: BEDROCK_RATIONALE,
    remediation: Remediation {
        cli: "aws iam generate-service-last-accessed-details --arn <role-arn>\n\
              aws iam get-service-last-accessed-details --job-id <job-id>\n\
              # remove bedrock:* from the role's policies, e.g.\n\
              aws iam detach-role-policy --role-name <role> --policy-arn <policy-arn>",
        console: "IAM > Roles > <role> > Last Accessed tab: check Amazon Bedrock; if unused, remove the \
                  policies (or the statements) that allow bedrock actions from the role.",
        url: LAST_ACCESSED_URL,
    },
    controls: &[nist("AC-6")],
};

/// IAM role allowed Amazon Bedrock has used it within 90 days: IAM's service last accessed data shows the role used
/// Amazon Bedrock within the last 90 days, or its policies allow no action of it.
///
/// Which services a principal may use, and when it last did, come from IAM
/// itself (`GetServiceLastAccessedDetails`), so every way of granting
/// (inline, managed, group, wildcard, `NotAction`) counts, as IAM evaluates
/// it. A role the collector did not ask about has no policy allowing
/// Bedrock or SageMaker by the policy engine's reading (and, for users, no
/// active access key). A failed or unfinished report is *not collected*.
pub(crate) struct IamRoleAccessNotStaleToBedrock;

impl Rule for IamRoleAccessNotStaleToBedrock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(stale_service_access(
            resource,
            snapshot,
            "bedrock",
            "Amazon Bedrock",
        ))
    }
}
