//! Built-in Amazon EFS rules, one file per rule named by its id.

mod efs_encryption_at_rest_enabled;
mod efs_not_publicly_accessible;

use cloudarq_model::rule::Rule;

/// Every Amazon EFS rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &efs_encryption_at_rest_enabled::EfsEncryptionAtRestEnabled,
    &efs_not_publicly_accessible::EfsNotPubliclyAccessible,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "efs");
    }
}
