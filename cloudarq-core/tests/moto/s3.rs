//! The S3 collector against moto: every bucket field both ways in both test
//! regions, the account-wide Block Public Access, gaps on denied reads,
//! retries on throttling, and the number of requests one scan costs.
//!
//! moto limitations (asserted as today's behaviour, not skipped):
//!
//! | service | field/call | why moto can't |
//! | --- | --- | --- |
//! | s3 | `GetBucketVersioning` | moto 5.2.1 names the answer's root element `GetBucketVersioningResponse` (its model extras lack the `VersioningConfiguration` wrapper), which the Rust SDK rejects as a parse error; [`start`] has the proxy rename it, and [`moto_versioning_answers_are_unreadable_without_the_correction`] pins the raw behaviour (a gap of kind `Other`) |
//! | s3 | `versioning.mfa_delete` | `PutBucketVersioning` keeps only `<Status>` and `GetBucketVersioning` never returns `MFADelete`, so it reads `None` for every bucket; the `Enabled` mapping is covered by a unit test in `collect/s3.rs` |
//! | s3 | `ListBuckets` `BucketRegion` | moto ignores the page size for this purpose and never returns a bucket's region in the listing, so every bucket costs a `GetBucketLocation` here; AWS returns the region and saves that call, which [`regions_in_the_listing_save_the_location_calls`] checks by having the proxy add the element |

use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLoggingStatus, BucketVersioningStatus, DefaultRetention, LoggingEnabled,
    ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule,
    ObjectOwnership, OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use cloudarq_model::inventory::s3::{
    BucketLogging, BucketVersioning, EncryptionRule, ObjectLock, PublicAccessBlock,
    S3AccountPublicAccessBlock, S3Bucket,
};
use cloudarq_model::{
    Arn, Collected, CoverageGap, GapKind, Properties, Resource, ResourceType, Service, Snapshot,
};

use crate::harness::*;

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const KMS_KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// A region the scan does not cover.
const ELSEWHERE: &str = "us-west-2";

fn tls_deny_policy(bucket: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
    )
}

fn public_read_policy(bucket: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    )
}

async fn create_bucket(env: &Env, region: &str, name: &str, object_lock: bool) {
    let mut req = env.create_bucket(region, name).await;
    if object_lock {
        req = req.object_lock_enabled_for_bucket(true);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

async fn put_encryption(
    s3: &aws_sdk_s3::Client,
    name: &str,
    algorithm: ServerSideEncryption,
    key: Option<&str>,
) {
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(algorithm)
                .set_kms_master_key_id(key.map(str::to_owned))
                .build()
                .expect("complete builder"),
        )
        .bucket_key_enabled(key.is_some())
        .build();
    s3.put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .expect("complete builder"),
        )
        .send()
        .await
        .expect("put encryption");
}

async fn put_bucket_pab(s3: &aws_sdk_s3::Client, name: &str, all: bool) {
    s3.put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(all)
                .block_public_policy(all)
                .restrict_public_buckets(all)
                .build(),
        )
        .send()
        .await
        .expect("put public access block");
}

async fn put_policy(s3: &aws_sdk_s3::Client, name: &str, policy: &str) {
    s3.put_bucket_policy()
        .bucket(name)
        .policy(policy)
        .send()
        .await
        .expect("put policy");
}

