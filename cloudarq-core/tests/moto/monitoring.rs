//! The CloudTrail, CloudWatch (Logs and alarms) and SNS collectors against
//! moto, in two regions: every new field both ways, the CIS monitoring chain
//! judged end to end, and each service's denied calls as gaps, never FAILs.
//!
//! eu-west-1 holds the secure side: a multi-region, validated, KMS-encrypted
//! trail delivering to a log group with a root-usage metric filter, an alarm
//! on it notifying a topic. us-east-1 holds the other side: a regional trail
//! that is not logging, without validation or key, a log group with no
//! filter, an alarm with its actions disabled and no SNS action.
//!
//! moto never counts a topic's confirmed subscriptions (it always reports
//! 0), so the proxy answers `GetTopicAttributes` with one, as AWS does for a
//! confirmed e-mail subscription.

use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType};
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::cloudtrail::{EventSelectors, Trail};
use cloudarq_model::inventory::cloudwatch::{Alarm, LogGroup, MetricName};
use cloudarq_model::inventory::sns::Topic;
use cloudarq_model::rule::Status;
use cloudarq_model::{Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;
use crate::loopback::Fault;

const ROOT_PATTERN: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

/// Seeds both regions (see the module docs).
async fn seed(env: &Env) {
    for (r, secure) in [(R1, true), (R2, false)] {
        let conf = env.seed_config(r).await;
        let bucket = format!("trail-logs-{r}");
        env.create_bucket(r, &bucket)
            .await
            .send()
            .await
            .expect("create bucket");
        let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
        let group = format!("trail-logs-{r}");
        logs.create_log_group()
            .log_group_name(&group)
            .send()
            .await
            .expect("log group");
        if secure {
            logs.put_retention_policy()
                .log_group_name(&group)
                .retention_in_days(365)
                .send()
                .await
                .expect("retention");
            logs.put_metric_filter()
                .log_group_name(&group)
                .filter_name("root-usage")
                .filter_pattern(ROOT_PATTERN)
                .metric_transformations(
                    aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                        .metric_name("RootUsage")
                        .metric_namespace("CIS")
                        .metric_value("1")
                        .build()
                        .expect("transformation"),
                )
                .send()
                .await
                .expect("metric filter");
        }
        let sns = aws_sdk_sns::Client::new(&conf);
        let mut create_topic = sns.create_topic().name(format!("alerts-{r}"));
        if secure {
            create_topic = create_topic.attributes("KmsMasterKeyId", "alias/aws/sns");
        }
        let topic = create_topic
            .send()
            .await
            .expect("topic")
            .topic_arn()
            .expect("topic arn")
            .to_owned();
        let cw = aws_sdk_cloudwatch::Client::new(&conf);
        let mut alarm = cw
            .put_metric_alarm()
            .alarm_name(format!("root-usage-{r}"))
            .metric_name("RootUsage")
            .namespace("CIS")
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
            )
            .actions_enabled(secure);
        if secure {
            alarm = alarm.alarm_actions(&topic);
        }
        alarm.send().await.expect("alarm");
        let ct = aws_sdk_cloudtrail::Client::new(&conf);
        let mut trail = ct
            .create_trail()
            .name(format!("trail-{r}"))
            .s3_bucket_name(&bucket)
            .is_multi_region_trail(secure)
            .enable_log_file_validation(secure);
        if secure {
            trail = trail
                .kms_key_id(format!(
                    "arn:aws:kms:{r}:{ACCOUNT}:key/1b2c3d4e-0000-4000-8000-000000000001"
                ))
                .cloud_watch_logs_log_group_arn(format!(
                    "arn:aws:logs:{r}:{ACCOUNT}:log-group:{group}:*"
                ))
                .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/trail-to-logs"));
        }
        trail.send().await.expect("trail");
        if secure {
            ct.start_logging()
                .name(format!("trail-{r}"))
                .send()
                .await
                .expect("start logging");
            ct.put_event_selectors()
                .trail_name(format!("trail-{r}"))
                .event_selectors(
                    EventSelector::builder()
                        .read_write_type(ReadWriteType::All)
                        .include_management_events(true)
                        .data_resources(
                            DataResource::builder()
                                .r#type("AWS::S3::Object")
                                .values("arn:aws:s3")
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .expect("event selectors");
        }
    }
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[
        Service::Cloudtrail,
        Service::Cloudwatch,
        Service::Sns,
        Service::S3,
    ])
    .await
}

fn trail<'a>(snap: &'a Snapshot, r: &str) -> &'a Trail {
    let arn = format!("arn:aws:cloudtrail:{r}:{ACCOUNT}:trail/trail-{r}")
        .parse()
        .expect("arn");
    match &snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| {
            panic!(
                "trail in {r}: {:#?}",
                snap.resources
                    .iter()
                    .map(|x| x.arn.to_string())
                    .collect::<Vec<_>>()
            )
        })
        .properties
    {
        Properties::CloudTrailTrail(t) => t,
        other => panic!("not a trail: {other:?}"),
    }
}

