//! Built-in S3 rules, one file per rule named by its id, and what they
//! share: the *effective* Block Public Access of a bucket (its own switches
//! OR the account's), whether ACLs are in force, and public ACL grantees.
//!
//! Unknowns are three-valued (`Option<bool>`, `None` = not collected) so a
//! known `true` on one level still decides when the other level is unknown:
//! a bucket whose own Block Public Access could not be read is still
//! protected by an account that blocks everything.

mod management;
mod s3_access_point_public_access_block;
mod s3_account_level_public_access_blocks;
mod s3_bucket_acl_prohibited;
mod s3_bucket_cross_account_access;
mod s3_bucket_cross_region_replication;
mod s3_bucket_default_encryption;
mod s3_bucket_event_notifications_enabled;
mod s3_bucket_kms_encryption;
mod s3_bucket_level_public_access_block;
mod s3_bucket_lifecycle_enabled;
mod s3_bucket_no_mfa_delete;
mod s3_bucket_object_lock;
mod s3_bucket_object_versioning;
mod s3_bucket_policy_public_write_access;
mod s3_bucket_public_access;
mod s3_bucket_public_list_acl;
mod s3_bucket_public_write_acl;
mod s3_bucket_secure_transport_policy;
mod s3_bucket_server_access_logging_enabled;
mod s3_multi_region_access_point_public_access_block;

use cloudarq_model::inventory::s3::{AclGrant, BucketAcl, PublicAccessBlock, S3Bucket};
use cloudarq_model::rule::{Outcome, Rule, RuleError};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Snapshot};
use serde_json::{Value, json};

use crate::policy::Document;

/// Every S3 rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &s3_access_point_public_access_block::S3AccessPointPublicAccessBlock,
    &s3_account_level_public_access_blocks::S3AccountLevelPublicAccessBlocks,
    &s3_bucket_acl_prohibited::S3BucketAclProhibited,
    &s3_bucket_cross_account_access::S3BucketCrossAccountAccess,
    &s3_bucket_cross_region_replication::S3BucketCrossRegionReplication,
    &s3_bucket_default_encryption::S3BucketDefaultEncryption,
    &s3_bucket_event_notifications_enabled::S3BucketEventNotificationsEnabled,
    &s3_bucket_kms_encryption::S3BucketKmsEncryption,
    &s3_bucket_level_public_access_block::S3BucketLevelPublicAccessBlock,
    &s3_bucket_lifecycle_enabled::S3BucketLifecycleEnabled,
    &s3_bucket_no_mfa_delete::S3BucketNoMfaDelete,
    &s3_bucket_object_lock::S3BucketObjectLock,
    &s3_bucket_object_versioning::S3BucketObjectVersioning,
    &s3_bucket_policy_public_write_access::S3BucketPolicyPublicWriteAccess,
    &s3_bucket_public_access::S3BucketPublicAccess,
    &s3_bucket_public_list_acl::S3BucketPublicListAcl,
    &s3_bucket_public_write_acl::S3BucketPublicWriteAcl,
    &s3_bucket_secure_transport_policy::S3BucketSecureTransportPolicy,
    &s3_bucket_server_access_logging_enabled::S3BucketServerAccessLoggingEnabled,
    &s3_multi_region_access_point_public_access_block::S3MultiRegionAccessPointPublicAccessBlock,
];

/// The ACL grantee URI for everyone, anonymous requests included.
pub(super) const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// The ACL grantee URI for any authenticated AWS principal of any account.
pub(super) const AUTHENTICATED_USERS: &str =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

/// The Object Ownership setting that disables ACLs.
pub(super) const BUCKET_OWNER_ENFORCED: &str = "BucketOwnerEnforced";

/// The bucket behind an `AWS::S3::Bucket` resource.
pub(super) fn bucket(r: &Resource) -> Option<&S3Bucket> {
    match &r.properties {
        Properties::S3Bucket(b) => Some(b),
        _ => None,
    }
}

