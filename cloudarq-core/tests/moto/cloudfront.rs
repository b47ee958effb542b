//! The CloudFront collector against moto (a global service): a
//! distribution with standard logging to S3, one with no logging, and one
//! whose access logs go through a CloudWatch Logs vended delivery in
//! us-east-1 (logging v2); then each new call denied, a gap and *not
//! collected*, never a FAIL.

use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, LoggingConfig, Origin, Origins, S3OriginConfig,
    ViewerProtocolPolicy,
};
use aws_sdk_cloudwatchlogs::types::DeliveryDestinationConfiguration;
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::cloudfront::Distribution;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "cloudfront_distributions_logging_enabled";

/// The three distributions' ARNs.
struct Seeded {
    logged: String,
    plain: String,
    v2: String,
}

pub async fn distribution(env: &Env, reference: &str, logging: Option<&str>) -> String {
    let origin = Origin::builder()
        .id("site")
        .domain_name("site-bucket.s3.amazonaws.com")
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .expect("origin");
    let mut config = DistributionConfig::builder()
        .caller_reference(reference)
        .comment(reference)
        .enabled(true)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .expect("origins"),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .build()
                .expect("behavior"),
        );
    if let Some(bucket) = logging {
        config = config.logging(
            LoggingConfig::builder()
                .enabled(true)
                .include_cookies(false)
                .bucket(bucket)
                .prefix("cdn/")
                .build(),
        );
    }
    env.cloudfront()
        .await
        .create_distribution()
        .distribution_config(config.build().expect("config"))
        .send()
        .await
        .expect("distribution")
        .distribution()
        .expect("distribution")
        .arn()
        .to_owned()
}

async fn seeded() -> (Env, Seeded) {
    let env = Env::start().await;
    let s = Seeded {
        logged: distribution(&env, "logged", Some("cf-logs.s3.amazonaws.com")).await,
        plain: distribution(&env, "plain", None).await,
        v2: distribution(&env, "v2", None).await,
    };
    let logs = env.logs(R2).await;
    logs.put_delivery_source()
        .name("cf-v2")
        .resource_arn(&s.v2)
        .log_type("ACCESS_LOGS")
        .send()
        .await
        .expect("delivery source");
    let destination = logs
        .put_delivery_destination()
        .name("cf-v2-logs")
        .delivery_destination_configuration(
            DeliveryDestinationConfiguration::builder()
                .destination_resource_arn(format!(
                    "arn:aws:logs:{R2}:{ACCOUNT}:log-group:/cloudfront/v2"
                ))
                .build()
                .expect("destination"),
        )
        .send()
        .await
        .expect("delivery destination")
        .delivery_destination()
        .and_then(|d| d.arn())
        .expect("destination arn")
        .to_owned();
    logs.create_delivery()
        .delivery_source_name("cf-v2")
        .delivery_destination_arn(destination)
        .send()
        .await
        .expect("delivery");
    (env, s)
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::CloudFront]).await
}

