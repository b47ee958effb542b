//! VPC networking: security groups (one [`SgRule`] per peer), network
//! interfaces, VPCs with their flow logs, network ACLs, and VPC peering
//! connections with the routes over them.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_ec2::types;
use cloudarq_model::inventory::ec2::{
    FlowLog, NaclEntry, NetworkAcl, NetworkInterface, PeeringRoute, PeeringSide, SecurityGroup,
    SgPeer, SgRule, Vpc, VpcPeeringConnection,
};
use cloudarq_model::{AccountId, Collected, Properties, Region, Resource};

use super::{push_unique, regional, tag_map};
use crate::aws::AwsContext;

/// Interface ids per security group id; `None` when the interface listing
/// is incomplete (a group missing from a partial list is not "unused").
pub(super) fn interfaces_by_group(
    enis: &[&types::NetworkInterface],
    complete: bool,
) -> Option<HashMap<String, Vec<String>>> {
    if !complete {
        return None;
    }
    let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
    for eni in enis {
        let Some(eni_id) = eni.network_interface_id() else {
            continue;
        };
        for group in eni.groups().iter().filter_map(|g| g.group_id()) {
            push_unique(by_group.entry(group.to_owned()).or_default(), eni_id);
        }
    }
    Some(by_group)
}

/// A security group; `None` without an id.
pub(super) fn security_group(
    ctx: &AwsContext,
    region: &Region,
    sg: &types::SecurityGroup,
    in_use: &Option<HashMap<String, Vec<String>>>,
) -> Option<Resource> {
    let group_id = sg.group_id().filter(|s| !s.is_empty())?.to_owned();
    let attached_interfaces = match in_use {
        Some(map) => Collected::Value(map.get(&group_id).cloned().unwrap_or_default()),
        None => Collected::NotCollected,
    };
    let props = SecurityGroup {
        group_name: sg.group_name().unwrap_or_default().to_owned(),
        description: sg.description().unwrap_or_default().to_owned(),
        vpc_id: sg.vpc_id().map(str::to_owned),
        owner_id: sg.owner_id().map(str::to_owned),
        ingress: sg_rules(sg.ip_permissions(), ctx.account_id()),
        egress: sg_rules(sg.ip_permissions_egress(), ctx.account_id()),
        attached_interfaces,
        group_id,
    };
    let id = props.group_id.clone();
    let group_name = props.group_name.clone();
    let tags = tag_map(sg.tags());
    let named = tags.contains_key("Name");
    let mut r = regional(
        ctx,
        region,
        "security-group",
        &id,
        tags,
        Properties::Ec2SecurityGroup(Box::new(props)),
    )?;
    // A group's own name is what people know it by; prefer it over the id.
    if !named && !group_name.is_empty() {
        r.name = group_name;
    }
    Some(r)
}

