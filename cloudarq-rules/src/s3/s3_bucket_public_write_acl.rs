//! `s3_bucket_public_write_acl`: the bucket ACL does not let the public write to the bucket.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::public_acl_outcome;
use crate::controls::{fsbp, nist};

/// The bucket ACL does not let everyone (AllUsers) or every authenticated
/// AWS user (AuthenticatedUsers) write to the bucket: no WRITE, WRITE_ACP or
/// FULL_CONTROL grant to them.
///
/// Prowler looks at WRITE and FULL_CONTROL; WRITE_ACP counts too, since
/// whoever may rewrite the ACL may grant themselves WRITE. A public grant
/// that `IgnorePublicAcls` or `BucketOwnerEnforced` makes inert passes.
pub(crate) struct S3BucketPublicWriteAcl;

const PERMISSIONS: &[&str] = &["WRITE", "WRITE_ACP", "FULL_CONTROL"];

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_public_write_acl",
    title: "S3 bucket ACL does not grant public write access",
    severity: Severity::Critical,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "An ACL grant to AllUsers or AuthenticatedUsers lets anyone on the internet, or anyone \
        with any AWS account, write to the bucket.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-acl --bucket <bucket> --acl private\n\
              aws s3api put-bucket-ownership-controls --bucket <bucket> \\\n\
              --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'",
        console: "S3 > Buckets > <bucket> > Permissions > Object Ownership > Edit > ACLs disabled \
                  (recommended); or Access control list (ACL) > Edit and remove the Everyone and \
                  Authenticated users groups.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/managing-acls.html",
    },
    controls: &[fsbp("S3.3"), nist("AC-3")],
};

impl Rule for S3BucketPublicWriteAcl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(public_acl_outcome(resource, snapshot, PERMISSIONS, "write"))
    }
}
