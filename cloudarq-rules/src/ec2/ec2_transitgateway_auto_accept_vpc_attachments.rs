//! `ec2_transitgateway_auto_accept_vpc_attachments`: no transit gateway the
//! account owns accepts shared attachment requests automatically
//! (`AutoAcceptSharedAttachments = disable`).
//!
//! Deleted gateways are not applicable; a gateway whose options EC2 did
//! not send is *not collected*.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_transitgateway_auto_accept_vpc_attachments",
    title: "Transit gateway does not accept shared VPC attachment requests automatically",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2TransitGateway],
    rationale: "With automatic acceptance, any account the gateway is shared with can attach a \
                VPC and route into every network behind the gateway without review.",
    remediation: Remediation {
        cli: "aws ec2 modify-transit-gateway --transit-gateway-id <tgw-id> --options \
              AutoAcceptSharedAttachments=disable",
        console: "VPC console > Transit gateways > select the gateway > Actions > Modify \
                  transit gateway > clear Auto accept shared attachments > Modify transit \
                  gateway.",
        url: "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html",
    },
    controls: &[fsbp("EC2.23")],
};

/// Transit gateway does not accept shared VPC attachment requests automatically.
pub(crate) struct Ec2TransitgatewayAutoAcceptVpcAttachments;

impl Rule for Ec2TransitgatewayAutoAcceptVpcAttachments {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2TransitGateway(t) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if matches!(t.state.as_deref(), Some("deleted" | "deleting")) {
            return Ok(Outcome::not_applicable());
        }
        let Some(auto_accept) = t.auto_accept_shared_attachments.as_deref() else {
            return Ok(Outcome::not_collected("auto_accept_shared_attachments"));
        };
        let id = &t.transit_gateway_id;
        Ok(Outcome::check(
            auto_accept != "enable",
            format!("Transit gateway {id} does not accept shared attachments automatically"),
            format!("Transit gateway {id} accepts shared attachment requests automatically"),
        )
        .with_evidence(json!({ "auto_accept_shared_attachments": auto_accept })))
    }
}
