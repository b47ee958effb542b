//! EC2 collector: security groups, network interfaces, instances, EBS
//! volumes and snapshots, the per-region EBS settings, VPCs with their flow
//! logs, and network ACLs, for one region.
//!
//! Every list call of a region is independent, so they all run at once:
//! one `DescribeSecurityGroups`, `DescribeNetworkInterfaces`,
//! `DescribeInstances`, `DescribeVolumes`, `DescribeVpcs`, `DescribeFlowLogs`
//! `DescribeNetworkAcls`, `DescribeVpcPeeringConnections` and
//! `DescribeRouteTables` (each followed to its last page), two
//! `DescribeSnapshots` (owned, then publicly restorable; see [`ebs`] for
//! when a per-snapshot `DescribeSnapshotAttribute` follows),
//! `GetEbsEncryptionByDefault` and `GetEbsDefaultKmsKeyId`, and (see
//! [`launch`] and [`gateways`]) `DescribeImages` of owned AMIs,
//! `DescribeLaunchTemplateVersions`, `GetImageBlockPublicAccessState`,
//! `GetSnapshotBlockPublicAccessState`, `GetInstanceMetadataDefaults`,
//! `DescribeAddresses`, `DescribeClientVpnEndpoints` and
//! `DescribeTransitGateways`. Once instances are listed, one more
//! `DescribeImages` per 200 AMIs that instances use and the account does
//! not own: at most 22 requests for a region whose lists fit in one page
//! each. Responses are then joined in memory: interfaces say which security
//! groups are in use, flow logs are matched to VPCs by resource id, routes
//! to peering connections by target.
//!
//! A failed list call is a coverage gap and its resources are absent; a
//! failed call that only feeds a field (interfaces for
//! `attached_interfaces`, flow logs for `flow_logs`) leaves that field
//! *not collected* on every resource it would have filled.

mod ebs;
mod gateways;
mod launch;
mod network;

use std::collections::BTreeSet;

use aws_sdk_ec2::operation::describe_addresses::DescribeAddressesOutput;
use aws_sdk_ec2::operation::describe_client_vpn_endpoints::DescribeClientVpnEndpointsOutput;
use aws_sdk_ec2::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput;
use aws_sdk_ec2::operation::describe_transit_gateways::DescribeTransitGatewaysOutput;
use aws_sdk_ec2::types;
use cloudarq_model::inventory::ec2 as model;
use cloudarq_model::{Collected, Properties, Region, Resource, Tags, Timestamp};

use crate::aws::{Action, AwsContext, Paged};
use crate::collect::util;

