//! Shared logic of the "open to the internet" checks: which security-group
//! rules let 0.0.0.0/0 or ::/0 in, and how severe that is given what the
//! group (or instance) is attached to.
//!
//! The seventeen `ec2_securitygroup_allow_ingress_from_internet_to_*` rules
//! call [`security_group`]; the seventeen `ec2_instance_port_*_exposed_to_internet`
//! rules are [`InstancePort`]s, judged by [`instance`]. Each rule file is only
//! its metadata and one call (or one `InstancePort`).
//!
//! Decisions that hold for every one of them:
//!
//! - **An all-traffic rule (`-1`) opens every port.** It FAILs the
//!   port-specific checks too ([`SgRule::allows_tcp_port`]). Prowler reports
//!   such a group as PASS in its port-specific checks and leaves it to the
//!   all-ports check, so a report filtered on "port 22" misses it.
//! - **Both families count:** `0.0.0.0/0` and `::/0`.
//! - **A managed prefix list is unknown.** A customer-managed prefix list may
//!   contain `0.0.0.0/0`, and the snapshot does not hold prefix-list entries.
//!   A rule whose peer is a prefix list and that admits the traffic makes the
//!   verdict *not collected* unless another rule already FAILs the group.
//! - **Severity follows reachability.** A group attached to nothing is
//!   lowered two levels (nothing is reachable through it yet); a group whose
//!   interfaces have no public IPv4 address is lowered one level, unless an
//!   `::/0` rule is among the offending ones (IPv6 addresses, which the
//!   snapshot does not record, may be globally routable). When attachments
//!   were not collected, or an attached interface is missing from the
//!   snapshot, the default severity stays and the message says the context
//!   was unknown.

use cloudarq_model::inventory::ec2::{Instance, SecurityGroup, SgPeer, SgRule};
use cloudarq_model::rule::{Outcome, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Region, Resource, Snapshot};
use serde_json::{Value, json};

use crate::related;

/// The CLI remediation of every instance port-exposure rule.
pub(crate) const INSTANCE_PORT_CLI: &str = "aws ec2 describe-instances --instance-ids <instance-id> --query \
              'Reservations[].Instances[].SecurityGroups'\n\
              aws ec2 describe-security-group-rules --filters Name=group-id,Values=<sg-id>\n\
              aws ec2 revoke-security-group-ingress --group-id <sg-id> --security-group-rule-ids \
              <sgr-id>";

/// The documentation every instance port-exposure rule points to.
pub(crate) const INSTANCE_PORT_URL: &str =
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security-groups.html";

/// An `ec2_instance_port_*_exposed_to_internet` rule: its metadata and the
/// TCP ports of one service, judged by [`instance`].
pub(crate) struct InstancePort {
    /// The rule's metadata.
    pub(crate) meta: &'static RuleMeta,
    /// The service, for messages (`SSH`).
    pub(crate) service: &'static str,
    /// Its TCP ports.
    pub(crate) ports: &'static [i32],
}

impl Rule for InstancePort {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let traffic = Traffic::Tcp {
            service: self.service,
            ports: self.ports,
        };
        Ok(instance(self.meta, resource, snapshot, traffic))
    }
}

/// The traffic a check is about.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Traffic {
    /// Every port: an all-traffic rule, or all TCP or UDP ports.
    AllPorts,
    /// Any port of any protocol.
    AnyPort,
    /// Any of these TCP ports of a named service.
    Tcp {
        /// The service, for messages (`SSH`).
        service: &'static str,
        /// The ports.
        ports: &'static [i32],
    },
    /// Any TCP port in these inclusive ranges of a named service.
    TcpRanges {
        /// The service, for messages.
        service: &'static str,
        /// The ranges, `(first, last)`.
        ranges: &'static [(i32, i32)],
    },
    /// Any TCP or UDP port but these (every protocol, for an all-traffic
    /// rule).
    PortsExcept {
        /// The ports that may be open.
        allowed: &'static [i32],
    },
}

