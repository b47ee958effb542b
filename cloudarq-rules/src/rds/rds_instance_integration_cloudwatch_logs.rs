//! `rds_instance_integration_cloudwatch_logs`: every DB instance exports at least
//! one database log type to CloudWatch Logs.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the exports are configured on
//! the cluster, so the cluster's list is what counts; a member whose cluster is
//! missing from the snapshot is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "rds_instance_integration_cloudwatch_logs",
    title: "RDS DB instance exports database logs to CloudWatch Logs",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Database logs (errors, slow queries, audit, connection records) kept only on the \
                instance rotate away within days and vanish with it. Exported to CloudWatch Logs \
                they are retained, searchable and can drive alarms during an incident.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --cloudwatch-logs-export-configuration \
              '{\"EnableLogTypes\":[\"error\",\"general\",\"slowquery\"]}' --apply-immediately\n\
              aws rds modify-db-cluster --db-cluster-identifier <cluster-id> \
              --cloudwatch-logs-export-configuration '{\"EnableLogTypes\":[\"postgresql\"]}' \
              --apply-immediately",
        console: "RDS console > Databases > select the instance (or its cluster) > Modify > Log \
                  exports > select the log types > Continue > Modify.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html",
    },
    controls: &[
        fsbp("RDS.9"),
        nist("AU-6(4)"),
        nist("AU-12a"),
        nist("AU-12c"),
    ],
};

/// RDS DB instance exports database logs to CloudWatch Logs.
pub(crate) struct RdsInstanceIntegrationCloudwatchLogs;

impl Rule for RdsInstanceIntegrationCloudwatchLogs {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        let (exports, via) = match cluster::owner(db, resource, snapshot) {
            cluster::Owner::Standalone => (&db.cloudwatch_logs_exports, String::new()),
            cluster::Owner::Cluster(c) => (
                &c.cloudwatch_logs_exports,
                format!(" through cluster {}", c.identifier),
            ),
            cluster::Owner::Missing(cluster_id) => return Ok(cluster::missing(cluster_id)),
        };
        Ok(Outcome::check(
            !exports.is_empty(),
            format!(
                "RDS instance {id} exports {} logs to CloudWatch Logs{via}",
                exports.join(", ")
            ),
            format!("RDS instance {id} exports no logs to CloudWatch Logs{via}"),
        )
        .with_evidence(json!({ "cloudwatch_logs_exports": exports })))
    }
}
