//! The EFS collector against moto, in both test regions: an encrypted file
//! system with a policy and a `Name` tag, and an unencrypted one without a
//! policy, in each, so each field is seen both ways in each region. Denied
//! calls are gaps, never a FAIL.

use aws_sdk_efs::types::{PerformanceMode, Tag, ThroughputMode};
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::efs::FileSystem;
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Collected, GapKind, Properties, ResourceType, Service, Snapshot};

use crate::harness::*;

const RULE: &str = "efs_encryption_at_rest_enabled";

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ro","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"elasticfilesystem:ClientMount","Resource":"*"}]}"#;

fn kms_key(r: &str) -> String {
    format!("arn:aws:kms:{r}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
}

async fn scan(env: &Env) -> Snapshot {
    env.collect(&[Service::Efs]).await
}

/// Creates an encrypted file system with a policy and a `Name` tag, and an
/// unencrypted one with neither; returns their ids.
async fn seed(env: &Env, r: &str) -> (String, String) {
    let efs = env.efs(r).await;
    let enc = efs
        .create_file_system()
        .creation_token(format!("enc-{r}"))
        .encrypted(true)
        .kms_key_id(kms_key(r))
        .performance_mode(PerformanceMode::MaxIo)
        .throughput_mode(ThroughputMode::Bursting)
        .tags(
            Tag::builder()
                .key("Name")
                .value("shared")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("create encrypted file system");
    let enc = enc.file_system_id().to_owned();
    efs.put_file_system_policy()
        .file_system_id(&enc)
        .policy(POLICY)
        .send()
        .await
        .expect("put policy");
    let plain = efs
        .create_file_system()
        .creation_token(format!("plain-{r}"))
        .send()
        .await
        .expect("create file system")
        .file_system_id()
        .to_owned();
    (enc, plain)
}

fn arn(r: &str, id: &str) -> Arn {
    format!("arn:aws:elasticfilesystem:{r}:{ACCOUNT}:file-system/{id}")
        .parse()
        .expect("test ARN")
}

fn fs<'s>(snap: &'s Snapshot, r: &str, id: &str) -> (&'s str, &'s FileSystem) {
    let res = snap
        .resources
        .get(&arn(r, id))
        .unwrap_or_else(|| panic!("{id} of {r} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    match &res.properties {
        Properties::EfsFileSystem(f) => (res.name.as_str(), f),
        other => panic!("{r}: {:?}", other.resource_type()),
    }
}

fn status(snap: &Snapshot, r: &str, id: &str) -> Option<Status> {
    let arn = arn(r, id);
    rule_status(snap, RULE, &arn)
}

#[tokio::test]
async fn efs_collects_encryption_and_policy_in_both_regions() {
    let env = Env::start().await;
    let (e1, p1) = seed(&env, R1).await;
    let (e2, p2) = seed(&env, R2).await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::EfsFileSystem).count(), 4);
    for (r, enc, plain) in [(R1, &e1, &p1), (R2, &e2, &p2)] {
        let (name, f) = fs(&snap, r, enc);
        assert_eq!(name, "shared");
        assert_eq!(f.file_system_id, *enc);
        assert!(f.encrypted);
        assert_eq!(f.kms_key_id.as_deref(), Some(kms_key(r).as_str()));
        assert_eq!(f.life_cycle_state, "available");
        assert!(f.created.is_some());
        assert_eq!(f.performance_mode.as_deref(), Some("maxIO"));
        assert_eq!(f.throughput_mode.as_deref(), Some("bursting"));
        let Collected::Value(Some(policy)) = &f.policy else {
            panic!("{r}: policy {:?}", f.policy);
        };
        assert_eq!(policy["Statement"][0]["Sid"], "ro");
        let res = snap.resources.get(&arn(r, enc)).expect("resource");
        assert_eq!(res.tags.get("Name").map(String::as_str), Some("shared"));
        assert_eq!(status(&snap, r, enc), Some(Status::Pass));

        let (name, f) = fs(&snap, r, plain);
        assert_eq!(name, plain.as_str());
        assert!(!f.encrypted);
        assert_eq!(f.kms_key_id, None);
        assert_eq!(f.performance_mode.as_deref(), Some("generalPurpose"));
        // No policy is a real answer (PolicyNotFound), not a gap.
        assert_eq!(f.policy, Collected::Value(None));
        assert_eq!(status(&snap, r, plain), Some(Status::Fail));
    }

    // The unencrypted one gains a policy (moto has no
    // DeleteFileSystemPolicy, so no policy is taken away).
    for (r, plain) in [(R1, &p1), (R2, &p2)] {
        env.efs(r)
            .await
            .put_file_system_policy()
            .file_system_id(plain.as_str())
            .policy(POLICY)
            .send()
            .await
            .expect("put policy");
    }
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for (r, plain) in [(R1, &p1), (R2, &p2)] {
        assert!(matches!(
            fs(&snap, r, plain).1.policy,
            Collected::Value(Some(_))
        ));
    }
}

/// A denied listing leaves the region's file systems out, with a gap per
/// region and no finding.
#[tokio::test]
async fn efs_denied_listing_is_a_gap_never_a_fail() {
    let env = Env::start().await;
    seed(&env, R1).await;
    seed(&env, R2).await;
    env.proxy.fault(
        "elasticfilesystem:DescribeFileSystems",
        Fault::Error {
            code: "AccessDeniedException",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::EfsFileSystem).count(), 0);
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert!(snap.gaps.iter().any(|g| g.service == Service::Efs
            && g.action == "elasticfilesystem:DescribeFileSystems"
            && g.kind == GapKind::AccessDenied
            && g.region.as_ref().map(|x| x.as_str()) == Some(r)));
    }
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    assert!(!result.findings.iter().any(|f| f.rule_id == RULE));
}

/// A denied policy read is a gap naming the file system, the policy not
/// collected; encryption, read with the listing, is still judged.
#[tokio::test]
async fn efs_denied_policy_is_a_gap_and_not_collected() {
    let env = Env::start().await;
    let (e1, p1) = seed(&env, R1).await;
    let (e2, p2) = seed(&env, R2).await;
    env.proxy.fault(
        "elasticfilesystem:DescribeFileSystemPolicy",
        Fault::Error {
            code: "AccessDeniedException",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 4, "{:#?}", snap.gaps);
    for (r, ids) in [(R1, [&e1, &p1]), (R2, [&e2, &p2])] {
        for id in ids {
            assert_eq!(fs(&snap, r, id).1.policy, Collected::NotCollected);
            assert!(
                snap.gaps
                    .iter()
                    .any(|g| g.action == "elasticfilesystem:DescribeFileSystemPolicy"
                        && g.kind == GapKind::AccessDenied
                        && g.resource.as_ref() == Some(&arn(r, id)))
            );
        }
        assert_eq!(status(&snap, r, ids[0]), Some(Status::Pass));
        assert_eq!(status(&snap, r, ids[1]), Some(Status::Fail));
    }
}
