//! `iam_policy_allows_privilege_escalation`: no customer policy lets its holder raise its own privileges.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Owner, attachment_phrase, managed_doc, unattached_is_low};
use crate::controls::nist;
use crate::policy::escalation_paths;

/// A customer-managed policy grants no known privilege-escalation
/// combination of actions (see [`crate::policy::ESCALATION_PATHS`]).
///
/// Unlike Prowler, `iam:PassRole` alone is not reported: it escalates only
/// together with a service that runs the passed role. Resource scoping and
/// conditions on Allow statements are not credited (passing one privileged
/// role is enough); unconditional Deny statements on every resource are. An
/// unattached policy fails at low severity. No CIS or FSBP control covers
/// escalation paths (theirs are about `*:*` only); mapped to NIST 800-53
/// AC-6 and AC-6(10): a principal without privileged functions can grant
/// itself them.
pub(crate) struct IamPolicyAllowsPrivilegeEscalation;

static META: RuleMeta = RuleMeta {
    id: "iam_policy_allows_privilege_escalation",
    title: "Customer-managed IAM policy does not allow privilege escalation",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "Some permissions let their holder grant themselves more: editing policies, creating \
        credentials for other users, or passing a privileged role to a service they control. A \
        policy with such a combination is as powerful as the most privileged role it can reach.",
    remediation: Remediation {
        cli: "aws iam get-policy-version --policy-arn <policy-arn> --version-id <default-version>\n\
              aws iam create-policy-version --policy-arn <policy-arn> \\\n\
              --policy-document file://without-escalation.json --set-as-default",
        console: "IAM > Policies > <policy> > Edit; remove the reported actions, or scope iam:PassRole \
                  to specific non-privileged roles with an iam:PassedToService condition.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
    },
    controls: &[nist("AC-6"), nist("AC-6(10)")],
};

impl Rule for IamPolicyAllowsPrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (p, doc) = match managed_doc(resource, Owner::Customer)? {
            Ok(v) => v,
            Err(done) => return Ok(done),
        };
        let paths: Vec<&str> = escalation_paths(&[&doc]).iter().map(|e| e.name).collect();
        let o = Outcome::check(
            paths.is_empty(),
            format!(
                "customer policy {} grants no known privilege-escalation path",
                p.policy_name
            ),
            format!(
                "customer policy {} ({}) allows privilege escalation through {}",
                p.policy_name,
                attachment_phrase(p),
                paths.join(", ")
            ),
        )
        .with_evidence(json!({"attachment_count": p.attachment_count, "escalation_paths": paths}));
        Ok(unattached_is_low(o, p))
    }
}
