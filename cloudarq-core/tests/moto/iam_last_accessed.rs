//! IAM service last accessed data against moto (which lacks the two calls,
//! so the proxy answers them as IAM does, per principal): who is asked
//! about, what is kept, the rules' verdicts both ways, and a denied report
//! a gap per principal (never a FAIL).

use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::iam::IamServiceLastAccessed;
use cloudarq_model::{GapKind, Properties, ResourceType, Service, Snapshot};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::harness::*;
use crate::loopback::Fault;

const ACCOUNT: &str = "123456789012";

async fn seed(env: &Env) {
    let iam = env.iam().await;
    for user in ["alice", "bob", "carol", "dave"] {
        iam.create_user()
            .user_name(user)
            .send()
            .await
            .expect("user");
    }
    for user in ["alice", "dave"] {
        iam.create_access_key()
            .user_name(user)
            .send()
            .await
            .expect("key");
    }
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("models")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["bedrock:InvokeModel","s3:GetObject"],"Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("alice policy");
    let policy = iam
        .create_policy()
        .policy_name("notebooks")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("policy");
    iam.attach_user_policy()
        .user_name("bob")
        .policy_arn(policy.policy().and_then(|p| p.arn()).expect("arn"))
        .send()
        .await
        .expect("attach");
    iam.put_user_policy()
        .user_name("carol")
        .policy_name("reader")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("carol policy");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    for (role, action) in [("rag", "bedrock:*"), ("plain", "s3:GetObject")] {
        iam.create_role()
            .role_name(role)
            .assume_role_policy_document(trust)
            .send()
            .await
            .expect("role");
        iam.put_role_policy()
            .role_name(role)
            .policy_name("inline")
            .policy_document(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
            ))
            .send()
            .await
            .expect("role policy");
    }
}

fn days_ago(days: i64) -> String {
    (OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&Rfc3339)
        .expect("formattable")
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn job(id: &str) -> &'static str {
    leak(format!(
        "<GenerateServiceLastAccessedDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GenerateServiceLastAccessedDetailsResult><JobId>{id}</JobId></GenerateServiceLastAccessedDetailsResult></GenerateServiceLastAccessedDetailsResponse>"
    ))
}

/// A completed report; each service with the days since its last use, or
/// `None` for allowed but unused.
fn report(services: &[(&str, Option<i64>)]) -> &'static str {
    let members: String = services
        .iter()
        .map(|(ns, days)| {
            let last = days
                .map(|d| format!("<LastAuthenticated>{}</LastAuthenticated>", days_ago(d)))
                .unwrap_or_default();
            format!(
                "<member><ServiceName>{ns}</ServiceName><ServiceNamespace>{ns}</ServiceNamespace>{last}<TotalAuthenticatedEntities>0</TotalAuthenticatedEntities></member>"
            )
        })
        .collect();
    leak(format!(
        "<GetServiceLastAccessedDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetServiceLastAccessedDetailsResult><JobStatus>COMPLETED</JobStatus><JobType>SERVICE_LEVEL</JobType><JobCreationDate>2026-01-01T00:00:00Z</JobCreationDate><JobCompletionDate>2026-01-01T00:00:01Z</JobCompletionDate><ServicesLastAccessed>{members}</ServicesLastAccessed><IsTruncated>false</IsTruncated></GetServiceLastAccessedDetailsResult></GetServiceLastAccessedDetailsResponse>"
    ))
}

fn answer_per_principal(env: &Env) {
    let jobs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
        ("user%2Falice", job("job-alice")),
        ("user%2Fbob", job("job-bob")),
        ("user%2Fdave", job("job-dave")),
        ("role%2Frag", job("job-rag")),
    ]));
    let reports: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
        (
            "job-alice",
            report(&[("bedrock", Some(200)), ("s3", Some(2)), ("sts", Some(1))]),
        ),
        ("job-bob", report(&[("sagemaker", None)])),
        ("job-dave", report(&[("sts", Some(3)), ("iam", None)])),
        ("job-rag", report(&[("bedrock", Some(5))])),
    ]));
    env.proxy.fault(
        "iam:GenerateServiceLastAccessedDetails",
        Fault::RespondByBody { bodies: jobs },
    );
    env.proxy.fault(
        "iam:GetServiceLastAccessedDetails",
        Fault::RespondByBody { bodies: reports },
    );
}

fn last_accessed(snap: &Snapshot) -> &IamServiceLastAccessed {
    snap.of_type(ResourceType::IamServiceLastAccessed)
        .find_map(|r| match &r.properties {
            Properties::IamServiceLastAccessed(s) => Some(s.as_ref()),
            _ => None,
        })
        .expect("one service last accessed resource")
}

