//! `s3_bucket_no_mfa_delete`: deleting object versions needs MFA.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::bucket;
use crate::controls::{cis3, cis7, fsbp};

/// The bucket has MFA Delete enabled.
///
/// The id is Prowler's; despite the `no_`, the secure state is MFA Delete
/// *on*.
pub(crate) struct S3BucketNoMfaDelete;

static META: RuleMeta = RuleMeta {
    id: "s3_bucket_no_mfa_delete",
    title: "S3 bucket has MFA Delete enabled",
    severity: Severity::Medium,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "With MFA Delete, permanently deleting an object version or changing the bucket's \
        versioning state needs the root user's MFA code, so stolen credentials alone cannot destroy \
        the version history.",
    remediation: Remediation {
        cli: "# Only the root user can enable MFA Delete, with its own access key and MFA device:\n\
              aws s3api put-bucket-versioning --bucket <bucket> \\\n\
              --versioning-configuration Status=Enabled,MFADelete=Enabled \\\n\
              --mfa 'arn:aws:iam::<account>:mfa/root-account-mfa-device <code>'",
        console: "Not available in the console: use the AWS CLI as the root user (see the command), then \
                  delete the temporary root access key.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html",
    },
    controls: &[cis3("2.1.2"), cis7("3.1.2"), fsbp("S3.20")],
};

impl Rule for S3BucketNoMfaDelete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(b) = bucket(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let Some(v) = b.versioning.value() else {
            return Ok(Outcome::not_collected("versioning"));
        };
        let mfa_delete = v.mfa_delete.as_deref();
        Ok(Outcome::check(
            mfa_delete == Some("Enabled"),
            format!("bucket {} has MFA Delete enabled", b.name),
            format!("bucket {} does not have MFA Delete enabled", b.name),
        )
        .with_evidence(json!({"mfa_delete": mfa_delete, "versioning_status": v.status})))
    }
}
