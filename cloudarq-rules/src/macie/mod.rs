//! Built-in Amazon Macie rules, one file per rule named by its id.

mod macie_is_enabled;

use cloudarq_model::rule::Rule;

/// Every Amazon Macie rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[&macie_is_enabled::MacieIsEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "macie");
    }
}
