//! EC2 inventory kinds: security groups, instances, network interfaces,
//! EBS volumes and snapshots, per-region EBS settings, VPCs with flow logs,
//! and network ACLs.

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// Where a security-group rule lets traffic come from (ingress) or go to (egress).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SgPeer {
    /// An IPv4 CIDR such as `0.0.0.0/0`.
    Ipv4(String),
    /// An IPv6 CIDR such as `::/0`.
    Ipv6(String),
    /// A managed prefix list id.
    PrefixList(String),
    /// Another security group.
    SecurityGroup {
        /// Group id.
        group_id: String,
        /// Owning account, when another account's group.
        user_id: Option<String>,
    },
}

/// One security-group rule, one peer each.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgRule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `-1` for all.
    pub protocol: String,
    /// First port (or ICMP type); `None` for all.
    #[serde(default)]
    pub from_port: Option<i32>,
    /// Last port (or ICMP code); `None` for all.
    #[serde(default)]
    pub to_port: Option<i32>,
    /// The peer.
    pub peer: SgPeer,
    /// Rule description.
    #[serde(default)]
    pub description: Option<String>,
}

impl SgRule {
    /// Whether the rule lets in TCP traffic to `port`.
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

    /// Whether the rule covers every port of every protocol, or all TCP ports.
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

    /// Whether the peer is the whole IPv4 or IPv6 internet.
    pub fn is_from_internet(&self) -> bool {
        matches!(&self.peer, SgPeer::Ipv4(c) if c == "0.0.0.0/0")
            || matches!(&self.peer, SgPeer::Ipv6(c) if c == "::/0")
    }
}

/// `AWS::EC2::SecurityGroup`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    /// Group id.
    pub group_id: String,
    /// Group name (`default` for a VPC's default group).
    pub group_name: String,
    /// Description.
    pub description: String,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Owning account.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Inbound rules.
    #[serde(default)]
    pub ingress: Vec<SgRule>,
    /// Outbound rules.
    #[serde(default)]
    pub egress: Vec<SgRule>,
    /// Ids of the network interfaces that use this group.
    #[serde(default)]
    pub attached_interfaces: Collected<Vec<String>>,
}

impl SecurityGroup {
    /// A VPC's default security group.
    pub fn is_default(&self) -> bool {
        self.group_name == "default"
    }
}

/// Instance Metadata Service options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional`.
    #[serde(default)]
    pub http_tokens: Option<String>,
    /// `enabled` or `disabled`.
    #[serde(default)]
    pub http_endpoint: Option<String>,
    /// PUT response hop limit.
    #[serde(default)]
    pub http_put_response_hop_limit: Option<i32>,
}

/// `AWS::EC2::Instance`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// Instance id.
    pub instance_id: String,
    /// `running`, `stopped`, …
    #[serde(default)]
    pub state: Option<String>,
    /// Instance type.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// AMI id.
    #[serde(default)]
    pub image_id: Option<String>,
    /// Launch time.
    #[serde(default)]
    pub launch_time: Option<Timestamp>,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnet id.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Primary private IPv4 address.
    #[serde(default)]
    pub private_ip: Option<String>,
    /// Public IPv4 address, if any.
    #[serde(default)]
    pub public_ip: Option<String>,
    /// Instance profile ARN, if any.
    #[serde(default)]
    pub iam_instance_profile: Option<String>,
    /// Security group ids.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// IMDS options.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// Detailed monitoring state (`enabled`/`disabled`).
    #[serde(default)]
    pub monitoring: Option<String>,
    /// Network interface ids.
    #[serde(default)]
    pub network_interfaces: Vec<String>,
}