impl Traffic {
    /// Whether `rule` admits this traffic (whatever its peer).
    pub(crate) fn admitted_by(self, rule: &SgRule) -> bool {
        match self {
            Self::AllPorts => rule.allows_all_ports(),
            Self::AnyPort => true,
            Self::Tcp { ports, .. } => ports.iter().any(|p| rule.allows_tcp_port(*p)),
            Self::TcpRanges { ranges, .. } => match rule.protocol.as_str() {
                "-1" | "all" => true,
                "tcp" | "6" => {
                    let (from, to) = port_range(rule);
                    ranges.iter().any(|(lo, hi)| from <= *hi && *lo <= to)
                }
                _ => false,
            },
            Self::PortsExcept { allowed } => match rule.protocol.as_str() {
                "-1" | "all" => true,
                "tcp" | "6" | "udp" | "17" => {
                    let (from, to) = port_range(rule);
                    let inside = allowed.iter().filter(|p| from <= **p && **p <= to).count();
                    i64::from(to) - i64::from(from) + 1 > inside as i64
                }
                _ => false,
            },
        }
    }

    fn describe(self) -> String {
        match self {
            Self::AllPorts => "all ports".to_owned(),
            Self::AnyPort => "any port".to_owned(),
            Self::Tcp { service, ports } => {
                let list: Vec<String> = ports.iter().map(i32::to_string).collect();
                let noun = if ports.len() == 1 { "port" } else { "ports" };
                format!("{service} (TCP {noun} {})", list.join(", "))
            }
            Self::TcpRanges { service, ranges } => {
                let list: Vec<String> = ranges
                    .iter()
                    .map(|(lo, hi)| {
                        if lo == hi {
                            lo.to_string()
                        } else {
                            format!("{lo}-{hi}")
                        }
                    })
                    .collect();
                format!("{service} (TCP ports {})", list.join(", "))
            }
            Self::PortsExcept { allowed } => {
                let list: Vec<String> = allowed.iter().map(i32::to_string).collect();
                format!("TCP or UDP ports other than {}", list.join(", "))
            }
        }
    }
}

/// A TCP or UDP rule's inclusive port range; every port when EC2 gave none
/// (or `-1`).
fn port_range(rule: &SgRule) -> (i32, i32) {
    match (rule.from_port, rule.to_port) {
        (Some(from), Some(to)) if !(from == -1 && to == -1) => (from.max(0), to.min(65535)),
        _ => (0, 65535),
    }
}

/// The ingress rules of some groups that admit some traffic, by peer kind.
#[derive(Default)]
struct Matches<'a> {
    /// From the whole internet: the verdict is FAIL.
    open: Vec<(&'a SecurityGroup, &'a SgRule)>,
    /// From a managed prefix list, whose entries were not collected.
    unknown: Vec<(&'a SecurityGroup, &'a SgRule)>,
}

impl<'a> Matches<'a> {
    fn add(&mut self, group: &'a SecurityGroup, traffic: Traffic) {
        for rule in group.ingress.iter().filter(|r| traffic.admitted_by(r)) {
            if rule.is_from_internet() {
                self.open.push((group, rule));
            } else if matches!(rule.peer, SgPeer::PrefixList(_)) {
                self.unknown.push((group, rule));
            }
        }
    }

    fn any_ipv6_open(&self) -> bool {
        self.open
            .iter()
            .any(|(_, r)| matches!(r.peer, SgPeer::Ipv6(_)))
    }

    fn any_all_traffic_open(&self) -> bool {
        self.open
            .iter()
            .any(|(_, r)| matches!(r.protocol.as_str(), "-1" | "all"))
    }
}

/// Evaluates one `AWS::EC2::SecurityGroup` for internet ingress to `traffic`.
pub(crate) fn security_group(
    meta: &RuleMeta,
    resource: &Resource,
    snapshot: &Snapshot,
    traffic: Traffic,
) -> Outcome {
    let Properties::Ec2SecurityGroup(group) = &resource.properties else {
        return Outcome::not_applicable();
    };
    let mut found = Matches::default();
    found.add(group, traffic);
    let name = group_label(group);
    let what = traffic.describe();
    if found.open.is_empty() {
        return match prefix_list_field(&found) {
            Some(field) => Outcome::not_collected(field).with_evidence(json!({
                "prefix_list_rules": rules_json(&found.unknown),
            })),
            None => Outcome::pass(format!(
                "Security group {name} allows no ingress from 0.0.0.0/0 or ::/0 to {what}"
            )),
        };
    }
    let reach = group_reach(group, resource.region.as_ref(), snapshot);
    let mut message = format!(
        "Security group {name} allows ingress from the internet to {what}: {}",
        describe_rules(&found.open)
    );
    if matches!(traffic, Traffic::Tcp { .. }) && found.any_all_traffic_open() {
        message.push_str(" (an all-traffic rule opens every port, these included)");
    }
    finish(meta, message, &found, reach, Subject::Group)
}

