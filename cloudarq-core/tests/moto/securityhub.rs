//! The Security Hub collector against moto: enabled in one region and not
//! in the other, then swapped, so both states are seen in both regions.
//! moto has no `GetEnabledStandards`: the proxy answers it per region as
//! AWS does. A denied `DescribeHub` is a gap, never "not enabled".

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::securityhub::SecurityHubHub;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "securityhub_enabled";

/// `GetEnabledStandards` of a hub with FSBP ready and CIS 3.0 being deleted.
const STANDARDS_R1: &str = r#"{"StandardsSubscriptions":[{"StandardsSubscriptionArn":"arn:aws:securityhub:eu-west-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0","StandardsArn":"arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0","StandardsInput":{},"StandardsStatus":"READY"},{"StandardsSubscriptionArn":"arn:aws:securityhub:eu-west-1:123456789012:subscription/cis-aws-foundations-benchmark/v/3.0.0","StandardsArn":"arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0","StandardsInput":{},"StandardsStatus":"DELETING"}]}"#;

/// `GetEnabledStandards` of a hub with no standard.
const STANDARDS_NONE: &str = r#"{"StandardsSubscriptions":[]}"#;

fn hub_arn(r: &str) -> Arn {
    format!("arn:aws:securityhub:{r}:{ACCOUNT}:hub/default")
        .parse()
        .expect("test ARN")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::SecurityHub]).await
}

fn hub<'s>(snap: &'s Snapshot, r: &str) -> &'s SecurityHubHub {
    let res = snap
        .resources
        .get(&hub_arn(r))
        .unwrap_or_else(|| panic!("hub of {r} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    assert_eq!(res.name, ACCOUNT);
    match &res.properties {
        Properties::SecurityHubHub(h) => h,
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str) -> Option<Status> {
    let arn = hub_arn(r);
    rule_status(snap, RULE, &arn)
}

fn calls(env: &Env, op: &str, r: &str) -> usize {
    env.proxy
        .seen()
        .iter()
        .filter(|s| s.operation == op && s.scope.split('/').nth(1) == Some(r))
        .count()
}

fn assert_enabled(snap: &Snapshot, r: &str) {
    let h = hub(snap, r);
    let Collected::Value(Some(details)) = &h.hub else {
        panic!("{r}: hub {:?}", h.hub);
    };
    assert_eq!(details.hub_arn.as_deref(), Some(hub_arn(r).as_str()));
    assert!(details.subscribed_at.is_some());
    assert_eq!(details.auto_enable_controls, Some(true));
    assert_eq!(
        details.control_finding_generator.as_deref(),
        Some("SECURITY_CONTROL")
    );
}

fn assert_not_enabled(snap: &Snapshot, r: &str) {
    let h = hub(snap, r);
    assert_eq!(h.hub, Collected::Value(None), "{r}");
    assert_eq!(h.enabled_standards, Collected::Value(Vec::new()), "{r}");
}

#[tokio::test]
async fn securityhub_collects_both_states_in_both_regions() {
    let env = Env::start().await;
    env.proxy.fault(
        "securityhub:GetEnabledStandards",
        Fault::RespondPerRegion {
            bodies: &[(R1, STANDARDS_R1), (R2, STANDARDS_NONE)],
        },
    );
    let (h1, h2) = (env.securityhub(R1).await, env.securityhub(R2).await);
    h1.enable_security_hub().send().await.expect("enable hub");
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::SecurityHubHub).count(), 2);
    assert_enabled(&snap, R1);
    let Collected::Value(standards) = &hub(&snap, R1).enabled_standards else {
        panic!("standards not collected");
    };
    let statuses: Vec<_> = standards
        .iter()
        .map(|s| (s.standards_arn.as_str(), s.status.as_deref()))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
                Some("READY")
            ),
            (
                "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
                Some("DELETING")
            ),
        ]
    );
    assert!(standards[0].subscription_arn.is_some());
    assert_not_enabled(&snap, R2);
    assert_eq!(status(&snap, R1), Some(Status::Pass));
    assert_eq!(status(&snap, R2), Some(Status::Fail));
    // Not enabled: no standards call.
    assert_eq!(calls(&env, "securityhub:GetEnabledStandards", R1), 1);
    assert_eq!(calls(&env, "securityhub:GetEnabledStandards", R2), 0);

    // Swapped: R1 disabled, R2 enabled without a standard (a FAIL too).
    h1.disable_security_hub().send().await.expect("disable hub");
    h2.enable_security_hub().send().await.expect("enable hub");
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_not_enabled(&snap, R1);
    assert_enabled(&snap, R2);
    assert_eq!(
        hub(&snap, R2).enabled_standards,
        Collected::Value(Vec::new())
    );
    assert_eq!(status(&snap, R1), Some(Status::Fail));
    assert_eq!(status(&snap, R2), Some(Status::Fail));
    assert_eq!(calls(&env, "securityhub:GetEnabledStandards", R1), 1);
    assert_eq!(calls(&env, "securityhub:GetEnabledStandards", R2), 1);
    assert_eq!(calls(&env, "securityhub:DescribeHub", R1), 2);
}

/// A denied `DescribeHub` is a gap per region, both fields not collected,
/// no standards call, and no PASS or FAIL.
#[tokio::test]
async fn securityhub_denied_hub_is_a_gap_never_a_fail() {
    let env = Env::start().await;
    env.securityhub(R1)
        .await
        .enable_security_hub()
        .send()
        .await
        .expect("enable hub");
    env.proxy.fault(
        "securityhub:DescribeHub",
        Fault::Error {
            code: "AccessDeniedException",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        let h = hub(&snap, r);
        assert_eq!(h.hub, Collected::NotCollected);
        assert_eq!(h.enabled_standards, Collected::NotCollected);
        assert!(
            snap.gaps
                .iter()
                .any(|g| g.action == "securityhub:DescribeHub"
                    && g.service == Service::SecurityHub
                    && g.kind == GapKind::AccessDenied
                    && g.resource.as_ref() == Some(&hub_arn(r))
                    && g.region.as_ref().map(|x| x.as_str()) == Some(r))
        );
        assert_eq!(calls(&env, "securityhub:GetEnabledStandards", r), 0);
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(!result.findings.iter().any(|f| f.rule_id == RULE));
    assert_eq!(
        result
            .evaluation_gaps
            .iter()
            .filter(|g| g.rule_id == RULE)
            .count(),
        2
    );
}

/// A denied `GetEnabledStandards` leaves the hub known and the standards
/// not collected, with a gap; the rule does not judge the region.
#[tokio::test]
async fn securityhub_denied_standards_are_a_gap() {
    let env = Env::start().await;
    for r in [R1, R2] {
        env.securityhub(r)
            .await
            .enable_security_hub()
            .send()
            .await
            .expect("enable hub");
    }
    env.proxy.fault(
        "securityhub:GetEnabledStandards",
        Fault::Error {
            code: "AccessDeniedException",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert_enabled(&snap, r);
        assert_eq!(hub(&snap, r).enabled_standards, Collected::NotCollected);
        assert!(
            snap.gaps
                .iter()
                .any(|g| g.action == "securityhub:GetEnabledStandards"
                    && g.kind == GapKind::AccessDenied
                    && g.region.as_ref().map(|x| x.as_str()) == Some(r))
        );
        assert_eq!(status(&snap, r), None);
    }
}
