//! `ec2_securitygroup_with_many_ingress_egress_rules`: no security group has more
//! than 50 inbound or more than 50 outbound rules.
//!
//! A rule is one protocol, port range and peer, the unit AWS counts against its
//! quota. The rules come from the same call that lists the group, so this check
//! has no *not collected* state. Mapped to NIST 800-53 SC-7a: a rule set too
//! large to review does not show traffic at the interface is controlled.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::group_label;
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_with_many_ingress_egress_rules",
    title: "Security group has at most 50 inbound and at most 50 outbound rules",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "A group with dozens of rules cannot be reviewed with confidence: overlapping \
                ranges and forgotten exceptions hide over-broad access, and the group nears the \
                per-group rule quota. Split it by purpose or use managed prefix lists.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id>\n\
              aws ec2 create-managed-prefix-list --prefix-list-name <name> --address-family IPv4 \
              --max-entries <n> --entries Cidr=<cidr>,Description=<why>\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id> <sgr-id>",
        console: "VPC console > Security groups > select the group > review Inbound and Outbound \
                  rules: remove stale rules, group related CIDRs in a managed prefix list, or \
                  split the group by purpose > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups",
    },
    controls: &[nist("SC-7a")],
};

/// Security group has at most 50 inbound and at most 50 outbound rules.
pub(crate) struct Ec2SecuritygroupWithManyIngressEgressRules;

impl Rule for Ec2SecuritygroupWithManyIngressEgressRules {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let (inbound, outbound) = (group.ingress.len(), group.egress.len());
        let name = group_label(group);
        let evidence =
            json!({ "inbound_rules": inbound, "outbound_rules": outbound, "limit": MAX_RULES });
        Ok(Outcome::check(
            inbound <= MAX_RULES && outbound <= MAX_RULES,
            format!("Security group {name} has {inbound} inbound and {outbound} outbound rules"),
            format!(
                "Security group {name} has {inbound} inbound and {outbound} outbound rules, \
                 more than {MAX_RULES} in at least one direction"
            ),
        )
        .with_evidence(evidence))
    }
}

/// The most rules per direction before a group counts as unmanageable.
const MAX_RULES: usize = 50;
