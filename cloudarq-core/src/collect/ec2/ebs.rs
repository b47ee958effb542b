//! EBS: volumes, the account's snapshots and which of them are public, and
//! the region's encryption-by-default settings.
//!
//! Public snapshots take one extra call, not one per snapshot:
//! `DescribeSnapshots` with `OwnerIds=[self]` and `RestorableByUserIds=[all]`
//! names exactly the owned snapshots anyone may restore. That answer is
//! trusted unless it names *every* owned snapshot: an endpoint that ignores
//! the filter (moto does) answers the same way as an account whose
//! snapshots are all public. Only then is each snapshot's
//! `createVolumePermission` read with `DescribeSnapshotAttribute`, which is
//! right in both cases.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_ec2::types;
use cloudarq_model::inventory::ec2::{Ec2RegionSettings, Snapshot, Volume};
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource};
use futures::StreamExt;

use super::{display_name, regional, tag_map};
use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util;

/// A volume; `None` without an id.
pub(super) fn volume(ctx: &AwsContext, region: &Region, v: &types::Volume) -> Option<Resource> {
    let volume_id = v.volume_id().filter(|s| !s.is_empty())?;
    let mut attached_instances: Vec<String> = Vec::new();
    for id in v.attachments().iter().filter_map(|a| a.instance_id()) {
        super::push_unique(&mut attached_instances, id);
    }
    let props = Volume {
        volume_id: volume_id.to_owned(),
        size_gib: v.size(),
        volume_type: v.volume_type().map(|t| t.as_str().to_owned()),
        // EC2 always sends `encrypted` for a volume.
        encrypted: v.encrypted().unwrap_or(false),
        kms_key_id: v.kms_key_id().map(str::to_owned),
        state: v.state().map(|s| s.as_str().to_owned()),
        availability_zone: v.availability_zone().map(str::to_owned),
        attached_instances,
        snapshot_id: v.snapshot_id().filter(|s| !s.is_empty()).map(str::to_owned),
        created: util::ts_opt(v.create_time()),
    };
    regional(
        ctx,
        region,
        "volume",
        volume_id,
        tag_map(v.tags()),
        Properties::Ec2Volume(Box::new(props)),
    )
}

/// The owned snapshots of a region, each with whether it is public.
pub(super) async fn snapshots(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
) -> Vec<Resource> {
    let owned = ctx
        .paginate(
            Action::Ec2DescribeSnapshots,
            Some(region),
            client
                .describe_snapshots()
                .owner_ids("self")
                .into_paginator()
                .send(),
        )
        .await;
    let account = ctx.account_id().as_str();
    // `OwnerIds=[self]` should leave only ours; an endpoint that ignores it
    // (moto) also lists other accounts' public snapshots, so check again.
    let owned: Vec<(&str, &types::Snapshot)> = owned
        .pages
        .iter()
        .flat_map(|p| p.snapshots())
        .filter(|s| s.owner_id().is_none_or(|o| o == account))
        .filter_map(|s| Some((s.snapshot_id().filter(|id| !id.is_empty())?, s)))
        .collect();
    if owned.is_empty() {
        return Vec::new();
    }
    let arns: HashMap<&str, Arn> = owned
        .iter()
        .filter_map(|(id, _)| Some((*id, snapshot_arn(ctx, region, id)?)))
        .collect();
    let public = public_flags(ctx, client, region, &arns).await;
    owned
        .into_iter()
        .filter_map(|(id, s)| {
            let arn = arns.get(id)?.clone();
            let tags = tag_map(s.tags());
            let props = Snapshot {
                snapshot_id: id.to_owned(),
                volume_id: s.volume_id().filter(|v| !v.is_empty()).map(str::to_owned),
                // EC2 always sends `encrypted` for a snapshot.
                encrypted: s.encrypted().unwrap_or(false),
                kms_key_id: s.kms_key_id().map(str::to_owned),
                state: s.state().map(|st| st.as_str().to_owned()),
                started: util::ts_opt(s.start_time()),
                volume_size_gib: s.volume_size(),
                public: public.get(id).cloned().unwrap_or_default(),
            };
            Some(Resource {
                arn,
                region: Some(region.clone()),
                name: display_name(&tags, id),
                tags,
                properties: Properties::Ec2Snapshot(Box::new(props)),
            })
        })
        .collect()
}

/// EBS snapshot ARNs name no account: `arn:aws:ec2:<region>::snapshot/<id>`.
fn snapshot_arn(ctx: &AwsContext, region: &Region, id: &str) -> Option<Arn> {
    Arn::build(
        ctx.partition(),
        "ec2",
        Some(region),
        None,
        &format!("snapshot/{id}"),
    )
    .ok()
}

