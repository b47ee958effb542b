//! `iam_check_saml_providers_sts`: the account federates sign-in through SAML.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{account, plural};
use crate::controls::{cis3, cis7};

/// The account has at least one SAML identity provider.
///
/// A SAML provider is how IAM federates workforce sign-in with STS
/// `AssumeRoleWithSAML`; having one is the signal (as in Prowler) that
/// people sign in through a central identity provider rather than as IAM
/// users. Accounts federated only through IAM Identity Center also get an
/// Identity Center-managed SAML provider in each member account.
pub(crate) struct IamCheckSamlProvidersSts;

static META: RuleMeta = RuleMeta {
    id: "iam_check_saml_providers_sts",
    title: "Account has a SAML identity provider for federated sign-in",
    severity: Severity::Low,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "Central identity federation gives people short-lived credentials, one place to \
        enforce MFA and one place to remove access when someone leaves, instead of long-lived IAM \
        user passwords and keys in every account.",
    remediation: Remediation {
        cli: "aws iam create-saml-provider --name <IdPName> --saml-metadata-document file://idp-metadata.xml\n\
              # then create roles that trust it (Principal Federated arn:aws:iam::<account>:saml-provider/<IdPName>)",
        console: "IAM > Identity providers > Add provider > SAML; upload your IdP's metadata document, \
                  then create roles for SAML 2.0 federation. Or enable IAM Identity Center, which sets \
                  this up for each account.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html",
    },
    controls: &[cis3("1.21"), cis7("2.19")],
};

impl Rule for IamCheckSamlProvidersSts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(acct) = account(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = snapshot.account_id.as_str();
        let Some(providers) = acct.saml_providers.value() else {
            return Ok(Outcome::not_collected("saml_providers"));
        };
        Ok(Outcome::check(
            !providers.is_empty(),
            format!(
                "account {id} has {}",
                plural(
                    providers.len(),
                    "SAML identity provider",
                    "SAML identity providers"
                )
            ),
            format!("account {id} has no SAML identity provider"),
        )
        .with_evidence(json!({"saml_providers": providers})))
    }
}
