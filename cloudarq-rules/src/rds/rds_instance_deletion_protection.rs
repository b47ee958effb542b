//! `rds_instance_deletion_protection`: every DB instance has deletion protection
//! on.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and
//! `rds_cluster_deletion_protection` judges the cluster; a member whose cluster
//! is missing from the snapshot is *not collected*. See [`cluster`].

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_deletion_protection",
    title: "RDS DB instance has deletion protection enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Deletion protection stops a mistaken or malicious DeleteDBInstance call, from a \
                script, a console slip or a compromised credential, from destroying the database; \
                it must be switched off deliberately first.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> --deletion-protection \
              --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Deletion protection: \
                  Enable deletion protection > Continue > Apply immediately > Modify DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html#USER_DeletionProtection",
    },
    controls: &[fsbp("RDS.8")],
};

/// RDS DB instance has deletion protection enabled.
pub(crate) struct RdsInstanceDeletionProtection;

impl Rule for RdsInstanceDeletionProtection {
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
            db.deletion_protection,
            format!("RDS instance {id} has deletion protection enabled"),
            format!("RDS instance {id} has deletion protection disabled"),
        )
        .with_evidence(json!({ "deletion_protection": db.deletion_protection })))
    }
}
