//! `iam_user_access_not_stale_to_bedrock`: iAM user allowed Amazon Bedrock has used it within 90 days.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::{BEDROCK_RATIONALE, LAST_ACCESSED_URL, stale_service_access};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "iam_user_access_not_stale_to_bedrock",
    title: "IAM user allowed Amazon Bedrock has used it within 90 days",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: BEDROCK_RATIONALE,
    remediation: Remediation {
        cli: "aws iam generate-service-last-accessed-details --arn <user-arn>\n\
              aws iam get-service-last-accessed-details --job-id <job-id>\n\
              # remove bedrock:* from the user's policies, e.g.\n\
              aws iam detach-user-policy --user-name <user> --policy-arn <policy-arn>",
        console: "IAM > Users > <user> > Last Accessed tab: check Amazon Bedrock; if unused, remove the \
                  policies (or the statements) that allow bedrock actions from the user and its \
                  groups.",
        url: LAST_ACCESSED_URL,
    },
    controls: &[nist("AC-6")],
};

/// IAM user allowed Amazon Bedrock has used it within 90 days: IAM's service last accessed data shows the user used
/// Amazon Bedrock within the last 90 days, or its policies allow no action of it.
///
/// Which services a principal may use, and when it last did, come from IAM
/// itself (`GetServiceLastAccessedDetails`), so every way of granting
/// (inline, managed, group, wildcard, `NotAction`) counts, as IAM evaluates
/// it. A user the collector did not ask about has no policy allowing
/// Bedrock or SageMaker by the policy engine's reading (and, for users, no
/// active access key). A failed or unfinished report is *not collected*.
pub(crate) struct IamUserAccessNotStaleToBedrock;

impl Rule for IamUserAccessNotStaleToBedrock {
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
