//! S3 access points (`AWS::S3::AccessPoint`, per scanned region) and
//! Multi-Region Access Points (`AWS::S3::MultiRegionAccessPoint`, global).
//!
//! Calls: one S3 Control `ListAccessPoints` per scanned region and page of
//! 1,000, then one `GetAccessPoint` per access point (the listing lacks the
//! Block Public Access switches); one `ListMultiRegionAccessPoints` per
//! page of 100, sent to `us-west-2` (the only region AWS serves it from) and
//! only in the `aws` partition, whose answer carries each point's switches.

use std::str::FromStr;

use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use cloudarq_model::inventory::s3::{PublicAccessBlock, S3AccessPoint, S3MultiRegionAccessPoint};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Tags};
use futures::StreamExt;

use super::switches;
use crate::aws::{Action, AwsContext};

/// Access points asked for per `ListAccessPoints` page (the API's maximum).
const ACCESS_POINT_PAGE: i32 = 1000;

/// Multi-Region Access Points asked for per page (the API's maximum).
const MULTI_REGION_PAGE: i32 = 100;

/// The region AWS serves the Multi-Region Access Point control plane from.
const MULTI_REGION_CONTROL: &str = "us-west-2";

/// The access points of every region in `regions`.
pub(super) async fn regional(ctx: &AwsContext, regions: &[Region]) -> Vec<Resource> {
    futures::stream::iter(regions)
        .map(|region| of_region(ctx, region))
        .buffer_unordered(ctx.concurrency())
        .flat_map(futures::stream::iter)
        .collect()
        .await
}

/// A listed access point, before its Block Public Access is read.
struct ListedPoint {
    arn: Arn,
    name: String,
    bucket: Option<String>,
    network_origin: Option<String>,
}

async fn of_region(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.s3control(region);
    let account = ctx.account_id().as_str();
    let stream = client
        .list_access_points()
        .account_id(account)
        .max_results(ACCESS_POINT_PAGE)
        .into_paginator()
        .send();
    let paged = ctx
        .paginate(Action::S3ControlListAccessPoints, Some(region), stream)
        .await;
    let listed: Vec<ListedPoint> = paged
        .pages
        .iter()
        .flat_map(|p| p.access_point_list())
        .filter_map(|ap| {
            let name = ap.name();
            if name.is_empty() {
                return None;
            }
            // An access point of another region (which S3 never lists, but
            // an emulator does) is that region's to report.
            let returned = ap.access_point_arn().and_then(|a| a.parse::<Arn>().ok());
            if let Some(other) = returned.as_ref().filter(|a| a.region() != region.as_str()) {
                tracing::trace!(resource_arn = %other, region = %region, "access point of another region");
                return None;
            }
            let arn = returned
                .or_else(|| ctx.arn("s3", Some(region), &["accesspoint/", name].concat()))?;
            Some(ListedPoint {
                arn,
                name: name.to_owned(),
                bucket: Some(ap.bucket()).filter(|b| !b.is_empty()).map(str::to_owned),
                network_origin: Some(ap.network_origin().as_str())
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned),
            })
        })
        .collect();
    let client = &client;
    futures::stream::iter(listed)
        .map(|p| async move {
            let out = ctx
                .read(
                    Action::S3ControlGetAccessPoint,
                    Some(region),
                    Some(&p.arn),
                    client
                        .get_access_point()
                        .account_id(account)
                        .name(&p.name)
                        .send(),
                )
                .await;
            let public_access_block: Collected<Option<PublicAccessBlock>> =
                out.map(|o| o.public_access_block_configuration().map(control_switches));
            Resource {
                arn: p.arn,
                region: Some(region.clone()),
                name: p.name.clone(),
                tags: Tags::new(),
                properties: Properties::S3AccessPoint(Box::new(S3AccessPoint {
                    name: p.name,
                    bucket: p.bucket,
                    network_origin: p.network_origin,
                    public_access_block,
                })),
            }
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await
}

/// The account's Multi-Region Access Points; none outside the `aws`
/// partition, which has no Multi-Region Access Points.
pub(super) async fn multi_region(ctx: &AwsContext) -> Vec<Resource> {
    if ctx.partition().as_str() != "aws" {
        return Vec::new();
    }
    let Ok(control) = Region::from_str(MULTI_REGION_CONTROL) else {
        return Vec::new();
    };
    let client = ctx.s3control(&control);
    let stream = client
        .list_multi_region_access_points()
        .account_id(ctx.account_id().as_str())
        .max_results(MULTI_REGION_PAGE)
        .into_paginator()
        .send();
    // The gap names no region: the points are global.
    let paged = ctx
        .paginate(Action::S3ControlListMultiRegionAccessPoints, None, stream)
        .await;
    paged
        .pages
        .iter()
        .flat_map(|p| p.access_points())
        .filter_map(|m| {
            let alias = m.alias().filter(|a| !a.is_empty())?;
            let name = m.name().filter(|n| !n.is_empty()).unwrap_or(alias);
            let arn = ctx.arn("s3", None, &["accesspoint/", alias].concat())?;
            Some(Resource {
                arn,
                region: None,
                name: name.to_owned(),
                tags: Tags::new(),
                properties: Properties::S3MultiRegionAccessPoint(Box::new(
                    S3MultiRegionAccessPoint {
                        name: name.to_owned(),
                        alias: alias.to_owned(),
                        status: m.status().map(|s| s.as_str().to_owned()),
                        public_access_block: m.public_access_block().map(control_switches),
                    },
                )),
            })
        })
        .collect()
}

fn control_switches(c: &PublicAccessBlockConfiguration) -> PublicAccessBlock {
    switches(
        c.block_public_acls(),
        c.ignore_public_acls(),
        c.block_public_policy(),
        c.restrict_public_buckets(),
    )
}
