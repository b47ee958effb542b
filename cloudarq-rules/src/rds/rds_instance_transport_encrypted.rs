//! `rds_instance_transport_encrypted`: the DB instance's engine refuses
//! connections that are not encrypted with SSL/TLS.
//!
//! The setting lives in a parameter group: `rds.force_ssl = 1` for
//! PostgreSQL, Aurora PostgreSQL and SQL Server, `require_secure_transport`
//! `1` or `ON` for MySQL, MariaDB and Aurora MySQL. A member of an Aurora
//! or Multi-AZ DB cluster takes these parameters from its DB cluster
//! parameter group, a standalone instance from its DB parameter group.
//!
//! Other engines are *not applicable*: Oracle enforces TLS through the
//! `SSL` option of an option group (and a TLS-only listener port), and
//! Db2 through its own settings, not through a parameter that says "refuse
//! plain connections"; CloudArq collects neither, and the peer judges only
//! the parameter-group engines too. A parameter group, companion or value
//! that was not read makes the verdict *not collected*; a group that leaves
//! the parameter unset or off FAILs.

use cloudarq_model::inventory::rds::DbParameterGroup;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;
use crate::related;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_transport_encrypted",
    title: "RDS DB instance refuses connections not encrypted with SSL/TLS",
    severity: Severity::High,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Unless the engine refuses plain connections, a client that is misconfigured or \
                downgraded sends credentials and query results in clear text across the \
                network, where anyone on the path can read or alter them.",
    remediation: Remediation {
        cli: "aws rds modify-db-parameter-group --db-parameter-group-name <custom-group> \
              --parameters ParameterName=rds.force_ssl,ParameterValue=1,ApplyMethod=immediate \
              (MySQL, MariaDB: ParameterName=require_secure_transport,ParameterValue=1; for a \
              cluster member: aws rds modify-db-cluster-parameter-group with the same \
              parameter); a default group cannot be changed: create a custom group, set the \
              parameter and attach it with modify-db-instance / modify-db-cluster",
        console: "RDS console > Parameter groups > the instance's (or its cluster's) custom \
                  group > Edit > rds.force_ssl = 1 (or require_secure_transport = 1) > Save; \
                  then attach the group to the instance or cluster and reboot if needed.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html",
    },
    controls: &[nist("SC-8"), nist("SC-8(1)")],
};

/// The parameter that makes an engine refuse plain connections, and the
/// values that turn it on; `None` for engines without one.
fn tls_parameter(engine: &str) -> Option<(&'static str, &'static [&'static str])> {
    match engine {
        "mysql" | "mariadb" | "aurora-mysql" | "aurora" => {
            Some(("require_secure_transport", &["1", "on", "true"]))
        }
        "postgres" | "aurora-postgresql" => Some(("rds.force_ssl", &["1"])),
        e if e.starts_with("sqlserver") => Some(("rds.force_ssl", &["1"])),
        _ => None,
    }
}

/// RDS DB instance refuses connections not encrypted with SSL/TLS.
pub(crate) struct RdsInstanceTransportEncrypted;

impl Rule for RdsInstanceTransportEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Some(engine) = db.engine.as_deref() else {
            return Ok(Outcome::not_collected("engine"));
        };
        let Some((parameter, on)) = tls_parameter(engine) else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        let region = resource.region.as_ref();
        let (group, kind) = match db.cluster_identifier.as_deref() {
            Some(cluster) => {
                let Some(c) = related::db_cluster_configuration(snapshot, region, cluster) else {
                    return Ok(Outcome::not_collected(format!(
                        "DB cluster {cluster} configuration"
                    )));
                };
                let Some(name) = c.parameter_group.as_deref() else {
                    return Ok(Outcome::not_collected(format!(
                        "DB cluster {cluster} parameter group"
                    )));
                };
                (
                    related::db_parameter_group(snapshot, region, name, true),
                    ("DB cluster parameter group", name),
                )
            }
            None => {
                let Some(c) = related::db_instance_configuration(snapshot, region, id) else {
                    return Ok(Outcome::not_collected("DB instance configuration"));
                };
                let Some(name) = c.parameter_groups.first().map(|g| g.name.as_str()) else {
                    return Ok(Outcome::not_collected("DB parameter group"));
                };
                (
                    related::db_parameter_group(snapshot, region, name, false),
                    ("DB parameter group", name),
                )
            }
        };
        let Some(DbParameterGroup {
            tls_parameters: Collected::Value(params),
            ..
        }) = group
        else {
            return Ok(Outcome::not_collected(format!("{} {}", kind.0, kind.1)));
        };
        let value = params
            .iter()
            .find(|p| p.name == parameter)
            .and_then(|p| p.value.as_deref());
        let enforced = value.is_some_and(|v| on.iter().any(|o| v.trim().eq_ignore_ascii_case(o)));
        let (what, name) = kind;
        Ok(Outcome::check(
            enforced,
            format!("RDS instance {id} refuses unencrypted connections: {parameter} is {} in {what} {name}", value.unwrap_or_default()),
            match value {
                Some(v) => format!("RDS instance {id} accepts unencrypted connections: {parameter} is {v} in {what} {name}"),
                None => format!("RDS instance {id} accepts unencrypted connections: {what} {name} does not set {parameter}"),
            },
        )
        .with_evidence(json!({
            "engine": engine,
            "parameter_group": name,
            "cluster_parameter_group": db.cluster_identifier.is_some(),
            "parameter": parameter,
            "value": value,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_map_to_their_parameter() {
        assert_eq!(
            tls_parameter("postgres").map(|p| p.0),
            Some("rds.force_ssl")
        );
        assert_eq!(
            tls_parameter("sqlserver-se").map(|p| p.0),
            Some("rds.force_ssl")
        );
        assert_eq!(
            tls_parameter("aurora-mysql").map(|p| p.0),
            Some("require_secure_transport")
        );
        assert!(tls_parameter("oracle-ee").is_none());
        assert!(tls_parameter("db2-se").is_none());
    }
}
