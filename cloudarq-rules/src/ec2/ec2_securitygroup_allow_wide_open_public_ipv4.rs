//! `ec2_securitygroup_allow_wide_open_public_ipv4`: no security-group rule,
//! inbound or outbound, opens a public IPv4 range wider than a /24.
//!
//! A range counts as public unless it lies entirely inside a special-purpose
//! block (RFC 1918 private space, carrier-grade NAT, loopback, link-local,
//! multicast, reserved). So `0.0.0.0/1`, which Prowler skips because its first
//! and last addresses are not global, FAILs here: it holds half the public
//! internet. `/0` is left to the `allow_ingress_from_internet_*` checks. A
//! managed prefix list may hold such a range; when no other rule FAILs the group,
//! the verdict is *not collected*. Mapped to NIST 800-53 SC-7a (traffic at
//! managed interfaces is controlled); not SC-7(11), as the rule is outbound
//! too.

use cloudarq_model::inventory::ec2::{SgPeer, SgRule};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::exposure::{describe_rule_toward, group_label, rule_json};
use super::{is_special_purpose_ipv4 as is_special_purpose, parse_ipv4_cidr};
use crate::controls::nist;

static META: RuleMeta = RuleMeta {
    id: "ec2_securitygroup_allow_wide_open_public_ipv4",
    title: "Security group opens no public IPv4 range wider than /24, inbound or outbound",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityGroup],
    rationale: "A rule for a public /8 or /16 admits millions of addresses that nobody vetted: \
                cloud provider ranges shared with other tenants, whole ISPs. It is usually a typo \
                or a shortcut for one partner address and behaves almost like 0.0.0.0/0.",
    remediation: Remediation {
        cli: "aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id>\n\
              aws ec2 modify-security-group-rules --group-id <sg-id> --security-group-rules \
              'SecurityGroupRuleId=<sgr-id>,SecurityGroupRule={IpProtocol=tcp,FromPort=443,ToPort=443,CidrIpv4=<narrow-cidr>}'",
        console: "VPC console > Security groups > select the group > Inbound rules and Outbound \
                  rules > Edit: replace each wide public range with the specific addresses (/24 \
                  or narrower) that need access > Save rules.",
        url: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html",
    },
    controls: &[nist("SC-7a")],
};

/// Security group opens no public IPv4 range wider than /24, inbound or outbound.
pub(crate) struct Ec2SecuritygroupAllowWideOpenPublicIpv4;

impl Rule for Ec2SecuritygroupAllowWideOpenPublicIpv4 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityGroup(group) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let mut wide = Vec::new();
        let mut unknown = Vec::new();
        for (direction, rules) in [("inbound", &group.ingress), ("outbound", &group.egress)] {
            for rule in rules {
                match &rule.peer {
                    SgPeer::Ipv4(cidr) => {
                        let (addr, len) = parse_ipv4_cidr(cidr)
                            .ok_or_else(|| RuleError(format!("unparsable IPv4 CIDR {cidr:?}")))?;
                        if (1..=23).contains(&len) && !is_special_purpose(addr, len) {
                            wide.push((direction, rule));
                        }
                    }
                    SgPeer::PrefixList(id) => unknown.push((direction, rule, id.as_str())),
                    SgPeer::Ipv6(_) | SgPeer::SecurityGroup { .. } => {}
                }
            }
        }
        let name = group_label(group);
        let as_json = |list: &[(&str, &SgRule)]| -> Vec<serde_json::Value> {
            list.iter()
                .map(|(d, r)| json!({"direction": d, "rule": rule_json(r)}))
                .collect()
        };
        if !wide.is_empty() {
            let found: Vec<String> = wide
                .iter()
                .map(|(d, r)| {
                    let toward = if *d == "inbound" { "from" } else { "to" };
                    format!("{d} {}", describe_rule_toward(r, toward))
                })
                .collect();
            return Ok(Outcome::fail(format!(
                "Security group {name} opens public IPv4 ranges wider than /24: {}",
                found.join("; ")
            ))
            .with_evidence(json!({ "wide_rules": as_json(&wide) })));
        }
        if !unknown.is_empty() {
            let mut ids: Vec<&str> = unknown.iter().map(|(_, _, id)| *id).collect();
            ids.sort_unstable();
            ids.dedup();
            let rules: Vec<(&str, &SgRule)> = unknown.iter().map(|(d, r, _)| (*d, *r)).collect();
            return Ok(
                Outcome::not_collected(format!("prefix list entries ({})", ids.join(", ")))
                    .with_evidence(json!({ "prefix_list_rules": as_json(&rules) })),
            );
        }
        Ok(Outcome::pass(format!(
            "Security group {name} opens no public IPv4 range wider than /24"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide(cidr: &str) -> bool {
        let (a, l) = parse_ipv4_cidr(cidr).expect("test CIDRs parse");
        (1..=23).contains(&l) && !is_special_purpose(a, l)
    }

    #[test]
    fn public_and_private_ranges() {
        assert!(wide("52.0.0.0/8"));
        assert!(wide("0.0.0.0/1"));
        assert!(wide("128.0.0.0/1"));
        assert!(wide("198.0.0.0/7"));
        assert!(!wide("10.0.0.0/8"));
        assert!(!wide("172.16.0.0/12"));
        assert!(!wide("172.20.0.0/16"));
        assert!(!wide("192.168.0.0/16"));
        assert!(!wide("100.64.0.0/10"));
        assert!(!wide("52.1.2.0/24"));
        assert!(!wide("0.0.0.0/0"));
        assert!(parse_ipv4_cidr("10.0.0.0").is_none());
        assert!(parse_ipv4_cidr("10.0.0.0/33").is_none());
        assert_eq!(parse_ipv4_cidr("52.1.2.3/8"), Some((52 << 24, 8)));
    }
}