/// The account-level Block Public Access, as collected; not collected when
/// the snapshot holds no account-level resource.
pub(super) fn account_bpa(snapshot: &Snapshot) -> Collected<Option<PublicAccessBlock>> {
    snapshot
        .of_type(ResourceType::S3AccountPublicAccessBlock)
        .find_map(|r| match &r.properties {
            Properties::S3AccountPublicAccessBlock(a) => Some(a.configuration.clone()),
            _ => None,
        })
        .unwrap_or(Collected::NotCollected)
}

/// `a OR b` over known/unknown booleans: a known `true` wins.
pub(super) fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// `a AND b` over known/unknown booleans: a known `false` wins.
pub(super) fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// One Block Public Access switch per field, three-valued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Bpa {
    /// `BlockPublicAcls`.
    pub block_public_acls: Option<bool>,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: Option<bool>,
    /// `BlockPublicPolicy`.
    pub block_public_policy: Option<bool>,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: Option<bool>,
}

impl Bpa {
    /// One level's switches: all unknown when not collected, all off when
    /// no configuration exists.
    pub(super) fn level(c: &Collected<Option<PublicAccessBlock>>) -> Self {
        let known = |c: Option<PublicAccessBlock>| Self {
            block_public_acls: Some(c.is_some_and(|c| c.block_public_acls)),
            ignore_public_acls: Some(c.is_some_and(|c| c.ignore_public_acls)),
            block_public_policy: Some(c.is_some_and(|c| c.block_public_policy)),
            restrict_public_buckets: Some(c.is_some_and(|c| c.restrict_public_buckets)),
        };
        match c {
            Collected::Value(v) => known(*v),
            Collected::NotCollected => Self {
                block_public_acls: None,
                ignore_public_acls: None,
                block_public_policy: None,
                restrict_public_buckets: None,
            },
        }
    }

    /// What applies to a bucket: each switch on at either level.
    pub(super) fn effective(bucket: &S3Bucket, snapshot: &Snapshot) -> Self {
        let b = Self::level(&bucket.public_access_block);
        let a = Self::level(&account_bpa(snapshot));
        Self {
            block_public_acls: or3(b.block_public_acls, a.block_public_acls),
            ignore_public_acls: or3(b.ignore_public_acls, a.ignore_public_acls),
            block_public_policy: or3(b.block_public_policy, a.block_public_policy),
            restrict_public_buckets: or3(b.restrict_public_buckets, a.restrict_public_buckets),
        }
    }

    /// The switches as (name, value) pairs, in AWS's order.
    pub(super) fn switches(&self) -> [(&'static str, Option<bool>); 4] {
        [
            ("BlockPublicAcls", self.block_public_acls),
            ("IgnorePublicAcls", self.ignore_public_acls),
            ("BlockPublicPolicy", self.block_public_policy),
            ("RestrictPublicBuckets", self.restrict_public_buckets),
        ]
    }

    /// Evidence: each switch as `true`, `false` or `null` (unknown).
    pub(super) fn evidence(&self) -> Value {
        let m: serde_json::Map<String, Value> = self
            .switches()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        Value::Object(m)
    }
}

/// Whether the bucket's ACLs are out of force: ACLs disabled by Object
/// Ownership, or public ACLs ignored by Block Public Access.
pub(super) fn acls_neutralized(bucket: &S3Bucket, bpa: &Bpa) -> Option<bool> {
    let enforced = bucket
        .ownership
        .value()
        .map(|o| o.as_deref() == Some(BUCKET_OWNER_ENFORCED));
    or3(bpa.ignore_public_acls, enforced)
}

/// Grants of the ACL to everyone or to all authenticated AWS users whose
/// permission is one of `permissions`.
pub(super) fn public_grants<'a>(acl: &'a BucketAcl, permissions: &[&str]) -> Vec<&'a AclGrant> {
    acl.grants
        .iter()
        .filter(|g| {
            g.grantee_uri
                .as_deref()
                .is_some_and(|u| u == ALL_USERS || u == AUTHENTICATED_USERS)
                && permissions.contains(&g.permission.as_str())
        })
        .collect()
}

