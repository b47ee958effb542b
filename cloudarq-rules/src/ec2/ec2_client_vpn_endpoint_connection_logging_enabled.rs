//! `ec2_client_vpn_endpoint_connection_logging_enabled`: every Client VPN
//! endpoint logs client connections (`ConnectionLogOptions.Enabled`).
//!
//! Deleted endpoints are not applicable; an endpoint whose log options EC2
//! did not send is *not collected*.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_client_vpn_endpoint_connection_logging_enabled",
    title: "Client VPN endpoint logs client connections",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2ClientVpnEndpoint],
    rationale: "Connection logs record who connected to the VPN, from where and when, and \
                which attempts failed: the trail an investigation of stolen VPN credentials or \
                certificates starts from.",
    remediation: Remediation {
        cli: "aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id <cvpn-endpoint-id> \
              --connection-log-options Enabled=true,CloudwatchLogGroup=<log-group>",
        console: "VPC console > Client VPN endpoints > select the endpoint > Actions > Modify \
                  client VPN endpoint > Connection logging: Enable, choose a log group > Save \
                  changes.",
        url: "https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/connection-logging.html",
    },
    controls: &[fsbp("EC2.51"), nist("AU-12a"), nist("AU-12c")],
};

/// Client VPN endpoint logs client connections.
pub(crate) struct Ec2ClientVpnEndpointConnectionLoggingEnabled;

impl Rule for Ec2ClientVpnEndpointConnectionLoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2ClientVpnEndpoint(e) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if e.status.as_deref() == Some("deleted") {
            return Ok(Outcome::not_applicable());
        }
        let Some(enabled) = e.connection_logging else {
            return Ok(Outcome::not_collected("connection_logging"));
        };
        let id = &e.endpoint_id;
        Ok(Outcome::check(
            enabled,
            format!("Client VPN endpoint {id} logs client connections"),
            format!("Client VPN endpoint {id} does not log client connections"),
        )
        .with_evidence(json!({ "connection_logging": enabled, "log_group": e.log_group })))
    }
}
