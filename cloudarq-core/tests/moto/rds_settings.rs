//! The RDS collector's later kinds against moto, in both test regions:
//! instance and cluster configurations, the TLS parameters of the parameter
//! groups in use, and the region settings (event subscriptions, CA
//! certificates, engine versions), each field seen both ways in each
//! region; every new call denied is a gap and a *not collected* verdict,
//! never a FAIL.
//!
//! moto lacks `DescribeCertificates`, `DescribeDBEngineVersions` and
//! `EngineLifecycleSupport`: the harness answers the first two as AWS does
//! (`harness.rs`), and this test has the proxy add the third to moto's
//! `DescribeDBInstances` answer.

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::rds::{
    DbClusterConfiguration, DbInstanceConfiguration, DbParameter, DbParameterGroup,
    RdsRegionSettings,
};
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, Service, Snapshot};

use crate::harness::*;

const PASSWORD: &str = "not-a-real-password-1";

fn rds_arn(r: &str, resource: &str) -> Arn {
    format!("arn:aws:rds:{r}:{ACCOUNT}:{resource}")
        .parse()
        .expect("test ARN")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Rds]).await
}

/// One region: a hardened PostgreSQL 16.3 instance (TLS forced, current
/// CA, not in Extended Support), a neglected PostgreSQL 11.22 one (TLS
/// off, expired CA, deprecated, in Extended Support), an Aurora MySQL
/// cluster member whose cluster group requires TLS, an enabled
/// parameter-group subscription and a disabled security-group one.
async fn seed(env: &Env, r: &str) {
    let rds = env.rds(r).await;
    for (group, force) in [("tls-on", "1"), ("tls-off", "0")] {
        rds.create_db_parameter_group()
            .db_parameter_group_name(group)
            .db_parameter_group_family("postgres16")
            .description("tls")
            .send()
            .await
            .expect("create parameter group");
        rds.modify_db_parameter_group()
            .db_parameter_group_name(group)
            .parameters(
                aws_sdk_rds::types::Parameter::builder()
                    .parameter_name("rds.force_ssl")
                    .parameter_value(force)
                    .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
                    .build(),
            )
            .send()
            .await
            .expect("modify parameter group");
    }
    for (id, version, group, ca) in [
        ("db-hardened", "16.3", "tls-on", "rds-ca-rsa2048-g1"),
        ("db-neglected", "11.22", "tls-off", "rds-ca-2019"),
    ] {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_instance_class("db.t3.micro")
            .engine("postgres")
            .engine_version(version)
            .master_username("dbowner")
            .master_user_password(PASSWORD)
            .db_parameter_group_name(group)
            .ca_certificate_identifier(ca)
            .send()
            .await
            .expect("create db instance");
    }
    rds.create_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("cl-tls")
        .db_parameter_group_family("aurora-mysql8.0")
        .description("tls")
        .send()
        .await
        .expect("create cluster parameter group");
    rds.modify_db_cluster_parameter_group()
        .db_cluster_parameter_group_name("cl-tls")
        .parameters(
            aws_sdk_rds::types::Parameter::builder()
                .parameter_name("require_secure_transport")
                .parameter_value("ON")
                .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
                .build(),
        )
        .send()
        .await
        .expect("modify cluster parameter group");
    rds.create_db_cluster()
        .db_cluster_identifier("cl-main")
        .engine("aurora-mysql")
        .master_username("clusterowner")
        .master_user_password(PASSWORD)
        .db_cluster_parameter_group_name("cl-tls")
        .send()
        .await
        .expect("create db cluster");
    rds.create_db_instance()
        .db_instance_identifier("cl-main-1")
        .db_instance_class("db.r5.large")
        .engine("aurora-mysql")
        .db_cluster_identifier("cl-main")
        .send()
        .await
        .expect("create cluster member");
    for (name, source, categories, enabled) in [
        (
            "pg-changes",
            "db-parameter-group",
            &["configuration change"][..],
            true,
        ),
        ("sg-events", "db-security-group", &[][..], false),
    ] {
        let mut b = rds
            .create_event_subscription()
            .subscription_name(name)
            .sns_topic_arn(format!("arn:aws:sns:{r}:{ACCOUNT}:db-alerts"))
            .source_type(source)
            .enabled(enabled);
        for c in categories {
            b = b.event_categories(*c);
        }
        b.send().await.expect("create event subscription");
    }
}