/// `PASS`, `FAIL`, … or `not collected` for one rule and principal.
fn status(snap: &Snapshot, rule: &str, principal: &str) -> &'static str {
    let arn = format!("arn:aws:iam::{ACCOUNT}:{principal}");
    let result = Engine::new(cloudarq_rules::all()).evaluate(snap);
    if let Some(f) = result
        .findings
        .iter()
        .find(|f| f.rule_id == rule && f.resource_arn.as_str() == arn)
    {
        return f.status.as_str();
    }
    if result
        .evaluation_gaps
        .iter()
        .any(|g| g.rule_id == rule && g.resource_arn.as_str() == arn)
    {
        return "not collected";
    }
    panic!("no {rule} outcome for {arn}")
}

#[tokio::test]
async fn last_accessed_data_is_read_for_keyed_and_watched_principals_only() {
    let env = Env::start().await;
    seed(&env).await;
    answer_per_principal(&env);
    let snap = env.collect(&[Service::Iam]).await;
    let sla = last_accessed(&snap);
    let asked: Vec<&str> = sla
        .principals
        .iter()
        .map(|p| p.principal.as_str())
        .collect();
    assert_eq!(
        asked,
        [
            "arn:aws:iam::123456789012:role/rag",
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:iam::123456789012:user/dave",
        ],
        "{:#?}",
        snap.gaps
    );
    let alice = sla
        .of(&"arn:aws:iam::123456789012:user/alice".parse().expect("arn"))
        .expect("alice asked about");
    let kept: Vec<&str> = alice
        .services
        .value()
        .expect("collected")
        .iter()
        .map(|s| s.namespace.as_str())
        .collect();
    assert_eq!(kept, ["bedrock", "s3", "sts"]);
    let dave = sla
        .of(&"arn:aws:iam::123456789012:user/dave".parse().expect("arn"))
        .expect("dave asked about");
    let kept: Vec<&str> = dave
        .services
        .value()
        .expect("collected")
        .iter()
        .map(|s| s.namespace.as_str())
        .collect();
    assert_eq!(
        kept,
        ["sts"],
        "unused services that are not watched are dropped"
    );

    let bedrock = "iam_user_access_not_stale_to_bedrock";
    assert_eq!(status(&snap, bedrock, "user/alice"), "FAIL");
    assert_eq!(status(&snap, bedrock, "user/bob"), "PASS");
    assert_eq!(status(&snap, bedrock, "user/carol"), "PASS");
    let sagemaker = "iam_user_access_not_stale_to_sagemaker";
    assert_eq!(status(&snap, sagemaker, "user/bob"), "FAIL");
    assert_eq!(status(&snap, sagemaker, "user/alice"), "PASS");
    let role = "iam_role_access_not_stale_to_bedrock";
    assert_eq!(status(&snap, role, "role/rag"), "PASS");
    assert_eq!(status(&snap, role, "role/plain"), "PASS");
    let keys = "iam_user_with_temporary_credentials";
    assert_eq!(status(&snap, keys, "user/alice"), "FAIL");
    assert_eq!(status(&snap, keys, "user/dave"), "PASS");
    let requests = env
        .proxy
        .seen()
        .iter()
        .filter(|s| s.operation.contains("ServiceLastAccessed"))
        .count();
    assert_eq!(
        requests, 8,
        "two calls for each of the four principals asked about"
    );
}

#[tokio::test]
async fn a_denied_last_accessed_report_is_a_gap_per_principal_never_a_fail() {
    let env = Env::start().await;
    seed(&env).await;
    env.proxy.fault(
        "iam:GenerateServiceLastAccessedDetails",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = env.collect(&[Service::Iam]).await;
    let gaps: Vec<_> = snap
        .gaps
        .iter()
        .filter(|g| g.action == "iam:GenerateServiceLastAccessedDetails")
        .collect();
    assert_eq!(gaps.len(), 4, "{gaps:#?}");
    assert!(gaps.iter().all(|g| g.kind == GapKind::AccessDenied));
    assert!(
        last_accessed(&snap)
            .principals
            .iter()
            .all(|p| p.services.value().is_none())
    );
    for (rule, who) in [
        ("iam_user_access_not_stale_to_bedrock", "user/alice"),
        ("iam_user_access_not_stale_to_sagemaker", "user/bob"),
        ("iam_role_access_not_stale_to_bedrock", "role/rag"),
        ("iam_user_with_temporary_credentials", "user/dave"),
    ] {
        assert_eq!(status(&snap, rule, who), "not collected", "{rule} {who}");
    }
    assert_eq!(
        status(&snap, "iam_user_access_not_stale_to_bedrock", "user/carol"),
        "PASS",
        "a user not asked about keeps its verdict"
    );
}
