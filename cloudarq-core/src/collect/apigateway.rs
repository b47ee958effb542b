//! API Gateway collector: one `AWS::ApiGateway::Account` per region (the
//! CloudWatch logging role) and every stage of the region's REST APIs.
//!
//! Calls per region: `GetAccount`, `GetRestApis` per page of 500, then
//! `GetStages` per REST API (one answer holds every stage). Every one is
//! authorized by `apigateway:GET`.

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{MethodSetting as SdkMethodSetting, RestApi, Stage as SdkStage};
use cloudarq_model::inventory::apigateway::{ApiGatewayAccount, MethodSetting, Stage};
use cloudarq_model::{Arn, Properties, Region, Resource, Service, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext};
use crate::collect::util::ts_opt;

/// REST APIs per `GetRestApis` page (the most API Gateway allows).
const PAGE_SIZE: i32 = 500;

/// Collects one region's API Gateway account settings and REST API stages.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.apigateway(region);
    let mut out = Vec::new();
    out.extend(account(ctx, &client, region).await);
    let stream = client
        .get_rest_apis()
        .limit(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx
        .paginate(Action::ApiGatewayGetRestApis, Some(region), stream)
        .await
        .pages;
    let apis: Vec<&RestApi> = pages.iter().flat_map(|p| p.items()).collect();
    let client = &client;
    let stages: Vec<Vec<Resource>> = futures::stream::iter(apis)
        .map(|api| stages_of(ctx, client, region, api))
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await;
    out.extend(stages.into_iter().flatten());
    out
}

/// The region's account settings: always one resource.
async fn account(ctx: &AwsContext, client: &Client, region: &Region) -> Option<Resource> {
    let Ok(arn) = Arn::account_setting(
        ctx.partition(),
        Service::ApiGateway.arn_namespace(),
        Some(region),
        ctx.account_id(),
    ) else {
        tracing::warn!(
            region = region.as_str(),
            "no API Gateway account ARN; skipped"
        );
        return None;
    };
    let cloudwatch_role_arn = ctx
        .read(
            Action::ApiGatewayGetAccount,
            Some(region),
            Some(&arn),
            client.get_account().send(),
        )
        .await
        .map(|a| {
            a.cloudwatch_role_arn()
                .filter(|r| !r.trim().is_empty())
                .map(str::to_owned)
        });
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Tags::new(),
        properties: Properties::ApiGatewayAccount(Box::new(ApiGatewayAccount {
            cloudwatch_role_arn,
        })),
    })
}

/// Every stage of one REST API; none (with a gap) when `GetStages` failed.
async fn stages_of(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    api: &RestApi,
) -> Vec<Resource> {
    let Some(api_id) = api.id().filter(|i| !i.is_empty()) else {
        return Vec::new();
    };
    let answer = ctx
        .call(
            Action::ApiGatewayGetStages,
            Some(region),
            client.get_stages().rest_api_id(api_id).send(),
        )
        .await;
    let answer = match answer {
        Ok(a) => a,
        Err(err) => {
            let api_arn = path_arn(ctx, region, &["/restapis/", api_id].concat());
            let _: cloudarq_model::Collected<()> = ctx.settle(
                Action::ApiGatewayGetStages,
                Some(region),
                api_arn.as_ref(),
                Err(err),
            );
            return Vec::new();
        }
    };
    let api_name = api.name().unwrap_or(api_id);
    answer
        .item()
        .iter()
        .filter_map(|s| stage(ctx, region, api_id, api_name, s))
        .collect()
}

/// One stage as a resource; `None` when its name cannot be part of an ARN.
fn stage(
    ctx: &AwsContext,
    region: &Region,
    api_id: &str,
    api_name: &str,
    s: &SdkStage,
) -> Option<Resource> {
    let name = s.stage_name().filter(|n| !n.is_empty())?;
    let Some(arn) = path_arn(
        ctx,
        region,
        &["/restapis/", api_id, "/stages/", name].concat(),
    ) else {
        tracing::warn!(
            region = region.as_str(),
            "API Gateway stage without a usable name; skipped"
        );
        return None;
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: [api_name, "/", name].concat(),
        tags: s
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        properties: Properties::ApiGatewayStage(Box::new(described(api_id, api_name, name, s))),
    })
}