/// The full fixture: six buckets in the two scanned regions covering every
/// field both ways, and one in a region the scan leaves out.
///
/// | bucket | region | encryption | BPA | policy | ACL | ownership | versioning | logging | lock |
/// | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
/// | r1-secure | R1 | AES256 | full | TLS deny | private | enforced | Enabled | on | off |
/// | r1-logs | R1 | none | none | none | log-delivery-write | none | never | off | off |
/// | r1-locked | R1 | none | none | none | private | none | Enabled (by lock) | off | on |
/// | r2-partial | R2 | aws:kms | partial | none | private | none | never | off | off |
/// | r2-public | R2 | none | none | public | public-read | none | never | off | off |
/// | r2-plain | R2 | none | none | none | private | none | never | off | off |
/// | w2-elsewhere | us-west-2 | - | - | - | - | - | - | - | - |
async fn seed_fixture(env: &Env) {
    for (region, name, lock) in [
        (R1, "r1-secure", false),
        (R1, "r1-logs", false),
        (R1, "r1-locked", true),
        (R2, "r2-partial", false),
        (R2, "r2-public", false),
        (R2, "r2-plain", false),
        (ELSEWHERE, "w2-elsewhere", false),
    ] {
        create_bucket(env, region, name, lock).await;
    }
    let s1 = env.s3(R1).await;
    let s2 = env.s3(R2).await;

    put_encryption(&s1, "r1-secure", ServerSideEncryption::Aes256, None).await;
    put_policy(&s1, "r1-secure", &tls_deny_policy("r1-secure")).await;
    put_bucket_pab(&s1, "r1-secure", true).await;
    s1.put_bucket_ownership_controls()
        .bucket("r1-secure")
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .expect("complete builder"),
                )
                .build()
                .expect("complete builder"),
        )
        .send()
        .await
        .expect("put ownership controls");
    s1.put_bucket_versioning()
        .bucket("r1-secure")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("put versioning");
    s1.put_bucket_acl()
        .bucket("r1-logs")
        .acl(BucketCannedAcl::from("log-delivery-write"))
        .send()
        .await
        .expect("put log-delivery acl");
    s1.put_bucket_logging()
        .bucket("r1-secure")
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(
                    LoggingEnabled::builder()
                        .target_bucket("r1-logs")
                        .target_prefix("secure/")
                        .build()
                        .expect("complete builder"),
                )
                .build(),
        )
        .send()
        .await
        .expect("put logging");
    s1.put_object_lock_configuration()
        .bucket("r1-locked")
        .object_lock_configuration(
            ObjectLockConfiguration::builder()
                .object_lock_enabled(ObjectLockEnabled::Enabled)
                .rule(
                    ObjectLockRule::builder()
                        .default_retention(
                            DefaultRetention::builder()
                                .mode(ObjectLockRetentionMode::Governance)
                                .days(30)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("put object lock");

    put_encryption(
        &s2,
        "r2-partial",
        ServerSideEncryption::AwsKms,
        Some(KMS_KEY),
    )
    .await;
    put_bucket_pab(&s2, "r2-partial", false).await;
    put_policy(&s2, "r2-public", &public_read_policy("r2-public")).await;
    s2.put_bucket_acl()
        .bucket("r2-public")
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await
        .expect("put public-read acl");
}

/// moto behind the proxy, with moto's `GetBucketVersioning` root element
/// corrected to the one AWS sends (see the table above).
async fn start() -> Env {
    let env = Env::start().await;
    env.correct_moto_versioning();
    env
}

async fn scan(env: &Env) -> Snapshot {
    env.auditor(Env::static_source())
        .services([Service::S3])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan")
}

fn bucket_arn(name: &str) -> Arn {
    format!("arn:aws:s3:::{name}").parse().expect("bucket arn")
}

fn account_arn() -> Arn {
    format!("arn:aws:s3::{ACCOUNT}:account")
        .parse()
        .expect("account arn")
}

fn bucket<'a>(snap: &'a Snapshot, name: &str) -> (&'a Resource, &'a S3Bucket) {
    let r = snap
        .resources
        .get(&bucket_arn(name))
        .unwrap_or_else(|| panic!("bucket {name} missing"));
    match &r.properties {
        Properties::S3Bucket(b) => (r, b),
        other => panic!("{name} is {:?}", other.resource_type()),
    }
}

fn account_pab(snap: &Snapshot) -> &S3AccountPublicAccessBlock {
    let r = snap
        .resources
        .get(&account_arn())
        .expect("account public access block");
    assert_eq!(r.region, None);
    assert_eq!(r.resource_type(), ResourceType::S3AccountPublicAccessBlock);
    match &r.properties {
        Properties::S3AccountPublicAccessBlock(p) => p,
        other => panic!("account setting is {:?}", other.resource_type()),
    }
}

fn json(doc: &str) -> serde_json::Value {
    serde_json::from_str(doc).expect("json")
}

fn has_all_users_grant(b: &S3Bucket) -> bool {
    b.acl
        .value()
        .expect("acl collected")
        .grants
        .iter()
        .any(|g| g.grantee_type == "Group" && g.grantee_uri.as_deref() == Some(ALL_USERS))
}

const FULL: PublicAccessBlock = PublicAccessBlock {
    block_public_acls: true,
    ignore_public_acls: true,
    block_public_policy: true,
    restrict_public_buckets: true,
};

#[tokio::test]
async fn every_bucket_field_both_ways_in_both_regions() {
    let env = start().await;
    seed_fixture(&env).await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);

    let names: Vec<&str> = snap
        .of_type(ResourceType::S3Bucket)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "r1-locked",
            "r1-logs",
            "r1-secure",
            "r2-partial",
            "r2-plain",
            "r2-public"
        ],
        "buckets outside the scanned regions are left out"
    );
    let now = time::OffsetDateTime::now_utc();
    for r in snap.of_type(ResourceType::S3Bucket) {
        let (res, b) = bucket(&snap, &r.name);
        assert_eq!(res.arn.account(), "", "bucket ARNs carry no account");
        assert_eq!(res.arn.region(), "", "bucket ARNs carry no region");
        assert_eq!(b.name, r.name);
        let created = b.created.expect("creation date").get();
        assert!((now - created).whole_minutes().abs() < 10, "{created}");
        assert!(b.acl.value().expect("acl").owner_id.is_some());
    }

    // R1: AES256, full BPA, TLS-deny policy, enforced ownership, versioning, logging.
    let (res, b) = bucket(&snap, "r1-secure");
    assert_eq!(res.region, Some(region(R1)));
    assert_eq!(
        b.encryption,
        Collected::Value(Some(vec![EncryptionRule {
            sse_algorithm: "AES256".to_owned(),
            kms_key_id: None,
            bucket_key_enabled: Some(false),
        }]))
    );
    assert_eq!(b.public_access_block, Collected::Value(Some(FULL)));
    assert_eq!(
        b.policy,
        Collected::Value(Some(json(&tls_deny_policy("r1-secure"))))
    );
    assert_eq!(
        b.ownership,
        Collected::Value(Some("BucketOwnerEnforced".to_owned()))
    );
    assert_eq!(
        b.versioning,
        Collected::Value(BucketVersioning {
            status: Some("Enabled".to_owned()),
            // moto limitation: MFA Delete is never returned.
            mfa_delete: None,
        })
    );
    assert_eq!(
        b.logging,
        Collected::Value(Some(BucketLogging {
            target_bucket: "r1-logs".to_owned(),
            target_prefix: "secure/".to_owned(),
        }))
    );
    assert_eq!(b.object_lock, Collected::Value(None));
    assert!(!has_all_users_grant(b));

    // R1: the log bucket grants the log-delivery group, and nothing else is set.
    let (res, b) = bucket(&snap, "r1-logs");
    assert_eq!(res.region, Some(region(R1)));
    let log_delivery = b
        .acl
        .value()
        .expect("acl")
        .grants
        .iter()
        .filter(|g| {
            g.grantee_uri.as_deref() == Some("http://acs.amazonaws.com/groups/s3/LogDelivery")
        })
        .count();
    assert!(log_delivery > 0, "{:?}", b.acl);
    assert!(!has_all_users_grant(b));
    assert_eq!(b.logging, Collected::Value(None));

    // R1: Object Lock with a default retention (which also turns versioning on).
    let (res, b) = bucket(&snap, "r1-locked");
    assert_eq!(res.region, Some(region(R1)));
    assert_eq!(
        b.object_lock,
        Collected::Value(Some(ObjectLock {
            enabled: true,
            default_mode: Some("GOVERNANCE".to_owned()),
            default_days: Some(30),
            default_years: None,
        }))
    );
    assert_eq!(
        b.versioning.value().and_then(|v| v.status.as_deref()),
        Some("Enabled")
    );

    // R2: SSE-KMS with a key and Bucket Key, partial BPA.
    let (res, b) = bucket(&snap, "r2-partial");
    assert_eq!(res.region, Some(region(R2)));
    assert_eq!(
        b.encryption,
        Collected::Value(Some(vec![EncryptionRule {
            sse_algorithm: "aws:kms".to_owned(),
            kms_key_id: Some(KMS_KEY.to_owned()),
            bucket_key_enabled: Some(true),
        }]))
    );
    let pab = b
        .public_access_block
        .value()
        .copied()
        .flatten()
        .expect("partial bpa");
    assert!(pab.block_public_acls && !pab.all_enabled(), "{pab:?}");
    assert_eq!(b.policy, Collected::Value(None));

    // R2: a public policy and a public-read ACL.
    let (res, b) = bucket(&snap, "r2-public");
    assert_eq!(res.region, Some(region(R2)));
    assert_eq!(
        b.policy,
        Collected::Value(Some(json(&public_read_policy("r2-public"))))
    );
    assert!(has_all_users_grant(b), "{:?}", b.acl);
    let read = b
        .acl
        .value()
        .expect("acl")
        .grants
        .iter()
        .any(|g| g.grantee_uri.as_deref() == Some(ALL_USERS) && g.permission == "READ");
    assert!(read);

    // R2: nothing configured reads as "none", never as not collected.
    let (res, b) = bucket(&snap, "r2-plain");
    assert_eq!(res.region, Some(region(R2)));
    assert_eq!(b.encryption, Collected::Value(None));
    assert_eq!(b.public_access_block, Collected::Value(None));
    assert_eq!(b.policy, Collected::Value(None));
    assert_eq!(b.ownership, Collected::Value(None));
    assert_eq!(
        b.versioning,
        Collected::Value(BucketVersioning {
            status: None,
            mfa_delete: None,
        })
    );
    assert_eq!(b.logging, Collected::Value(None));
    assert_eq!(b.object_lock, Collected::Value(None));
    assert!(!has_all_users_grant(b));

    // The account setting exists and is unset.
    assert_eq!(account_pab(&snap).configuration, Collected::Value(None));
}

