//! `s3_bucket_server_access_logging_enabled`: the bucket logs requests.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::bucket;
use crate::controls::{fsbp, nist};

/// The bucket has server access logging enabled.
pub(crate) struct S3BucketServerAccessLoggingEnabled;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_server_access_logging_enabled",
    title: "S3 bucket has server access logging enabled",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Access logs record every request to the bucket, including requests CloudTrail data \
        events do not capture by default, for security investigations and access audits.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status \\\n\
              '{\"LoggingEnabled\":{\"TargetBucket\":\"<log-bucket>\",\"TargetPrefix\":\"<bucket>/\"}}'",
        console: "S3 > Buckets > <bucket> > Properties > Server access logging > Edit > Enable; choose a \
                  destination bucket in the same region and account > Save changes.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    },
    controls: &[fsbp("S3.9"), nist("AU-12a"), nist("AU-12c")],
};

impl Rule for S3BucketServerAccessLoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        Ok(match &b.logging {
            Collected::NotCollected => Outcome::not_collected("logging"),
            Collected::Value(Some(l)) => Outcome::pass(format!(
                "bucket {} logs requests to s3://{}/{}",
                b.name, l.target_bucket, l.target_prefix
            ))
            .with_evidence(
                json!({"target_bucket": l.target_bucket, "target_prefix": l.target_prefix}),
            ),
            Collected::Value(None) => Outcome::fail(format!(
                "bucket {} has server access logging disabled",
                b.name
            ))
            .with_evidence(json!({"logging": null})),
        })
    }
}
