//! `rds_snapshots_encrypted`: every DB snapshot and DB cluster snapshot is
//! encrypted.
//!
//! The flag comes from the same call that lists the snapshot, so this check has
//! no *not collected* state.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_snapshots_encrypted",
    title: "RDS DB snapshot or DB cluster snapshot is encrypted",
    severity: Severity::High,
    service: Service::Rds,
    resource_types: &[
        ResourceType::RdsDbSnapshot,
        ResourceType::RdsDbClusterSnapshot,
    ],
    rationale: "Snapshots are copied, shared across accounts and kept for years; an unencrypted \
                one exposes the whole database to anyone it reaches. Encrypted snapshots cannot \
                be made public, and restoring them requires the KMS key.",
    remediation: Remediation {
        cli: "aws rds copy-db-snapshot --source-db-snapshot-identifier <snap-id> \
              --target-db-snapshot-identifier <snap-id>-encrypted --kms-key-id <key-arn>\n\
              # cluster snapshots cannot be encrypted by copying: restore into an encrypted \
              cluster and snapshot that\n\
              aws rds restore-db-cluster-from-snapshot --db-cluster-identifier <tmp-cluster-id> \
              --snapshot-identifier <snap-id> --engine <engine> --kms-key-id <key-arn>",
        console: "RDS console > Snapshots > select the snapshot > Actions > Copy snapshot > \
                  Enable encryption > choose a KMS key > Copy snapshot; delete the unencrypted \
                  original once the copy is available.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
    },
    controls: &[fsbp("RDS.4"), nist("CP-9(8)"), nist("SC-28(1)")],
};

/// RDS DB snapshot or DB cluster snapshot is encrypted.
pub(crate) struct RdsSnapshotsEncrypted;

impl Rule for RdsSnapshotsEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (snap, kind) = match &resource.properties {
            Properties::RdsDbSnapshot(s) => (&**s, "DB snapshot"),
            Properties::RdsDbClusterSnapshot(s) => (&**s, "DB cluster snapshot"),
            _ => return Ok(Outcome::not_applicable()),
        };
        let id = &snap.identifier;
        Ok(Outcome::check(
            snap.encrypted,
            format!("RDS {kind} {id} is encrypted"),
            format!("RDS {kind} {id} is not encrypted"),
        )
        .with_evidence(json!({ "encrypted": snap.encrypted, "kms_key_id": snap.kms_key_id })))
    }
}