/// Whether each owned snapshot (id → ARN) is public.
async fn public_flags<'a>(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    owned: &HashMap<&'a str, Arn>,
) -> HashMap<&'a str, Collected<bool>> {
    let listed = ctx
        .paginate(
            Action::Ec2DescribeSnapshots,
            Some(region),
            client
                .describe_snapshots()
                .owner_ids("self")
                .restorable_by_user_ids("all")
                .into_paginator()
                .send(),
        )
        .await;
    if listed.error.is_some() {
        // A partial listing cannot show that a snapshot is *not* public.
        return owned
            .keys()
            .map(|id| (*id, Collected::NotCollected))
            .collect();
    }
    let restorable = listed
        .pages
        .iter()
        .flat_map(|p| p.snapshots())
        .filter_map(|s| s.snapshot_id());
    let owned_ids: Vec<&'a str> = owned.keys().copied().collect();
    match read_public_listing(&owned_ids, restorable) {
        PublicListing::Trusted(public) => owned_ids
            .into_iter()
            .map(|id| (id, Collected::Value(public.contains(id))))
            .collect(),
        PublicListing::Ambiguous => {
            tracing::debug!(
                region = region.as_str(),
                snapshots = owned.len(),
                "restorable-by-all listing names every owned snapshot; reading each one's permissions"
            );
            futures::stream::iter(owned.iter())
                .map(|(id, arn)| async move {
                    (*id, snapshot_is_public(ctx, client, region, id, arn).await)
                })
                .buffer_unordered(ctx.concurrency())
                .collect()
                .await
        }
    }
}

/// What the restorable-by-all listing says about the owned snapshots.
#[derive(Debug, PartialEq, Eq)]
enum PublicListing {
    /// Exactly these owned snapshots are public.
    Trusted(BTreeSet<String>),
    /// Every owned snapshot was listed: either all are public, or the
    /// endpoint ignored the filter. The listing cannot tell which.
    Ambiguous,
}

fn read_public_listing<'a>(
    owned: &[&str],
    restorable: impl Iterator<Item = &'a str>,
) -> PublicListing {
    let owned_set: BTreeSet<&str> = owned.iter().copied().collect();
    let public: BTreeSet<String> = restorable
        .filter(|id| owned_set.contains(id))
        .map(str::to_owned)
        .collect();
    if !owned_set.is_empty() && public.len() == owned_set.len() {
        PublicListing::Ambiguous
    } else {
        PublicListing::Trusted(public)
    }
}

/// Reads one snapshot's `createVolumePermission`: public when the group
/// `all` may create volumes from it.
async fn snapshot_is_public(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
    arn: &Arn,
) -> Collected<bool> {
    ctx.read(
        Action::Ec2DescribeSnapshotAttribute,
        Some(region),
        Some(arn),
        client
            .describe_snapshot_attribute()
            .snapshot_id(id)
            .attribute(types::SnapshotAttributeName::CreateVolumePermission)
            .send(),
    )
    .await
    .map(|out| {
        out.create_volume_permissions()
            .iter()
            .any(|p| p.group() == Some(&types::PermissionGroup::All))
    })
}

/// The region's EBS encryption-by-default switch and default key.
pub(super) async fn region_settings(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
) -> Option<Resource> {
    let arn = Arn::account_setting(ctx.partition(), "ec2", Some(region), ctx.account_id()).ok()?;
    let at = Some(region);
    let (by_default, ebs_default_kms_key_id) = futures::join!(
        ctx.call(
            Action::Ec2GetEbsEncryptionByDefault,
            at,
            client.get_ebs_encryption_by_default().send(),
        ),
        ctx.read(
            Action::Ec2GetEbsDefaultKmsKeyId,
            at,
            Some(&arn),
            client.get_ebs_default_kms_key_id().send(),
        ),
    );
    let by_default = by_default.and_then(|out| {
        out.ebs_encryption_by_default().ok_or_else(|| CallError {
            kind: GapKind::Other,
            code: None,
            message: "the response named no EbsEncryptionByDefault".to_owned(),
        })
    });
    let ebs_encryption_by_default = ctx.settle(
        Action::Ec2GetEbsEncryptionByDefault,
        at,
        Some(&arn),
        by_default,
    );
    let ebs_default_kms_key_id =
        ebs_default_kms_key_id.map(|out| out.kms_key_id().map(str::to_owned));
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::Ec2RegionSettings(Box::new(Ec2RegionSettings {
            ebs_encryption_by_default,
            ebs_default_kms_key_id,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_of_some_snapshots_is_trusted() {
        let owned = ["snap-1", "snap-2", "snap-3"];
        let listed = ["snap-2", "snap-foreign"];
        assert_eq!(
            read_public_listing(&owned, listed.into_iter()),
            PublicListing::Trusted(BTreeSet::from(["snap-2".to_owned()]))
        );
        assert_eq!(
            read_public_listing(&owned, std::iter::empty()),
            PublicListing::Trusted(BTreeSet::new())
        );
    }

    #[test]
    fn a_listing_of_every_snapshot_is_ambiguous() {
        let owned = ["snap-1", "snap-2"];
        let listed = ["snap-2", "snap-1", "snap-foreign"];
        assert_eq!(
            read_public_listing(&owned, listed.into_iter()),
            PublicListing::Ambiguous
        );
        assert_eq!(
            read_public_listing(&[], listed.into_iter()),
            PublicListing::Trusted(BTreeSet::new())
        );
    }
}
