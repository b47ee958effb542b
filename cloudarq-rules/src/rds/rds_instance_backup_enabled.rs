//! `rds_instance_backup_enabled`: every DB instance keeps automated backups
//! (retention of at least one day).
//!
//! Like Prowler, any retention above zero passes; AWS FSBP RDS.11 also wants at
//! least seven days, so the retention is in the message and evidence. For a
//! member of an Aurora or Multi-AZ DB cluster the retention is the cluster's and
//! there is no cluster backup rule, so the member is judged by its cluster's
//! retention; a member whose cluster is missing from the snapshot is *not
//! collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "rds_instance_backup_enabled",
    title: "RDS DB instance has automated backups enabled",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Without automated backups there is no point-in-time recovery: a bad migration, an \
                accidental delete or ransomware inside the database means lost data.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --backup-retention-period 7 --apply-immediately\n\
              aws rds modify-db-cluster --db-cluster-identifier <cluster-id> \
              --backup-retention-period 7 --apply-immediately",
        console: "RDS console > Databases > select the instance (or its cluster) > Modify > \
                  Backup > Backup retention period: 7 days or more > Continue > Apply immediately \
                  > Modify.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",
    },
    controls: &[
        fsbp("RDS.11"),
        nist("CP-9a"),
        nist("CP-10"),
        nist("CP-10(2)"),
    ],
};

/// RDS DB instance has automated backups enabled.
pub(crate) struct RdsInstanceBackupEnabled;

impl Rule for RdsInstanceBackupEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        let (days, via) = match cluster::owner(db, resource, snapshot) {
            cluster::Owner::Standalone => (Some(db.backup_retention_days), String::new()),
            cluster::Owner::Cluster(c) => (
                c.backup_retention_days,
                format!(" through cluster {}", c.identifier),
            ),
            cluster::Owner::Missing(cluster_id) => return Ok(cluster::missing(cluster_id)),
        };
        let Some(days) = days else {
            return Ok(Outcome::not_collected("DB cluster backup_retention_days"));
        };
        Ok(Outcome::check(
            days > 0,
            format!("RDS instance {id} keeps automated backups for {days} day(s){via}"),
            format!("RDS instance {id} has automated backups disabled (retention 0 days){via}"),
        )
        .with_evidence(json!({ "backup_retention_days": days })))
    }
}
