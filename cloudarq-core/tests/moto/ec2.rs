//! The EC2 collector against moto: security groups and their rules,
//! interfaces, instances, EBS volumes, snapshots and settings, VPCs with
//! flow logs and network ACLs, in both test regions; paging, faults and the
//! number of requests per region.
//!
//! moto limitations the assertions pin (see the final report table):
//! `GetEbsDefaultKmsKeyId` is not implemented (HTTP 500, so the field is not
//! collected with a gap of kind `Other`); `DescribeSnapshots` ignores
//! `OwnerIds` and `RestorableByUserIds` (the collector detects the ambiguous
//! answer and reads `DescribeSnapshotAttribute` per snapshot); a snapshot of
//! an encrypted volume carries no `KmsKeyId`; a new network ACL has no
//! implicit `32767` deny entries.

use std::collections::BTreeMap;

use cloudarq_model::inventory::ec2 as m;
use cloudarq_model::{
    Collected, CoverageGap, GapKind, Properties, ResourceType, Service, Snapshot as Inventory,
};

use crate::harness::*;

mod seed;

use seed::{AMI, Seeded, instance_profile, seed};

macro_rules! typed {
    ($name:ident, $variant:ident, $ty:ty) => {
        fn $name<'a>(inv: &'a Inventory, arn: &str) -> &'a $ty {
            let r = inv
                .resources
                .get(&arn.parse().expect("arn"))
                .unwrap_or_else(|| panic!("no resource {arn}"));
            match &r.properties {
                Properties::$variant(p) => p,
                other => panic!("{arn} is a {}", other.resource_type()),
            }
        }
    };
}

typed!(sg_of, Ec2SecurityGroup, m::SecurityGroup);
typed!(eni_of, Ec2NetworkInterface, m::NetworkInterface);
typed!(instance_of, Ec2Instance, m::Instance);
typed!(volume_of, Ec2Volume, m::Volume);
typed!(snapshot_of, Ec2Snapshot, m::Snapshot);
typed!(settings_of, Ec2RegionSettings, m::Ec2RegionSettings);
typed!(vpc_of, Ec2Vpc, m::Vpc);
typed!(nacl_of, Ec2NetworkAcl, m::NetworkAcl);

fn arn(region: &str, resource: &str) -> String {
    format!("arn:aws:ec2:{region}:{ACCOUNT}:{resource}")
}

fn snapshot_arn(region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}::snapshot/{id}")
}

fn settings_arn(region: &str) -> String {
    format!("arn:aws:ec2:{region}:{ACCOUNT}:account")
}

fn count_in(inv: &Inventory, t: ResourceType, region: &str) -> usize {
    inv.of_type(t)
        .filter(|r| r.region.as_ref().map(|x| x.as_str()) == Some(region))
        .count()
}

fn gaps_for<'a>(inv: &'a Inventory, action: &str) -> Vec<&'a CoverageGap> {
    inv.gaps.iter().filter(|g| g.action == action).collect()
}

/// Requests the proxy saw, per operation.
fn requests(env: &Env) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for s in env.proxy.seen() {
        *counts.entry(s.operation).or_default() += 1;
    }
    counts
}

fn rule(
    protocol: &str,
    ports: Option<(i32, i32)>,
    peer: m::SgPeer,
    desc: Option<&str>,
) -> m::SgRule {
    m::SgRule {
        protocol: protocol.to_owned(),
        from_port: ports.map(|p| p.0),
        to_port: ports.map(|p| p.1),
        peer,
        description: desc.map(str::to_owned),
    }
}

