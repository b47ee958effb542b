//! EC2 collector.

use cloudarq_model::{Region, Resource};

use crate::aws::AwsContext;

/// Collects EC2, EBS and VPC resources of one region.
pub(crate) async fn collect(_ctx: &AwsContext, _region: &Region) -> Vec<Resource> {
    Vec::new()
}
