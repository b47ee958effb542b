//! Finds the resources another resource refers to by id: a security group's
//! network interfaces, an instance's security groups, a DB instance's cluster,
//! and the companions of kinds frozen by rule contract 1.0 (a DB instance's
//! or cluster's configuration, a parameter group, a bucket's management
//! configurations, the region's RDS settings, an instance's configuration)
//! and the region's API Gateway account settings.
//!
//! A lookup is by canonical ARN (`arn:aws:ec2:<region>:<account>:
//! security-group/sg-…`, as the collectors key them), a map lookup. There is
//! deliberately no scan fallback: one made a 100k-resource evaluation
//! quadratic. `None` means the snapshot does not hold the resource under its
//! canonical ARN: a rule must treat that as *not collected*, never as
//! "absent in AWS".

use cloudarq_model::inventory::apigateway::ApiGatewayAccount;
use cloudarq_model::inventory::ec2::{
    Image, Instance, InstanceConfiguration, NetworkInterface, SecurityGroup,
};
use cloudarq_model::inventory::rds::{
    DbCluster, DbClusterConfiguration, DbInstanceConfiguration, DbParameterGroup, RdsRegionSettings,
};
use cloudarq_model::inventory::s3::S3BucketManagement;
use cloudarq_model::{Arn, Properties, Region, Resource, ResourceType, Snapshot};

/// A security group of the snapshot's account, by group id.
pub(crate) fn security_group<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    group_id: &str,
) -> Option<&'a SecurityGroup> {
    find(
        snapshot,
        region,
        "ec2",
        &format!("security-group/{group_id}"),
        |r| match &r.properties {
            Properties::Ec2SecurityGroup(g) => Some(&**g),
            _ => None,
        },
        |g| g.group_id == group_id,
    )
}

/// A network interface, by interface id.
pub(crate) fn network_interface<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    interface_id: &str,
) -> Option<&'a NetworkInterface> {
    find(
        snapshot,
        region,
        "ec2",
        &format!("network-interface/{interface_id}"),
        |r| match &r.properties {
            Properties::Ec2NetworkInterface(n) => Some(&**n),
            _ => None,
        },
        |n| n.interface_id == interface_id,
    )
}

/// An EC2 instance, by instance id.
pub(crate) fn instance<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    instance_id: &str,
) -> Option<&'a Instance> {
    find(
        snapshot,
        region,
        "ec2",
        &format!("instance/{instance_id}"),
        |r| match &r.properties {
            Properties::Ec2Instance(i) => Some(&**i),
            _ => None,
        },
        |i| i.instance_id == instance_id,
    )
}

/// An RDS DB cluster, by cluster identifier.
pub(crate) fn db_cluster<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    identifier: &str,
) -> Option<&'a DbCluster> {
    find(
        snapshot,
        region,
        "rds",
        &format!("cluster:{identifier}"),
        |r| match &r.properties {
            Properties::RdsDbCluster(c) => Some(&**c),
            _ => None,
        },
        |c| c.identifier == identifier,
    )
}

/// An AMI, by AMI id. AMI ARNs name no account (the collectors' form);
/// one naming the snapshot's account is found too.
pub(crate) fn image<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    image_id: &str,
) -> Option<&'a Image> {
    let resource = format!("image/{image_id}");
    [None, Some(&snapshot.account_id)]
        .into_iter()
        .filter_map(|account| {
            Arn::build(&snapshot.partition, "ec2", region, account, &resource).ok()
        })
        .find_map(|arn| match &snapshot.resources.get(&arn)?.properties {
            Properties::Ec2Image(i) if i.image_id == image_id => Some(&**i),
            _ => None,
        })
}

/// A DB instance's configuration companion, by instance identifier.
pub(crate) fn db_instance_configuration<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    identifier: &str,
) -> Option<&'a DbInstanceConfiguration> {
    find(
        snapshot,
        region,
        "rds",
        &format!("db-configuration:{identifier}"),
        |r| match &r.properties {
            Properties::RdsDbInstanceConfiguration(c) => Some(&**c),
            _ => None,
        },
        |c| c.identifier == identifier,
    )
}

/// A DB cluster's configuration companion, by cluster identifier.
pub(crate) fn db_cluster_configuration<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    identifier: &str,
) -> Option<&'a DbClusterConfiguration> {
    find(
        snapshot,
        region,
        "rds",
        &format!("cluster-configuration:{identifier}"),
        |r| match &r.properties {
            Properties::RdsDbClusterConfiguration(c) => Some(&**c),
            _ => None,
        },
        |c| c.identifier == identifier,
    )
}