fn assert_region(inv: &Inventory, s: &Seeded, ebs_default: bool, profile_arn: &str) {
    let r = s.region;
    let resource = |a: &str| {
        inv.resources
            .get(&a.parse().expect("arn"))
            .unwrap_or_else(|| panic!("no {a}"))
    };

    // Security groups: every peer kind, one rule per peer.
    let web_arn = arn(r, &format!("security-group/{}", s.sg_web));
    let web = sg_of(inv, &web_arn);
    assert_eq!(web.group_id, s.sg_web);
    assert_eq!(web.group_name, "web");
    assert_eq!(web.description, "web tier");
    assert_eq!(web.vpc_id.as_deref(), Some(s.vpc_logged.as_str()));
    assert_eq!(web.owner_id.as_deref(), Some(ACCOUNT));
    assert!(!web.is_default());
    assert_eq!(
        web.ingress,
        [
            rule(
                "tcp",
                Some((22, 22)),
                m::SgPeer::Ipv4("0.0.0.0/0".into()),
                Some("ssh")
            ),
            rule(
                "tcp",
                Some((3389, 3389)),
                m::SgPeer::Ipv6("::/0".into()),
                None
            ),
            rule("-1", None, m::SgPeer::Ipv4("10.0.0.0/8".into()), None),
            rule(
                "tcp",
                Some((443, 443)),
                m::SgPeer::SecurityGroup {
                    group_id: s.sg_app.clone(),
                    user_id: None,
                },
                None,
            ),
            rule(
                "tcp",
                Some((80, 80)),
                m::SgPeer::PrefixList(s.prefix_list.clone()),
                None
            ),
        ]
    );
    assert!(web.ingress[0].allows_tcp_port(22) && web.ingress[0].is_from_internet());
    assert!(web.ingress[1].is_from_internet() && web.ingress[1].allows_tcp_port(3389));
    assert!(web.ingress[2].allows_all_ports());
    assert_eq!(
        web.egress,
        [rule("-1", None, m::SgPeer::Ipv4("0.0.0.0/0".into()), None)]
    );
    assert_eq!(
        web.attached_interfaces,
        Collected::Value(vec![s.eni_a.clone()])
    );
    let web_res = resource(&web_arn);
    assert_eq!(web_res.name, "web-sg");
    assert_eq!(web_res.tags.get("team").map(String::as_str), Some("core"));
    assert_eq!(web_res.region.as_ref().map(|x| x.as_str()), Some(r));

    let app_arn = arn(r, &format!("security-group/{}", s.sg_app));
    let app = sg_of(inv, &app_arn);
    assert!(app.ingress.is_empty());
    assert_eq!(
        app.attached_interfaces,
        Collected::Value(vec![]),
        "unused group"
    );
    assert_eq!(
        resource(&app_arn).name,
        app.group_name,
        "no Name tag: the group name"
    );
    let dflt = sg_of(inv, &arn(r, &format!("security-group/{}", s.default_sg)));
    assert!(dflt.is_default());
    assert_eq!(dflt.vpc_id.as_deref(), Some(s.default_vpc.as_str()));
    assert!(
        dflt.attached_interfaces
            .value()
            .is_some_and(|v| v.contains(&s.eni_b)),
        "{:?}",
        dflt.attached_interfaces
    );

    // Network interfaces.
    let eni_a = eni_of(inv, &arn(r, &format!("network-interface/{}", s.eni_a)));
    assert_eq!(eni_a.interface_id, s.eni_a);
    assert_eq!(eni_a.interface_type.as_deref(), Some("interface"));
    assert_eq!(eni_a.status.as_deref(), Some("in-use"));
    assert_eq!(eni_a.vpc_id.as_deref(), Some(s.vpc_logged.as_str()));
    assert_eq!(eni_a.subnet_id.as_deref(), Some(s.subnet.as_str()));
    assert_eq!(eni_a.security_groups, [s.sg_web.as_str()]);
    assert_eq!(eni_a.attached_instance.as_deref(), Some(s.inst_a.as_str()));
    assert_eq!(eni_a.public_ip, None);
    assert_eq!(
        eni_a.description.as_deref(),
        Some("Primary network interface")
    );
    let eni_b = eni_of(inv, &arn(r, &format!("network-interface/{}", s.eni_b)));
    assert_eq!(eni_b.security_groups, [s.default_sg.as_str()]);
    assert_eq!(eni_b.attached_instance.as_deref(), Some(s.inst_b.as_str()));
    assert!(eni_b.public_ip.is_some());

    // Instances.
    let a_arn = arn(r, &format!("instance/{}", s.inst_a));
    let a = instance_of(inv, &a_arn);
    assert_eq!(a.instance_id, s.inst_a);
    assert_eq!(a.state.as_deref(), Some("running"));
    assert_eq!(a.instance_type.as_deref(), Some("t3.micro"));
    assert_eq!(a.image_id.as_deref(), Some(AMI));
    assert!(a.launch_time.is_some());
    assert_eq!(a.vpc_id.as_deref(), Some(s.vpc_logged.as_str()));
    assert_eq!(a.subnet_id.as_deref(), Some(s.subnet.as_str()));
    assert!(
        a.private_ip
            .as_deref()
            .is_some_and(|ip| ip.starts_with("10.0.1."))
    );
    assert_eq!(a.public_ip, None);
    assert_eq!(a.iam_instance_profile.as_deref(), Some(profile_arn));
    assert_eq!(a.security_groups, [s.sg_web.as_str()]);
    assert_eq!(
        a.metadata_options,
        Some(m::MetadataOptions {
            http_tokens: Some("required".into()),
            http_endpoint: Some("enabled".into()),
            http_put_response_hop_limit: Some(2),
        })
    );
    assert_eq!(a.monitoring.as_deref(), Some("enabled"));
    assert_eq!(a.network_interfaces, [s.eni_a.as_str()]);
    assert_eq!(resource(&a_arn).name, "web-1");
    let b_arn = arn(r, &format!("instance/{}", s.inst_b));
    let b = instance_of(inv, &b_arn);
    assert_eq!(
        b.public_ip, eni_b.public_ip,
        "public IP of the default subnet"
    );
    assert_eq!(b.iam_instance_profile, None);
    assert_eq!(
        b.security_groups,
        [s.default_sg.as_str()],
        "from its interface"
    );
    assert_eq!(
        b.metadata_options
            .as_ref()
            .and_then(|o| o.http_tokens.as_deref()),
        Some("optional")
    );
    assert_eq!(b.monitoring.as_deref(), Some("disabled"));
    assert_eq!(b.vpc_id.as_deref(), Some(s.default_vpc.as_str()));
    assert_eq!(resource(&b_arn).name, s.inst_b);

    // Volumes (plus the two root volumes moto creates).
    let enc_arn = arn(r, &format!("volume/{}", s.vol_enc));
    let enc = volume_of(inv, &enc_arn);
    assert_eq!(enc.volume_id, s.vol_enc);
    assert!(enc.encrypted);
    assert!(
        enc.kms_key_id
            .as_deref()
            .is_some_and(|k| k.starts_with(&format!("arn:aws:kms:{r}:")))
    );
    assert_eq!(enc.size_gib, Some(8));
    assert_eq!(enc.volume_type.as_deref(), Some("gp3"));
    assert_eq!(enc.state.as_deref(), Some("available"));
    assert!(
        enc.availability_zone
            .as_deref()
            .is_some_and(|z| z.starts_with(r))
    );
    assert!(enc.attached_instances.is_empty());
    assert_eq!(enc.snapshot_id, None);
    assert!(enc.created.is_some());
    assert_eq!(resource(&enc_arn).name, "data");
    let plain = volume_of(inv, &arn(r, &format!("volume/{}", s.vol_plain)));
    assert!(!plain.encrypted);
    assert_eq!(plain.kms_key_id, None);
    assert_eq!(plain.volume_type.as_deref(), Some("gp2"));
    assert_eq!(plain.state.as_deref(), Some("in-use"));
    assert_eq!(plain.attached_instances, [s.inst_a.as_str()]);
    assert_eq!(count_in(inv, ResourceType::Ec2Volume, r), 4);

    // Snapshots: only ours (moto also lists its AMIs' snapshots), ARNs
    // without an account, public read from the permission.
    assert_eq!(count_in(inv, ResourceType::Ec2Snapshot, r), 2);
    let pub_arn = snapshot_arn(r, &s.snap_public);
    let public = snapshot_of(inv, &pub_arn);
    assert_eq!(public.snapshot_id, s.snap_public);
    assert_eq!(public.volume_id.as_deref(), Some(s.vol_plain.as_str()));
    assert!(!public.encrypted);
    assert_eq!(public.kms_key_id, None);
    assert_eq!(public.state.as_deref(), Some("completed"));
    assert!(public.started.is_some());
    assert_eq!(public.volume_size_gib, Some(5));
    assert_eq!(public.public, Collected::Value(true));
    assert_eq!(resource(&pub_arn).name, "shared");
    let enc_snap_arn = snapshot_arn(r, &s.snap_enc);
    let enc_snap = snapshot_of(inv, &enc_snap_arn);
    assert!(enc_snap.encrypted);
    // FIXME(moto): a snapshot of an encrypted volume carries no KmsKeyId.
    assert_eq!(enc_snap.kms_key_id, None);
    assert_eq!(enc_snap.volume_size_gib, Some(8));
    assert_eq!(enc_snap.public, Collected::Value(false));
    assert_eq!(resource(&enc_snap_arn).name, s.snap_enc);

    // Region settings.
    let settings = settings_of(inv, &settings_arn(r));
    assert_eq!(
        settings.ebs_encryption_by_default,
        Collected::Value(ebs_default)
    );
    // FIXME(moto): GetEbsDefaultKmsKeyId is not implemented (HTTP 500).
    assert_eq!(settings.ebs_default_kms_key_id, Collected::NotCollected);
    assert_eq!(count_in(inv, ResourceType::Ec2RegionSettings, r), 1);

    // VPCs and flow logs.
    let logged = vpc_of(inv, &arn(r, &format!("vpc/{}", s.vpc_logged)));
    assert_eq!(logged.cidr_block.as_deref(), Some("10.0.0.0/16"));
    assert!(!logged.is_default);
    assert_eq!(logged.state.as_deref(), Some("available"));
    assert_eq!(
        logged.flow_logs,
        Collected::Value(vec![m::FlowLog {
            flow_log_id: s.flow_log.clone(),
            traffic_type: Some("ALL".into()),
            status: Some("ACTIVE".into()),
            destination_type: Some("cloud-watch-logs".into()),
            destination: Some(format!("flows-{r}")),
        }])
    );
    let plain_vpc = vpc_of(inv, &arn(r, &format!("vpc/{}", s.vpc_plain)));
    assert_eq!(plain_vpc.flow_logs, Collected::Value(vec![]));
    let dvpc = vpc_of(inv, &arn(r, &format!("vpc/{}", s.default_vpc)));
    assert!(dvpc.is_default);
    assert_eq!(dvpc.cidr_block.as_deref(), Some("172.31.0.0/16"));
    assert_eq!(dvpc.flow_logs, Collected::Value(vec![]));
    assert_eq!(count_in(inv, ResourceType::Ec2Vpc, r), 3);

    // Network ACLs.
    let acl_arn = arn(r, &format!("network-acl/{}", s.nacl));
    let acl = nacl_of(inv, &acl_arn);
    assert_eq!(acl.vpc_id.as_deref(), Some(s.vpc_logged.as_str()));
    assert!(!acl.is_default);
    assert_eq!(acl.associated_subnets, [s.subnet.as_str()]);
    assert_eq!(
        acl.entries,
        [
            m::NaclEntry {
                rule_number: 100,
                protocol: "-1".into(),
                rule_action: "allow".into(),
                egress: false,
                cidr_ipv4: Some("0.0.0.0/0".into()),
                cidr_ipv6: None,
                port_from: None,
                port_to: None,
            },
            m::NaclEntry {
                rule_number: 110,
                protocol: "6".into(),
                rule_action: "deny".into(),
                egress: true,
                cidr_ipv4: None,
                cidr_ipv6: Some("::/0".into()),
                port_from: Some(22),
                port_to: Some(23),
            },
        ]
    );
    assert_eq!(resource(&acl_arn).name, "open-acl");
    let defaults: Vec<&m::NetworkAcl> = inv
        .of_type(ResourceType::Ec2NetworkAcl)
        .filter_map(|r| match &r.properties {
            Properties::Ec2NetworkAcl(n) => Some(n.as_ref()),
            _ => None,
        })
        .filter(|n| n.vpc_id.as_deref() == Some(s.vpc_logged.as_str()) && n.is_default)
        .collect();
    assert_eq!(defaults.len(), 1, "the VPC's default ACL");
    assert!(
        defaults[0]
            .entries
            .iter()
            .any(|e| e.rule_number == 32767 && e.rule_action == "deny"),
        "{:?}",
        defaults[0].entries
    );
}

