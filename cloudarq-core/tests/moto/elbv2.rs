//! The Elastic Load Balancing v2 collector against moto, in both test
//! regions: an Application Load Balancer with access logs and one without,
//! a Network Load Balancer with a TLS listener and no logs, and one with a
//! TCP listener only; then each new call denied, a gap and *not collected*
//! (or empty tags), never a FAIL.

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::elbv2::LoadBalancer;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use aws_sdk_elasticloadbalancingv2::types::{
    Action as ElbAction, ActionTypeEnum, Certificate, LoadBalancerAttribute,
    LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, Tag,
};

use crate::harness::*;

const RULE: &str = "elbv2_logging_enabled";

/// One region's load balancers, by ARN.
struct Balancers {
    logged: String,
    plain: String,
    tls: String,
    tcp: String,
}

pub async fn subnets(env: &Env, r: &str) -> (String, Vec<String>) {
    let ec2 = env.ec2(r).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_owned();
    let mut out = Vec::new();
    for (i, az) in ["a", "b"].into_iter().enumerate() {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.20.{i}.0/24"))
            .availability_zone(format!("{r}{az}"))
            .send()
            .await
            .expect("subnet");
        out.push(
            s.subnet()
                .and_then(|s| s.subnet_id())
                .expect("id")
                .to_owned(),
        );
    }
    (vpc, out)
}

pub async fn balancer(
    env: &Env,
    r: &str,
    name: &str,
    kind: LoadBalancerTypeEnum,
    subnets: &[String],
) -> String {
    env.elbv2(r)
        .await
        .create_load_balancer()
        .name(name)
        .r#type(kind)
        .scheme(if name == "web-plain" {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        })
        .set_subnets(Some(subnets.to_vec()))
        .tags(
            Tag::builder()
                .key("team")
                .value(format!("{name}-owners"))
                .build(),
        )
        .send()
        .await
        .expect("load balancer")
        .load_balancers()[0]
        .load_balancer_arn()
        .expect("arn")
        .to_owned()
}

async fn listener(env: &Env, r: &str, lb: &str, vpc: &str, protocol: ProtocolEnum, port: i32) {
    let elb = env.elbv2(r).await;
    let tg = elb
        .create_target_group()
        .name(format!("tg-{port}-{}", lb.len() % 97))
        .protocol(if protocol == ProtocolEnum::Tls {
            ProtocolEnum::Tcp
        } else {
            protocol.clone()
        })
        .port(port)
        .vpc_id(vpc)
        .send()
        .await
        .expect("target group")
        .target_groups()[0]
        .target_group_arn()
        .expect("tg arn")
        .to_owned();
    let mut req = elb
        .create_listener()
        .load_balancer_arn(lb)
        .protocol(protocol.clone())
        .port(port)
        .default_actions(
            ElbAction::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(tg)
                .build(),
        );
    if protocol == ProtocolEnum::Tls {
        // moto checks the certificate exists: an IAM server certificate.
        let cert = env
            .iam()
            .await
            .upload_server_certificate()
            .server_certificate_name(format!("edge-{r}"))
            .certificate_body("-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----")
            .private_key("-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----")
            .send()
            .await
            .expect("server certificate")
            .server_certificate_metadata()
            .map(|m| m.arn().to_owned())
            .expect("certificate arn");
        req = req
            .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
            .certificates(Certificate::builder().certificate_arn(cert).build());
    }
    req.send().await.expect("listener");
}

async fn seed(env: &Env, r: &str) -> Balancers {
    let (vpc, nets) = subnets(env, r).await;
    let b = Balancers {
        logged: balancer(
            env,
            r,
            "web-logged",
            LoadBalancerTypeEnum::Application,
            &nets,
        )
        .await,
        plain: balancer(
            env,
            r,
            "web-plain",
            LoadBalancerTypeEnum::Application,
            &nets,
        )
        .await,
        tls: balancer(env, r, "tls-edge", LoadBalancerTypeEnum::Network, &nets).await,
        tcp: balancer(env, r, "tcp-only", LoadBalancerTypeEnum::Network, &nets).await,
    };
    env.elbv2(r)
        .await
        .modify_load_balancer_attributes()
        .load_balancer_arn(&b.logged)
        .attributes(
            LoadBalancerAttribute::builder()
                .key("access_logs.s3.enabled")
                .value("true")
                .build(),
        )
        .attributes(
            LoadBalancerAttribute::builder()
                .key("access_logs.s3.bucket")
                .value(format!("elb-logs-{r}"))
                .build(),
        )
        .send()
        .await
        .expect("attributes");
    listener(env, r, &b.tls, &vpc, ProtocolEnum::Tls, 443).await;
    listener(env, r, &b.tcp, &vpc, ProtocolEnum::Tcp, 5432).await;
    b
}

async fn seeded() -> (Env, [Balancers; 2]) {
    let env = Env::start().await;
    let b1 = seed(&env, R1).await;
    let b2 = seed(&env, R2).await;
    (env, [b1, b2])
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Elbv2]).await
}

