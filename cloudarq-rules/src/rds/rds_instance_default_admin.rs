//! `rds_instance_default_admin`: no DB instance uses a default or commonly
//! guessed master user name (`admin`, `administrator`, `postgres`, `root`, `sa`,
//! `master`; case-insensitive). Prowler checks `admin` and `postgres` only.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and `rds_cluster_default_admin`
//! judges the cluster; a member whose cluster is missing from the snapshot is
//! *not collected*. See [`cluster`].
//!
//! A missing master user name is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use super::engine;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_default_admin",
    title: "RDS DB instance uses a custom master user name, not a default such as admin or \
            postgres",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Brute-force and credential-stuffing tools try the default administrator names \
                first; a default name gives an attacker half of the master credentials. The \
                master user name cannot be changed after creation.",
    remediation: Remediation {
        cli: "aws rds create-db-instance --db-instance-identifier <new-db-id> --engine <engine> \
              --db-instance-class <class> --master-username <custom-name> \
              --manage-master-user-password --allocated-storage <gib>\n\
              # then migrate the data (native dump and restore, or AWS DMS) and retire the old \
              instance",
        console: "RDS console > Create database > Settings > Master username: a non-default name \
                  > Manage master credentials in AWS Secrets Manager; migrate the data from the \
                  old instance, switch clients, then delete the old instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.MasterAccounts.html",
    },
    controls: &[fsbp("RDS.25")],
};

/// RDS DB instance uses a custom master user name, not a default such as admin or postgres.
pub(crate) struct RdsInstanceDefaultAdmin;

impl Rule for RdsInstanceDefaultAdmin {
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
        let Some(user) = db.master_username.as_deref() else {
            return Ok(Outcome::not_collected("master_username"));
        };
        Ok(Outcome::check(
            !engine::is_default_admin(user),
            format!("RDS instance {id} uses a custom master user name"),
            format!("RDS instance {id} uses the default master user name {user}"),
        )
        .with_evidence(json!({ "master_username": user })))
    }
}