#[tokio::test]
async fn ec2_inventory_in_both_regions() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    let s2 = seed(&env, R2, &profile, false).await;
    let inv = env
        .auditor(Env::static_source())
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    assert_region(&inv, &s1, true, &profile);
    assert_region(&inv, &s2, false, &profile);
    for r in [R1, R2] {
        for t in [ResourceType::Ec2Instance, ResourceType::Ec2NetworkInterface] {
            assert_eq!(count_in(&inv, t, r), 2, "{t} in {r}");
        }
    }
    // The only gaps are moto's missing GetEbsDefaultKmsKeyId, one per region.
    let kms = gaps_for(&inv, "ec2:GetEbsDefaultKmsKeyId");
    assert_eq!(inv.gaps.len(), 2, "{:#?}", inv.gaps);
    assert_eq!(kms.len(), 2, "{:#?}", inv.gaps);
    for (g, r) in kms.iter().zip([R1, R2]) {
        assert_eq!(g.service, Service::Ec2);
        assert_eq!(g.region.as_ref().map(|x| x.as_str()), Some(r));
        assert_eq!(
            g.resource.as_ref().map(|a| a.as_str()),
            Some(settings_arn(r).as_str())
        );
        assert_eq!(g.kind, GapKind::Other, "{g:?}");
    }
}

