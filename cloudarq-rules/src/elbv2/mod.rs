//! Built-in Elastic Load Balancing v2 rules, one file per rule named by its
//! id.

mod elbv2_logging_enabled;

use cloudarq_model::rule::Rule;

/// Every ELBv2 rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[&elbv2_logging_enabled::Elbv2LoggingEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "elbv2");
    }
}