fn dist<'s>(snap: &'s Snapshot, arn: &str) -> &'s Distribution {
    let arn: Arn = arn.parse().expect("distribution ARN");
    let res = snap.resources.get(&arn).expect("distribution collected");
    assert!(res.region.is_none(), "CloudFront is global");
    match &res.properties {
        Properties::CloudFrontDistribution(d) => d,
        other => panic!("{:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, arn: &str) -> Option<Status> {
    rule_status(snap, RULE, &arn.parse().expect("distribution ARN"))
}

fn unread(snap: &Snapshot, arn: &str) -> bool {
    rule_not_collected(snap, RULE, &arn.parse().expect("distribution ARN"))
}

#[tokio::test]
async fn cloudfront_collects_distributions_with_both_logging_kinds() {
    let (env, s) = seeded().await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(
        snap.of_type(ResourceType::CloudFrontDistribution).count(),
        3
    );

    let logged = dist(&snap, &s.logged);
    assert!(logged.enabled);
    assert!(logged.domain_name.ends_with(".cloudfront.net"));
    assert_eq!(logged.default_cache_behavior.target_origin_id, "site");
    assert_eq!(
        logged.default_cache_behavior.viewer_protocol_policy,
        "redirect-to-https"
    );
    assert_eq!(logged.origins.len(), 1);
    assert_eq!(
        logged.origins[0].domain_name,
        "site-bucket.s3.amazonaws.com"
    );
    let Collected::Value(l) = &logged.standard_logging else {
        panic!("standard logging collected");
    };
    assert!(l.enabled);
    assert_eq!(l.bucket.as_deref(), Some("cf-logs.s3.amazonaws.com"));
    assert_eq!(l.prefix.as_deref(), Some("cdn/"));
    assert_eq!(logged.log_deliveries, Collected::Value(Vec::new()));

    let plain = dist(&snap, &s.plain);
    assert!(matches!(&plain.standard_logging, Collected::Value(l) if !l.enabled));
    let v2 = dist(&snap, &s.v2);
    let Collected::Value(deliveries) = &v2.log_deliveries else {
        panic!("deliveries collected");
    };
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].delivery_source, "cf-v2");
    assert_eq!(deliveries[0].log_type, "ACCESS_LOGS");
    assert!(
        deliveries[0]
            .destination_arn
            .as_deref()
            .is_some_and(|d| d.contains("cf-v2-logs") || d.contains("/cloudfront/v2")),
        "{deliveries:?}"
    );

    assert_eq!(status(&snap, &s.logged), Some(Status::Pass));
    assert_eq!(status(&snap, &s.plain), Some(Status::Fail));
    assert_eq!(status(&snap, &s.v2), Some(Status::Pass));

    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|x| x.operation == op).count();
    assert_eq!(count("cloudfront:ListDistributions"), 1);
    assert_eq!(count("cloudfront:GetDistributionConfig"), 3);
    assert_eq!(count("logs:DescribeDeliverySources"), 1);
    assert_eq!(count("logs:DescribeDeliveries"), 1);
    // The vended-log listings are read where CloudFront's live.
    assert!(
        seen.iter()
            .filter(|x| x.operation.starts_with("logs:DescribeDeliver"))
            .all(|x| x.scope.contains("/us-east-1/")),
        "us-east-1 only"
    );
}

#[tokio::test]
async fn cloudfront_denied_calls_are_gaps_never_fails() {
    let (env, s) = seeded().await;
    let denied = Fault::Error {
        code: "AccessDenied",
        status: 403,
    };
    env.proxy
        .fault("cloudfront:GetDistributionConfig", denied.clone());
    let snap = scan(&env).await;
    let config_gaps = snap
        .gaps
        .iter()
        .filter(|g| {
            g.service == Service::CloudFront
                && g.action == "cloudfront:GetDistributionConfig"
                && g.kind == GapKind::AccessDenied
                && g.resource.is_some()
        })
        .count();
    assert_eq!(config_gaps, 3, "{:#?}", snap.gaps);
    assert!(unread(&snap, &s.logged));
    assert!(unread(&snap, &s.plain));
    // The vended delivery still shows the v2 distribution's logs.
    assert_eq!(status(&snap, &s.v2), Some(Status::Pass));

    env.proxy.clear_fault("cloudfront:GetDistributionConfig");
    env.proxy.fault(
        "logs:DescribeDeliverySources",
        Fault::Error {
            code: "AccessDeniedException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert!(
        snap.gaps
            .iter()
            .any(|g| g.action == "logs:DescribeDeliverySources" && g.kind == GapKind::AccessDenied)
    );
    assert_eq!(dist(&snap, &s.v2).log_deliveries, Collected::NotCollected);
    assert_eq!(status(&snap, &s.logged), Some(Status::Pass));
    assert!(unread(&snap, &s.plain));
    assert!(unread(&snap, &s.v2));

    env.proxy.fault("cloudfront:ListDistributions", denied);
    let snap = scan(&env).await;
    assert_eq!(
        snap.of_type(ResourceType::CloudFrontDistribution).count(),
        0
    );
    assert!(
        snap.gaps
            .iter()
            .any(|g| g.action == "cloudfront:ListDistributions")
    );
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(!result.findings.iter().any(|f| f.rule_id == RULE));
}
