//! AWS Account Management inventory kinds: which contact information the
//! account has on record.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`AccountContacts`] (`AWS::Account::Contacts`) | `arn:aws:account::<account>:account` | `GetContactInformation`, `GetAlternateContact` (`SECURITY`, `BILLING`, `OPERATIONS`) |
//!
//! There is one `AWS::Account::Contacts`, global, whenever the `account`
//! service is collected; its [`Resource::name`](crate::Resource::name) is
//! the account id. The ARN is CloudArq's name for the account's contact
//! settings (AWS names an account `arn:aws:account::<management>:account/<org>/<account>`
//! only inside an organization).
//!
//! # No personal data
//!
//! Contact records hold names, postal addresses, e-mail addresses and phone
//! numbers of people. CloudArq keeps none of them: the collector reads each
//! answer and stores only **which fields are filled** (present and not
//! blank), as booleans. No value AWS returned for a contact is written to a
//! snapshot, a log or a finding.
//!
//! **`Collected` fields**, one call each (the gap's `action` is the IAM
//! action in parentheses):
//!
//! | field | call | `Value(None)` when |
//! |---|---|---|
//! | [`primary`](AccountContacts::primary) | `GetContactInformation` (`account:GetContactInformation`) | the answer held no contact information |
//! | [`security`](AccountContacts::security) | `GetAlternateContact`, type `SECURITY` (`account:GetAlternateContact`) | AWS answered `ResourceNotFoundException`: no security contact is registered |
//! | [`billing`](AccountContacts::billing) | `GetAlternateContact`, type `BILLING` | no billing contact is registered |
//! | [`operations`](AccountContacts::operations) | `GetAlternateContact`, type `OPERATIONS` | no operations contact is registered |
//!
//! A denied or failed call is a gap, never "not registered".
//!
//! ```
//! use cloudarq_model::inventory::account::AccountContacts;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:account::123456789012:account",
//!     "name": "123456789012",
//!     "properties": {"AWS::Account::Contacts": {
//!         "primary": "not_collected",
//!         "security": {"value": null},
//!         "billing": {"value": {"name": true, "title": true, "email_address": true, "phone_number": true}},
//!         "operations": {"value": null}}}
//! }))?;
//! let Properties::AccountContacts(c) = &r.properties else { unreachable!() };
//! assert_eq!(c.security, Collected::Value(None)); // no security contact
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::Collected;

/// `AWS::Account::Contacts`: which contact information the account has on
/// record, ARN `arn:aws:account::<account>:account`, named by the account
/// id. Every field says only which parts of a contact are filled in, never
/// what they say (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountContacts {
    /// The primary contact (`GetContactInformation`); `Value(None)` when
    /// the answer held none. Not collected when the call failed or was
    /// denied (`account:GetContactInformation`).
    #[serde(default)]
    pub primary: Collected<Option<PrimaryContactFields>>,
    /// The security alternate contact (`GetAlternateContact`, `SECURITY`);
    /// `Value(None)` when none is registered. Not collected when the call
    /// failed or was denied (`account:GetAlternateContact`).
    #[serde(default)]
    pub security: Collected<Option<AlternateContactFields>>,
    /// The billing alternate contact, as for [`security`](Self::security).
    #[serde(default)]
    pub billing: Collected<Option<AlternateContactFields>>,
    /// The operations alternate contact, as for [`security`](Self::security).
    #[serde(default)]
    pub operations: Collected<Option<AlternateContactFields>>,
}

/// Which fields of the primary contact are filled (present and not blank).
/// The values themselves are not kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrimaryContactFields {
    /// `FullName`.
    pub full_name: bool,
    /// `AddressLine1`.
    pub address_line1: bool,
    /// `City`.
    pub city: bool,
    /// `PostalCode`.
    pub postal_code: bool,
    /// `CountryCode`.
    pub country_code: bool,
    /// `PhoneNumber`.
    pub phone_number: bool,
    /// `CompanyName` (optional in AWS).
    #[serde(default)]
    pub company_name: bool,
}

impl PrimaryContactFields {
    /// The fields a reachable primary contact needs, with their AWS names:
    /// a full name, a postal address (first line, city, country) and a
    /// phone number. The postal code is left out: not every country uses
    /// one.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            (self.full_name, "FullName"),
            (self.address_line1, "AddressLine1"),
            (self.city, "City"),
            (self.country_code, "CountryCode"),
            (self.phone_number, "PhoneNumber"),
        ]
        .into_iter()
        .filter(|(filled, _)| !filled)
        .map(|(_, name)| name)
        .collect()
    }
}

/// Which fields of an alternate contact are filled (present and not
/// blank). The values themselves are not kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlternateContactFields {
    /// `Name`.
    pub name: bool,
    /// `Title`.
    pub title: bool,
    /// `EmailAddress`.
    pub email_address: bool,
    /// `PhoneNumber`.
    pub phone_number: bool,
}

impl AlternateContactFields {
    /// Whether the contact can be reached: an e-mail address and a phone
    /// number are filled.
    pub fn reachable(&self) -> bool {
        self.email_address && self.phone_number
    }
}
