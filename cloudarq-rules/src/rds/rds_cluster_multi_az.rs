//! `rds_cluster_multi_az`: every DB cluster has instances in more than one
//! Availability Zone.
//!
//! The value comes from the same call that lists the cluster, so this check has
//! no *not collected* state.

use crate::controls::{cis7, fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_cluster_multi_az",
    title: "RDS DB cluster has instances in multiple Availability Zones",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbCluster],
    rationale: "A cluster whose instances all sit in one zone loses its compute during that \
                zone's outage; Aurora keeps the data in three zones, but with no replica \
                elsewhere to promote, the database is down until the zone recovers.",
    remediation: Remediation {
        cli: "aws rds create-db-instance --db-instance-identifier <replica-id> \
              --db-cluster-identifier <cluster-id> --engine <engine> --db-instance-class <class> \
              --availability-zone <other-az>",
        console: "RDS console > Databases > select the cluster > Actions > Add reader > choose an \
                  Availability Zone other than the writer's > Add reader.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html",
    },
    controls: &[
        cis7("3.2.4"),
        fsbp("RDS.15"),
        nist("SC-36"),
        nist("SI-13(5)"),
    ],
};

/// RDS DB cluster has instances in multiple Availability Zones.
pub(crate) struct RdsClusterMultiAz;

impl Rule for RdsClusterMultiAz {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbCluster(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &c.identifier;
        Ok(Outcome::check(
            c.multi_az,
            format!("RDS cluster {id} spans multiple Availability Zones"),
            format!("RDS cluster {id} has instances in a single Availability Zone"),
        )
        .with_evidence(json!({ "multi_az": c.multi_az, "members": c.members })))
    }
}