/// Collects EC2, EBS and VPC resources of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.ec2(region);
    let at = Some(region);
    let (
        sgs,
        enis,
        instances,
        volumes,
        snapshots,
        settings,
        vpcs,
        flow_logs,
        nacls,
        peerings,
        routes,
        launch_listings,
    ) = futures::join!(
        ctx.paginate(
            Action::Ec2DescribeSecurityGroups,
            at,
            client.describe_security_groups().into_paginator().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeNetworkInterfaces,
            at,
            client.describe_network_interfaces().into_paginator().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeInstances,
            at,
            client.describe_instances().into_paginator().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeVolumes,
            at,
            client.describe_volumes().into_paginator().send(),
        ),
        ebs::snapshots(ctx, &client, region),
        ebs::region_settings(ctx, &client, region),
        ctx.paginate(
            Action::Ec2DescribeVpcs,
            at,
            client.describe_vpcs().into_paginator().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeFlowLogs,
            at,
            client.describe_flow_logs().into_paginator().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeNetworkAcls,
            at,
            client.describe_network_acls().into_paginator().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeVpcPeeringConnections,
            at,
            client
                .describe_vpc_peering_connections()
                .into_paginator()
                .send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeRouteTables,
            at,
            client.describe_route_tables().into_paginator().send(),
        ),
        // Boxed: the region's join is large, and its poll runs on the
        // caller's stack.
        Box::pin(launch_listings(ctx, &client, region)),
    );
    let sgs = settle(sgs);
    let enis = settle(enis);
    let instances = settle(instances);
    let volumes = settle(volumes);
    let vpcs = settle(vpcs);
    let flow_logs = settle(flow_logs);
    let nacls = settle(nacls);
    let peerings = settle(peerings);
    let routes = settle(routes);
    let LaunchListings {
        owned_images,
        template_versions,
        defaults,
        addresses,
        vpn_endpoints,
        transit_gateways,
    } = launch_listings;

    let mut out = Vec::new();
    let eni_list: Vec<&types::NetworkInterface> = enis
        .pages
        .iter()
        .flat_map(|p| p.network_interfaces())
        .collect();
    let in_use = network::interfaces_by_group(&eni_list, enis.complete);
    out.extend(
        sgs.pages
            .iter()
            .flat_map(|p| p.security_groups())
            .filter_map(|sg| network::security_group(ctx, region, sg, &in_use)),
    );
    out.extend(
        eni_list
            .iter()
            .filter_map(|eni| network::network_interface(ctx, region, eni)),
    );
    let instance_list: Vec<&types::Instance> = instances
        .pages
        .iter()
        .flat_map(|p| p.reservations())
        .flat_map(|r| r.instances())
        .collect();
    out.extend(
        instance_list
            .iter()
            .filter_map(|i| instance(ctx, region, i)),
    );
    out.extend(
        instance_list
            .iter()
            .filter_map(|i| instance_configuration(ctx, region, i)),
    );
    let used_images: BTreeSet<&str> = instance_list.iter().filter_map(|i| i.image_id()).collect();
    out.extend(
        Box::pin(launch::images(
            ctx,
            &client,
            region,
            &owned_images,
            used_images,
        ))
        .await,
    );
    out.extend(launch::launch_templates(ctx, region, &template_versions));
    out.extend(defaults);
    out.extend(gateways::elastic_ips(ctx, region, &addresses));
    out.extend(gateways::client_vpn_endpoints(ctx, region, &vpn_endpoints));
    out.extend(gateways::transit_gateways(ctx, region, &transit_gateways));
    out.extend(
        volumes
            .pages
            .iter()
            .flat_map(|p| p.volumes())
            .filter_map(|v| ebs::volume(ctx, region, v)),
    );
    out.extend(snapshots);
    out.extend(settings);
    let logs = network::flow_logs_by_resource(
        flow_logs.pages.iter().flat_map(|p| p.flow_logs()),
        flow_logs.complete,
    );
    out.extend(
        vpcs.pages
            .iter()
            .flat_map(|p| p.vpcs())
            .filter_map(|v| network::vpc(ctx, region, v, &logs)),
    );
    out.extend(
        nacls
            .pages
            .iter()
            .flat_map(|p| p.network_acls())
            .filter_map(|n| network::network_acl(ctx, region, n)),
    );
    let peering_routes = network::routes_by_peering(
        routes.pages.iter().flat_map(|p| p.route_tables()),
        routes.complete,
    );
    out.extend(
        peerings
            .pages
            .iter()
            .flat_map(|p| p.vpc_peering_connections())
            .filter_map(|p| network::peering(ctx, region, p, &peering_routes)),
    );
    out
}

/// The listings behind the kinds added after rule contract 1.0 (see
/// [`launch`] and [`gateways`]).
struct LaunchListings {
    owned_images: Listing<DescribeImagesOutput>,
    template_versions: Listing<DescribeLaunchTemplateVersionsOutput>,
    defaults: Option<Resource>,
    addresses: Collected<DescribeAddressesOutput>,
    vpn_endpoints: Listing<DescribeClientVpnEndpointsOutput>,
    transit_gateways: Listing<DescribeTransitGatewaysOutput>,
}

