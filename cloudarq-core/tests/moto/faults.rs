//! Failing and throttled AWS calls: the seeded demo account scanned plain,
//! with one API failing on every attempt, and with 30 % of all requests
//! throttled at random. The verdicts must not change, and the time each
//! scenario took is printed (`benches/README.md` has the command).

use std::time::{Duration, Instant};

use cloudarq_core::engine::Engine;
use cloudarq_core::{Auditor, CoreError};
use cloudarq_model::finding::ScanResult;
use cloudarq_model::{GapKind, Service, Snapshot, Timestamp};

use crate::demo::seed_demo;
use crate::harness::*;

/// What moto should answer to `GetEbsDefaultKmsKeyId` (it answers HTTP 500),
/// so the plain scan has no failing API.
const DEFAULT_KMS_KEY: &str = "<GetEbsDefaultKmsKeyIdResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>test</requestId><kmsKeyId>alias/aws/ebs</kmsKeyId></GetEbsDefaultKmsKeyIdResponse>";

const KMS_KEY_OP: &str = "ec2:GetEbsDefaultKmsKeyId";

/// The demo account, seeded, behind the proxy.
async fn demo_env() -> Env {
    let env = Env::start().await;
    env.correct_moto_versioning();
    seed_demo(&env).await;
    env
}

/// One timed scan, evaluated at a fixed time.
struct Scan {
    result: ScanResult,
    seconds: f64,
    requests: u64,
    /// The longest wait between a throttled answer and the retry of the
    /// same request, in seconds.
    longest_retry_wait: f64,
    /// S3 requests per second, from the first S3 request to the last.
    s3_rate: f64,
}

fn retry_waits(seen: &[Seen]) -> f64 {
    let same = |a: &Seen, b: &Seen| {
        a.operation == b.operation && a.scope == b.scope && a.uri == b.uri && a.body == b.body
    };
    seen.iter()
        .enumerate()
        .filter(|(_, s)| s.throttled)
        .filter_map(|(i, s)| {
            let retry = seen[i + 1..].iter().find(|r| same(s, r))?;
            Some(retry.at.duration_since(s.at).as_secs_f64())
        })
        .fold(0.0, f64::max)
}

fn s3_rate(seen: &[Seen]) -> f64 {
    let s3: Vec<_> = seen.iter().filter(|s| s.scope.contains("/s3/")).collect();
    match (s3.first(), s3.last()) {
        (Some(first), Some(last)) if s3.len() > 1 => {
            (s3.len() - 1) as f64 / last.at.duration_since(first.at).as_secs_f64()
        }
        _ => 0.0,
    }
}

async fn scan(env: &Env) -> Scan {
    env.proxy.clear_seen();
    let started = Instant::now();
    let mut snap: Snapshot = env
        .auditor(Env::static_source())
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    snap.collected_at = "2026-11-01T09:00:00Z".parse::<Timestamp>().unwrap();
    let seen = env.proxy.seen();
    Scan {
        result: Engine::new(cloudarq_rules::all()).evaluate(&snap),
        seconds,
        requests: snap.stats.api_requests,
        longest_retry_wait: retry_waits(&seen),
        s3_rate: s3_rate(&seen),
    }
}

