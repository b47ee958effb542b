//! CloudTrail collector: the trails whose home is one region, with their
//! status and event selectors.
//!
//! Calls per region: one `DescribeTrails` (shadow trails included, which
//! is how a member account sees its organization's trail; not paginated),
//! then, for each trail whose home region this is, `GetTrailStatus` and
//! `GetEventSelectors` at once. A multi-region trail is listed in every
//! region but read once, in its home region; when its home region is not
//! scanned, it is read in the first scanned region (through its ARN, as a
//! shadow trail), so a scan of some regions still sees the trail that
//! covers them.

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use cloudarq_model::inventory::cloudtrail::{
    AdvancedEventSelector, DataResource, EventSelector, EventSelectors, FieldSelector, Trail,
    TrailStatus,
};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext};
use crate::collect::util::{account_resource, ts_opt};

/// The account-level resource: CloudTrail was collected.
pub(crate) fn account(ctx: &AwsContext) -> Vec<Resource> {
    account_resource(
        ctx,
        "cloudtrail",
        Properties::CloudTrailAccount(Box::default()),
    )
}

/// Collects the trails read in `region`: those whose home it is, and, in
/// the first of `scanned`, those whose home is not scanned.
pub(crate) async fn collect(
    ctx: &AwsContext,
    region: &Region,
    scanned: &[Region],
) -> Vec<Resource> {
    let client = ctx.cloudtrail(region);
    let listed = ctx
        .read(
            Action::CloudTrailDescribeTrails,
            Some(region),
            None,
            client.describe_trails().include_shadow_trails(true).send(),
        )
        .await;
    let Collected::Value(out) = listed else {
        return Vec::new();
    };
    let home: Vec<&aws_sdk_cloudtrail::types::Trail> = out
        .trail_list()
        .iter()
        .filter(|t| read_here(t.home_region(), region, scanned))
        .collect();
    let client = &client;
    futures::stream::iter(home)
        .map(|t| trail(ctx, client, region, t))
        .buffer_unordered(ctx.concurrency())
        .filter_map(std::future::ready)
        .collect()
        .await
}

/// Whether a trail listed in `region` with this home region is read there.
fn read_here(home: Option<&str>, region: &Region, scanned: &[Region]) -> bool {
    match home {
        None => true,
        Some(h) if h == region.as_str() => true,
        Some(h) => !scanned.iter().any(|r| r.as_str() == h) && scanned.first() == Some(region),
    }
}

/// One trail, read in full.
async fn trail(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    t: &aws_sdk_cloudtrail::types::Trail,
) -> Option<Resource> {
    let name = t.name().unwrap_or_default().to_owned();
    let arn = t
        .trail_arn()
        .and_then(|a| a.parse::<Arn>().ok())
        .or_else(|| ctx.arn("cloudtrail", Some(region), &["trail/", &name].concat()));
    let Some(arn) = arn else {
        tracing::warn!("cloudtrail trail without a usable ARN; skipped");
        return None;
    };
    let (at, arn_ref, id) = (Some(region), Some(&arn), arn.to_string());
    let (status, selectors) = futures::join!(
        ctx.read(
            Action::CloudTrailGetTrailStatus,
            at,
            arn_ref,
            client.get_trail_status().name(&id).send(),
        ),
        ctx.read(
            Action::CloudTrailGetEventSelectors,
            at,
            arn_ref,
            client.get_event_selectors().trail_name(&id).send(),
        ),
    );
    let props = Trail {
        name: name.clone(),
        home_region: t.home_region().map(str::to_owned),
        multi_region: t.is_multi_region_trail().unwrap_or(false),
        organization_trail: t.is_organization_trail().unwrap_or(false),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
        log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
        kms_key_id: t.kms_key_id().map(str::to_owned),
        s3_bucket: t.s3_bucket_name().map(str::to_owned),
        s3_key_prefix: t.s3_key_prefix().map(str::to_owned),
        cloudwatch_logs_log_group_arn: t.cloud_watch_logs_log_group_arn().map(str::to_owned),
        status: status.map(|o| trail_status(&o)),
        event_selectors: selectors.map(|o| event_selectors(&o)),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name,
        tags: Tags::new(),
        properties: Properties::CloudTrailTrail(Box::new(props)),
    })
}

