//! Built-in S3 rules, one file per rule named by its id.

use cloudarq_model::rule::Rule;

/// Every S3 rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[];