/// Evaluates one `AWS::EC2::Instance`: do its security groups let the
/// internet reach `traffic`? Critical when the instance has a public IPv4
/// address, one level lower when it has none.
pub(crate) fn instance(
    meta: &RuleMeta,
    resource: &Resource,
    snapshot: &Snapshot,
    traffic: Traffic,
) -> Outcome {
    let Properties::Ec2Instance(inst) = &resource.properties else {
        return Outcome::not_applicable();
    };
    if is_gone(inst) {
        return Outcome::not_applicable();
    }
    let region = resource.region.as_ref();
    let mut found = Matches::default();
    let mut missing = Vec::new();
    for id in &inst.security_groups {
        match related::security_group(snapshot, region, id) {
            Some(group) => found.add(group, traffic),
            None => missing.push(id.as_str()),
        }
    }
    let what = traffic.describe();
    let id = &inst.instance_id;
    if found.open.is_empty() {
        let mut fields: Vec<String> = missing
            .iter()
            .map(|g| format!("security group {g}"))
            .collect();
        fields.extend(prefix_list_field(&found));
        if !fields.is_empty() {
            return Outcome::not_collected(fields.join(", ")).with_evidence(json!({
                "security_groups": inst.security_groups,
                "missing_security_groups": missing,
                "prefix_list_rules": rules_json(&found.unknown),
            }));
        }
        return Outcome::pass(format!(
            "Instance {id} has no security group that allows {what} from 0.0.0.0/0 or ::/0"
        ))
        .with_evidence(json!({ "security_groups": inst.security_groups }));
    }
    let reach = instance_reach(inst, region, snapshot);
    let message = format!(
        "Instance {id} is reachable from the internet on {what} through its security groups: {}",
        describe_rules(&found.open)
    );
    finish(meta, message, &found, reach, Subject::Instance)
}

/// What a FAIL is about, for the severity reasons.
#[derive(Clone, Copy)]
enum Subject {
    Group,
    Instance,
}

/// Builds the FAIL: message, evidence and the severity from context.
fn finish(
    meta: &RuleMeta,
    mut message: String,
    found: &Matches<'_>,
    reach: Reach,
    subject: Subject,
) -> Outcome {
    let mut adjust = None;
    match &reach.kind {
        ReachKind::Unknown(why) => {
            message.push_str(&format!(
                "; {why}, so the severity was not adjusted for context"
            ));
        }
        ReachKind::Detached => {
            adjust = Some((
                lower(meta.severity, 2),
                "the group is attached to no network interface: nothing is reachable through \
                 it until it is attached"
                    .to_owned(),
            ));
        }
        ReachKind::Public(ids) => {
            message.push_str(&format!("; public IPv4 address on {}", ids.join(", ")));
        }
        ReachKind::Private(_) if found.any_ipv6_open() => {
            message.push_str(
                "; no public IPv4 address is attached, but an ::/0 rule may reach IPv6 \
                 addresses, which are not collected, so the severity was not lowered",
            );
        }
        ReachKind::Private(ids) => {
            let reason = match subject {
                Subject::Group => format!(
                    "attached only to network interfaces without a public IPv4 address ({}): \
                     the internet cannot reach them directly",
                    ids.join(", ")
                ),
                Subject::Instance => "the instance has no public IPv4 address: the internet \
                                      cannot reach it directly"
                    .to_owned(),
            };
            adjust = Some((lower(meta.severity, 1), reason));
        }
    }
    let outcome = Outcome::fail(message).with_evidence(json!({
        "open_rules": rules_json(&found.open),
        "attachment": reach.evidence,
    }));
    match adjust {
        Some((severity, reason)) if severity != meta.severity => {
            outcome.with_severity(severity, reason)
        }
        _ => outcome,
    }
}