#[tokio::test]
async fn one_region_scan_costs_a_fixed_number_of_requests() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    seed(&env, R1, &profile, false).await;
    let inv = env
        .auditor(Env::static_source())
        .regions([region(R1)])
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    let seen = requests(&env);
    println!("requests for one region: {seen:#?}");
    let expect: BTreeMap<String, usize> = [
        ("sts:GetCallerIdentity", 1),
        ("ec2:DescribeRegions", 1),
        ("ec2:DescribeSecurityGroups", 1),
        ("ec2:DescribeNetworkInterfaces", 1),
        ("ec2:DescribeInstances", 1),
        ("ec2:DescribeVolumes", 1),
        // Owned, then restorable by all.
        ("ec2:DescribeSnapshots", 2),
        // moto ignores RestorableByUserIds, so each owned snapshot's
        // permission is read (2 snapshots); zero against AWS unless every
        // owned snapshot is public.
        ("ec2:DescribeSnapshotAttribute", 2),
        ("ec2:GetEbsEncryptionByDefault", 1),
        // moto answers HTTP 500; the SDK tries 3 times (max_attempts).
        ("ec2:GetEbsDefaultKmsKeyId", 3),
        ("ec2:DescribeVpcs", 1),
        ("ec2:DescribeFlowLogs", 1),
        ("ec2:DescribeNetworkAcls", 1),
        ("ec2:DescribeVpcPeeringConnections", 1),
        ("ec2:DescribeRouteTables", 1),
        // Owned AMIs, then the AMI the instances use (moto's, not owned).
        ("ec2:DescribeImages", 2),
        ("ec2:DescribeLaunchTemplateVersions", 1),
        ("ec2:GetImageBlockPublicAccessState", 1),
        ("ec2:GetSnapshotBlockPublicAccessState", 1),
        ("ec2:GetInstanceMetadataDefaults", 1),
        ("ec2:DescribeAddresses", 1),
        ("ec2:DescribeClientVpnEndpoints", 1),
        ("ec2:DescribeTransitGateways", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(seen, expect);
    let total: usize = seen.values().sum();
    assert_eq!(inv.stats.api_requests, total as u64);
}

#[tokio::test]
async fn describe_instances_follows_every_page() {
    let env = Env::start().await;
    let ec2 = env.ec2(R1).await;
    // One reservation per call; moto pages DescribeInstances at 100.
    for _ in 0..101 {
        ec2.run_instances()
            .image_id(AMI)
            .min_count(1)
            .max_count(1)
            .send()
            .await
            .expect("run");
    }
    let inv = env
        .auditor(Env::static_source())
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    assert_eq!(count_in(&inv, ResourceType::Ec2Instance, R1), 101);
    assert_eq!(count_in(&inv, ResourceType::Ec2Instance, R2), 0);
    let pages = requests(&env)["ec2:DescribeInstances"];
    // Two pages in R1, one in R2.
    assert_eq!(pages, 3);
    assert!(gaps_for(&inv, "ec2:DescribeInstances").is_empty());
}

#[tokio::test]
async fn denied_flow_logs_leave_vpc_flow_logs_not_collected() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    env.proxy.fault(
        "ec2:DescribeFlowLogs",
        Fault::Error {
            code: "UnauthorizedOperation",
            status: 403,
        },
    );
    let inv = env
        .auditor(Env::static_source())
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    for r in [R1, R2] {
        let vpcs: Vec<_> = inv
            .of_type(ResourceType::Ec2Vpc)
            .filter(|v| v.region.as_ref().map(|x| x.as_str()) == Some(r))
            .collect();
        assert!(!vpcs.is_empty());
        for v in vpcs {
            let vpc = vpc_of(&inv, v.arn.as_str());
            assert_eq!(vpc.flow_logs, Collected::NotCollected, "{}", v.arn);
        }
    }
    let vpc = vpc_of(&inv, &arn(R1, &format!("vpc/{}", s1.vpc_logged)));
    assert_eq!(vpc.cidr_block.as_deref(), Some("10.0.0.0/16"));
    let gaps = gaps_for(&inv, "ec2:DescribeFlowLogs");
    assert_eq!(gaps.len(), 2, "{gaps:#?}");
    for g in gaps {
        assert_eq!(g.kind, GapKind::AccessDenied);
        assert_eq!(g.error_code.as_deref(), Some("UnauthorizedOperation"));
        assert_eq!(g.resource, None);
    }
    // Everything else is still there.
    let sg = sg_of(&inv, &arn(R1, &format!("security-group/{}", s1.sg_web)));
    assert_eq!(sg.ingress.len(), 5);
    assert_eq!(
        nacl_of(&inv, &arn(R1, &format!("network-acl/{}", s1.nacl)))
            .entries
            .len(),
        2
    );
    assert_eq!(count_in(&inv, ResourceType::Ec2Instance, R1), 2);
}

