//! `iam_no_root_access_key`: the root user has no active access keys.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{account, plural};
use crate::controls::{cis3, cis7, fsbp, nist};

/// The root user has no active access keys.
///
/// Reads the root row of the credential report; without it, falls back to
/// `AccountAccessKeysPresent` from `GetAccountSummary`.
pub(crate) struct IamNoRootAccessKey;

static META: RuleMeta = RuleMeta {
    id: "iam_no_root_access_key",
    title: "Root user has no active access keys",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "A root access key gives unrestricted, long-lived programmatic access to the whole \
        account, cannot be limited by policies and is easy to leak in code or configuration. \
        Administrative work should use IAM roles or users instead.",
    remediation: Remediation {
        cli: "# Run with the root user's own credentials (keys of the root user cannot be managed by IAM users):\n\
              aws iam list-access-keys\n\
              aws iam update-access-key --access-key-id <ACCESS_KEY_ID> --status Inactive\n\
              aws iam delete-access-key --access-key-id <ACCESS_KEY_ID>",
        console: "Sign in as the root user > account menu > Security credentials > Access keys; \
                  deactivate, then delete, each key.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html",
    },
    controls: &[
        cis3("1.4"),
        cis7("2.4"),
        fsbp("IAM.4"),
        nist("AC-6"),
        nist("AC-6(2)"),
        nist("IA-2"),
    ],
};

impl Rule for IamNoRootAccessKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(acct) = account(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = snapshot.account_id.as_str();
        match (&acct.root, &acct.summary) {
            (Collected::Value(root), _) => {
                let active: Vec<u8> = root
                    .access_keys
                    .iter()
                    .filter(|k| k.active)
                    .map(|k| k.slot)
                    .collect();
                Ok(Outcome::check(
                    active.is_empty(),
                    format!("root user of account {id} has no active access keys"),
                    format!(
                        "root user of account {id} has {} (slot {})",
                        plural(active.len(), "active access key", "active access keys"),
                        active
                            .iter()
                            .map(u8::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_evidence(
                    json!({"active_root_key_slots": active, "source": "credential report"}),
                ))
            }
            (Collected::NotCollected, Collected::Value(summary)) => {
                let Some(present) = summary.get("AccountAccessKeysPresent") else {
                    return Ok(Outcome::not_collected("summary.AccountAccessKeysPresent"));
                };
                Ok(Outcome::check(
                    *present == 0,
                    format!("root user of account {id} has no access keys"),
                    format!("root user of account {id} has access keys"),
                )
                .with_evidence(
                    json!({"AccountAccessKeysPresent": present, "source": "account summary"}),
                ))
            }
            (Collected::NotCollected, Collected::NotCollected) => {
                Ok(Outcome::not_collected("root"))
            }
        }
    }
}
