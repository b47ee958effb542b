//! S3 inventory kinds: buckets, their management configurations, access
//! points, and the account-level Block Public Access.
//!
//! | kind | ARN | region | filled by |
//! |---|---|---|---|
//! | [`S3Bucket`] (`AWS::S3::Bucket`) | `arn:aws:s3:::<bucket>` | the bucket's region | `ListBuckets` (name, creation date, region; `GetBucketLocation` when the listing lacks the region), then one call per `Collected` field |
//! | [`S3AccountPublicAccessBlock`] (`AWS::S3::AccountPublicAccessBlock`) | `arn:aws:s3::<account>:account` | `None` | S3 Control `GetPublicAccessBlock` |
//! | [`S3AccessPoint`] (`AWS::S3::AccessPoint`) | `arn:aws:s3:<region>:<account>:accesspoint/<name>` | its region | S3 Control `ListAccessPoints` per scanned region, `GetAccessPoint` per access point |
//! | [`S3MultiRegionAccessPoint`] (`AWS::S3::MultiRegionAccessPoint`) | `arn:aws:s3::<account>:accesspoint/<alias>` | `None` | S3 Control `ListMultiRegionAccessPoints` (in `us-west-2`) |
//! | [`S3BucketManagement`] (`AWS::S3::BucketManagement`) | `arn:aws:s3::<account>:bucket-management/<bucket>` | the bucket's region | `GetBucketLifecycleConfiguration`, `GetBucketReplication`, `GetBucketNotificationConfiguration` per bucket |
//!
//! Only buckets in the scanned regions are in the snapshot; a bucket whose
//! region could not be learned is absent, with a gap naming it.
//!
//! **`Collected` fields** of a bucket, one call each (the gap's `action` is
//! the IAM action in parentheses):
//!
//! | field | call | `Value(None)` when AWS answers |
//! |---|---|---|
//! | [`encryption`](S3Bucket::encryption) | `GetBucketEncryption` (`s3:GetEncryptionConfiguration`) | `ServerSideEncryptionConfigurationNotFoundError` |
//! | [`public_access_block`](S3Bucket::public_access_block) | `GetPublicAccessBlock` (`s3:GetBucketPublicAccessBlock`) | `NoSuchPublicAccessBlockConfiguration` |
//! | [`policy`](S3Bucket::policy) | `GetBucketPolicy` (`s3:GetBucketPolicy`) | `NoSuchBucketPolicy` |
//! | [`acl`](S3Bucket::acl) | `GetBucketAcl` (`s3:GetBucketAcl`) | (not optional) |
//! | [`ownership`](S3Bucket::ownership) | `GetBucketOwnershipControls` (`s3:GetBucketOwnershipControls`) | `OwnershipControlsNotFoundError` |
//! | [`versioning`](S3Bucket::versioning) | `GetBucketVersioning` (`s3:GetBucketVersioning`) | (not optional) |
//! | [`logging`](S3Bucket::logging) | `GetBucketLogging` (`s3:GetBucketLogging`) | no `LoggingEnabled` (logging off) |
//! | [`object_lock`](S3Bucket::object_lock) | `GetObjectLockConfiguration` (`s3:GetBucketObjectLockConfiguration`) | `ObjectLockConfigurationNotFoundError` |
//!
//! The account's [`configuration`](S3AccountPublicAccessBlock::configuration)
//! is `Collected` too (`s3:GetAccountPublicAccessBlock`; `Value(None)` on
//! `NoSuchPublicAccessBlockConfiguration`). A bucket's `name` and `created`
//! are always present. A bucket's [`Resource::tags`](crate::Resource::tags)
//! come from `GetBucketTagging` (`s3:GetBucketTagging`; `NoSuchTagSet` means
//! none); when that call fails they are empty and a gap names the bucket.

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};
use crate::ids::Region;

/// The four Block Public Access switches, of a bucket or of the account. A
/// switch S3 did not return is `false` (S3 treats it as off).
///
/// The effective setting for a bucket combines both levels: a switch is on
/// when it is on for the bucket or for the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`: S3 rejects requests that set a public ACL on the
    /// bucket or its objects.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`: S3 ignores public ACLs on the bucket and its
    /// objects.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`: S3 rejects a bucket policy that grants public
    /// access.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`: only AWS service principals and the owner
    /// account's principals may access a bucket whose policy is public.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four switches on.
    pub fn all_enabled(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// `AWS::S3::AccountPublicAccessBlock`: the account-wide Block Public
/// Access, one per snapshot, ARN `arn:aws:s3::<account>:account`, `region`
/// `None`, named by the account id; read with S3 Control's
/// `GetPublicAccessBlock`.
///
/// Rules about buckets that need the account setting find it with
/// [`Snapshot::of_type`](crate::Snapshot::of_type)
/// (`ResourceType::S3AccountPublicAccessBlock`); a WebAssembly package must
/// declare the type as context to see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3AccountPublicAccessBlock {
    /// The account's switches; `Value(None)` when the account has no
    /// configuration (`NoSuchPublicAccessBlockConfiguration`: all off). Not
    /// collected when `GetPublicAccessBlock` failed
    /// (`s3:GetAccountPublicAccessBlock`).
    #[serde(default)]
    pub configuration: Collected<Option<PublicAccessBlock>>,
}

