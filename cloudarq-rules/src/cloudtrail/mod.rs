//! Built-in CloudTrail rules, one file per rule named by its id, and what
//! they share: the snapshot's trails and whether their listing is complete.
//!
//! A rule that FAILs because *no* trail does something needs every region's
//! `DescribeTrails` to have answered; when one did not, the verdict is *not
//! collected*. A trail whose status or selectors could not be read counts
//! neither for nor against: it makes a FAIL *not collected* when it might
//! have passed.

mod cloudtrail_cloudwatch_logging_enabled;
mod cloudtrail_kms_encryption_enabled;
mod cloudtrail_log_file_validation_enabled;
mod cloudtrail_logs_s3_bucket_access_logging_enabled;
mod cloudtrail_multi_region_enabled;
mod cloudtrail_s3_dataevents_read_enabled;
mod cloudtrail_s3_dataevents_write_enabled;

use cloudarq_model::inventory::cloudtrail::{Access, Trail};
use cloudarq_model::rule::{Outcome, Rule};
use cloudarq_model::{CoverageGap, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

/// Every CloudTrail rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &cloudtrail_cloudwatch_logging_enabled::CloudtrailCloudwatchLoggingEnabled,
    &cloudtrail_kms_encryption_enabled::CloudtrailKmsEncryptionEnabled,
    &cloudtrail_log_file_validation_enabled::CloudtrailLogFileValidationEnabled,
    &cloudtrail_logs_s3_bucket_access_logging_enabled::CloudtrailLogsS3BucketAccessLoggingEnabled,
    &cloudtrail_multi_region_enabled::CloudtrailMultiRegionEnabled,
    &cloudtrail_s3_dataevents_read_enabled::CloudtrailS3DataeventsReadEnabled,
    &cloudtrail_s3_dataevents_write_enabled::CloudtrailS3DataeventsWriteEnabled,
];

/// The trail behind an `AWS::CloudTrail::Trail` resource.
pub(crate) fn trail(r: &Resource) -> Option<&Trail> {
    match &r.properties {
        Properties::CloudTrailTrail(t) => Some(t),
        _ => None,
    }
}

/// Every trail of the snapshot.
pub(crate) fn trails(snapshot: &Snapshot) -> impl Iterator<Item = &Trail> {
    snapshot
        .of_type(ResourceType::CloudTrailTrail)
        .filter_map(trail)
}

/// The first coverage gap of a listing (a gap about no one resource) by one
/// of `actions`, in any region.
pub(crate) fn listing_gap<'a>(snapshot: &'a Snapshot, actions: &[&str]) -> Option<&'a CoverageGap> {
    snapshot
        .gaps
        .iter()
        .find(|g| g.resource.is_none() && actions.contains(&g.action.as_str()))
}

/// *Not collected*, naming what is unknown and the gap that made it so.
pub(crate) fn not_collected_by_gap(field: &str, g: &CoverageGap) -> Outcome {
    Outcome::not_collected(field).with_evidence(json!({
        "action": g.action,
        "region": g.region,
        "error_code": g.error_code,
    }))
}

/// A trail that logs every region's read and write management events and is
/// logging: what CIS asks the account to have. `Some(false)` when it is
/// not, `None` when its status or selectors were not read.
pub(crate) fn logs_everything(t: &Trail) -> Option<bool> {
    if !t.multi_region {
        return Some(false);
    }
    match (t.logging(), t.logs_all_management_events()) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// The S3 object-level data-event rules: some logging multi-region trail
/// logs `access` events of every bucket.
pub(crate) fn s3_data_events(snapshot: &Snapshot, access: Access) -> Outcome {
    let what = match access {
        Access::Read => "read",
        Access::Write => "write",
    };
    if !snapshot.services.contains(&Service::Cloudtrail) {
        return Outcome::not_collected("trails");
    }
    let partition = snapshot.partition.as_str();
    let mut unknown = false;
    for t in trails(snapshot) {
        if !t.multi_region {
            continue;
        }
        match (
            t.logging(),
            t.logs_s3_object_events(partition, None, access),
        ) {
            (Some(true), Some(true)) => {
                return Outcome::pass(format!(
                    "trail {} logs S3 object-level {what} events of every bucket in every region",
                    t.name
                ))
                .with_evidence(json!({"trail": t.name}));
            }
            (Some(false), _) | (_, Some(false)) => {}
            _ => unknown = true,
        }
    }
    if let Some(g) = listing_gap(snapshot, &["cloudtrail:DescribeTrails"]) {
        return not_collected_by_gap("trails", g);
    }
    if unknown {
        return Outcome::not_collected("event_selectors");
    }
    Outcome::fail(format!(
        "no logging multi-region trail logs S3 object-level {what} events of every bucket"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "cloudtrail");
    }

    #[test]
    fn rules_are_listed_in_id_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
