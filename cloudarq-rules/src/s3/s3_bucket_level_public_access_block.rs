//! `s3_bucket_level_public_access_block`: Block Public Access covers the bucket.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Bpa, bucket};
use crate::controls::{cis3, cis7, fsbp, nist};

/// Every Block Public Access switch is on for the bucket, at the bucket
/// level or at the account level.
///
/// Each switch counts when either level has it on, so a bucket whose own
/// setting could not be read still passes under an account that blocks
/// everything. As for the account rule, all four switches are required (CIS,
/// FSBP); with only `IgnorePublicAcls` and `RestrictPublicBuckets` on, the
/// FAIL is low severity.
pub(crate) struct S3BucketLevelPublicAccessBlock;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_level_public_access_block",
    title: "S3 bucket is covered by Block Public Access at the bucket or account level",
    severity: Severity::High,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Block Public Access overrides ACLs and bucket policies that would make the bucket or \
        its objects public, guarding against a single misconfiguration exposing data.",
    remediation: Remediation {
        cli: "aws s3api put-public-access-block --bucket <bucket> \\\n\
              --public-access-block-configuration \\\n\
              BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        console: "S3 > Buckets > <bucket> > Permissions > Block public access (bucket settings) > Edit > \
                  check Block all public access > Save changes. Or enable it for the whole account.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
    },
    controls: &[cis3("2.1.4"), cis7("3.1.4"), fsbp("S3.8"), nist("AC-3")],
};

impl Rule for S3BucketLevelPublicAccessBlock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let bpa = Bpa::effective(b, snapshot);
        let evidence = json!({"effective": bpa.evidence(), "bucket": Bpa::level(&b.public_access_block).evidence()});
        let off: Vec<&str> = bpa
            .switches()
            .iter()
            .filter(|(_, v)| *v == Some(false))
            .map(|(k, _)| *k)
            .collect();
        if !off.is_empty() {
            let o = Outcome::fail(format!(
                "bucket {} has {} off at both the bucket and the account level",
                b.name,
                off.join(", ")
            ))
            .with_evidence(evidence);
            return Ok(
                if bpa.ignore_public_acls == Some(true) && bpa.restrict_public_buckets == Some(true)
                {
                    o.with_severity(
                        Severity::Low,
                        "IgnorePublicAcls and RestrictPublicBuckets already neutralize public ACLs and policies",
                    )
                } else {
                    o
                },
            );
        }
        if bpa.switches().iter().any(|(_, v)| v.is_none()) {
            return Ok(Outcome::not_collected("public_access_block").with_evidence(evidence));
        }
        Ok(Outcome::pass(format!(
            "bucket {} is covered by all four Block Public Access switches",
            b.name
        ))
        .with_evidence(evidence))
    }
}
