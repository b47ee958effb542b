//! Built-in RDS rules, one file per rule named by its id.

use cloudarq_model::rule::Rule;

/// Every RDS rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[];
