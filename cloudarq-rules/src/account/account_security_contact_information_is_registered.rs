//! `account_security_contact_information_is_registered`: the account has a
//! security alternate contact that can be reached.
//!
//! The check runs once per account (`AWS::Account::Contacts`). It passes
//! when a `SECURITY` alternate contact is registered with an e-mail address
//! and a phone number; CloudArq does not keep the values, only that they
//! are filled, so it cannot tell whether they still reach someone. A
//! contact that could not be read is *not collected*, never a FAIL.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, fsbp};

static META: RuleMeta = RuleMeta {
    id: "account_security_contact_information_is_registered",
    title: "The account has a security contact with an e-mail address and a phone number",
    severity: Severity::Medium,
    service: Service::Account,
    resource_types: &[ResourceType::AccountContacts],
    rationale: "AWS writes to the security alternate contact about abuse reports, exposed \
                credentials and other security events in the account. Without one, those \
                notices go to the root e-mail address only, which is often an unwatched \
                mailbox, and a compromise can go on unnoticed.",
    remediation: Remediation {
        cli: "aws account put-alternate-contact --alternate-contact-type SECURITY --name \
              <name> --title <title> --email-address <address> --phone-number <number>",
        console: "AWS console > account menu > Account > Alternate contacts > Edit > \
                  Security contact > Update.",
        url: "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html",
    },
    controls: &[cis3("1.2"), cis7("2.3"), fsbp("Account.1")],
};

/// The account has a security contact with an e-mail address and a phone number.
pub(crate) struct AccountSecurityContactInformationIsRegistered;

impl Rule for AccountSecurityContactInformationIsRegistered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::AccountContacts(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(security) = &c.security else {
            return Ok(Outcome::not_collected("security"));
        };
        let outcome = match security {
            None => Outcome::fail("No security contact is registered for the account")
                .with_evidence(json!({"registered": false})),
            Some(f) => {
                let evidence = json!({
                    "registered": true,
                    "name": f.name,
                    "email_address": f.email_address,
                    "phone_number": f.phone_number,
                });
                let missing: Vec<&str> = [
                    (f.email_address, "e-mail address"),
                    (f.phone_number, "phone number"),
                ]
                .into_iter()
                .filter(|(filled, _)| !filled)
                .map(|(_, what)| what)
                .collect();
                if missing.is_empty() {
                    Outcome::pass("A security contact is registered for the account")
                } else {
                    Outcome::fail(format!(
                        "The account's security contact has no {}",
                        missing.join(" and no ")
                    ))
                }
                .with_evidence(evidence)
            }
        };
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:account::123456789012:account";

    fn outcome(security: serde_json::Value) -> Outcome {
        let r = resource(json!({"arn": ARN, "name": "123456789012",
            "properties": {"AWS::Account::Contacts": {"primary": "not_collected",
                "security": security, "billing": {"value": null},
                "operations": {"value": null}}}}));
        eval(
            &AccountSecurityContactInformationIsRegistered,
            &snapshot(vec![r]),
            ARN,
        )
    }

    fn fields(email: bool, phone: bool) -> serde_json::Value {
        json!({"value": {"name": true, "title": true, "email_address": email,
            "phone_number": phone}})
    }

    #[test]
    fn a_reachable_security_contact_passes() {
        assert_eq!(kind(&outcome(fields(true, true))), "pass");
    }

    #[test]
    fn no_contact_or_an_unreachable_one_fails() {
        let out = outcome(json!({"value": null}));
        assert_eq!(kind(&out), "fail");
        assert_eq!(
            message(&out),
            "No security contact is registered for the account"
        );
        let out = outcome(fields(false, true));
        assert_eq!(
            message(&out),
            "The account's security contact has no e-mail address"
        );
        let out = outcome(fields(true, false));
        assert_eq!(
            message(&out),
            "The account's security contact has no phone number"
        );
        let out = outcome(fields(false, false));
        assert_eq!(
            message(&out),
            "The account's security contact has no e-mail address and no phone number"
        );
    }

    #[test]
    fn an_unread_contact_is_not_collected() {
        assert_eq!(kind(&outcome(json!("not_collected"))), "not_collected");
    }
}
