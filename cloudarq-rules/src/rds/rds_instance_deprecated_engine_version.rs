//! `rds_instance_deprecated_engine_version`: RDS still offers the engine
//! version the DB instance runs.
//!
//! The region's `DescribeDBEngineVersions` (deprecated versions included)
//! answers for each engine and version in use: a version listed as
//! `deprecated`, or no longer listed at all, FAILs; any other status
//! passes. A version whose call failed, or a snapshot without the region's
//! settings, is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;
use crate::related;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_deprecated_engine_version",
    title: "RDS DB instance runs an engine version RDS still offers",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "A deprecated engine version no longer gets fixes, including security fixes, \
                and RDS eventually upgrades it on its own schedule, at a time the owner did \
                not choose.",
    remediation: Remediation {
        cli: "aws rds describe-db-engine-versions --engine <engine> --engine-version <version> \
              --query 'DBEngineVersions[].ValidUpgradeTarget[].EngineVersion'\n\
              aws rds modify-db-instance --db-instance-identifier <db-id> \
              --engine-version <supported-version> --apply-immediately",
        console: "RDS console > Databases > the instance > Modify > DB engine version: a \
                  supported version > Continue > Apply immediately or in the maintenance \
                  window.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html",
    },
    controls: &[nist("SI-2a")],
};

/// RDS DB instance runs an engine version RDS still offers.
pub(crate) struct RdsInstanceDeprecatedEngineVersion;

impl Rule for RdsInstanceDeprecatedEngineVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let (Some(engine), Some(version)) = (db.engine.as_deref(), db.engine_version.as_deref())
        else {
            return Ok(Outcome::not_collected("engine_version"));
        };
        let Some(settings) = related::rds_region_settings(snapshot, resource.region.as_ref())
        else {
            return Ok(Outcome::not_collected("RDS region settings"));
        };
        let Some(Collected::Value(status)) = settings
            .engine_versions
            .iter()
            .find(|v| v.engine == engine && v.version == version)
            .map(|v| &v.status)
        else {
            return Ok(Outcome::not_collected(format!(
                "engine version {engine} {version}"
            )));
        };
        let id = &db.identifier;
        let outcome = match status.as_deref() {
            None => Outcome::fail(format!(
                "RDS instance {id} runs {engine} {version}, which RDS no longer offers"
            )),
            Some("deprecated") => Outcome::fail(format!(
                "RDS instance {id} runs {engine} {version}, which RDS has deprecated"
            )),
            Some(s) => Outcome::pass(format!(
                "RDS instance {id} runs {engine} {version}, which RDS offers ({s})"
            )),
        };
        Ok(outcome.with_evidence(json!({
            "engine": engine, "engine_version": version, "status": status,
        })))
    }
}