#[tokio::test]
async fn account_block_public_access_unset_then_set() {
    let env = start().await;
    let snap = scan(&env).await;
    assert_eq!(account_pab(&snap).configuration, Collected::Value(None));
    assert_eq!(snap.of_type(ResourceType::S3Bucket).count(), 0);

    env.s3control()
        .await
        .put_public_access_block()
        .account_id(ACCOUNT)
        .public_access_block_configuration(
            aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .expect("put account public access block");
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    assert_eq!(
        account_pab(&snap).configuration,
        Collected::Value(Some(FULL))
    );
    let call = env
        .proxy
        .seen()
        .into_iter()
        .find(|s| s.operation == "s3control:GetPublicAccessBlock")
        .expect("s3control call");
    assert!(
        call.host.starts_with(&format!("{ACCOUNT}.127.0.0.1:")),
        "{}",
        call.host
    );
}

/// Two buckets with a policy, one per scanned region.
async fn seed_two_with_policies(env: &Env) {
    create_bucket(env, R1, "pol-r1", false).await;
    create_bucket(env, R2, "pol-r2", false).await;
    put_policy(&env.s3(R1).await, "pol-r1", &tls_deny_policy("pol-r1")).await;
    put_policy(&env.s3(R2).await, "pol-r2", &public_read_policy("pol-r2")).await;
    put_encryption(
        &env.s3(R2).await,
        "pol-r2",
        ServerSideEncryption::Aes256,
        None,
    )
    .await;
}

fn gaps_for<'a>(snap: &'a Snapshot, action: &str) -> Vec<&'a CoverageGap> {
    snap.gaps.iter().filter(|g| g.action == action).collect()
}

