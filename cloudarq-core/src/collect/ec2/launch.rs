//! What instances launch from and with: AMIs (the account's own, and those
//! the region's instances use), launch templates (default and latest
//! versions), and the region's security defaults (block public access for
//! AMIs and snapshots, instance metadata defaults).
//!
//! Requests per region: one `DescribeImages` listing of owned AMIs, one
//! `DescribeImages` per 200 distinct AMIs that instances use and the owned
//! listing did not return (none when every instance runs an owned AMI), one
//! `DescribeLaunchTemplateVersions` listing (`Versions=[$Default,$Latest]`
//! names both versions of every template, so no call per template), and
//! one call each for the three defaults; every listing is followed to its
//! last page.
//!
//! User data and the rest of a launch template's data are read (EC2 sends
//! them) but never copied: only metadata options and public-IP flags are.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput;
use aws_sdk_ec2::types;
use cloudarq_model::inventory::ec2::{
    Ec2SecurityDefaults, Image, LaunchTemplate, LaunchTemplateInterface, LaunchTemplateVersion,
    MetadataOptions,
};
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource, Tags, Timestamp};

use super::{Listing, display_name, tag_map};
use crate::aws::{Action, AwsContext, CallError};

/// How many AMI ids one `image-id` filter names (EC2 accepts 200 values
/// per filter).
const IMAGE_IDS_PER_CALL: usize = 200;

/// The AMI resources of a region: those of the owned listing, and those
/// instances use (`used`) that it did not return, read with `image-id`
/// filters.
pub(super) async fn images(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    owned: &Listing<DescribeImagesOutput>,
    used: BTreeSet<&str>,
) -> Vec<Resource> {
    let listed: Vec<&types::Image> = owned.pages.iter().flat_map(|p| p.images()).collect();
    let known: BTreeSet<&str> = listed.iter().filter_map(|i| i.image_id()).collect();
    let missing: Vec<String> = used
        .into_iter()
        .filter(|id| !id.is_empty() && !known.contains(id))
        .map(str::to_owned)
        .collect();
    let mut looked_up = Vec::new();
    for chunk in missing.chunks(IMAGE_IDS_PER_CALL) {
        let filter = types::Filter::builder()
            .name("image-id")
            .set_values(Some(chunk.to_vec()))
            .build();
        let paged = ctx
            .paginate(
                Action::Ec2DescribeImages,
                Some(region),
                client
                    .describe_images()
                    .filters(filter)
                    .include_deprecated(true)
                    .into_paginator()
                    .send(),
            )
            .await;
        looked_up.extend(paged.pages);
    }
    let mut by_id: BTreeMap<&str, &types::Image> = BTreeMap::new();
    for image in listed
        .into_iter()
        .chain(looked_up.iter().flat_map(|p| p.images()))
    {
        if let Some(id) = image.image_id().filter(|id| !id.is_empty()) {
            by_id.entry(id).or_insert(image);
        }
    }
    by_id
        .into_iter()
        .filter_map(|(id, image)| image_resource(ctx, region, id, image))
        .collect()
}

/// AMI ARNs name no account: `arn:aws:ec2:<region>::image/<id>`.
fn image_arn(ctx: &AwsContext, region: &Region, id: &str) -> Option<Arn> {
    Arn::build(
        ctx.partition(),
        "ec2",
        Some(region),
        None,
        &format!("image/{id}"),
    )
    .ok()
}

