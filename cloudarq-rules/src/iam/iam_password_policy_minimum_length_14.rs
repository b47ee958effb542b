//! `iam_password_policy_minimum_length_14`: password policy requires at least 14 characters.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::with_password_policy;
use crate::controls::{cis3, cis7, fsbp, nist};

/// The IAM password policy requires at least 14 characters.
///
/// No password policy at all is a FAIL (AWS's default applies); a policy
/// that could not be read is *not collected*.
pub(crate) struct IamPasswordPolicyMinimumLength14;

static META: RuleMeta = RuleMeta {
    id: "iam_password_policy_minimum_length_14",
    title: "IAM password policy requires passwords of at least 14 characters",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "Longer passwords resist brute-force and guessing attacks far better; CIS asks for at least 14 characters.",
    remediation: Remediation {
        cli: "# update-account-password-policy replaces the whole policy: pass every setting you want to keep.\n\
              aws iam update-account-password-policy \\\n\
              --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters \\\n\
              --require-lowercase-characters --require-numbers --require-symbols --max-password-age 90 \\\n\
              --allow-users-to-change-password",
        console: "IAM > Account settings > Password policy > Edit > Custom; set the requirement and save.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
    },
    controls: &[
        fsbp("IAM.7"),
        cis3("1.8"),
        cis7("2.8"),
        fsbp("IAM.15"),
        nist("IA-5"),
        nist("IA-5c"),
        nist("IA-5(1)(h)"),
    ],
};

impl Rule for IamPasswordPolicyMinimumLength14 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(with_password_policy(resource, snapshot, |p, id| {
            let len = p.minimum_length;
            let ok = len.is_some_and(|n| n >= 14);
            let shown = len.map_or("no minimum length".to_owned(), |n| {
                format!("a minimum length of {n}")
            });
            Outcome::check(
                ok,
                format!("account {id} password policy requires {shown}"),
                format!("account {id} password policy has {shown}, below 14 characters"),
            )
            .with_evidence(json!({"minimum_length": len}))
        }))
    }
}
