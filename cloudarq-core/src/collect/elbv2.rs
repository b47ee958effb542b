//! Elastic Load Balancing v2 collector: the Application, Network and
//! Gateway Load Balancers of one region, with their attributes, listeners
//! and tags.
//!
//! Calls per region: `DescribeLoadBalancers` per page of 400, then per load
//! balancer `DescribeLoadBalancerAttributes` and `DescribeListeners` (per
//! page of 400), and `DescribeTags` per 20 load balancers.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{
    Listener as SdkListener, LoadBalancer as SdkLoadBalancer, LoadBalancerAttribute,
};
use cloudarq_model::inventory::elbv2::{Listener, LoadBalancer};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext};
use crate::collect::util::{tags, ts_opt};

/// Load balancers and listeners per page (the most ELB allows).
const PAGE_SIZE: i32 = 400;

/// Load balancers per `DescribeTags` call (the most ELB allows).
const TAG_BATCH: usize = 20;

/// Collects the load balancers of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.elbv2(region);
    let stream = client
        .describe_load_balancers()
        .page_size(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx
        .paginate(Action::Elbv2DescribeLoadBalancers, Some(region), stream)
        .await
        .pages;
    let listed: Vec<(Arn, &SdkLoadBalancer)> = pages
        .iter()
        .flat_map(|p| p.load_balancers())
        .filter_map(|lb| match lb.load_balancer_arn()?.parse::<Arn>() {
            Ok(arn) => Some((arn, lb)),
            Err(_) => {
                tracing::warn!(
                    region = region.as_str(),
                    "load balancer with an unusable ARN; skipped"
                );
                None
            }
        })
        .collect();
    let mut tagged = load_balancer_tags(ctx, &client, region, &listed).await;
    let client = &client;
    futures::stream::iter(listed)
        .map(|(arn, lb)| {
            let tags = tagged.remove(&arn).unwrap_or_default();
            load_balancer(ctx, client, region, arn, lb, tags)
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await
}

/// The tags of every listed load balancer, 20 per call; a failed call
/// leaves its load balancers without tags, with a gap naming each.
async fn load_balancer_tags(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    listed: &[(Arn, &SdkLoadBalancer)],
) -> HashMap<Arn, Tags> {
    let mut out = HashMap::new();
    for batch in listed.chunks(TAG_BATCH) {
        let arns: Vec<String> = batch.iter().map(|(a, _)| a.to_string()).collect();
        let res = ctx
            .call(
                Action::Elbv2DescribeTags,
                Some(region),
                client.describe_tags().set_resource_arns(Some(arns)).send(),
            )
            .await;
        match res {
            Ok(answer) => {
                for d in answer.tag_descriptions() {
                    let Some(arn) = d.resource_arn().and_then(|a| a.parse::<Arn>().ok()) else {
                        continue;
                    };
                    out.insert(arn, tags(d.tags().iter().map(|t| (t.key(), t.value()))));
                }
            }
            Err(err) => {
                for (arn, _) in batch {
                    let _: Collected<()> = ctx.settle(
                        Action::Elbv2DescribeTags,
                        Some(region),
                        Some(arn),
                        Err(err.clone()),
                    );
                }
            }
        }
    }
    out
}

/// One listed load balancer, with its attributes and listeners read.
async fn load_balancer(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    arn: Arn,
    lb: &SdkLoadBalancer,
    tags: Tags,
) -> Resource {
    let at = Some(region);
    let lb_arn = arn.to_string();
    let attributes = ctx
        .read(
            Action::Elbv2DescribeLoadBalancerAttributes,
            at,
            Some(&arn),
            client
                .describe_load_balancer_attributes()
                .load_balancer_arn(&lb_arn)
                .send(),
        )
        .await
        .map(|out| attribute_map(out.attributes()));
    let stream = client
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .page_size(PAGE_SIZE)
        .into_paginator()
        .send();
    let paged = ctx
        .paginate(Action::Elbv2DescribeListeners, at, stream)
        .await;
    let listeners = paged.complete(|p| p.listeners().iter().map(listener).collect());
    let mut props = described(lb);
    props.attributes = attributes;
    props.listeners = listeners;
    Resource {
        name: lb.load_balancer_name().unwrap_or_default().to_owned(),
        arn,
        region: Some(region.clone()),
        tags,
        properties: Properties::Elbv2LoadBalancer(Box::new(props)),
    }
}

/// The fields `DescribeLoadBalancers` gives; attributes and listeners
/// start not collected.
fn described(lb: &SdkLoadBalancer) -> LoadBalancer {
    LoadBalancer {
        load_balancer_type: lb
            .r#type()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        scheme: lb.scheme().map(|s| s.as_str().to_owned()),
        state: lb
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_owned()),
        dns_name: lb.dns_name().map(str::to_owned),
        vpc_id: lb.vpc_id().map(str::to_owned),
        security_groups: lb.security_groups().to_vec(),
        subnets: lb
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id())
            .map(str::to_owned)
            .collect(),
        ip_address_type: lb.ip_address_type().map(|t| t.as_str().to_owned()),
        created: ts_opt(lb.created_time()),
        attributes: Collected::NotCollected,
        listeners: Collected::NotCollected,
    }
}

