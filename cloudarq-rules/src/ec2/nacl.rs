//! Shared logic of the `ec2_networkacl_allow_ingress_*` checks: does a
//! network ACL let the whole internet in, evaluating inbound entries the
//! way AWS does.
//!
//! AWS evaluates a network ACL's inbound entries in ascending rule number
//! and applies the first entry that matches a packet. So for "can
//! 0.0.0.0/0 reach TCP port 22?" the answer is the action of the first
//! entry whose source is the whole internet of that address family and
//! whose protocol and ports cover the traffic: an earlier `deny` wins over
//! a later `allow`. IPv4 (`0.0.0.0/0`) and IPv6 (`::/0`) entries are
//! separate lists and are answered separately.
//!
//! Entries for narrower sources are skipped: a deny for one range does not
//! stop the rest of the internet, and an allow for one range is not "the
//! internet". Two denies that together cover the whole internet (for example
//! `0.0.0.0/1` and `128.0.0.0/1`) are not recognized, so such an ACL may be
//! reported as open; a FIXME for a CIDR-coverage model.

use cloudarq_model::inventory::ec2::{NaclEntry, NetworkAcl};
use cloudarq_model::rule::{Outcome, RuleMeta};
use cloudarq_model::{Properties, Resource};
use serde_json::{Value, json};

use super::exposure::lower;

/// The traffic a network-ACL check is about.
#[derive(Clone, Copy, Debug)]
pub(crate) enum NaclTraffic {
    /// Every port: all traffic, every TCP port or every UDP port.
    AllPorts,
    /// One TCP port, with the service name for messages.
    Tcp(&'static str, i32),
}

/// One question asked of the entries: a description and which entries
/// decide it.
struct Query {
    what: String,
    decides: fn(&NaclEntry, i32) -> bool,
    port: i32,
}

impl NaclTraffic {
    fn queries(self) -> Vec<Query> {
        match self {
            Self::AllPorts => vec![
                Query {
                    what: "all traffic".to_owned(),
                    decides: all_traffic,
                    port: 0,
                },
                Query {
                    what: "all TCP ports".to_owned(),
                    decides: all_tcp_ports,
                    port: 0,
                },
                Query {
                    what: "all UDP ports".to_owned(),
                    decides: all_udp_ports,
                    port: 0,
                },
            ],
            Self::Tcp(service, port) => vec![Query {
                what: format!("{service} (TCP port {port})"),
                decides: covers_tcp_port,
                port,
            }],
        }
    }

    fn describe(self) -> String {
        match self {
            Self::AllPorts => "all ports".to_owned(),
            Self::Tcp(service, port) => format!("{service} (TCP port {port})"),
        }
    }
}

fn all_traffic(e: &NaclEntry, _: i32) -> bool {
    e.protocol == "-1"
}

fn all_tcp_ports(e: &NaclEntry, _: i32) -> bool {
    e.protocol == "-1" || (e.protocol == "6" && is_full_range(e))
}

fn all_udp_ports(e: &NaclEntry, _: i32) -> bool {
    e.protocol == "-1" || (e.protocol == "17" && is_full_range(e))
}

fn is_full_range(e: &NaclEntry) -> bool {
    match (e.port_from, e.port_to) {
        (Some(from), Some(to)) => from <= 0 && to >= 65535,
        _ => true,
    }
}

fn covers_tcp_port(e: &NaclEntry, port: i32) -> bool {
    e.protocol == "-1"
        || (e.protocol == "6"
            && match (e.port_from, e.port_to) {
                (Some(from), Some(to)) => from <= port && port <= to,
                _ => true,
            })
}

/// The address families, with the CIDR that means "the whole internet".
const FAMILIES: [(&str, &str); 2] = [("IPv4", "0.0.0.0/0"), ("IPv6", "::/0")];

fn is_whole_internet(e: &NaclEntry, family: &str) -> bool {
    match family {
        "IPv4" => e.cidr_ipv4.as_deref() == Some("0.0.0.0/0"),
        _ => e.cidr_ipv6.as_deref() == Some("::/0"),
    }
}

/// The first inbound entry from the whole internet of `family` that decides
/// `query`, in rule-number order.
fn deciding_entry<'a>(acl: &'a NetworkAcl, family: &str, query: &Query) -> Option<&'a NaclEntry> {
    let mut inbound: Vec<&NaclEntry> = acl
        .entries
        .iter()
        .filter(|e| !e.egress && is_whole_internet(e, family))
        .collect();
    inbound.sort_by_key(|e| e.rule_number);
    inbound.into_iter().find(|e| (query.decides)(e, query.port))
}

fn entry_json(e: &NaclEntry) -> Value {
    json!({
        "rule_number": e.rule_number,
        "protocol": e.protocol,
        "rule_action": e.rule_action,
        "cidr": e.cidr_ipv4.as_deref().or(e.cidr_ipv6.as_deref()),
        "port_from": e.port_from,
        "port_to": e.port_to,
    })
}

