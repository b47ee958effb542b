//! The management configurations (`AWS::S3::BucketManagement`) of the
//! bucket a rule evaluates, or the outcome to give without them.

use cloudarq_model::Snapshot;
use cloudarq_model::inventory::s3::{S3Bucket, S3BucketManagement};
use cloudarq_model::rule::Outcome;

use crate::related;

/// The bucket's companion, or *not collected* when the snapshot lacks it
/// (a snapshot made before the kind existed, or a bucket read only in
/// part).
pub(super) fn of<'a>(
    b: &S3Bucket,
    snapshot: &'a Snapshot,
) -> Result<&'a S3BucketManagement, Outcome> {
    related::s3_bucket_management(snapshot, &b.name)
        .ok_or_else(|| Outcome::not_collected("bucket management configurations"))
}
