//! `rds_cluster_protected_by_backup_plan`: every DB cluster is protected by
//! AWS Backup.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};

use crate::backup::{self, Protection, Target};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_protected_by_backup_plan",
    title: "RDS DB cluster is protected by an AWS Backup plan",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "Automated cluster backups live and die with the cluster and keep at most 35 \
                days. A backup plan keeps recovery points on its own schedule and retention, in \
                a vault that can be locked and copied to another account or region.",
    remediation: Remediation {
        cli: "aws backup create-backup-selection --backup-plan-id <plan-id> \
              --backup-selection '{\"SelectionName\":\"aurora\",\"IamRoleArn\":\"<role-arn>\",\
              \"Resources\":[\"arn:aws:rds:*:*:cluster:*\"]}'",
        console: "AWS Backup console > Backup plans > select a plan (or create one) > Assign \
                  resources > Include specific resource types: Aurora (or RDS for Multi-AZ DB \
                  clusters), or tag the cluster with a tag the plan's assignment selects > \
                  Assign resources.",
        url: "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html",
    },
    controls: &[nist("CP-9a")],
};

/// A backup plan selection in the cluster's region assigns the cluster, or
/// AWS Backup holds a recent recovery point of it (see [`crate::backup`]).
/// Its member instances are not applicable to
/// `rds_instance_protected_by_backup_plan`: the cluster is what AWS Backup
/// backs up.
///
/// A selection counts only when the region lets AWS Backup back up the
/// type (`Aurora` for Aurora engines, `RDS` for Multi-AZ DB clusters).
/// *Not collected* when the region's AWS Backup data is missing or partly
/// unread.
pub(crate) struct RdsClusterProtectedByBackupPlan;

impl Rule for RdsClusterProtectedByBackupPlan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let target = Target {
            arn: resource.arn.as_str(),
            tags: Some(&resource.tags),
            via: None,
            // Aurora is a type of its own; Multi-AZ DB clusters are RDS.
            backup_type: if c.engine.as_deref().is_some_and(|e| e.starts_with("aurora")) {
                "Aurora"
            } else {
                "RDS"
            },
        };
        let id = &c.identifier;
        Ok(match backup::protection(resource, &[target], snapshot) {
            Protection::Protected(how, evidence) => Outcome::pass(format!(
                "RDS cluster {id} is protected by AWS Backup: {how}"
            ))
            .with_evidence(evidence),
            Protection::Unprotected(evidence) => Outcome::fail(format!(
                "RDS cluster {id} is in no backup plan selection that can back it up and has no recent AWS Backup \
                 recovery point"
            ))
            .with_evidence(evidence),
            Protection::NotCollected(field, evidence) => {
                Outcome::not_collected(field).with_evidence(evidence)
            }
        })
    }
}
