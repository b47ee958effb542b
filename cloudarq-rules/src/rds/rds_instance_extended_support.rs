//! `rds_instance_extended_support`: the DB instance is not enrolled in RDS
//! Extended Support.
//!
//! `EngineLifecycleSupport` of `open-source-rds-extended-support` means the
//! instance runs a major version past its end of standard support (AWS
//! charges for the fixes it still backports); any other value passes. A
//! cluster member whose own value RDS did not return is judged by its
//! cluster's. Only MySQL, PostgreSQL and their Aurora editions have
//! Extended Support: other engines are *not applicable*. A missing value
//! for one of those engines, or a missing companion, is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;
use crate::related;

/// The `EngineLifecycleSupport` value of an enrolled instance.
const ENROLLED: &str = "open-source-rds-extended-support";

static META: RuleMeta = RuleMeta {
    id: "rds_instance_extended_support",
    title: "RDS DB instance is not enrolled in RDS Extended Support",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "An instance in Extended Support runs a major version whose community support \
                has ended: only the fixes AWS chooses to backport reach it, for an extra \
                charge, until the Extended Support end date forces an upgrade.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --engine-version <supported-major-version> --allow-major-version-upgrade \
              --apply-immediately (Aurora: aws rds modify-db-cluster with the same options)",
        console: "RDS console > Databases > the instance (or its cluster) > Modify > DB engine \
                  version: a major version in standard support > Continue > Apply.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/extended-support.html",
    },
    controls: &[nist("SI-2a")],
};

/// Engines that have RDS Extended Support.
fn has_extended_support(engine: &str) -> bool {
    matches!(
        engine,
        "mysql" | "postgres" | "aurora-mysql" | "aurora-postgresql" | "aurora"
    )
}

/// RDS DB instance is not enrolled in RDS Extended Support.
pub(crate) struct RdsInstanceExtendedSupport;

impl Rule for RdsInstanceExtendedSupport {
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
        if !has_extended_support(engine) {
            return Ok(Outcome::not_applicable());
        }
        let region = resource.region.as_ref();
        let id = &db.identifier;
        let Some(config) = related::db_instance_configuration(snapshot, region, id) else {
            return Ok(Outcome::not_collected("DB instance configuration"));
        };
        let lifecycle = match (&config.engine_lifecycle_support, &db.cluster_identifier) {
            (Some(l), _) => Some(l.as_str()),
            (None, Some(cluster)) => related::db_cluster_configuration(snapshot, region, cluster)
                .and_then(|c| c.engine_lifecycle_support.as_deref()),
            (None, None) => None,
        };
        let Some(lifecycle) = lifecycle else {
            return Ok(Outcome::not_collected("engine_lifecycle_support"));
        };
        let version = db.engine_version.as_deref().unwrap_or("?");
        Ok(Outcome::check(
            lifecycle != ENROLLED,
            format!("RDS instance {id} ({engine} {version}) is not in RDS Extended Support"),
            format!(
                "RDS instance {id} ({engine} {version}) is enrolled in RDS Extended Support: \
                 its major version is past the end of standard support"
            ),
        )
        .with_evidence(json!({"engine_lifecycle_support": lifecycle, "engine": engine})))
    }
}