/// What `GetTrailStatus` returned.
fn trail_status(o: &GetTrailStatusOutput) -> TrailStatus {
    TrailStatus {
        logging: o.is_logging().unwrap_or(false),
        latest_delivery: ts_opt(o.latest_delivery_time()),
        latest_delivery_error: o.latest_delivery_error().map(str::to_owned),
        latest_cloudwatch_logs_delivery: ts_opt(o.latest_cloud_watch_logs_delivery_time()),
        latest_cloudwatch_logs_delivery_error: o
            .latest_cloud_watch_logs_delivery_error()
            .map(str::to_owned),
    }
}

/// What `GetEventSelectors` returned: the advanced selectors when there are
/// any (a trail has one kind or the other), else the basic ones.
fn event_selectors(o: &GetEventSelectorsOutput) -> EventSelectors {
    if !o.advanced_event_selectors().is_empty() {
        return EventSelectors::Advanced(
            o.advanced_event_selectors()
                .iter()
                .map(|s| AdvancedEventSelector {
                    name: s.name().map(str::to_owned),
                    field_selectors: s
                        .field_selectors()
                        .iter()
                        .map(|f| FieldSelector {
                            field: f.field().to_owned(),
                            equals: f.equals().to_vec(),
                            starts_with: f.starts_with().to_vec(),
                            ends_with: f.ends_with().to_vec(),
                            not_equals: f.not_equals().to_vec(),
                            not_starts_with: f.not_starts_with().to_vec(),
                            not_ends_with: f.not_ends_with().to_vec(),
                        })
                        .collect(),
                })
                .collect(),
        );
    }
    EventSelectors::Basic(
        o.event_selectors()
            .iter()
            .map(|s| EventSelector {
                read_write_type: s.read_write_type().map(|t| t.as_str().to_owned()),
                // CloudTrail's default for a selector that does not say.
                include_management_events: s.include_management_events().unwrap_or(true),
                exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
                data_resources: s
                    .data_resources()
                    .iter()
                    .map(|d| DataResource {
                        resource_type: d.r#type().map(str::to_owned),
                        values: d.values().to_vec(),
                    })
                    .collect(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_trail_is_read_once_even_when_its_home_is_not_scanned() {
        let r = |s: &str| s.parse::<Region>().expect("region");
        let scanned = [r("eu-west-1"), r("us-east-1")];
        assert!(read_here(Some("eu-west-1"), &scanned[0], &scanned));
        assert!(!read_here(Some("eu-west-1"), &scanned[1], &scanned));
        // Home in ap-south-1, not scanned: read in the first scanned region only.
        assert!(read_here(Some("ap-south-1"), &scanned[0], &scanned));
        assert!(!read_here(Some("ap-south-1"), &scanned[1], &scanned));
        assert!(read_here(None, &scanned[1], &scanned));
    }

    use aws_sdk_cloudtrail::types::{
        AdvancedEventSelector as SdkAdvanced, AdvancedFieldSelector, EventSelector as SdkBasic,
        ReadWriteType,
    };

    use super::*;

    #[test]
    fn advanced_selectors_win_over_basic_ones() {
        let adv = SdkAdvanced::builder()
            .name("mgmt")
            .field_selectors(
                AdvancedFieldSelector::builder()
                    .field("eventCategory")
                    .equals("Management")
                    .build()
                    .expect("field is set"),
            )
            .build()
            .expect("selectors are set");
        let out = GetEventSelectorsOutput::builder()
            .advanced_event_selectors(adv)
            .build();
        let EventSelectors::Advanced(list) = event_selectors(&out) else {
            panic!("advanced expected");
        };
        assert_eq!(list[0].field_selectors[0].equals, vec!["Management"]);

        let basic = SdkBasic::builder()
            .read_write_type(ReadWriteType::WriteOnly)
            .build();
        let out = GetEventSelectorsOutput::builder()
            .event_selectors(basic)
            .build();
        let EventSelectors::Basic(list) = event_selectors(&out) else {
            panic!("basic expected");
        };
        assert_eq!(list[0].read_write_type.as_deref(), Some("WriteOnly"));
        assert!(list[0].include_management_events, "CloudTrail's default");
    }
}