fn group<'a>(snap: &'a Snapshot, r: &str) -> &'a LogGroup {
    let arn = format!("arn:aws:logs:{r}:{ACCOUNT}:log-group:trail-logs-{r}")
        .parse()
        .expect("arn");
    match &snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("log group in {r}"))
        .properties
    {
        Properties::LogsLogGroup(g) => g,
        other => panic!("not a log group: {other:?}"),
    }
}

fn alarm<'a>(snap: &'a Snapshot, r: &str) -> &'a Alarm {
    let arn = format!("arn:aws:cloudwatch:{r}:{ACCOUNT}:alarm:root-usage-{r}")
        .parse()
        .expect("arn");
    match &snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("alarm in {r}"))
        .properties
    {
        Properties::CloudWatchAlarm(a) => a,
        other => panic!("not an alarm: {other:?}"),
    }
}

fn topic<'a>(snap: &'a Snapshot, r: &str) -> &'a Topic {
    let arn = format!("arn:aws:sns:{r}:{ACCOUNT}:alerts-{r}")
        .parse()
        .expect("arn");
    match &snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("topic in {r}"))
        .properties
    {
        Properties::SnsTopic(t) => t,
        other => panic!("not a topic: {other:?}"),
    }
}

fn status_of(result: &cloudarq_model::finding::ScanResult, rule: &str) -> Vec<Status> {
    result
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.status)
        .collect()
}

#[tokio::test]
async fn monitoring_services_are_collected_both_ways_in_two_regions() {
    let env = Env::start().await;
    seed(&env).await;
    env.correct_moto_versioning();
    // FIXME(moto): moto drops a log group's kmsKeyId; answer as AWS does for
    // the eu-west-1 group encrypted with a key of the account.
    env.proxy.rewrite_response(
        "logs:DescribeLogGroups",
        r#""logGroupName": "trail-logs-eu-west-1""#,
        r#""logGroupName": "trail-logs-eu-west-1", "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/1b2c3d4e-0000-4000-8000-000000000002""#,
    );
    env.proxy.rewrite_response(
        "sns:GetTopicAttributes",
        "<key>SubscriptionsConfirmed</key><value>0</value>",
        "<key>SubscriptionsConfirmed</key><value>1</value>",
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);

    // CloudTrail: the multi-region trail once, in its home region.
    assert_eq!(snap.of_type(ResourceType::CloudTrailTrail).count(), 2);
    assert_eq!(snap.of_type(ResourceType::CloudTrailAccount).count(), 1);
    let (t1, t2) = (trail(&snap, R1), trail(&snap, R2));
    assert!(t1.multi_region && !t2.multi_region);
    assert!(t1.log_file_validation && !t2.log_file_validation);
    assert!(t1.kms_key_id.is_some() && t2.kms_key_id.is_none());
    assert!(
        t1.cloudwatch_logs_log_group_arn.is_some() && t2.cloudwatch_logs_log_group_arn.is_none()
    );
    assert_eq!(t1.s3_bucket.as_deref(), Some("trail-logs-eu-west-1"));
    assert_eq!(t1.home_region.as_deref(), Some(R1));
    assert_eq!((t1.logging(), t2.logging()), (Some(true), Some(false)));
    let Collected::Value(EventSelectors::Basic(sel)) = &t1.event_selectors else {
        panic!("basic selectors: {:?}", t1.event_selectors);
    };
    assert_eq!(sel[0].data_resources[0].values, vec!["arn:aws:s3"]);
    assert_eq!(t1.logs_all_management_events(), Some(true));

    // CloudWatch Logs and alarms.
    let (g1, g2) = (group(&snap, R1), group(&snap, R2));
    assert_eq!((g1.retention_days, g2.retention_days), (Some(365), None));
    assert!(
        g1.kms_key_id.is_some() && g2.kms_key_id.is_none(),
        "{:?} {:?}",
        g1.kms_key_id,
        g2.kms_key_id
    );
    let f1 = g1.metric_filters.value().expect("filters read");
    assert_eq!(f1.len(), 1);
    assert_eq!(f1[0].pattern, ROOT_PATTERN);
    assert_eq!(
        f1[0].metrics,
        vec![MetricName {
            namespace: "CIS".into(),
            name: "RootUsage".into()
        }]
    );
    assert_eq!(g2.metric_filters, Collected::Value(Vec::new()));
    let (a1, a2) = (alarm(&snap, R1), alarm(&snap, R2));
    assert!(a1.actions_enabled && !a2.actions_enabled);
    assert_eq!(a1.alarm_actions.len(), 1);
    assert!(a2.alarm_actions.is_empty());
    assert_eq!(
        a1.metric.as_ref().map(|m| m.name.as_str()),
        Some("RootUsage")
    );

    // SNS.
    for r in [R1, R2] {
        let attrs = topic(&snap, r).attributes.value().expect("attributes read");
        assert_eq!(attrs.subscriptions_confirmed, 1, "{r}");
        assert!(
            attrs.policy.is_some(),
            "{r}: moto gives every topic its default policy"
        );
        assert_eq!(attrs.kms_master_key_id.is_some(), r == R1, "{r}");
    }

    // The rules: the secure side passes, the other fails, per trail.
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert_eq!(
        status_of(&result, "cloudtrail_multi_region_enabled"),
        vec![Status::Pass]
    );
    assert_eq!(
        status_of(&result, "cloudwatch_log_metric_filter_root_usage"),
        vec![Status::Pass]
    );
    assert_eq!(
        status_of(&result, "cloudtrail_s3_dataevents_write_enabled"),
        vec![Status::Pass]
    );
    assert_eq!(
        status_of(
            &result,
            "cloudwatch_log_metric_filter_security_group_changes"
        ),
        vec![Status::Fail]
    );
    let mut validation = status_of(&result, "cloudtrail_log_file_validation_enabled");
    validation.sort();
    assert_eq!(validation.len(), 2);
    assert!(validation.contains(&Status::Pass) && validation.contains(&Status::Fail));
}