/// Has the proxy add `EngineLifecycleSupport` to moto's instances, as AWS
/// returns it.
fn answer_lifecycle(env: &Env) {
    // FIXME(moto): moto never returns EngineLifecycleSupport.
    for (id, lifecycle) in [
        ("db-hardened", "open-source-rds-extended-support-disabled"),
        ("db-neglected", "open-source-rds-extended-support"),
    ] {
        env.proxy.rewrite_response(
            "rds:DescribeDBInstances",
            &format!("<DBInstanceIdentifier>{id}</DBInstanceIdentifier>"),
            &format!(
                "<DBInstanceIdentifier>{id}</DBInstanceIdentifier><EngineLifecycleSupport>{lifecycle}</EngineLifecycleSupport>"
            ),
        );
    }
    // The cluster group is real: let moto answer it (the harness answers
    // for moto's missing default cluster groups).
    env.proxy.clear_fault("rds:DescribeDBClusterParameters");
}

fn instance_config<'a>(s: &'a Snapshot, r: &str, id: &str) -> &'a DbInstanceConfiguration {
    match &s
        .resources
        .get(&rds_arn(r, &format!("db-configuration:{id}")))
        .expect(id)
        .properties
    {
        Properties::RdsDbInstanceConfiguration(c) => c,
        other => panic!("{other:?}"),
    }
}

fn group<'a>(s: &'a Snapshot, r: &str, resource: &str) -> &'a DbParameterGroup {
    match &s
        .resources
        .get(&rds_arn(r, resource))
        .expect(resource)
        .properties
    {
        Properties::RdsDbParameterGroup(g) | Properties::RdsDbClusterParameterGroup(g) => g,
        other => panic!("{other:?}"),
    }
}

fn settings<'a>(s: &'a Snapshot, r: &str) -> &'a RdsRegionSettings {
    match &s
        .resources
        .get(&rds_arn(r, "account"))
        .expect("settings")
        .properties
    {
        Properties::RdsRegionSettings(x) => x,
        other => panic!("{other:?}"),
    }
}

fn verdict(result: &cloudarq_model::finding::ScanResult, rule: &str, arn: &str) -> Status {
    result
        .findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource_arn.as_str() == arn)
        .map(|f| f.status)
        .unwrap_or_else(|| panic!("no {rule} finding for {arn}"))
}

#[tokio::test]
async fn rds_settings_every_field_both_ways_in_both_regions() {
    let env = Env::start().await;
    for r in [R1, R2] {
        seed(&env, r).await;
    }
    answer_lifecycle(&env);
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for r in [R1, R2] {
        let hardened = instance_config(&snap, r, "db-hardened");
        assert_eq!(hardened.parameter_groups[0].name, "tls-on");
        assert_eq!(
            hardened.engine_lifecycle_support.as_deref(),
            Some("open-source-rds-extended-support-disabled")
        );
        let neglected = instance_config(&snap, r, "db-neglected");
        assert_eq!(neglected.parameter_groups[0].name, "tls-off");
        assert_eq!(
            neglected.engine_lifecycle_support.as_deref(),
            Some("open-source-rds-extended-support")
        );
        // FIXME(moto): moto's cluster members carry no lifecycle either.
        assert_eq!(
            instance_config(&snap, r, "cl-main-1").engine_lifecycle_support,
            None
        );
        let cluster = match &snap
            .resources
            .get(&rds_arn(r, "cluster-configuration:cl-main"))
            .expect("cluster config")
            .properties
        {
            Properties::RdsDbClusterConfiguration(c) => (**c).clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            cluster,
            DbClusterConfiguration {
                identifier: "cl-main".to_owned(),
                parameter_group: Some("cl-tls".to_owned()),
                engine_lifecycle_support: None,
            }
        );
        let param = |value: &str| {
            Collected::Value(vec![DbParameter {
                name: "rds.force_ssl".to_owned(),
                value: Some(value.to_owned()),
                source: None,
            }])
        };
        // FIXME(moto): moto gives a parameter no `Source`; AWS says `user`.
        assert_eq!(group(&snap, r, "pg:tls-on").tls_parameters, param("1"));
        assert_eq!(group(&snap, r, "pg:tls-off").tls_parameters, param("0"));
        let cl = group(&snap, r, "cluster-pg:cl-tls");
        assert_eq!(
            cl.tls_parameters.value().map(|p| p[0].value.as_deref()),
            Some(Some("ON"))
        );
        let s = settings(&snap, r);
        let subs = s.event_subscriptions.value().expect("subscriptions");
        assert_eq!(subs.len(), 2, "{subs:?}");
        let pg = subs
            .iter()
            .find(|x| x.name == "pg-changes")
            .expect("pg-changes");
        assert!(pg.enabled);
        assert_eq!(pg.source_type.as_deref(), Some("db-parameter-group"));
        assert_eq!(pg.event_categories, vec!["configuration change".to_owned()]);
        let sg = subs
            .iter()
            .find(|x| x.name == "sg-events")
            .expect("sg-events");
        assert!(!sg.enabled);
        let certs = s.certificates.value().expect("certificates");
        assert_eq!(certs.len(), 2);
        let versions: Vec<(&str, &str, Option<&str>)> = s
            .engine_versions
            .iter()
            .map(|v| {
                (
                    v.engine.as_str(),
                    v.version.as_str(),
                    v.status.value().expect("collected").as_deref(),
                )
            })
            .collect();
        assert!(
            versions.contains(&("postgres", "16.3", Some("available"))),
            "{versions:?}"
        );
        assert!(
            versions.contains(&("postgres", "11.22", Some("deprecated"))),
            "{versions:?}"
        );
    }

    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    for r in [R1, R2] {
        let hardened = format!("arn:aws:rds:{r}:{ACCOUNT}:db:db-hardened");
        let neglected = format!("arn:aws:rds:{r}:{ACCOUNT}:db:db-neglected");
        let member = format!("arn:aws:rds:{r}:{ACCOUNT}:db:cl-main-1");
        let region = format!("arn:aws:rds:{r}:{ACCOUNT}:account");
        for rule in [
            "rds_instance_transport_encrypted",
            "rds_instance_certificate_expiration",
            "rds_instance_deprecated_engine_version",
            "rds_instance_extended_support",
        ] {
            assert_eq!(
                verdict(&result, rule, &hardened),
                Status::Pass,
                "{rule} {r}"
            );
            assert_eq!(
                verdict(&result, rule, &neglected),
                Status::Fail,
                "{rule} {r}"
            );
        }
        assert_eq!(
            verdict(&result, "rds_instance_transport_encrypted", &member),
            Status::Pass,
            "the cluster group requires TLS"
        );
        assert_eq!(
            verdict(
                &result,
                "rds_instance_event_subscription_parameter_groups",
                &region
            ),
            Status::Pass
        );
        assert_eq!(
            verdict(
                &result,
                "rds_instance_event_subscription_security_groups",
                &region
            ),
            Status::Fail,
            "the security-group subscription is disabled"
        );
    }
}

