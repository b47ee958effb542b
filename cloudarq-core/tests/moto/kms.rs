//! The KMS collector against moto: customer managed keys in two regions,
//! every collected field both ways, which keys cost a rotation call, AWS
//! managed keys left out, and denied calls as gaps (never a FAIL).

use std::collections::BTreeMap;

use aws_sdk_kms::Client as Kms;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, OriginType, Tag};
use cloudarq_core::engine::Engine;
use cloudarq_model::inventory::kms::KmsKey;
use cloudarq_model::rule::Status;
use cloudarq_model::{
    Arn, Collected, GapKind, Properties, Resource, ResourceType, Service, Snapshot,
};

use crate::harness::*;

/// A key policy that lets every principal decrypt: public.
pub const PUBLIC_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Sid":"EveryoneDecrypts","Effect":"Allow","Principal":"*","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*"}]}"#;

/// A key policy that shares the key with `*`, but only inside the account:
/// not public.
pub const ACCOUNT_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"},{"Sid":"AccountDecrypts","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"123456789012"}}}]}"#;

/// Creates a symmetric encryption key (the usage given explicitly: moto
/// leaves `KeyUsage` out of `DescribeKey` otherwise) and returns its id.
pub async fn create_key(kms: &Kms, description: &str, policy: Option<&str>) -> String {
    let mut b = kms
        .create_key()
        .description(description)
        .key_usage(KeyUsageType::EncryptDecrypt);
    if let Some(p) = policy {
        b = b.policy(p);
    }
    b.send()
        .await
        .expect("create key")
        .key_metadata()
        .expect("key metadata")
        .key_id()
        .to_owned()
}

pub async fn enable_rotation(kms: &Kms, id: &str) {
    kms.enable_key_rotation()
        .key_id(id)
        .send()
        .await
        .expect("enable rotation");
}

pub async fn schedule_deletion(kms: &Kms, id: &str) {
    kms.schedule_key_deletion()
        .key_id(id)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule deletion");
}

/// The key ids `seed` created in one region, by role.
struct Seeded {
    rotated: String,
    unrotated: String,
    pending: String,
    public: String,
    shared_in_account: String,
    asymmetric: String,
    imported: String,
}

/// Seeds one region with a key for each state a rule or field tells apart.
async fn seed(env: &Env, r: &str) -> Seeded {
    let kms = env.kms(r).await;
    let rotated = create_key(&kms, "rotated", None).await;
    enable_rotation(&kms, &rotated).await;
    kms.tag_resource()
        .key_id(&rotated)
        .tags(Tag::builder().tag_key("team").tag_value(r).build().unwrap())
        .send()
        .await
        .expect("tag key");
    let unrotated = create_key(&kms, "unrotated", None).await;
    let pending = create_key(&kms, "pending", None).await;
    schedule_deletion(&kms, &pending).await;
    let public = create_key(&kms, "public", Some(PUBLIC_POLICY)).await;
    enable_rotation(&kms, &public).await;
    let shared_in_account = create_key(&kms, "shared-in-account", Some(ACCOUNT_POLICY)).await;
    enable_rotation(&kms, &shared_in_account).await;
    let asymmetric = kms
        .create_key()
        .description("signing")
        .key_spec(KeySpec::Rsa2048)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .expect("create asymmetric key")
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let imported = kms
        .create_key()
        .description("imported")
        .key_usage(KeyUsageType::EncryptDecrypt)
        .origin(OriginType::External)
        .send()
        .await
        .expect("create external key")
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    Seeded {
        rotated,
        unrotated,
        pending,
        public,
        shared_in_account,
        asymmetric,
        imported,
    }
}

async fn scan(env: &Env) -> Snapshot {
    env.auditor(Env::static_source())
        .services([Service::Kms])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan")
}

fn key_arn(r: &str, id: &str) -> Arn {
    format!("arn:aws:kms:{r}:{ACCOUNT}:key/{id}")
        .parse()
        .expect("test ARN")
}

fn resource<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s Resource {
    let arn = key_arn(r, id);
    let res = snap
        .resources
        .get(&arn)
        .unwrap_or_else(|| panic!("{arn} collected"));
    assert_eq!(res.region.as_ref().map(|g| g.as_str()), Some(r));
    assert_eq!(res.name, id);
    res
}

