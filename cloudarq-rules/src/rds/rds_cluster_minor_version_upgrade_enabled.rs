//! `rds_cluster_minor_version_upgrade_enabled`: every Multi-AZ DB cluster applies
//! minor engine upgrades automatically.
//!
//! The cluster-level setting exists for Multi-AZ DB clusters only. For Aurora,
//! Neptune and DocumentDB clusters it is absent and the check is not applicable:
//! their instances own it and `rds_instance_minor_version_upgrade_enabled` judges
//! them. An absent setting on a Multi-AZ DB cluster, or an unknown engine, is
//! *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_minor_version_upgrade_enabled",
    title: "RDS Multi-AZ DB cluster has automatic minor version upgrades enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Minor engine versions carry security fixes. With automatic minor upgrades the \
                cluster receives them in its maintenance window instead of waiting for someone to \
                notice a CVE.",
    remediation: Remediation {
        cli: "aws rds modify-db-cluster --db-cluster-identifier <cluster-id> \
              --auto-minor-version-upgrade --apply-immediately",
        console: "RDS console > Databases > select the Multi-AZ DB cluster > Modify > Maintenance \
                  > Enable auto minor version upgrade > Continue > Modify cluster.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-upgrading.html",
    },
    controls: &[fsbp("RDS.35")],
};

/// RDS Multi-AZ DB cluster has automatic minor version upgrades enabled.
pub(crate) struct RdsClusterMinorVersionUpgradeEnabled;

impl Rule for RdsClusterMinorVersionUpgradeEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        let Some(engine_name) = c.engine.as_deref() else {
            return Ok(Outcome::not_collected("engine"));
        };
        let Some(enabled) = c.auto_minor_version_upgrade else {
            return Ok(if engine::is_multi_az_cluster_engine(engine_name) {
                Outcome::not_collected("auto_minor_version_upgrade")
            } else {
                Outcome::not_applicable()
            });
        };
        Ok(Outcome::check(
            enabled,
            format!("RDS cluster {id} applies minor version upgrades automatically"),
            format!("RDS cluster {id} has automatic minor version upgrades disabled"),
        )
        .with_evidence(json!({ "auto_minor_version_upgrade": enabled, "engine": engine_name })))
    }
}
