//! `rds_instance_multi_az`: every DB instance runs as a Multi-AZ deployment.
//!
//! For a member of an Aurora or Multi-AZ DB cluster the cluster owns this
//! setting, so the instance is not applicable and `rds_cluster_multi_az` judges
//! the cluster; a member whose cluster is missing from the snapshot is *not
//! collected*. See [`cluster`].

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::cluster;
use crate::controls::{cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "rds_instance_multi_az",
    title: "RDS DB instance is deployed across multiple Availability Zones",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "A Single-AZ instance is down for the whole of an Availability Zone outage or a \
                host failure, and maintenance causes longer interruptions. Multi-AZ keeps a \
                synchronous standby in another zone and fails over automatically.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> --multi-az \
              --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Availability and \
                  durability > Create a standby instance > Continue > Modify DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html",
    },
    controls: &[
        cis7("3.2.4"),
        fsbp("RDS.5"),
        nist("SC-36"),
        nist("SI-13(5)"),
    ],
};

/// RDS DB instance is deployed across multiple Availability Zones.
pub(crate) struct RdsInstanceMultiAz;

impl Rule for RdsInstanceMultiAz {
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
        Ok(Outcome::check(
            db.multi_az,
            format!("RDS instance {id} is a Multi-AZ deployment"),
            format!("RDS instance {id} runs in a single Availability Zone"),
        )
        .with_evidence(json!({ "multi_az": db.multi_az })))
    }
}