#[tokio::test]
async fn denied_security_groups_are_absent_and_the_rest_collected() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    env.proxy.fault(
        "ec2:DescribeSecurityGroups",
        Fault::Error {
            code: "AccessDenied",
            status: 403,
        },
    );
    let inv = env
        .auditor(Env::static_source())
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    assert_eq!(inv.of_type(ResourceType::Ec2SecurityGroup).count(), 0);
    let gaps = gaps_for(&inv, "ec2:DescribeSecurityGroups");
    assert_eq!(gaps.len(), 2, "{gaps:#?}");
    let mut regions: Vec<&str> = gaps
        .iter()
        .filter_map(|g| g.region.as_ref().map(|x| x.as_str()))
        .collect();
    regions.sort_unstable();
    assert_eq!(regions, [R1, R2]);
    assert!(gaps.iter().all(|g| g.kind == GapKind::AccessDenied));
    // Instances still name their groups; everything else is collected.
    let a = instance_of(&inv, &arn(R1, &format!("instance/{}", s1.inst_a)));
    assert_eq!(a.security_groups, [s1.sg_web.as_str()]);
    assert_eq!(count_in(&inv, ResourceType::Ec2NetworkInterface, R1), 2);
    assert_eq!(count_in(&inv, ResourceType::Ec2Volume, R1), 4);
    assert_eq!(count_in(&inv, ResourceType::Ec2Snapshot, R1), 2);
    assert_eq!(count_in(&inv, ResourceType::Ec2Vpc, R1), 3);
    assert_eq!(count_in(&inv, ResourceType::Ec2NetworkAcl, R1), 4);
    assert_eq!(count_in(&inv, ResourceType::Ec2RegionSettings, R2), 1);
    assert!(
        vpc_of(&inv, &arn(R1, &format!("vpc/{}", s1.vpc_logged)))
            .flow_logs
            .is_collected()
    );
}

