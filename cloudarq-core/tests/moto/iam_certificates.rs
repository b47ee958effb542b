//! IAM server certificates against moto: listed with their expiration, the
//! expired one failing, and a denied listing a gap (never a FAIL).
//!
//! moto answers every certificate with the same expiration (2012-05-08), so
//! both are expired here; the rule's unit tests and golden cases cover a
//! valid one.

use cloudarq_core::engine::Engine;
use cloudarq_model::rule::Status;
use cloudarq_model::{GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;
use crate::loopback::Fault;

/// A body moto stores without parsing; CloudArq never reads it.
const BODY: &str = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----";

async fn seed(env: &Env) {
    let iam = env.iam().await;
    for name in ["old-web", "new-web"] {
        iam.upload_server_certificate()
            .server_certificate_name(name)
            .certificate_body(BODY)
            .private_key("-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----")
            .send()
            .await
            .expect("upload certificate");
    }
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Iam]).await
}

#[tokio::test]
async fn iam_server_certificates_are_listed_and_judged_by_expiration() {
    let env = Env::start().await;
    seed(&env).await;
    let snap = scan(&env).await;
    let certs: Vec<_> = snap
        .of_type(ResourceType::IamServerCertificate)
        .filter_map(|r| match &r.properties {
            Properties::IamServerCertificate(c) => Some(c.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(certs.len(), 2, "{:#?}", snap.gaps);
    for c in &certs {
        assert_eq!(c.path, "/");
        assert!(c.id.len() > 4, "{}", c.id);
        assert_eq!(
            c.expiration.map(|t| t.to_string()).as_deref(),
            Some("2012-05-08T01:02:03.004Z")
        );
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    let statuses: Vec<Status> = result
        .findings
        .iter()
        .filter(|f| f.rule_id == "iam_no_expired_server_certificates_stored")
        .map(|f| f.status)
        .collect();
    assert_eq!(statuses, vec![Status::Fail, Status::Fail]);
}

#[tokio::test]
async fn iam_server_certificate_listing_denied_is_a_gap() {
    let env = Env::start().await;
    seed(&env).await;
    env.proxy.fault(
        "iam:ListServerCertificates",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::IamServerCertificate).count(), 0);
    let g = snap
        .gaps
        .iter()
        .find(|g| g.action == "iam:ListServerCertificates")
        .unwrap_or_else(|| panic!("{:#?}", snap.gaps));
    assert_eq!(g.kind, GapKind::AccessDenied);
    assert!(g.resource.is_none());
}
