//! S3 collector: every bucket in the scanned regions with its security
//! settings (`AWS::S3::Bucket`), and the account-wide Block Public Access
//! (`AWS::S3::AccountPublicAccessBlock`).
//!
//! One paginated `ListBuckets` names the buckets. Asked with a page size, S3
//! also returns each bucket's region, which saves a `GetBucketLocation` per
//! bucket; when a listing lacks it (older endpoints, emulators), the region
//! comes from `GetBucketLocation`. Buckets outside the scanned regions get no
//! further call. Each remaining bucket costs twelve reads (eight settings, its
//! tags, and its lifecycle, replication and notification configurations),
//! sent together to a client of the bucket's region; buckets are
//! worked on with the context's bounded concurrency. A failed read makes that
//! one field [`Collected::NotCollected`] and records a gap naming the bucket;
//! failed tags leave the bucket's tags empty, with the gap.

use std::collections::HashMap;

use aws_sdk_s3::operation::get_bucket_acl::GetBucketAclOutput;
use aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput;
use aws_sdk_s3::operation::get_bucket_logging::GetBucketLoggingOutput;
use aws_sdk_s3::operation::get_bucket_ownership_controls::GetBucketOwnershipControlsOutput;
use aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyOutput;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::operation::get_object_lock_configuration::GetObjectLockConfigurationOutput;
use aws_sdk_s3::types::ObjectLockEnabled;
use cloudarq_model::inventory::s3::{
    AclGrant, BucketAcl, BucketLogging, BucketVersioning, EncryptionRule, ObjectLock,
    PublicAccessBlock, S3AccountPublicAccessBlock, S3Bucket,
};
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource, Tags, Timestamp};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::{policy_document, tags, ts_opt};

mod access_points;
mod management;

/// Buckets asked for per `ListBuckets` page. Any page size makes S3 include
/// each bucket's region in the listing.
const LIST_PAGE_SIZE: i32 = 1000;

/// Error codes that mean "not configured" rather than "could not read".
const NO_ENCRYPTION: &str = "ServerSideEncryptionConfigurationNotFoundError";
const NO_PUBLIC_ACCESS_BLOCK: &str = "NoSuchPublicAccessBlockConfiguration";
const NO_POLICY: &str = "NoSuchBucketPolicy";
const NO_OWNERSHIP_CONTROLS: &str = "OwnershipControlsNotFoundError";
const NO_OBJECT_LOCK: &str = "ObjectLockConfigurationNotFoundError";
const NO_TAG_SET: &str = "NoSuchTagSet";
const NO_LIFECYCLE: &str = "NoSuchLifecycleConfiguration";
const NO_REPLICATION: &str = "ReplicationConfigurationNotFoundError";

/// Collects buckets in `regions` (with their management configurations),
/// the access points of `regions`, the Multi-Region Access Points and the
/// account's Block Public Access.
pub(crate) async fn collect(ctx: &AwsContext, regions: &[Region]) -> Vec<Resource> {
    let (account, buckets, access_points, multi_region) = futures::join!(
        Box::pin(account_public_access_block(ctx)),
        Box::pin(buckets(ctx, regions)),
        Box::pin(access_points::regional(ctx, regions)),
        Box::pin(access_points::multi_region(ctx)),
    );
    account
        .into_iter()
        .chain(buckets)
        .chain(access_points)
        .chain(multi_region)
        .collect()
}

/// A bucket as `ListBuckets` names it.
#[derive(Debug)]
struct Listed {
    name: String,
    created: Option<Timestamp>,
    /// The region, when the listing carried it.
    region: Option<String>,
}

async fn list_buckets(ctx: &AwsContext) -> Vec<Listed> {
    let home = ctx.home_region();
    let client = ctx.s3(home);
    let paged = ctx
        .paginate(
            Action::S3ListBuckets,
            None,
            client
                .list_buckets()
                .max_buckets(LIST_PAGE_SIZE)
                .into_paginator()
                .send(),
        )
        .await;
    paged
        .pages
        .iter()
        .flat_map(|page| page.buckets())
        .filter_map(|b| {
            Some(Listed {
                name: b.name().filter(|n| !n.is_empty())?.to_owned(),
                created: ts_opt(b.creation_date()),
                region: b
                    .bucket_region()
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
            })
        })
        .collect()
}