#[tokio::test]
async fn rds_settings_denied_calls_are_gaps_and_never_fail() {
    let env = Env::start().await;
    for r in [R1, R2] {
        seed(&env, r).await;
    }
    answer_lifecycle(&env);
    let denied = [
        "rds:DescribeDBParameters",
        "rds:DescribeDBClusterParameters",
        "rds:DescribeEventSubscriptions",
        "rds:DescribeCertificates",
        "rds:DescribeDBEngineVersions",
    ];
    for op in denied {
        env.proxy.fault(
            op,
            Fault::Error {
                code: "AccessDenied",
                status: 403,
            },
        );
    }
    let snap = scan(&env).await;
    for op in denied {
        let gaps: Vec<_> = snap.gaps.iter().filter(|g| g.action == op).collect();
        assert!(!gaps.is_empty(), "no gap for {op}: {:#?}", snap.gaps);
        assert!(
            gaps.iter().all(|g| g.kind == GapKind::AccessDenied),
            "{gaps:#?}"
        );
        for r in [R1, R2] {
            assert!(
                gaps.iter()
                    .any(|g| g.region.as_ref().map(|x| x.as_str()) == Some(r)),
                "{op} {r}"
            );
        }
    }
    // A parameter group's gap names the group.
    assert!(
        snap.gaps
            .iter()
            .any(|g| g.action == "rds:DescribeDBParameters"
                && g.resource.as_ref() == Some(&rds_arn(R1, "pg:tls-on")))
    );
    for r in [R1, R2] {
        assert_eq!(
            group(&snap, r, "pg:tls-on").tls_parameters,
            Collected::NotCollected
        );
        assert_eq!(
            group(&snap, r, "cluster-pg:cl-tls").tls_parameters,
            Collected::NotCollected
        );
        let s = settings(&snap, r);
        assert_eq!(s.event_subscriptions, Collected::NotCollected);
        assert_eq!(s.certificates, Collected::NotCollected);
        assert!(
            s.engine_versions
                .iter()
                .all(|v| v.status == Collected::NotCollected)
        );
        assert!(!s.engine_versions.is_empty());
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    let affected = [
        "rds_instance_transport_encrypted",
        "rds_instance_certificate_expiration",
        "rds_instance_deprecated_engine_version",
        "rds_instance_event_subscription_parameter_groups",
        "rds_instance_event_subscription_security_groups",
    ];
    for rule in affected {
        let findings: Vec<_> = result
            .findings
            .iter()
            .filter(|f| f.rule_id == rule)
            .collect();
        assert!(
            findings.is_empty(),
            "{rule} gave findings on unread data: {findings:#?}"
        );
        assert!(
            result.evaluation_gaps.iter().any(|g| g.rule_id == rule),
            "{rule} reports not collected"
        );
    }
}
