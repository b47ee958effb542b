//! The Macie collector against moto, in both test regions. moto answers
//! `ResourceNotFoundException` where Macie is disabled; AWS answers
//! `AccessDeniedException` with "Macie is not enabled", which the proxy
//! stands in for. Both are "not enabled"; a real denial is a gap, never a
//! FAIL. moto's answer for an enabled session carries timestamps without a
//! UTC offset, which the SDK refuses: the proxy answers enabled and paused
//! sessions as AWS does, per region, and forwards the other regions to
//! moto.

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::macie::MacieSession;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "macie_is_enabled";

/// AWS's answer to `GetMacieSession` where Macie is not enabled.
const NOT_ENABLED: &str = r#"{"__type":"AccessDeniedException","message":"Macie is not enabled."}"#;

/// AWS's answers for an enabled and a paused session.
const ENABLED: &str = r#"{"createdAt":"2026-01-02T03:04:05.000Z","findingPublishingFrequency":"FIFTEEN_MINUTES","serviceRole":"arn:aws:iam::123456789012:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie","status":"ENABLED","updatedAt":"2026-01-02T03:04:05.000Z"}"#;
const PAUSED: &str = r#"{"createdAt":"2026-01-02T03:04:05.000Z","findingPublishingFrequency":"ONE_HOUR","serviceRole":"arn:aws:iam::123456789012:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie","status":"PAUSED","updatedAt":"2026-02-03T04:05:06.000Z"}"#;

fn session_arn(r: &str) -> Arn {
    format!("arn:aws:macie2:{r}:{ACCOUNT}:account")
        .parse()
        .expect("test ARN")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Macie]).await
}

fn session<'s>(snap: &'s Snapshot, r: &str) -> &'s MacieSession {
    let res = snap
        .resources
        .get(&session_arn(r))
        .unwrap_or_else(|| panic!("macie session of {r} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    assert_eq!(res.name, ACCOUNT);
    match &res.properties {
        Properties::MacieSession(m) => m,
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str) -> Option<Status> {
    let arn = session_arn(r);
    rule_status(snap, RULE, &arn)
}

fn value(s: &str) -> Collected<Option<String>> {
    Collected::Value(Some(s.to_owned()))
}

#[tokio::test]
async fn macie_collects_every_state_in_both_regions() {
    let env = Env::start().await;
    // moto starts every region with Macie enabled: disable both, so the
    // regions the proxy does not answer are "not enabled" in moto.
    for r in [R1, R2] {
        env.macie2(r)
            .await
            .disable_macie()
            .send()
            .await
            .expect("disable macie");
    }
    let answer = |bodies| {
        env.proxy
            .fault("macie2:GetMacieSession", Fault::RespondPerRegion { bodies });
    };
    // R1 enabled, R2 not enabled (moto's ResourceNotFoundException).
    answer(&[(R1, ENABLED)]);
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::MacieSession).count(), 2);
    assert_eq!(session(&snap, R1).status, value("ENABLED"));
    assert_eq!(
        session(&snap, R1).finding_publishing_frequency.as_deref(),
        Some("FIFTEEN_MINUTES")
    );
    assert_eq!(session(&snap, R2).status, Collected::Value(None));
    assert_eq!(session(&snap, R2).finding_publishing_frequency, None);
    assert_eq!(status(&snap, R1), Some(Status::Pass));
    assert_eq!(status(&snap, R2), Some(Status::Fail));

    // Swapped: R1 not enabled, R2 enabled.
    answer(&[(R2, ENABLED)]);
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(session(&snap, R1).status, Collected::Value(None));
    assert_eq!(session(&snap, R2).status, value("ENABLED"));
    assert_eq!(status(&snap, R1), Some(Status::Fail));
    assert_eq!(status(&snap, R2), Some(Status::Pass));

    // Paused in both: a FAIL.
    answer(&[(R1, PAUSED), (R2, PAUSED)]);
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert_eq!(session(&snap, r).status, value("PAUSED"));
        assert_eq!(
            session(&snap, r).finding_publishing_frequency.as_deref(),
            Some("ONE_HOUR")
        );
        assert_eq!(status(&snap, r), Some(Status::Fail));
    }
}

/// AWS's "Macie is not enabled" `AccessDeniedException` is "not enabled":
/// no gap, and a FAIL.
#[tokio::test]
async fn macie_not_enabled_answer_is_not_a_gap() {
    let env = Env::start().await;
    env.proxy.fault(
        "macie2:GetMacieSession",
        Fault::Respond {
            status: 403,
            body: NOT_ENABLED,
        },
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert_eq!(session(&snap, r).status, Collected::Value(None));
        assert_eq!(status(&snap, r), Some(Status::Fail));
    }
}

/// A real denial is a gap per region, the status not collected, and no
/// PASS or FAIL.
#[tokio::test]
async fn macie_denied_session_is_a_gap_never_a_fail() {
    let env = Env::start().await;
    env.proxy.fault(
        "macie2:GetMacieSession",
        Fault::Error {
            code: "AccessDeniedException",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert_eq!(session(&snap, r).status, Collected::NotCollected);
        assert!(snap.gaps.iter().any(|g| g.service == Service::Macie
            && g.action == "macie2:GetMacieSession"
            && g.kind == GapKind::AccessDenied
            && g.resource.as_ref() == Some(&session_arn(r))
            && g.region.as_ref().map(|x| x.as_str()) == Some(r)));
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
