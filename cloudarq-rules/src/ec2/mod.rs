//! Built-in EC2 and VPC rules, one file per rule named by its id.
//!
//! Shared logic: [`exposure`], [`nacl`].

mod enclave;
pub(crate) mod exposure;
pub(crate) mod nacl;

mod ec2_ami_account_block_public_access;
mod ec2_ami_public;
mod ec2_client_vpn_endpoint_connection_logging_enabled;
mod ec2_confidential_workload_host_imdsv2_not_enforced;
mod ec2_confidential_workload_host_not_running;
mod ec2_confidential_workload_host_public_ip;
mod ec2_confidential_workload_host_unrestricted_ingress;
mod ec2_confidential_workload_host_vsock_proxy_exposed;
mod ec2_ebs_default_encryption;
mod ec2_ebs_public_snapshot;
mod ec2_ebs_snapshot_account_block_public_access;
mod ec2_ebs_snapshots_encrypted;
mod ec2_ebs_volume_encryption;
mod ec2_ebs_volume_protected_by_backup_plan;
mod ec2_ebs_volume_snapshots_exists;
mod ec2_elastic_ip_unassigned;
mod ec2_instance_account_imdsv2_enabled;
mod ec2_instance_detailed_monitoring_enabled;
mod ec2_instance_imdsv2_enabled;
mod ec2_instance_internet_facing_with_instance_profile;
mod ec2_instance_managed_by_ssm;
mod ec2_instance_older_than_specific_days;
mod ec2_instance_paravirtual_type;
mod ec2_instance_port_cassandra_exposed_to_internet;
mod ec2_instance_port_cifs_exposed_to_internet;
mod ec2_instance_port_elasticsearch_kibana_exposed_to_internet;
mod ec2_instance_port_ftp_exposed_to_internet;
mod ec2_instance_port_kafka_exposed_to_internet;
mod ec2_instance_port_kerberos_exposed_to_internet;
mod ec2_instance_port_ldap_exposed_to_internet;
mod ec2_instance_port_memcached_exposed_to_internet;
mod ec2_instance_port_mongodb_exposed_to_internet;
mod ec2_instance_port_mysql_exposed_to_internet;
mod ec2_instance_port_oracle_exposed_to_internet;
mod ec2_instance_port_postgresql_exposed_to_internet;
mod ec2_instance_port_rdp_exposed_to_internet;
mod ec2_instance_port_redis_exposed_to_internet;
mod ec2_instance_port_sqlserver_exposed_to_internet;
mod ec2_instance_port_ssh_exposed_to_internet;
mod ec2_instance_port_telnet_exposed_to_internet;
mod ec2_instance_profile_attached;
mod ec2_instance_public_ip;
mod ec2_instance_stopped_older_than_specific_days;
mod ec2_instance_uses_single_eni;
mod ec2_instance_with_outdated_ami;
mod ec2_launch_template_imdsv2_required;
mod ec2_launch_template_no_public_ip;
mod ec2_networkacl_allow_ingress_any_port;
mod ec2_networkacl_allow_ingress_tcp_port_22;
mod ec2_networkacl_allow_ingress_tcp_port_3389;
mod ec2_networkacl_unused;
mod ec2_securitygroup_allow_ingress_from_internet_to_all_ports;
mod ec2_securitygroup_allow_ingress_from_internet_to_any_port;
mod ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip;
mod ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434;
mod ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23;
mod ec2_securitygroup_allow_wide_open_public_ipv4;
mod ec2_securitygroup_default_restrict_traffic;
mod ec2_securitygroup_from_launch_wizard;
mod ec2_securitygroup_not_used;
mod ec2_securitygroup_with_many_ingress_egress_rules;
mod ec2_transitgateway_auto_accept_vpc_attachments;
mod vpc_flow_logs_enabled;
mod vpc_peering_routing_tables_with_least_privilege;

use cloudarq_model::rule::Rule;

