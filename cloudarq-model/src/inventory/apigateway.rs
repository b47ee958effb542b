//! Amazon API Gateway inventory kinds: each region's REST API stages, and
//! the region's account settings. HTTP and WebSocket APIs (API Gateway v2)
//! are not collected.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`ApiGatewayAccount`] (`AWS::ApiGateway::Account`) | `arn:aws:apigateway:<region>:<account>:account` | `GetAccount` |
//! | [`Stage`] (`AWS::ApiGateway::Stage`) | `arn:aws:apigateway:<region>::/restapis/<api-id>/stages/<stage>` (no account) | `GetRestApis`, `GetStages` |
//!
//! There is one `AWS::ApiGateway::Account` per scanned region whenever the
//! `apigateway` service is collected, named by the account id. Every stage
//! of every REST API `GetRestApis` lists (every page) is one
//! `AWS::ApiGateway::Stage`, named `<api name>/<stage name>`, with the
//! stage's tags. A listing that failed leaves the region's stages out, and
//! a `GetStages` that failed leaves that API's stages out, each with a gap.
//!
//! **`Collected` field** (the gap's `action` is the IAM action in
//! parentheses): [`cloudwatch_role_arn`](ApiGatewayAccount::cloudwatch_role_arn)
//! from `GetAccount` (`apigateway:GET`, the one IAM action of every API
//! Gateway read).
//!
//! Enumerated values are API Gateway's strings: logging levels (`OFF`,
//! `ERROR`, `INFO`). Method settings are keyed as API Gateway keys them:
//! `*/*` for every method of the stage, `<resource path>/<HTTP method>`
//! (the path without its leading slash) for an override.
//!
//! ```
//! use cloudarq_model::inventory::apigateway::Stage;
//! use cloudarq_model::{Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/prod",
//!     "region": "eu-west-1", "name": "orders/prod",
//!     "properties": {"AWS::ApiGateway::Stage": {
//!         "rest_api_id": "a1b2c3d4e5", "rest_api_name": "orders", "stage_name": "prod",
//!         "method_settings": {"*/*": {"logging_level": "INFO"}}}}
//! }))?;
//! let Properties::ApiGatewayStage(s) = &r.properties else { unreachable!() };
//! assert_eq!(s.method_settings["*/*"].logging_level.as_deref(), Some("INFO"));
//! assert!(s.access_log_destination.is_none());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::ApiGateway::Account`: the account's API Gateway settings in one
/// region, one per scanned region, ARN
/// `arn:aws:apigateway:<region>:<account>:account`, named by the account id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiGatewayAccount {
    /// The IAM role API Gateway uses to write execution logs and
    /// CloudWatch Logs access logs in this region (`GetAccount`'s
    /// `cloudwatchRoleArn`); `Value(None)` when none is set, and then API
    /// Gateway writes no such logs. Not collected when the call failed or
    /// was denied (`apigateway:GET`).
    #[serde(default)]
    pub cloudwatch_role_arn: Collected<Option<String>>,
}

/// `AWS::ApiGateway::Stage`: one stage of a REST API, ARN
/// `arn:aws:apigateway:<region>::/restapis/<api-id>/stages/<stage>`, named
/// `<api name>/<stage name>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The REST API's id.
    pub rest_api_id: String,
    /// The REST API's name.
    pub rest_api_name: String,
    /// The stage's name.
    pub stage_name: String,
    /// The deployment it serves.
    #[serde(default)]
    pub deployment_id: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// When it was last changed.
    #[serde(default)]
    pub last_updated: Option<Timestamp>,
    /// Where access logs go (a CloudWatch Logs log group or a Firehose
    /// stream ARN); `None` when access logging is off.
    #[serde(default)]
    pub access_log_destination: Option<String>,
    /// Method settings, keyed `*/*` (every method) or
    /// `<resource path>/<HTTP method>` (an override).
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    /// Whether X-Ray tracing is on.
    #[serde(default)]
    pub tracing_enabled: bool,
    /// Whether a cache cluster is on.
    #[serde(default)]
    pub cache_cluster_enabled: bool,
    /// The client certificate API Gateway presents to the backend, if any.
    #[serde(default)]
    pub client_certificate_id: Option<String>,
    /// The AWS WAF web ACL associated with the stage, if any.
    #[serde(default)]
    pub web_acl_arn: Option<String>,
}

/// The settings of every method (`*/*`) or of one method of a stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSetting {
    /// Execution logging: `OFF`, `ERROR` or `INFO`; `None` when API Gateway
    /// did not return it (off).
    #[serde(default)]
    pub logging_level: Option<String>,
    /// Whether full requests and responses are logged.
    #[serde(default)]
    pub data_trace_enabled: bool,
    /// Whether detailed CloudWatch metrics are on.
    #[serde(default)]
    pub metrics_enabled: bool,
    /// Whether responses are cached.
    #[serde(default)]
    pub caching_enabled: bool,
    /// Whether cached responses are encrypted.
    #[serde(default)]
    pub cache_data_encrypted: bool,
}
