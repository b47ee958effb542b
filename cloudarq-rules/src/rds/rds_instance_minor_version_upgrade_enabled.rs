//! `rds_instance_minor_version_upgrade_enabled`: every DB instance applies minor
//! engine upgrades automatically.
//!
//! Aurora instances own this setting and are judged here. Members of a Multi-AZ
//! DB cluster (MySQL or PostgreSQL engine with a cluster) are not applicable:
//! `rds_cluster_minor_version_upgrade_enabled` judges their cluster, and a member
//! whose cluster is missing from the snapshot is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use super::engine;
use crate::controls::{cis3, cis7, fsbp};

static META: RuleMeta = RuleMeta {
    id: "rds_instance_minor_version_upgrade_enabled",
    title: "RDS DB instance has automatic minor version upgrades enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Minor engine versions carry security fixes. With automatic minor upgrades the \
                instance receives them in its maintenance window instead of waiting for someone \
                to notice a CVE.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --auto-minor-version-upgrade --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Maintenance > Enable \
                  auto minor version upgrade > Continue > Modify DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html#USER_UpgradeDBInstance.Upgrading.AutoMinorVersionUpgrades",
    },
    controls: &[cis3("2.3.2"), cis7("3.2.2"), fsbp("RDS.13")],
};

/// RDS DB instance has automatic minor version upgrades enabled.
pub(crate) struct RdsInstanceMinorVersionUpgradeEnabled;

impl Rule for RdsInstanceMinorVersionUpgradeEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        let multi_az_cluster_member = db.cluster_identifier.is_some()
            && db
                .engine
                .as_deref()
                .is_some_and(engine::is_multi_az_cluster_engine);
        if multi_az_cluster_member && let Some(outcome) = cluster::defer(db, resource, snapshot) {
            return Ok(outcome);
        }
        Ok(Outcome::check(
            db.auto_minor_version_upgrade,
            format!("RDS instance {id} applies minor version upgrades automatically"),
            format!("RDS instance {id} has automatic minor version upgrades disabled"),
        )
        .with_evidence(json!({
            "auto_minor_version_upgrade": db.auto_minor_version_upgrade,
            "engine": db.engine,
            "engine_version": db.engine_version,
        })))
    }
}
