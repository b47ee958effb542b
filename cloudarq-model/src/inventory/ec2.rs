//! EC2 inventory kinds: security groups, instances, network interfaces,
//! EBS volumes and snapshots, per-region EBS settings, VPCs with flow logs,
//! and network ACLs.
//!
//! EC2 is regional: every resource has `region: Some(<region>)` and is
//! collected once per scanned region. Each kind comes from one listing, read
//! to its last page:
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`SecurityGroup`] (`AWS::EC2::SecurityGroup`) | `arn:aws:ec2:<region>:<account>:security-group/<sg-id>` | `DescribeSecurityGroups`; `attached_interfaces` from `DescribeNetworkInterfaces` |
//! | [`Instance`] (`AWS::EC2::Instance`) | `arn:aws:ec2:<region>:<account>:instance/<i-id>` | `DescribeInstances` |
//! | [`InstanceConfiguration`] (`AWS::EC2::InstanceConfiguration`) | `arn:aws:ec2:<region>:<account>:instance-configuration/<i-id>` | `DescribeInstances` (the same listing: Nitro Enclaves, the last state change, IPv6 addresses) |
//! | [`NetworkInterface`] (`AWS::EC2::NetworkInterface`) | `arn:aws:ec2:<region>:<account>:network-interface/<eni-id>` | `DescribeNetworkInterfaces` |
//! | [`Volume`] (`AWS::EC2::Volume`) | `arn:aws:ec2:<region>:<account>:volume/<vol-id>` | `DescribeVolumes` |
//! | [`Snapshot`] (`AWS::EC2::Snapshot`) | `arn:aws:ec2:<region>::snapshot/<snap-id>` (no account) | `DescribeSnapshots` (`OwnerIds=self`: owned snapshots only); `public` from `DescribeSnapshots` (`RestorableByUserIds=all`) or, when that answer is ambiguous, `DescribeSnapshotAttribute` per snapshot |
//! | [`Ec2RegionSettings`] (`AWS::EC2::RegionSettings`) | `arn:aws:ec2:<region>:<account>:account` | `GetEbsEncryptionByDefault`, `GetEbsDefaultKmsKeyId` |
//! | [`Vpc`] (`AWS::EC2::VPC`) | `arn:aws:ec2:<region>:<account>:vpc/<vpc-id>` | `DescribeVpcs`; `flow_logs` from `DescribeFlowLogs` |
//! | [`NetworkAcl`] (`AWS::EC2::NetworkAcl`) | `arn:aws:ec2:<region>:<account>:network-acl/<acl-id>` | `DescribeNetworkAcls` |
//! | [`VpcPeeringConnection`] (`AWS::EC2::VPCPeeringConnection`) | `arn:aws:ec2:<region>:<account>:vpc-peering-connection/<pcx-id>` | `DescribeVpcPeeringConnections`; `routes` from `DescribeRouteTables` |
//! | [`Image`] (`AWS::EC2::Image`) | `arn:aws:ec2:<region>::image/<ami-id>` (no account) | `DescribeImages` (`Owners=self`), then `DescribeImages` (`image-id` filter, `IncludeDeprecated=true`) for the AMIs the region's instances use that are not the account's |
//! | [`LaunchTemplate`] (`AWS::EC2::LaunchTemplate`) | `arn:aws:ec2:<region>:<account>:launch-template/<lt-id>` | `DescribeLaunchTemplateVersions` (`Versions=[$Default,$Latest]`) |
//! | [`Ec2SecurityDefaults`] (`AWS::EC2::SecurityDefaults`) | `arn:aws:ec2:<region>:<account>:account/security-defaults` | `GetImageBlockPublicAccessState`, `GetSnapshotBlockPublicAccessState`, `GetInstanceMetadataDefaults` |
//! | [`ElasticIp`] (`AWS::EC2::EIP`) | `arn:aws:ec2:<region>:<account>:elastic-ip/<eipalloc-id>` | `DescribeAddresses` |
//! | [`ClientVpnEndpoint`] (`AWS::EC2::ClientVpnEndpoint`) | `arn:aws:ec2:<region>:<account>:client-vpn-endpoint/<cvpn-endpoint-id>` | `DescribeClientVpnEndpoints` |
//! | [`TransitGateway`] (`AWS::EC2::TransitGateway`) | `arn:aws:ec2:<region>:<account>:transit-gateway/<tgw-id>` | `DescribeTransitGateways` (owned gateways only) |
//!
//! A failed listing leaves that kind's resources of the region absent (the
//! pages read before the failure are kept) with a gap naming the call.
//!
//! **`Collected` fields** (may be not collected):
//! [`SecurityGroup::attached_interfaces`] (when the interface listing
//! failed or stopped early), [`Snapshot::public`],
//! [`Ec2RegionSettings::ebs_encryption_by_default`],
//! [`Ec2RegionSettings::ebs_default_kms_key_id`], [`Vpc::flow_logs`]
//! (when the flow-log listing failed or stopped early) and
//! [`VpcPeeringConnection::routes`] (when the route-table listing failed or
//! stopped early), [`Image::deprecation_time`] and the three fields of
//! [`Ec2SecurityDefaults`]. Every other field
//! comes with its kind's listing and is always present.
//!
//! Resources refer to each other by EC2 id (`sg-…`, `eni-…`, `i-…`,
//! `vpc-…`, `subnet-…`), not by ARN: to follow a reference, build the
//! canonical ARN from the table with [`Arn::build`](crate::Arn::build) and
//! look it up ([`Instance`] shows how), or, for "which groups name this
//! group", use [`Snapshot::sg_references`](crate::Snapshot::sg_references).
//! The display [`name`](crate::Resource::name) is the `Name` tag when set,
//! else the id (for a security group, its group name).

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