async fn buckets(ctx: &AwsContext, regions: &[Region]) -> Vec<Resource> {
    let listed = list_buckets(ctx).await;
    if listed.is_empty() {
        return Vec::new();
    }
    let locator = ctx.s3(ctx.home_region());
    let clients: HashMap<&Region, aws_sdk_s3::Client> =
        regions.iter().map(|r| (r, ctx.s3(r))).collect();
    // Every bucket's region first: a replication rule names its destination
    // by bucket, and the destination's region decides whether it is
    // cross-region. It costs nothing more: each bucket's region is learned
    // once, as before.
    let located: Vec<(Listed, Arn, Region)> = futures::stream::iter(listed)
        .map(|b| {
            let locator = &locator;
            async move {
                // Fails only for an empty name, which list_buckets filters
                // out: S3 bucket names hold no colon or control character.
                let arn = Arn::build(ctx.partition(), "s3", None, None, &b.name).ok()?;
                let region = bucket_region(ctx, locator, &arn, &b).await?;
                Some((b, arn, region))
            }
        })
        .buffer_unordered(ctx.concurrency())
        .filter_map(|r| async move { r })
        .collect()
        .await;
    let regions_by_name: HashMap<String, Region> = located
        .iter()
        .map(|(b, _, r)| (b.name.clone(), r.clone()))
        .collect();
    let regions_by_name = &regions_by_name;
    let clients = &clients;
    futures::stream::iter(located)
        .map(|(b, arn, region)| bucket(ctx, clients, regions_by_name, b, arn, region))
        .buffer_unordered(ctx.concurrency())
        .flat_map(futures::stream::iter)
        .collect()
        .await
}

/// The region of a `GetBucketLocation` answer: an absent or empty constraint
/// means `us-east-1`, and the legacy `EU` means `eu-west-1`.
fn location_region(constraint: Option<&str>) -> &str {
    match constraint {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some(other) => other,
    }
}

/// The bucket's region, from the listing or from `GetBucketLocation`;
/// `None` (with a gap) when it cannot be learned.
async fn bucket_region(
    ctx: &AwsContext,
    locator: &aws_sdk_s3::Client,
    arn: &Arn,
    listed: &Listed,
) -> Option<Region> {
    let raw = match &listed.region {
        Some(r) => r.clone(),
        None => {
            let res = ctx
                .call(
                    Action::S3GetBucketLocation,
                    Some(ctx.home_region()),
                    locator.get_bucket_location().bucket(&listed.name).send(),
                )
                .await;
            // The gap names no region: the bucket's is what could not be read.
            let located = ctx.settle(Action::S3GetBucketLocation, None, Some(arn), res);
            let Collected::Value(out) = located else {
                return None;
            };
            location_region(out.location_constraint().map(|c| c.as_str())).to_owned()
        }
    };
    let parsed = raw.parse::<Region>().map_err(|_| CallError {
        kind: GapKind::Other,
        code: None,
        message: format!("unrecognized bucket region {raw:?}"),
    });
    match ctx.settle(Action::S3GetBucketLocation, None, Some(arn), parsed) {
        Collected::Value(region) => Some(region),
        Collected::NotCollected => None,
    }
}

/// The bucket and its management configurations (two resources), or
/// nothing for a bucket outside the scanned regions.
async fn bucket(
    ctx: &AwsContext,
    clients: &HashMap<&Region, aws_sdk_s3::Client>,
    regions_by_name: &HashMap<String, Region>,
    listed: Listed,
    arn: Arn,
    region: Region,
) -> Vec<Resource> {
    let Some(client) = clients.get(&region) else {
        tracing::trace!(resource_arn = %arn, region = %region, "bucket outside the scanned regions");
        return Vec::new();
    };
    // Boxed: both futures are large, and a bucket's future is moved around
    // by the stream that drives it.
    let (bucket, management) = futures::join!(
        Box::pin(bucket_settings(
            ctx,
            client,
            arn.clone(),
            region.clone(),
            &listed
        )),
        Box::pin(management::read(
            ctx,
            client,
            &arn,
            &region,
            &listed.name,
            regions_by_name
        )),
    );
    std::iter::once(bucket).chain(management).collect()
}

