//! `ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip`: no
//! security group opens every port to a specific public address or range.

use cloudarq_model::inventory::ec2::{SgPeer, SgRule};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::{describe_rule, group_label, rule_json};
use super::{is_public_ipv6_cidr, is_special_purpose_ipv4, parse_ipv4_cidr};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip",
    title: "Security group does not open every port to a specific public IP address or range",
    severity: Severity::Medium,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "An all-ports rule for one public address trusts everything behind it: an office's \
                NAT, a home connection, a cloud address that changes hands when released. \
                Whoever holds that address reaches every service on the group's interfaces, \
                including ones nobody meant to expose. Allow the ports that are needed, from the \
                addresses that need them.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id>\n\
              aws ec2 modify-security-group-rules --group-id <sg-id> --security-group-rules \
              'SecurityGroupRuleId=<sgr-id>,SecurityGroupRule={IpProtocol=tcp,FromPort=443,ToPort=443,CidrIpv4=<address>/32}'",
        console: "VPC console > Security groups > select the group > Inbound rules > Edit: \
                  replace each All traffic (or all-ports) rule from a public address with rules \
                  for the ports that address needs > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    },
    controls: &[nist("SC-7(11)")],
};

/// No inbound rule of the security group allows every port (all traffic,
/// or TCP or UDP 0-65535) from a public IPv4 or IPv6 address or range.
///
/// The peer's check of the same id: a *public* peer is a global address,
/// not private, shared, loopback, link-local, documentation or multicast
/// space. `0.0.0.0/0` and `::/0` are left to
/// `ec2_securitygroup_allow_ingress_from_internet_to_all_ports`, which FAILs
/// them at critical severity, so one rule is not reported twice. An
/// all-ports rule from a prefix list makes the verdict *not collected*
/// (its entries are not read) unless another rule already FAILs.
pub(crate) struct Ec2SecuritygroupAllowIngressFromInternetToAnyPortFromIp;

impl Rule for Ec2SecuritygroupAllowIngressFromInternetToAnyPortFromIp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let mut open: Vec<&SgRule> = Vec::new();
        let mut lists: Vec<&SgRule> = Vec::new();
        for rule in group.ingress.iter().filter(|r| r.allows_all_ports()) {
            match &rule.peer {
                SgPeer::Ipv4(cidr) => {
                    let (addr, len) = parse_ipv4_cidr(cidr)
                        .ok_or_else(|| RuleError(format!("unparsable IPv4 CIDR {cidr:?}")))?;
                    if len > 0 && !is_special_purpose_ipv4(addr, len) {
                        open.push(rule);
                    }
                }
                SgPeer::Ipv6(cidr) => {
                    if is_public_ipv6_cidr(cidr)
                        .ok_or_else(|| RuleError(format!("unparsable IPv6 CIDR {cidr:?}")))?
                    {
                        open.push(rule);
                    }
                }
                SgPeer::PrefixList(_) => lists.push(rule),
                SgPeer::SecurityGroup { .. } => {}
            }
        }
        let name = group_label(group);
        if !open.is_empty() {
            let text: Vec<String> = open.iter().map(|r| describe_rule(r)).collect();
            let evidence: Vec<_> = open.iter().map(|r| rule_json(r)).collect();
            return Ok(Outcome::fail(format!(
                "Security group {name} opens every port to a public address: {}",
                text.join("; ")
            ))
            .with_evidence(json!({ "open_rules": evidence })));
        }
        if !lists.is_empty() {
            let mut ids: Vec<&str> = lists
                .iter()
                .filter_map(|r| match &r.peer {
                    SgPeer::PrefixList(id) => Some(id.as_str()),
                    _ => None,
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let evidence: Vec<_> = lists.iter().map(|r| rule_json(r)).collect();
            return Ok(
                Outcome::not_collected(format!("prefix list entries ({})", ids.join(", ")))
                    .with_evidence(json!({ "prefix_list_rules": evidence })),
            );
        }
        Ok(Outcome::pass(format!(
            "Security group {name} has no all-ports rule from a specific public address"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::is_public_ipv6_cidr;

    #[test]
    fn public_ipv6_ranges() {
        assert_eq!(is_public_ipv6_cidr("2600:1f18::/32"), Some(true));
        assert_eq!(is_public_ipv6_cidr("2a05:d018:1:2::7/128"), Some(true));
        assert_eq!(is_public_ipv6_cidr("::/0"), Some(false));
        assert_eq!(is_public_ipv6_cidr("2000::/3"), Some(true));
        assert_eq!(is_public_ipv6_cidr("2001:db8::/32"), Some(false));
        assert_eq!(is_public_ipv6_cidr("2001:db8:1::/48"), Some(false));
        assert_eq!(is_public_ipv6_cidr("fd00::/8"), Some(false));
        assert_eq!(is_public_ipv6_cidr("fe80::/10"), Some(false));
        assert_eq!(is_public_ipv6_cidr("2001::/16"), Some(true));
        assert_eq!(is_public_ipv6_cidr("2600::/129"), None);
        assert_eq!(is_public_ipv6_cidr("nope/12"), None);
    }
}
