//! `s3_bucket_lifecycle_enabled`: the bucket has at least one enabled
//! lifecycle rule (FSBP S3.13).
//!
//! Any enabled rule passes (what it expires or transitions is the owner's
//! choice); no configuration, or only disabled rules, FAILs. Lifecycle
//! rules that were not read are *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{bucket, management};
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_lifecycle_enabled",
    title: "S3 bucket has an enabled lifecycle rule",
    severity: Severity::Low,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Without lifecycle rules, objects (and old versions of them) are kept forever: \
                data past its retention period stays exposed to any later leak, and storage \
                costs only grow.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-lifecycle-configuration --bucket <bucket> \
              --lifecycle-configuration file://lifecycle.json (for example one rule with \
              Status Enabled, an empty Filter and NoncurrentVersionExpiration)",
        console: "S3 > Buckets > <bucket> > Management > Lifecycle rules > Create lifecycle \
                  rule > choose the scope and actions > Create rule.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html",
    },
    controls: &[fsbp("S3.13")],
};

/// S3 bucket has an enabled lifecycle rule.
pub(crate) struct S3BucketLifecycleEnabled;

impl Rule for S3BucketLifecycleEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let m = match management::of(b, snapshot) {
            Ok(m) => m,
            Err(outcome) => return Ok(outcome),
        };
        let Collected::Value(rules) = &m.lifecycle_rules else {
            return Ok(Outcome::not_collected("lifecycle_rules"));
        };
        let enabled = rules.iter().filter(|r| r.enabled).count();
        Ok(Outcome::check(
            enabled > 0,
            format!("bucket {} has {enabled} enabled lifecycle rule(s)", b.name),
            if rules.is_empty() {
                format!("bucket {} has no lifecycle configuration", b.name)
            } else {
                format!(
                    "bucket {} has lifecycle rules, none of them enabled",
                    b.name
                )
            },
        )
        .with_evidence(json!({"rules": rules.len(), "enabled_rules": enabled})))
    }
}
