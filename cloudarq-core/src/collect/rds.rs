//! RDS collector.

use cloudarq_model::{Region, Resource};

use crate::aws::AwsContext;

/// Collects RDS instances, clusters and snapshots of one region.
pub(crate) async fn collect(_ctx: &AwsContext, _region: &Region) -> Vec<Resource> {
    Vec::new()
}