/// The bucket's security settings: nine reads sent together.
async fn bucket_settings(
    ctx: &AwsContext,
    client: &aws_sdk_s3::Client,
    arn: Arn,
    region: Region,
    listed: &Listed,
) -> Resource {
    // Each failed read is a gap naming the bucket and its region.
    let (at, arn_ref) = (Some(&region), Some(&arn));
    let name = listed.name.as_str();
    let (
        encryption,
        public_access_block,
        policy,
        acl,
        ownership,
        versioning,
        logging,
        object_lock,
        tagging,
    ) = futures::join!(
        ctx.read_optional(
            Action::S3GetBucketEncryption,
            at,
            arn_ref,
            &[NO_ENCRYPTION],
            client.get_bucket_encryption().bucket(name).send(),
        ),
        ctx.read_optional(
            Action::S3GetBucketPublicAccessBlock,
            at,
            arn_ref,
            &[NO_PUBLIC_ACCESS_BLOCK],
            client.get_public_access_block().bucket(name).send(),
        ),
        ctx.read_optional(
            Action::S3GetBucketPolicy,
            at,
            arn_ref,
            &[NO_POLICY],
            client.get_bucket_policy().bucket(name).send(),
        ),
        ctx.read(
            Action::S3GetBucketAcl,
            at,
            arn_ref,
            client.get_bucket_acl().bucket(name).send(),
        ),
        ctx.read_optional(
            Action::S3GetBucketOwnershipControls,
            at,
            arn_ref,
            &[NO_OWNERSHIP_CONTROLS],
            client.get_bucket_ownership_controls().bucket(name).send(),
        ),
        ctx.read(
            Action::S3GetBucketVersioning,
            at,
            arn_ref,
            client.get_bucket_versioning().bucket(name).send(),
        ),
        ctx.read(
            Action::S3GetBucketLogging,
            at,
            arn_ref,
            client.get_bucket_logging().bucket(name).send(),
        ),
        ctx.read_optional(
            Action::S3GetObjectLockConfiguration,
            at,
            arn_ref,
            &[NO_OBJECT_LOCK],
            client.get_object_lock_configuration().bucket(name).send(),
        ),
        ctx.read_optional(
            Action::S3GetBucketTagging,
            at,
            arn_ref,
            &[NO_TAG_SET],
            client.get_bucket_tagging().bucket(name).send(),
        ),
    );
    // `NoSuchTagSet` is a bucket without tags; a failed read left a gap.
    let tags = match tagging {
        Collected::Value(Some(out)) => tags(
            out.tag_set()
                .iter()
                .map(|t| (Some(t.key()), Some(t.value()))),
        ),
        Collected::Value(None) | Collected::NotCollected => Tags::new(),
    };
    let policy = match policy {
        Collected::Value(out) => ctx.settle(
            Action::S3GetBucketPolicy,
            at,
            arn_ref,
            bucket_policy(out.as_ref()).ok_or_else(|| CallError {
                kind: GapKind::Other,
                code: None,
                message: "the bucket policy is not a JSON document".to_owned(),
            }),
        ),
        Collected::NotCollected => Collected::NotCollected,
    };
    let properties = S3Bucket {
        name: listed.name.clone(),
        created: listed.created,
        encryption: encryption.map(|o| o.and_then(|out| encryption_rules(&out))),
        public_access_block: public_access_block.map(|o| {
            o.and_then(|out| {
                out.public_access_block_configuration().map(|c| {
                    switches(
                        c.block_public_acls(),
                        c.ignore_public_acls(),
                        c.block_public_policy(),
                        c.restrict_public_buckets(),
                    )
                })
            })
        }),
        policy,
        acl: acl.map(|out| bucket_acl(&out)),
        ownership: ownership.map(|o| o.and_then(|out| object_ownership(&out))),
        versioning: versioning.map(|out| bucket_versioning(&out)),
        logging: logging.map(|out| bucket_logging(&out)),
        object_lock: object_lock.map(|o| o.and_then(|out| object_lock_config(&out))),
    };
    Resource {
        arn,
        region: Some(region),
        name: listed.name.clone(),
        tags,
        properties: Properties::S3Bucket(Box::new(properties)),
    }
}

