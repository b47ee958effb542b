//! `ec2_networkacl_allow_ingress_any_port`: no network ACL lets the whole
//! internet (0.0.0.0/0 or ::/0) in on every port (all traffic, or every TCP or
//! UDP port).
//!
//! Inbound entries are evaluated in rule-number order, as AWS does, so an earlier
//! deny for the traffic wins over a later allow; see [`nacl`]. The severity drops
//! two levels for an ACL associated with no subnet. The entries come from the
//! same call that lists the ACL, so this check has no *not collected* state.
//!
//! The id says "any port" but, as in Prowler, the check is for an entry that
//! admits every port: all traffic (protocol `-1`) or, stricter than Prowler,
//! every TCP or UDP port. Single exposed ports are the `_tcp_port_*` checks' job.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::nacl::{self, NaclTraffic};
use crate::controls::{cis3, cis7, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_networkacl_allow_ingress_any_port",
    title: "Network ACL does not let 0.0.0.0/0 or ::/0 in on every port",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2NetworkAcl],
    rationale: "A network ACL is the subnet's stateless second wall behind security groups. One \
                that lets the whole internet in on every port leaves each instance's security \
                groups as the only control, so a single permissive group exposes it.",
    remediation: Remediation {
        cli: "aws ec2 describe-network-acls --network-acl-ids <acl-id> --query \
              'NetworkAcls[].Entries[?Egress==`false`]'\n\
              aws ec2 replace-network-acl-entry --network-acl-id <acl-id> --ingress --rule-number \
              <n> --protocol tcp --port-range From=443,To=443 --cidr-block 0.0.0.0/0 \
              --rule-action allow",
        console: "VPC console > Network ACLs > select the ACL > Inbound rules > Edit inbound \
                  rules: replace allow entries from 0.0.0.0/0 or ::/0 that cover every port (all \
                  traffic, or every TCP or UDP port) with narrower sources, or add a deny entry \
                  with a lower rule number > Save changes.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html",
    },
    controls: &[
        cis3("5.1"),
        cis7("6.2"),
        nist("CM-7b"),
        nist("SC-7(5)"),
        nist("SC-7(11)"),
    ],
};

/// Network ACL does not let 0.0.0.0/0 or ::/0 in on every port.
pub(crate) struct Ec2NetworkaclAllowIngressAnyPort;

impl Rule for Ec2NetworkaclAllowIngressAnyPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(nacl::check(&META, resource, NaclTraffic::AllPorts))
    }
}
