//! AWS Account Management collector: one global `AWS::Account::Contacts`,
//! with which contact information the account has on record.
//!
//! Calls (global, signed for the home region): `GetContactInformation`, and
//! `GetAlternateContact` for each of `SECURITY`, `BILLING` and
//! `OPERATIONS` (`ResourceNotFoundException` means that contact is not
//! registered: a real answer, not a gap).
//!
//! **Personal data.** The answers name people: their names, postal
//! addresses, e-mail addresses and phone numbers. This collector keeps only
//! whether each field is filled (present and not blank); every value is
//! dropped where it is read, and none is logged.

use aws_sdk_account::types::{AlternateContact, AlternateContactType, ContactInformation};
use cloudarq_model::inventory::account::{
    AccountContacts, AlternateContactFields, PrimaryContactFields,
};
use cloudarq_model::{Arn, Properties, Resource, Service};

use crate::aws::{Action, AwsContext};

/// `GetAlternateContact` error codes that mean "no such contact".
const NOT_REGISTERED: &[&str] = &["ResourceNotFoundException"];

/// Collects the account's contacts: always one resource.
pub(crate) async fn collect(ctx: &AwsContext) -> Vec<Resource> {
    let Ok(arn) = Arn::account_setting(
        ctx.partition(),
        Service::Account.arn_namespace(),
        None,
        ctx.account_id(),
    ) else {
        tracing::warn!("no account contacts ARN; skipped");
        return Vec::new();
    };
    let client = ctx.account();
    let primary = async {
        ctx.read(
            Action::AccountGetContactInformation,
            None,
            Some(&arn),
            client.get_contact_information().send(),
        )
        .await
        .map(|out| out.contact_information().map(primary_fields))
    };
    let alternate = |kind: AlternateContactType| {
        let client = &client;
        let arn = &arn;
        async move {
            ctx.read_optional(
                Action::AccountGetAlternateContact,
                None,
                Some(arn),
                NOT_REGISTERED,
                client
                    .get_alternate_contact()
                    .alternate_contact_type(kind)
                    .send(),
            )
            .await
            .map(|out| {
                out.as_ref()
                    .and_then(|o| o.alternate_contact())
                    .map(alternate_fields)
            })
        }
    };
    let (primary, security, billing, operations) = futures::join!(
        primary,
        alternate(AlternateContactType::Security),
        alternate(AlternateContactType::Billing),
        alternate(AlternateContactType::Operations),
    );
    vec![Resource {
        arn,
        region: None,
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::AccountContacts(Box::new(AccountContacts {
            primary,
            security,
            billing,
            operations,
        })),
    }]
}

/// Whether a field is filled: present and not blank.
fn filled(v: Option<&str>) -> bool {
    v.is_some_and(|s| !s.trim().is_empty())
}

fn primary_fields(c: &ContactInformation) -> PrimaryContactFields {
    PrimaryContactFields {
        full_name: filled(Some(c.full_name())),
        address_line1: filled(Some(c.address_line1())),
        city: filled(Some(c.city())),
        postal_code: filled(Some(c.postal_code())),
        country_code: filled(Some(c.country_code())),
        phone_number: filled(Some(c.phone_number())),
        company_name: filled(c.company_name()),
    }
}

fn alternate_fields(c: &AlternateContact) -> AlternateContactFields {
    AlternateContactFields {
        name: filled(c.name()),
        title: filled(c.title()),
        email_address: filled(c.email_address()),
        phone_number: filled(c.phone_number()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_which_fields_are_filled_is_kept() {
        let c = ContactInformation::builder()
            .full_name("Ana Example")
            .address_line1("1 Example Street")
            .city("  ")
            .postal_code("")
            .country_code("PT")
            .phone_number("+351000000000")
            .build()
            .expect("every required field is set");
        let f = primary_fields(&c);
        assert_eq!(
            f,
            PrimaryContactFields {
                full_name: true,
                address_line1: true,
                city: false,
                postal_code: false,
                country_code: true,
                phone_number: true,
                company_name: false,
            }
        );
        assert_eq!(f.missing(), ["City"]);
        // Nothing of the contact's values reaches the model.
        let json = serde_json::to_string(&f).expect("json");
        assert!(!json.contains("Ana") && !json.contains("+351"));

        let a = AlternateContact::builder()
            .name("Sec Team")
            .email_address("security@example.com")
            .phone_number(" ")
            .build();
        let f = alternate_fields(&a);
        assert!(f.name && f.email_address && !f.title && !f.phone_number);
        assert!(!f.reachable());
    }
}