/// Flattens EC2's permissions (a protocol and port range with lists of
/// peers) into one rule per peer. `account` is the audited account: a peer
/// group of that account carries no `user_id`.
pub(super) fn sg_rules(perms: &[types::IpPermission], account: &AccountId) -> Vec<SgRule> {
    let mut rules = Vec::new();
    for p in perms {
        // EC2 always names the protocol; should it not, the rule is kept as
        // all traffic so that an open peer is never hidden.
        let protocol = p.ip_protocol().unwrap_or("-1");
        let mut push = |peer: SgPeer, description: Option<&str>| {
            rules.push(SgRule {
                protocol: protocol.to_owned(),
                from_port: p.from_port(),
                to_port: p.to_port(),
                peer,
                description: description.filter(|d| !d.is_empty()).map(str::to_owned),
            });
        };
        for r in p.ip_ranges() {
            if let Some(cidr) = r.cidr_ip() {
                push(SgPeer::Ipv4(cidr.to_owned()), r.description());
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(cidr) = r.cidr_ipv6() {
                push(SgPeer::Ipv6(cidr.to_owned()), r.description());
            }
        }
        for pl in p.prefix_list_ids() {
            if let Some(id) = pl.prefix_list_id() {
                push(SgPeer::PrefixList(id.to_owned()), pl.description());
            }
        }
        for pair in p.user_id_group_pairs() {
            // EC2-Classic pairs may name the group instead of giving its id.
            if let Some(group) = pair.group_id().or(pair.group_name()) {
                let user_id = pair
                    .user_id()
                    .filter(|u| !u.is_empty() && *u != account.as_str())
                    .map(str::to_owned);
                push(
                    SgPeer::SecurityGroup {
                        group_id: group.to_owned(),
                        user_id,
                    },
                    pair.description(),
                );
            }
        }
    }
    rules
}

/// A network interface; `None` without an id.
pub(super) fn network_interface(
    ctx: &AwsContext,
    region: &Region,
    eni: &types::NetworkInterface,
) -> Option<Resource> {
    let interface_id = eni.network_interface_id().filter(|s| !s.is_empty())?;
    let mut security_groups = Vec::new();
    for g in eni.groups().iter().filter_map(|g| g.group_id()) {
        push_unique(&mut security_groups, g);
    }
    let props = NetworkInterface {
        interface_id: interface_id.to_owned(),
        interface_type: eni.interface_type().map(|t| t.as_str().to_owned()),
        status: eni.status().map(|s| s.as_str().to_owned()),
        vpc_id: eni.vpc_id().map(str::to_owned),
        subnet_id: eni.subnet_id().map(str::to_owned),
        security_groups,
        attached_instance: eni
            .attachment()
            .and_then(|a| a.instance_id())
            .map(str::to_owned),
        public_ip: eni
            .association()
            .and_then(|a| a.public_ip())
            .filter(|ip| !ip.is_empty())
            .map(str::to_owned),
        description: eni
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    };
    regional(
        ctx,
        region,
        "network-interface",
        interface_id,
        tag_map(eni.tag_set()),
        Properties::Ec2NetworkInterface(Box::new(props)),
    )
}

/// Flow logs per resource id (VPC, subnet or interface); `None` when the
/// listing is incomplete.
pub(super) fn flow_logs_by_resource<'a>(
    logs: impl Iterator<Item = &'a types::FlowLog>,
    complete: bool,
) -> Option<BTreeMap<String, Vec<FlowLog>>> {
    if !complete {
        return None;
    }
    let mut by_resource: BTreeMap<String, Vec<FlowLog>> = BTreeMap::new();
    for log in logs {
        let (Some(resource), Some(id)) = (log.resource_id(), log.flow_log_id()) else {
            continue;
        };
        by_resource
            .entry(resource.to_owned())
            .or_default()
            .push(FlowLog {
                flow_log_id: id.to_owned(),
                traffic_type: log.traffic_type().map(|t| t.as_str().to_owned()),
                status: log.flow_log_status().map(str::to_owned),
                destination_type: log.log_destination_type().map(|t| t.as_str().to_owned()),
                destination: log
                    .log_destination()
                    .or(log.log_group_name())
                    .map(str::to_owned),
            });
    }
    Some(by_resource)
}

/// A VPC with the flow logs attached to it; `None` without an id.
pub(super) fn vpc(
    ctx: &AwsContext,
    region: &Region,
    v: &types::Vpc,
    logs: &Option<BTreeMap<String, Vec<FlowLog>>>,
) -> Option<Resource> {
    let vpc_id = v.vpc_id().filter(|s| !s.is_empty())?;
    let flow_logs = match logs {
        Some(map) => Collected::Value(map.get(vpc_id).cloned().unwrap_or_default()),
        None => Collected::NotCollected,
    };
    let props = Vpc {
        vpc_id: vpc_id.to_owned(),
        cidr_block: v.cidr_block().map(str::to_owned),
        // EC2 always sends `isDefault`; only a region's default VPC has it true.
        is_default: v.is_default().unwrap_or(false),
        state: v.state().map(|s| s.as_str().to_owned()),
        flow_logs,
    };
    regional(
        ctx,
        region,
        "vpc",
        vpc_id,
        tag_map(v.tags()),
        Properties::Ec2Vpc(Box::new(props)),
    )
}

/// The routes of every route table that target a peering connection, by
/// peering id; `None` when the route-table listing was incomplete.
pub(super) fn routes_by_peering<'a>(
    tables: impl Iterator<Item = &'a types::RouteTable>,
    complete: bool,
) -> Option<BTreeMap<String, Vec<PeeringRoute>>> {
    if !complete {
        return None;
    }
    let mut by_peering: BTreeMap<String, Vec<PeeringRoute>> = BTreeMap::new();
    for t in tables {
        let table_id = t.route_table_id().unwrap_or_default();
        for r in t.routes() {
            let Some(pcx) = r.vpc_peering_connection_id().filter(|p| !p.is_empty()) else {
                continue;
            };
            by_peering
                .entry(pcx.to_owned())
                .or_default()
                .push(PeeringRoute {
                    route_table_id: table_id.to_owned(),
                    vpc_id: t.vpc_id().map(str::to_owned),
                    destination_cidr: r.destination_cidr_block().map(str::to_owned),
                    destination_ipv6_cidr: r.destination_ipv6_cidr_block().map(str::to_owned),
                    destination_prefix_list: r.destination_prefix_list_id().map(str::to_owned),
                });
        }
    }
    Some(by_peering)
}