/// Evaluates one `AWS::EC2::NetworkAcl` for internet ingress to `traffic`.
///
/// The severity drops two levels for an ACL associated with no subnet,
/// which filters nothing until it is associated.
pub(crate) fn check(meta: &RuleMeta, resource: &Resource, traffic: NaclTraffic) -> Outcome {
    let Properties::Ec2NetworkAcl(acl) = &resource.properties else {
        return Outcome::not_applicable();
    };
    let id = &acl.network_acl_id;
    let mut allowed = Vec::new();
    let mut denied = Vec::new();
    // Per family, only the first query answered "allow" is reported: all
    // traffic allowed makes "all TCP ports allowed" redundant.
    for (family, cidr) in FAMILIES {
        for query in traffic.queries() {
            match deciding_entry(acl, family, &query) {
                Some(e) if e.rule_action.eq_ignore_ascii_case("allow") => {
                    allowed.push((query.what, cidr, e));
                    break;
                }
                Some(e) => denied.push((query.what, cidr, e)),
                None => {}
            }
        }
    }
    let evidence = |list: &[(String, &str, &NaclEntry)]| -> Value {
        list.iter()
            .map(|(what, cidr, e)| json!({"traffic": what, "source": cidr, "entry": entry_json(e)}))
            .collect()
    };
    if allowed.is_empty() {
        let mut message = format!(
            "Network ACL {id} does not allow {} from 0.0.0.0/0 or ::/0",
            traffic.describe()
        );
        if !denied.is_empty() {
            let mut numbers: Vec<i32> = denied.iter().map(|(_, _, e)| e.rule_number).collect();
            numbers.sort_unstable();
            numbers.dedup();
            let numbers: Vec<String> = numbers.iter().map(i32::to_string).collect();
            message.push_str(&format!(" (denied first by entry {})", numbers.join(", ")));
        }
        return Outcome::pass(message).with_evidence(json!({ "denied_by": evidence(&denied) }));
    }
    let found: Vec<String> = allowed
        .iter()
        .map(|(what, cidr, e)| format!("{what} from {cidr} by entry {}", e.rule_number))
        .collect();
    let outcome = Outcome::fail(format!(
        "Network ACL {id} allows inbound {}",
        found.join("; ")
    ))
    .with_evidence(json!({
        "allowed_by": evidence(&allowed),
        "associated_subnets": acl.associated_subnets,
    }));
    if acl.associated_subnets.is_empty() {
        let severity = lower(meta.severity, 2);
        if severity != meta.severity {
            return outcome.with_severity(
                severity,
                "the ACL is associated with no subnet: it filters no traffic until it is \
                 associated",
            );
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        n: i32,
        proto: &str,
        action: &str,
        cidr: &str,
        ports: Option<(i32, i32)>,
    ) -> NaclEntry {
        let v6 = cidr.contains(':');
        NaclEntry {
            rule_number: n,
            protocol: proto.to_owned(),
            rule_action: action.to_owned(),
            egress: false,
            cidr_ipv4: (!v6).then(|| cidr.to_owned()),
            cidr_ipv6: v6.then(|| cidr.to_owned()),
            port_from: ports.map(|p| p.0),
            port_to: ports.map(|p| p.1),
        }
    }

    fn acl(entries: Vec<NaclEntry>) -> NetworkAcl {
        NetworkAcl {
            network_acl_id: "acl-1".to_owned(),
            vpc_id: None,
            is_default: false,
            entries,
            associated_subnets: vec!["subnet-1".to_owned()],
        }
    }

    fn ssh_open(a: &NetworkAcl) -> Vec<&'static str> {
        let q = &NaclTraffic::Tcp("SSH", 22).queries()[0];
        FAMILIES
            .iter()
            .filter(|(f, _)| deciding_entry(a, f, q).is_some_and(|e| e.rule_action == "allow"))
            .map(|(f, _)| *f)
            .collect()
    }

    #[test]
    fn earlier_deny_wins_and_order_is_by_number_not_position() {
        let a = acl(vec![
            entry(100, "-1", "allow", "0.0.0.0/0", None),
            entry(90, "6", "deny", "0.0.0.0/0", Some((20, 30))),
            entry(32767, "-1", "deny", "0.0.0.0/0", None),
        ]);
        assert!(ssh_open(&a).is_empty());
    }

    #[test]
    fn narrower_deny_does_not_close_the_internet() {
        let a = acl(vec![
            entry(90, "6", "deny", "203.0.113.0/24", Some((22, 22))),
            entry(100, "6", "allow", "0.0.0.0/0", Some((0, 1024))),
        ]);
        assert_eq!(ssh_open(&a), ["IPv4"]);
    }

    #[test]
    fn families_are_separate_and_udp_does_not_count() {
        let a = acl(vec![
            entry(90, "-1", "deny", "0.0.0.0/0", None),
            entry(100, "-1", "allow", "::/0", None),
            entry(110, "17", "allow", "0.0.0.0/0", Some((22, 22))),
        ]);
        assert_eq!(ssh_open(&a), ["IPv6"]);
    }

    #[test]
    fn egress_entries_are_ignored() {
        let mut e = entry(100, "-1", "allow", "0.0.0.0/0", None);
        e.egress = true;
        assert!(ssh_open(&acl(vec![e])).is_empty());
    }
}
