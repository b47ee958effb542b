//! The AWS Config collector against moto: a recorder of every resource type
//! and a partial, stopped one, swapped between two regions so every field
//! is seen both ways in both; a failing recorder (canned: moto cannot fail
//! one); and denied calls as gaps, never a FAIL.

use aws_sdk_config::Client as Config;
use aws_sdk_config::types::{
    ConfigSnapshotDeliveryProperties, ConfigurationRecorder, DeliveryChannel,
    MaximumExecutionFrequency, RecordingGroup, RecordingStrategy, RecordingStrategyType,
    ResourceType as ConfigType,
};
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::config::ConfigRegionSettings;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "config_recorder_all_regions_enabled";
const ROLE: &str =
    "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";

fn settings_arn(r: &str) -> Arn {
    format!("arn:aws:config:{r}:{ACCOUNT}:account")
        .parse()
        .expect("test ARN")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Config]).await
}

fn settings<'s>(snap: &'s Snapshot, r: &str) -> &'s ConfigRegionSettings {
    let res = snap
        .resources
        .get(&settings_arn(r))
        .unwrap_or_else(|| panic!("config settings of {r} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    assert_eq!(res.name, ACCOUNT);
    match &res.properties {
        Properties::ConfigRegionSettings(s) => s,
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str) -> Option<Status> {
    let arn = settings_arn(r);
    rule_status(snap, RULE, &arn)
}

/// One recorder, named `name`, that records everything (and the global IAM
/// types) when `all`, else only S3 buckets, with a delivery channel (moto
/// wants the recorder first and the channel before a start); started or
/// stopped.
async fn set_recorder(config: &Config, r: &str, name: &str, all: bool, recording: bool) {
    let group = if all {
        RecordingGroup::builder()
            .all_supported(true)
            .include_global_resource_types(true)
            .recording_strategy(
                RecordingStrategy::builder()
                    .use_only(RecordingStrategyType::AllSupportedResourceTypes)
                    .build(),
            )
            .build()
    } else {
        RecordingGroup::builder()
            .all_supported(false)
            .include_global_resource_types(false)
            .resource_types(ConfigType::Bucket)
            .recording_strategy(
                RecordingStrategy::builder()
                    .use_only(RecordingStrategyType::InclusionByResourceTypes)
                    .build(),
            )
            .build()
    };
    config
        .put_configuration_recorder()
        .configuration_recorder(
            ConfigurationRecorder::builder()
                .name(name)
                .role_arn(ROLE)
                .recording_group(group)
                .build(),
        )
        .send()
        .await
        .expect("put recorder");
    put_channel(config, r).await;
    if recording {
        config
            .start_configuration_recorder()
            .configuration_recorder_name(name)
            .send()
            .await
            .expect("start recorder");
    } else {
        config
            .stop_configuration_recorder()
            .configuration_recorder_name(name)
            .send()
            .await
            .expect("stop recorder");
    }
}

async fn put_channel(config: &Config, r: &str) {
    config
        .put_delivery_channel()
        .delivery_channel(
            DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name(format!("config-{r}"))
                .s3_key_prefix("config")
                .sns_topic_arn(format!("arn:aws:sns:{r}:{ACCOUNT}:config"))
                .config_snapshot_delivery_properties(
                    ConfigSnapshotDeliveryProperties::builder()
                        .delivery_frequency(MaximumExecutionFrequency::TwentyFourHours)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("put delivery channel");
}

/// Asserts what the scan saw of a region set up by `set_recorder(.., all,
/// recording)`.
fn assert_region(snap: &Snapshot, r: &str, name: &str, all: bool, recording: bool) {
    let s = settings(snap, r);
    let Collected::Value(recorders) = &s.recorders else {
        panic!("{r}: recorders not collected");
    };
    assert_eq!(recorders.len(), 1, "{r}: {recorders:?}");
    let rec = &recorders[0];
    assert_eq!(rec.name, name);
    assert_eq!(rec.role_arn.as_deref(), Some(ROLE));
    assert_eq!(rec.all_supported, all, "{r}");
    assert_eq!(rec.include_global_resource_types, all, "{r}");
    assert_eq!(rec.service_principal, None);
    if all {
        assert_eq!(
            rec.recording_strategy.as_deref(),
            Some("ALL_SUPPORTED_RESOURCE_TYPES")
        );
        assert!(rec.resource_types.is_empty());
    } else {
        assert_eq!(
            rec.recording_strategy.as_deref(),
            Some("INCLUSION_BY_RESOURCE_TYPES")
        );
        assert_eq!(rec.resource_types, ["AWS::S3::Bucket"]);
    }
    assert!(rec.excluded_resource_types.is_empty());
    assert_eq!(rec.records_all_resource_types(), all);
    let Collected::Value(Some(st)) = &rec.status else {
        panic!("{r}: status {:?}", rec.status);
    };
    assert_eq!(st.recording, recording, "{r}");
    assert!(st.last_start_time.is_some(), "{r}: started once");
    if !recording {
        assert!(st.last_stop_time.is_some(), "{r}: stopped");
    }
    assert!(!st.failed());
    let Collected::Value(channels) = &s.delivery_channels else {
        panic!("{r}: channels not collected");
    };
    assert_eq!(channels.len(), 1);
    let c = &channels[0];
    assert_eq!(c.name, "default");
    assert_eq!(c.s3_bucket_name, Some(format!("config-{r}")));
    assert_eq!(c.s3_key_prefix.as_deref(), Some("config"));
    assert_eq!(
        c.sns_topic_arn,
        Some(format!("arn:aws:sns:{r}:{ACCOUNT}:config"))
    );
    assert_eq!(
        c.snapshot_delivery_frequency.as_deref(),
        Some("TwentyFour_Hours")
    );
}

#[tokio::test]
async fn config_collects_every_field_both_ways_in_both_regions() {
    let env = Env::start().await;
    let (c1, c2) = (env.config(R1).await, env.config(R2).await);
    // R1 records everything; R2 records S3 buckets only, and is stopped
    // (started once first, so the stop has something to stop).
    set_recorder(&c1, R1, "everything", true, true).await;
    set_recorder(&c2, R2, "buckets", false, true).await;
    set_recorder(&c2, R2, "buckets", false, false).await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::ConfigRegionSettings).count(), 2);
    assert_region(&snap, R1, "everything", true, true);
    assert_region(&snap, R2, "buckets", false, false);
    assert_eq!(status(&snap, R1), Some(Status::Pass));
    assert_eq!(status(&snap, R2), Some(Status::Fail));

    // Swapped: R1 keeps its recorder but stops it and narrows it; R2 records
    // everything again and is started.
    set_recorder(&c1, R1, "everything", false, false).await;
    set_recorder(&c2, R2, "buckets", true, true).await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_region(&snap, R1, "everything", false, false);
    assert_region(&snap, R2, "buckets", true, true);
    assert_eq!(status(&snap, R1), Some(Status::Fail));
    assert_eq!(status(&snap, R2), Some(Status::Pass));

    // One call of each per region and scan.
    let seen = env.proxy.seen();
    for op in [
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeDeliveryChannels",
    ] {
        let n = seen
            .iter()
            .filter(|s| s.operation == op && s.method == "POST")
            .count();
        assert_eq!(n, 4, "{op}");
    }
}

/// A region without any recorder or channel: empty lists, a FAIL.
#[tokio::test]
async fn config_absent_everywhere_is_empty_lists_and_fails() {
    let env = Env::start().await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for r in [R1, R2] {
        let s = settings(&snap, r);
        assert_eq!(s.recorders, Collected::Value(Vec::new()));
        assert_eq!(s.delivery_channels, Collected::Value(Vec::new()));
        assert_eq!(status(&snap, r), Some(Status::Fail));
    }
}

/// What `DescribeConfigurationRecorderStatus` answers for a recorder whose
/// deliveries fail (moto never fails one).
const FAILING: &str = r#"{"ConfigurationRecordersStatus":[{"name":"everything","recording":true,"lastStatus":"Failure","lastErrorCode":"NoSuchBucketException","lastErrorMessage":"The specified bucket does not exist.","lastStartTime":1.7800416E9,"lastStatusChangeTime":1.7800417E9}]}"#;

/// A recording recorder whose last status is `Failure` fails the rule; the
/// other region's healthy one passes.
#[tokio::test]
async fn config_failing_recorder_fails() {
    let env = Env::start().await;
    for r in [R1, R2] {
        let c = env.config(r).await;
        set_recorder(&c, r, "everything", true, true).await;
    }
    env.proxy.fault(
        "config:DescribeConfigurationRecorderStatus",
        Fault::RespondPerRegion {
            bodies: &[(R1, FAILING)],
        },
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    let Collected::Value(recorders) = &settings(&snap, R1).recorders else {
        panic!("recorders not collected");
    };
    let Collected::Value(Some(st)) = &recorders[0].status else {
        panic!("status {:?}", recorders[0].status);
    };
    assert!(st.recording && st.failed());
    assert_eq!(st.last_error_code.as_deref(), Some("NoSuchBucketException"));
    assert_eq!(status(&snap, R1), Some(Status::Fail));
    assert_eq!(status(&snap, R2), Some(Status::Pass));
}

/// A denied status or recorder listing is a gap per region naming the
/// region's settings, and the rule gives no PASS or FAIL there.
#[tokio::test]
async fn config_denied_calls_are_gaps_never_fails() {
    let env = Env::start().await;
    for r in [R1, R2] {
        let c = env.config(r).await;
        set_recorder(&c, r, "everything", true, true).await;
    }
    let denied = Fault::Error {
        code: "AccessDeniedException",
        status: 400,
    };
    for (op, field) in [
        ("config:DescribeConfigurationRecorderStatus", "status"),
        ("config:DescribeConfigurationRecorders", "recorders"),
        ("config:DescribeDeliveryChannels", "channels"),
    ] {
        env.proxy.fault(op, denied.clone());
        let snap = scan(&env).await;
        env.proxy.clear_fault(op);
        assert_eq!(snap.gaps.len(), 2, "{op}: {:#?}", snap.gaps);
        for r in [R1, R2] {
            let g = snap
                .gaps
                .iter()
                .find(|g| g.region.as_ref().map(|x| x.as_str()) == Some(r))
                .expect("a gap per region");
            assert_eq!(g.service, Service::Config);
            assert_eq!(g.action, op);
            assert_eq!(g.kind, GapKind::AccessDenied);
            assert_eq!(g.error_code.as_deref(), Some("AccessDeniedException"));
            assert_eq!(g.resource.as_ref(), Some(&settings_arn(r)));
            let s = settings(&snap, r);
            match field {
                "status" => {
                    let Collected::Value(recorders) = &s.recorders else {
                        panic!("recorders not collected");
                    };
                    assert_eq!(recorders[0].status, Collected::NotCollected);
                    assert!(recorders[0].all_supported);
                }
                "recorders" => assert_eq!(s.recorders, Collected::NotCollected),
                _ => assert_eq!(s.delivery_channels, Collected::NotCollected),
            }
        }
        let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
        let findings: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.rule_id == RULE)
            .collect();
        if field == "channels" {
            // Channels are evidence only: the recorders still decide.
            assert_eq!(findings.len(), 2, "{op}");
            assert!(findings.iter().all(|f| f.status == Status::Pass));
        } else {
            assert!(findings.is_empty(), "{op}: judged what it could not read");
            let gaps = result
                .evaluation_gaps
                .iter()
                .filter(|g| g.rule_id == RULE)
                .count();
            assert_eq!(gaps, 2, "{op}: one evaluation gap per region");
        }
    }
}
