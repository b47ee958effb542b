//! `rds_cluster_deletion_protection`: every DB cluster has deletion protection
//! on.
//!
//! The value comes from the same call that lists the cluster, so this check has
//! no *not collected* state.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_deletion_protection",
    title: "RDS DB cluster has deletion protection enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Deletion protection stops a mistaken or malicious DeleteDBCluster call, from a \
                script, a console slip or a compromised credential, from destroying the cluster; \
                it must be switched off deliberately first.",
    remediation: Remediation {
        cli: "aws rds modify-db-cluster --db-cluster-identifier <cluster-id> \
              --deletion-protection --apply-immediately",
        console: "RDS console > Databases > select the cluster > Modify > Deletion protection: \
                  Enable deletion protection > Continue > Apply immediately > Modify cluster.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Modifying.html",
    },
    controls: &[fsbp("RDS.7")],
};

/// RDS DB cluster has deletion protection enabled.
pub(crate) struct RdsClusterDeletionProtection;

impl Rule for RdsClusterDeletionProtection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        Ok(Outcome::check(
            c.deletion_protection,
            format!("RDS cluster {id} has deletion protection enabled"),
            format!("RDS cluster {id} has deletion protection disabled"),
        )
        .with_evidence(json!({ "deletion_protection": c.deletion_protection })))
    }
}
