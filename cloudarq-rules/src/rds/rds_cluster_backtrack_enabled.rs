//! `rds_cluster_backtrack_enabled`: every Aurora MySQL cluster has a backtrack
//! window.
//!
//! Other engines are not applicable; an unknown engine is *not collected*. A
//! missing window means backtracking is off.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_backtrack_enabled",
    title: "Aurora MySQL DB cluster has backtracking enabled",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Backtracking rewinds an Aurora MySQL cluster to a point in time in minutes, \
                without restoring a backup into a new cluster, which shortens recovery from a \
                destructive query or a compromised application.",
    remediation: Remediation {
        cli: "aws rds modify-db-cluster --db-cluster-identifier <cluster-id> --backtrack-window \
              86400 --apply-immediately\n\
              # a cluster created without backtracking: restore a snapshot with it\n\
              aws rds restore-db-cluster-from-snapshot --db-cluster-identifier <new-cluster-id> \
              --snapshot-identifier <snap-id> --engine aurora-mysql --backtrack-window 86400",
        console: "RDS console > Databases > select the Aurora MySQL cluster > Modify > Backtrack \
                  > Target backtrack window (for example 24 hours) > Continue > Modify cluster. \
                  If the option is missing, restore a snapshot with backtracking enabled.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Managing.Backtrack.html",
    },
    controls: &[fsbp("RDS.14")],
};

/// Aurora MySQL DB cluster has backtracking enabled.
pub(crate) struct RdsClusterBacktrackEnabled;

impl Rule for RdsClusterBacktrackEnabled {
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
        if !matches!(engine_name, "aurora" | "aurora-mysql") {
            return Ok(Outcome::not_applicable());
        }
        let window = c.backtrack_window.unwrap_or(0);
        Ok(Outcome::check(
            window > 0,
            format!("RDS cluster {id} has a backtrack window of {window} s"),
            format!("RDS cluster {id} has backtracking disabled"),
        )
        .with_evidence(json!({ "backtrack_window": c.backtrack_window, "engine": engine_name })))
    }
}
