//! `cloudtrail_kms_encryption_enabled`: every trail of the account encrypts
//! its log files with a KMS key (SSE-KMS), not only S3 managed keys.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::trail;
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "cloudtrail_kms_encryption_enabled",
    title: "CloudTrail trail encrypts its log files with a KMS key",
    severity: Severity::Medium,
    service: Service::Cloudtrail,
    resource_types: &[ResourceType::CloudTrailTrail],
    rationale: "With a KMS key, reading the logs needs kms:Decrypt on that key as well as \
                read access to the bucket, and every decryption is itself logged. A bucket \
                policy mistake then no longer exposes the account's activity record.",
    remediation: Remediation {
        cli: "aws cloudtrail update-trail --name <trail> --kms-key-id <key-arn>",
        console: "CloudTrail > Trails > <trail> > General details > Edit > Log file SSE-KMS \
                  encryption: Enabled, choose or create a key > Save changes.",
        url: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
    },
    controls: &[
        cis3("3.5"),
        cis7("4.5"),
        fsbp("CloudTrail.2"),
        nist("AU-9(3)"),
        nist("SC-28(1)"),
    ],
};

/// Log files are encrypted with a KMS key.
pub(crate) struct CloudtrailKmsEncryptionEnabled;

impl Rule for CloudtrailKmsEncryptionEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(t) = trail(resource) else {
            return Ok(Outcome::not_applicable());
        };
        if resource.arn.account() != snapshot.account_id.as_str() {
            return Ok(Outcome::not_applicable());
        }
        let key = t.kms_key_id.as_deref().filter(|k| !k.is_empty());
        Ok(Outcome::check(
            key.is_some(),
            format!("trail {} encrypts its log files with a KMS key", t.name),
            format!(
                "trail {} does not encrypt its log files with a KMS key",
                t.name
            ),
        )
        .with_evidence(json!({"kms_key_id": key})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, monitoring_snapshot, trail};

    const ARN: &str = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main";

    #[test]
    fn a_key_passes_and_none_fails() {
        let snap = monitoring_snapshot(vec![trail("main", json!({}))]);
        assert_eq!(
            kind(&eval(&CloudtrailKmsEncryptionEnabled, &snap, ARN)),
            "pass"
        );
        for none in [json!(null), json!("")] {
            let snap = monitoring_snapshot(vec![trail("main", json!({"kms_key_id": none}))]);
            assert_eq!(
                kind(&eval(&CloudtrailKmsEncryptionEnabled, &snap, ARN)),
                "fail"
            );
        }
    }
}
