//! `iam_password_policy_expires_passwords_within_90_days_or_less`: password policy expires passwords within 90 days.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::with_password_policy;
use crate::controls::{fsbp, nist};

/// The IAM password policy expires passwords within 90 days.
///
/// No password policy at all is a FAIL (AWS's default applies); a policy
/// that could not be read is *not collected*.
pub(crate) struct IamPasswordPolicyExpiresPasswordsWithin90DaysOrLess;

static META: RuleMeta = RuleMeta {
    id: "iam_password_policy_expires_passwords_within_90_days_or_less",
    title: "IAM password policy expires passwords within 90 days or less",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "Expiring passwords bounds how long a leaked password stays useful. (NIST SP 800-63B now advises against forced rotation when MFA and breach checks are in place; keep this rule when your framework requires it.)",
    remediation: Remediation {
        cli: "# update-account-password-policy replaces the whole policy: pass every setting you want to keep.\n\
              aws iam update-account-password-policy \\\n\
              --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters \\\n\
              --require-lowercase-characters --require-numbers --require-symbols --max-password-age 90 \\\n\
              --allow-users-to-change-password",
        console: "IAM > Account settings > Password policy > Edit > Custom; set the requirement and save.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
    },
    controls: &[fsbp("IAM.7"), fsbp("IAM.17"), nist("IA-5f")],
};

impl Rule for IamPasswordPolicyExpiresPasswordsWithin90DaysOrLess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(with_password_policy(resource, snapshot, |p, id| {
            let max_age = if p.expire_passwords {
                p.max_age_days
            } else {
                None
            };
            Outcome::check(
                max_age.is_some_and(|d| (1..=90).contains(&d)),
                format!("account {id} password policy expires passwords after {} days", max_age.unwrap_or(0)),
                match max_age {
                    Some(d) => format!("account {id} password policy expires passwords after {d} days, more than 90"),
                    None => format!("account {id} password policy does not expire passwords"),
                },
            )
            .with_evidence(json!({"expire_passwords": p.expire_passwords, "max_age_days": p.max_age_days}))
        }))
    }
}
