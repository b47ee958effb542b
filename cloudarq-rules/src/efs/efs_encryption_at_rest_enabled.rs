//! `efs_encryption_at_rest_enabled`: every EFS file system encrypts its data
//! at rest.
//!
//! `Encrypted` comes with `DescribeFileSystems`, the call that lists the
//! file system, so there is no not-collected state. A file system being
//! deleted (`deleting` or `deleted`) is not judged.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "efs_encryption_at_rest_enabled",
    title: "EFS file systems encrypt their data at rest",
    severity: Severity::Medium,
    service: Service::Efs,
    resource_types: &[ResourceType::EfsFileSystem],
    rationale: "An unencrypted file system keeps its files and metadata in the clear on the \
                storage behind it. Encryption at rest with a KMS key puts every read of the \
                stored data behind the key's policy and records the key's use in CloudTrail. \
                EFS sets encryption only when a file system is created.",
    remediation: Remediation {
        cli: "Encryption cannot be turned on for an existing file system: create an encrypted \
              one (aws efs create-file-system --encrypted [--kms-key-id <key>] --region \
              <region>), copy the data over (for example with AWS DataSync), point clients at \
              it and delete the old one.",
        console: "Amazon EFS console > File systems > Create file system > Customize > \
                  Encryption: Enable encryption of data at rest > Create; then move the data \
                  and delete the unencrypted file system.",
        url: "https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html",
    },
    controls: &[
        cis3("2.4.1"),
        cis7("3.3.1"),
        fsbp("EFS.1"),
        nist("SC-28(1)"),
    ],
};

/// EFS file systems encrypt their data at rest.
pub(crate) struct EfsEncryptionAtRestEnabled;

impl Rule for EfsEncryptionAtRestEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::EfsFileSystem(fs) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if !fs.live() {
            return Ok(Outcome::not_applicable());
        }
        let evidence = json!({
            "encrypted": fs.encrypted,
            "kms_key_id": fs.kms_key_id,
            "life_cycle_state": fs.life_cycle_state,
        });
        let outcome = if fs.encrypted {
            Outcome::pass(format!(
                "EFS file system {} is encrypted at rest",
                fs.file_system_id
            ))
        } else {
            Outcome::fail(format!(
                "EFS file system {} is not encrypted at rest",
                fs.file_system_id
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1";

    fn outcome(encrypted: bool, state: &str) -> Outcome {
        let r = resource(json!({"arn": ARN, "region": "eu-west-1", "name": "fs-1",
            "properties": {"AWS::EFS::FileSystem": {"file_system_id": "fs-1",
                "encrypted": encrypted, "life_cycle_state": state,
                "policy": {"value": null}}}}));
        eval(&EfsEncryptionAtRestEnabled, &snapshot(vec![r]), ARN)
    }

    #[test]
    fn encrypted_passes_and_unencrypted_fails() {
        assert_eq!(kind(&outcome(true, "available")), "pass");
        let out = outcome(false, "available");
        assert_eq!(kind(&out), "fail");
        assert_eq!(
            message(&out),
            "EFS file system fs-1 is not encrypted at rest"
        );
    }

    #[test]
    fn file_systems_being_deleted_are_not_judged() {
        for state in ["deleting", "deleted"] {
            assert_eq!(kind(&outcome(false, state)), "not_applicable", "{state}");
        }
    }
}
