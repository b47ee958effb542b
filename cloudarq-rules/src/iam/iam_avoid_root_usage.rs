//! `iam_avoid_root_usage`: the root user was not used in the last day.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{account, ago, days_since};
use crate::controls::{cis3, cis7, fsbp};

/// The root user was not used within the last day.
///
/// Looks at the root password's and both root access keys' last use in the
/// credential report. Like Prowler, it counts whole days between the last
/// use and the collection time and fails at one day or less, so any use in
/// the 48 hours before collection fails. The collection time, not the
/// clock, is "now".
pub(crate) struct IamAvoidRootUsage;

/// A use this many whole days ago, or more recently, fails.
const MAX_DAYS: i64 = 1;

static META: RuleMeta = RuleMeta {
    id: "iam_avoid_root_usage",
    title: "Root user has not been used in the last day",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "The root user is for the few tasks only it can do. Routine use exposes its unrestricted \
        credentials and makes its activity hard to tell apart from an attacker's; recent root activity \
        should be explained.",
    remediation: Remediation {
        cli: "aws iam generate-credential-report\n\
              aws iam get-credential-report --query Content --output text | base64 --decode | \
              grep '<root_account>'\n\
              # Review CloudTrail for the root user's recent events:\n\
              aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root",
        console: "IAM > Credential report to see when root was last used; CloudTrail > Event history, \
                  filter User name = root, to see what it did. Create IAM roles or Identity Center \
                  users for that work and keep the root credentials locked away.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html",
    },
    controls: &[fsbp("IAM.20"), cis3("1.7"), cis7("2.7")],
};

impl Rule for IamAvoidRootUsage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(acct) = account(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = snapshot.account_id.as_str();
        let Some(root) = acct.root.value() else {
            return Ok(Outcome::not_collected("root"));
        };
        let uses = root
            .password_last_used
            .map(|t| ("password".to_owned(), t))
            .into_iter()
            .chain(
                root.access_keys
                    .iter()
                    .filter_map(|k| k.last_used.map(|t| (format!("access key {}", k.slot), t))),
            );
        let Some((how, when)) = uses.max_by_key(|(_, t)| *t) else {
            return Ok(
                Outcome::pass(format!("root user of account {id} has no recorded use"))
                    .with_evidence(json!({"root_last_used": null})),
            );
        };
        let days = days_since(when, snapshot);
        let evidence = json!({"root_last_used": when, "credential": how, "days_ago": days});
        Ok(Outcome::check(
            days > MAX_DAYS,
            format!(
                "root user of account {id} was last used {} ({how})",
                ago(days)
            ),
            format!(
                "root user of account {id} was used {} ({how}, at {when})",
                ago(days)
            ),
        )
        .with_evidence(evidence))
    }
}
