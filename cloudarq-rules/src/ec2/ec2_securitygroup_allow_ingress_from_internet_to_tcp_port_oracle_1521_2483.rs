//! `ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483`:
//! no security group lets 0.0.0.0/0 or ::/0 reach Oracle (TCP 1521, 2483).
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

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::exposure::{self, Traffic};
use crate::controls::{fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483",
    title: "Security group allows no ingress from 0.0.0.0/0 or ::/0 to Oracle TCP ports 1521 and \
            2483",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "The Oracle listener (1521, 2483) reachable from the internet exposes the database \
                to credential attacks and listener vulnerabilities such as TNS poisoning.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id> \
              --query \"SecurityGroupRules[?!IsEgress && (CidrIpv4=='0.0.0.0/0' || \
              CidrIpv6=='::/0')]\"\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>\n\
              aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port \
              1521 --cidr <trusted-cidr>",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit inbound \
                  rules: delete or narrow every rule whose source is 0.0.0.0/0 or ::/0 and that \
                  covers Oracle (TCP 1521, 2483), including All traffic rules > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[fsbp("EC2.18"), nist("SC-7(11)")],
};

/// Security group allows no ingress from 0.0.0.0/0 or ::/0 to Oracle TCP ports 1521 and 2483.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToTcpPortOracle15212483;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToTcpPortOracle15212483 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(exposure::security_group(
            &META,
            resource,
            snapshot,
            Traffic::Tcp {
                service: "Oracle",
                ports: &[1521, 2483],
            },
        ))
    }
}
