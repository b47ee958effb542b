//! `ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379`:
//! no security group lets 0.0.0.0/0 or ::/0 reach Redis (TCP 6379).
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
    id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379",
    title: "Security group allows no ingress from 0.0.0.0/0 or ::/0 to Redis TCP port 6379",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "Redis runs without authentication by default; exposed, it gives anyone read and \
                write access and is a well-known path to remote code execution.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id> \
              --query \"SecurityGroupRules[?!IsEgress && (CidrIpv4=='0.0.0.0/0' || \
              CidrIpv6=='::/0')]\"\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>\n\
              aws ec2 authorize-security-group-ingress --group-id <sg-id> --protocol tcp --port \
              6379 --cidr <trusted-cidr>",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit inbound \
                  rules: delete or narrow every rule whose source is 0.0.0.0/0 or ::/0 and that \
                  covers Redis (TCP 6379), including All traffic rules > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[fsbp("EC2.18"), nist("SC-7(11)")],
};

/// Security group allows no ingress from 0.0.0.0/0 or ::/0 to Redis TCP port 6379.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToTcpPortRedis6379;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToTcpPortRedis6379 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(exposure::security_group(
            &META,
            resource,
            snapshot,
            Traffic::Tcp {
                service: "Redis",
                ports: &[6379],
            },
        ))
    }
}
