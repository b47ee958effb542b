//! `rds_cluster_default_admin`: no DB cluster uses a default or commonly guessed
//! master user name (`admin`, `administrator`, `postgres`, `root`, `sa`,
//! `master`; case-insensitive).
//!
//! A missing master user name is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_default_admin",
    title: "RDS DB cluster uses a custom master user name, not a default such as admin or \
            postgres",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Brute-force and credential-stuffing tools try the default administrator names \
                first; a default name gives an attacker half of the master credentials. The \
                master user name cannot be changed after creation.",
    remediation: Remediation {
        cli: "aws rds create-db-cluster --db-cluster-identifier <new-cluster-id> --engine \
              <engine> --master-username <custom-name> --manage-master-user-password\n\
              # then migrate the data (native dump and restore, or AWS DMS) and retire the old \
              cluster",
        console: "RDS console > Create database > Settings > Master username: a non-default name \
                  > Manage master credentials in AWS Secrets Manager; migrate the data, switch \
                  clients, then delete the old cluster.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.MasterAccounts.html",
    },
    controls: &[fsbp("RDS.24")],
};

/// RDS DB cluster uses a custom master user name, not a default such as admin or postgres.
pub(crate) struct RdsClusterDefaultAdmin;

impl Rule for RdsClusterDefaultAdmin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        let Some(user) = c.master_username.as_deref() else {
            return Ok(Outcome::not_collected("master_username"));
        };
        Ok(Outcome::check(
            !engine::is_default_admin(user),
            format!("RDS cluster {id} uses a custom master user name"),
            format!("RDS cluster {id} uses the default master user name {user}"),
        )
        .with_evidence(json!({ "master_username": user })))
    }
}
