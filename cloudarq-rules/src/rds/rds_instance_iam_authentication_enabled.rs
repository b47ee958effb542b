//! `rds_instance_iam_authentication_enabled`: every DB instance whose engine
//! supports it (MySQL, MariaDB, PostgreSQL) accepts IAM database authentication.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and
//! `rds_cluster_iam_authentication_enabled` judges the cluster; a member whose
//! cluster is missing from the snapshot is *not collected*. See [`cluster`].
//!
//! Engines without IAM authentication (Oracle, SQL Server, Db2) are not
//! applicable; an instance whose engine is unknown is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_iam_authentication_enabled",
    title: "RDS DB instance has IAM database authentication enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "IAM authentication replaces long-lived database passwords with 15-minute tokens \
                tied to IAM identities, so access is granted, audited and revoked in one place \
                and no password sits in application configuration.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --enable-iam-database-authentication --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Database \
                  authentication > Password and IAM database authentication > Continue > Modify \
                  DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html",
    },
    controls: &[fsbp("RDS.10")],
};

/// RDS DB instance has IAM database authentication enabled.
pub(crate) struct RdsInstanceIamAuthenticationEnabled;

impl Rule for RdsInstanceIamAuthenticationEnabled {
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
        let Some(engine_name) = db.engine.as_deref() else {
            return Ok(Outcome::not_collected("engine"));
        };
        if !engine::supports_iam_auth(engine_name) {
            return Ok(Outcome::not_applicable());
        }
        Ok(Outcome::check(
            db.iam_auth_enabled,
            format!("RDS instance {id} has IAM database authentication enabled"),
            format!("RDS instance {id} ({engine_name}) has IAM database authentication disabled"),
        )
        .with_evidence(json!({ "iam_auth_enabled": db.iam_auth_enabled, "engine": engine_name })))
    }
}
