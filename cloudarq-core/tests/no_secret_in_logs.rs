//! A full scan with sentinel secrets, TRACE logging on: no secret reaches a
//! log line. Its own test binary, so one global subscriber sees every thread.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "moto/harness.rs"]
#[allow(dead_code, reason = "shared harness; this binary uses part of it")]
mod harness;
#[path = "moto/loopback.rs"]
#[allow(dead_code, reason = "shared harness; this binary uses part of it")]
mod loopback;

use std::io::Write;
use std::sync::{Arc, Mutex};

use cloudarq_core::{CredentialSource, ExternalId, StaticKeys};
use harness::*;

async fn seed_role(env: &Env) -> String {
    let iam = env.iam().await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
    let out = iam
        .create_role()
        .role_name("CloudArqAudit")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("create role");
    out.role().expect("role").arn().to_owned()
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_scan_logs_no_secret() {
    let env = Env::start().await;
    let role_arn = seed_role(&env).await;
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber of this test binary");
    let source = CredentialSource::assume_role(
        role_arn.parse().unwrap(),
        Some(ExternalId::new("SENTINEL-EXTERNAL-ID-9f2c".to_owned()).unwrap()),
        CredentialSource::Static(StaticKeys {
            access_key_id: "AKIASENTINELKEY00001".to_owned().into(),
            secret_access_key: "SENTINEL/secret/key/0123456789abcdefghijkl"
                .to_owned()
                .into(),
            session_token: Some("SENTINELSESSIONTOKEN".to_owned().into()),
        }),
    );
    let snap = env
        .auditor(source)
        .build()
        .unwrap()
        .collect()
        .await
        .expect("scan");
    assert!(!snap.resources.is_empty());
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("scan finished"), "the capture saw the scan");
    assert!(logs.len() > 1000, "trace logging was on");
    // Secrets appear in no line at any level, the SDK's own TRACE included.
    for sentinel in [
        "SENTINEL-EXTERNAL-ID",
        "SENTINEL/secret",
        "SENTINELSESSIONTOKEN",
    ] {
        let leaks: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains(sentinel))
            .take(3)
            .collect();
        assert!(
            leaks.is_empty(),
            "{sentinel} leaked into the logs: {leaks:#?}"
        );
    }
    // The access key *id* is an identifier, not a secret (AWS shows it in
    // CloudTrail); the SDK prints it in its own DEBUG/TRACE lines. No
    // CloudArq line carries it at any level, and no line at INFO or above.
    let key_lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("AKIASENTINELKEY"))
        .collect();
    for line in key_lines {
        let sdk_debug =
            (line.contains(" DEBUG ") || line.contains(" TRACE ")) && !line.contains(" cloudarq_");
        assert!(
            sdk_debug,
            "access key id in a CloudArq or INFO+ line: {line}"
        );
    }
}
