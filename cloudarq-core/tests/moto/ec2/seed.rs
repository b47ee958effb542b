//! Seeds one region of moto with every EC2 kind the collector maps: VPCs
//! with and without a flow log, security groups with every peer kind, two
//! instances (IMDSv2 required and optional, with and without public IP and
//! instance profile), encrypted and plain volumes, a public and an
//! encrypted snapshot, and a network ACL with an allow-all inbound entry.

use aws_sdk_ec2::types::{
    Filter, FlowLogsResourceType, HttpTokensState, IamInstanceProfileSpecification,
    InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceType, IpPermission,
    IpRange, Ipv6Range, LogDestinationType, OperationType, PortRange, PrefixListId,
    ResourceType as Ec2ResourceType, RuleAction, RunInstancesMonitoringEnabled,
    SnapshotAttributeName, Tag, TagSpecification, TrafficType, UserIdGroupPair, VolumeType,
};

use crate::harness::*;

/// An AMI id moto accepts.
pub(super) const AMI: &str = "ami-12c6146b";

fn name_tag(kind: Ec2ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key("Name").value(name).build())
        .tags(Tag::builder().key("team").value("core").build())
        .build()
}

/// Creates the instance profile (IAM is global: one for both regions).
pub(super) async fn instance_profile(env: &Env) -> String {
    let out = env
        .iam()
        .await
        .create_instance_profile()
        .instance_profile_name("web-profile")
        .send()
        .await
        .expect("instance profile");
    out.instance_profile().expect("profile").arn().to_owned()
}

/// What [`seed`] created in one region.
pub(super) struct Seeded {
    pub(super) region: &'static str,
    pub(super) default_vpc: String,
    pub(super) default_sg: String,
    pub(super) vpc_logged: String,
    pub(super) vpc_plain: String,
    pub(super) subnet: String,
    pub(super) prefix_list: String,
    pub(super) sg_web: String,
    pub(super) sg_app: String,
    pub(super) inst_a: String,
    pub(super) inst_b: String,
    pub(super) eni_a: String,
    pub(super) eni_b: String,
    pub(super) vol_enc: String,
    pub(super) vol_plain: String,
    pub(super) snap_public: String,
    pub(super) snap_enc: String,
    pub(super) nacl: String,
    pub(super) flow_log: String,
}