/// One side of a peering connection.
fn peering_side(v: Option<&types::VpcPeeringConnectionVpcInfo>) -> PeeringSide {
    let Some(v) = v else {
        return PeeringSide::default();
    };
    let mut cidr_blocks: Vec<String> = v.cidr_block().map(str::to_owned).into_iter().collect();
    for c in v.cidr_block_set().iter().filter_map(|c| c.cidr_block()) {
        if !cidr_blocks.iter().any(|x| x == c) {
            cidr_blocks.push(c.to_owned());
        }
    }
    PeeringSide {
        vpc_id: v.vpc_id().map(str::to_owned),
        owner_id: v.owner_id().map(str::to_owned),
        region: v.region().map(str::to_owned),
        cidr_blocks,
    }
}

/// A VPC peering connection with this region's routes over it; `None`
/// without an id.
pub(super) fn peering(
    ctx: &AwsContext,
    region: &Region,
    p: &types::VpcPeeringConnection,
    routes: &Option<BTreeMap<String, Vec<PeeringRoute>>>,
) -> Option<Resource> {
    let id = p.vpc_peering_connection_id().filter(|s| !s.is_empty())?;
    let props = VpcPeeringConnection {
        peering_id: id.to_owned(),
        status: p
            .status()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_owned()),
        requester: peering_side(p.requester_vpc_info()),
        accepter: peering_side(p.accepter_vpc_info()),
        routes: match routes {
            Some(map) => Collected::Value(map.get(id).cloned().unwrap_or_default()),
            None => Collected::NotCollected,
        },
    };
    regional(
        ctx,
        region,
        "vpc-peering-connection",
        id,
        tag_map(p.tags()),
        Properties::Ec2VpcPeeringConnection(Box::new(props)),
    )
}

/// A network ACL; `None` without an id.
pub(super) fn network_acl(
    ctx: &AwsContext,
    region: &Region,
    n: &types::NetworkAcl,
) -> Option<Resource> {
    let acl_id = n.network_acl_id().filter(|s| !s.is_empty())?;
    let props = NetworkAcl {
        network_acl_id: acl_id.to_owned(),
        vpc_id: n.vpc_id().map(str::to_owned),
        // EC2 always sends `default`; only a VPC's default ACL has it true.
        is_default: n.is_default().unwrap_or(false),
        entries: n.entries().iter().filter_map(nacl_entry).collect(),
        associated_subnets: n
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .map(str::to_owned)
            .collect(),
    };
    regional(
        ctx,
        region,
        "network-acl",
        acl_id,
        tag_map(n.tags()),
        Properties::Ec2NetworkAcl(Box::new(props)),
    )
}