/// A DB parameter group (`cluster` false) or DB cluster parameter group
/// (`cluster` true), by name.
pub(crate) fn db_parameter_group<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    name: &str,
    cluster: bool,
) -> Option<&'a DbParameterGroup> {
    let prefix = if cluster { "cluster-pg" } else { "pg" };
    find(
        snapshot,
        region,
        "rds",
        &format!("{prefix}:{name}"),
        |r| match (&r.properties, cluster) {
            (Properties::RdsDbParameterGroup(g), false)
            | (Properties::RdsDbClusterParameterGroup(g), true) => Some(&**g),
            _ => None,
        },
        |g| g.name == name,
    )
}

/// The region's RDS settings.
pub(crate) fn rds_region_settings<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
) -> Option<&'a RdsRegionSettings> {
    find(
        snapshot,
        region,
        "rds",
        "account",
        |r| match &r.properties {
            Properties::RdsRegionSettings(s) => Some(&**s),
            _ => None,
        },
        |_| true,
    )
}

/// An instance's configuration companion ([`Snapshot::companion`], which
/// knows the companion ARNs).
pub(crate) fn instance_configuration<'a>(
    snapshot: &'a Snapshot,
    instance: &Resource,
) -> Option<&'a InstanceConfiguration> {
    match &snapshot
        .companion(instance, ResourceType::Ec2InstanceConfiguration)?
        .properties
    {
        Properties::Ec2InstanceConfiguration(c) => Some(&**c),
        _ => None,
    }
}

/// The region's API Gateway account settings.
pub(crate) fn apigateway_account<'a>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
) -> Option<&'a ApiGatewayAccount> {
    find(
        snapshot,
        region,
        "apigateway",
        "account",
        |r| match &r.properties {
            Properties::ApiGatewayAccount(s) => Some(&**s),
            _ => None,
        },
        |_| true,
    )
}

/// A bucket's management configurations (lifecycle, replication,
/// notifications), by bucket name.
pub(crate) fn s3_bucket_management<'a>(
    snapshot: &'a Snapshot,
    bucket: &str,
) -> Option<&'a S3BucketManagement> {
    find(
        snapshot,
        None,
        "s3",
        &format!("bucket-management/{bucket}"),
        |r| match &r.properties {
            Properties::S3BucketManagement(m) => Some(&**m),
            _ => None,
        },
        |m| m.bucket == bucket,
    )
}

/// The canonical-ARN lookup; `is_it` guards against an ARN that names
/// another kind or id.
fn find<'a, T: ?Sized>(
    snapshot: &'a Snapshot,
    region: Option<&Region>,
    service: &str,
    arn_resource: &str,
    pick: impl Fn(&'a Resource) -> Option<&'a T>,
    is_it: impl Fn(&T) -> bool,
) -> Option<&'a T> {
    Arn::build(
        &snapshot.partition,
        service,
        region,
        Some(&snapshot.account_id),
        arn_resource,
    )
    .ok()
    .and_then(|arn| snapshot.resources.get(&arn))
    .and_then(&pick)
    .filter(|t| is_it(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudarq_model::Partition;

    fn snapshot_with(arn: &str, region: &str, group_id: &str) -> Snapshot {
        let mut snap = Snapshot::new(
            "123456789012".parse().expect("valid account"),
            Partition::aws(),
            "2026-01-01T00:00:00Z".parse().expect("valid time"),
        );
        let res: Resource = serde_json::from_value(serde_json::json!({
            "arn": arn, "region": region, "name": group_id,
            "properties": {"AWS::EC2::SecurityGroup": {
                "group_id": group_id, "group_name": "g", "description": "d"}}
        }))
        .expect("valid resource");
        snap.resources.insert(res);
        snap
    }

    #[test]
    fn finds_by_canonical_arn_only() {
        let region: Region = "eu-west-1".parse().expect("valid region");
        let canonical = snapshot_with(
            "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1",
            "eu-west-1",
            "sg-1",
        );
        assert!(security_group(&canonical, Some(&region), "sg-1").is_some());
        let odd = snapshot_with(
            "arn:aws:ec2:eu-west-1:123456789012:sg/sg-1",
            "eu-west-1",
            "sg-1",
        );
        // Keyed under another ARN: not found, so rules say "not collected".
        assert!(security_group(&odd, Some(&region), "sg-1").is_none());
        assert!(security_group(&canonical, Some(&region), "sg-2").is_none());
        let other: Region = "us-east-1".parse().expect("valid region");
        assert!(security_group(&odd, Some(&other), "sg-1").is_none());
        assert!(network_interface(&canonical, Some(&region), "sg-1").is_none());
    }
}