/// Block Public Access switches; S3 treats a switch it does not return as off.
pub(super) fn switches(
    block_public_acls: Option<bool>,
    ignore_public_acls: Option<bool>,
    block_public_policy: Option<bool>,
    restrict_public_buckets: Option<bool>,
) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: block_public_acls.unwrap_or(false),
        ignore_public_acls: ignore_public_acls.unwrap_or(false),
        block_public_policy: block_public_policy.unwrap_or(false),
        restrict_public_buckets: restrict_public_buckets.unwrap_or(false),
    }
}

/// The decoded policy: `Some(None)` when S3 returned no document, `None` when
/// the document is not JSON.
fn bucket_policy(out: Option<&GetBucketPolicyOutput>) -> Option<Option<serde_json::Value>> {
    match out.and_then(GetBucketPolicyOutput::policy) {
        None => Some(None),
        Some(raw) if raw.trim().is_empty() => Some(None),
        Some(raw) => policy_document(raw).map(Some),
    }
}

/// Default-encryption rules; rules that set no default algorithm (only a
/// Bucket Key switch) are left out.
fn encryption_rules(out: &GetBucketEncryptionOutput) -> Option<Vec<EncryptionRule>> {
    let config = out.server_side_encryption_configuration()?;
    Some(
        config
            .rules()
            .iter()
            .filter_map(|rule| {
                let default = rule.apply_server_side_encryption_by_default()?;
                Some(EncryptionRule {
                    sse_algorithm: default.sse_algorithm().as_str().to_owned(),
                    kms_key_id: default.kms_master_key_id().map(str::to_owned),
                    bucket_key_enabled: rule.bucket_key_enabled(),
                })
            })
            .collect(),
    )
}

/// The ACL; a grant without a grantee or permission grants nothing and is
/// left out.
fn bucket_acl(out: &GetBucketAclOutput) -> BucketAcl {
    BucketAcl {
        owner_id: out.owner().and_then(|o| o.id()).map(str::to_owned),
        grants: out
            .grants()
            .iter()
            .filter_map(|g| {
                let grantee = g.grantee()?;
                Some(AclGrant {
                    grantee_type: grantee.r#type().as_str().to_owned(),
                    grantee_uri: grantee.uri().map(str::to_owned),
                    grantee_id: grantee.id().map(str::to_owned),
                    permission: g.permission()?.as_str().to_owned(),
                })
            })
            .collect(),
    }
}

/// The Object Ownership setting (S3 allows exactly one rule).
fn object_ownership(out: &GetBucketOwnershipControlsOutput) -> Option<String> {
    out.ownership_controls()?
        .rules()
        .first()
        .map(|r| r.object_ownership().as_str().to_owned())
}

fn bucket_versioning(out: &GetBucketVersioningOutput) -> BucketVersioning {
    BucketVersioning {
        status: out.status().map(|s| s.as_str().to_owned()),
        mfa_delete: out.mfa_delete().map(|s| s.as_str().to_owned()),
    }
}

fn bucket_logging(out: &GetBucketLoggingOutput) -> Option<BucketLogging> {
    out.logging_enabled().map(|l| BucketLogging {
        target_bucket: l.target_bucket().to_owned(),
        target_prefix: l.target_prefix().to_owned(),
    })
}