#[tokio::test]
async fn denied_interfaces_leave_group_usage_not_collected() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    env.proxy.fault(
        "ec2:DescribeNetworkInterfaces",
        Fault::Error {
            code: "UnauthorizedOperation",
            status: 403,
        },
    );
    let inv = env
        .auditor(Env::static_source())
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    assert_eq!(inv.of_type(ResourceType::Ec2NetworkInterface).count(), 0);
    let groups: Vec<_> = inv.of_type(ResourceType::Ec2SecurityGroup).collect();
    assert!(groups.len() >= 4, "{}", groups.len());
    for g in groups {
        let sg = sg_of(&inv, g.arn.as_str());
        assert_eq!(sg.attached_interfaces, Collected::NotCollected, "{}", g.arn);
    }
    assert_eq!(
        sg_of(&inv, &arn(R1, &format!("security-group/{}", s1.sg_web)))
            .ingress
            .len(),
        5
    );
    assert_eq!(gaps_for(&inv, "ec2:DescribeNetworkInterfaces").len(), 2);
}

#[tokio::test]
async fn throttled_volumes_are_retried() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    env.proxy
        .fault("ec2:DescribeVolumes", Fault::ThrottleFirst { times: 2 });
    let inv = env
        .auditor(Env::static_source())
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    assert_eq!(count_in(&inv, ResourceType::Ec2Volume, R1), 4);
    assert!(volume_of(&inv, &arn(R1, &format!("volume/{}", s1.vol_enc))).encrypted);
    assert!(
        gaps_for(&inv, "ec2:DescribeVolumes").is_empty(),
        "{:#?}",
        inv.gaps
    );
    // Two throttled answers plus one good answer per region.
    assert_eq!(requests(&env)["ec2:DescribeVolumes"], 4);
}