mod gateways;
mod instance_configuration;
mod launch;

pub use gateways::{ClientVpnEndpoint, ElasticIp, TransitGateway};
pub use instance_configuration::InstanceConfiguration;
pub use launch::{
    Ec2SecurityDefaults, Image, LaunchTemplate, LaunchTemplateInterface, LaunchTemplateVersion,
};

/// Where a security-group rule lets traffic come from (ingress) or go to
/// (egress): one of EC2's `IpRanges`, `Ipv6Ranges`, `PrefixListIds` or
/// `UserIdGroupPairs`. Serialized as `{"ipv4": "0.0.0.0/0"}`,
/// `{"security_group": {"group_id": …, "user_id": …}}`, ….
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SgPeer {
    /// An IPv4 CIDR as EC2 returned it, such as `203.0.113.0/24`;
    /// `0.0.0.0/0` is the whole IPv4 internet.
    Ipv4(String),
    /// An IPv6 CIDR as EC2 returned it; `::/0` is the whole IPv6 internet.
    Ipv6(String),
    /// A managed prefix list id (`pl-…`). The list's entries are not
    /// collected: a customer-managed list may contain any CIDR, even
    /// `0.0.0.0/0`.
    PrefixList(String),
    /// The network interfaces that use another (or the same) security
    /// group.
    SecurityGroup {
        /// The peer group's id (`sg-…`). For an EC2-Classic pair EC2 gave
        /// only a name, and this is the group name.
        group_id: String,
        /// The peer group's owning account, only when it is not the audited
        /// account (a peered VPC's group); `None` for the account's own
        /// groups.
        user_id: Option<String>,
    },
}

/// One security-group rule with one peer. EC2 returns a permission with a
/// protocol, a port range and several peers; the collector makes one
/// `SgRule` per peer, all with the same protocol and ports. Security-group
/// rules only allow: there is no deny rule, and traffic no rule allows is
/// refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    /// The IP protocol as EC2 returned it: `tcp`, `udp`, `icmp`, `icmpv6`,
    /// another protocol's number as text (`50`), or `-1` for all protocols
    /// (and so all ports).
    pub protocol: String,
    /// For TCP and UDP, the first port of the range, inclusive (0–65535);
    /// for ICMP/ICMPv6, the ICMP type (`-1`: any). `None` when EC2 gave none
    /// (rules for all protocols): every port.
    #[serde(default)]
    pub from_port: Option<i32>,
    /// For TCP and UDP, the last port of the range, inclusive (a single port
    /// has `from_port == to_port`); for ICMP/ICMPv6, the ICMP code (`-1`:
    /// any). `None` when EC2 gave none: every port.
    #[serde(default)]
    pub to_port: Option<i32>,
    /// The source (ingress) or destination (egress) of the traffic.
    pub peer: SgPeer,
    /// The peer's description, as set by the group's owner; `None` when
    /// empty.
    #[serde(default)]
    pub description: Option<String>,
}

