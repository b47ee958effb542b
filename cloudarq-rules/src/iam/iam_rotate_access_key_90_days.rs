//! `iam_rotate_access_key_90_days`: active access keys are rotated within 90 days.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::days_since;
use crate::controls::{cis3, cis7, fsbp, nist};

/// No active access key of the user was created or rotated more than 90
/// days before collection.
///
/// Inactive keys are ignored. An active key whose rotation date is missing
/// from the credential report is *not collected* unless another key already
/// fails.
pub(crate) struct IamRotateAccessKey90Days;

/// Keys older than this many whole days fail.
const MAX_AGE_DAYS: i64 = 90;

static META: RuleMeta = RuleMeta {
    id: "iam_rotate_access_key_90_days",
    title: "IAM user's active access keys are rotated within 90 days",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "Access keys are long-lived secrets that end up in scripts, CI systems and laptops. \
        Rotating them limits how long a leaked key stays useful.",
    remediation: Remediation {
        cli: "aws iam create-access-key --user-name <user>\n\
              # switch every consumer to the new key, then:\n\
              aws iam update-access-key --user-name <user> --access-key-id <old-key-id> --status Inactive\n\
              aws iam delete-access-key --user-name <user> --access-key-id <old-key-id>",
        console: "IAM > Users > <user> > Security credentials > Access keys > Create access key; move \
                  consumers to it, then Deactivate and Delete the old key. Prefer roles with temporary \
                  credentials where possible.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console",
    },
    controls: &[cis3("1.14"), cis7("2.12"), fsbp("IAM.3"), nist("IA-5f")],
};

impl Rule for IamRotateAccessKey90Days {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamUser(u) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let name = &u.user_name;
        let Some(c) = u.credentials.value() else {
            return Ok(Outcome::not_collected("credentials"));
        };
        let active: Vec<_> = c.access_keys.iter().filter(|k| k.active).collect();
        let ages: Vec<(u8, Option<i64>)> = active
            .iter()
            .map(|k| (k.slot, k.last_rotated.map(|t| days_since(t, snapshot))))
            .collect();
        let evidence = json!({"active_keys": ages.iter().map(|(slot, age)| json!({"slot": slot, "days_since_rotation": age})).collect::<Vec<_>>()});
        let stale: Vec<(u8, i64)> = ages
            .iter()
            .filter_map(|(slot, age)| age.filter(|d| *d > MAX_AGE_DAYS).map(|d| (*slot, d)))
            .collect();
        match stale.as_slice() {
            [] => {}
            [(slot, days)] => {
                return Ok(Outcome::fail(format!(
                    "user {name} has an active access key (slot {slot}) last rotated {days} days ago"
                ))
                .with_evidence(evidence));
            }
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|(slot, days)| format!("slot {slot}: {days} days"))
                    .collect();
                return Ok(Outcome::fail(format!(
                    "user {name} has {} active access keys last rotated more than {MAX_AGE_DAYS} days ago ({})",
                    many.len(),
                    list.join(", ")
                ))
                .with_evidence(evidence));
            }
        }
        if ages.iter().any(|(_, age)| age.is_none()) {
            return Ok(Outcome::not_collected(
                "credentials.access_keys.last_rotated",
            ));
        }
        Ok(match ages.iter().filter_map(|(_, a)| *a).max() {
            None => Outcome::pass(format!("user {name} has no active access keys")),
            Some(oldest) => Outcome::pass(format!(
                "user {name}'s active access keys were last rotated at most {oldest} days ago"
            )),
        }
        .with_evidence(evidence))
    }
}
