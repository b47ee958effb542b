//! VPC peering connections against moto: both sides' CIDRs, the routes over
//! them from each region's route tables, the least-access rule both ways,
//! and a denied route-table listing as a gap (never a FAIL).

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::ec2::VpcPeeringConnection;
use cloudarq_model::rule::Status;
use cloudarq_model::{Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;
use crate::loopback::Fault;

/// Two peered VPCs in each region: in eu-west-1 the app VPC routes to one
/// subnet of the peer (least access), in us-east-1 to the peer's whole CIDR.
async fn seed(env: &Env) -> Vec<(String, String)> {
    let mut ids = Vec::new();
    for (r, narrow) in [(R1, true), (R2, false)] {
        let ec2 = env.ec2(r).await;
        let vpc = |cidr: &'static str| {
            let ec2 = ec2.clone();
            async move {
                ec2.create_vpc()
                    .cidr_block(cidr)
                    .send()
                    .await
                    .expect("vpc")
                    .vpc()
                    .and_then(|v| v.vpc_id())
                    .expect("vpc id")
                    .to_owned()
            }
        };
        let app = vpc("10.10.0.0/16").await;
        let shared = vpc("10.20.0.0/16").await;
        let pcx = ec2
            .create_vpc_peering_connection()
            .vpc_id(&app)
            .peer_vpc_id(&shared)
            .send()
            .await
            .expect("peering")
            .vpc_peering_connection()
            .and_then(|p| p.vpc_peering_connection_id())
            .expect("pcx id")
            .to_owned();
        ec2.accept_vpc_peering_connection()
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .expect("accept");
        let rtb = ec2
            .create_route_table()
            .vpc_id(&app)
            .send()
            .await
            .expect("route table")
            .route_table()
            .and_then(|t| t.route_table_id())
            .expect("rtb id")
            .to_owned();
        ec2.create_route()
            .route_table_id(&rtb)
            .destination_cidr_block(if narrow {
                "10.20.5.0/24"
            } else {
                "10.20.0.0/16"
            })
            .vpc_peering_connection_id(&pcx)
            .send()
            .await
            .expect("route");
        ids.push((r.to_owned(), pcx));
    }
    ids
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Ec2]).await
}

fn peering<'a>(snap: &'a Snapshot, r: &str, id: &str) -> &'a VpcPeeringConnection {
    let arn = format!("arn:aws:ec2:{r}:{ACCOUNT}:vpc-peering-connection/{id}")
        .parse()
        .expect("arn");
    match &snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{id} in {r}"))
        .properties
    {
        Properties::Ec2VpcPeeringConnection(p) => p,
        other => panic!("not a peering: {other:?}"),
    }
}

#[tokio::test]
async fn peerings_and_their_routes_are_collected_and_judged_in_two_regions() {
    let env = Env::start().await;
    let ids = seed(&env).await;
    let snap = scan(&env).await;
    // moto lacks GetEbsDefaultKmsKeyId (see ec2.rs); nothing else is a gap.
    assert!(
        snap.gaps
            .iter()
            .all(|g| g.action == "ec2:GetEbsDefaultKmsKeyId"),
        "{:#?}",
        snap.gaps
    );
    for (r, id) in &ids {
        let p = peering(&snap, r, id);
        assert_eq!(p.status.as_deref(), Some("active"), "{r}");
        assert_eq!(p.requester.cidr_blocks, vec!["10.10.0.0/16"]);
        assert_eq!(p.accepter.cidr_blocks, vec!["10.20.0.0/16"]);
        let routes = p.routes.value().expect("routes read");
        assert_eq!(routes.len(), 1, "{r}: {routes:?}");
        let want = if r == R1 {
            "10.20.5.0/24"
        } else {
            "10.20.0.0/16"
        };
        assert_eq!(routes[0].destination_cidr.as_deref(), Some(want));
        assert_eq!(routes[0].vpc_id, p.requester.vpc_id);
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    let by_region = |r: &str| {
        result
            .findings
            .iter()
            .filter(|f| {
                f.rule_id == "vpc_peering_routing_tables_with_least_privilege"
                    && f.resource_arn.as_str().contains(r)
            })
            .map(|f| f.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_region(R1), vec![Status::Pass]);
    assert_eq!(by_region(R2), vec![Status::Fail]);
}

#[tokio::test]
async fn a_denied_route_table_listing_leaves_routes_not_collected() {
    let env = Env::start().await;
    let ids = seed(&env).await;
    env.proxy.fault(
        "ec2:DescribeRouteTables",
        Fault::Error {
            code: "UnauthorizedOperation",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    for (r, id) in &ids {
        assert_eq!(peering(&snap, r, id).routes, Collected::NotCollected);
        assert!(
            snap.gaps
                .iter()
                .any(|g| g.action == "ec2:DescribeRouteTables"
                    && g.kind == GapKind::AccessDenied
                    && g.region.as_ref().map(|x| x.as_str()) == Some(r.as_str()))
        );
    }
    assert_eq!(
        snap.of_type(ResourceType::Ec2VpcPeeringConnection).count(),
        2
    );
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(
        !result
            .findings
            .iter()
            .any(|f| f.rule_id == "vpc_peering_routing_tables_with_least_privilege")
    );
}
