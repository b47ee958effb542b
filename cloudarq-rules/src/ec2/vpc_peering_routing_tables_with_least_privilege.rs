//! `vpc_peering_routing_tables_with_least_privilege`: the routes over a VPC
//! peering connection reach only part of the peer VPC, not all of it or
//! more.
//!
//! CIS asks that a peering's routes be "least access": a route to the
//! subnets that need the peer, not to the peer's whole CIDR. A route whose
//! destination covers an entire CIDR block of the peer VPC (its primary or
//! a secondary block), or is `0.0.0.0/0` or `::/0`, fails. A route to a
//! managed prefix list cannot be judged (its entries are not collected): it
//! is *not collected* unless another route already fails. A peering with no
//! route in this region passes: nothing is reachable through it from here.
//! Peerings that are not `active` are not applicable.

use cloudarq_model::inventory::ec2::{PeeringRoute, VpcPeeringConnection};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{ipv4_mask, parse_ipv4_cidr};
use crate::controls::{cis3, cis7};

static META: RuleMeta = RuleMeta {
    id: "vpc_peering_routing_tables_with_least_privilege",
    title: "Routes over a VPC peering connection reach only the subnets that need the peer, not \
            its whole network",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2VpcPeeringConnection],
    rationale: "A peering route to the peer's whole CIDR lets every subnet on this side reach \
                every host on the other. If either VPC is compromised, the attacker reaches all \
                of the other; routes limited to the subnets that must talk keep the blast \
                radius small.",
    remediation: Remediation {
        cli: "aws ec2 delete-route --route-table-id <rtb-id> --destination-cidr-block <peer-vpc-cidr>\n\
              aws ec2 create-route --route-table-id <rtb-id> --destination-cidr-block <peer-subnet-cidr> \\\n\
              --vpc-peering-connection-id <pcx-id>",
        console: "VPC console > Route tables > <table> > Routes > Edit routes: replace the route \
                  to the peer's whole CIDR by routes to the peer subnets that are needed.",
        url: "https://docs.aws.amazon.com/vpc/latest/peering/peering-configurations-partial-access.html",
    },
    controls: &[cis3("5.5"), cis7("6.6")],
};

/// Peering routes are least access.
pub(crate) struct VpcPeeringRoutingTablesWithLeastPrivilege;

/// Whether `outer` contains all of `inner`.
fn contains(outer: (u32, u8), inner: (u32, u8)) -> bool {
    outer.1 <= inner.1 && (inner.0 & ipv4_mask(outer.1)) == outer.0
}

/// The side of the peering across from the route's VPC.
fn peer_of<'a>(p: &'a VpcPeeringConnection, route: &PeeringRoute) -> &'a [String] {
    if route.vpc_id.is_some() && route.vpc_id == p.requester.vpc_id {
        &p.accepter.cidr_blocks
    } else if route.vpc_id.is_some() && route.vpc_id == p.accepter.vpc_id {
        &p.requester.cidr_blocks
    } else {
        &[]
    }
}

/// Why a route is too wide, if it is; `Err` when it cannot be judged.
fn too_wide(
    p: &VpcPeeringConnection,
    route: &PeeringRoute,
) -> Result<Option<String>, &'static str> {
    if route.destination_ipv6_cidr.as_deref() == Some("::/0") {
        return Ok(Some("::/0".to_owned()));
    }
    if route.destination_prefix_list.is_some() {
        return Err("prefix-list route");
    }
    let Some(dest) = route.destination_cidr.as_deref() else {
        // An IPv6 route narrower than ::/0: the peer's IPv6 blocks are not
        // collected.
        return Ok(None);
    };
    let Some(d) = parse_ipv4_cidr(dest) else {
        return Err("unparsable destination");
    };
    if d.1 == 0 {
        return Ok(Some(dest.to_owned()));
    }
    let peer = peer_of(p, route);
    if peer.is_empty() {
        return Err("unknown peer VPC");
    }
    let whole = peer
        .iter()
        .filter_map(|c| parse_ipv4_cidr(c))
        .any(|block| contains(d, block));
    Ok(whole.then(|| dest.to_owned()))
}

