//! `rds_cluster_copy_tags_to_snapshots`: every DB cluster copies its tags to its
//! snapshots.
//!
//! The value comes from the same call that lists the cluster, so this check has
//! no *not collected* state.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_copy_tags_to_snapshots",
    title: "RDS DB cluster copies its tags to snapshots",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Tags carry ownership, data classification and cost allocation. Snapshots without \
                them are orphans that nobody can classify, so tag-based access policies and \
                retention rules miss them.",
    remediation: Remediation {
        cli: "aws rds modify-db-cluster --db-cluster-identifier <cluster-id> \
              --copy-tags-to-snapshot --apply-immediately",
        console: "RDS console > Databases > select the cluster > Modify > Backup > Copy tags to \
                  snapshots > Continue > Modify cluster.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Modifying.html",
    },
    controls: &[fsbp("RDS.16")],
};

/// RDS DB cluster copies its tags to snapshots.
pub(crate) struct RdsClusterCopyTagsToSnapshots;

impl Rule for RdsClusterCopyTagsToSnapshots {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        Ok(Outcome::check(
            c.copy_tags_to_snapshot,
            format!("RDS cluster {id} copies its tags to snapshots"),
            format!("RDS cluster {id} does not copy its tags to snapshots"),
        )
        .with_evidence(json!({ "copy_tags_to_snapshot": c.copy_tags_to_snapshot })))
    }
}
