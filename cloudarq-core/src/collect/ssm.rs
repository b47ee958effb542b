//! AWS Systems Manager collector: the managed nodes of one region, with
//! only what a "managed by Systems Manager" check needs.
//!
//! Calls per region: `DescribeInstanceInformation` per page of 50 nodes
//! (the most SSM allows). A failed page leaves the nodes of later pages out,
//! with a gap naming the region and no resource.
//!
//! **Architecture Invariant:** of each node, CloudArq keeps its id, ping
//! status, agent version, last ping time and platform type; never its IP
//! address, computer name, name, platform name or version, or association
//! and activation data.

use aws_sdk_ssm::types::InstanceInformation;
use cloudarq_model::inventory::ssm::ManagedInstance;
use cloudarq_model::{Properties, Region, Resource, Service};

use crate::aws::{Action, AwsContext};
use crate::collect::util::ts_opt;

/// Nodes per `DescribeInstanceInformation` page (the most SSM allows).
const PAGE_SIZE: i32 = 50;

/// Collects the Systems Manager managed nodes of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.ssm(region);
    let stream = client
        .describe_instance_information()
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx
        .paginate(Action::SsmDescribeInstanceInformation, Some(region), stream)
        .await
        .pages;
    pages
        .iter()
        .flat_map(|p| p.instance_information_list())
        .filter_map(|i| node(ctx, region, i))
        .collect()
}

/// One listed node; one without a usable id is skipped.
fn node(ctx: &AwsContext, region: &Region, i: &InstanceInformation) -> Option<Resource> {
    let Some(m) = managed_instance(i) else {
        tracing::warn!(
            region = region.as_str(),
            "ssm managed node without an id; skipped"
        );
        return None;
    };
    let arn = ctx.arn(
        Service::Ssm.arn_namespace(),
        Some(region),
        &["managed-instance/", &m.instance_id].concat(),
    )?;
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: m.instance_id.clone(),
        tags: Default::default(),
        properties: Properties::SsmManagedInstance(Box::new(m)),
    })
}

/// The fields CloudArq keeps of a node (see the module's invariant).
fn managed_instance(i: &InstanceInformation) -> Option<ManagedInstance> {
    Some(ManagedInstance {
        instance_id: i.instance_id().filter(|id| !id.is_empty())?.to_owned(),
        ping_status: i.ping_status().map(|p| p.as_str().to_owned()),
        agent_version: i.agent_version().map(str::to_owned),
        last_ping: ts_opt(i.last_ping_date_time()),
        platform_type: i.platform_type().map(|p| p.as_str().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_ssm::types::{PingStatus, PlatformType};

    use super::*;

    #[test]
    fn nodes_keep_only_the_checked_fields() {
        let i = InstanceInformation::builder()
            .instance_id("i-0123456789abcdef0")
            .ping_status(PingStatus::ConnectionLost)
            .agent_version("3.3.40.0")
            .last_ping_date_time(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .platform_type(PlatformType::Linux)
            .ip_address("10.0.0.12")
            .computer_name("web-1.internal")
            .build();
        let m = managed_instance(&i).expect("an id");
        assert_eq!(m.ping_status.as_deref(), Some("ConnectionLost"));
        assert_eq!(m.platform_type.as_deref(), Some("Linux"));
        assert_eq!(m.agent_version.as_deref(), Some("3.3.40.0"));
        let json = serde_json::to_string(&m).expect("serializes");
        assert!(!json.contains("10.0.0.12") && !json.contains("web-1"));
        let blank = InstanceInformation::builder().instance_id("").build();
        assert_eq!(managed_instance(&blank), None);
    }
}