/// Every EC2 and VPC rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &ec2_ami_account_block_public_access::Ec2AmiAccountBlockPublicAccess,
    &ec2_ami_public::Ec2AmiPublic,
    &ec2_client_vpn_endpoint_connection_logging_enabled::Ec2ClientVpnEndpointConnectionLoggingEnabled,
    &ec2_confidential_workload_host_imdsv2_not_enforced::Ec2ConfidentialWorkloadHostImdsv2NotEnforced,
    &ec2_confidential_workload_host_not_running::Ec2ConfidentialWorkloadHostNotRunning,
    &ec2_confidential_workload_host_public_ip::Ec2ConfidentialWorkloadHostPublicIp,
    &ec2_confidential_workload_host_unrestricted_ingress::Ec2ConfidentialWorkloadHostUnrestrictedIngress,
    &ec2_confidential_workload_host_vsock_proxy_exposed::Ec2ConfidentialWorkloadHostVsockProxyExposed,
    &ec2_ebs_default_encryption::Ec2EbsDefaultEncryption,
    &ec2_ebs_public_snapshot::Ec2EbsPublicSnapshot,
    &ec2_ebs_snapshot_account_block_public_access::Ec2EbsSnapshotAccountBlockPublicAccess,
    &ec2_ebs_snapshots_encrypted::Ec2EbsSnapshotsEncrypted,
    &ec2_ebs_volume_encryption::Ec2EbsVolumeEncryption,
    &ec2_ebs_volume_protected_by_backup_plan::Ec2EbsVolumeProtectedByBackupPlan,
    &ec2_ebs_volume_snapshots_exists::Ec2EbsVolumeSnapshotsExists,
    &ec2_elastic_ip_unassigned::Ec2ElasticIpUnassigned,
    &ec2_instance_account_imdsv2_enabled::Ec2InstanceAccountImdsv2Enabled,
    &ec2_instance_detailed_monitoring_enabled::Ec2InstanceDetailedMonitoringEnabled,
    &ec2_instance_imdsv2_enabled::Ec2InstanceImdsv2Enabled,
    &ec2_instance_internet_facing_with_instance_profile::Ec2InstanceInternetFacingWithInstanceProfile,
    &ec2_instance_managed_by_ssm::Ec2InstanceManagedBySsm,
    &ec2_instance_older_than_specific_days::Ec2InstanceOlderThanSpecificDays,
    &ec2_instance_stopped_older_than_specific_days::Ec2InstanceStoppedOlderThanSpecificDays,
    &ec2_instance_paravirtual_type::Ec2InstanceParavirtualType,
    &ec2_instance_port_cassandra_exposed_to_internet::RULE,
    &ec2_instance_port_cifs_exposed_to_internet::RULE,
    &ec2_instance_port_elasticsearch_kibana_exposed_to_internet::RULE,
    &ec2_instance_port_ftp_exposed_to_internet::RULE,
    &ec2_instance_port_kafka_exposed_to_internet::RULE,
    &ec2_instance_port_kerberos_exposed_to_internet::RULE,
    &ec2_instance_port_ldap_exposed_to_internet::RULE,
    &ec2_instance_port_memcached_exposed_to_internet::RULE,
    &ec2_instance_port_mongodb_exposed_to_internet::RULE,
    &ec2_instance_port_mysql_exposed_to_internet::RULE,
    &ec2_instance_port_oracle_exposed_to_internet::RULE,
    &ec2_instance_port_postgresql_exposed_to_internet::RULE,
    &ec2_instance_port_rdp_exposed_to_internet::RULE,
    &ec2_instance_port_redis_exposed_to_internet::RULE,
    &ec2_instance_port_sqlserver_exposed_to_internet::RULE,
    &ec2_instance_port_ssh_exposed_to_internet::RULE,
    &ec2_instance_port_telnet_exposed_to_internet::RULE,
    &ec2_instance_profile_attached::Ec2InstanceProfileAttached,
    &ec2_instance_public_ip::Ec2InstancePublicIp,
    &ec2_instance_uses_single_eni::Ec2InstanceUsesSingleEni,
    &ec2_instance_with_outdated_ami::Ec2InstanceWithOutdatedAmi,
    &ec2_launch_template_imdsv2_required::Ec2LaunchTemplateImdsv2Required,
    &ec2_launch_template_no_public_ip::Ec2LaunchTemplateNoPublicIp,
    &ec2_networkacl_allow_ingress_any_port::Ec2NetworkaclAllowIngressAnyPort,
    &ec2_networkacl_allow_ingress_tcp_port_22::Ec2NetworkaclAllowIngressTcpPort22,
    &ec2_networkacl_allow_ingress_tcp_port_3389::Ec2NetworkaclAllowIngressTcpPort3389,
    &ec2_networkacl_unused::Ec2NetworkaclUnused,
    &ec2_securitygroup_allow_ingress_from_internet_to_all_ports::Ec2SecuritygroupAllowIngressFromInternetToAllPorts,
    &ec2_securitygroup_allow_ingress_from_internet_to_any_port::Ec2SecuritygroupAllowIngressFromInternetToAnyPort,
    &ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip::Ec2SecuritygroupAllowIngressFromInternetToAnyPortFromIp,
    &ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports::Ec2SecuritygroupAllowIngressFromInternetToHighRiskTcpPorts,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22::Ec2SecuritygroupAllowIngressFromInternetToTcpPort22,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389::Ec2SecuritygroupAllowIngressFromInternetToTcpPort3389,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888::Ec2SecuritygroupAllowIngressFromInternetToTcpPortCassandra719991608888,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601::Ec2SecuritygroupAllowIngressFromInternetToTcpPortElasticsearchKibana920093005601,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21::Ec2SecuritygroupAllowIngressFromInternetToTcpPortFtp2021,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092::Ec2SecuritygroupAllowIngressFromInternetToTcpPortKafka9092,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211::Ec2SecuritygroupAllowIngressFromInternetToTcpPortMemcached11211,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018::Ec2SecuritygroupAllowIngressFromInternetToTcpPortMongodb2701727018,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306::Ec2SecuritygroupAllowIngressFromInternetToTcpPortMysql3306,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483::Ec2SecuritygroupAllowIngressFromInternetToTcpPortOracle15212483,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432::Ec2SecuritygroupAllowIngressFromInternetToTcpPortPostgres5432,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379::Ec2SecuritygroupAllowIngressFromInternetToTcpPortRedis6379,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434::Ec2SecuritygroupAllowIngressFromInternetToTcpPortSqlServer14331434,
    &ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23::Ec2SecuritygroupAllowIngressFromInternetToTcpPortTelnet23,
    &ec2_securitygroup_allow_wide_open_public_ipv4::Ec2SecuritygroupAllowWideOpenPublicIpv4,
    &ec2_securitygroup_default_restrict_traffic::Ec2SecuritygroupDefaultRestrictTraffic,
    &ec2_securitygroup_from_launch_wizard::Ec2SecuritygroupFromLaunchWizard,
    &ec2_securitygroup_not_used::Ec2SecuritygroupNotUsed,
    &ec2_securitygroup_with_many_ingress_egress_rules::Ec2SecuritygroupWithManyIngressEgressRules,
    &ec2_transitgateway_auto_accept_vpc_attachments::Ec2TransitgatewayAutoAcceptVpcAttachments,
    &vpc_flow_logs_enabled::VpcFlowLogsEnabled,
    &vpc_peering_routing_tables_with_least_privilege::VpcPeeringRoutingTablesWithLeastPrivilege,
];

