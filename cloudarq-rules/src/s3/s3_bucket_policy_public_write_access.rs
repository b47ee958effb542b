//! `s3_bucket_policy_public_write_access`: the bucket policy grants no public write.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Bpa, BucketPolicy, bucket};
use crate::controls::{cis7, fsbp, nist};

/// No public Allow statement of the bucket policy grants a write action
/// (putting, deleting or restoring objects, or changing the bucket's policy,
/// ACLs, versioning, lifecycle, encryption or Block Public Access).
///
/// "Public" is as in `s3_bucket_public_access`: every principal, no
/// narrowing condition. `RestrictPublicBuckets` at either level makes such a
/// statement inert, which passes (and says so), even when the policy itself
/// could not be read.
pub(crate) struct S3BucketPolicyPublicWriteAccess;

/// Representative actions that change a bucket or its objects.
const WRITE_ACTIONS: &[&str] = &[
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
    "s3:PutObjectRetention",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:DeleteBucket",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
];

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_policy_public_write_access",
    title: "S3 bucket policy does not allow public write access",
    severity: Severity::Critical,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "A policy that lets anyone write to a bucket invites data tampering, deletion, \
        malware hosting and storage bills paid by you; write access should go to named principals \
        only.",
    remediation: Remediation {
        cli: "aws s3api get-bucket-policy --bucket <bucket> --query Policy --output text > policy.json\n\
              # remove or narrow the statements with Principal \"*\" that allow s3:Put*/s3:Delete*\n\
              aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json",
        console: "S3 > Buckets > <bucket> > Permissions > Bucket policy > Edit; remove write actions \
                  from statements whose Principal is \"*\", or name the principals. Turn on Block \
                  public access as a backstop.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html",
    },
    controls: &[fsbp("S3.3"), cis7("2.21"), nist("AC-3")],
};

impl Rule for S3BucketPolicyPublicWriteAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let restrict = Bpa::effective(b, snapshot).restrict_public_buckets;
        let doc = match BucketPolicy::of(b)? {
            BucketPolicy::Absent => {
                return Ok(Outcome::pass(format!(
                    "bucket {} has no bucket policy",
                    b.name
                )));
            }
            BucketPolicy::NotCollected if restrict == Some(true) => {
                return Ok(Outcome::pass(format!(
                    "bucket {} restricts public bucket policies (RestrictPublicBuckets)",
                    b.name
                ))
                .with_evidence(json!({"restrict_public_buckets": true})));
            }
            BucketPolicy::NotCollected => return Ok(Outcome::not_collected("policy")),
            BucketPolicy::Present(d) => d,
        };
        let writes: Vec<serde_json::Value> = doc
            .public_statements()
            .iter()
            .filter_map(|s| {
                let actions: Vec<&str> = WRITE_ACTIONS
                    .iter()
                    .copied()
                    .filter(|a| s.actions_match(a))
                    .collect();
                (!actions.is_empty())
                    .then(|| json!({"statement": s.label(), "write_actions": actions}))
            })
            .collect();
        let evidence =
            json!({"public_write_statements": writes, "restrict_public_buckets": restrict});
        if writes.is_empty() {
            return Ok(Outcome::pass(format!(
                "bucket {} policy grants no public write access",
                b.name
            ))
            .with_evidence(evidence));
        }
        Ok(match restrict {
            Some(false) => {
                Outcome::fail(format!("bucket {} policy allows anyone to write", b.name))
            }
            Some(true) => Outcome::pass(format!(
                "bucket {} policy allows public write, but RestrictPublicBuckets makes it inert",
                b.name
            )),
            None => Outcome::not_collected("public_access_block"),
        }
        .with_evidence(evidence))
    }
}