/// One rule of a bucket's default encryption configuration
/// (`ApplyServerSideEncryptionByDefault`). Rules that set only a Bucket Key
/// and no algorithm are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionRule {
    /// The default algorithm as S3 names it: `AES256` (SSE-S3), `aws:kms`
    /// (SSE-KMS), `aws:kms:dsse` (DSSE-KMS), or another value S3 returns.
    pub sse_algorithm: String,
    /// The KMS key (`KMSMasterKeyID`: key id, key ARN or alias, as
    /// configured), for SSE-KMS; `None` when unset (the AWS-managed
    /// `aws/s3` key is used) or for SSE-S3.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// S3 Bucket Keys are on for SSE-KMS; `None` when S3 did not say.
    #[serde(default)]
    pub bucket_key_enabled: Option<bool>,
}

/// A grant of a bucket ACL: a grantee and one permission. Grants without a
/// grantee or permission are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclGrant {
    /// The grantee kind: `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// Group URI, for `Group` grantees:
    /// `http://acs.amazonaws.com/groups/global/AllUsers` (anyone) or
    /// `…/AuthenticatedUsers` (any AWS account) make the grant public;
    /// `…/s3/LogDelivery` is the log delivery group.
    #[serde(default)]
    pub grantee_uri: Option<String>,
    /// Canonical user id (64 hex characters), for `CanonicalUser` grantees.
    #[serde(default)]
    pub grantee_id: Option<String>,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    /// On a bucket, `READ` lists objects and `READ_ACP`/`WRITE_ACP` read and
    /// write the ACL itself.
    pub permission: String,
}

/// A bucket ACL, from `GetBucketAcl`. With Object Ownership
/// `BucketOwnerEnforced` ([`S3Bucket::ownership`]), ACLs are disabled and
/// no longer affect access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketAcl {
    /// Canonical user id of the bucket owner.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The grants, in S3's order.
    #[serde(default)]
    pub grants: Vec<AclGrant>,
}

/// Versioning state, from `GetBucketVersioning`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketVersioning {
    /// `Enabled`, `Suspended`, or `None` when versioning was never enabled
    /// (S3 returns no status).
    #[serde(default)]
    pub status: Option<String>,
    /// MFA Delete: `Enabled` or `Disabled`, or `None` when never configured.
    #[serde(default)]
    pub mfa_delete: Option<String>,
}

/// Server access logging target, from `GetBucketLogging`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketLogging {
    /// Name of the bucket that receives the log objects (may be this bucket).
    pub target_bucket: String,
    /// Key prefix of the log objects; may be empty.
    pub target_prefix: String,
}

/// Object Lock configuration, from `GetObjectLockConfiguration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectLock {
    /// Object Lock is enabled on the bucket (`ObjectLockEnabled` is
    /// `Enabled`).
    pub enabled: bool,
    /// Default retention mode (`GOVERNANCE` or `COMPLIANCE`); `None` when no
    /// default retention is set.
    #[serde(default)]
    pub default_mode: Option<String>,
    /// Default retention period in days, when it is set in days (a positive
    /// number); `None` otherwise.
    #[serde(default)]
    pub default_days: Option<i32>,
    /// Default retention period in years, when it is set in years (a
    /// positive number); `None` otherwise.
    #[serde(default)]
    pub default_years: Option<i32>,
}

