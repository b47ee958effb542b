//! S3 inventory kinds: buckets and the account-level Block Public Access.

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// The four Block Public Access switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    /// Rejects new public ACLs.
    pub block_public_acls: bool,
    /// Ignores existing public ACLs.
    pub ignore_public_acls: bool,
    /// Rejects public bucket policies.
    pub block_public_policy: bool,
    /// Restricts access to buckets with public policies.
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

/// `AWS::S3::AccountPublicAccessBlock`: the account-wide Block Public Access.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3AccountPublicAccessBlock {
    /// The configuration; `Value(None)` when none is set.
    #[serde(default)]
    pub configuration: Collected<Option<PublicAccessBlock>>,
}

/// One default-encryption rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionRule {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: String,
    /// KMS key, for SSE-KMS.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// S3 Bucket Keys on.
    #[serde(default)]
    pub bucket_key_enabled: Option<bool>,
}

/// A grant of a bucket ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AclGrant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// Group URI, for `Group` grantees.
    #[serde(default)]
    pub grantee_uri: Option<String>,
    /// Canonical id, for `CanonicalUser` grantees.
    #[serde(default)]
    pub grantee_id: Option<String>,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
}

/// A bucket ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketAcl {
    /// Canonical id of the owner.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The grants.
    #[serde(default)]
    pub grants: Vec<AclGrant>,
}

/// Versioning state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketVersioning {
    /// `Enabled`, `Suspended`, or `None` when never enabled.
    #[serde(default)]
    pub status: Option<String>,
    /// `Enabled` or `Disabled`, or `None` when never configured.
    #[serde(default)]
    pub mfa_delete: Option<String>,
}

/// Server access logging target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketLogging {
    /// Bucket that receives the logs.
    pub target_bucket: String,
    /// Key prefix of the logs.
    pub target_prefix: String,
}

/// Object Lock configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectLock {
    /// Object Lock is enabled on the bucket.
    pub enabled: bool,
    /// Default retention mode (`GOVERNANCE`/`COMPLIANCE`), if any.
    #[serde(default)]
    pub default_mode: Option<String>,
    /// Default retention in days, if set in days.
    #[serde(default)]
    pub default_days: Option<i32>,
    /// Default retention in years, if set in years.
    #[serde(default)]
    pub default_years: Option<i32>,
}

/// `AWS::S3::Bucket`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    /// Bucket name.
    pub name: String,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Default encryption rules; `Value(None)` when none is configured.
    #[serde(default)]
    pub encryption: Collected<Option<Vec<EncryptionRule>>>,
    /// Bucket-level Block Public Access; `Value(None)` when none is set.
    #[serde(default)]
    pub public_access_block: Collected<Option<PublicAccessBlock>>,
    /// Bucket policy, decoded JSON; `Value(None)` when there is none.
    #[serde(default)]
    pub policy: Collected<Option<serde_json::Value>>,
    /// The bucket ACL.
    #[serde(default)]
    pub acl: Collected<BucketAcl>,
    /// Object Ownership (`BucketOwnerEnforced` disables ACLs); `Value(None)` when unset.
    #[serde(default)]
    pub ownership: Collected<Option<String>>,
    /// Versioning and MFA Delete.
    #[serde(default)]
    pub versioning: Collected<BucketVersioning>,
    /// Server access logging; `Value(None)` when off.
    #[serde(default)]
    pub logging: Collected<Option<BucketLogging>>,
    /// Object Lock; `Value(None)` when not configured.
    #[serde(default)]
    pub object_lock: Collected<Option<ObjectLock>>,
}
