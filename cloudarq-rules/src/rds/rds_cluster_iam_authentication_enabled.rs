//! `rds_cluster_iam_authentication_enabled`: every DB cluster whose engine
//! supports it (Aurora MySQL and PostgreSQL, Multi-AZ DB clusters, Neptune)
//! accepts IAM database authentication.
//!
//! Other engines are not applicable; an unknown engine is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_iam_authentication_enabled",
    title: "RDS DB cluster has IAM database authentication enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "IAM authentication replaces long-lived database passwords with 15-minute tokens \
                tied to IAM identities, so access is granted, audited and revoked in one place \
                and no password sits in application configuration.",
    remediation: Remediation {
        cli: "aws rds modify-db-cluster --db-cluster-identifier <cluster-id> \
              --enable-iam-database-authentication --apply-immediately",
        console: "RDS console > Databases > select the cluster > Modify > Database authentication \
                  > Password and IAM database authentication > Continue > Modify cluster.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html",
    },
    controls: &[fsbp("RDS.12")],
};

/// RDS DB cluster has IAM database authentication enabled.
pub(crate) struct RdsClusterIamAuthenticationEnabled;

impl Rule for RdsClusterIamAuthenticationEnabled {
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
        if !engine::supports_iam_auth(engine_name) {
            return Ok(Outcome::not_applicable());
        }
        Ok(Outcome::check(
            c.iam_auth_enabled,
            format!("RDS cluster {id} has IAM database authentication enabled"),
            format!("RDS cluster {id} ({engine_name}) has IAM database authentication disabled"),
        )
        .with_evidence(json!({ "iam_auth_enabled": c.iam_auth_enabled, "engine": engine_name })))
    }
}
