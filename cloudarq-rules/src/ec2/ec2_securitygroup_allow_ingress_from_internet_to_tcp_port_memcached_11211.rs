//! `ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211`:
//! no security group lets 0.0.0.0/0 or ::/0 reach Memcached (TCP 11211).
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
    id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211",
    title: "Security group allows no ingress from 0.0.0.0/0 or ::/0 to Memcached TCP port 11211",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "Memcached has no authentication by default: exposed, it leaks cached data \
                (sessions, tokens) and can be abused for denial-of-service amplification.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id> \
              --query \"SecurityGroupRules[?!IsEgress && (CidrIpv4=='0.0.0.0/0' || \
              CidrIpv6=='::/0')]\"\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>\n\
              aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port \
              11211 --cidr <trusted-cidr>",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit inbound \
                  rules: delete or narrow every rule whose source is 0.0.0.0/0 or ::/0 and that \
                  covers Memcached (TCP 11211), including All traffic rules > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[fsbp("EC2.18"), nist("SC-7(11)")],
};

/// Security group allows no ingress from 0.0.0.0/0 or ::/0 to Memcached TCP port 11211.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToTcpPortMemcached11211;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToTcpPortMemcached11211 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(exposure::security_group(
            &META,
            resource,
            snapshot,
            Traffic::Tcp {
                service: "Memcached",
                ports: &[11211],
            },
        ))
    }
}
