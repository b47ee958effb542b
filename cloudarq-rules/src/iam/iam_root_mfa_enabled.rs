//! `iam_root_mfa_enabled`: the root user has an MFA device.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::account;
use crate::controls::{cis3, cis7, fsbp, nist};

/// The root user has multi-factor authentication enabled.
///
/// Reads `mfa_active` from the root row of the credential report. When the
/// report was not collected, `AccountMFAEnabled` from `GetAccountSummary`
/// answers the same question, so the rule falls back to it.
pub(crate) struct IamRootMfaEnabled;

static META: RuleMeta = RuleMeta {
    id: "iam_root_mfa_enabled",
    title: "Root user has multi-factor authentication (MFA) enabled",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "The root user can do anything in the account, including closing it and changing its \
        billing and support settings, and cannot be restricted by IAM policies. With MFA, a stolen or \
        guessed root password alone is not enough to sign in.",
    remediation: Remediation {
        cli: "# Root MFA is set up by the root user in the console (no IAM API call assigns it).\n\
              # Verify afterwards (1 = enabled):\n\
              aws iam get-account-summary --query SummaryMap.AccountMFAEnabled",
        console: "Sign in as the root user > account menu > Security credentials > Multi-factor \
                  authentication (MFA) > Assign MFA device; choose a passkey/security key, hardware \
                  TOTP token or authenticator app and follow the prompts.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html",
    },
    controls: &[
        cis3("1.5"),
        cis7("2.5"),
        fsbp("IAM.9"),
        nist("IA-2(1)"),
        nist("IA-2(6)"),
        nist("IA-2(6)(a)"),
        nist("IA-2(8)"),
    ],
};

impl Rule for IamRootMfaEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(acct) = account(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = snapshot.account_id.as_str();
        let (mfa, source) = match (&acct.root, &acct.summary) {
            (Collected::Value(root), _) => (root.mfa_active, "credential report"),
            (Collected::NotCollected, Collected::Value(summary)) => {
                match summary.get("AccountMFAEnabled") {
                    Some(v) => (*v == 1, "account summary"),
                    None => return Ok(Outcome::not_collected("summary.AccountMFAEnabled")),
                }
            }
            (Collected::NotCollected, Collected::NotCollected) => {
                return Ok(Outcome::not_collected("root"));
            }
        };
        Ok(Outcome::check(
            mfa,
            format!("root user of account {id} has MFA enabled"),
            format!("root user of account {id} has no MFA device"),
        )
        .with_evidence(json!({"root_mfa_active": mfa, "source": source})))
    }
}
