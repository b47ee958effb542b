//! `s3_bucket_public_access`: the bucket is not public through its policy or ACL.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{Bpa, BucketPolicy, acls_neutralized, and3, bucket, grant_label, public_grants};
use crate::controls::{fsbp, nist};

/// Neither the bucket policy nor the bucket ACL makes the bucket public, once
/// Block Public Access and Object Ownership are taken into account.
///
/// The policy is public when an Allow statement names every principal with
/// no narrowing condition (`aws:SourceVpce`, `aws:PrincipalOrgID`,
/// `aws:SourceIp`, …); `RestrictPublicBuckets` at either level neutralizes
/// it. The ACL is public when it grants anything to AllUsers or
/// AuthenticatedUsers; `IgnorePublicAcls` or `BucketOwnerEnforced`
/// neutralizes it. Whatever is unknown and could matter makes the outcome
/// *not collected*; a neutralized public grant passes and says so.
pub(crate) struct S3BucketPublicAccess;

const ANY_PERMISSION: &[&str] = &["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"];

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_public_access",
    title: "S3 bucket is not publicly accessible through its bucket policy or ACL",
    severity: Severity::Critical,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "A public bucket can be read (and sometimes written) by anyone on the internet. Public \
        buckets are a leading cause of data breaches; content meant for the public is better served \
        through CloudFront with origin access control.",
    remediation: Remediation {
        cli: "aws s3api put-public-access-block --bucket <bucket> \\\n\
              --public-access-block-configuration \\\n\
              BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true\n\
              aws s3api put-bucket-ownership-controls --bucket <bucket> \\\n\
              --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'\n\
              aws s3api delete-bucket-policy --bucket <bucket>   # or put a policy without Principal \"*\"",
        console: "S3 > Buckets > <bucket> > Permissions: turn on Block public access; under Object \
                  Ownership choose ACLs disabled; edit the bucket policy to remove statements with \
                  Principal \"*\".",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    },
    controls: &[fsbp("S3.2"), nist("AC-3")],
};

impl Rule for S3BucketPublicAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let bpa = Bpa::effective(b, snapshot);

        let (public_statements, policy_public) = match BucketPolicy::of(b)? {
            BucketPolicy::NotCollected => (Vec::new(), None),
            BucketPolicy::Absent => (Vec::new(), Some(false)),
            BucketPolicy::Present(d) => {
                let labels: Vec<String> = d.public_statements().iter().map(|s| s.label()).collect();
                let public = !labels.is_empty();
                (labels, Some(public))
            }
        };
        let policy_exposed = and3(policy_public, bpa.restrict_public_buckets.map(|r| !r));

        let (public_acl, acl_public) = match &b.acl {
            Collected::NotCollected => (Vec::new(), None),
            Collected::Value(acl) => {
                let grants: Vec<String> = public_grants(acl, ANY_PERMISSION)
                    .into_iter()
                    .map(grant_label)
                    .collect();
                let public = !grants.is_empty();
                (grants, Some(public))
            }
        };
        let acl_off = acls_neutralized(b, &bpa);
        let acl_exposed = and3(acl_public, acl_off.map(|n| !n));

        let evidence = json!({
            "public_policy_statements": public_statements,
            "public_acl_grants": public_acl,
            "block_public_access": bpa.evidence(),
            "acls_neutralized": acl_off,
        });
        let mut exposed = Vec::new();
        if policy_exposed == Some(true) {
            exposed.push(format!(
                "its bucket policy (statement {})",
                public_statements.join(", ")
            ));
        }
        if acl_exposed == Some(true) {
            exposed.push(format!("its ACL ({})", public_acl.join(", ")));
        }
        if !exposed.is_empty() {
            return Ok(Outcome::fail(format!(
                "bucket {} is public through {}",
                b.name,
                exposed.join(" and ")
            ))
            .with_evidence(evidence));
        }
        if policy_exposed.is_none() || acl_exposed.is_none() {
            let mut fields = Vec::new();
            if policy_exposed.is_none() {
                fields.push(if policy_public.is_none() {
                    "policy"
                } else {
                    "public_access_block"
                });
            }
            if acl_exposed.is_none() {
                fields.push(match (acl_public, b.ownership.is_collected()) {
                    (None, _) => "acl",
                    (Some(_), true) => "public_access_block",
                    (Some(_), false) => "ownership",
                });
            }
            return Ok(Outcome::not_collected(fields.join(", ")).with_evidence(evidence));
        }
        let message = if policy_public == Some(true) || acl_public == Some(true) {
            format!(
                "bucket {} has public grants, but Block Public Access or disabled ACLs neutralize them",
                b.name
            )
        } else if policy_public == Some(false) && acl_public == Some(false) {
            format!("bucket {} is not public through its policy or ACL", b.name)
        } else {
            format!(
                "bucket {} cannot be made public by its policy or ACL: public policies are restricted and public ACLs are not in force",
                b.name
            )
        };
        Ok(Outcome::pass(message).with_evidence(evidence))
    }
}
