//! `ec2_networkacl_unused`: every non-default network ACL is associated with at
//! least one subnet.
//!
//! Default ACLs are not applicable: they cannot be deleted. The associations come
//! from the same call that lists the ACL, so this check has no *not collected*
//! state.

use crate::controls::fsbp;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_networkacl_unused",
    title: "Non-default network ACL is associated with a subnet",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2NetworkAcl],
    rationale: "Unused network ACLs clutter reviews and can be associated later with stale \
                entries nobody remembers writing. Deleting them keeps the network configuration \
                auditable.",
    remediation: Remediation {
        cli: "aws ec2 delete-network-acl --network-acl-id <acl-id>",
        console: "VPC console > Network ACLs > select the ACL > confirm Subnet associations is \
                  empty > Actions > Delete network ACLs.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html",
    },
    controls: &[fsbp("EC2.16")],
};

/// Non-default network ACL is associated with a subnet.
pub(crate) struct Ec2NetworkaclUnused;

impl Rule for Ec2NetworkaclUnused {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2NetworkAcl(acl) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if acl.is_default {
            return Ok(Outcome::not_applicable());
        }
        let id = &acl.network_acl_id;
        Ok(Outcome::check(
            !acl.associated_subnets.is_empty(),
            format!(
                "Network ACL {id} is associated with {} subnet(s)",
                acl.associated_subnets.len()
            ),
            format!("Network ACL {id} is associated with no subnet"),
        )
        .with_evidence(json!({ "associated_subnets": acl.associated_subnets })))
    }
}