#[tokio::test]
async fn failed_public_listing_leaves_public_not_collected() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    env.proxy.fault(
        "ec2:DescribeSnapshots",
        Fault::ErrorIfBody {
            body_contains: "RestorableBy",
            code: "UnauthorizedOperation",
            status: 403,
        },
    );
    let inv = env
        .auditor(Env::static_source())
        .regions([region(R1)])
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    for id in [&s1.snap_public, &s1.snap_enc] {
        let snap = snapshot_of(&inv, &snapshot_arn(R1, id));
        assert_eq!(snap.public, Collected::NotCollected);
        assert!(snap.volume_size_gib.is_some());
    }
    let gaps = gaps_for(&inv, "ec2:DescribeSnapshots");
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0].kind, GapKind::AccessDenied);
    assert_eq!(gaps[0].resource, None);
    assert_eq!(requests(&env).get("ec2:DescribeSnapshotAttribute"), None);
}

#[tokio::test]
async fn denied_snapshot_attribute_is_a_gap_per_snapshot() {
    let env = Env::start().await;
    let profile = instance_profile(&env).await;
    let s1 = seed(&env, R1, &profile, true).await;
    env.proxy.fault(
        "ec2:DescribeSnapshotAttribute",
        Fault::Error {
            code: "UnauthorizedOperation",
            status: 403,
        },
    );
    let inv = env
        .auditor(Env::static_source())
        .regions([region(R1)])
        .services([Service::Ec2])
        .build()
        .expect("auditor")
        .collect()
        .await
        .expect("scan");
    let gaps = gaps_for(&inv, "ec2:DescribeSnapshotAttribute");
    assert_eq!(gaps.len(), 2, "{gaps:#?}");
    for id in [&s1.snap_public, &s1.snap_enc] {
        let a = snapshot_arn(R1, id);
        assert_eq!(snapshot_of(&inv, &a).public, Collected::NotCollected);
        assert!(
            gaps.iter().any(
                |g| g.resource.as_ref().map(|x| x.as_str()) == Some(a.as_str())
                    && g.kind == GapKind::AccessDenied
            ),
            "{a}"
        );
    }
}
