//! `rds_cluster_storage_encrypted`: every DB cluster (Aurora, Multi-AZ DB
//! cluster, Neptune, DocumentDB) encrypts its storage at rest.
//!
//! The value comes from the same call that lists the cluster, so this check has
//! no *not collected* state.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_storage_encrypted",
    title: "RDS DB cluster storage is encrypted at rest",
    severity: Severity::High,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Unencrypted cluster storage leaves the database, its backups and snapshots \
                readable by anyone who obtains a copy. Encryption can only be chosen at creation, \
                so an unencrypted cluster must be rebuilt from a snapshot.",
    remediation: Remediation {
        cli: "aws rds create-db-cluster-snapshot --db-cluster-identifier <cluster-id> \
              --db-cluster-snapshot-identifier <snap-id>\n\
              aws rds restore-db-cluster-from-snapshot --db-cluster-identifier <new-cluster-id> \
              --snapshot-identifier <snap-id> --engine <engine> --kms-key-id <key-arn>",
        console: "RDS console > Snapshots > take a cluster snapshot > Actions > Restore snapshot \
                  > Encryption: enable, choose a KMS key > Restore DB cluster; add instances to \
                  the new cluster and move clients to it.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html",
    },
    controls: &[fsbp("RDS.27"), nist("CP-9(8)"), nist("SC-28(1)")],
};

/// RDS DB cluster storage is encrypted at rest.
pub(crate) struct RdsClusterStorageEncrypted;

impl Rule for RdsClusterStorageEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        Ok(Outcome::check(
            c.storage_encrypted,
            format!("RDS cluster {id} encrypts its storage"),
            format!("RDS cluster {id} does not encrypt its storage"),
        )
        .with_evidence(
            json!({ "storage_encrypted": c.storage_encrypted, "kms_key_id": c.kms_key_id }),
        ))
    }
}
