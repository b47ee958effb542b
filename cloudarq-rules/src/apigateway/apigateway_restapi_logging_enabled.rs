//! `apigateway_restapi_logging_enabled`: every request to a REST API stage
//! is logged.
//!
//! A stage logs every request with access logging (a destination set), or
//! with execution logging at `INFO` for every method: the `*/*` setting at
//! `INFO` and no method override at `OFF` or `ERROR`. `ERROR` records
//! failed requests only, so it does not pass (the peer passes any level but
//! `OFF`). API Gateway writes execution logs and CloudWatch Logs access logs
//! only through the region's CloudWatch role (`GetAccount`'s
//! `cloudwatchRoleArn`): without it those settings write nothing, and the
//! stage fails. Access logs to Firehose need no role. When the role could
//! not be read and a CloudWatch mechanism is configured, the result is *not
//! collected*.

use cloudarq_model::inventory::apigateway::Stage;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis7, nist};
use crate::related;

/// Method settings key of every method of a stage.
const ALL_METHODS: &str = "*/*";

static META: RuleMeta = RuleMeta {
    id: "apigateway_restapi_logging_enabled",
    title: "API Gateway REST API stages log every request",
    severity: Severity::Medium,
    service: Service::ApiGateway,
    resource_types: &[ResourceType::ApiGatewayStage],
    rationale: "Access logs (or execution logs at INFO) record each request to the API: \
                caller address, identity, method, path, status and latency. Without them \
                there is no record of who called which operation, for incident response or \
                for spotting credential stuffing and enumeration against the API.",
    remediation: Remediation {
        cli: "# once per region: a role API Gateway may use to write to CloudWatch Logs\n\
              aws apigateway update-account --patch-operations \
              op=replace,path=/cloudwatchRoleArn,value=<role ARN with \
              AmazonAPIGatewayPushToCloudWatchLogs>\n\
              aws apigateway update-stage --rest-api-id <api-id> --stage-name <stage> \
              --patch-operations op=replace,path=/accessLogSettings/destinationArn,value=<log \
              group ARN> 'op=replace,path=/accessLogSettings/format,value=$context.requestId \
              $context.identity.sourceIp $context.httpMethod $context.resourcePath \
              $context.status'",
        console: "API Gateway console > APIs > <API> > Stages > <stage> > Logs and tracing > \
                  Edit: turn on Custom access logging with a log group ARN (or set \
                  CloudWatch logs to INFO) > Save. Settings > Logging: set the CloudWatch \
                  log role ARN once per region.",
        url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    },
    controls: &[cis7("4.10"), nist("AU-12a"), nist("AU-12c")],
};

/// API Gateway REST API stages log every request.
pub(crate) struct ApigatewayRestapiLoggingEnabled;

