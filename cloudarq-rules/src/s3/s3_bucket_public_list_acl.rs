//! `s3_bucket_public_list_acl`: the bucket ACL does not let the public list the bucket's objects.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::public_acl_outcome;
use crate::controls::{fsbp, nist};

/// The bucket ACL does not let everyone (AllUsers) or every authenticated
/// AWS user (AuthenticatedUsers) list the bucket: no READ or FULL_CONTROL
/// grant to them.
///
/// A public grant that `IgnorePublicAcls` (bucket or account level) or
/// `BucketOwnerEnforced` Object Ownership makes inert passes; whether it is
/// inert when those are unknown is *not collected*.
pub(crate) struct S3BucketPublicListAcl;

const PERMISSIONS: &[&str] = &["READ", "FULL_CONTROL"];

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_public_list_acl",
    title: "S3 bucket ACL does not grant public list access",
    severity: Severity::Critical,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "An ACL grant to AllUsers or AuthenticatedUsers lets anyone on the internet, or anyone \
        with any AWS account, list the bucket's objects.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-acl --bucket <bucket> --acl private\n\
              aws s3api put-bucket-ownership-controls --bucket <bucket> \\\n\
              --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'",
        console: "S3 > Buckets > <bucket> > Permissions > Object Ownership > Edit > ACLs disabled \
                  (recommended); or Access control list (ACL) > Edit and remove the Everyone and \
                  Authenticated users groups.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/managing-acls.html",
    },
    controls: &[fsbp("S3.2"), nist("AC-3")],
};

impl Rule for S3BucketPublicListAcl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(public_acl_outcome(resource, snapshot, PERMISSIONS, "list"))
    }
}
