//! `ec2_securitygroup_allow_ingress_from_internet_to_any_port`:
//! no security group lets 0.0.0.0/0 or ::/0 reach any port.
//!
//! The logic is shared with the other internet-ingress checks in
//! [`exposure`]: `::/0` counts like `0.0.0.0/0`, a managed
//! prefix list makes the verdict *not collected*, and the severity drops when
//! the group is attached to nothing or only to interfaces without a public
//! IPv4 address.
//!
//! FAILs on any ingress rule from the whole internet, whatever the protocol or
//! port, ICMP included. Prowler can exempt interface types and owners (load
//! balancers); CloudArq uses the mutelist for that, with a reason per group.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::exposure::{self, Traffic};
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
    title: "Security group allows no ingress from 0.0.0.0/0 or ::/0 on any port",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "Every port reachable from the whole internet is attack surface. Where a service \
                must be public (a load balancer on 443), keep it on a dedicated group and mute \
                this finding for that group with a reason.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id> \
              --query \"SecurityGroupRules[?!IsEgress && (CidrIpv4=='0.0.0.0/0' || \
              CidrIpv6=='::/0')]\"\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit inbound \
                  rules: replace every rule whose source is 0.0.0.0/0 or ::/0 (any protocol or \
                  port) with rules for the specific ports and source ranges that need access > \
                  Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[fsbp("EC2.18"), nist("SC-7(11)")],
};

/// Security group allows no ingress from 0.0.0.0/0 or ::/0 on any port.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToAnyPort;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToAnyPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(exposure::security_group(
            &META,
            resource,
            snapshot,
            Traffic::AnyPort,
        ))
    }
}