fn lb<'s>(snap: &'s Snapshot, arn: &str) -> (&'s cloudarq_model::Resource, &'s LoadBalancer) {
    let arn: Arn = arn.parse().expect("ELB ARN");
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{arn} collected"));
    match &res.properties {
        Properties::Elbv2LoadBalancer(l) => (res, l),
        other => panic!("{:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, arn: &str) -> Option<Status> {
    rule_status(snap, RULE, &arn.parse().expect("ELB ARN"))
}

fn unread(snap: &Snapshot, arn: &str) -> bool {
    rule_not_collected(snap, RULE, &arn.parse().expect("ELB ARN"))
}

#[tokio::test]
async fn elbv2_collects_load_balancers_in_both_regions() {
    let (env, seeded) = seeded().await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::Elbv2LoadBalancer).count(), 8);
    for (r, b) in [R1, R2].into_iter().zip(&seeded) {
        let (res, logged) = lb(&snap, &b.logged);
        assert_eq!(res.name, "web-logged");
        assert_eq!(res.region.as_ref().map(|x| x.as_str()), Some(r));
        assert_eq!(
            res.tags.get("team").map(String::as_str),
            Some("web-logged-owners")
        );
        assert_eq!(logged.load_balancer_type, "application");
        assert_eq!(logged.scheme.as_deref(), Some("internet-facing"));
        assert!(logged.vpc_id.is_some());
        assert_eq!(logged.subnets.len(), 2);
        assert_eq!(
            logged.attribute("access_logs.s3.enabled"),
            Collected::Value(Some("true"))
        );
        let bucket = format!("elb-logs-{r}");
        assert_eq!(
            logged.attribute("access_logs.s3.bucket"),
            Collected::Value(Some(bucket.as_str()))
        );
        assert_eq!(logged.listeners, Collected::Value(Vec::new()));
        let (_, plain) = lb(&snap, &b.plain);
        assert_eq!(plain.scheme.as_deref(), Some("internal"));
        assert_ne!(
            plain.attribute("access_logs.s3.enabled"),
            Collected::Value(Some("true"))
        );
        let (_, tls) = lb(&snap, &b.tls);
        assert_eq!(tls.load_balancer_type, "network");
        let Collected::Value(listeners) = &tls.listeners else {
            panic!("listeners collected");
        };
        assert_eq!(listeners.len(), 1);
        assert_eq!(listeners[0].port, Some(443));
        assert_eq!(listeners[0].protocol.as_deref(), Some("TLS"));
        assert_eq!(
            listeners[0].ssl_policy.as_deref(),
            Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
        );

        assert_eq!(status(&snap, &b.logged), Some(Status::Pass), "{r}");
        assert_eq!(status(&snap, &b.plain), Some(Status::Fail), "{r}");
        assert_eq!(status(&snap, &b.tls), Some(Status::Fail), "{r}");
        // A TCP-only Network Load Balancer writes no access logs at all.
        assert_eq!(status(&snap, &b.tcp), None, "{r}");
    }
    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|s| s.operation == op).count();
    assert_eq!(count("elasticloadbalancing:DescribeLoadBalancers"), 2);
    assert_eq!(count("elasticloadbalancing:DescribeTags"), 2, "one per 20");
    assert_eq!(
        count("elasticloadbalancing:DescribeLoadBalancerAttributes"),
        8
    );
    assert_eq!(count("elasticloadbalancing:DescribeListeners"), 8);
}

/// Each call denied: the load balancers it would have filled are *not
/// collected* (or untagged), with a gap naming each; never a FAIL.
#[tokio::test]
async fn elbv2_denied_calls_are_gaps_never_fails() {
    let (env, seeded) = seeded().await;
    let denied = Fault::Error {
        code: "AccessDenied",
        status: 403,
    };
    env.proxy.fault(
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        denied.clone(),
    );
    env.proxy
        .fault("elasticloadbalancing:DescribeTags", denied.clone());
    let snap = scan(&env).await;
    let gaps = |action: &str| {
        snap.gaps
            .iter()
            .filter(|g| {
                g.service == Service::Elbv2 && g.action == action && g.kind == GapKind::AccessDenied
            })
            .count()
    };
    assert_eq!(
        gaps("elasticloadbalancing:DescribeLoadBalancerAttributes"),
        8
    );
    assert_eq!(
        gaps("elasticloadbalancing:DescribeTags"),
        8,
        "one per load balancer"
    );
    for b in &seeded {
        let (res, l) = lb(&snap, &b.plain);
        assert!(res.tags.is_empty());
        assert_eq!(l.attributes, Collected::NotCollected);
        assert!(unread(&snap, &b.plain), "plain");
        assert!(unread(&snap, &b.tls), "tls");
    }

    env.proxy
        .clear_fault("elasticloadbalancing:DescribeLoadBalancerAttributes");
    env.proxy.clear_fault("elasticloadbalancing:DescribeTags");
    env.proxy
        .fault("elasticloadbalancing:DescribeListeners", denied.clone());
    let snap = scan(&env).await;
    for b in &seeded {
        // Listeners matter only to Network Load Balancers.
        assert_eq!(status(&snap, &b.plain), Some(Status::Fail));
        assert!(unread(&snap, &b.tls), "tls");
        assert!(unread(&snap, &b.tcp), "tcp");
    }

    env.proxy
        .fault("elasticloadbalancing:DescribeLoadBalancers", denied);
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::Elbv2LoadBalancer).count(), 0);
    for r in [R1, R2] {
        assert!(
            snap.gaps
                .iter()
                .any(|g| g.action == "elasticloadbalancing:DescribeLoadBalancers"
                    && g.region.as_ref().map(|x| x.as_str()) == Some(r)),
            "{:#?}",
            snap.gaps
        );
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(!result.findings.iter().any(|f| f.rule_id == RULE));
}
