//! CloudFront collector: the account's distributions (global), with their
//! standard logging and their CloudWatch Logs vended log deliveries.
//!
//! Calls per account: `ListDistributions` per page of 100, then
//! `GetDistributionConfig` per distribution; and, in CloudFront's logging
//! region (`us-east-1` in the `aws` partition, the home region elsewhere),
//! CloudWatch Logs `DescribeDeliverySources` and `DescribeDeliveries`, every
//! page, read once for every distribution.

use std::collections::HashMap;

use aws_sdk_cloudfront::types::{
    CacheBehavior as SdkCacheBehavior, DefaultCacheBehavior, DistributionSummary, LoggingConfig,
    Origin as SdkOrigin, ViewerCertificate as SdkViewerCertificate,
};
use aws_sdk_cloudwatchlogs::types::{Delivery, DeliverySource};
use cloudarq_model::inventory::cloudfront::{
    CacheBehavior, Distribution, LogDelivery, Origin, StandardLogging, ViewerCertificate,
};
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource, Service, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::ts;

/// Distributions per `ListDistributions` page (CloudFront's default and
/// maximum).
const PAGE_SIZE: i32 = 100;

/// The CloudWatch Logs service name of CloudFront's delivery sources.
const DELIVERY_SERVICE: &str = "cloudfront";

/// The region where CloudFront's vended logs are configured in the `aws`
/// partition.
const LOGGING_REGION: &str = "us-east-1";

