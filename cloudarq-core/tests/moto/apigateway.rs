//! The API Gateway collector against moto, in both test regions: stages
//! with execution logging at INFO, with nothing, with access logs to
//! CloudWatch Logs and to Firehose, in a region with the CloudWatch role
//! and one without; then each call denied, a gap and *not collected* (or
//! the stages left out), never a FAIL.

use aws_sdk_apigateway::types::{IntegrationType, Op, PatchOperation};
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::apigateway::{ApiGatewayAccount, Stage};
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "apigateway_restapi_logging_enabled";

const ROLE: &str = "arn:aws:iam::123456789012:role/apigateway-cloudwatch";

pub fn patch(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path(path)
        .value(value)
        .build()
}

/// A REST API with one mock method, deployed to `stages` (the first by
/// `CreateDeployment`, the rest by `CreateStage`, tagged).
pub async fn api(env: &Env, r: &str, name: &str, stages: &[&str]) -> String {
    let gw = env.apigateway(r).await;
    let id = gw
        .create_rest_api()
        .name(name)
        .send()
        .await
        .expect("rest api")
        .id()
        .expect("api id")
        .to_owned();
    let root = gw
        .get_resources()
        .rest_api_id(&id)
        .send()
        .await
        .expect("resources")
        .items()[0]
        .id()
        .expect("root id")
        .to_owned();
    gw.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .expect("method");
    gw.put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .send()
        .await
        .expect("integration");
    let deployment = gw
        .create_deployment()
        .rest_api_id(&id)
        .stage_name(stages[0])
        .send()
        .await
        .expect("deployment")
        .id()
        .expect("deployment id")
        .to_owned();
    for s in &stages[1..] {
        gw.create_stage()
            .rest_api_id(&id)
            .stage_name(*s)
            .deployment_id(&deployment)
            .tags("team", "payments")
            .send()
            .await
            .expect("stage");
    }
    id
}

pub async fn update(env: &Env, r: &str, api: &str, stage: &str, op: PatchOperation) {
    env.apigateway(r)
        .await
        .update_stage()
        .rest_api_id(api)
        .stage_name(stage)
        .patch_operations(op)
        .send()
        .await
        .expect("update stage");
}

/// R1: `orders` with `prod` at INFO and `dev` unlogged, and the CloudWatch
/// role set. R2: `billing` with `prod` logging to CloudWatch Logs and
/// `stream` to Firehose, and no role.
async fn seeded() -> (Env, String, String) {
    let env = Env::start().await;
    let orders = api(&env, R1, "orders", &["prod", "dev"]).await;
    update(
        &env,
        R1,
        &orders,
        "prod",
        patch("/*/*/logging/loglevel", "INFO"),
    )
    .await;
    env.apigateway(R1)
        .await
        .update_account()
        .patch_operations(patch("/cloudwatchRoleArn", ROLE))
        .send()
        .await
        .expect("account");
    let billing = api(&env, R2, "billing", &["prod", "stream"]).await;
    update(
        &env,
        R2,
        &billing,
        "prod",
        patch(
            "/accessLogSettings/destinationArn",
            &format!("arn:aws:logs:{R2}:{ACCOUNT}:log-group:billing-access"),
        ),
    )
    .await;
    update(
        &env,
        R2,
        &billing,
        "stream",
        patch(
            "/accessLogSettings/destinationArn",
            &format!("arn:aws:firehose:{R2}:{ACCOUNT}:deliverystream/amazon-apigateway-billing"),
        ),
    )
    .await;
    (env, orders, billing)
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::ApiGateway]).await
}

fn stage_arn(r: &str, api: &str, stage: &str) -> Arn {
    format!("arn:aws:apigateway:{r}::/restapis/{api}/stages/{stage}")
        .parse()
        .expect("stage ARN")
}

fn stage<'s>(snap: &'s Snapshot, r: &str, api: &str, name: &str) -> &'s Stage {
    let res = snap
        .resources
        .get(&stage_arn(r, api, name))
        .unwrap_or_else(|| panic!("{r} {api} {name} collected"));
    match &res.properties {
        Properties::ApiGatewayStage(s) => s,
        other => panic!("{:?}", other.resource_type()),
    }
}

