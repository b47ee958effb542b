//! `s3_bucket_object_versioning`: the bucket keeps object versions.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::bucket;
use crate::controls::fsbp;

/// The bucket's versioning status is `Enabled` (not `Suspended`, not never
/// configured).
pub(crate) struct S3BucketObjectVersioning;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_object_versioning",
    title: "S3 bucket has object versioning enabled",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Versioning keeps every prior version of an object, so an overwrite or delete, \
        accidental or malicious (ransomware), can be undone.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled",
        console: "S3 > Buckets > <bucket> > Properties > Bucket Versioning > Edit > Enable > Save \
                  changes. Add a lifecycle rule to expire old versions.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/manage-versioning-examples.html",
    },
    controls: &[fsbp("S3.14")],
};

impl Rule for S3BucketObjectVersioning {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let Some(v) = b.versioning.value() else {
            return Ok(Outcome::not_collected("versioning"));
        };
        let status = v.status.as_deref();
        Ok(Outcome::check(
            status == Some("Enabled"),
            format!("bucket {} has versioning enabled", b.name),
            match status {
                Some(s) => format!(
                    "bucket {} has versioning {}",
                    b.name,
                    s.to_ascii_lowercase()
                ),
                None => format!("bucket {} has never had versioning enabled", b.name),
            },
        )
        .with_evidence(json!({"versioning_status": status})))
    }
}