/// How the internet could reach what a group or instance protects.
struct Reach {
    kind: ReachKind,
    evidence: Value,
}

enum ReachKind {
    /// Attachments unknown; the text says why.
    Unknown(String),
    /// Attached to nothing.
    Detached,
    /// These interfaces (or the instance) have a public IPv4 address.
    Public(Vec<String>),
    /// Attached only to these interfaces, none with a public IPv4 address.
    Private(Vec<String>),
}

fn group_reach(group: &SecurityGroup, region: Option<&Region>, snapshot: &Snapshot) -> Reach {
    let ids = match &group.attached_interfaces {
        Collected::NotCollected => {
            return Reach {
                kind: ReachKind::Unknown(
                    "its network interface attachments were not collected".to_owned(),
                ),
                evidence: json!("not_collected"),
            };
        }
        Collected::Value(ids) => ids,
    };
    if ids.is_empty() {
        return Reach {
            kind: ReachKind::Detached,
            evidence: json!({ "interfaces": [] }),
        };
    }
    let mut public = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match related::network_interface(snapshot, region, id) {
            None => missing.push(id.clone()),
            Some(eni) => {
                let instance_public = eni
                    .attached_instance
                    .as_deref()
                    .and_then(|i| related::instance(snapshot, region, i))
                    .is_some_and(|i| i.public_ip.is_some());
                if eni.public_ip.is_some() || instance_public {
                    public.push(id.clone());
                }
            }
        }
    }
    let evidence = json!({
        "interfaces": ids,
        "public_interfaces": public,
        "missing_interfaces": missing,
    });
    let kind = if !public.is_empty() {
        ReachKind::Public(public)
    } else if !missing.is_empty() {
        ReachKind::Unknown(format!(
            "attached network interface(s) {} are not in the snapshot",
            missing.join(", ")
        ))
    } else {
        ReachKind::Private(ids.clone())
    };
    Reach { kind, evidence }
}

fn instance_reach(inst: &Instance, region: Option<&Region>, snapshot: &Snapshot) -> Reach {
    let mut public = Vec::new();
    let mut missing = Vec::new();
    if let Some(ip) = &inst.public_ip {
        public.push(format!("the instance ({ip})"));
    }
    for id in &inst.network_interfaces {
        match related::network_interface(snapshot, region, id) {
            None => missing.push(id.clone()),
            Some(eni) if eni.public_ip.is_some() => public.push(id.clone()),
            Some(_) => {}
        }
    }
    let evidence = json!({
        "public_ip": inst.public_ip,
        "network_interfaces": inst.network_interfaces,
        "public_interfaces": public,
        "missing_interfaces": missing,
    });
    let kind = if !public.is_empty() {
        ReachKind::Public(public)
    } else if !missing.is_empty() {
        ReachKind::Unknown(format!(
            "network interface(s) {} are not in the snapshot",
            missing.join(", ")
        ))
    } else {
        ReachKind::Private(inst.network_interfaces.clone())
    };
    Reach { kind, evidence }
}

/// Whether an instance is terminated or terminating; rules skip those.
pub(crate) fn is_gone(inst: &Instance) -> bool {
    matches!(inst.state.as_deref(), Some("terminated" | "shutting-down"))
}

/// The public IPv4 addresses of an instance, on it or on any of its
/// interfaces (`3.250.1.9`, `52.18.7.7 on eni-…`); empty when it has none.
/// `Err(field)` when it shows none but an interface that could carry one (an
/// Elastic IP on a secondary interface) is missing from the snapshot.
pub(crate) fn instance_public_ips(
    inst: &Instance,
    region: Option<&Region>,
    snapshot: &Snapshot,
) -> Result<Vec<String>, String> {
    let mut found: Vec<String> = inst.public_ip.iter().cloned().collect();
    let mut missing = Vec::new();
    for id in &inst.network_interfaces {
        match related::network_interface(snapshot, region, id) {
            None => missing.push(id.as_str()),
            Some(eni) => {
                if let Some(ip) = eni
                    .public_ip
                    .as_ref()
                    .filter(|ip| inst.public_ip.as_ref() != Some(*ip))
                {
                    found.push(format!("{ip} on {id}"));
                }
            }
        }
    }
    if found.is_empty() && !missing.is_empty() {
        return Err(format!("network interface {}", missing.join(", ")));
    }
    Ok(found)
}