impl SgRule {
    /// Whether the rule admits TCP traffic to `port` (whatever its peer):
    /// an all-protocols rule does, a TCP rule does when `port` is within its
    /// inclusive range or it has none.
    pub fn allows_tcp_port(&self, port: i32) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => (from == -1 && to == -1) || (from <= port && port <= to),
                _ => true,
            },
            _ => false,
        }
    }

    /// Whether the rule covers every port: an all-protocols rule, or a TCP or
    /// UDP rule for 0–65535 (or without a range).
    pub fn allows_all_ports(&self) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" | "udp" | "17" => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => (from <= 0 && to >= 65535) || (from == -1 && to == -1),
                _ => true,
            },
            _ => false,
        }
    }

    /// Whether the peer is the whole IPv4 or IPv6 internet (`0.0.0.0/0` or
    /// `::/0`, compared as text). A prefix-list peer is not, though its
    /// entries may be.
    pub fn is_from_internet(&self) -> bool {
        matches!(&self.peer, SgPeer::Ipv4(c) if c == "0.0.0.0/0")
            || matches!(&self.peer, SgPeer::Ipv6(c) if c == "::/0")
    }
}

/// `AWS::EC2::SecurityGroup`: a VPC security group, ARN
/// `arn:aws:ec2:<region>:<account>:security-group/<sg-id>`, from
/// `DescribeSecurityGroups`. Only `attached_interfaces` is `Collected`.
///
/// Checking the ingress rules for SSH open to the internet:
///
/// ```
/// use cloudarq_model::inventory::ec2::{SecurityGroup, SgPeer};
/// use cloudarq_model::rule::Outcome;
///
/// fn ssh_closed(g: &SecurityGroup) -> Outcome {
///     let open: Vec<String> = g.ingress.iter()
///         .filter(|r| r.allows_tcp_port(22) && r.is_from_internet())
///         .map(|r| format!("{} {:?}-{:?} from {:?}", r.protocol, r.from_port, r.to_port, r.peer))
///         .collect();
///     if !open.is_empty() {
///         return Outcome::fail(format!("{} is open to SSH: {}", g.group_id, open.join("; ")));
///     }
///     // A prefix list's entries are not collected: it may hold 0.0.0.0/0.
///     if g.ingress.iter().any(|r| r.allows_tcp_port(22) && matches!(r.peer, SgPeer::PrefixList(_))) {
///         return Outcome::not_collected("prefix list entries");
///     }
///     Outcome::pass(format!("{} allows no SSH from the internet", g.group_id))
/// }
///
/// let g: SecurityGroup = serde_json::from_value(serde_json::json!({
///     "group_id": "sg-0abc", "group_name": "web", "description": "web tier",
///     "vpc_id": "vpc-1", "owner_id": "123456789012",
///     "ingress": [
///         {"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": {"ipv4": "0.0.0.0/0"}},
///         {"protocol": "tcp", "from_port": 0, "to_port": 1024, "peer": {"ipv6": "::/0"}},
///         {"protocol": "-1", "peer": {"security_group": {"group_id": "sg-0abc", "user_id": null}}}
///     ],
///     "egress": [{"protocol": "-1", "peer": {"ipv4": "0.0.0.0/0"}}],
///     "attached_interfaces": {"value": ["eni-1"]}
/// }))?;
/// assert_eq!(ssh_closed(&g),
///     Outcome::fail(r#"sg-0abc is open to SSH: tcp Some(0)-Some(1024) from Ipv6("::/0")"#));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    /// Group id (`sg-…`).
    pub group_id: String,
    /// Group name, unique within its VPC (`default` for a VPC's default
    /// group).
    pub group_name: String,
    /// The description given when the group was created.
    pub description: String,
    /// The VPC the group belongs to (`vpc-…`).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The AWS account id that owns the group.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Inbound rules (`IpPermissions`), one per peer; empty: nothing is let
    /// in.
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    /// Outbound rules (`IpPermissionsEgress`), one per peer; a new group
    /// starts with an all-traffic rule to `0.0.0.0/0`.
    #[serde(default)]
    pub egress: Vec<SgRule>,
    /// Ids (`eni-…`) of the region's network interfaces that use this group,
    /// from `DescribeNetworkInterfaces`; `Value` of an empty list: no
    /// interface uses it (it may still be named by other groups' rules: see
    /// [`Snapshot::sg_references`](crate::Snapshot::sg_references)). Not
    /// collected when the interface listing failed or stopped early, since
    /// a partial list cannot show that a group is unused.
    #[serde(default)]
    pub attached_interfaces: Collected<Vec<String>>,
}

