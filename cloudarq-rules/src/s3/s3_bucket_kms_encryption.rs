//! `s3_bucket_kms_encryption`: the bucket encrypts with KMS keys by default.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::bucket;
use crate::controls::fsbp;

/// The bucket's default encryption uses AWS KMS (`aws:kms` or
/// `aws:kms:dsse`).
pub(crate) struct S3BucketKmsEncryption;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_kms_encryption",
    title: "S3 bucket encrypts objects by default with AWS KMS keys (SSE-KMS)",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "With SSE-KMS, reading an object also needs permission on the KMS key, every use of \
        the key is logged in CloudTrail, and access can be cut off by disabling the key.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration \\\n\
              '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"<key-arn>\"},\"BucketKeyEnabled\":true}]}'",
        console: "S3 > Buckets > <bucket> > Properties > Default encryption > Edit > Server-side \
                  encryption with AWS KMS keys (SSE-KMS) > choose a key, enable Bucket Key > Save.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    },
    controls: &[fsbp("S3.17")],
};

impl Rule for S3BucketKmsEncryption {
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
        let rules: Vec<_> = enc.iter().flatten().collect();
        let evidence = json!({"rules": rules.iter().map(|r| json!({"sse_algorithm": r.sse_algorithm, "kms_key_id": r.kms_key_id})).collect::<Vec<_>>()});
        if let Some(kms) = rules
            .iter()
            .find(|r| r.sse_algorithm.starts_with("aws:kms"))
        {
            let key = kms
                .kms_key_id
                .as_deref()
                .unwrap_or("the AWS-managed aws/s3 key");
            return Ok(Outcome::pass(format!(
                "bucket {} encrypts by default with {} ({key})",
                b.name, kms.sse_algorithm
            ))
            .with_evidence(evidence));
        }
        Ok(match rules.first() {
            Some(r) => Outcome::fail(format!(
                "bucket {} encrypts by default with {}, not with a KMS key",
                b.name, r.sse_algorithm
            )),
            None => Outcome::fail(format!(
                "bucket {} has no default encryption configuration",
                b.name
            )),
        }
        .with_evidence(evidence))
    }
}