/// Each service's calls denied: gaps naming the call and region, fields not
/// collected, and the rules that read them give no FAIL.
#[tokio::test]
async fn monitoring_services_denied_are_gaps_never_fails() {
    let env = Env::start().await;
    seed(&env).await;
    let denied = |code: &'static str| Fault::Error { code, status: 400 };
    env.proxy
        .fault("cloudtrail:GetTrailStatus", denied("AccessDeniedException"));
    env.proxy.fault(
        "logs:DescribeMetricFilters",
        denied("AccessDeniedException"),
    );
    env.proxy
        .fault("monitoring:DescribeAlarms", denied("AccessDenied"));
    env.proxy
        .fault("sns:GetTopicAttributes", denied("AuthorizationError"));
    let snap = scan(&env).await;
    for (action, service) in [
        ("cloudtrail:GetTrailStatus", Service::Cloudtrail),
        ("logs:DescribeMetricFilters", Service::Cloudwatch),
        ("cloudwatch:DescribeAlarms", Service::Cloudwatch),
        ("sns:GetTopicAttributes", Service::Sns),
    ] {
        for r in [R1, R2] {
            let g = snap
                .gaps
                .iter()
                .find(|g| g.action == action && g.region.as_ref().map(|x| x.as_str()) == Some(r))
                .unwrap_or_else(|| panic!("{action} in {r}: {:#?}", snap.gaps));
            assert_eq!(g.service, service);
            assert_eq!(g.kind, GapKind::AccessDenied, "{action}");
        }
    }
    assert_eq!(trail(&snap, R1).status, Collected::NotCollected);
    assert_eq!(group(&snap, R1).metric_filters, Collected::NotCollected);
    assert_eq!(snap.of_type(ResourceType::CloudWatchAlarm).count(), 0);
    assert_eq!(topic(&snap, R1).attributes, Collected::NotCollected);
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    for rule in [
        "cloudtrail_multi_region_enabled",
        "cloudwatch_log_metric_filter_root_usage",
        "cloudwatch_changes_to_vpcs_alarm_configured",
    ] {
        assert!(
            status_of(&result, rule).is_empty(),
            "{rule} judged what it could not read"
        );
        assert!(
            result.evaluation_gaps.iter().any(|g| g.rule_id == rule),
            "{rule}"
        );
    }
    // What came with the listing is still judged.
    assert_eq!(
        status_of(&result, "cloudtrail_log_file_validation_enabled").len(),
        2
    );
}

/// A denied trail listing leaves the trails absent and the account-wide
/// rules not collected.
#[tokio::test]
async fn cloudtrail_denied_listing_is_a_gap_per_region() {
    let env = Env::start().await;
    seed(&env).await;
    env.proxy.fault(
        "cloudtrail:DescribeTrails",
        Fault::Error {
            code: "AccessDeniedException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::CloudTrailTrail).count(), 0);
    let trail_gaps = snap
        .gaps
        .iter()
        .filter(|g| g.action == "cloudtrail:DescribeTrails")
        .count();
    assert_eq!(trail_gaps, 2, "{:#?}", snap.gaps);
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(status_of(&result, "cloudtrail_multi_region_enabled").is_empty());
}