fn account<'s>(snap: &'s Snapshot, r: &str) -> &'s ApiGatewayAccount {
    let arn: Arn = format!("arn:aws:apigateway:{r}:{ACCOUNT}:account")
        .parse()
        .expect("account ARN");
    match &snap
        .resources
        .get(&arn)
        .expect("account settings")
        .properties
    {
        Properties::ApiGatewayAccount(a) => a,
        other => panic!("{:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str, api: &str, name: &str) -> Option<Status> {
    rule_status(snap, RULE, &stage_arn(r, api, name))
}

#[tokio::test]
async fn apigateway_collects_stages_and_the_logging_role_in_both_regions() {
    let (env, orders, billing) = seeded().await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::ApiGatewayStage).count(), 4);
    assert_eq!(snap.of_type(ResourceType::ApiGatewayAccount).count(), 2);

    assert_eq!(
        account(&snap, R1).cloudwatch_role_arn,
        Collected::Value(Some(ROLE.to_owned()))
    );
    assert_eq!(
        account(&snap, R2).cloudwatch_role_arn,
        Collected::Value(None)
    );

    let prod = stage(&snap, R1, &orders, "prod");
    assert_eq!(prod.rest_api_name, "orders");
    assert_eq!(prod.stage_name, "prod");
    assert!(prod.deployment_id.is_some());
    assert_eq!(
        prod.method_settings
            .get("*/*")
            .and_then(|m| m.logging_level.as_deref()),
        Some("INFO")
    );
    assert!(prod.access_log_destination.is_none());
    let dev = stage(&snap, R1, &orders, "dev");
    assert!(dev.method_settings.is_empty() || dev.method_settings["*/*"].logging_level.is_none());
    let dev_res = snap
        .resources
        .get(&stage_arn(R1, &orders, "dev"))
        .expect("dev stage");
    assert_eq!(dev_res.name, "orders/dev");
    assert_eq!(
        dev_res.tags.get("team").map(String::as_str),
        Some("payments")
    );
    let to_logs = stage(&snap, R2, &billing, "prod");
    assert_eq!(
        to_logs.access_log_destination.as_deref(),
        Some(format!("arn:aws:logs:{R2}:{ACCOUNT}:log-group:billing-access").as_str())
    );

    assert_eq!(status(&snap, R1, &orders, "prod"), Some(Status::Pass));
    assert_eq!(status(&snap, R1, &orders, "dev"), Some(Status::Fail));
    // Access logs to CloudWatch Logs without the region's role write nothing.
    assert_eq!(status(&snap, R2, &billing, "prod"), Some(Status::Fail));
    assert_eq!(status(&snap, R2, &billing, "stream"), Some(Status::Pass));

    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|s| s.operation == op).count();
    assert_eq!(count("apigateway:GetAccount"), 2);
    assert_eq!(count("apigateway:GetRestApis"), 2);
    assert_eq!(count("apigateway:GetStages"), 2, "one per REST API");
}

#[tokio::test]
async fn apigateway_denied_calls_are_gaps_never_fails() {
    let (env, orders, billing) = seeded().await;
    let denied = Fault::Error {
        code: "AccessDeniedException",
        status: 403,
    };
    let gap_in = |snap: &Snapshot, r: &str, resource: Option<String>| {
        snap.gaps.iter().any(|g| {
            g.service == Service::ApiGateway
                && g.action == "apigateway:GET"
                && g.kind == GapKind::AccessDenied
                && g.region.as_ref().map(|x| x.as_str()) == Some(r)
                && g.resource.as_ref().map(|a| a.to_string()) == resource
        })
    };

    env.proxy.fault("apigateway:GetAccount", denied.clone());
    let snap = scan(&env).await;
    for r in [R1, R2] {
        assert_eq!(
            account(&snap, r).cloudwatch_role_arn,
            Collected::NotCollected
        );
        assert!(
            gap_in(
                &snap,
                r,
                Some(format!("arn:aws:apigateway:{r}:{ACCOUNT}:account"))
            ),
            "{:#?}",
            snap.gaps
        );
    }
    assert!(rule_not_collected(
        &snap,
        RULE,
        &stage_arn(R1, &orders, "prod")
    ));
    assert!(rule_not_collected(
        &snap,
        RULE,
        &stage_arn(R2, &billing, "prod")
    ));
    // Firehose needs no role; nothing configured fails whatever the role.
    assert_eq!(status(&snap, R2, &billing, "stream"), Some(Status::Pass));
    assert_eq!(status(&snap, R1, &orders, "dev"), Some(Status::Fail));

    env.proxy.clear_fault("apigateway:GetAccount");
    env.proxy.fault("apigateway:GetStages", denied.clone());
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::ApiGatewayStage).count(), 0);
    assert!(gap_in(
        &snap,
        R1,
        Some(format!("arn:aws:apigateway:{R1}::/restapis/{orders}"))
    ));
    assert!(gap_in(
        &snap,
        R2,
        Some(format!("arn:aws:apigateway:{R2}::/restapis/{billing}"))
    ));

    env.proxy.fault("apigateway:GetRestApis", denied);
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::ApiGatewayStage).count(), 0);
    for r in [R1, R2] {
        assert!(gap_in(&snap, r, None), "{:#?}", snap.gaps);
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(!result.findings.iter().any(|f| f.rule_id == RULE));
}
