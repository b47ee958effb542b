//! `rds_instance_copy_tags_to_snapshots`: every DB instance copies its tags to
//! its snapshots.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and
//! `rds_cluster_copy_tags_to_snapshots` judges the cluster; a member whose
//! cluster is missing from the snapshot is *not collected*. See [`cluster`].

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_copy_tags_to_snapshots",
    title: "RDS DB instance copies its tags to snapshots",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Tags carry ownership, data classification and cost allocation. Snapshots without \
                them are orphans that nobody can classify, so tag-based access policies and \
                retention rules miss them.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> --copy-tags-to-snapshot \
              --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Backup > Copy tags to \
                  snapshots > Continue > Modify DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.html#USER_Tagging.CopyTags",
    },
    controls: &[fsbp("RDS.17")],
};

/// RDS DB instance copies its tags to snapshots.
pub(crate) struct RdsInstanceCopyTagsToSnapshots;

impl Rule for RdsInstanceCopyTagsToSnapshots {
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
            db.copy_tags_to_snapshot,
            format!("RDS instance {id} copies its tags to snapshots"),
            format!("RDS instance {id} does not copy its tags to snapshots"),
        )
        .with_evidence(json!({ "copy_tags_to_snapshot": db.copy_tags_to_snapshot })))
    }
}