/// `severity` lowered by `steps` levels, never below low.
pub(crate) fn lower(severity: Severity, steps: usize) -> Severity {
    const LADDER: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
    match LADDER.iter().position(|s| *s == severity) {
        Some(i) => LADDER[(i + steps).min(LADDER.len() - 1)],
        None => severity,
    }
}

/// `name (sg-…)`, or the id alone when the name is the id.
pub(crate) fn group_label(group: &SecurityGroup) -> String {
    if group.group_name == group.group_id {
        group.group_id.clone()
    } else {
        format!("{} ({})", group.group_name, group.group_id)
    }
}

fn prefix_list_field(found: &Matches<'_>) -> Option<String> {
    let mut ids: Vec<&str> = found
        .unknown
        .iter()
        .filter_map(|(_, r)| match &r.peer {
            SgPeer::PrefixList(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    (!ids.is_empty()).then(|| format!("prefix list entries ({})", ids.join(", ")))
}

/// The peer of a rule as text: a CIDR, a prefix-list id or a group id.
pub(crate) fn peer_text(peer: &SgPeer) -> &str {
    match peer {
        SgPeer::Ipv4(c) | SgPeer::Ipv6(c) | SgPeer::PrefixList(c) => c,
        SgPeer::SecurityGroup { group_id, .. } => group_id,
    }
}

/// `tcp port 22 from 0.0.0.0/0`, `all traffic from ::/0`, … for an inbound rule.
pub(crate) fn describe_rule(rule: &SgRule) -> String {
    describe_rule_toward(rule, "from")
}

/// A rule as text, with `"from"` (inbound) or `"to"` (outbound) before the peer.
pub(crate) fn describe_rule_toward(rule: &SgRule, preposition: &str) -> String {
    let peer = peer_text(&rule.peer);
    let proto = match rule.protocol.as_str() {
        "-1" | "all" => return format!("all traffic {preposition} {peer}"),
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        "58" => "icmpv6",
        other => other,
    };
    let ports = match (rule.from_port, rule.to_port) {
        _ if matches!(proto, "icmp" | "icmpv6") => String::new(),
        (Some(-1), Some(-1)) | (None, _) | (_, None) => " (all ports)".to_owned(),
        (Some(from), Some(to)) if from == to => format!(" port {from}"),
        (Some(from), Some(to)) => format!(" ports {from}-{to}"),
    };
    format!("{proto}{ports} {preposition} {peer}")
}

fn describe_rules(rules: &[(&SecurityGroup, &SgRule)]) -> String {
    let mut groups: Vec<&str> = rules.iter().map(|(g, _)| g.group_id.as_str()).collect();
    groups.dedup();
    let several = groups.len() > 1;
    let parts: Vec<String> = rules
        .iter()
        .map(|(g, r)| {
            if several {
                format!("{} in {}", describe_rule(r), g.group_id)
            } else {
                describe_rule(r)
            }
        })
        .collect();
    parts.join("; ")
}

/// Rules as evidence.
pub(crate) fn rule_json(rule: &SgRule) -> Value {
    json!({
        "protocol": rule.protocol,
        "from_port": rule.from_port,
        "to_port": rule.to_port,
        "peer": peer_text(&rule.peer),
    })
}

fn rules_json(rules: &[(&SecurityGroup, &SgRule)]) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|(g, r)| {
                let mut v = rule_json(r);
                if let Value::Object(m) = &mut v {
                    m.insert("group_id".to_owned(), json!(g.group_id));
                }
                v
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: Option<i32>, to: Option<i32>, peer: SgPeer) -> SgRule {
        SgRule {
            protocol: protocol.to_owned(),
            from_port: from,
            to_port: to,
            peer,
            description: None,
        }
    }

    fn v4(c: &str) -> SgPeer {
        SgPeer::Ipv4(c.to_owned())
    }

    #[test]
    fn port_ranges_and_allow_lists_are_judged_by_overlap() {
        let vsock = Traffic::TcpRanges {
            service: "vsock proxies",
            ranges: &[(5000, 5000), (8000, 8090), (9000, 9000)],
        };
        let except = Traffic::PortsExcept {
            allowed: &[22, 80, 443],
        };
        let any = v4("0.0.0.0/0");
        let tcp = |from, to| rule("tcp", Some(from), Some(to), any.clone());
        assert!(vsock.admitted_by(&tcp(8090, 8200)));
        assert!(vsock.admitted_by(&tcp(4000, 5000)));
        assert!(!vsock.admitted_by(&tcp(8091, 8999)));
        assert!(!vsock.admitted_by(&rule("udp", Some(8080), Some(8080), any.clone())));
        assert!(vsock.admitted_by(&rule("-1", None, None, any.clone())));
        assert!(vsock.admitted_by(&rule("tcp", None, None, any.clone())));
        assert!(!except.admitted_by(&tcp(443, 443)));
        assert!(!except.admitted_by(&tcp(80, 80)));
        assert!(except.admitted_by(&tcp(80, 81)));
        assert!(!except.admitted_by(&rule("udp", Some(443), Some(443), any.clone())));
        assert!(except.admitted_by(&rule("udp", Some(53), Some(53), any.clone())));
        assert!(!except.admitted_by(&rule("icmp", Some(-1), Some(-1), any.clone())));
        assert!(except.admitted_by(&rule("-1", None, None, any.clone())));
        assert!(except.admitted_by(&rule("tcp", Some(-1), Some(-1), any)));
        assert_eq!(
            vsock.describe(),
            "vsock proxies (TCP ports 5000, 8000-8090, 9000)"
        );
        assert_eq!(except.describe(), "TCP or UDP ports other than 22, 80, 443");
    }

    #[test]
    fn all_traffic_admits_every_port_check() {
        let all = rule("-1", None, None, v4("0.0.0.0/0"));
        for t in [
            Traffic::AllPorts,
            Traffic::AnyPort,
            Traffic::Tcp {
                service: "SSH",
                ports: &[22],
            },
            Traffic::Tcp {
                service: "Kafka",
                ports: &[9092],
            },
        ] {
            assert!(t.admitted_by(&all), "{t:?}");
        }
    }

    #[test]
    fn port_ranges_and_protocols() {
        let ssh = Traffic::Tcp {
            service: "SSH",
            ports: &[22],
        };
        assert!(ssh.admitted_by(&rule("tcp", Some(0), Some(1024), v4("0.0.0.0/0"))));
        assert!(!ssh.admitted_by(&rule("tcp", Some(23), Some(1024), v4("0.0.0.0/0"))));
        assert!(!ssh.admitted_by(&rule("udp", Some(22), Some(22), v4("0.0.0.0/0"))));
        assert!(!Traffic::AllPorts.admitted_by(&rule("tcp", Some(1), Some(65535), v4("x"))));
        assert!(Traffic::AllPorts.admitted_by(&rule("udp", Some(0), Some(65535), v4("x"))));
        assert!(Traffic::AnyPort.admitted_by(&rule("icmp", Some(8), Some(0), v4("x"))));
    }

    #[test]
    fn severity_ladder_stops_at_low() {
        assert_eq!(lower(Severity::Critical, 1), Severity::High);
        assert_eq!(lower(Severity::Critical, 2), Severity::Medium);
        assert_eq!(lower(Severity::High, 2), Severity::Low);
        assert_eq!(lower(Severity::Low, 2), Severity::Low);
        assert_eq!(lower(Severity::Informational, 1), Severity::Informational);
    }

    #[test]
    fn rules_read_naturally() {
        assert_eq!(
            describe_rule(&rule("tcp", Some(22), Some(22), v4("0.0.0.0/0"))),
            "tcp port 22 from 0.0.0.0/0"
        );
        assert_eq!(
            describe_rule(&rule("-1", None, None, SgPeer::Ipv6("::/0".to_owned()))),
            "all traffic from ::/0"
        );
        assert_eq!(
            describe_rule(&rule("6", Some(0), Some(1024), v4("0.0.0.0/0"))),
            "tcp ports 0-1024 from 0.0.0.0/0"
        );
        assert_eq!(
            describe_rule(&rule("icmp", Some(8), Some(0), v4("1.2.3.4/32"))),
            "icmp from 1.2.3.4/32"
        );
    }
}