/// A grant for evidence and messages: `AllUsers:READ`.
pub(super) fn grant_label(g: &AclGrant) -> String {
    let who = g
        .grantee_uri
        .as_deref()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or("?");
    format!("{who}:{}", g.permission)
}

/// A bucket's policy, as far as it is known.
pub(super) enum BucketPolicy {
    /// The policy could not be read.
    NotCollected,
    /// The bucket has no policy.
    Absent,
    /// The policy, parsed.
    Present(Document),
}

impl BucketPolicy {
    /// Reads and parses the bucket's policy; an unparseable one is a rule error.
    pub(super) fn of(bucket: &S3Bucket) -> Result<Self, RuleError> {
        match &bucket.policy {
            Collected::NotCollected => Ok(Self::NotCollected),
            Collected::Value(None) => Ok(Self::Absent),
            Collected::Value(Some(v)) => Document::parse(v)
                .map(Self::Present)
                .map_err(|e| RuleError(format!("policy of bucket {}: {e}", bucket.name))),
        }
    }
}

/// The outcome of the public-ACL rules: FAIL when the bucket ACL grants
/// `permissions` to AllUsers/AuthenticatedUsers and nothing makes the grant
/// inert; `access` names the access in messages ("list", "write").
pub(super) fn public_acl_outcome(
    resource: &Resource,
    snapshot: &Snapshot,
    permissions: &[&str],
    access: &str,
) -> Outcome {
    let Some(b) = bucket(resource) else {
        return Outcome::not_applicable();
    };
    let neutralized = acls_neutralized(b, &Bpa::effective(b, snapshot));
    let Some(acl) = b.acl.value() else {
        return if neutralized == Some(true) {
            Outcome::pass(format!("bucket {} ignores public ACLs", b.name))
                .with_evidence(json!({"acls_neutralized": true}))
        } else {
            Outcome::not_collected("acl")
        };
    };
    let grants: Vec<String> = public_grants(acl, permissions)
        .into_iter()
        .map(grant_label)
        .collect();
    let evidence = json!({"public_grants": grants, "acls_neutralized": neutralized});
    if grants.is_empty() {
        return Outcome::pass(format!(
            "bucket {} ACL grants no public {access} access",
            b.name
        ))
        .with_evidence(evidence);
    }
    match neutralized {
        Some(false) => Outcome::fail(format!(
            "bucket {} ACL grants public {access} access ({})",
            b.name,
            grants.join(", ")
        )),
        Some(true) => Outcome::pass(format!(
            "bucket {} ACL grants public {access} access ({}), but ACLs are disabled or public ACLs ignored",
            b.name,
            grants.join(", ")
        )),
        None => Outcome::not_collected("public_access_block"),
    }
    .with_evidence(evidence)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;

    #[test]
    fn three_valued_logic() {
        assert_eq!(or3(Some(true), None), Some(true));
        assert_eq!(or3(Some(false), None), None);
        assert_eq!(or3(Some(false), Some(false)), Some(false));
        assert_eq!(and3(Some(false), None), Some(false));
        assert_eq!(and3(Some(true), None), None);
        assert_eq!(and3(Some(true), Some(true)), Some(true));
    }

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "s3");
    }

    #[test]
    fn an_unparseable_bucket_policy_is_a_rule_error() {
        use crate::testing::{resource, snapshot};
        let b = resource(
            json!({"arn": "arn:aws:s3:::b", "region": "eu-west-1", "name": "b",
            "properties": {"AWS::S3::Bucket": {"name": "b", "policy": {"value": "{not json"}}}}),
        );
        let snap = snapshot(vec![b.clone()]);
        for rule in RULES
            .iter()
            .filter(|r| r.meta().id.contains("policy") || r.meta().id.contains("cross_account"))
        {
            let e = rule
                .evaluate(&b, &snap)
                .expect_err("a broken policy is an error");
            assert!(
                e.0.starts_with("policy of bucket b: policy document is a string but not JSON"),
                "{e}"
            );
        }
    }

    #[test]
    fn rules_are_listed_in_id_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
