//! Built-in Security Hub rules, one file per rule named by its id.

mod securityhub_enabled;

use cloudarq_model::rule::Rule;

/// Every Security Hub rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[&securityhub_enabled::SecurityhubEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "securityhub");
    }
}