#[tokio::test]
async fn demo_scan_under_faults() {
    let env = demo_env().await;
    env.proxy.fault(
        KMS_KEY_OP,
        Fault::Respond {
            status: 200,
            body: DEFAULT_KMS_KEY,
        },
    );
    let plain = scan(&env).await;

    env.proxy.clear_fault(KMS_KEY_OP);
    let failing = scan(&env).await;

    env.proxy.fault(
        KMS_KEY_OP,
        Fault::Respond {
            status: 200,
            body: DEFAULT_KMS_KEY,
        },
    );
    env.proxy.throttle_randomly(0.3, 9);
    let throttled = scan(&env).await;

    for (name, s) in [
        ("plain", &plain),
        ("one API failing", &failing),
        ("30% throttled", &throttled),
    ] {
        println!(
            "demo scan, {name}: {:.2} s, {} requests, {} findings, {} coverage gaps; \
             longest wait before retrying a throttled request {:.2} s, S3 at {:.1} requests/s",
            s.seconds,
            s.requests,
            s.result.findings.len(),
            s.result.coverage_gaps.len(),
            s.longest_retry_wait,
            s.s3_rate,
        );
    }

    // 30 % throttled: more requests, the same verdicts and gaps.
    assert!(throttled.requests > plain.requests, "nothing was throttled");
    // The gaps first: when retries fall short, they say which call and why.
    assert_eq!(throttled.result.coverage_gaps, plain.result.coverage_gaps);
    assert_eq!(throttled.result.findings, plain.result.findings);
    assert_eq!(
        throttled.result.evaluation_gaps,
        plain.result.evaluation_gaps
    );

    // One API failing: its gap in each region, and nothing else changes
    // but the evidence that names the key it could not read.
    let added: Vec<_> = failing
        .result
        .coverage_gaps
        .iter()
        .filter(|g| !plain.result.coverage_gaps.contains(g))
        .collect();
    assert_eq!(added.len(), 2, "{added:#?}");
    for gap in &added {
        assert_eq!(gap.action, KMS_KEY_OP);
        assert_eq!(gap.kind, GapKind::Other);
    }
    assert_eq!(
        failing.result.coverage_gaps.len(),
        plain.result.coverage_gaps.len() + 2
    );
    let without_key = |r: &ScanResult| {
        let mut findings = r.findings.clone();
        for f in &mut findings {
            if let Some(e) = f.evidence.as_object_mut() {
                e.remove("default_kms_key");
            }
        }
        findings
    };
    assert_eq!(without_key(&failing.result), without_key(&plain.result));
    assert_eq!(failing.result.evaluation_gaps, plain.result.evaluation_gaps);
}

#[tokio::test]
async fn a_server_error_gets_three_attempts_then_a_gap() {
    let env = Env::start().await;
    env.proxy.fault(
        "iam:GetAccountSummary",
        Fault::Error {
            code: "InternalError",
            status: 500,
        },
    );
    // The default policy, not the harness's.
    let snap = Auditor::builder(Env::static_source())
        .regions([region(R1)])
        .services([Service::Iam])
        .endpoint_url(env.proxy.url())
        .http_client(http_client())
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap();
    let attempts = env
        .proxy
        .seen()
        .iter()
        .filter(|s| s.operation == "iam:GetAccountSummary")
        .count();
    assert_eq!(attempts, 3);
    let gaps: Vec<_> = snap
        .gaps
        .iter()
        .filter(|g| g.action == "iam:GetAccountSummary")
        .collect();
    assert_eq!(gaps.len(), 1, "{:#?}", snap.gaps);
    assert_eq!(gaps[0].error_code.as_deref(), Some("InternalError"));
    assert_eq!(
        snap.gaps.len(),
        1,
        "only that call failed: {:#?}",
        snap.gaps
    );
}

#[tokio::test]
async fn an_unresolvable_endpoint_is_tried_once() {
    let resolver = FailingResolver::default();
    let e = Auditor::builder(Env::static_source())
        .regions([region(R1)])
        .endpoint_url("http://cloudarq-test.invalid:4566")
        .http_client(unresolving_http_client(resolver.clone()))
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(e, CoreError::Unreachable { .. }), "{e:?}");
    // One lookup: a name that does not resolve is not tried again.
    assert_eq!(resolver.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_slow_service_is_cut_off_at_its_deadline() {
    let env = Env::start().await;
    // RDS answers only after ten minutes: without a deadline the scan hangs.
    env.proxy.delay("rds:", Duration::from_secs(600));
    let snap = env
        .auditor(Env::static_source())
        .regions([region(R1)])
        .services([Service::Rds])
        .service_deadline(Some(Duration::from_secs(2)))
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap();
    let rds: Vec<_> = snap
        .gaps
        .iter()
        .filter(|g| g.service == Service::Rds)
        .collect();
    assert!(!rds.is_empty(), "{:#?}", snap.gaps);
    for gap in rds {
        assert_eq!(gap.kind, GapKind::DeadlineExceeded, "{gap:#?}");
        assert_eq!(gap.region, Some(region(R1)));
        assert_eq!(
            gap.message,
            "rds in eu-west-1 did not finish within the service deadline of 2 s"
        );
    }
}

#[test]
fn a_zero_service_deadline_is_refused() {
    let e = Auditor::builder(Env::static_source())
        .service_deadline(Some(Duration::ZERO))
        .build()
        .unwrap_err();
    assert!(matches!(e, CoreError::InvalidDeadline(_)), "{e:?}");
    assert!(e.to_string().contains("service deadline"), "{e}");
}
