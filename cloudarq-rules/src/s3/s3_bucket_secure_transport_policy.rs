//! `s3_bucket_secure_transport_policy`: the bucket policy refuses plain HTTP.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{BucketPolicy, bucket};
use crate::controls::{cis3, cis7, fsbp, nist};

/// The bucket policy has a Deny statement for every principal, covering all
/// S3 actions (`s3:*` or `*`) on the bucket's objects, under
/// `Bool`/`BoolIfExists` `aws:SecureTransport = false`.
///
/// No bucket policy is a FAIL (nothing refuses HTTP). A deny keyed on
/// `s3:TlsVersion` alone does not count: plain HTTP requests carry no TLS
/// version, so such a condition never matches them.
pub(crate) struct S3BucketSecureTransportPolicy;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_secure_transport_policy",
    title: "S3 bucket policy denies requests that do not use HTTPS (aws:SecureTransport)",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "S3 accepts plain HTTP unless told otherwise. Requests and data sent over HTTP can be \
        read or altered in transit; a Deny on aws:SecureTransport=false makes S3 refuse them.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-policy --bucket <bucket> --policy '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyInsecureTransport\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":[\"arn:aws:s3:::<bucket>\",\"arn:aws:s3:::<bucket>/*\"],\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}'\n\
              # merge this statement into any existing policy instead of replacing it",
        console: "S3 > Buckets > <bucket> > Permissions > Bucket policy > Edit; add a Deny statement for \
                  Principal \"*\", Action s3:*, Resource the bucket and bucket/*, Condition Bool \
                  aws:SecureTransport false.",
        url: "https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule",
    },
    controls: &[
        cis3("2.1.1"),
        cis7("3.1.1"),
        fsbp("S3.5"),
        nist("SC-8"),
        nist("SC-8(1)"),
    ],
};

impl Rule for S3BucketSecureTransportPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        Ok(match BucketPolicy::of(b)? {
            BucketPolicy::NotCollected => Outcome::not_collected("policy"),
            BucketPolicy::Absent => Outcome::fail(format!(
                "bucket {} has no bucket policy, so plain HTTP requests are allowed",
                b.name
            ))
            .with_evidence(json!({"policy": null})),
            BucketPolicy::Present(doc) => {
                let objects = format!("{}/", resource.arn);
                let denies = doc.denies_insecure_transport(&objects);
                Outcome::check(
                    denies,
                    format!("bucket {} policy denies requests without HTTPS", b.name),
                    format!(
                        "bucket {} policy does not deny requests without HTTPS",
                        b.name
                    ),
                )
                .with_evidence(json!({"denies_insecure_transport": denies}))
            }
        })
    }
}