fn image_resource(
    ctx: &AwsContext,
    region: &Region,
    id: &str,
    image: &types::Image,
) -> Option<Resource> {
    let arn = image_arn(ctx, region, id)?;
    let deprecation_time = match image.deprecation_time().filter(|t| !t.is_empty()) {
        None => Collected::Value(None),
        Some(text) => ctx.settle(
            Action::Ec2DescribeImages,
            Some(region),
            Some(&arn),
            text.parse::<Timestamp>().map(Some).map_err(|_| CallError {
                kind: GapKind::Other,
                code: None,
                message: "the AMI's DeprecationTime is not an RFC 3339 time".to_owned(),
            }),
        ),
    };
    let owner_id = image
        .owner_id()
        .filter(|o| !o.is_empty())
        .map(str::to_owned);
    let props = Image {
        image_id: id.to_owned(),
        owned: owner_id.as_deref() == Some(ctx.account_id().as_str()),
        owner_id,
        public: image.public(),
        state: image.state().map(|s| s.as_str().to_owned()),
        virtualization_type: image.virtualization_type().map(|v| v.as_str().to_owned()),
        creation_date: image.creation_date().and_then(|d| d.parse().ok()),
        deprecation_time,
    };
    let tags = tag_map(image.tags());
    let name = match image.name().filter(|n| !n.trim().is_empty()) {
        Some(ami_name) if !tags.contains_key("Name") => ami_name.to_owned(),
        _ => display_name(&tags, id),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name,
        tags,
        properties: Properties::Ec2Image(Box::new(props)),
    })
}

/// One launch template's versions as the listing gave them.
#[derive(Default)]
struct TemplateVersions<'a> {
    name: Option<&'a str>,
    versions: BTreeMap<i64, &'a types::LaunchTemplateVersion>,
}

/// The launch templates of a region, from the `$Default`/`$Latest`
/// version listing.
pub(super) fn launch_templates(
    ctx: &AwsContext,
    region: &Region,
    listing: &Listing<DescribeLaunchTemplateVersionsOutput>,
) -> Vec<Resource> {
    let mut templates: BTreeMap<&str, TemplateVersions> = BTreeMap::new();
    for v in listing
        .pages
        .iter()
        .flat_map(|p| p.launch_template_versions())
    {
        let (Some(id), Some(number)) = (
            v.launch_template_id().filter(|id| !id.is_empty()),
            v.version_number(),
        ) else {
            continue;
        };
        let t = templates.entry(id).or_default();
        t.name = t.name.or(v.launch_template_name());
        t.versions.entry(number).or_insert(v);
    }
    templates
        .into_iter()
        .filter_map(|(id, t)| {
            let arn = ctx.arn("ec2", Some(region), &format!("launch-template/{id}"))?;
            let latest = t.versions.keys().max().copied();
            let versions = t
                .versions
                .iter()
                .map(|(number, v)| template_version(*number, Some(*number) == latest, v))
                .collect();
            Some(Resource {
                arn,
                region: Some(region.clone()),
                name: t
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or(id)
                    .to_owned(),
                tags: Tags::new(),
                properties: Properties::Ec2LaunchTemplate(Box::new(LaunchTemplate {
                    launch_template_id: id.to_owned(),
                    versions,
                })),
            })
        })
        .collect()
}

/// The parts of a version the rules read; nothing else is copied.
fn template_version(
    number: i64,
    is_latest: bool,
    v: &types::LaunchTemplateVersion,
) -> LaunchTemplateVersion {
    let data = v.launch_template_data();
    LaunchTemplateVersion {
        version_number: number,
        is_default: v.default_version().unwrap_or(false),
        is_latest,
        metadata_options: data
            .and_then(|d| d.metadata_options())
            .map(|m| MetadataOptions {
                http_tokens: m.http_tokens().map(|t| t.as_str().to_owned()),
                http_endpoint: m.http_endpoint().map(|e| e.as_str().to_owned()),
                http_put_response_hop_limit: m.http_put_response_hop_limit(),
            }),
        network_interfaces: data
            .map(|d| d.network_interfaces())
            .unwrap_or_default()
            .iter()
            .map(|n| LaunchTemplateInterface {
                device_index: n.device_index(),
                associate_public_ip_address: n.associate_public_ip_address(),
            })
            .collect(),
    }
}

/// A response that lacks the one value it exists for.
fn no_value(what: &str) -> CallError {
    CallError {
        kind: GapKind::Other,
        code: None,
        message: format!("the response named no {what}"),
    }
}