fn object_lock_config(out: &GetObjectLockConfigurationOutput) -> Option<ObjectLock> {
    let config = out.object_lock_configuration()?;
    let retention = config.rule().and_then(|r| r.default_retention());
    Some(ObjectLock {
        enabled: config.object_lock_enabled() == Some(&ObjectLockEnabled::Enabled),
        default_mode: retention
            .and_then(|r| r.mode())
            .map(|m| m.as_str().to_owned()),
        // A retention period is positive; some emulators send 0 for unset.
        default_days: retention.and_then(|r| r.days()).filter(|d| *d > 0),
        default_years: retention.and_then(|r| r.years()).filter(|y| *y > 0),
    })
}

/// The account-wide Block Public Access, from S3 Control in the home region.
async fn account_public_access_block(ctx: &AwsContext) -> Option<Resource> {
    // Fails never: partition and account are validated newtypes and the
    // resource part is the literal `account`.
    let arn = Arn::account_setting(ctx.partition(), "s3", None, ctx.account_id()).ok()?;
    let home = ctx.home_region();
    let client = ctx.s3control(home);
    let res = ctx
        .call_optional(
            Action::S3ControlGetPublicAccessBlock,
            Some(home),
            &[NO_PUBLIC_ACCESS_BLOCK],
            client
                .get_public_access_block()
                .account_id(ctx.account_id().as_str())
                .send(),
        )
        .await;
    // Asked in the home region, about an account-wide (regionless) setting.
    let configuration = ctx
        .settle(Action::S3ControlGetPublicAccessBlock, None, Some(&arn), res)
        .map(|out| {
            out.and_then(|out| {
                out.public_access_block_configuration().map(|c| {
                    switches(
                        c.block_public_acls(),
                        c.ignore_public_acls(),
                        c.block_public_policy(),
                        c.restrict_public_buckets(),
                    )
                })
            })
        });
    Some(Resource {
        arn,
        region: None,
        name: ctx.account_id().to_string(),
        tags: Tags::new(),
        properties: Properties::S3AccountPublicAccessBlock(Box::new(S3AccountPublicAccessBlock {
            configuration,
        })),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::types::{
        BucketVersioningStatus, DefaultRetention, Grant, Grantee, LoggingEnabled, MfaDeleteStatus,
        ObjectLockConfiguration, ObjectLockRetentionMode, ObjectLockRule, ObjectOwnership, Owner,
        OwnershipControls, OwnershipControlsRule, Permission, ServerSideEncryption,
        ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
        Type,
    };

    use super::*;

    const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("ap-south-2")), "ap-south-2");
    }

    #[test]
    fn encryption_rules_keep_algorithm_key_and_bucket_key() {
        let kms = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(
                ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::AwsKms)
                    .kms_master_key_id("arn:aws:kms:eu-west-1:123456789012:key/k1")
                    .build()
                    .expect("complete builder"),
            )
            .bucket_key_enabled(true)
            .build();
        let bucket_key_only = ServerSideEncryptionRule::builder()
            .bucket_key_enabled(true)
            .build();
        let out = GetBucketEncryptionOutput::builder()
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(kms)
                    .rules(bucket_key_only)
                    .build()
                    .expect("complete builder"),
            )
            .build();
        assert_eq!(
            encryption_rules(&out),
            Some(vec![EncryptionRule {
                sse_algorithm: "aws:kms".to_owned(),
                kms_key_id: Some("arn:aws:kms:eu-west-1:123456789012:key/k1".to_owned()),
                bucket_key_enabled: Some(true),
            }])
        );
        assert_eq!(
            encryption_rules(&GetBucketEncryptionOutput::builder().build()),
            None
        );
    }

    #[test]
    fn acl_grants_map_group_and_user_and_drop_empty_grants() {
        let out = GetBucketAclOutput::builder()
            .owner(Owner::builder().id("owner-1").build())
            .grants(
                Grant::builder()
                    .grantee(
                        Grantee::builder()
                            .r#type(Type::CanonicalUser)
                            .id("owner-1")
                            .build()
                            .expect("complete builder"),
                    )
                    .permission(Permission::FullControl)
                    .build(),
            )
            .grants(
                Grant::builder()
                    .grantee(
                        Grantee::builder()
                            .r#type(Type::Group)
                            .uri(ALL_USERS)
                            .build()
                            .expect("complete builder"),
                    )
                    .permission(Permission::Read)
                    .build(),
            )
            .grants(Grant::builder().permission(Permission::Write).build())
            .build();
        let acl = bucket_acl(&out);
        assert_eq!(acl.owner_id.as_deref(), Some("owner-1"));
        assert_eq!(
            acl.grants,
            vec![
                AclGrant {
                    grantee_type: "CanonicalUser".to_owned(),
                    grantee_uri: None,
                    grantee_id: Some("owner-1".to_owned()),
                    permission: "FULL_CONTROL".to_owned(),
                },
                AclGrant {
                    grantee_type: "Group".to_owned(),
                    grantee_uri: Some(ALL_USERS.to_owned()),
                    grantee_id: None,
                    permission: "READ".to_owned(),
                },
            ]
        );
    }

    #[test]
    fn policies_decode_or_fail_loudly() {
        let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let out = GetBucketPolicyOutput::builder().policy(doc).build();
        assert_eq!(
            bucket_policy(Some(&out)),
            Some(Some(
                serde_json::json!({"Version":"2012-10-17","Statement":[]})
            ))
        );
        assert_eq!(bucket_policy(None), Some(None));
        let empty = GetBucketPolicyOutput::builder().policy("  ").build();
        assert_eq!(bucket_policy(Some(&empty)), Some(None));
        let bad = GetBucketPolicyOutput::builder().policy("{not json").build();
        assert_eq!(bucket_policy(Some(&bad)), None);
    }

    #[test]
    fn ownership_versioning_logging_and_lock_map() {
        let own = GetBucketOwnershipControlsOutput::builder()
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
            .build();
        assert_eq!(
            object_ownership(&own).as_deref(),
            Some("BucketOwnerEnforced")
        );

        let ver = GetBucketVersioningOutput::builder()
            .status(BucketVersioningStatus::Enabled)
            .mfa_delete(MfaDeleteStatus::Enabled)
            .build();
        assert_eq!(
            bucket_versioning(&ver),
            BucketVersioning {
                status: Some("Enabled".to_owned()),
                mfa_delete: Some("Enabled".to_owned()),
            }
        );
        let never = bucket_versioning(&GetBucketVersioningOutput::builder().build());
        assert_eq!((never.status, never.mfa_delete), (None, None));

        let log = GetBucketLoggingOutput::builder()
            .logging_enabled(
                LoggingEnabled::builder()
                    .target_bucket("logs")
                    .target_prefix("a/")
                    .build()
                    .expect("complete builder"),
            )
            .build();
        assert_eq!(
            bucket_logging(&log),
            Some(BucketLogging {
                target_bucket: "logs".to_owned(),
                target_prefix: "a/".to_owned(),
            })
        );
        assert_eq!(
            bucket_logging(&GetBucketLoggingOutput::builder().build()),
            None
        );

        let lock = GetObjectLockConfigurationOutput::builder()
            .object_lock_configuration(
                ObjectLockConfiguration::builder()
                    .object_lock_enabled(ObjectLockEnabled::Enabled)
                    .rule(
                        ObjectLockRule::builder()
                            .default_retention(
                                DefaultRetention::builder()
                                    .mode(ObjectLockRetentionMode::Compliance)
                                    .days(0)
                                    .years(1)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert_eq!(
            object_lock_config(&lock),
            Some(ObjectLock {
                enabled: true,
                default_mode: Some("COMPLIANCE".to_owned()),
                default_days: None,
                default_years: Some(1),
            })
        );
    }

    #[test]
    fn unset_public_access_switches_are_off() {
        let pab = switches(Some(true), None, Some(false), None);
        assert!(pab.block_public_acls);
        assert!(!pab.ignore_public_acls && !pab.block_public_policy);
        assert!(!pab.all_enabled());
    }
}
