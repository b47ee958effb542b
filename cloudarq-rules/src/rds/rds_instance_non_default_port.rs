//! `rds_instance_non_default_port`: no DB instance listens on its engine's
//! default port (3306, 5432, 1521, 1433, …).
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and `rds_cluster_non_default_port`
//! judges the cluster; a member whose cluster is missing from the snapshot is
//! *not collected*. See [`cluster`].
//!
//! An engine CloudArq does not know is not applicable; a missing port or engine
//! is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_non_default_port",
    title: "RDS DB instance listens on a port other than its engine's default",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Mass scanners and worms look for databases on their well-known ports. A \
                non-default port is no substitute for network controls, but it drops the instance \
                out of the cheapest automated attacks.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> --db-port-number <port> \
              --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Connectivity > \
                  Additional configuration > Database port > Continue > Modify DB instance; \
                  update security groups and clients to the new port.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.DBInstance.Modifying.html",
    },
    controls: &[fsbp("RDS.23")],
};

/// RDS DB instance listens on a port other than its engine's default.
pub(crate) struct RdsInstanceNonDefaultPort;

impl Rule for RdsInstanceNonDefaultPort {
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
        let Some(port) = db.port else {
            return Ok(Outcome::not_collected("port"));
        };
        let Some(engine_name) = db.engine.as_deref() else {
            return Ok(Outcome::not_collected("engine"));
        };
        let Some(default) = engine::default_port(engine_name) else {
            return Ok(Outcome::not_applicable());
        };
        Ok(Outcome::check(
            port != default,
            format!(
                "RDS instance {id} listens on port {port}, not the {engine_name} default {default}"
            ),
            format!("RDS instance {id} listens on the {engine_name} default port {default}"),
        )
        .with_evidence(json!({ "port": port, "engine": engine_name, "default_port": default })))
    }
}
