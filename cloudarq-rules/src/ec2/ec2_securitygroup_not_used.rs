//! `ec2_securitygroup_not_used`: every non-default security group is in use:
//! attached to a network interface, or referenced by another group's rules.
//!
//! Default groups are not applicable (they cannot be deleted). Groups used only
//! by launch templates or Auto Scaling launch configurations are not seen and
//! FAIL; mute them with a reason.

use cloudarq_model::inventory::ec2::{SgPeer, SgRule};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::group_label;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_not_used",
    title: "Non-default security group is attached to a network interface or referenced by \
            another group",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "Unused groups pile up, hide in reviews, and can be attached later with stale, \
                over-broad rules nobody remembers. Deleting them keeps the set of groups \
                auditable.",
    remediation: Remediation {
        cli: "aws ec2 describe-network-interfaces --filters Name=group-id,Values=<sg-id> --query \
              'NetworkInterfaces[].NetworkInterfaceId'\n\
              aws ec2 delete-security-group --group-id <sg-id>",
        console: "VPC console > Security groups > select the group > confirm it has no \
                  associations (and is not used by launch templates) > Actions > Delete security \
                  groups.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html",
    },
    controls: &[fsbp("EC2.22")],
};

/// Non-default security group is attached to a network interface or referenced by another group.
pub(crate) struct Ec2SecuritygroupNotUsed;

impl Rule for Ec2SecuritygroupNotUsed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if group.is_default() {
            return Ok(Outcome::not_applicable());
        }
        let name = group_label(group);
        let Collected::Value(interfaces) = &group.attached_interfaces else {
            return Ok(Outcome::not_collected("attached_interfaces"));
        };
        if !interfaces.is_empty() {
            return Ok(Outcome::pass(format!(
                "Security group {name} is attached to {} network interface(s)",
                interfaces.len()
            ))
            .with_evidence(json!({ "attached_interfaces": interfaces })));
        }
        let referenced_by: Vec<&str> = snapshot
            .of_type(ResourceType::Ec2SecurityGroup)
            .filter(|r| r.region == resource.region && r.arn != resource.arn)
            .filter_map(|r| match &r.properties {
                Properties::Ec2SecurityGroup(other) => Some(&**other),
                _ => None,
            })
            .filter(|other| {
                other
                    .ingress
                    .iter()
                    .chain(&other.egress)
                    .any(|rule| references(rule, &group.group_id))
            })
            .map(|other| other.group_id.as_str())
            .collect();
        if !referenced_by.is_empty() {
            return Ok(Outcome::pass(format!(
                "Security group {name} is attached to no network interface but is referenced by {}",
                referenced_by.join(", ")
            ))
            .with_evidence(json!({ "attached_interfaces": [], "referenced_by": referenced_by })));
        }
        Ok(Outcome::fail(format!(
            "Security group {name} is attached to no network interface and referenced by no \
             other group"
        ))
        .with_evidence(json!({ "attached_interfaces": [], "referenced_by": [] })))
    }
}

/// Whether `rule`'s peer is the group `group_id`.
fn references(rule: &SgRule, group_id: &str) -> bool {
    matches!(&rule.peer, SgPeer::SecurityGroup { group_id: peer, .. } if peer == group_id)
}