/// `a.b.c.d/n` as (address, prefix length), the address masked to the prefix.
pub(super) fn parse_ipv4_cidr(cidr: &str) -> Option<(u32, u8)> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    Some((u32::from(addr) & ipv4_mask(len), len))
}

/// The IPv4 netmask of a prefix length (`/0` is no bits).
pub(super) fn ipv4_mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

/// IPv4 blocks that are not public internet addresses (RFC 6890 and
/// friends): private, shared, loopback, link-local, documentation,
/// benchmarking, multicast and reserved.
const SPECIAL_PURPOSE_IPV4: [([u8; 4], u8); 14] = [
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

/// Whether the block `addr/len` lies wholly inside a special-purpose
/// (non-public) IPv4 block.
pub(super) fn is_special_purpose_ipv4(addr: u32, len: u8) -> bool {
    SPECIAL_PURPOSE_IPV4.iter().any(|(block, block_len)| {
        *block_len <= len && addr & ipv4_mask(*block_len) == u32::from_be_bytes(*block)
    })
}

/// Whether an IPv6 CIDR (`2001:db8::/32`) names public addresses: inside
/// global unicast `2000::/3`, outside documentation `2001:db8::/32`, and
/// narrower than `/3` (so `::/0` is not counted; it is the whole internet,
/// which other rules report). `None` when it does not parse.
pub(super) fn is_public_ipv6_cidr(cidr: &str) -> Option<bool> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 128)?;
    let addr: std::net::Ipv6Addr = addr.parse().ok()?;
    let s = addr.segments();
    let global_unicast = s[0] & 0xe000 == 0x2000;
    let documentation = s[0] == 0x2001 && s[1] == 0x0db8 && len >= 32;
    Some(len >= 3 && global_unicast && !documentation)
}

/// A live instance with the AMI it runs, or the outcome when there is none
/// to judge: not applicable for another kind or a terminated instance, *not
/// collected* when the instance names no AMI or the AMI is not in the
/// snapshot (EC2 no longer describes it, or the listing failed).
pub(super) fn instance_image<'a>(
    resource: &'a cloudarq_model::Resource,
    snapshot: &'a cloudarq_model::Snapshot,
) -> Result<
    (
        &'a cloudarq_model::inventory::ec2::Instance,
        &'a str,
        &'a cloudarq_model::inventory::ec2::Image,
    ),
    cloudarq_model::rule::Outcome,
> {
    use cloudarq_model::Properties;
    use cloudarq_model::rule::Outcome;
    let Properties::Ec2Instance(inst) = &resource.properties else {
        return Err(Outcome::not_applicable());
    };
    if exposure::is_gone(inst) {
        return Err(Outcome::not_applicable());
    }
    let Some(ami) = inst.image_id.as_deref() else {
        return Err(Outcome::not_collected("image_id"));
    };
    let Some(image) = crate::related::image(snapshot, resource.region.as_ref(), ami) else {
        return Err(Outcome::not_collected("image"));
    };
    Ok((inst, ami, image))
}