/// The ARN of an API Gateway path in `region`
/// (`arn:aws:apigateway:<region>::<path>`: no account).
fn path_arn(ctx: &AwsContext, region: &Region, path: &str) -> Option<Arn> {
    Arn::build(
        ctx.partition(),
        Service::ApiGateway.arn_namespace(),
        Some(region),
        None,
        path,
    )
    .ok()
}

fn described(api_id: &str, api_name: &str, name: &str, s: &SdkStage) -> Stage {
    Stage {
        rest_api_id: api_id.to_owned(),
        rest_api_name: api_name.to_owned(),
        stage_name: name.to_owned(),
        deployment_id: s.deployment_id().map(str::to_owned),
        created: ts_opt(s.created_date()),
        last_updated: ts_opt(s.last_updated_date()),
        access_log_destination: s
            .access_log_settings()
            .and_then(|a| a.destination_arn())
            .filter(|d| !d.trim().is_empty())
            .map(str::to_owned),
        method_settings: s
            .method_settings()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), method_setting(v)))
                    .collect()
            })
            .unwrap_or_default(),
        tracing_enabled: s.tracing_enabled(),
        cache_cluster_enabled: s.cache_cluster_enabled(),
        client_certificate_id: s
            .client_certificate_id()
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        web_acl_arn: s.web_acl_arn().filter(|w| !w.is_empty()).map(str::to_owned),
    }
}

fn method_setting(m: &SdkMethodSetting) -> MethodSetting {
    MethodSetting {
        logging_level: m.logging_level().map(str::to_owned),
        data_trace_enabled: m.data_trace_enabled(),
        metrics_enabled: m.metrics_enabled(),
        caching_enabled: m.caching_enabled(),
        cache_data_encrypted: m.cache_data_encrypted(),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_apigateway::types::AccessLogSettings;

    use super::*;

    #[test]
    fn stages_keep_logging_tracing_and_overrides() {
        let s = SdkStage::builder()
            .stage_name("prod")
            .deployment_id("d1")
            .access_log_settings(
                AccessLogSettings::builder()
                    .destination_arn("arn:aws:logs:eu-west-1:123456789012:log-group:api")
                    .format("$context.requestId")
                    .build(),
            )
            .method_settings(
                "*/*",
                SdkMethodSetting::builder()
                    .logging_level("INFO")
                    .metrics_enabled(true)
                    .build(),
            )
            .method_settings(
                "orders/GET",
                SdkMethodSetting::builder().logging_level("OFF").build(),
            )
            .tracing_enabled(true)
            .web_acl_arn("")
            .build();
        let d = described("a1", "orders", "prod", &s);
        assert_eq!(
            d.access_log_destination.as_deref(),
            Some("arn:aws:logs:eu-west-1:123456789012:log-group:api")
        );
        assert_eq!(
            d.method_settings["*/*"].logging_level.as_deref(),
            Some("INFO")
        );
        assert!(d.method_settings["*/*"].metrics_enabled);
        assert_eq!(
            d.method_settings["orders/GET"].logging_level.as_deref(),
            Some("OFF")
        );
        assert!(d.tracing_enabled && !d.cache_cluster_enabled);
        assert_eq!(d.web_acl_arn, None);
        // A blank destination is no access logging.
        let blank = SdkStage::builder()
            .stage_name("dev")
            .access_log_settings(AccessLogSettings::builder().destination_arn(" ").build())
            .build();
        let d = described("a1", "orders", "dev", &blank);
        assert!(d.access_log_destination.is_none() && d.method_settings.is_empty());
    }
}
