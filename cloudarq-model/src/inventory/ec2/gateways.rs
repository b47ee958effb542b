//! Public addresses and the ways into a VPC: Elastic IPs, Client VPN
//! endpoints and transit gateways.
//!
//! New kinds of their own (not fields of existing kinds), for the reason
//! given in [`launch`](super::launch).

use serde::{Deserialize, Serialize};

/// `AWS::EC2::EIP`: an Elastic IP address, ARN
/// `arn:aws:ec2:<region>:<account>:elastic-ip/<eipalloc-id>`, from
/// `DescribeAddresses`. Addresses without an allocation id (EC2-Classic,
/// retired) are not collected. No field is `Collected`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticIp {
    /// Allocation id (`eipalloc-…`).
    pub allocation_id: String,
    /// The public IPv4 address, as dotted text.
    #[serde(default)]
    pub public_ip: Option<String>,
    /// The association id (`eipassoc-…`) while it is associated; `None`
    /// when it is not.
    #[serde(default)]
    pub association_id: Option<String>,
    /// The instance it is associated with (`i-…`).
    #[serde(default)]
    pub instance_id: Option<String>,
    /// The network interface it is associated with (`eni-…`).
    #[serde(default)]
    pub network_interface_id: Option<String>,
    /// `vpc` (or `standard` for EC2-Classic).
    #[serde(default)]
    pub domain: Option<String>,
}

impl ElasticIp {
    /// Whether the address is associated with an instance or a network
    /// interface.
    pub fn is_associated(&self) -> bool {
        self.association_id.is_some()
            || self.instance_id.is_some()
            || self.network_interface_id.is_some()
    }
}

/// `AWS::EC2::ClientVpnEndpoint`: a Client VPN endpoint, ARN
/// `arn:aws:ec2:<region>:<account>:client-vpn-endpoint/<cvpn-endpoint-id>`,
/// from `DescribeClientVpnEndpoints`. No field is `Collected`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientVpnEndpoint {
    /// Endpoint id (`cvpn-endpoint-…`).
    pub endpoint_id: String,
    /// `pending-associate`, `available`, `deleting` or `deleted`.
    #[serde(default)]
    pub status: Option<String>,
    /// Client connection logging (`ConnectionLogOptions.Enabled`); `None`
    /// when EC2 sent no connection log options.
    #[serde(default)]
    pub connection_logging: Option<bool>,
    /// The CloudWatch Logs group connection logs go to, when logging is on.
    #[serde(default)]
    pub log_group: Option<String>,
}

/// `AWS::EC2::TransitGateway`: a transit gateway the account owns, ARN
/// `arn:aws:ec2:<region>:<account>:transit-gateway/<tgw-id>`, from
/// `DescribeTransitGateways`. Gateways other accounts share with this one
/// are not collected (their owner sets their options). No field is
/// `Collected`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitGateway {
    /// Transit gateway id (`tgw-…`).
    pub transit_gateway_id: String,
    /// `pending`, `available`, `modifying`, `deleting` or `deleted`.
    #[serde(default)]
    pub state: Option<String>,
    /// `AutoAcceptSharedAttachments`: `enable` (attachment requests from
    /// accounts it is shared with are accepted without review) or
    /// `disable`; `None` when EC2 sent no options.
    #[serde(default)]
    pub auto_accept_shared_attachments: Option<String>,
}
