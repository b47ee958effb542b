//! Built-in IAM Access Analyzer rules, one file per rule named by its id.

mod accessanalyzer_enabled;

use cloudarq_model::rule::Rule;

/// Every IAM Access Analyzer rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[&accessanalyzer_enabled::AccessanalyzerEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "accessanalyzer");
    }
}