/// Seeds one region. `ebs_default` turns EBS encryption by default on.
pub(super) async fn seed(
    env: &Env,
    region: &'static str,
    profile_arn: &str,
    ebs_default: bool,
) -> Seeded {
    let ec2 = env.ec2(region).await;
    let default_vpc = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .expect("default vpc")
        .vpcs()[0]
        .vpc_id()
        .expect("id")
        .to_owned();
    let default_sg = ec2
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("vpc-id")
                .values(&default_vpc)
                .build(),
        )
        .filters(
            Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .expect("default sg")
        .security_groups()[0]
        .group_id()
        .expect("id")
        .to_owned();
    let vpc = |cidr: &'static str| {
        let ec2 = ec2.clone();
        async move {
            ec2.create_vpc()
                .cidr_block(cidr)
                .send()
                .await
                .expect("vpc")
                .vpc()
                .and_then(|v| v.vpc_id())
                .expect("id")
                .to_owned()
        }
    };
    let vpc_logged = vpc("10.0.0.0/16").await;
    let vpc_plain = vpc("10.1.0.0/16").await;
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_logged)
        .cidr_block("10.0.1.0/24")
        .send()
        .await
        .expect("subnet")
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("id")
        .to_owned();
    let flow_log = ec2
        .create_flow_logs()
        .resource_ids(&vpc_logged)
        .resource_type(FlowLogsResourceType::Vpc)
        .traffic_type(TrafficType::All)
        .log_destination_type(LogDestinationType::CloudWatchLogs)
        .log_group_name(format!("flows-{region}"))
        .deliver_logs_permission_arn(format!("arn:aws:iam::{ACCOUNT}:role/flow-logs"))
        .send()
        .await
        .expect("flow log")
        .flow_log_ids()[0]
        .clone();
    let prefix_list = ec2
        .create_managed_prefix_list()
        .prefix_list_name("office")
        .max_entries(5)
        .address_family("IPv4")
        .send()
        .await
        .expect("prefix list")
        .prefix_list()
        .and_then(|p| p.prefix_list_id())
        .expect("id")
        .to_owned();
    let sg = |name: &'static str, tag: Option<&'static str>| {
        let ec2 = ec2.clone();
        let vpc = vpc_logged.clone();
        async move {
            let mut req = ec2
                .create_security_group()
                .group_name(name)
                .description(format!("{name} tier"))
                .vpc_id(vpc);
            if let Some(tag) = tag {
                req = req.tag_specifications(name_tag(Ec2ResourceType::SecurityGroup, tag));
            }
            req.send()
                .await
                .expect("sg")
                .group_id()
                .expect("id")
                .to_owned()
        }
    };
    let sg_web = sg("web", Some("web-sg")).await;
    let sg_app = sg("app", None).await;
    ec2.authorize_security_group_ingress()
        .group_id(&sg_web)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(
                    IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .description("ssh")
                        .build(),
                )
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(3389)
                .to_port(3389)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&sg_app).build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .prefix_list_ids(PrefixListId::builder().prefix_list_id(&prefix_list).build())
                .build(),
        )
        .send()
        .await
        .expect("ingress");

    // Instance A: private subnet, IMDSv2 required, profile, monitoring.
    let a = ec2
        .run_instances()
        .image_id(AMI)
        .min_count(1)
        .max_count(1)
        .instance_type(InstanceType::T3Micro)
        .subnet_id(&subnet)
        .security_group_ids(&sg_web)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Required)
                .http_endpoint(InstanceMetadataEndpointState::Enabled)
                .http_put_response_hop_limit(2)
                .build(),
        )
        .iam_instance_profile(
            IamInstanceProfileSpecification::builder()
                .arn(profile_arn)
                .build(),
        )
        .monitoring(
            RunInstancesMonitoringEnabled::builder()
                .enabled(true)
                .build(),
        )
        .tag_specifications(name_tag(Ec2ResourceType::Instance, "web-1"))
        .send()
        .await
        .expect("instance a");
    let a = &a.instances()[0];
    let inst_a = a.instance_id().expect("id").to_owned();
    let eni_a = a.network_interfaces()[0]
        .network_interface_id()
        .expect("eni")
        .to_owned();
    let az = a
        .placement()
        .and_then(|p| p.availability_zone())
        .expect("az")
        .to_owned();
    // Instance B: default subnet (public IP), IMDSv1 allowed, no profile.
    let b = ec2
        .run_instances()
        .image_id(AMI)
        .min_count(1)
        .max_count(1)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Optional)
                .build(),
        )
        .send()
        .await
        .expect("instance b");
    let b = &b.instances()[0];
    let inst_b = b.instance_id().expect("id").to_owned();
    let eni_b = b.network_interfaces()[0]
        .network_interface_id()
        .expect("eni")
        .to_owned();

    let vol_enc = ec2
        .create_volume()
        .availability_zone(&az)
        .size(8)
        .volume_type(VolumeType::Gp3)
        .encrypted(true)
        .tag_specifications(name_tag(Ec2ResourceType::Volume, "data"))
        .send()
        .await
        .expect("encrypted volume")
        .volume_id()
        .expect("id")
        .to_owned();
    let vol_plain = ec2
        .create_volume()
        .availability_zone(&az)
        .size(5)
        .volume_type(VolumeType::Gp2)
        .send()
        .await
        .expect("plain volume")
        .volume_id()
        .expect("id")
        .to_owned();
    ec2.attach_volume()
        .volume_id(&vol_plain)
        .instance_id(&inst_a)
        .device("/dev/sdf")
        .send()
        .await
        .expect("attach");
    let snap_public = ec2
        .create_snapshot()
        .volume_id(&vol_plain)
        .tag_specifications(name_tag(Ec2ResourceType::Snapshot, "shared"))
        .send()
        .await
        .expect("snapshot")
        .snapshot_id()
        .expect("id")
        .to_owned();
    ec2.modify_snapshot_attribute()
        .snapshot_id(&snap_public)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Add)
        .group_names("all")
        .send()
        .await
        .expect("make public");
    let snap_enc = ec2
        .create_snapshot()
        .volume_id(&vol_enc)
        .send()
        .await
        .expect("encrypted snapshot")
        .snapshot_id()
        .expect("id")
        .to_owned();
    if ebs_default {
        ec2.enable_ebs_encryption_by_default()
            .send()
            .await
            .expect("ebs default");
    }

    let nacl = ec2
        .create_network_acl()
        .vpc_id(&vpc_logged)
        .tag_specifications(name_tag(Ec2ResourceType::NetworkAcl, "open-acl"))
        .send()
        .await
        .expect("nacl")
        .network_acl()
        .and_then(|n| n.network_acl_id())
        .expect("id")
        .to_owned();
    ec2.create_network_acl_entry()
        .network_acl_id(&nacl)
        .rule_number(100)
        .protocol("-1")
        .rule_action(RuleAction::Allow)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .send()
        .await
        .expect("allow-all entry");
    ec2.create_network_acl_entry()
        .network_acl_id(&nacl)
        .rule_number(110)
        .protocol("6")
        .rule_action(RuleAction::Deny)
        .egress(true)
        .ipv6_cidr_block("::/0")
        .port_range(PortRange::builder().from(22).to(23).build())
        .send()
        .await
        .expect("ipv6 entry");
    let assoc = ec2
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(&subnet)
                .build(),
        )
        .send()
        .await
        .expect("acl of subnet")
        .network_acls()[0]
        .associations()
        .iter()
        .find(|a| a.subnet_id() == Some(subnet.as_str()))
        .and_then(|a| a.network_acl_association_id())
        .expect("association")
        .to_owned();
    ec2.replace_network_acl_association()
        .association_id(assoc)
        .network_acl_id(&nacl)
        .send()
        .await
        .expect("associate");

    Seeded {
        region,
        default_vpc,
        default_sg,
        vpc_logged,
        vpc_plain,
        subnet,
        prefix_list,
        sg_web,
        sg_app,
        inst_a,
        inst_b,
        eni_a,
        eni_b,
        vol_enc,
        vol_plain,
        snap_public,
        snap_enc,
        nacl,
        flow_log,
    }
}
