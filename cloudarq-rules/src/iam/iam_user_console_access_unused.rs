//! `iam_user_console_access_unused`: console passwords were used in the last 45 days.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{ago, days_since};
use crate::controls::{cis3, cis7, fsbp, nist};

/// A user with a console password signed in within the last 45 days.
///
/// A password that was never used is judged by when it was set (the
/// credential report's `password_last_changed`, else the user's creation
/// time); with neither, the outcome is *not collected*. Users without a
/// console password pass.
pub(crate) struct IamUserConsoleAccessUnused;

/// Passwords idle for more than this many whole days fail.
const MAX_IDLE_DAYS: i64 = 45;

static META: RuleMeta = RuleMeta {
    id: "iam_user_console_access_unused",
    title: "IAM user's console password has been used in the last 45 days",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "A console password nobody uses is standing access that can be guessed or phished \
        without anyone noticing. Removing idle console access shrinks the attack surface.",
    remediation: Remediation {
        cli: "aws iam delete-login-profile --user-name <user>",
        console: "IAM > Users > <user> > Security credentials > Console sign-in > Manage console \
                  access > Disable.",
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

impl Rule for IamUserConsoleAccessUnused {
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
        if !c.password_enabled {
            return Ok(
                Outcome::pass(format!("user {name} has no console password"))
                    .with_evidence(json!({"password_enabled": false})),
            );
        }
        if let Some(t) = c.password_last_used {
            let days = days_since(t, snapshot);
            return Ok(Outcome::check(
                days <= MAX_IDLE_DAYS,
                format!("user {name} last used the console password {}", ago(days)),
                format!("user {name} has a console password last used {days} days ago"),
            )
            .with_evidence(
                json!({"password_enabled": true, "password_last_used": t, "days_ago": days}),
            ));
        }
        let Some(set) = c.password_last_changed.or(u.created) else {
            return Ok(Outcome::not_collected("credentials.password_last_changed"));
        };
        let days = days_since(set, snapshot);
        Ok(Outcome::check(
            days <= MAX_IDLE_DAYS,
            format!("user {name} has a console password set {} and not used yet", ago(days)),
            format!("user {name} has a console password never used since it was set {days} days ago"),
        )
        .with_evidence(json!({"password_enabled": true, "password_last_used": null, "password_set": set, "days_ago": days})))
    }
}
