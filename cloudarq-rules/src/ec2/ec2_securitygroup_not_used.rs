//! `ec2_securitygroup_not_used`: every non-default security group is in use:
//! attached to a network interface, or referenced by another group's rules.
//!
//! Default groups are not applicable (they cannot be deleted). Groups used only
//! by launch templates or Auto Scaling launch configurations are not seen and
//! FAIL; mute them with a reason.
//!
//! A reference is a rule (ingress or egress) of another group of the same
//! region whose peer is this group's id, whatever account the peer names. The
//! snapshot's shared index ([`Snapshot::sg_references`]) answers that in one
//! lookup; scanning the region's groups per unattached group made this rule
//! quadratic (11.6 s of 14.9 s of all rules on 100k resources).

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
            .sg_references()
            .referrers(resource.region.as_ref(), &group.group_id)
            .filter(|other| other.arn != resource.arn)
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

#[cfg(test)]
mod tests {
    use cloudarq_model::inventory::ec2::{SgPeer, SgRule};
    use serde_json::{Value, json};

    use super::*;
    use crate::testing::{resource, snapshot};

    /// The rule before the index: for each unattached group, scan the
    /// region's groups for a rule naming it. The reference the index must match.
    fn referenced_by_scan<'a>(resource: &Resource, snapshot: &'a Snapshot) -> Vec<&'a str> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Vec::new();
        };
        let references = |rule: &SgRule| matches!(&rule.peer, SgPeer::SecurityGroup { group_id: peer, .. } if *peer == group.group_id);
        snapshot
            .of_type(ResourceType::Ec2SecurityGroup)
            .filter(|r| r.region == resource.region && r.arn != resource.arn)
            .filter_map(|r| match &r.properties {
                Properties::Ec2SecurityGroup(other) => Some(&**other),
                _ => None,
            })
            .filter(|other| other.ingress.iter().chain(&other.egress).any(references))
            .map(|other| other.group_id.as_str())
            .collect()
    }

    /// The old rule's outcome, from the scan.
    fn old_outcome(resource: &Resource, snapshot: &Snapshot) -> Outcome {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Outcome::not_applicable();
        };
        let name = group_label(group);
        let by = referenced_by_scan(resource, snapshot);
        match &group.attached_interfaces {
            _ if group.is_default() => Outcome::not_applicable(),
            Collected::NotCollected => Outcome::not_collected("attached_interfaces"),
            Collected::Value(i) if !i.is_empty() => Outcome::pass(format!(
                "Security group {name} is attached to {} network interface(s)",
                i.len()
            ))
            .with_evidence(json!({ "attached_interfaces": i })),
            Collected::Value(_) if !by.is_empty() => Outcome::pass(format!(
                "Security group {name} is attached to no network interface but is referenced by {}",
                by.join(", ")
            ))
            .with_evidence(json!({ "attached_interfaces": [], "referenced_by": by })),
            Collected::Value(_) => Outcome::fail(format!(
                "Security group {name} is attached to no network interface and referenced by no \
                 other group"
            ))
            .with_evidence(json!({ "attached_interfaces": [], "referenced_by": [] })),
        }
    }

    /// A group of `account` in `region` with one ingress and one egress rule
    /// per peer `(group id, account named by the peer)`.
    fn group(
        region: &str,
        id: &str,
        vpc: &str,
        peers: &[(String, Option<&str>)],
        n: usize,
    ) -> Value {
        let rule = |(p, user): &(String, Option<&str>)| {
            json!({"protocol": "tcp", "from_port": 443, "to_port": 443,
                   "peer": {"security_group": {"group_id": p, "user_id": user}}})
        };
        let cidr = json!({"protocol": "-1", "peer": {"ipv4": "10.0.0.0/8"}});
        let mut ingress: Vec<Value> = peers.iter().map(rule).collect();
        ingress.push(cidr);
        let attached = match n % 7 {
            0 => json!("not_collected"),
            1 => json!({"value": ["eni-1"]}),
            _ => json!({"value": []}),
        };
        json!({
            "arn": format!("arn:aws:ec2:{region}:123456789012:security-group/{id}"),
            "region": region, "name": id,
            "properties": {"AWS::EC2::SecurityGroup": {
                "group_id": id,
                "group_name": if n.is_multiple_of(11) { "default".to_owned() } else { format!("g{n}") },
                "description": "", "vpc_id": vpc, "owner_id": "123456789012",
                "ingress": ingress, "egress": peers.iter().rev().map(rule).collect::<Vec<_>>(),
                "attached_interfaces": attached}}
        })
    }

    #[test]
    fn the_index_gives_the_findings_of_the_scan() {
        // 600 groups in two regions and three VPCs each. Ids repeat across the
        // regions (sg-N in both), so only same-region references may count;
        // peers name another account or VPC, the group itself, a group twice,
        // or a group the snapshot lacks.
        let regions = ["eu-west-1", "us-east-1"];
        let mut resources = Vec::new();
        for (ri, region) in regions.iter().enumerate() {
            for n in 0..300usize {
                let id = |k: usize| format!("sg-{:04}", k % 300);
                let mut peers = Vec::new();
                match (n + ri) % 6 {
                    0 => {}
                    1 => peers.push((id(n * 7 + 3), None)),
                    2 => peers.push((id(n * 13 + 1), Some("999999999999"))),
                    3 => peers.extend([(id(n), None), (id(n + 1), None), (id(n + 1), None)]),
                    4 => peers.push((format!("sg-missing{n}"), Some("123456789012"))),
                    _ => peers.extend([(id(n / 2), None), (id(n * 3), Some("111111111111"))]),
                }
                let vpc = format!("vpc-{}", n % 3);
                resources.push(resource(group(region, &id(n), &vpc, &peers, n + ri)));
            }
        }
        let snap = snapshot(resources);
        let (mut pass_by_reference, mut fail) = (0, 0);
        for r in snap.of_type(ResourceType::Ec2SecurityGroup) {
            let new = Ec2SecuritygroupNotUsed.evaluate(r, &snap).unwrap();
            assert_eq!(new, old_outcome(r, &snap), "{}", r.arn);
            pass_by_reference += usize::from(
                new.evidence["referenced_by"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty()),
            );
            fail += usize::from(crate::testing::kind(&new) == "fail");
        }
        // Both branches are exercised, not just one.
        assert!(
            pass_by_reference > 50 && fail > 50,
            "{pass_by_reference} {fail}"
        );
    }
}
