//! IAM collector.

use cloudarq_model::Resource;

use crate::aws::AwsContext;

/// Collects IAM.
pub(crate) async fn collect(_ctx: &AwsContext) -> Vec<Resource> {
    Vec::new()
}