impl SecurityGroup {
    /// A VPC's default security group.
    pub fn is_default(&self) -> bool {
        self.group_name == "default"
    }
}

/// Instance Metadata Service (IMDS) options of an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataOptions {
    /// `required` (session tokens required: IMDSv2 only) or `optional`
    /// (IMDSv1 also answers).
    #[serde(default)]
    pub http_tokens: Option<String>,
    /// `enabled` or `disabled`: whether the metadata endpoint answers at
    /// all.
    #[serde(default)]
    pub http_endpoint: Option<String>,
    /// Hop limit of the token PUT response (1–64): how many network hops
    /// the token may travel (1 keeps it on the instance).
    #[serde(default)]
    pub http_put_response_hop_limit: Option<i32>,
}

/// `AWS::EC2::Instance`: an EC2 instance, ARN
/// `arn:aws:ec2:<region>:<account>:instance/<i-id>`, from
/// `DescribeInstances`. No field is `Collected`.
///
/// Following the instance to its security groups, which are separate
/// resources: build each group's canonical ARN and look it up. A group
/// missing from the snapshot (its listing failed, or another account owns
/// it) is unknown, so the rule says *not collected*, never PASS.
///
/// ```
/// use cloudarq_model::inventory::ec2::SecurityGroup;
/// use cloudarq_model::rule::Outcome;
/// use cloudarq_model::{Arn, Properties, Resource, Snapshot};
///
/// fn instance_groups<'s>(r: &Resource, snap: &'s Snapshot) -> Option<Vec<&'s SecurityGroup>> {
///     let Properties::Ec2Instance(i) = &r.properties else { return Some(Vec::new()) };
///     i.security_groups.iter().map(|id| {
///         let arn = Arn::build(&snap.partition, "ec2", r.region.as_ref(),
///             Some(&snap.account_id), &format!("security-group/{id}")).ok()?;
///         match &snap.resources.get(&arn)?.properties {
///             Properties::Ec2SecurityGroup(g) => Some(&**g),
///             _ => None,
///         }
///     }).collect()
/// }
///
/// fn rdp_closed(r: &Resource, snap: &Snapshot) -> Outcome {
///     let Some(groups) = instance_groups(r, snap) else {
///         return Outcome::not_collected("security_groups");
///     };
///     let open = groups.iter().flat_map(|g| &g.ingress)
///         .any(|rule| rule.allows_tcp_port(3389) && rule.is_from_internet());
///     Outcome::check(!open, "RDP not open to the internet", "RDP open to the internet")
/// }
///
/// let snap = Snapshot::from_json(r#"{"format": "cloudarq.snapshot", "version": 1,
///   "account_id": "123456789012", "partition": "aws", "collected_at": "2026-01-01T00:00:00Z",
///   "regions": ["eu-west-1"], "services": ["ec2"], "gaps": [],
///   "stats": {"api_requests": 0, "duration_ms": 0},
///   "resources": [
///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:instance/i-1", "region": "eu-west-1",
///      "name": "i-1", "properties": {"AWS::EC2::Instance": {
///        "instance_id": "i-1", "state": "running", "security_groups": ["sg-1"]}}},
///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:instance/i-2", "region": "eu-west-1",
///      "name": "i-2", "properties": {"AWS::EC2::Instance": {
///        "instance_id": "i-2", "security_groups": ["sg-1", "sg-gone"]}}},
///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1", "region": "eu-west-1",
///      "name": "rdp", "properties": {"AWS::EC2::SecurityGroup": {
///        "group_id": "sg-1", "group_name": "rdp", "description": "",
///        "ingress": [{"protocol": "tcp", "from_port": 3389, "to_port": 3389,
///                     "peer": {"ipv4": "0.0.0.0/0"}}],
///        "attached_interfaces": {"value": []}}}}
///   ]}"#, "<doc>")?;
/// let i1 = snap.resources.get(&"arn:aws:ec2:eu-west-1:123456789012:instance/i-1".parse()?);
/// let i2 = snap.resources.get(&"arn:aws:ec2:eu-west-1:123456789012:instance/i-2".parse()?);
/// assert_eq!(rdp_closed(i1.expect("in the snapshot"), &snap),
///     Outcome::fail("RDP open to the internet"));
/// assert_eq!(rdp_closed(i2.expect("in the snapshot"), &snap),
///     Outcome::not_collected("security_groups"));
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// Instance id (`i-…`).
    pub instance_id: String,
    /// State name: `pending`, `running`, `stopping`, `stopped`,
    /// `shutting-down` or `terminated` (EC2 lists terminated instances for a
    /// while after termination).
    #[serde(default)]
    pub state: Option<String>,
    /// Instance type, for example `t3.micro`.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// The AMI it was launched from (`ami-…`).
    #[serde(default)]
    pub image_id: Option<String>,
    /// When the instance was last launched (a start after a stop resets it).
    #[serde(default)]
    pub launch_time: Option<Timestamp>,
    /// Its VPC (`vpc-…`).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its subnet (`subnet-…`).
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Private IPv4 address, as dotted text.
    #[serde(default)]
    pub private_ip: Option<String>,
    /// Public IPv4 address (auto-assigned or Elastic IP), as dotted text;
    /// `None` when it has none. IPv6 addresses are not recorded.
    #[serde(default)]
    pub public_ip: Option<String>,
    /// ARN of the attached instance profile
    /// (`arn:aws:iam::<account>:instance-profile/<name>`), if any; the role
    /// it carries is the [`IamRole`](crate::inventory::iam::IamRole) whose
    /// `instance_profiles` list this ARN.
    #[serde(default)]
    pub iam_instance_profile: Option<String>,
    /// Ids (`sg-…`) of the security groups that apply: the instance's and
    /// those of every attached network interface, each once.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// IMDS options; `None` when EC2 returned none.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// CloudWatch detailed monitoring: `enabled`, `disabled`, `pending` or
    /// `disabling`.
    #[serde(default)]
    pub monitoring: Option<String>,
    /// Ids (`eni-…`) of the attached network interfaces, each once.
    #[serde(default)]
    pub network_interfaces: Vec<String>,
}