/// Collects every distribution of the account.
pub(crate) async fn collect(ctx: &AwsContext) -> Vec<Resource> {
    let client = ctx.cloudfront();
    let stream = client
        .list_distributions()
        .max_items(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx
        .paginate(Action::CloudFrontListDistributions, None, stream)
        .await
        .pages;
    let listed: Vec<&DistributionSummary> = pages
        .iter()
        .filter_map(|p| p.distribution_list())
        .flat_map(|l| l.items())
        .collect();
    if listed.is_empty() {
        return Vec::new();
    }
    let deliveries = deliveries(ctx).await;
    let client = &client;
    let deliveries = &deliveries;
    futures::stream::iter(listed)
        .map(|d| async move {
            let arn = distribution_arn(ctx, d)?;
            let config = ctx
                .call(
                    Action::CloudFrontGetDistributionConfig,
                    None,
                    client.get_distribution_config().id(d.id()).send(),
                )
                .await
                .and_then(|out| {
                    out.distribution_config()
                        .map(|c| c.logging().map(standard_logging).unwrap_or_default())
                        .ok_or_else(no_config)
                });
            let standard_logging = ctx.settle(
                Action::CloudFrontGetDistributionConfig,
                None,
                Some(&arn),
                config,
            );
            let mut props = described(d);
            props.standard_logging = standard_logging;
            props.log_deliveries = match deliveries {
                Collected::Value(by_arn) => {
                    Collected::Value(by_arn.get(arn.as_str()).cloned().unwrap_or_default())
                }
                Collected::NotCollected => Collected::NotCollected,
            };
            Some(Resource {
                arn,
                region: None,
                name: d.id().to_owned(),
                tags: Tags::new(),
                properties: Properties::CloudFrontDistribution(Box::new(props)),
            })
        })
        .buffer_unordered(ctx.concurrency())
        .filter_map(std::future::ready)
        .collect()
        .await
}

/// The distribution's ARN as CloudFront returned it, else built from its id.
fn distribution_arn(ctx: &AwsContext, d: &DistributionSummary) -> Option<Arn> {
    let arn = d.arn().parse::<Arn>().ok().or_else(|| {
        ctx.arn(
            Service::CloudFront.arn_namespace(),
            None,
            &["distribution/", d.id()].concat(),
        )
    });
    if arn.is_none() {
        tracing::warn!("cloudfront distribution without a usable ARN or id; skipped");
    }
    arn
}

/// CloudFront's vended log deliveries, by distribution ARN: not collected
/// when either listing failed (its gap says why).
async fn deliveries(ctx: &AwsContext) -> Collected<HashMap<String, Vec<LogDelivery>>> {
    let region = if ctx.partition().as_str() == "aws" {
        LOGGING_REGION
            .parse::<Region>()
            .unwrap_or_else(|_| ctx.home_region().clone())
    } else {
        ctx.home_region().clone()
    };
    let logs = ctx.logs(&region);
    let at = Some(&region);
    let sources = ctx
        .paginate(
            Action::LogsDescribeDeliverySources,
            at,
            logs.describe_delivery_sources().into_paginator().send(),
        )
        .await
        .complete(|p| p.delivery_sources().to_vec());
    let Collected::Value(sources) = sources else {
        return Collected::NotCollected;
    };
    let sources: Vec<&DeliverySource> = sources
        .iter()
        .filter(|s| s.service() == Some(DELIVERY_SERVICE))
        .collect();
    if sources.is_empty() {
        // No CloudFront source: no delivery can carry its logs.
        return Collected::Value(HashMap::new());
    }
    let all = ctx
        .paginate(
            Action::LogsDescribeDeliveries,
            at,
            logs.describe_deliveries().into_paginator().send(),
        )
        .await
        .complete(|p| p.deliveries().to_vec());
    let Collected::Value(all) = all else {
        return Collected::NotCollected;
    };
    Collected::Value(by_distribution(&sources, &all))
}

/// Joins deliveries to their sources, keyed by each source's resource ARNs.
fn by_distribution(
    sources: &[&DeliverySource],
    deliveries: &[Delivery],
) -> HashMap<String, Vec<LogDelivery>> {
    let mut out: HashMap<String, Vec<LogDelivery>> = HashMap::new();
    for d in deliveries {
        let (Some(id), Some(source_name)) = (d.id(), d.delivery_source_name()) else {
            continue;
        };
        let Some(source) = sources.iter().find(|s| s.name() == Some(source_name)) else {
            continue;
        };
        for resource in source.resource_arns() {
            out.entry(resource.clone()).or_default().push(LogDelivery {
                delivery_id: id.to_owned(),
                delivery_source: source_name.to_owned(),
                log_type: source.log_type().unwrap_or_default().to_owned(),
                destination_arn: d.delivery_destination_arn().map(str::to_owned),
            });
        }
    }
    out
}

/// The fields `ListDistributions` gives; logging starts not collected.
fn described(d: &DistributionSummary) -> Distribution {
    Distribution {
        distribution_id: d.id().to_owned(),
        domain_name: d.domain_name().to_owned(),
        status: d.status().to_owned(),
        enabled: d.enabled(),
        aliases: d.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        web_acl_id: Some(d.web_acl_id())
            .filter(|w| !w.is_empty())
            .map(str::to_owned),
        default_cache_behavior: d
            .default_cache_behavior()
            .map(default_behavior)
            .unwrap_or_default(),
        cache_behaviors: d
            .cache_behaviors()
            .map(|b| b.items().iter().map(behavior).collect())
            .unwrap_or_default(),
        origins: d
            .origins()
            .map(|o| o.items().iter().map(origin).collect())
            .unwrap_or_default(),
        viewer_certificate: d
            .viewer_certificate()
            .map(viewer_certificate)
            .unwrap_or_default(),
        last_modified: ts(d.last_modified_time()),
        standard_logging: Collected::NotCollected,
        log_deliveries: Collected::NotCollected,
    }
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

fn default_behavior(b: &DefaultCacheBehavior) -> CacheBehavior {
    CacheBehavior {
        path_pattern: None,
        target_origin_id: b.target_origin_id().to_owned(),
        viewer_protocol_policy: b.viewer_protocol_policy().as_str().to_owned(),
        realtime_log_config_arn: non_empty(b.realtime_log_config_arn()),
        field_level_encryption_id: non_empty(b.field_level_encryption_id()),
    }
}

fn behavior(b: &SdkCacheBehavior) -> CacheBehavior {
    CacheBehavior {
        path_pattern: Some(b.path_pattern().to_owned()),
        target_origin_id: b.target_origin_id().to_owned(),
        viewer_protocol_policy: b.viewer_protocol_policy().as_str().to_owned(),
        realtime_log_config_arn: non_empty(b.realtime_log_config_arn()),
        field_level_encryption_id: non_empty(b.field_level_encryption_id()),
    }
}

fn origin(o: &SdkOrigin) -> Origin {
    let custom = o.custom_origin_config();
    Origin {
        id: o.id().to_owned(),
        domain_name: o.domain_name().to_owned(),
        origin_access_control_id: non_empty(o.origin_access_control_id()),
        s3_origin_access_identity: non_empty(
            o.s3_origin_config().map(|s| s.origin_access_identity()),
        ),
        origin_protocol_policy: custom.map(|c| c.origin_protocol_policy().as_str().to_owned()),
        origin_ssl_protocols: custom
            .and_then(|c| c.origin_ssl_protocols())
            .map(|p| p.items().iter().map(|v| v.as_str().to_owned()).collect())
            .unwrap_or_default(),
    }
}

fn viewer_certificate(v: &SdkViewerCertificate) -> ViewerCertificate {
    ViewerCertificate {
        cloudfront_default_certificate: v.cloud_front_default_certificate().unwrap_or(false),
        minimum_protocol_version: v.minimum_protocol_version().map(|m| m.as_str().to_owned()),
        ssl_support_method: v.ssl_support_method().map(|m| m.as_str().to_owned()),
    }
}

fn standard_logging(l: &LoggingConfig) -> StandardLogging {
    StandardLogging {
        enabled: l.enabled(),
        bucket: non_empty(Some(l.bucket())),
        prefix: non_empty(Some(l.prefix())),
        include_cookies: l.include_cookies(),
    }
}

/// The error of a `GetDistributionConfig` answer without a configuration.
fn no_config() -> CallError {
    CallError {
        kind: GapKind::Other,
        code: None,
        message: "the distribution configuration is missing".to_owned(),
    }
}
