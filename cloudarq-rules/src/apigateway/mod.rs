//! Built-in API Gateway rules, one file per rule named by its id.

mod apigateway_restapi_logging_enabled;

use cloudarq_model::rule::Rule;

/// Every API Gateway rule, in id order.
pub(crate) static RULES: &[&dyn Rule] =
    &[&apigateway_restapi_logging_enabled::ApigatewayRestapiLoggingEnabled];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "apigateway");
    }
}
