//! `rds_instance_storage_encrypted`: every DB instance encrypts its storage at
//! rest.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and `rds_cluster_storage_encrypted`
//! judges the cluster; a member whose cluster is missing from the snapshot is
//! *not collected*. See [`cluster`].

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "rds_instance_storage_encrypted",
    title: "RDS DB instance storage is encrypted at rest",
    severity: Severity::High,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Unencrypted storage leaves the database, its automated backups, read replicas and \
                snapshots readable by anyone who obtains a copy. Encryption with KMS puts every \
                use of the data under key policy and CloudTrail. It can only be set at creation, \
                so fix it early.",
    remediation: Remediation {
        cli: "aws rds create-db-snapshot --db-instance-identifier <db-id> \
              --db-snapshot-identifier <snap-id>\n\
              aws rds copy-db-snapshot --source-db-snapshot-identifier <snap-id> \
              --target-db-snapshot-identifier <snap-id>-encrypted --kms-key-id <key-arn>\n\
              aws rds restore-db-instance-from-db-snapshot --db-instance-identifier <new-db-id> \
              --db-snapshot-identifier <snap-id>-encrypted",
        console: "RDS console > Snapshots > take a snapshot of the instance > Actions > Copy \
                  snapshot > Enable encryption > choose a KMS key; restore the encrypted copy as \
                  a new instance and move clients to it.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
    },
    controls: &[
        cis3("2.3.1"),
        cis7("3.2.1"),
        fsbp("RDS.3"),
        nist("CP-9(8)"),
        nist("SC-28(1)"),
    ],
};

/// RDS DB instance storage is encrypted at rest.
pub(crate) struct RdsInstanceStorageEncrypted;

impl Rule for RdsInstanceStorageEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        if let Some(outcome) = cluster::defer(db, resource, snapshot) {
            return Ok(outcome);
        }
        Ok(Outcome::check(
            db.storage_encrypted,
            format!("RDS instance {id} encrypts its storage"),
            format!("RDS instance {id} does not encrypt its storage"),
        )
        .with_evidence(
            json!({ "storage_encrypted": db.storage_encrypted, "kms_key_id": db.kms_key_id }),
        ))
    }
}
