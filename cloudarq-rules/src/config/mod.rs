//! Built-in AWS Config rules, one file per rule named by its id.

mod config_recorder_all_regions_enabled;

use cloudarq_model::rule::Rule;

/// Every AWS Config rule, in id order.
pub(crate) static RULES: &[&dyn Rule] =
    &[&config_recorder_all_regions_enabled::ConfigRecorderAllRegionsEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "config");
    }
}