impl Rule for VpcPeeringRoutingTablesWithLeastPrivilege {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2VpcPeeringConnection(p) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if p.status.as_deref() != Some("active") {
            return Ok(Outcome::not_applicable());
        }
        let routes = match &p.routes {
            Collected::NotCollected => return Ok(Outcome::not_collected("routes")),
            Collected::Value(r) => r,
        };
        let mut wide = Vec::new();
        let mut unknown = None;
        for r in routes {
            match too_wide(p, r) {
                Ok(Some(dest)) => {
                    wide.push(json!({"route_table": r.route_table_id, "destination": dest}))
                }
                Ok(None) => {}
                Err(why) => {
                    unknown.get_or_insert(why);
                }
            }
        }
        let id = &p.peering_id;
        if !wide.is_empty() {
            return Ok(Outcome::fail(format!(
                "{} route(s) over peering {id} reach the peer's whole network or more",
                wide.len()
            ))
            .with_evidence(json!({"routes": wide})));
        }
        if let Some(why) = unknown {
            return Ok(Outcome::not_collected("routes").with_evidence(json!({"reason": why})));
        }
        Ok(Outcome::pass(format!(
            "the {} route(s) over peering {id} reach only part of the peer's network",
            routes.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};

    const ARN: &str = "arn:aws:ec2:eu-west-1:123456789012:vpc-peering-connection/pcx-1";

    fn verdict(routes: serde_json::Value) -> &'static str {
        let snap = snapshot(vec![resource(
            json!({"arn": ARN, "region": "eu-west-1", "name": "pcx-1",
            "properties": {"AWS::EC2::VPCPeeringConnection": {"peering_id": "pcx-1", "status": "active",
                "requester": {"vpc_id": "vpc-a", "cidr_blocks": ["10.0.0.0/16"]},
                "accepter": {"vpc_id": "vpc-b", "cidr_blocks": ["10.1.0.0/16", "10.2.0.0/24"]},
                "routes": routes}}}),
        )]);
        kind(&eval(
            &VpcPeeringRoutingTablesWithLeastPrivilege,
            &snap,
            ARN,
        ))
    }

    fn route(vpc: &str, dest: &str) -> serde_json::Value {
        json!({"route_table_id": "rtb-1", "vpc_id": vpc, "destination_cidr": dest})
    }

    #[test]
    fn whole_peer_networks_fail_and_subnets_pass() {
        assert_eq!(
            verdict(json!({"value": [route("vpc-a", "10.1.2.0/24")]})),
            "pass"
        );
        assert_eq!(
            verdict(json!({"value": [route("vpc-b", "10.0.3.0/24")]})),
            "pass"
        );
        assert_eq!(verdict(json!({"value": []})), "pass");
        assert_eq!(
            verdict(json!({"value": [route("vpc-a", "10.1.0.0/16")]})),
            "fail"
        );
        // The secondary block, and anything wider than a block.
        assert_eq!(
            verdict(json!({"value": [route("vpc-a", "10.2.0.0/24")]})),
            "fail"
        );
        assert_eq!(
            verdict(json!({"value": [route("vpc-a", "10.0.0.0/8")]})),
            "fail"
        );
        assert_eq!(
            verdict(json!({"value": [route("vpc-a", "0.0.0.0/0")]})),
            "fail"
        );
        // From the accepter's side the requester is the peer.
        assert_eq!(
            verdict(json!({"value": [route("vpc-b", "10.0.0.0/16")]})),
            "fail"
        );
        assert_eq!(
            verdict(
                json!({"value": [{"route_table_id": "rtb-1", "vpc_id": "vpc-a",
            "destination_ipv6_cidr": "::/0"}]})
            ),
            "fail"
        );
    }

    #[test]
    fn what_cannot_be_judged_is_not_collected_unless_another_route_fails() {
        assert_eq!(verdict(json!("not_collected")), "not_collected");
        let pl = json!({"route_table_id": "rtb-1", "vpc_id": "vpc-a", "destination_prefix_list": "pl-1"});
        assert_eq!(verdict(json!({"value": [pl.clone()]})), "not_collected");
        assert_eq!(
            verdict(json!({"value": [pl, route("vpc-a", "10.1.0.0/16")]})),
            "fail"
        );
        assert_eq!(
            verdict(json!({"value": [route("vpc-z", "10.1.0.0/24")]})),
            "not_collected"
        );
        assert_eq!(
            verdict(json!({"value": [route("vpc-a", "10.1.0.0/33")]})),
            "not_collected"
        );
    }
}