/// `AWS::EC2::NetworkInterface`: an elastic network interface (of an
/// instance, or managed by a service), ARN
/// `arn:aws:ec2:<region>:<account>:network-interface/<eni-id>`, from
/// `DescribeNetworkInterfaces`. No field is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    /// Interface id (`eni-…`).
    pub interface_id: String,
    /// The interface type as EC2 names it: `interface` (a regular
    /// interface), `natGateway`, `lambda`, `vpc_endpoint`, `load_balancer`,
    /// ….
    #[serde(default)]
    pub interface_type: Option<String>,
    /// `available` (not attached), `in-use`, `attaching`, `detaching` or
    /// `associated`.
    #[serde(default)]
    pub status: Option<String>,
    /// Its VPC (`vpc-…`).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its subnet (`subnet-…`).
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Ids (`sg-…`) of its security groups, each once.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Id (`i-…`) of the instance it is attached to; `None` when unattached
    /// or attached to something other than an instance.
    #[serde(default)]
    pub attached_instance: Option<String>,
    /// Public IPv4 address associated with it (auto-assigned or Elastic
    /// IP); `None` when it has none.
    #[serde(default)]
    pub public_ip: Option<String>,
    /// Description (services describe the interfaces they create);
    /// `None` when empty.
    #[serde(default)]
    pub description: Option<String>,
}

/// `AWS::EC2::Volume`: an EBS volume, ARN
/// `arn:aws:ec2:<region>:<account>:volume/<vol-id>`, from `DescribeVolumes`.
/// No field is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// Volume id (`vol-…`).
    pub volume_id: String,
    /// Size in GiB (2^30 bytes).
    #[serde(default)]
    pub size_gib: Option<i32>,
    /// `gp2`, `gp3`, `io1`, `io2`, `st1`, `sc1` or `standard`.
    #[serde(default)]
    pub volume_type: Option<String>,
    /// The volume is encrypted at rest (EBS encryption).
    pub encrypted: bool,
    /// ARN of the KMS key that encrypts it, as EC2 returned it.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `creating`, `available` (not attached), `in-use`, `deleting`,
    /// `deleted` or `error`.
    #[serde(default)]
    pub state: Option<String>,
    /// Its availability zone, for example `eu-west-1a`.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Ids (`i-…`) of the instances it is attached to, each once (several
    /// with Multi-Attach); empty when unattached.
    #[serde(default)]
    pub attached_instances: Vec<String>,
    /// The snapshot it was created from (`snap-…`); `None` when created
    /// empty.
    #[serde(default)]
    pub snapshot_id: Option<String>,
    /// When the volume was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

