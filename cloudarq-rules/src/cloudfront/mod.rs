//! Built-in Amazon CloudFront rules, one file per rule named by its id.

mod cloudfront_distributions_logging_enabled;

use cloudarq_model::rule::Rule;

/// Every CloudFront rule, in id order.
pub(crate) static RULES: &[&dyn Rule] =
    &[&cloudfront_distributions_logging_enabled::CloudfrontDistributionsLoggingEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "cloudfront");
    }
}
