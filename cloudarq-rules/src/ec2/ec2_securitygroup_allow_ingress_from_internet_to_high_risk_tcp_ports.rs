//! `ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports`:
//! no security group lets 0.0.0.0/0 or ::/0 reach the high-risk TCP ports.
//!
//! The logic is shared with the other internet-ingress checks in
//! [`exposure`]: `::/0` counts like `0.0.0.0/0`, a managed
//! prefix list makes the verdict *not collected*, and the severity drops when
//! the group is attached to nothing or only to interfaces without a public
//! IPv4 address.
//!
//! Unlike Prowler, a group with an all-traffic (`-1`) rule from the internet
//! FAILs this check as well: Prowler reports such a group PASS in its
//! port-specific checks and leaves it to the all-ports check, so a report
//! filtered on this check would miss the most open groups.
//!
//! The ports are Prowler's default `ec2_high_risk_ports`: 25, 110, 135, 143,
//! 445, 3000, 4333, 5000, 5500, 8080 and 8088.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::exposure::{self, Traffic};
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
    title: "Security group allows no ingress from 0.0.0.0/0 or ::/0 to high-risk TCP ports",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "SMTP (25), POP3 (110), MS RPC (135), IMAP (143), SMB (445), development servers \
                (3000, 5000, 4333, 5500) and HTTP proxies (8080, 8088) are common targets of \
                scanning, brute force and known exploits, and are rarely meant to face the whole \
                internet.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id> \
              --query \"SecurityGroupRules[?!IsEgress && (CidrIpv4=='0.0.0.0/0' || \
              CidrIpv6=='::/0')]\"\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>\n\
              aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port \
              25 --cidr <trusted-cidr>",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit inbound \
                  rules: delete or narrow every rule whose source is 0.0.0.0/0 or ::/0 and that \
                  covers the high-risk TCP ports, including All traffic rules > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[fsbp("EC2.18"), fsbp("EC2.19"), nist("SC-7(11)")],
};

/// Security group allows no ingress from 0.0.0.0/0 or ::/0 to high-risk TCP ports.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToHighRiskTcpPorts;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToHighRiskTcpPorts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(exposure::security_group(
            &META,
            resource,
            snapshot,
            Traffic::Tcp {
                service: "high-risk services",
                ports: &[25, 110, 135, 143, 445, 3000, 4333, 5000, 5500, 8080, 8088],
            },
        ))
    }
}
