//! `ec2_networkacl_allow_ingress_tcp_port_3389`: no network ACL lets the whole
//! internet (0.0.0.0/0 or ::/0) in on RDP (TCP port 3389).
//!
//! Inbound entries are evaluated in rule-number order, as AWS does, so an earlier
//! deny for the traffic wins over a later allow; see [`nacl`]. The severity drops
//! two levels for an ACL associated with no subnet. The entries come from the
//! same call that lists the ACL, so this check has no *not collected* state.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::nacl::{self, NaclTraffic};
use crate::controls::{cis3, cis7, fsbp, nist};

static META: RuleMeta = RuleMeta {
    id: "ec2_networkacl_allow_ingress_tcp_port_3389",
    title: "Network ACL does not let 0.0.0.0/0 or ::/0 reach TCP port 3389 (RDP)",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2NetworkAcl],
    rationale: "Blocking administrative ports from the internet at the network ACL keeps RDP \
                unreachable even when a security group is opened by mistake.",
    remediation: Remediation {
        cli: "aws ec2 describe-network-acls --network-acl-ids <acl-id> --query \
              'NetworkAcls[].Entries[?Egress==`false`]'\n\
              aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress --rule-number \
              <lower-than-the-allow> --protocol tcp --port-range From=3389,To=3389 --cidr-block \
              0.0.0.0/0 --rule-action deny\n\
              aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress --rule-number \
              <n> --protocol tcp --port-range From=3389,To=3389 --ipv6-cidr-block ::/0 \
              --rule-action deny",
        console: "VPC console > Network ACLs > select the ACL > Inbound rules > Edit inbound \
                  rules: replace allow entries from 0.0.0.0/0 or ::/0 that cover RDP (TCP port \
                  3389) with narrower sources, or add a deny entry with a lower rule number > \
                  Save changes.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html",
    },
    controls: &[cis3("5.1"), cis7("6.2"), fsbp("EC2.21"), nist("SC-7(11)")],
};

/// Network ACL does not let 0.0.0.0/0 or ::/0 reach TCP port 3389 (RDP).
pub(crate) struct Ec2NetworkaclAllowIngressTcpPort3389;

impl Rule for Ec2NetworkaclAllowIngressTcpPort3389 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(nacl::check(&META, resource, NaclTraffic::Tcp("RDP", 3389)))
    }
}
