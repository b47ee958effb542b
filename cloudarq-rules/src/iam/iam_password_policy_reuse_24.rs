//! `iam_password_policy_reuse_24`: password policy prevents reuse of the last 24 passwords.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::with_password_policy;
use crate::controls::{cis3, cis7, fsbp};

/// The IAM password policy prevents reuse of the last 24 passwords.
///
/// No password policy at all is a FAIL (AWS's default applies); a policy
/// that could not be read is *not collected*.
pub(crate) struct IamPasswordPolicyReuse24;

static META: RuleMeta = RuleMeta {
    id: "iam_password_policy_reuse_24",
    title: "IAM password policy prevents reuse of the last 24 passwords",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "Preventing reuse stops users from cycling back to an old, possibly leaked password after a forced change.",
    remediation: Remediation {
        cli: "# update-account-password-policy replaces the whole policy: pass every setting you want to keep.\n\
              aws iam update-account-password-policy \\\n\
              --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters \\\n\
              --require-lowercase-characters --require-numbers --require-symbols --max-password-age 90 \\\n\
              --allow-users-to-change-password",
        console: "IAM > Account settings > Password policy > Edit > Custom; set the requirement and save.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
    },
    controls: &[fsbp("IAM.7"), cis3("1.9"), cis7("2.9"), fsbp("IAM.16")],
};

impl Rule for IamPasswordPolicyReuse24 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(with_password_policy(resource, snapshot, |p, id| {
            let reuse = p.reuse_prevention;
            Outcome::check(
                reuse.is_some_and(|n| n >= 24),
                format!("account {id} password policy prevents reuse of the last {} passwords", reuse.unwrap_or(0)),
                match reuse {
                    Some(n) => format!("account {id} password policy prevents reuse of only the last {n} passwords, fewer than 24"),
                    None => format!("account {id} password policy does not prevent password reuse"),
                },
            )
            .with_evidence(json!({"reuse_prevention": reuse}))
        }))
    }
}
