//! `rds_instance_protected_by_backup_plan`: every DB instance that is not a
//! cluster member is protected by AWS Backup.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};

use crate::backup::{self, Protection, Target};
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "rds_instance_protected_by_backup_plan",
    title: "RDS DB instance is protected by an AWS Backup plan",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Automated RDS backups live and die with the instance and keep at most 35 days. \
                A backup plan keeps recovery points on its own schedule and retention, in a \
                vault that can be locked and copied to another account or region.",
    remediation: Remediation {
        cli: "aws backup create-backup-selection --backup-plan-id <plan-id> \
              --backup-selection '{\"SelectionName\":\"rds\",\"IamRoleArn\":\"<role-arn>\",\
              \"Resources\":[\"arn:aws:rds:*:*:db:*\"]}'",
        console: "AWS Backup console > Backup plans > select a plan (or create one) > Assign \
                  resources > Include specific resource types: RDS (or tag the instance with a \
                  tag the plan's assignment selects) > Assign resources.",
        url: "https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html",
    },
    controls: &[fsbp("RDS.26"), nist("CP-9a")],
};

/// A backup plan selection in the instance's region assigns the instance
/// (and the region lets AWS Backup back up `RDS`), or AWS Backup holds a
/// recent recovery point of it (see [`crate::backup`]).
///
/// A member of an Aurora or Multi-AZ DB cluster is *not applicable*: AWS
/// Backup backs those up as clusters, which
/// `rds_cluster_protected_by_backup_plan` checks. *Not collected* when the
/// region's AWS Backup data is missing or partly unread.
pub(crate) struct RdsInstanceProtectedByBackupPlan;

impl Rule for RdsInstanceProtectedByBackupPlan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if db.cluster_identifier.is_some() {
            return Ok(Outcome::not_applicable());
        }
        let target = Target {
            arn: resource.arn.as_str(),
            tags: Some(&resource.tags),
            via: None,
            backup_type: "RDS",
        };
        let id = &db.identifier;
        Ok(match backup::protection(resource, &[target], snapshot) {
            Protection::Protected(how, evidence) => Outcome::pass(format!(
                "RDS instance {id} is protected by AWS Backup: {how}"
            ))
            .with_evidence(evidence),
            Protection::Unprotected(evidence) => Outcome::fail(format!(
                "RDS instance {id} is in no backup plan selection that can back it up and has no recent AWS Backup \
                 recovery point"
            ))
            .with_evidence(evidence),
            Protection::NotCollected(field, evidence) => {
                Outcome::not_collected(field).with_evidence(evidence)
            }
        })
    }
}
