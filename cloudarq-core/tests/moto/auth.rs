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
