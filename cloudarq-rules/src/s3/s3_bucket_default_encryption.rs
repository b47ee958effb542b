//! `s3_bucket_default_encryption`: the bucket encrypts new objects by default.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::bucket;
use crate::controls::{fsbp, nist};

/// The bucket has a default server-side encryption configuration.
///
/// Since January 2023 S3 applies SSE-S3 to every new object and reports a
/// default configuration for every bucket, which is why Prowler marks this
/// check deprecated; a FAIL here means the configuration is absent from the
/// API response (older partitions or an unusual account). Mapped to FSBP
/// S3.17 together with `s3_bucket_kms_encryption`, which implies it.
pub(crate) struct S3BucketDefaultEncryption;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_default_encryption",
    title: "S3 bucket has default server-side encryption enabled",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Default encryption protects every new object at rest even when the uploader does not \
        ask for encryption.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration \\\n\
              '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"AES256\"}}]}'",
        console: "S3 > Buckets > <bucket> > Properties > Default encryption > Edit > choose SSE-S3 or \
                  SSE-KMS > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
    },
    controls: &[fsbp("S3.4"), nist("SC-28(1)")],
};

impl Rule for S3BucketDefaultEncryption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(enc) = &b.encryption else {
            return Ok(Outcome::not_collected("encryption"));
        };
        let algorithms: Vec<&str> = enc
            .iter()
            .flatten()
            .map(|r| r.sse_algorithm.as_str())
            .collect();
        Ok(Outcome::check(
            !algorithms.is_empty(),
            format!(
                "bucket {} encrypts new objects by default with {}",
                b.name,
                algorithms.join(", ")
            ),
            format!("bucket {} has no default encryption configuration", b.name),
        )
        .with_evidence(json!({"sse_algorithms": algorithms})))
    }
}