fn key<'s>(snap: &'s Snapshot, r: &str, id: &str) -> &'s KmsKey {
    match &resource(snap, r, id).properties {
        Properties::KmsKey(k) => k,
        other => panic!("{id} is {:?}", other.resource_type()),
    }
}

/// The `Sid`s of a collected key policy.
fn sids(k: &KmsKey) -> Vec<String> {
    let Collected::Value(Some(doc)) = &k.policy else {
        panic!("{}: policy not collected: {:?}", k.key_id, k.policy);
    };
    doc["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .filter_map(|s| s["Sid"].as_str().map(str::to_owned))
        .collect()
}

/// Requests per `kms:` operation and region the proxy saw.
fn kms_requests(env: &Env) -> BTreeMap<String, usize> {
    let mut by_op = BTreeMap::new();
    for s in env.proxy.seen() {
        if s.operation.starts_with("kms:") {
            *by_op.entry(s.operation).or_default() += 1;
        }
    }
    by_op
}

#[tokio::test]
async fn kms_collects_every_field_both_ways_in_both_regions() {
    let env = Env::start().await;
    let mut seeded = BTreeMap::new();
    for r in [R1, R2] {
        seeded.insert(r, seed(&env, r).await);
    }
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(snap.of_type(ResourceType::KmsKey).count(), 14);

    for r in [R1, R2] {
        let s = &seeded[r];
        let rotated = key(&snap, r, &s.rotated);
        assert_eq!(rotated.key_id, s.rotated);
        assert_eq!(rotated.state.as_deref(), Some("Enabled"));
        assert_eq!(rotated.key_spec.as_deref(), Some("SYMMETRIC_DEFAULT"));
        assert_eq!(rotated.key_usage.as_deref(), Some("ENCRYPT_DECRYPT"));
        assert_eq!(rotated.origin.as_deref(), Some("AWS_KMS"));
        assert_eq!(rotated.description.as_deref(), Some("rotated"));
        assert!(rotated.created.is_some());
        assert_eq!(rotated.deletion_date, None);
        assert!(!rotated.multi_region);
        assert_eq!(rotated.rotation_enabled, Collected::Value(Some(true)));
        assert_eq!(
            sids(rotated),
            ["Enable IAM User Permissions"],
            "moto's default policy"
        );
        let tags = &resource(&snap, r, &s.rotated).tags;
        assert_eq!(tags.get("team").map(String::as_str), Some(r));
        assert_eq!(tags.len(), 1);

        let unrotated = key(&snap, r, &s.unrotated);
        assert_eq!(unrotated.rotation_enabled, Collected::Value(Some(false)));
        assert!(resource(&snap, r, &s.unrotated).tags.is_empty());

        let pending = key(&snap, r, &s.pending);
        assert_eq!(pending.state.as_deref(), Some("PendingDeletion"));
        let days = snap
            .collected_at
            .days_until(pending.deletion_date.expect("a deletion date"));
        assert!((6..=7).contains(&days), "deleted in 7 days, not {days}");

        assert_eq!(
            sids(key(&snap, r, &s.public)),
            ["Owner", "EveryoneDecrypts"]
        );
        assert_eq!(
            sids(key(&snap, r, &s.shared_in_account)),
            ["Owner", "AccountDecrypts"]
        );

        // Rotation does not apply: no call, `Value(None)`.
        let asymmetric = key(&snap, r, &s.asymmetric);
        assert_eq!(asymmetric.key_spec.as_deref(), Some("RSA_2048"));
        assert_eq!(asymmetric.key_usage.as_deref(), Some("SIGN_VERIFY"));
        assert_eq!(asymmetric.rotation_enabled, Collected::Value(None));
        let imported = key(&snap, r, &s.imported);
        assert_eq!(imported.origin.as_deref(), Some("EXTERNAL"));
        assert_eq!(imported.rotation_enabled, Collected::Value(None));
    }

    // Per region: one ListKeys, and per key DescribeKey, GetKeyPolicy and
    // ListResourceTags; GetKeyRotationStatus only for the five symmetric
    // keys of origin AWS_KMS.
    let calls = kms_requests(&env);
    assert_eq!(calls.get("kms:ListKeys"), Some(&2), "{calls:?}");
    assert_eq!(calls.get("kms:DescribeKey"), Some(&14), "{calls:?}");
    assert_eq!(calls.get("kms:GetKeyPolicy"), Some(&14), "{calls:?}");
    assert_eq!(calls.get("kms:ListResourceTags"), Some(&14), "{calls:?}");
    assert_eq!(
        calls.get("kms:GetKeyRotationStatus"),
        Some(&10),
        "{calls:?}"
    );

    // The rules see each planted state, in both regions.
    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    let status = |rule: &str, r: &str, id: &str| {
        let arn = key_arn(r, id);
        result
            .findings
            .iter()
            .find(|f| f.rule_id == rule && f.resource_arn == arn)
            .map(|f| f.status)
    };
    for r in [R1, R2] {
        let s = &seeded[r];
        let rotation = "kms_cmk_rotation_enabled";
        assert_eq!(status(rotation, r, &s.rotated), Some(Status::Pass));
        assert_eq!(status(rotation, r, &s.unrotated), Some(Status::Fail));
        for id in [&s.pending, &s.asymmetric, &s.imported] {
            assert_eq!(status(rotation, r, id), None, "not applicable");
        }
        let public = "kms_key_not_publicly_accessible";
        assert_eq!(status(public, r, &s.public), Some(Status::Fail));
        assert_eq!(status(public, r, &s.shared_in_account), Some(Status::Pass));
        assert_eq!(status(public, r, &s.rotated), Some(Status::Pass));
        let deletion = "kms_cmk_not_deleted_unintentionally";
        assert_eq!(status(deletion, r, &s.pending), Some(Status::Fail));
        assert_eq!(status(deletion, r, &s.unrotated), Some(Status::Pass));
    }
}

/// One key per region, for the fault tests.
async fn seed_small(env: &Env) -> BTreeMap<&'static str, String> {
    let mut ids = BTreeMap::new();
    for r in [R1, R2] {
        let kms = env.kms(r).await;
        let id = create_key(&kms, "unrotated", Some(PUBLIC_POLICY)).await;
        ids.insert(r, id);
    }
    ids
}