/// Reads the [`LaunchListings`] of one region, all at once.
async fn launch_listings(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
) -> LaunchListings {
    let at = Some(region);
    let (owned_images, template_versions, defaults, addresses, vpn_endpoints, transit_gateways) = futures::join!(
        ctx.paginate(
            Action::Ec2DescribeImages,
            at,
            client
                .describe_images()
                .owners("self")
                .include_deprecated(true)
                .into_paginator()
                .send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeLaunchTemplateVersions,
            at,
            client
                .describe_launch_template_versions()
                .versions("$Default")
                .versions("$Latest")
                .into_paginator()
                .send(),
        ),
        launch::security_defaults(ctx, client, region),
        ctx.read(
            Action::Ec2DescribeAddresses,
            at,
            None,
            client.describe_addresses().send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeClientVpnEndpoints,
            at,
            client
                .describe_client_vpn_endpoints()
                .into_paginator()
                .send(),
        ),
        ctx.paginate(
            Action::Ec2DescribeTransitGateways,
            at,
            client.describe_transit_gateways().into_paginator().send(),
        ),
    );
    LaunchListings {
        owned_images: settle(owned_images),
        template_versions: settle(template_versions),
        defaults,
        addresses,
        vpn_endpoints: settle(vpn_endpoints),
        transit_gateways: settle(transit_gateways),
    }
}

/// The pages of a list call, and whether every page was read.
struct Listing<P> {
    pages: Vec<P>,
    complete: bool,
}

/// The pages of a list call and whether it read them all (its gap, if it
/// stopped early, is already recorded by the AWS layer).
fn settle<P>(paged: Paged<P>) -> Listing<P> {
    Listing {
        complete: paged.error.is_none(),
        pages: paged.pages,
    }
}

/// EC2 tags as a map.
fn tag_map(tags: &[types::Tag]) -> Tags {
    util::tags(tags.iter().map(|t| (t.key(), t.value())))
}

/// The `Name` tag, or the id when there is none.
fn display_name(tags: &Tags, id: &str) -> String {
    tags.get("Name")
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| id.to_owned())
}

/// A resource of this region whose ARN is `<kind>/<id>` in this account.
fn regional(
    ctx: &AwsContext,
    region: &Region,
    kind: &str,
    id: &str,
    tags: Tags,
    properties: Properties,
) -> Option<Resource> {
    let arn = ctx.arn("ec2", Some(region), &format!("{kind}/{id}"))?;
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: display_name(&tags, id),
        tags,
        properties,
    })
}

/// Pushes `item` unless it is already there (keeps the first order).
fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

/// An instance; `None` without an id.
fn instance(ctx: &AwsContext, region: &Region, i: &types::Instance) -> Option<Resource> {
    let props = instance_properties(i)?;
    let id = props.instance_id.clone();
    regional(
        ctx,
        region,
        "instance",
        &id,
        tag_map(i.tags()),
        Properties::Ec2Instance(Box::new(props)),
    )
}

/// An instance's configuration companion, from the same listing; `None`
/// without an id.
fn instance_configuration(
    ctx: &AwsContext,
    region: &Region,
    i: &types::Instance,
) -> Option<Resource> {
    let props = configuration_properties(i)?;
    let tags = tag_map(i.tags());
    let name = display_name(&tags, &props.instance_id);
    let id = props.instance_id.clone();
    let mut r = regional(
        ctx,
        region,
        "instance-configuration",
        &id,
        tags,
        Properties::Ec2InstanceConfiguration(Box::new(props)),
    )?;
    r.name = name;
    Some(r)
}

/// Maps what an instance's configuration companion keeps.
fn configuration_properties(i: &types::Instance) -> Option<model::InstanceConfiguration> {
    let instance_id = i.instance_id().filter(|s| !s.is_empty())?.to_owned();
    let reason = i
        .state_transition_reason()
        .filter(|r| !r.trim().is_empty())
        .map(str::to_owned);
    let mut ipv6_addresses = Vec::new();
    if let Some(a) = i.ipv6_address() {
        push_unique(&mut ipv6_addresses, a);
    }
    for eni in i.network_interfaces() {
        for a in eni.ipv6_addresses().iter().filter_map(|a| a.ipv6_address()) {
            push_unique(&mut ipv6_addresses, a);
        }
    }
    Some(model::InstanceConfiguration {
        state_transition_time: reason.as_deref().and_then(state_transition_time),
        instance_id,
        enclaves_enabled: i
            .enclave_options()
            .and_then(|e| e.enabled())
            .unwrap_or(false),
        state_transition_reason: reason,
        ipv6_addresses,
    })
}

