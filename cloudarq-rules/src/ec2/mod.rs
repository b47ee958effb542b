//! Built-in EC2 rules, one file per rule named by its id.

use cloudarq_model::rule::Rule;

/// Every EC2 rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[];
