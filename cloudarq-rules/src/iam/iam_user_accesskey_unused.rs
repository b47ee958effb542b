//! `iam_user_accesskey_unused`: active access keys were used in the last 45 days.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::days_since;
use crate::controls::{cis3, cis7, fsbp, nist};

/// Every active access key of the user was used within the last 45 days.
///
/// A key that was never used is judged by its age: it fails once it was
/// created more than 45 days before collection. An active key with neither
/// date is *not collected* unless another key already fails.
pub(crate) struct IamUserAccesskeyUnused;

/// Keys idle for more than this many whole days fail.
const MAX_IDLE_DAYS: i64 = 45;

static META: RuleMeta = RuleMeta {
    id: "iam_user_accesskey_unused",
    title: "IAM user has no active access key left unused for more than 45 days",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "An active key nobody uses is pure risk: it can leak and be abused, and its owner is \
        unlikely to notice. Deactivating idle keys removes that standing access.",
    remediation: Remediation {
        cli: "aws iam get-access-key-last-used --access-key-id <key-id>\n\
              aws iam update-access-key --user-name <user> --access-key-id <key-id> --status Inactive\n\
              aws iam delete-access-key --user-name <user> --access-key-id <key-id>",
        console: "IAM > Users > <user> > Security credentials > Access keys; check Last used, then \
                  Deactivate and later Delete idle keys.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html",
    },
    controls: &[
        fsbp("IAM.8"),
        cis3("1.12"),
        cis7("2.11"),
        fsbp("IAM.22"),
        nist("AC-2(3)"),
        nist("AC-2(3)(d)"),
    ],
};

impl Rule for IamUserAccesskeyUnused {
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
        let mut idle = Vec::new();
        let mut unknown = false;
        let mut keys = Vec::new();
        for k in c.access_keys.iter().filter(|k| k.active) {
            let used = k.last_used.map(|t| days_since(t, snapshot));
            let created = k.last_rotated.map(|t| days_since(t, snapshot));
            keys.push(
                json!({"slot": k.slot, "days_since_use": used, "days_since_rotation": created}),
            );
            match (used, created) {
                (Some(d), _) if d > MAX_IDLE_DAYS => {
                    idle.push(format!(
                        "an active access key (slot {}) last used {d} days ago",
                        k.slot
                    ));
                }
                (None, Some(d)) if d > MAX_IDLE_DAYS => idle.push(format!(
                    "an active access key (slot {}) never used since it was created {d} days ago",
                    k.slot
                )),
                (None, None) => unknown = true,
                _ => {}
            }
        }
        let evidence = json!({"active_keys": keys});
        if !idle.is_empty() {
            return Ok(
                Outcome::fail(format!("user {name} has {}", idle.join(" and ")))
                    .with_evidence(evidence),
            );
        }
        if unknown {
            return Ok(Outcome::not_collected("credentials.access_keys.last_used"));
        }
        Ok(if keys.is_empty() {
            Outcome::pass(format!("user {name} has no active access keys"))
        } else {
            Outcome::pass(format!(
                "user {name}'s active access keys were used, or created, within {MAX_IDLE_DAYS} days"
            ))
        }
        .with_evidence(evidence))
    }
}