/// `AWS::EC2::Snapshot`: an EBS snapshot owned by the account, ARN
/// `arn:aws:ec2:<region>::snapshot/<snap-id>` (no account), from
/// `DescribeSnapshots` with `OwnerIds=self`. Snapshots other accounts share
/// with this one are not collected. Only `public` is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Snapshot id (`snap-…`).
    pub snapshot_id: String,
    /// The volume it was taken from (`vol-…`), which may no longer exist.
    #[serde(default)]
    pub volume_id: Option<String>,
    /// The snapshot is encrypted (snapshots of encrypted volumes are).
    pub encrypted: bool,
    /// ARN of the KMS key that encrypts it, as EC2 returned it.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `pending`, `completed`, `error`, `recoverable` or `recovering`.
    #[serde(default)]
    pub state: Option<String>,
    /// When the snapshot was started.
    #[serde(default)]
    pub started: Option<Timestamp>,
    /// Size of the source volume in GiB.
    #[serde(default)]
    pub volume_size_gib: Option<i32>,
    /// Anyone may create a volume from it: its `createVolumePermission`
    /// grants the group `all`. Read from `DescribeSnapshots` with
    /// `RestorableByUserIds=all`, or per snapshot with
    /// `DescribeSnapshotAttribute`. Not collected when that listing failed
    /// (for every snapshot of the region) or the attribute call failed.
    #[serde(default)]
    pub public: Collected<bool>,
}

/// `AWS::EC2::RegionSettings`: the account's EBS settings in one region,
/// one per scanned region, ARN `arn:aws:ec2:<region>:<account>:account`,
/// named by the account id. Both fields are `Collected`, each from its own
/// call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2RegionSettings {
    /// New EBS volumes of the region are encrypted by default
    /// (`GetEbsEncryptionByDefault`). Not collected when the call failed or
    /// was denied (`ec2:GetEbsEncryptionByDefault`).
    #[serde(default)]
    pub ebs_encryption_by_default: Collected<bool>,
    /// The KMS key EBS uses for default encryption
    /// (`GetEbsDefaultKmsKeyId`), as EC2 returned it (a key ARN, or an alias
    /// such as `alias/aws/ebs` for the AWS-managed key); `Value(None)` when
    /// EC2 named none. Not collected when the call failed or was denied
    /// (`ec2:GetEbsDefaultKmsKeyId`).
    #[serde(default)]
    pub ebs_default_kms_key_id: Collected<Option<String>>,
}

/// A flow log attached to a VPC (from `DescribeFlowLogs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowLog {
    /// Flow log id (`fl-…`).
    pub flow_log_id: String,
    /// Which traffic it records: `ACCEPT`, `REJECT` or `ALL`.
    #[serde(default)]
    pub traffic_type: Option<String>,
    /// The flow log's status as EC2 reports it (`FlowLogStatus`, `ACTIVE`);
    /// delivery errors are not collected.
    #[serde(default)]
    pub status: Option<String>,
    /// `cloud-watch-logs`, `s3` or `kinesis-data-firehose`.
    #[serde(default)]
    pub destination_type: Option<String>,
    /// Where the records go: the destination's ARN (`LogDestination`), or
    /// else the CloudWatch Logs group name.
    #[serde(default)]
    pub destination: Option<String>,
}

/// `AWS::EC2::VPC`: a VPC, ARN `arn:aws:ec2:<region>:<account>:vpc/<vpc-id>`,
/// from `DescribeVpcs`. Only `flow_logs` is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// VPC id (`vpc-…`).
    pub vpc_id: String,
    /// Primary IPv4 CIDR, for example `10.0.0.0/16`.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// The region's default VPC (the one AWS creates).
    pub is_default: bool,
    /// `pending`, `available` or `deleting`.
    #[serde(default)]
    pub state: Option<String>,
    /// Flow logs whose resource is this VPC, from `DescribeFlowLogs`
    /// (flow logs of its subnets or interfaces are not included); `Value`
    /// of an empty list: none. Not collected when the flow-log listing
    /// failed or stopped early (`ec2:DescribeFlowLogs`).
    #[serde(default)]
    pub flow_logs: Collected<Vec<FlowLog>>,
}