#[tokio::test]
async fn denied_bucket_policy_reads_are_gaps_and_other_fields_stay() {
    let env = start().await;
    seed_two_with_policies(&env).await;
    env.proxy.fault(
        "s3:GetBucketPolicy",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for (name, reg) in [("pol-r1", R1), ("pol-r2", R2)] {
        let (res, b) = bucket(&snap, name);
        assert_eq!(b.policy, Collected::NotCollected, "{name}");
        assert_eq!(res.region, Some(region(reg)));
        let gap = snap
            .gaps
            .iter()
            .find(|g| g.resource.as_ref() == Some(&res.arn))
            .unwrap_or_else(|| panic!("no gap for {name}"));
        assert_eq!(gap.service, Service::S3);
        assert_eq!(gap.action, "s3:GetBucketPolicy");
        assert_eq!(gap.kind, GapKind::AccessDenied);
        assert_eq!(gap.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(gap.region, Some(region(reg)));
        // Every other read still landed.
        assert!(b.acl.is_collected());
        assert!(b.versioning.is_collected());
        assert_eq!(b.public_access_block, Collected::Value(None));
        assert_eq!(b.logging, Collected::Value(None));
        assert_eq!(b.object_lock, Collected::Value(None));
    }
    let (_, b) = bucket(&snap, "pol-r2");
    assert_eq!(
        b.encryption.value().and_then(|e| e.as_ref()).map(Vec::len),
        Some(1)
    );
    assert_eq!(account_pab(&snap).configuration, Collected::Value(None));
}

#[tokio::test]
async fn denied_account_setting_is_not_collected_and_buckets_stay() {
    let env = start().await;
    seed_two_with_policies(&env).await;
    env.proxy.fault(
        "s3control:GetPublicAccessBlock",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(account_pab(&snap).configuration, Collected::NotCollected);
    let gaps = gaps_for(&snap, "s3:GetAccountPublicAccessBlock");
    assert_eq!(gaps.len(), 1, "{:#?}", snap.gaps);
    assert_eq!(gaps[0].kind, GapKind::AccessDenied);
    assert_eq!(gaps[0].resource, Some(account_arn()));
    assert_eq!(gaps[0].region, None);
    assert_eq!(snap.gaps.len(), 1, "{:#?}", snap.gaps);
    let (_, b) = bucket(&snap, "pol-r1");
    assert_eq!(
        b.policy,
        Collected::Value(Some(json(&tls_deny_policy("pol-r1"))))
    );
}

#[tokio::test]
async fn denied_bucket_listing_leaves_only_the_account_setting() {
    let env = start().await;
    seed_two_with_policies(&env).await;
    env.proxy.fault(
        "s3:ListBuckets",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    assert_eq!(snap.of_type(ResourceType::S3Bucket).count(), 0);
    let gaps = gaps_for(&snap, "s3:ListAllMyBuckets");
    assert_eq!(gaps.len(), 1, "{:#?}", snap.gaps);
    assert_eq!(gaps[0].kind, GapKind::AccessDenied);
    assert_eq!(gaps[0].resource, None);
    assert_eq!(account_pab(&snap).configuration, Collected::Value(None));
}

#[tokio::test]
async fn throttled_encryption_reads_are_retried() {
    let env = start().await;
    seed_two_with_policies(&env).await;
    env.proxy
        .fault("s3:GetBucketEncryption", Fault::ThrottleFirst { times: 2 });
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    let (_, b) = bucket(&snap, "pol-r1");
    assert_eq!(b.encryption, Collected::Value(None));
    let (_, b) = bucket(&snap, "pol-r2");
    assert_eq!(
        b.encryption.value().and_then(|e| e.as_ref()).map(Vec::len),
        Some(1)
    );
    let sent = env
        .proxy
        .seen()
        .iter()
        .filter(|s| s.operation == "s3:GetBucketEncryption")
        .count();
    assert_eq!(sent, 2 + 2, "two buckets plus two retries");
}

#[tokio::test]
async fn one_scan_costs_one_listing_thirteen_reads_per_bucket_and_the_account_reads() {
    let env = start().await;
    seed_fixture(&env).await;
    let snap = scan(&env).await;
    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|s| s.operation == op).count();
    let in_scope = snap.of_type(ResourceType::S3Bucket).count();
    let all_buckets = in_scope + 1; // w2-elsewhere is located, then left alone
    assert_eq!(in_scope, 6);
    assert_eq!(count("s3:ListBuckets"), 1);
    // moto limitation: no BucketRegion in the listing, so each bucket is located.
    assert_eq!(count("s3:GetBucketLocation"), all_buckets);
    for op in [
        "s3:GetBucketEncryption",
        "s3:GetPublicAccessBlock",
        "s3:GetBucketPolicy",
        "s3:GetBucketAcl",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketVersioning",
        "s3:GetBucketLogging",
        "s3:GetObjectLockConfiguration",
        "s3:GetBucketTagging",
        "s3:GetBucketLifecycleConfiguration",
        "s3:GetBucketReplication",
        "s3:GetBucketNotificationConfiguration",
    ] {
        assert_eq!(count(op), in_scope, "{op}");
    }
    assert_eq!(count("s3control:GetPublicAccessBlock"), 1);
    // Access points: one listing per scanned region (no access point, so no
    // GetAccessPoint); Multi-Region Access Points: one listing.
    assert_eq!(count("s3control:ListAccessPoints"), 2);
    assert_eq!(count("s3control:ListMultiRegionAccessPoints"), 1);
    let s3_requests = seen
        .iter()
        .filter(|s| s.operation.starts_with("s3:") || s.operation.starts_with("s3control:"))
        .count();
    assert_eq!(s3_requests, 1 + all_buckets + 12 * in_scope + 1 + 2 + 1);
    // The request counter agrees with the proxy (the rest is STS and EC2 regions).
    assert_eq!(snap.stats.api_requests, seen.len() as u64);
    let listing = seen
        .iter()
        .find(|s| s.operation == "s3:ListBuckets")
        .expect("listing");
    assert!(listing.uri.contains("max-buckets=1000"), "{}", listing.uri);
}

#[tokio::test]
async fn moto_versioning_answers_are_unreadable_without_the_correction() {
    // FIXME(moto 5.2.1): drop this test and the rewrite in `start` once moto
    // answers GetBucketVersioning with a `VersioningConfiguration` root.
    let env = Env::start().await;
    seed_two_with_policies(&env).await;
    let snap = scan(&env).await;
    let gaps = gaps_for(&snap, "s3:GetBucketVersioning");
    assert_eq!(gaps.len(), 2, "{:#?}", snap.gaps);
    assert_eq!(snap.gaps.len(), 2, "{:#?}", snap.gaps);
    for name in ["pol-r1", "pol-r2"] {
        let (res, b) = bucket(&snap, name);
        assert_eq!(b.versioning, Collected::NotCollected, "{name}");
        assert!(b.policy.value().is_some_and(Option::is_some), "{name}");
        let gap = gaps
            .iter()
            .find(|g| g.resource.as_ref() == Some(&res.arn))
            .unwrap_or_else(|| panic!("no gap for {name}"));
        assert_eq!(gap.kind, GapKind::Other);
        assert!(
            gap.message.contains("GetBucketVersioningResponse"),
            "{}",
            gap.message
        );
    }
}

#[tokio::test]
async fn regions_in_the_listing_save_the_location_calls() {
    // AWS puts `BucketRegion` in a paged listing; moto does not, so the
    // proxy adds it to moto's answer (both buckets live in R1).
    let env = start().await;
    create_bucket(&env, R1, "listed-a", false).await;
    create_bucket(&env, R1, "listed-b", false).await;
    env.proxy.rewrite_response(
        "s3:ListBuckets",
        "</CreationDate>",
        &format!("</CreationDate><BucketRegion>{R1}</BucketRegion>"),
    );
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for name in ["listed-a", "listed-b"] {
        let (res, b) = bucket(&snap, name);
        assert_eq!(res.region, Some(region(R1)));
        assert!(b.acl.is_collected() && b.versioning.is_collected());
    }
    let seen = env.proxy.seen();
    let count = |op: &str| seen.iter().filter(|s| s.operation == op).count();
    assert_eq!(count("s3:GetBucketLocation"), 0);
    assert_eq!(count("s3:GetBucketAcl"), 2);
}

/// Two buckets per region, one of them tagged.
async fn seed_tagged(env: &Env) {
    for (reg, owned, bare) in [
        (R1, "tag-r1-owned", "tag-r1-bare"),
        (R2, "tag-r2-owned", "tag-r2-bare"),
    ] {
        create_bucket(env, reg, owned, false).await;
        create_bucket(env, reg, bare, false).await;
        env.s3(reg)
            .await
            .put_bucket_tagging()
            .bucket(owned)
            .tagging(
                Tagging::builder()
                    .tag_set(Tag::builder().key("owner").value(reg).build().unwrap())
                    .tag_set(Tag::builder().key("backup").value("").build().unwrap())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("put bucket tagging");
    }
}

/// Issue 13: bucket tags come from `GetBucketTagging`; `NoSuchTagSet` is a
/// bucket without tags, not a gap.
#[tokio::test]
async fn bucket_tags_both_ways_in_both_regions() {
    let env = start().await;
    seed_tagged(&env).await;
    let snap = scan(&env).await;
    assert!(snap.gaps.is_empty(), "{:#?}", snap.gaps);
    for reg in [R1, R2] {
        let (owned, _) = bucket(
            &snap,
            &format!("tag-{}-owned", if reg == R1 { "r1" } else { "r2" }),
        );
        let tags: Vec<(&str, &str)> = owned
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(tags, [("backup", ""), ("owner", reg)]);
        let (bare, _) = bucket(
            &snap,
            &format!("tag-{}-bare", if reg == R1 { "r1" } else { "r2" }),
        );
        assert!(bare.tags.is_empty());
    }
}

/// Issue 13: a denied `GetBucketTagging` leaves the tags empty with a gap
/// naming the bucket; every setting is still read.
#[tokio::test]
async fn denied_bucket_tags_are_gaps_and_settings_stay() {
    let env = start().await;
    seed_tagged(&env).await;
    env.proxy.fault(
        "s3:GetBucketTagging",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let snap = scan(&env).await;
    let gaps = gaps_for(&snap, "s3:GetBucketTagging");
    assert_eq!(gaps.len(), 4, "{:#?}", snap.gaps);
    assert_eq!(snap.gaps.len(), 4, "no other gaps: {:#?}", snap.gaps);
    for name in ["tag-r1-owned", "tag-r1-bare", "tag-r2-owned", "tag-r2-bare"] {
        let (res, b) = bucket(&snap, name);
        assert!(res.tags.is_empty(), "{name}");
        assert!(
            gaps.iter().any(|g| g.resource.as_ref() == Some(&res.arn)
                && g.kind == GapKind::AccessDenied
                && g.region == res.region),
            "{name}"
        );
        assert!(b.acl.is_collected() && b.policy.is_collected(), "{name}");
    }
}
