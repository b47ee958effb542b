//! `ec2_ebs_snapshots_encrypted`: every EBS snapshot owned by the account is
//! encrypted.
//!
//! The flag comes from the same call that lists the snapshot, so this check has
//! no *not collected* state. FSBP EC2.3 covers attached volumes only; the rule
//! is mapped to NIST 800-53 SC-28(1) (encryption at rest) and CP-9(8)
//! (encrypted backups).

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_snapshots_encrypted",
    title: "EBS snapshot is encrypted",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Snapshot],
    rationale: "Snapshots are copied, shared across accounts and kept for years; an unencrypted \
                one exposes the full volume to anyone it reaches. Encrypted snapshots cannot be \
                made public, and reading them requires the KMS key.",
    remediation: Remediation {
        cli: "aws ec2 copy-snapshot --source-region <region> --source-snapshot-id <snap-id> \
              --encrypted --kms-key-id <key-arn>\n\
              aws ec2 delete-snapshot --snapshot-id <snap-id>",
        console: "EC2 console > Snapshots > select the snapshot > Actions > Copy snapshot > \
                  Encrypt this snapshot > choose a KMS key > Copy snapshot; delete the \
                  unencrypted original once the copy is complete.",
        url: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
    },
    controls: &[nist("CP-9(8)"), nist("SC-28(1)")],
};

/// EBS snapshot is encrypted.
pub(crate) struct Ec2EbsSnapshotsEncrypted;

impl Rule for Ec2EbsSnapshotsEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Snapshot(snap) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &snap.snapshot_id;
        Ok(Outcome::check(
            snap.encrypted,
            format!("EBS snapshot {id} is encrypted"),
            format!("EBS snapshot {id} is not encrypted"),
        )
        .with_evidence(json!({
            "encrypted": snap.encrypted,
            "kms_key_id": snap.kms_key_id,
            "volume_id": snap.volume_id,
        })))
    }
}
