//! `rds_cluster_non_default_port`: no DB cluster listens on its engine's default
//! port.
//!
//! An engine CloudArq does not know is not applicable; a missing port or engine
//! is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_non_default_port",
    title: "RDS DB cluster listens on a port other than its engine's default",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Mass scanners and worms look for databases on their well-known ports. A \
                non-default port is no substitute for network controls, but it drops the cluster \
                out of the cheapest automated attacks.",
    remediation: Remediation {
        cli: "aws rds modify-db-cluster --db-cluster-identifier <cluster-id> --port <port> \
              --apply-immediately",
        console: "RDS console > Databases > select the cluster > Modify > Connectivity > Database \
                  port > Continue > Modify cluster; update security groups and clients to the new \
                  port.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Modifying.html",
    },
    controls: &[fsbp("RDS.23")],
};

/// RDS DB cluster listens on a port other than its engine's default.
pub(crate) struct RdsClusterNonDefaultPort;

impl Rule for RdsClusterNonDefaultPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        let Some(port) = c.port else {
            return Ok(Outcome::not_collected("port"));
        };
        let Some(engine_name) = c.engine.as_deref() else {
            return Ok(Outcome::not_collected("engine"));
        };
        let Some(default) = engine::default_port(engine_name) else {
            return Ok(Outcome::not_applicable());
        };
        Ok(Outcome::check(
            port != default,
            format!(
                "RDS cluster {id} listens on port {port}, not the {engine_name} default {default}"
            ),
            format!("RDS cluster {id} listens on the {engine_name} default port {default}"),
        )
        .with_evidence(json!({ "port": port, "engine": engine_name, "default_port": default })))
    }
}
