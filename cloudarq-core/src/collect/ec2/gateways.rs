//! Elastic IPs, Client VPN endpoints and transit gateways: one listing each
//! per region (`DescribeAddresses` has no pages; the other two are followed
//! to their last page).

use aws_sdk_ec2::operation::describe_addresses::DescribeAddressesOutput;
use aws_sdk_ec2::operation::describe_client_vpn_endpoints::DescribeClientVpnEndpointsOutput;
use aws_sdk_ec2::operation::describe_transit_gateways::DescribeTransitGatewaysOutput;
use cloudarq_model::inventory::ec2::{ClientVpnEndpoint, ElasticIp, TransitGateway};
use cloudarq_model::{Collected, Properties, Region, Resource};

use super::{Listing, regional, tag_map};
use crate::aws::AwsContext;

/// A non-empty string (EC2 emulators send `""` for "none").
fn some(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The region's Elastic IPs; none when the listing failed (its gap is
/// recorded).
pub(super) fn elastic_ips(
    ctx: &AwsContext,
    region: &Region,
    listing: &Collected<DescribeAddressesOutput>,
) -> Vec<Resource> {
    let Collected::Value(out) = listing else {
        return Vec::new();
    };
    out.addresses()
        .iter()
        .filter_map(|a| {
            let id = a.allocation_id().filter(|id| !id.is_empty())?;
            let props = ElasticIp {
                allocation_id: id.to_owned(),
                public_ip: some(a.public_ip()),
                association_id: some(a.association_id()),
                instance_id: some(a.instance_id()),
                network_interface_id: some(a.network_interface_id()),
                domain: a.domain().map(|d| d.as_str().to_owned()),
            };
            regional(
                ctx,
                region,
                "elastic-ip",
                id,
                tag_map(a.tags()),
                Properties::Ec2Eip(Box::new(props)),
            )
        })
        .collect()
}

/// The region's Client VPN endpoints.
pub(super) fn client_vpn_endpoints(
    ctx: &AwsContext,
    region: &Region,
    listing: &Listing<DescribeClientVpnEndpointsOutput>,
) -> Vec<Resource> {
    listing
        .pages
        .iter()
        .flat_map(|p| p.client_vpn_endpoints())
        .filter_map(|e| {
            let id = e.client_vpn_endpoint_id().filter(|id| !id.is_empty())?;
            let logs = e.connection_log_options();
            let props = ClientVpnEndpoint {
                endpoint_id: id.to_owned(),
                status: e
                    .status()
                    .and_then(|s| s.code())
                    .map(|c| c.as_str().to_owned()),
                connection_logging: logs.and_then(|l| l.enabled()),
                log_group: some(logs.and_then(|l| l.cloudwatch_log_group())),
            };
            regional(
                ctx,
                region,
                "client-vpn-endpoint",
                id,
                tag_map(e.tags()),
                Properties::Ec2ClientVpnEndpoint(Box::new(props)),
            )
        })
        .collect()
}

/// The region's transit gateways that the account owns.
pub(super) fn transit_gateways(
    ctx: &AwsContext,
    region: &Region,
    listing: &Listing<DescribeTransitGatewaysOutput>,
) -> Vec<Resource> {
    let account = ctx.account_id().as_str();
    listing
        .pages
        .iter()
        .flat_map(|p| p.transit_gateways())
        .filter(|t| t.owner_id().is_none_or(|o| o.is_empty() || o == account))
        .filter_map(|t| {
            let id = t.transit_gateway_id().filter(|id| !id.is_empty())?;
            let props = TransitGateway {
                transit_gateway_id: id.to_owned(),
                state: t.state().map(|s| s.as_str().to_owned()),
                auto_accept_shared_attachments: t
                    .options()
                    .and_then(|o| o.auto_accept_shared_attachments())
                    .map(|v| v.as_str().to_owned()),
            };
            regional(
                ctx,
                region,
                "transit-gateway",
                id,
                tag_map(t.tags()),
                Properties::Ec2TransitGateway(Box::new(props)),
            )
        })
        .collect()
}