/// Issue 13: a denied `GetKeyRotationStatus` or `GetKeyPolicy` makes the
/// field not collected, with one gap naming the key and region, and the
/// rules that read it give no PASS or FAIL (no false alarm).
#[tokio::test]
async fn kms_denied_rotation_status_and_policy_are_gaps_never_fails() {
    let env = Env::start().await;
    let ids = seed_small(&env).await;
    let denied = Fault::Error {
        code: "AccessDeniedException",
        status: 400,
    };
    env.proxy.fault("kms:GetKeyRotationStatus", denied.clone());
    env.proxy.fault("kms:GetKeyPolicy", denied);
    let snap = scan(&env).await;

    for (r, id) in &ids {
        let k = key(&snap, r, id);
        assert_eq!(k.rotation_enabled, Collected::NotCollected, "{r}");
        assert_eq!(k.policy, Collected::NotCollected, "{r}");
        // The rest of the key is intact.
        assert_eq!(k.state.as_deref(), Some("Enabled"));
        assert_eq!(k.description.as_deref(), Some("unrotated"));
        for action in ["kms:GetKeyRotationStatus", "kms:GetKeyPolicy"] {
            let gaps: Vec<_> = snap
                .gaps
                .iter()
                .filter(|g| g.action == action && g.region.as_ref().map(|x| x.as_str()) == Some(*r))
                .collect();
            assert_eq!(gaps.len(), 1, "{action} in {r}: {:#?}", snap.gaps);
            let g = gaps[0];
            assert_eq!(g.service, Service::Kms);
            assert_eq!(g.kind, GapKind::AccessDenied);
            assert_eq!(g.error_code.as_deref(), Some("AccessDeniedException"));
            assert_eq!(g.resource.as_ref(), Some(&key_arn(r, id)));
        }
    }
    assert_eq!(snap.gaps.len(), 4, "no other gaps: {:#?}", snap.gaps);

    let result = Engine::new(cloudarq_rules::all()).evaluate(&snap);
    for rule in [
        "kms_cmk_rotation_enabled",
        "kms_key_not_publicly_accessible",
    ] {
        assert!(
            !result.findings.iter().any(|f| f.rule_id == rule),
            "{rule} judged a key it could not read"
        );
        let gaps = result
            .evaluation_gaps
            .iter()
            .filter(|g| g.rule_id == rule)
            .count();
        assert_eq!(gaps, 2, "{rule}: one evaluation gap per key");
    }
    // The state came with DescribeKey: that rule still runs.
    assert_eq!(
        result
            .findings
            .iter()
            .filter(
                |f| f.rule_id == "kms_cmk_not_deleted_unintentionally" && f.status == Status::Pass
            )
            .count(),
        2
    );
}

