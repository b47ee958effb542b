//! `s3_bucket_acl_prohibited`: the bucket has ACLs disabled.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{BUCKET_OWNER_ENFORCED, bucket};
use crate::controls::fsbp;

/// The bucket's Object Ownership is `BucketOwnerEnforced`, which disables
/// ACLs. No ownership setting means ACLs are in force (buckets created
/// before April 2023 default to that).
pub(crate) struct S3BucketAclProhibited;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_acl_prohibited",
    title: "S3 bucket has ACLs disabled (Object Ownership is BucketOwnerEnforced)",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "ACLs are a second, object-by-object permission system that is easy to get wrong. With \
        ACLs disabled, the bucket owner owns every object and access is decided by policies alone.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-ownership-controls --bucket <bucket> \\\n\
              --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'",
        console: "S3 > Buckets > <bucket> > Permissions > Object Ownership > Edit > ACLs disabled \
                  (recommended) > Save changes. First move any access granted by ACLs into the bucket \
                  policy.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
    },
    controls: &[fsbp("S3.12")],
};

impl Rule for S3BucketAclProhibited {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(ownership) = &b.ownership else {
            return Ok(Outcome::not_collected("ownership"));
        };
        let evidence = json!({"object_ownership": ownership});
        Ok(match ownership.as_deref() {
            Some(BUCKET_OWNER_ENFORCED) => {
                Outcome::pass(format!("bucket {} has ACLs disabled", b.name))
            }
            Some(other) => Outcome::fail(format!(
                "bucket {} has Object Ownership {other}, so ACLs are in force",
                b.name
            )),
            None => Outcome::fail(format!(
                "bucket {} has no Object Ownership setting, so ACLs are in force",
                b.name
            )),
        }
        .with_evidence(evidence))
    }
}
