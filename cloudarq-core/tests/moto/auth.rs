//! Credentials against moto: AssumeRole parameters, bad input, secrets in logs.

use cloudarq_core::model::ModelError;
use cloudarq_core::{Auditor, CoreError, CredentialSource, ExternalId};

use crate::harness::*;

pub async fn seed_role(env: &Env) -> String {
    let iam = env.iam().await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#;
    let out = iam
        .create_role()
        .role_name("CloudArqAudit")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("create role");
    out.role().expect("role").arn().to_owned()
}

#[tokio::test]
async fn assume_role_sends_external_id_and_one_hour() {
    let env = Env::start().await;
    let role_arn = seed_role(&env).await;
    let source = CredentialSource::assume_role(
        role_arn.parse().unwrap(),
        Some(ExternalId::new("ext-4711-abc".to_owned()).unwrap()),
        Env::static_source(),
    );
    let auditor = env
        .auditor(source)
        .services([cloudarq_model::Service::Iam])
        .session_suffix("t1")
        .build()
        .unwrap();
    let snap = auditor.collect().await.expect("scan");
    assert_eq!(snap.account_id.as_str(), ACCOUNT);
    let assume: Vec<Seen> = env
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.operation == "sts:AssumeRole")
        .collect();
    assert_eq!(assume.len(), 1, "exactly one AssumeRole per scan");
    let body = &assume[0].body;
    assert!(body.contains("ExternalId=ext-4711-abc"), "{body}");
    assert!(body.contains("DurationSeconds=3600"), "{body}");
    assert!(body.contains("RoleSessionName=cloudarq-t1"), "{body}");
    assert!(
        body.contains(&format!(
            "RoleArn={}",
            role_arn.replace(':', "%3A").replace('/', "%2F")
        )),
        "{body}"
    );
    assert_eq!(
        auditor.live_credential_sets(),
        0,
        "credentials outlived the scan"
    );
}

#[tokio::test]
async fn bad_inputs_are_typed_errors_naming_the_input() {
    // Malformed role ARN.
    let e = "arn:aws:iam::12345:role/x"
        .parse::<cloudarq_core::RoleArn>()
        .unwrap_err();
    assert!(matches!(e, ModelError::InvalidRoleArn { .. }));
    assert!(e.to_string().contains("arn:aws:iam::12345:role/x"), "{e}");
    // External ID with forbidden characters.
    let e = ExternalId::new("abc def".to_owned()).unwrap_err();
    assert!(matches!(e, ModelError::InvalidExternalId { .. }));
    assert!(
        e.to_string().contains("External ID") && e.to_string().contains("' '"),
        "{e}"
    );
    // Malformed endpoint.
    let e = Auditor::builder(Env::static_source())
        .endpoint_url("not a url")
        .build()
        .unwrap_err();
    assert!(matches!(e, CoreError::InvalidEndpoint { .. }));
    assert!(e.to_string().contains("not a url"), "{e}");
    // Unreachable endpoint.
    let dead = dead_endpoint();
    let e = Auditor::builder(Env::static_source())
        .regions([region(R1)])
        .endpoint_url(&dead)
        .http_client(http_client())
        .max_attempts(1)
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(e, CoreError::Unreachable { .. }), "{e:?}");
    assert!(e.to_string().contains(&dead), "{e}");
}

#[tokio::test]
async fn expired_or_invalid_credentials_are_typed_errors() {
    let env = Env::start().await;
    env.proxy.fault(
        "sts:GetCallerIdentity",
        Fault::Error {
            code: "ExpiredToken",
            status: 403,
        },
    );
    let e = env
        .auditor(Env::static_source())
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(e, CoreError::InvalidCredentials { .. }), "{e:?}");
    assert!(
        e.to_string().contains("static access keys") && e.to_string().contains("ExpiredToken"),
        "{e}"
    );

    let env = Env::start().await;
    let role_arn = seed_role(&env).await;
    env.proxy.fault(
        "sts:AssumeRole",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let source =
        CredentialSource::assume_role(role_arn.parse().unwrap(), None, Env::static_source());
    let e = env
        .auditor(source)
        .build()
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(matches!(e, CoreError::AssumeRole { .. }), "{e:?}");
    assert!(e.to_string().contains(&role_arn), "{e}");
}

/// Records every name the SDK looks up and resolves none, so no request
/// leaves the machine.
#[derive(Debug, Clone, Default)]
struct RecordingResolver(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl aws_smithy_runtime_api::client::dns::ResolveDns for RecordingResolver {
    fn resolve_dns<'a>(
        &'a self,
        name: &'a str,
    ) -> aws_smithy_runtime_api::client::dns::DnsFuture<'a> {
        self.0.lock().unwrap().push(name.to_owned());
        aws_smithy_runtime_api::client::dns::DnsFuture::ready(Err(
            aws_smithy_runtime_api::client::dns::ResolveDnsError::new(format!(
                "{name} is not resolved in this test"
            )),
        ))
    }
}

/// The host names one IAM-only collection looks up, with `endpoint` given
/// explicitly or not.
async fn names_looked_up(endpoint: Option<&str>) -> Vec<String> {
    let resolver = RecordingResolver::default();
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_with_resolver(resolver.clone());
    let mut builder = Auditor::builder(Env::static_source())
        .regions([region("us-east-1")])
        .services([cloudarq_model::Service::Iam])
        .http_client(client)
        .max_attempts(1);
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    // Every lookup fails, so the collection fails too; only the names matter.
    let _ = builder.build().unwrap().collect().await;
    resolver.0.lock().unwrap().clone()
}

const ENDPOINT_CHILD: &str = "CLOUDARQ_TEST_ENDPOINT_ENV_CHILD";

/// Issue 10 §3: `AuditorBuilder` reads no `AWS_ENDPOINT_URL` (nor the
/// service-specific `AWS_ENDPOINT_URL_<SERVICE>`): in a shared worker the
/// variable would redirect every tenant's scan. Setting a variable in this
/// process would need `unsafe`, so the test runs its body in a child copy of
/// this test binary with the variables set.
#[test]
fn issue_10_builder_ignores_aws_endpoint_url() {
    if std::env::var_os(ENDPOINT_CHILD).is_none() {
        let name = "auth::issue_10_builder_ignores_aws_endpoint_url";
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", name, "--nocapture", "--test-threads=1"])
            .env(ENDPOINT_CHILD, "1")
            .env("AWS_ENDPOINT_URL", "http://from-env.localhost:9")
            .env("AWS_ENDPOINT_URL_STS", "http://from-env-sts.localhost:9")
            .env("AWS_ENDPOINT_URL_IAM", "http://from-env-iam.localhost:9")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("1 passed"),
            "the child did not run the test: {text}"
        );
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // The variable is set, and the SDK's own loader would use it.
        let plain = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .no_credentials()
            .load()
            .await;
        assert_eq!(plain.endpoint_url(), Some("http://from-env.localhost:9"));

        // No explicit endpoint: the requests go to AWS's own names.
        let names = names_looked_up(None).await;
        assert!(!names.is_empty(), "no request was attempted");
        assert!(
            names.iter().all(|n| !n.contains("from-env")),
            "the environment's endpoint was used: {names:?}"
        );
        assert!(
            names.iter().all(|n| n.ends_with(".amazonaws.com")),
            "{names:?}"
        );

        // An explicit endpoint is used, and only it.
        let names = names_looked_up(Some("http://explicit.localhost:9")).await;
        assert!(!names.is_empty(), "no request was attempted");
        assert!(names.iter().all(|n| n == "explicit.localhost"), "{names:?}");
    });
}
