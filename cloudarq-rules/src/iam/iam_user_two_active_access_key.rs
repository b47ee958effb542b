//! `iam_user_two_active_access_key`: a user has at most one active access key.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::plural;
use crate::controls::cis3;

/// The IAM user has at most one active access key.
pub(crate) struct IamUserTwoActiveAccessKey;

static META: RuleMeta = RuleMeta {
    id: "iam_user_two_active_access_key",
    title: "IAM user has at most one active access key",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "A second active key doubles what can leak and usually means an unfinished rotation. \
        Two keys should be active together only briefly while consumers switch over.",
    remediation: Remediation {
        cli: "aws iam list-access-keys --user-name <user>\n\
              aws iam update-access-key --user-name <user> --access-key-id <unneeded-key-id> --status Inactive\n\
              aws iam delete-access-key --user-name <user> --access-key-id <unneeded-key-id>",
        console: "IAM > Users > <user> > Security credentials > Access keys; deactivate and delete the \
                  key that is no longer needed.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    },
    controls: &[cis3("1.13")],
};

impl Rule for IamUserTwoActiveAccessKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamUser(u) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let name = &u.user_name;
        let Some(c) = u.credentials.value() else {
            return Ok(Outcome::not_collected("credentials"));
        };
        let active: Vec<u8> = c
            .access_keys
            .iter()
            .filter(|k| k.active)
            .map(|k| k.slot)
            .collect();
        Ok(Outcome::check(
            active.len() <= 1,
            format!(
                "user {name} has {}",
                plural(active.len(), "active access key", "active access keys")
            ),
            format!("user {name} has {} active access keys", active.len()),
        )
        .with_evidence(json!({"active_key_slots": active})))
    }
}