/// Attributes as a key → value map; pairs without a key are dropped, a
/// missing value is empty.
fn attribute_map(attrs: &[LoadBalancerAttribute]) -> BTreeMap<String, String> {
    attrs
        .iter()
        .filter_map(|a| {
            Some((
                a.key()?.to_owned(),
                a.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn listener(l: &SdkListener) -> Listener {
    Listener {
        port: l.port().and_then(|p| u16::try_from(p).ok()),
        protocol: l.protocol().map(|p| p.as_str().to_owned()),
        ssl_policy: l.ssl_policy().filter(|p| !p.is_empty()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_elasticloadbalancingv2::types::{
        AvailabilityZone, IpAddressType, LoadBalancerSchemeEnum, LoadBalancerState,
        LoadBalancerStateEnum, LoadBalancerTypeEnum, ProtocolEnum,
    };

    use super::*;

    #[test]
    fn described_load_balancers_keep_type_scheme_and_network() {
        let lb = SdkLoadBalancer::builder()
            .load_balancer_arn(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/edge/1",
            )
            .load_balancer_name("edge")
            .r#type(LoadBalancerTypeEnum::Network)
            .scheme(LoadBalancerSchemeEnum::InternetFacing)
            .state(
                LoadBalancerState::builder()
                    .code(LoadBalancerStateEnum::ActiveImpaired)
                    .build(),
            )
            .vpc_id("vpc-1")
            .availability_zones(AvailabilityZone::builder().subnet_id("subnet-a").build())
            .availability_zones(AvailabilityZone::builder().zone_name("eu-west-1b").build())
            .ip_address_type(IpAddressType::Dualstack)
            .created_time(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .build();
        let d = described(&lb);
        assert_eq!(d.load_balancer_type, "network");
        assert_eq!(d.scheme.as_deref(), Some("internet-facing"));
        assert_eq!(d.state.as_deref(), Some("active_impaired"));
        assert_eq!(d.subnets, ["subnet-a"]);
        assert!(d.security_groups.is_empty());
        assert_eq!(d.ip_address_type.as_deref(), Some("dualstack"));
        assert!(d.created.is_some());
        assert_eq!(d.attributes, Collected::NotCollected);
    }

    #[test]
    fn attributes_and_listeners_map_as_elb_returns_them() {
        let attrs = [
            LoadBalancerAttribute::builder()
                .key("access_logs.s3.enabled")
                .value("true")
                .build(),
            LoadBalancerAttribute::builder().value("orphan").build(),
            LoadBalancerAttribute::builder()
                .key("access_logs.s3.bucket")
                .build(),
        ];
        let map = attribute_map(&attrs);
        assert_eq!(map.len(), 2);
        assert_eq!(map["access_logs.s3.enabled"], "true");
        assert_eq!(map["access_logs.s3.bucket"], "");
        let tls = SdkListener::builder()
            .port(443)
            .protocol(ProtocolEnum::Tls)
            .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
            .build();
        assert_eq!(
            listener(&tls),
            Listener {
                port: Some(443),
                protocol: Some("TLS".to_owned()),
                ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".to_owned()),
            }
        );
        let geneve = SdkListener::builder()
            .protocol(ProtocolEnum::Geneve)
            .build();
        assert_eq!(listener(&geneve).port, None);
    }
}