/// `AWS::S3::Bucket`: a general purpose bucket, ARN `arn:aws:s3:::<name>`
/// (no region, no account), [`Resource::region`](crate::Resource::region)
/// set to the bucket's region.
///
/// `name` and `created` come from `ListBuckets`; every other field is read
/// by its own call and is [`Collected`]: not collected when that call failed
/// or was denied, and a rule then returns
/// [`Outcome::not_collected`](crate::rule::Outcome::not_collected). The
/// [module docs](self) list the calls. Tags are not collected.
///
/// Reading encryption and Block Public Access, as a rule would:
///
/// ```
/// use cloudarq_model::inventory::s3::S3Bucket;
/// use cloudarq_model::rule::{Outcome, Verdict};
/// use cloudarq_model::{Collected, Properties, Resource};
///
/// /// The bucket encrypts new objects with a KMS key by default.
/// fn kms_encrypted(b: &S3Bucket) -> Outcome {
///     let Collected::Value(rules) = &b.encryption else {
///         return Outcome::not_collected("encryption");
///     };
///     // `None`: no default encryption configured.
///     let kms = rules.iter().flatten().any(|r| r.sse_algorithm.starts_with("aws:kms"));
///     Outcome::check(kms, "SSE-KMS by default", "no SSE-KMS default")
/// }
///
/// /// The bucket's own Block Public Access has all four switches on.
/// fn blocks_public_access(b: &S3Bucket) -> Outcome {
///     match &b.public_access_block {
///         Collected::NotCollected => Outcome::not_collected("public_access_block"),
///         Collected::Value(None) => Outcome::fail("no bucket-level Block Public Access"),
///         Collected::Value(Some(pab)) => Outcome::check(
///             pab.all_enabled(), "all four switches on", "a switch is off"),
///     }
/// }
///
/// let r: Resource = serde_json::from_value(serde_json::json!({
///     "arn": "arn:aws:s3:::acme-data", "region": "eu-west-1", "name": "acme-data",
///     "properties": {"AWS::S3::Bucket": {
///         "name": "acme-data", "created": "2024-05-01T09:30:00Z",
///         "encryption": {"value": [{"sse_algorithm": "aws:kms",
///             "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:key/k-1",
///             "bucket_key_enabled": true}]},
///         "public_access_block": "not_collected"}}
/// }))?;
/// let Properties::S3Bucket(b) = &r.properties else { unreachable!() };
/// assert!(matches!(kms_encrypted(b).verdict, Verdict::Pass(_)));
/// assert_eq!(blocks_public_access(b).verdict,
///     Verdict::NotCollected { field: "public_access_block".to_owned() });
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    /// Bucket name (globally unique; also the ARN's resource part).
    pub name: String,
    /// Creation date as `ListBuckets` reports it.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Default encryption rules (`GetBucketEncryption`); `Value(None)` when
    /// no default encryption is configured. Since January 2023 S3 reports
    /// SSE-S3 (`AES256`) for buckets without an explicit configuration.
    /// Not collected when the call failed or was denied.
    #[serde(default)]
    pub encryption: Collected<Option<Vec<EncryptionRule>>>,
    /// Bucket-level Block Public Access (`GetPublicAccessBlock`);
    /// `Value(None)` when the bucket has none (the account-level setting may
    /// still apply). Not collected when the call failed or was denied.
    #[serde(default)]
    pub public_access_block: Collected<Option<PublicAccessBlock>>,
    /// Bucket policy, decoded JSON (`{"Version": …, "Statement": […]}`);
    /// `Value(None)` when the bucket has none. Not collected when
    /// `GetBucketPolicy` failed or was denied, or returned a document that
    /// is not JSON.
    #[serde(default)]
    pub policy: Collected<Option<serde_json::Value>>,
    /// The bucket ACL (`GetBucketAcl`). Not collected when the call failed
    /// or was denied.
    #[serde(default)]
    pub acl: Collected<BucketAcl>,
    /// Object Ownership (`GetBucketOwnershipControls`):
    /// `BucketOwnerEnforced` (ACLs disabled), `BucketOwnerPreferred` or
    /// `ObjectWriter`; `Value(None)` when the bucket has no ownership
    /// controls. Not collected when the call failed or was denied.
    #[serde(default)]
    pub ownership: Collected<Option<String>>,
    /// Versioning and MFA Delete (`GetBucketVersioning`). Not collected when
    /// the call failed or was denied.
    #[serde(default)]
    pub versioning: Collected<BucketVersioning>,
    /// Server access logging (`GetBucketLogging`); `Value(None)` when
    /// logging is off. Not collected when the call failed or was denied.
    #[serde(default)]
    pub logging: Collected<Option<BucketLogging>>,
    /// Object Lock (`GetObjectLockConfiguration`); `Value(None)` when the
    /// bucket has no Object Lock configuration. Not collected when the call
    /// failed or was denied.
    #[serde(default)]
    pub object_lock: Collected<Option<ObjectLock>>,
}

/// `AWS::S3::AccessPoint`: an access point of a general purpose bucket,
/// ARN `arn:aws:s3:<region>:<account>:accesspoint/<name>` (as S3 Control
/// returns it), in its region, named by its name. Listed per scanned region
/// with S3 Control's `ListAccessPoints`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3AccessPoint {
    /// The access point's name.
    pub name: String,
    /// The bucket it serves.
    #[serde(default)]
    pub bucket: Option<String>,
    /// `NetworkOrigin`: `Internet` or `VPC`.
    #[serde(default)]
    pub network_origin: Option<String>,
    /// The access point's own Block Public Access (`GetAccessPoint`, one
    /// call per access point: the listing does not carry it); `Value(None)`
    /// when S3 returned none (S3 treats every switch as off). Not
    /// collected when the call failed or was denied (`s3:GetAccessPoint`).
    #[serde(default)]
    pub public_access_block: Collected<Option<PublicAccessBlock>>,
}

