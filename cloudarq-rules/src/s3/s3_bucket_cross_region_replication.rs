//! `s3_bucket_cross_region_replication`: the bucket replicates to a bucket
//! in another region (FSBP S3.7).
//!
//! As for the peer, an enabled replication rule whose destination bucket is
//! in another region passes. No replication configuration, only disabled
//! rules, or enabled rules whose destinations are all in the bucket's own
//! region FAIL. The collector places each destination that is one of the
//! account's buckets (scanned region or not); a destination it could not
//! place (another account's bucket, or one whose region could not be read)
//! makes the verdict *not collected* when no other rule decides, never a
//! FAIL. A replication configuration that was not read is *not collected*
//! too.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{bucket, management};
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_cross_region_replication",
    title: "S3 bucket replicates its objects to a bucket in another region",
    severity: Severity::Low,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "A copy in another region keeps the data available when a region is impaired, \
                and, with a separate owner or Object Lock on the copy, keeps it safe from a \
                deletion in the source bucket.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration \
              Status=Enabled\n\
              aws s3api put-bucket-replication --bucket <bucket> --replication-configuration \
              file://replication.json (a rule with Status Enabled and a destination bucket, \
              versioned, in another region)",
        console: "S3 > Buckets > <bucket> > Management > Replication rules > Create replication \
                  rule > destination: a bucket in another region > Save.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html",
    },
    controls: &[fsbp("S3.7")],
};

/// The bucket name of a destination ARN (`arn:<partition>:s3:::<bucket>`).
fn destination_name(arn: &str) -> &str {
    arn.split_once(":::").map_or(arn, |(_, name)| name)
}

/// S3 bucket replicates its objects to a bucket in another region.
pub(crate) struct S3BucketCrossRegionReplication;

impl Rule for S3BucketCrossRegionReplication {
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
        let Collected::Value(replication) = &m.replication else {
            return Ok(Outcome::not_collected("replication"));
        };
        let name = &b.name;
        let Some(replication) = replication else {
            return Ok(Outcome::fail(format!(
                "bucket {name} has no replication configuration"
            )));
        };
        let here = resource.region.as_ref();
        let mut same_region = Vec::new();
        let mut unknown = Vec::new();
        for rule in replication.rules.iter().filter(|r| r.enabled) {
            let dest = destination_name(&rule.destination_bucket);
            match &rule.destination_region {
                Some(there) if Some(there) != here => {
                    return Ok(Outcome::pass(format!(
                        "bucket {name} replicates to {dest} in {there}"
                    ))
                    .with_evidence(json!({"destination": dest, "destination_region": there})));
                }
                Some(_) => same_region.push(dest),
                None => unknown.push(dest),
            }
        }
        let evidence = json!({"same_region": same_region, "unknown_region": unknown});
        if !unknown.is_empty() {
            return Ok(Outcome::not_collected(format!(
                "region of replication destination {}",
                unknown.join(", ")
            ))
            .with_evidence(evidence));
        }
        Ok(if same_region.is_empty() {
            Outcome::fail(format!("bucket {name} has no enabled replication rule"))
        } else {
            Outcome::fail(format!(
                "bucket {name} replicates only within its own region (to {})",
                same_region.join(", ")
            ))
        }
        .with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_names_come_from_arns() {
        assert_eq!(destination_name("arn:aws:s3:::dr-copy"), "dr-copy");
        assert_eq!(destination_name("arn:aws-cn:s3:::cn-copy"), "cn-copy");
        assert_eq!(destination_name("plain"), "plain");
    }
}