/// One network ACL entry (rule). Entries are stateless and evaluated per
/// direction in ascending `rule_number`; the first that matches decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaclEntry {
    /// Rule number, the evaluation order (lowest first); 32767 is the
    /// default `*` entry that denies what no other entry matched.
    pub rule_number: i32,
    /// IP protocol number as text: `6` TCP, `17` UDP, `1` ICMP, `58`
    /// ICMPv6, `-1` all.
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    /// `true` for an outbound entry, `false` for inbound.
    pub egress: bool,
    /// The IPv4 CIDR it matches, such as `0.0.0.0/0`; `None` for an IPv6
    /// entry.
    #[serde(default)]
    pub cidr_ipv4: Option<String>,
    /// The IPv6 CIDR it matches, such as `::/0`; `None` for an IPv4 entry.
    #[serde(default)]
    pub cidr_ipv6: Option<String>,
    /// First port of the inclusive range, for TCP and UDP entries; `None`
    /// when the entry has no port range (all ports).
    #[serde(default)]
    pub port_from: Option<i32>,
    /// Last port of the inclusive range, for TCP and UDP entries; `None`
    /// when the entry has no port range (all ports).
    #[serde(default)]
    pub port_to: Option<i32>,
}

/// `AWS::EC2::NetworkAcl`: a network ACL, ARN
/// `arn:aws:ec2:<region>:<account>:network-acl/<acl-id>`, from
/// `DescribeNetworkAcls`. No field is `Collected`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    /// ACL id (`acl-…`).
    pub network_acl_id: String,
    /// Its VPC (`vpc-…`).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The VPC's default ACL (which subnets use unless given another).
    pub is_default: bool,
    /// Entries of both directions (see [`NaclEntry::egress`]), in EC2's
    /// order: sort by `rule_number` to evaluate.
    #[serde(default)]
    pub entries: Vec<NaclEntry>,
    /// Ids (`subnet-…`) of the subnets associated with the ACL; empty when
    /// none is.
    #[serde(default)]
    pub associated_subnets: Vec<String>,
}

/// `AWS::EC2::VPCPeeringConnection`: a VPC peering connection as seen from
/// one region, ARN
/// `arn:aws:ec2:<region>:<account>:vpc-peering-connection/<pcx-id>`, from
/// `DescribeVpcPeeringConnections`. A peering between two regions is in the
/// snapshot once per scanned region it joins, each with that region's
/// routes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    /// Its id (`pcx-…`).
    pub peering_id: String,
    /// Its status code: `active`, `pending-acceptance`, `deleted`, ….
    #[serde(default)]
    pub status: Option<String>,
    /// The VPC that asked for the peering.
    pub requester: PeeringSide,
    /// The VPC that accepted it.
    pub accepter: PeeringSide,
    /// The routes of this region's route tables whose target is this
    /// peering (`DescribeRouteTables`). Not collected when the route-table
    /// listing failed or stopped early (`ec2:DescribeRouteTables`).
    #[serde(default)]
    pub routes: Collected<Vec<PeeringRoute>>,
}

/// One side of a peering connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeeringSide {
    /// The VPC's id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The account that owns it.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Its region.
    #[serde(default)]
    pub region: Option<String>,
    /// Its IPv4 CIDR blocks (the primary first).
    #[serde(default)]
    pub cidr_blocks: Vec<String>,
}

/// A route that sends traffic over a peering connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeeringRoute {
    /// The route table (`rtb-…`).
    pub route_table_id: String,
    /// The route table's VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The IPv4 destination, such as `10.1.0.0/24`.
    #[serde(default)]
    pub destination_cidr: Option<String>,
    /// The IPv6 destination.
    #[serde(default)]
    pub destination_ipv6_cidr: Option<String>,
    /// A managed prefix list destination (`pl-…`).
    #[serde(default)]
    pub destination_prefix_list: Option<String>,
}