/// `AWS::S3::MultiRegionAccessPoint`: a Multi-Region Access Point, ARN
/// `arn:aws:s3::<account>:accesspoint/<alias>` (as AWS forms it), global
/// (`region` `None`), named by its name. Listed with S3 Control's
/// `ListMultiRegionAccessPoints`, which AWS serves from `us-west-2` only
/// and whose answer carries each point's Block Public Access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3MultiRegionAccessPoint {
    /// The access point's name.
    pub name: String,
    /// Its alias (the ARN's resource part), for example `mfzwi23gnjvgw.mrap`.
    pub alias: String,
    /// `Status`: `READY`, `CREATING`, …
    #[serde(default)]
    pub status: Option<String>,
    /// Its Block Public Access, as the listing returned it; `None` when
    /// the listing carried none (S3 treats every switch as off).
    #[serde(default)]
    pub public_access_block: Option<PublicAccessBlock>,
}

/// `AWS::S3::BucketManagement`: a bucket's lifecycle, replication and event
/// notification configurations, which [`S3Bucket`] (frozen by rule contract
/// 1.0) does not hold. ARN `arn:aws:s3::<account>:bucket-management/<bucket>`
/// (CloudArq's name: AWS gives these configurations none), `region` the
/// bucket's, named by the bucket. One per collected bucket, from three
/// further calls per bucket; a rule about the bucket finds it by building
/// that ARN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3BucketManagement {
    /// The bucket's name.
    pub bucket: String,
    /// Lifecycle rules (`GetBucketLifecycleConfiguration`,
    /// `s3:GetLifecycleConfiguration`); empty when the bucket has none
    /// (`NoSuchLifecycleConfiguration`). Not collected when the call failed
    /// or was denied.
    #[serde(default)]
    pub lifecycle_rules: Collected<Vec<LifecycleRule>>,
    /// Replication (`GetBucketReplication`, `s3:GetReplicationConfiguration`);
    /// `Value(None)` when the bucket has none
    /// (`ReplicationConfigurationNotFoundError`). Not collected when the
    /// call failed or was denied.
    #[serde(default)]
    pub replication: Collected<Option<Replication>>,
    /// Event notifications (`GetBucketNotificationConfiguration`,
    /// `s3:GetBucketNotification`). Not collected when the call failed or
    /// was denied.
    #[serde(default)]
    pub notifications: Collected<Notifications>,
}

/// One lifecycle rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// `ID`; `None` when unnamed.
    #[serde(default)]
    pub id: Option<String>,
    /// `Status` is `Enabled`.
    pub enabled: bool,
}

/// A bucket's replication configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replication {
    /// The IAM role S3 assumes to replicate.
    #[serde(default)]
    pub role: Option<String>,
    /// The rules, in S3's order.
    #[serde(default)]
    pub rules: Vec<ReplicationRule>,
}

/// One replication rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationRule {
    /// `ID`; `None` when unnamed.
    #[serde(default)]
    pub id: Option<String>,
    /// `Status` is `Enabled`.
    pub enabled: bool,
    /// The destination bucket's ARN (`arn:aws:s3:::<bucket>`).
    pub destination_bucket: String,
    /// The destination bucket's account, when the rule names one
    /// (`Destination.Account`).
    #[serde(default)]
    pub destination_account: Option<String>,
    /// The destination bucket's region, when it is one of the audited
    /// account's buckets (from the same `ListBuckets` or
    /// `GetBucketLocation` that placed it, scanned region or not); `None`
    /// for another account's bucket or one whose region could not be
    /// learned.
    #[serde(default)]
    pub destination_region: Option<Region>,
}

/// Where a bucket's event notifications go; all zero and `false` when none
/// are configured.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    /// SNS topic configurations.
    #[serde(default)]
    pub topics: u32,
    /// SQS queue configurations.
    #[serde(default)]
    pub queues: u32,
    /// Lambda function configurations.
    #[serde(default)]
    pub lambda_functions: u32,
    /// Events go to Amazon EventBridge.
    #[serde(default)]
    pub eventbridge: bool,
}

impl Notifications {
    /// Any destination at all.
    pub fn any(&self) -> bool {
        self.topics > 0 || self.queues > 0 || self.lambda_functions > 0 || self.eventbridge
    }
}
