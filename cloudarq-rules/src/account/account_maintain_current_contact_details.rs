//! `account_maintain_current_contact_details`: the account's primary
//! contact information is complete.
//!
//! The check runs once per account (`AWS::Account::Contacts`). No API says
//! whether contact details are *current*: a complete record may name
//! someone who left long ago. So the rule checks what can be checked, that
//! the primary contact has a full name, a postal address (first line, city,
//! country) and a phone number, and says in its rationale that keeping them
//! current stays a manual review. CloudArq does not keep the values, only
//! that they are filled. A record that could not be read is *not
//! collected*, never a FAIL.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7};

static META: RuleMeta = RuleMeta {
    id: "account_maintain_current_contact_details",
    title: "The account's primary contact information is complete",
    severity: Severity::Low,
    service: Service::Account,
    resource_types: &[ResourceType::AccountContacts],
    rationale: "AWS uses the primary contact to reach the account's owner about billing, \
                abuse and suspected compromise, and may suspend an account it cannot reach. \
                This check verifies only that the record is complete (full name, postal \
                address, phone number): whether the details are still current cannot be read \
                from any API, so review them by hand as well.",
    remediation: Remediation {
        cli: "aws account put-contact-information --contact-information \
              FullName=<name>,AddressLine1=<line>,City=<city>,PostalCode=<code>,\
              CountryCode=<CC>,PhoneNumber=<number>",
        console: "AWS console > account menu > Account > Contact information > Edit > fill in \
                  every field > Update.",
        url: "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-primary.html",
    },
    controls: &[cis3("1.1"), cis7("2.2")],
};

/// The account's primary contact information is complete.
pub(crate) struct AccountMaintainCurrentContactDetails;

impl Rule for AccountMaintainCurrentContactDetails {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::AccountContacts(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(primary) = &c.primary else {
            return Ok(Outcome::not_collected("primary"));
        };
        let Some(fields) = primary else {
            return Ok(
                Outcome::fail("The account has no primary contact information")
                    .with_evidence(json!({"present": false})),
            );
        };
        let missing = fields.missing();
        let evidence = json!({"present": true, "missing": missing});
        let outcome = if missing.is_empty() {
            Outcome::pass("The account's primary contact information is complete")
        } else {
            Outcome::fail(format!(
                "The account's primary contact information lacks {}",
                missing.join(", ")
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:account::123456789012:account";

    fn outcome(primary: serde_json::Value) -> Outcome {
        let r = resource(json!({"arn": ARN, "name": "123456789012",
            "properties": {"AWS::Account::Contacts": {"primary": primary,
                "security": "not_collected", "billing": "not_collected",
                "operations": "not_collected"}}}));
        eval(
            &AccountMaintainCurrentContactDetails,
            &snapshot(vec![r]),
            ARN,
        )
    }

    fn fields(city: bool, phone: bool) -> serde_json::Value {
        json!({"value": {"full_name": true, "address_line1": true, "city": city,
            "postal_code": false, "country_code": true, "phone_number": phone}})
    }

    #[test]
    fn a_complete_record_passes_without_a_postal_code() {
        assert_eq!(kind(&outcome(fields(true, true))), "pass");
    }

    #[test]
    fn an_incomplete_or_missing_record_fails() {
        let out = outcome(fields(false, false));
        assert_eq!(kind(&out), "fail");
        assert_eq!(
            message(&out),
            "The account's primary contact information lacks City, PhoneNumber"
        );
        assert_eq!(kind(&outcome(json!({"value": null}))), "fail");
    }

    #[test]
    fn an_unread_record_is_not_collected() {
        assert_eq!(kind(&outcome(json!("not_collected"))), "not_collected");
    }
}
