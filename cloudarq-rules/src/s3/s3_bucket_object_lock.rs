//! `s3_bucket_object_lock`: the bucket has Object Lock enabled.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::bucket;
use crate::controls::fsbp;

/// The bucket has Object Lock enabled (with or without a default retention).
pub(crate) struct S3BucketObjectLock;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_object_lock",
    title: "S3 bucket has Object Lock enabled",
    severity: Severity::Low,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Object Lock stores objects write-once-read-many: locked versions cannot be \
        overwritten or deleted until their retention ends, protecting backups and records from \
        ransomware and accidental deletion.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled\n\
              aws s3api put-object-lock-configuration --bucket <bucket> --object-lock-configuration \\\n\
              '{\"ObjectLockEnabled\":\"Enabled\",\"Rule\":{\"DefaultRetention\":{\"Mode\":\"GOVERNANCE\",\"Days\":30}}}'",
        console: "S3 > Buckets > <bucket> > Properties > Object Lock > Edit > Enable (versioning must be \
                  on); optionally set a default retention mode and period > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html",
    },
    controls: &[fsbp("S3.15")],
};

impl Rule for S3BucketObjectLock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(lock) = &b.object_lock else {
            return Ok(Outcome::not_collected("object_lock"));
        };
        Ok(match lock {
            Some(l) if l.enabled => {
                let retention = match (&l.default_mode, l.default_days, l.default_years) {
                    (Some(m), Some(d), _) => format!("default retention {m} for {d} days"),
                    (Some(m), None, Some(y)) => format!("default retention {m} for {y} years"),
                    _ => "no default retention".to_owned(),
                };
                Outcome::pass(format!("bucket {} has Object Lock enabled, {retention}", b.name)).with_evidence(
                    json!({"enabled": true, "default_mode": l.default_mode, "default_days": l.default_days, "default_years": l.default_years}),
                )
            }
            _ => Outcome::fail(format!(
                "bucket {} does not have Object Lock enabled",
                b.name
            ))
            .with_evidence(json!({"enabled": false})),
        })
    }
}
