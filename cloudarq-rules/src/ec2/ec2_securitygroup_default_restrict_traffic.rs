//! `ec2_securitygroup_default_restrict_traffic`: every VPC's default security
//! group has no inbound and no outbound rules.
//!
//! Non-default groups are not applicable. The rules come from the same call that
//! lists the group, so this check has no *not collected* state.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::{group_label, rule_json};
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_default_restrict_traffic",
    title: "Default security group of a VPC has no inbound or outbound rules",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "Instances and interfaces launched without an explicit security group land in the \
                VPC's default group. Its stock rules allow all traffic between members and all \
                outbound traffic, so a forgotten instance silently joins a flat network. With no \
                rules, the default group blocks everything and forces deliberate, least-privilege \
                groups.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters \
              Name=group-id,Values=<default-sg-id>\n\
              aws ec2 revoke-security-group-ingress --group-id <default-sg-id> \
              --security-group-rule-ids <sgr-id>\n\
              aws ec2 revoke-security-group-egress --group-id <default-sg-id> \
              --security-group-rule-ids <sgr-id>",
        console: "VPC console > Security groups > select the group named default > Inbound rules \
                  > Edit inbound rules > delete every rule > Save rules; repeat on Outbound \
                  rules. Move resources that relied on it to purpose-built groups first.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html",
    },
    controls: &[cis3("5.4"), cis7("6.5"), fsbp("EC2.2"), nist("SC-7(5)")],
};

/// Default security group of a VPC has no inbound or outbound rules.
pub(crate) struct Ec2SecuritygroupDefaultRestrictTraffic;

impl Rule for Ec2SecuritygroupDefaultRestrictTraffic {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if !group.is_default() {
            return Ok(Outcome::not_applicable());
        }
        let name = group_label(group);
        let vpc = group.vpc_id.as_deref().unwrap_or("no VPC");
        if group.ingress.is_empty() && group.egress.is_empty() {
            return Ok(Outcome::pass(format!(
                "Default security group {name} of {vpc} has no inbound or outbound rules"
            )));
        }
        Ok(Outcome::fail(format!(
            "Default security group {name} of {vpc} has {} inbound and {} outbound rules",
            group.ingress.len(),
            group.egress.len()
        ))
        .with_evidence(json!({
            "ingress": group.ingress.iter().map(rule_json).collect::<Vec<_>>(),
            "egress": group.egress.iter().map(rule_json).collect::<Vec<_>>(),
        })))
    }
}
