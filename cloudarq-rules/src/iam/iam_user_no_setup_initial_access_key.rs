//! `iam_user_no_setup_initial_access_key`: console users were not given unused keys at setup.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::cis3;

/// A user with a console password has no active access key that was never
/// used: the sign of a key handed out by default when the user was set up.
///
/// Users without a console password pass; their keys are their purpose.
pub(crate) struct IamUserNoSetupInitialAccessKey;

static META: RuleMeta = RuleMeta {
    id: "iam_user_no_setup_initial_access_key",
    title: "IAM console user has no never-used access key created at setup",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "Creating access keys for every new user by default leaves long-lived secrets with \
        people who never need programmatic access. Keys should be created only when a user asks for \
        them.",
    remediation: Remediation {
        cli: "aws iam list-access-keys --user-name <user>\n\
              aws iam delete-access-key --user-name <user> --access-key-id <never-used-key-id>",
        console: "IAM > Users > <user> > Security credentials > Access keys; delete keys whose Last \
                  used is N/A.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    },
    controls: &[cis3("1.11")],
};

impl Rule for IamUserNoSetupInitialAccessKey {
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
        if !c.password_enabled {
            return Ok(
                Outcome::pass(format!("user {name} has no console password"))
                    .with_evidence(json!({"password_enabled": false})),
            );
        }
        let never_used: Vec<u8> = c
            .access_keys
            .iter()
            .filter(|k| k.active && k.last_used.is_none())
            .map(|k| k.slot)
            .collect();
        let evidence = json!({"password_enabled": true, "never_used_active_key_slots": never_used});
        Ok(match never_used.as_slice() {
            [] => Outcome::pass(format!("user {name} has console access and no never-used active access key")),
            [slot] => Outcome::fail(format!(
                "user {name} has console access and an active access key (slot {slot}) that has never been used"
            )),
            slots => Outcome::fail(format!(
                "user {name} has console access and {} active access keys that have never been used (slots {slots:?})",
                slots.len()
            )),
        }
        .with_evidence(evidence))
    }
}
