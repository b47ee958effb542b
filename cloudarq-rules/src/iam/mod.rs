//! Built-in IAM rules, one file per rule named by its id.

use cloudarq_model::rule::Rule;

/// Every IAM rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[];
