//! `rds_instance_inside_vpc`: every DB instance runs in a VPC (its subnet group
//! names one).
//!
//! EC2-Classic was retired in 2022, so a FAIL usually means an instance the
//! collector saw without a subnet group. The VPC comes from the same call that
//! lists the instance, so this check has no *not collected* state.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_inside_vpc",
    title: "RDS DB instance runs inside a VPC",
    severity: Severity::High,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Only inside a VPC do security groups, network ACLs, private subnets and flow logs \
                control and record who can reach the database.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> --db-subnet-group-name \
              <vpc-subnet-group> --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Connectivity > DB \
                  subnet group: a subnet group in your VPC > Continue > Modify DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.html",
    },
    controls: &[fsbp("RDS.18")],
};

/// RDS DB instance runs inside a VPC.
pub(crate) struct RdsInstanceInsideVpc;

impl Rule for RdsInstanceInsideVpc {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        Ok(match &db.vpc_id {
            Some(vpc) => Outcome::pass(format!("RDS instance {id} runs in {vpc}")),
            None => Outcome::fail(format!("RDS instance {id} is not in a VPC")),
        }
        .with_evidence(json!({ "vpc_id": db.vpc_id })))
    }
}
