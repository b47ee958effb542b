//! The IAM Access Analyzer collector. moto 5.2 has no Access Analyzer, so
//! the proxy answers `ListAnalyzers` per region as AWS does: an active
//! external access analyzer beside an unused-access one in one region, a
//! disabled organization analyzer in the other, then swapped. A denied
//! listing is a gap, never a FAIL.

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::accessanalyzer::AccessAnalyzerRegionSettings;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "accessanalyzer_enabled";
const OP: &str = "access-analyzer:ListAnalyzers";

/// An active account analyzer for external access and an unused-access one.
const ACTIVE_EU: &str = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/external","name":"external","type":"ACCOUNT","createdAt":"2026-01-02T03:04:05Z","status":"ACTIVE"},{"arn":"arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/unused","name":"unused","type":"ACCOUNT_UNUSED_ACCESS","createdAt":"2026-01-02T03:04:05Z","status":"ACTIVE","configuration":{"unusedAccess":{"unusedAccessAge":90}}}]}"#;
/// The same in us-east-1.
const ACTIVE_US: &str = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/external","name":"external","type":"ACCOUNT","createdAt":"2026-01-02T03:04:05Z","status":"ACTIVE"},{"arn":"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/unused","name":"unused","type":"ACCOUNT_UNUSED_ACCESS","createdAt":"2026-01-02T03:04:05Z","status":"ACTIVE","configuration":{"unusedAccess":{"unusedAccessAge":90}}}]}"#;
/// An organization analyzer disabled because the organization is gone.
const DISABLED_EU: &str = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/org","name":"org","type":"ORGANIZATION","createdAt":"2026-01-02T03:04:05Z","status":"DISABLED","statusReason":{"code":"ORGANIZATION_DELETED"}}]}"#;
/// The same in us-east-1.
const DISABLED_US: &str = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/org","name":"org","type":"ORGANIZATION","createdAt":"2026-01-02T03:04:05Z","status":"DISABLED","statusReason":{"code":"ORGANIZATION_DELETED"}}]}"#;

fn settings_arn(r: &str) -> Arn {
    format!("arn:aws:access-analyzer:{r}:{ACCOUNT}:account")
        .parse()
        .expect("test ARN")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::AccessAnalyzer]).await
}

fn settings<'s>(snap: &'s Snapshot, r: &str) -> &'s AccessAnalyzerRegionSettings {
    let res = snap
        .resources
        .get(&settings_arn(r))
        .unwrap_or_else(|| panic!("analyzers of {r} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    assert_eq!(res.name, ACCOUNT);
    match &res.properties {
        Properties::AccessAnalyzerRegionSettings(s) => s,
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str) -> Option<Status> {
    let arn = settings_arn(r);
    rule_status(snap, RULE, &arn)
}

fn assert_active(snap: &Snapshot, r: &str) {
    let Collected::Value(analyzers) = &settings(snap, r).analyzers else {
        panic!("{r}: analyzers not collected");
    };
    let seen: Vec<_> = analyzers
        .iter()
        .map(|a| (a.name.as_str(), a.analyzer_type.as_str(), a.status.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("external", "ACCOUNT", "ACTIVE"),
            ("unused", "ACCOUNT_UNUSED_ACCESS", "ACTIVE")
        ],
        "{r}"
    );
    let a = &analyzers[0];
    assert_eq!(
        a.arn,
        Some(format!(
            "arn:aws:access-analyzer:{r}:{ACCOUNT}:analyzer/external"
        ))
    );
    assert_eq!(
        a.created.map(|t| t.to_string()).as_deref(),
        Some("2026-01-02T03:04:05Z")
    );
    assert_eq!(a.status_reason, None);
    assert!(a.external_access() && a.active());
    assert!(!analyzers[1].external_access());
}

fn assert_disabled(snap: &Snapshot, r: &str) {
    let Collected::Value(analyzers) = &settings(snap, r).analyzers else {
        panic!("{r}: analyzers not collected");
    };
    assert_eq!(analyzers.len(), 1, "{r}");
    let a = &analyzers[0];
    assert_eq!(a.name, "org");
    assert_eq!(a.analyzer_type, "ORGANIZATION");
    assert_eq!(a.status, "DISABLED");
    assert_eq!(a.status_reason.as_deref(), Some("ORGANIZATION_DELETED"));
    assert!(a.external_access() && !a.active());
}

#[tokio::test]
async fn accessanalyzer_collects_both_states_in_both_regions() {
    let env = Env::start().await;
    env.proxy.fault(
        OP,
        Fault::RespondPerRegion {
            bodies: &[(R1, ACTIVE_EU), (R2, DISABLED_US)],
        },
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(
        snap.of_type(ResourceType::AccessAnalyzerRegionSettings)
            .count(),
        2
    );
    assert_active(&snap, R1);
    assert_disabled(&snap, R2);
    assert_eq!(status(&snap, R1), Some(Status::Pass));
    assert_eq!(status(&snap, R2), Some(Status::Fail));

    env.proxy.fault(
        OP,
        Fault::RespondPerRegion {
            bodies: &[(R1, DISABLED_EU), (R2, ACTIVE_US)],
        },
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_disabled(&snap, R1);
    assert_active(&snap, R2);
    assert_eq!(status(&snap, R1), Some(Status::Fail));
    assert_eq!(status(&snap, R2), Some(Status::Pass));

    // Paged with the documented page size, one call per region and scan.
    let seen: Vec<_> = env
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.operation == OP)
        .collect();
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter().all(|s| s.uri.contains("maxResults=100")),
        "{seen:?}"
    );
}

/// An empty region: an empty list, a FAIL.
#[tokio::test]
async fn accessanalyzer_without_analyzers_fails() {
    let env = Env::start().await;
    env.proxy.fault(
        OP,
        Fault::Respond {
            status: 200,
            body: r#"{"analyzers":[]}"#,
        },
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert_eq!(settings(&snap, r).analyzers, Collected::Value(Vec::new()));
        assert_eq!(status(&snap, r), Some(Status::Fail));
    }
}

/// A denied listing: a gap per region, the list not collected, no verdict.
#[tokio::test]
async fn accessanalyzer_denied_listing_is_a_gap_never_a_fail() {
    let env = Env::start().await;
    env.proxy.fault(
        OP,
        Fault::Error {
            code: "AccessDeniedException",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert_eq!(settings(&snap, r).analyzers, Collected::NotCollected);
        assert!(snap.gaps.iter().any(|g| g.action == OP
            && g.service == Service::AccessAnalyzer
            && g.kind == GapKind::AccessDenied
            && g.error_code.as_deref() == Some("AccessDeniedException")
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