impl Rule for ApigatewayRestapiLoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::ApiGatewayStage(stage) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let role = related::apigateway_account(snapshot, resource.region.as_ref())
            .map_or(Collected::NotCollected, |a| a.cloudwatch_role_arn.clone());
        let name = &resource.name;
        let access = stage.access_log_destination.as_deref();
        let to_firehose = access.is_some_and(|d| d.contains(":firehose:"));
        let execution = execution_logging(stage);
        let evidence = json!({
            "access_log_destination": access,
            "execution_logging": execution.level,
            "methods_not_logged": execution.methods_not_logged,
            "cloudwatch_role_arn": role.value(),
        });
        let outcome = if to_firehose {
            Outcome::pass(format!(
                "API Gateway stage {name} sends access logs to Firehose"
            ))
        } else if access.is_some() || execution.every_request {
            let how = if access.is_some() {
                "access logging"
            } else {
                "execution logging at INFO"
            };
            match &role {
                Collected::NotCollected => {
                    return Ok(Outcome::not_collected("cloudwatch_role_arn"));
                }
                Collected::Value(Some(_)) => {
                    Outcome::pass(format!("API Gateway stage {name} has {how} on"))
                }
                Collected::Value(None) => Outcome::fail(format!(
                    "API Gateway stage {name} has {how} on, but the region has no CloudWatch \
                     Logs role for API Gateway, so nothing is written"
                )),
            }
        } else {
            Outcome::fail(format!(
                "API Gateway stage {name} does not log every request: {}",
                execution.why_not()
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}

/// What execution logging covers.
struct Execution {
    /// `*/*` at `INFO`, with no override below it.
    every_request: bool,
    /// The `*/*` level (`None`: off).
    level: Option<String>,
    /// Method overrides at `OFF` or `ERROR`.
    methods_not_logged: Vec<String>,
}

impl Execution {
    fn why_not(&self) -> String {
        match self.level.as_deref() {
            Some("INFO") => format!(
                "no access logging, and execution logging is off or errors-only for {}",
                self.methods_not_logged.join(", ")
            ),
            Some("ERROR") => {
                "no access logging, and execution logging records errors only".to_owned()
            }
            _ => "no access logging and no execution logging".to_owned(),
        }
    }
}

fn execution_logging(stage: &Stage) -> Execution {
    let level = stage
        .method_settings
        .get(ALL_METHODS)
        .and_then(|m| m.logging_level.clone());
    let methods_not_logged: Vec<String> = stage
        .method_settings
        .iter()
        .filter(|(k, _)| k.as_str() != ALL_METHODS)
        .filter(|(_, m)| matches!(m.logging_level.as_deref(), Some("OFF" | "ERROR")))
        .map(|(k, _)| k.clone())
        .collect();
    Execution {
        every_request: level.as_deref() == Some("INFO") && methods_not_logged.is_empty(),
        level,
        methods_not_logged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:apigateway:eu-west-1::/restapis/a1/stages/prod";
    const ACCOUNT: &str = "arn:aws:apigateway:eu-west-1:123456789012:account";

    fn outcome(stage: serde_json::Value, role: serde_json::Value) -> Outcome {
        let mut props = json!({"rest_api_id": "a1", "rest_api_name": "orders",
            "stage_name": "prod"});
        for (k, v) in stage.as_object().expect("object") {
            props[k] = v.clone();
        }
        let s = resource(
            json!({"arn": ARN, "region": "eu-west-1", "name": "orders/prod",
            "properties": {"AWS::ApiGateway::Stage": props}}),
        );
        let mut resources = vec![s];
        if !role.is_null() {
            resources.push(resource(json!({"arn": ACCOUNT, "region": "eu-west-1",
                "name": "123456789012",
                "properties": {"AWS::ApiGateway::Account": {"cloudwatch_role_arn": role}}})));
        }
        eval(&ApigatewayRestapiLoggingEnabled, &snapshot(resources), ARN)
    }

    fn role() -> serde_json::Value {
        json!({"value": "arn:aws:iam::123456789012:role/apigw-logs"})
    }

    #[test]
    fn access_or_info_execution_logging_with_the_role_passes() {
        let access = outcome(
            json!({"access_log_destination": "arn:aws:logs:eu-west-1:123456789012:log-group:api"}),
            role(),
        );
        assert_eq!(kind(&access), "pass");
        assert_eq!(
            message(&access),
            "API Gateway stage orders/prod has access logging on"
        );
        let info = outcome(
            json!({"method_settings": {"*/*": {"logging_level": "INFO"}}}),
            role(),
        );
        assert_eq!(kind(&info), "pass");
        // Firehose needs no CloudWatch role, even an unread one.
        let firehose = outcome(
            json!({"access_log_destination":
                "arn:aws:firehose:eu-west-1:123456789012:deliverystream/amazon-apigateway-logs"}),
            json!(null),
        );
        assert_eq!(kind(&firehose), "pass");
    }

    #[test]
    fn errors_only_overrides_and_a_missing_role_fail() {
        let error = outcome(
            json!({"method_settings": {"*/*": {"logging_level": "ERROR"}}}),
            role(),
        );
        assert_eq!(kind(&error), "fail");
        assert!(message(&error).ends_with("execution logging records errors only"));
        let overridden = outcome(
            json!({"method_settings": {"*/*": {"logging_level": "INFO"},
                "orders/GET": {"logging_level": "OFF"}}}),
            role(),
        );
        assert!(message(&overridden).ends_with("off or errors-only for orders/GET"));
        let none = outcome(json!({}), role());
        assert!(message(&none).ends_with("no access logging and no execution logging"));
        let no_role = outcome(
            json!({"access_log_destination": "arn:aws:logs:eu-west-1:123456789012:log-group:api"}),
            json!({"value": null}),
        );
        assert_eq!(kind(&no_role), "fail");
        assert!(message(&no_role).contains("no CloudWatch Logs role"));
    }

    #[test]
    fn an_unread_role_is_not_collected() {
        let info = json!({"method_settings": {"*/*": {"logging_level": "INFO"}}});
        assert_eq!(
            kind(&outcome(info.clone(), json!("not_collected"))),
            "not_collected"
        );
        // The account settings missing from the snapshot are not collected
        // either, never "no role".
        assert_eq!(kind(&outcome(info, json!(null))), "not_collected");
        // Nothing configured fails whatever the role.
        assert_eq!(kind(&outcome(json!({}), json!("not_collected"))), "fail");
    }
}
