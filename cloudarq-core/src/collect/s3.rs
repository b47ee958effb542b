//! S3 collector.

use cloudarq_model::{Region, Resource};

use crate::aws::AwsContext;

/// Collects buckets in `regions` and the account's Block Public Access.
pub(crate) async fn collect(_ctx: &AwsContext, _regions: &[Region]) -> Vec<Resource> {
    Vec::new()
}
