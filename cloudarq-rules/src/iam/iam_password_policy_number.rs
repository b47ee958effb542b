//! `iam_password_policy_number`: password policy requires a number.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::with_password_policy;
use crate::controls::{fsbp, nist};

/// The IAM password policy requires a number.
///
/// No password policy at all is a FAIL (AWS's default applies); a policy
/// that could not be read is *not collected*.
pub(crate) struct IamPasswordPolicyNumber;

static META: RuleMeta = RuleMeta {
    id: "iam_password_policy_number",
    title: "IAM password policy requires at least one number",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "Requiring a number in every password enlarges the space an attacker must search and rules out the weakest passwords.",
    remediation: Remediation {
        cli: "# update-account-password-policy replaces the whole policy: pass every setting you want to keep.\n\
              aws iam update-account-password-policy \\\n\
              --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters \\\n\
              --require-lowercase-characters --require-numbers --require-symbols --max-password-age 90 \\\n\
              --allow-users-to-change-password",
        console: "IAM > Account settings > Password policy > Edit > Custom; set the requirement and save.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
    },
    controls: &[fsbp("IAM.14"), fsbp("IAM.7"), nist("IA-5(1)(h)")],
};

impl Rule for IamPasswordPolicyNumber {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(with_password_policy(resource, snapshot, |p, id| {
            Outcome::check(
                p.require_numbers,
                format!("account {id} password policy requires a number"),
                format!("account {id} password policy does not require a number"),
            )
            .with_evidence(json!({"require_numbers": p.require_numbers}))
        }))
    }
}