/// The time in a state transition reason such as `User initiated
/// (2026-01-02 03:04:05 GMT)` (`UTC` is read too: emulators write it);
/// `None` when it names none.
fn state_transition_time(reason: &str) -> Option<Timestamp> {
    let end = reason.rfind(" GMT)").or_else(|| reason.rfind(" UTC)"))?;
    let start = reason[..end].rfind('(')? + 1;
    let text = reason.get(start..end)?;
    let (date, time) = text.split_once(' ')?;
    format!("{date}T{time}Z").parse().ok()
}

/// Maps an instance. Its security groups are those EC2 lists on the
/// instance plus those of each attached interface (an instance is reachable
/// through every one of them).
fn instance_properties(i: &types::Instance) -> Option<model::Instance> {
    let instance_id = i.instance_id().filter(|s| !s.is_empty())?.to_owned();
    let mut security_groups = Vec::new();
    for g in i.security_groups().iter().filter_map(|g| g.group_id()) {
        push_unique(&mut security_groups, g);
    }
    let mut network_interfaces = Vec::new();
    for eni in i.network_interfaces() {
        if let Some(id) = eni.network_interface_id() {
            push_unique(&mut network_interfaces, id);
        }
        for g in eni.groups().iter().filter_map(|g| g.group_id()) {
            push_unique(&mut security_groups, g);
        }
    }
    Some(model::Instance {
        instance_id,
        state: i
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str().to_owned()),
        instance_type: i.instance_type().map(|t| t.as_str().to_owned()),
        image_id: i.image_id().map(str::to_owned),
        launch_time: util::ts_opt(i.launch_time()),
        vpc_id: i.vpc_id().map(str::to_owned),
        subnet_id: i.subnet_id().map(str::to_owned),
        private_ip: i.private_ip_address().map(str::to_owned),
        public_ip: i
            .public_ip_address()
            .filter(|ip| !ip.is_empty())
            .map(str::to_owned),
        iam_instance_profile: i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .map(str::to_owned),
        security_groups,
        metadata_options: i.metadata_options().map(|m| model::MetadataOptions {
            http_tokens: m.http_tokens().map(|t| t.as_str().to_owned()),
            http_endpoint: m.http_endpoint().map(|e| e.as_str().to_owned()),
            http_put_response_hop_limit: m.http_put_response_hop_limit(),
        }),
        monitoring: i
            .monitoring()
            .and_then(|m| m.state())
            .map(|s| s.as_str().to_owned()),
        network_interfaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        GroupIdentifier, HttpTokensState, IamInstanceProfile, InstanceMetadataEndpointState,
        InstanceMetadataOptionsResponse, InstanceNetworkInterface, InstanceState,
        InstanceStateName, Monitoring, MonitoringState, Tag,
    };

    #[test]
    fn names_come_from_the_name_tag_or_the_id() {
        let tags = tag_map(&[
            Tag::builder().key("Name").value("web").build(),
            Tag::builder().key("env").value("prod").build(),
            Tag::builder().value("keyless").build(),
        ]);
        assert_eq!(tags.len(), 2);
        assert_eq!(display_name(&tags, "i-1"), "web");
        let blank = tag_map(&[Tag::builder().key("Name").value(" ").build()]);
        assert_eq!(display_name(&blank, "i-1"), "i-1");
        assert_eq!(display_name(&Tags::new(), "i-1"), "i-1");
    }

    #[test]
    fn instances_merge_groups_from_interfaces() {
        let group = |id: &str| GroupIdentifier::builder().group_id(id).build();
        let i = types::Instance::builder()
            .instance_id("i-1")
            .state(
                InstanceState::builder()
                    .name(InstanceStateName::Stopped)
                    .build(),
            )
            .security_groups(group("sg-a"))
            .network_interfaces(
                InstanceNetworkInterface::builder()
                    .network_interface_id("eni-1")
                    .groups(group("sg-a"))
                    .groups(group("sg-b"))
                    .build(),
            )
            .network_interfaces(
                InstanceNetworkInterface::builder()
                    .network_interface_id("eni-2")
                    .groups(group("sg-c"))
                    .build(),
            )
            .metadata_options(
                InstanceMetadataOptionsResponse::builder()
                    .http_tokens(HttpTokensState::Optional)
                    .http_endpoint(InstanceMetadataEndpointState::Disabled)
                    .http_put_response_hop_limit(3)
                    .build(),
            )
            .monitoring(
                Monitoring::builder()
                    .state(MonitoringState::Disabled)
                    .build(),
            )
            .iam_instance_profile(
                IamInstanceProfile::builder()
                    .arn("arn:aws:iam::123456789012:instance-profile/p")
                    .build(),
            )
            .public_ip_address("")
            .build();
        let m = instance_properties(&i).expect("has an id");
        assert_eq!(m.security_groups, ["sg-a", "sg-b", "sg-c"]);
        assert_eq!(m.network_interfaces, ["eni-1", "eni-2"]);
        assert_eq!(m.state.as_deref(), Some("stopped"));
        assert_eq!(m.public_ip, None, "an empty address is no address");
        assert_eq!(m.monitoring.as_deref(), Some("disabled"));
        assert_eq!(
            m.metadata_options,
            Some(model::MetadataOptions {
                http_tokens: Some("optional".into()),
                http_endpoint: Some("disabled".into()),
                http_put_response_hop_limit: Some(3),
            })
        );
        assert_eq!(
            m.iam_instance_profile.as_deref(),
            Some("arn:aws:iam::123456789012:instance-profile/p")
        );
        assert!(instance_properties(&types::Instance::builder().build()).is_none());
    }

    #[test]
    fn state_transition_times_are_read_from_the_reason() {
        let t = state_transition_time("User initiated (2026-01-02 03:04:05 GMT)");
        assert_eq!(
            t.map(|t| t.to_string()).as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        let t = state_transition_time("Server.SpotInstanceTermination (2025-12-31 23:59:59 GMT)");
        assert!(t.is_some());
        assert_eq!(
            state_transition_time("User initiated (2026-01-02 03:04:05 UTC)"),
            state_transition_time("User initiated (2026-01-02 03:04:05 GMT)")
        );
        for none in [
            "",
            "User initiated",
            "User initiated (GMT)",
            "User initiated (2026-13-45 99:00:00 GMT)",
            "(2026-01-02 03:04:05 CET)",
            "User initiated (2026-01-02T03:04:05 GMT)",
        ] {
            assert_eq!(state_transition_time(none), None, "{none:?}");
        }
    }

    #[test]
    fn configurations_keep_enclaves_the_last_change_and_ipv6_addresses() {
        use aws_sdk_ec2::types::{EnclaveOptions, InstanceIpv6Address};
        let eni = |addr: &str| {
            InstanceNetworkInterface::builder()
                .network_interface_id("eni-1")
                .ipv6_addresses(InstanceIpv6Address::builder().ipv6_address(addr).build())
                .build()
        };
        let i = types::Instance::builder()
            .instance_id("i-0abc")
            .enclave_options(EnclaveOptions::builder().enabled(true).build())
            .state_transition_reason("User initiated (2026-01-02 03:04:05 GMT)")
            .ipv6_address("2600:1f18::10")
            .network_interfaces(eni("2600:1f18::10"))
            .network_interfaces(eni("2600:1f18::11"))
            .build();
        let c = configuration_properties(&i).expect("an id");
        assert!(c.enclaves_enabled);
        assert_eq!(c.ipv6_addresses, ["2600:1f18::10", "2600:1f18::11"]);
        assert_eq!(
            c.state_transition_time.map(|t| t.to_string()).as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        let bare = types::Instance::builder()
            .instance_id("i-0def")
            .state_transition_reason(" ")
            .build();
        let c = configuration_properties(&bare).expect("an id");
        assert!(!c.enclaves_enabled && c.ipv6_addresses.is_empty());
        assert_eq!(c.state_transition_reason, None);
        assert!(configuration_properties(&types::Instance::builder().build()).is_none());
    }
}
