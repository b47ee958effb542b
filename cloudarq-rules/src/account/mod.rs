//! Built-in AWS Account Management rules, one file per rule named by its id.

mod account_maintain_current_contact_details;
mod account_security_contact_information_is_registered;

use cloudarq_model::rule::Rule;

/// Every AWS Account Management rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &account_maintain_current_contact_details::AccountMaintainCurrentContactDetails,
    &account_security_contact_information_is_registered::AccountSecurityContactInformationIsRegistered,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "account");
    }
}