/// A denied listing leaves the region's keys absent with one gap.
#[tokio::test]
async fn kms_denied_listing_is_a_gap_per_region() {
    let env = Env::start().await;
    seed_small(&env).await;
    env.proxy.fault(
        "kms:ListKeys",
        Fault::Error {
            code: "AccessDeniedException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::KmsKey).count(), 0);
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for r in [R1, R2] {
        assert!(snap.gaps.iter().any(|g| g.action == "kms:ListKeys"
            && g.kind == GapKind::AccessDenied
            && g.resource.is_none()
            && g.region.as_ref().map(|x| x.as_str()) == Some(r)));
    }
}

/// A denied `DescribeKey` leaves the key out (nothing tells who manages
/// it) with a gap naming it; no further call is made for it.
#[tokio::test]
async fn kms_denied_description_leaves_the_key_out_with_a_gap() {
    let env = Env::start().await;
    let ids = seed_small(&env).await;
    env.proxy.fault(
        "kms:DescribeKey",
        Fault::Error {
            code: "AccessDeniedException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::KmsKey).count(), 0);
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for (r, id) in &ids {
        assert!(snap.gaps.iter().any(|g| g.action == "kms:DescribeKey"
            && g.kind == GapKind::AccessDenied
            && g.resource.as_ref() == Some(&key_arn(r, id))
            && g.region.as_ref().map(|x| x.as_str()) == Some(*r)));
    }
    assert_eq!(kms_requests(&env).get("kms:GetKeyPolicy"), None);
}

/// A denied `ListResourceTags` keeps the key, with no tags and a gap.
#[tokio::test]
async fn kms_denied_tags_are_a_gap_and_the_key_remains() {
    let env = Env::start().await;
    let ids = seed_small(&env).await;
    env.proxy.fault(
        "kms:ListResourceTags",
        Fault::Error {
            code: "AccessDeniedException",
            status: 400,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for (r, id) in &ids {
        let k = key(&snap, r, id);
        assert_eq!(k.rotation_enabled, Collected::Value(Some(false)));
        assert!(k.policy.is_collected());
        assert!(resource(&snap, r, id).tags.is_empty());
        assert!(
            snap.gaps.iter().any(|g| g.action == "kms:ListResourceTags"
                && g.resource.as_ref() == Some(&key_arn(r, id)))
        );
    }
}

/// What `DescribeKey` answers for an AWS managed key (`aws/ebs`).
const AWS_MANAGED: &str = r#"{"KeyMetadata":{"AWSAccountId":"123456789012","KeyId":"0a1b2c3d-aaaa-bbbb-cccc-0123456789ab","Arn":"arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab","Enabled":true,"KeyManager":"AWS","KeyState":"Enabled","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","Origin":"AWS_KMS","Description":"Default key that protects my EBS volumes when no other key is defined"}}"#;

/// AWS managed keys are left out after `DescribeKey`, costing no further
/// call. moto cannot create one, so the proxy answers `DescribeKey` as AWS
/// does for `aws/ebs`.
#[tokio::test]
async fn kms_aws_managed_keys_are_left_out() {
    let env = Env::start().await;
    seed_small(&env).await;
    env.proxy.fault(
        "kms:DescribeKey",
        Fault::Respond {
            status: 200,
            body: AWS_MANAGED,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::KmsKey).count(), 0);
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    let calls = kms_requests(&env);
    assert_eq!(calls.get("kms:DescribeKey"), Some(&2), "{calls:?}");
    for op in [
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
    ] {
        assert_eq!(calls.get(op), None, "{op}: {calls:?}");
    }
}

#[tokio::test]
async fn kms_throttled_listing_is_retried() {
    let env = Env::start().await;
    let ids = seed_small(&env).await;
    env.proxy
        .fault("kms:ListKeys", Fault::ThrottleFirst { times: 2 });
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for (r, id) in &ids {
        key(&snap, r, id);
    }
    assert_eq!(
        kms_requests(&env).get("kms:ListKeys"),
        Some(&4),
        "two throttled attempts, then one success per region"
    );
}
