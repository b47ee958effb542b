//! `ec2_securitygroup_allow_ingress_from_internet_to_all_ports`:
//! no security group lets 0.0.0.0/0 or ::/0 reach every port.
//!
//! The logic is shared with the other internet-ingress checks in
//! [`exposure`]: `::/0` counts like `0.0.0.0/0`, a managed
//! prefix list makes the verdict *not collected*, and the severity drops when
//! the group is attached to nothing or only to interfaces without a public
//! IPv4 address.
//!
//! FAILs on an all-traffic (`-1`) rule or a TCP/UDP rule spanning ports
//! 0-65535.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::exposure::{self, Traffic};
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    title: "Security group allows no ingress from 0.0.0.0/0 or ::/0 to all ports",
    severity: Severity::Critical,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "A rule that admits all traffic (or every TCP or UDP port) from the whole internet \
                exposes every service listening behind the group, including ones nobody meant to \
                publish: databases, admin consoles, debug endpoints.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id> \
              --query \"SecurityGroupRules[?!IsEgress && (CidrIpv4=='0.0.0.0/0' || \
              CidrIpv6=='::/0')]\"\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit inbound \
                  rules: replace every rule whose source is 0.0.0.0/0 or ::/0 (All traffic or \
                  full port ranges) with rules for the specific ports and source ranges that need \
                  access > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[
        fsbp("EC2.19"),
        fsbp("EC2.53"),
        fsbp("EC2.54"),
        cis3("5.2"),
        cis3("5.3"),
        cis7("6.3"),
        cis7("6.4"),
        fsbp("EC2.18"),
        nist("CM-7b"),
        nist("SC-7(5)"),
        nist("SC-7(11)"),
    ],
};

/// Security group allows no ingress from 0.0.0.0/0 or ::/0 to all ports.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToAllPorts;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToAllPorts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(exposure::security_group(
            &META,
            resource,
            snapshot,
            Traffic::AllPorts,
        ))
    }
}