/// One ACL entry. EC2 always sends the rule number, action and direction;
/// an entry without them cannot be placed in evaluation order and is
/// dropped with a warning.
pub(super) fn nacl_entry(e: &types::NetworkAclEntry) -> Option<NaclEntry> {
    let (Some(rule_number), Some(action), Some(egress)) =
        (e.rule_number(), e.rule_action(), e.egress())
    else {
        tracing::warn!(entry = ?e, "network ACL entry without rule number, action or direction");
        return None;
    };
    Some(NaclEntry {
        rule_number,
        // As for security groups: an unnamed protocol is kept as all traffic.
        protocol: e.protocol().unwrap_or("-1").to_owned(),
        rule_action: action.as_str().to_owned(),
        egress,
        cidr_ipv4: e.cidr_block().map(str::to_owned),
        cidr_ipv6: e.ipv6_cidr_block().map(str::to_owned),
        port_from: e.port_range().and_then(|r| r.from()),
        port_to: e.port_range().and_then(|r| r.to()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        GroupIdentifier, IpPermission, IpRange, Ipv6Range, PortRange, PrefixListId, RuleAction,
        UserIdGroupPair,
    };

    fn account() -> AccountId {
        "123456789012".parse().expect("account id")
    }

    #[test]
    fn permissions_flatten_to_one_rule_per_peer() {
        let perms = [
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(
                    IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .description("ssh")
                        .build(),
                )
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .prefix_list_ids(PrefixListId::builder().prefix_list_id("pl-1").build())
                .user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id("sg-own")
                        .user_id("123456789012")
                        .build(),
                )
                .user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id("sg-theirs")
                        .user_id("210987654321")
                        .description("peer")
                        .build(),
                )
                .build(),
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        ];
        let rules = sg_rules(&perms, &account());
        let peers: Vec<&SgPeer> = rules.iter().map(|r| &r.peer).collect();
        assert_eq!(
            peers,
            [
                &SgPeer::Ipv4("0.0.0.0/0".into()),
                &SgPeer::Ipv4("10.0.0.0/8".into()),
                &SgPeer::Ipv6("::/0".into()),
                &SgPeer::PrefixList("pl-1".into()),
                &SgPeer::SecurityGroup {
                    group_id: "sg-own".into(),
                    user_id: None
                },
                &SgPeer::SecurityGroup {
                    group_id: "sg-theirs".into(),
                    user_id: Some("210987654321".into())
                },
                &SgPeer::Ipv4("0.0.0.0/0".into()),
            ]
        );
        assert!(
            rules[..6]
                .iter()
                .all(|r| r.protocol == "tcp" && r.from_port == Some(22) && r.to_port == Some(22))
        );
        assert_eq!(rules[0].description.as_deref(), Some("ssh"));
        assert_eq!(rules[1].description, None);
        assert_eq!(rules[5].description.as_deref(), Some("peer"));
        let all = &rules[6];
        assert_eq!(
            (all.protocol.as_str(), all.from_port, all.to_port),
            ("-1", None, None)
        );
        assert!(all.allows_all_ports() && all.is_from_internet());
    }

    #[test]
    fn group_usage_is_unknown_when_the_interface_list_is_partial() {
        let eni = |id: &str, groups: &[&str]| {
            let mut b = types::NetworkInterface::builder().network_interface_id(id);
            for g in groups {
                b = b.groups(GroupIdentifier::builder().group_id(*g).build());
            }
            b.build()
        };
        let (a, b) = (eni("eni-a", &["sg-1", "sg-2"]), eni("eni-b", &["sg-2"]));
        let map = interfaces_by_group(&[&a, &b], true).expect("complete");
        assert_eq!(map["sg-1"], ["eni-a"]);
        assert_eq!(map["sg-2"], ["eni-a", "eni-b"]);
        assert!(!map.contains_key("sg-3"));
        assert!(interfaces_by_group(&[&a, &b], false).is_none());
    }

    #[test]
    fn nacl_entries_keep_ipv6_and_ports() {
        let e = types::NetworkAclEntry::builder()
            .rule_number(110)
            .protocol("6")
            .rule_action(RuleAction::Deny)
            .egress(false)
            .ipv6_cidr_block("::/0")
            .port_range(PortRange::builder().from(22).to(23).build())
            .build();
        assert_eq!(
            nacl_entry(&e),
            Some(NaclEntry {
                rule_number: 110,
                protocol: "6".into(),
                rule_action: "deny".into(),
                egress: false,
                cidr_ipv4: None,
                cidr_ipv6: Some("::/0".into()),
                port_from: Some(22),
                port_to: Some(23),
            })
        );
        let no_action = types::NetworkAclEntry::builder()
            .rule_number(1)
            .egress(true)
            .build();
        assert_eq!(nacl_entry(&no_action), None);
    }

    #[test]
    fn flow_logs_are_grouped_by_resource_or_unknown() {
        let logs = [
            types::FlowLog::builder()
                .flow_log_id("fl-1")
                .resource_id("vpc-1")
                .traffic_type(types::TrafficType::All)
                .flow_log_status("ACTIVE")
                .log_destination_type(types::LogDestinationType::CloudWatchLogs)
                .log_group_name("flows")
                .build(),
            types::FlowLog::builder()
                .flow_log_id("fl-2")
                .resource_id("vpc-1")
                .log_destination_type(types::LogDestinationType::S3)
                .log_destination("arn:aws:s3:::b")
                .log_group_name("ignored")
                .build(),
        ];
        let map = flow_logs_by_resource(logs.iter(), true).expect("complete");
        let v = &map["vpc-1"];
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].destination.as_deref(), Some("flows"));
        assert_eq!(v[0].traffic_type.as_deref(), Some("ALL"));
        assert_eq!(v[0].destination_type.as_deref(), Some("cloud-watch-logs"));
        assert_eq!(v[1].destination.as_deref(), Some("arn:aws:s3:::b"));
        assert!(flow_logs_by_resource(logs.iter(), false).is_none());
    }
}
