//! `iam_user_with_temporary_credentials`: a user with long-lived access
//! keys uses them only to get temporary credentials.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{iam_gap, not_collected_by_gap, service_last_accessed};
use crate::controls::nist;

/// Services a user may reach with long-lived keys without failing: getting
/// temporary credentials (STS) and managing its own credentials (IAM).
const ALLOWED: &[&str] = &["iam", "sts"];

static META: RuleMeta = RuleMeta {
    id: "iam_user_with_temporary_credentials",
    title: "IAM user with active access keys uses only IAM and STS (temporary credentials for \
            everything else)",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "An access key never expires: leaked from a laptop, a CI log or a repository, it \
                works until someone notices. A user that needs keys should use them only to get \
                short-lived credentials (sts:AssumeRole or sts:GetSessionToken with MFA), so that \
                the access that matters expires within hours.",
    remediation: Remediation {
        cli: "aws iam get-service-last-accessed-details --job-id \"$(aws iam \
              generate-service-last-accessed-details --arn <user-arn> --query JobId --output text)\"\n\
              # give the permissions to a role the user assumes, then keep only sts:AssumeRole:\n\
              aws iam detach-user-policy --user-name <user> --policy-arn <policy-arn>",
        console: "IAM > Users > <user> > Last Accessed: note the services used besides IAM and STS; \
                  move those permissions to a role, allow the user only sts:AssumeRole on it (with \
                  an MFA condition), and remove the rest from the user and its groups.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html",
    },
    controls: &[nist("AC-6"), nist("IA-5")],
};

/// A user with an active access key has, within IAM's tracking period
/// (400 days), authenticated to no service but IAM and STS.
///
/// The services used come from IAM's service last accessed data, which
/// counts console sign-in as well as keys: a user with both a password and
/// a key that used, say, S3 from the console FAILs too, and the message
/// says so. Users without an active key are not applicable; an unread
/// credential report or last accessed report is *not collected*.
pub(crate) struct IamUserWithTemporaryCredentials;

impl Rule for IamUserWithTemporaryCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamUser(user) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(creds) = &user.credentials else {
            return Ok(Outcome::not_collected("credentials"));
        };
        if !creds.access_keys.iter().any(|k| k.active) {
            return Ok(Outcome::not_applicable());
        }
        let name = &user.user_name;
        let sla = match service_last_accessed(snapshot) {
            Ok(s) => s,
            Err(o) => return Ok(o),
        };
        let services = match sla.of(&resource.arn).map(|e| &e.services) {
            Some(Collected::Value(s)) => s,
            _ => {
                let actions = [
                    "iam:GenerateServiceLastAccessedDetails",
                    "iam:GetServiceLastAccessedDetails",
                ];
                return Ok(match iam_gap(snapshot, &actions, Some(&resource.arn)) {
                    Some(g) => not_collected_by_gap("service_last_accessed", g),
                    None => Outcome::not_collected("service_last_accessed"),
                });
            }
        };
        let used: Vec<&str> = services
            .iter()
            .filter(|s| s.last_authenticated.is_some() && !ALLOWED.contains(&s.namespace.as_str()))
            .map(|s| s.namespace.as_str())
            .collect();
        let evidence = json!({
            "services_used": used,
            "password_enabled": creds.password_enabled,
        });
        if used.is_empty() {
            return Ok(Outcome::pass(format!(
                "user {name} has active access keys but has used only IAM and STS"
            ))
            .with_evidence(evidence));
        }
        let how = if creds.password_enabled {
            "with its access keys or console sign-in"
        } else {
            "with its access keys"
        };
        Ok(Outcome::fail(format!(
            "user {name} has active access keys and used {} {how}, not only IAM and STS",
            used.join(", ")
        ))
        .with_evidence(evidence))
    }
}