/// The region's security defaults: three calls, each filling one field.
pub(super) async fn security_defaults(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
) -> Option<Resource> {
    let arn = Arn::build(
        ctx.partition(),
        "ec2",
        Some(region),
        Some(ctx.account_id()),
        "account/security-defaults",
    )
    .ok()?;
    let at = Some(region);
    let (image, snapshot, metadata) = futures::join!(
        ctx.call(
            Action::Ec2GetImageBlockPublicAccessState,
            at,
            client.get_image_block_public_access_state().send(),
        ),
        ctx.call(
            Action::Ec2GetSnapshotBlockPublicAccessState,
            at,
            client.get_snapshot_block_public_access_state().send(),
        ),
        ctx.call(
            Action::Ec2GetInstanceMetadataDefaults,
            at,
            client.get_instance_metadata_defaults().send(),
        ),
    );
    let image = image.and_then(|out| {
        out.image_block_public_access_state()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| no_value("ImageBlockPublicAccessState"))
    });
    let snapshot = snapshot.and_then(|out| {
        out.state()
            .map(|s| s.as_str().to_owned())
            .ok_or_else(|| no_value("State"))
    });
    // No `AccountLevel` at all is "no preference" for every option.
    let metadata = metadata.map(|out| match out.account_level() {
        Some(level) => MetadataOptions {
            http_tokens: level.http_tokens().map(|t| t.as_str().to_owned()),
            http_endpoint: level.http_endpoint().map(|e| e.as_str().to_owned()),
            http_put_response_hop_limit: level.http_put_response_hop_limit().filter(|h| *h > 0),
        },
        None => MetadataOptions {
            http_tokens: None,
            http_endpoint: None,
            http_put_response_hop_limit: None,
        },
    });
    let props = Ec2SecurityDefaults {
        image_block_public_access: ctx.settle(
            Action::Ec2GetImageBlockPublicAccessState,
            at,
            Some(&arn),
            image,
        ),
        snapshot_block_public_access: ctx.settle(
            Action::Ec2GetSnapshotBlockPublicAccessState,
            at,
            Some(&arn),
            snapshot,
        ),
        instance_metadata_defaults: ctx.settle(
            Action::Ec2GetInstanceMetadataDefaults,
            at,
            Some(&arn),
            metadata,
        ),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Tags::new(),
        properties: Properties::Ec2SecurityDefaults(Box::new(props)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataEndpointState,
        LaunchTemplateInstanceMetadataOptions, LaunchTemplateInstanceNetworkInterfaceSpecification,
        ResponseLaunchTemplateData,
    };

    #[test]
    fn a_version_keeps_only_metadata_options_and_public_ip_flags() {
        let v = types::LaunchTemplateVersion::builder()
            .launch_template_id("lt-1")
            .version_number(3)
            .default_version(true)
            .launch_template_data(
                ResponseLaunchTemplateData::builder()
                    .user_data("c2VjcmV0LXBhc3N3b3Jk")
                    .metadata_options(
                        LaunchTemplateInstanceMetadataOptions::builder()
                            .http_tokens(LaunchTemplateHttpTokensState::Optional)
                            .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                            .build(),
                    )
                    .network_interfaces(
                        LaunchTemplateInstanceNetworkInterfaceSpecification::builder()
                            .device_index(0)
                            .associate_public_ip_address(true)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let kept = template_version(3, false, &v);
        assert_eq!(
            kept,
            LaunchTemplateVersion {
                version_number: 3,
                is_default: true,
                is_latest: false,
                metadata_options: Some(MetadataOptions {
                    http_tokens: Some("optional".into()),
                    http_endpoint: Some("enabled".into()),
                    http_put_response_hop_limit: None,
                }),
                network_interfaces: vec![LaunchTemplateInterface {
                    device_index: Some(0),
                    associate_public_ip_address: Some(true),
                }],
            }
        );
        let json = serde_json::to_string(&kept).expect("serializes");
        assert!(!json.contains("c2VjcmV0"), "no user data: {json}");
        let bare = types::LaunchTemplateVersion::builder()
            .version_number(1)
            .build();
        let bare = template_version(1, true, &bare);
        assert_eq!(bare.metadata_options, None);
        assert!(bare.network_interfaces.is_empty());
        assert!(!bare.is_default);
    }
}