/// `AWS::EC2::NetworkInterface`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    /// Interface id.
    pub interface_id: String,
    /// `interface`, `nat_gateway`, `lambda`, …
    #[serde(default)]
    pub interface_type: Option<String>,
    /// `in-use` or `available`.
    #[serde(default)]
    pub status: Option<String>,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnet id.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Security group ids.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Instance the interface is attached to.
    #[serde(default)]
    pub attached_instance: Option<String>,
    /// Public IPv4 address associated with it.
    #[serde(default)]
    pub public_ip: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// `AWS::EC2::Volume`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// Volume id.
    pub volume_id: String,
    /// Size in GiB.
    #[serde(default)]
    pub size_gib: Option<i32>,
    /// `gp3`, `io2`, …
    #[serde(default)]
    pub volume_type: Option<String>,
    /// Encrypted at rest.
    pub encrypted: bool,
    /// KMS key, when encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `in-use`, `available`, …
    #[serde(default)]
    pub state: Option<String>,
    /// Availability zone.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Ids of the instances it is attached to.
    #[serde(default)]
    pub attached_instances: Vec<String>,
    /// Snapshot it was created from.
    #[serde(default)]
    pub snapshot_id: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

/// `AWS::EC2::Snapshot`: an EBS snapshot owned by the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Snapshot id.
    pub snapshot_id: String,
    /// Source volume.
    #[serde(default)]
    pub volume_id: Option<String>,
    /// Encrypted.
    pub encrypted: bool,
    /// KMS key, when encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// `completed`, `pending`, …
    #[serde(default)]
    pub state: Option<String>,
    /// Start time.
    #[serde(default)]
    pub started: Option<Timestamp>,
    /// Size in GiB.
    #[serde(default)]
    pub volume_size_gib: Option<i32>,
    /// Anyone may create a volume from it (`createVolumePermission` group `all`).
    #[serde(default)]
    pub public: Collected<bool>,
}

/// `AWS::EC2::RegionSettings`: per-region EC2/EBS account settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ec2RegionSettings {
    /// New EBS volumes are encrypted by default.
    #[serde(default)]
    pub ebs_encryption_by_default: Collected<bool>,
    /// The default KMS key for EBS encryption.
    #[serde(default)]
    pub ebs_default_kms_key_id: Collected<Option<String>>,
}

/// A VPC flow log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowLog {
    /// Flow log id.
    pub flow_log_id: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    #[serde(default)]
    pub traffic_type: Option<String>,
    /// `ACTIVE` when delivering.
    #[serde(default)]
    pub status: Option<String>,
    /// `cloud-watch-logs`, `s3` or `kinesis-data-firehose`.
    #[serde(default)]
    pub destination_type: Option<String>,
    /// Destination ARN or log group.
    #[serde(default)]
    pub destination: Option<String>,
}

/// `AWS::EC2::VPC`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// VPC id.
    pub vpc_id: String,
    /// Primary IPv4 CIDR.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// The region's default VPC.
    pub is_default: bool,
    /// `available`, `pending`.
    #[serde(default)]
    pub state: Option<String>,
    /// Flow logs attached to the VPC.
    #[serde(default)]
    pub flow_logs: Collected<Vec<FlowLog>>,
}

/// One network ACL entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaclEntry {
    /// Rule number (evaluation order; 32767 is the implicit deny).
    pub rule_number: i32,
    /// Protocol number as text, `-1` for all.
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    /// Outbound rather than inbound.
    pub egress: bool,
    /// IPv4 CIDR.
    #[serde(default)]
    pub cidr_ipv4: Option<String>,
    /// IPv6 CIDR.
    #[serde(default)]
    pub cidr_ipv6: Option<String>,
    /// First port, when the protocol has ports.
    #[serde(default)]
    pub port_from: Option<i32>,
    /// Last port, when the protocol has ports.
    #[serde(default)]
    pub port_to: Option<i32>,
}

/// `AWS::EC2::NetworkAcl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    /// ACL id.
    pub network_acl_id: String,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The VPC's default ACL.
    pub is_default: bool,
    /// Entries, inbound and outbound.
    #[serde(default)]
    pub entries: Vec<NaclEntry>,
    /// Subnets associated with the ACL.
    #[serde(default)]
    pub associated_subnets: Vec<String>,
}
