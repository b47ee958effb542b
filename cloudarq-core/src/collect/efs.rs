//! Amazon EFS collector: the file systems of one region, with their
//! encryption, tags and file system policy.
//!
//! Calls per region: `DescribeFileSystems` per page of 100, then
//! `DescribeFileSystemPolicy` per file system (`PolicyNotFound` means the
//! file system has no policy: a real answer, not a gap).

use aws_sdk_efs::Client;
use aws_sdk_efs::operation::describe_file_system_policy::DescribeFileSystemPolicyOutput;
use aws_sdk_efs::types::FileSystemDescription;
use cloudarq_model::inventory::efs::FileSystem;
use cloudarq_model::{Collected, GapKind, Properties, Region, Resource, Service};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::{policy_document, tags, ts};

/// File systems per `DescribeFileSystems` page (the most EFS allows).
const PAGE_SIZE: i32 = 100;

/// `DescribeFileSystemPolicy` error codes that mean "no policy".
const NO_POLICY: &[&str] = &["PolicyNotFound"];

/// Collects the EFS file systems of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.efs(region);
    let stream = client
        .describe_file_systems()
        .max_items(PAGE_SIZE)
        .into_paginator()
        .send();
    let pages = ctx
        .paginate(Action::EfsDescribeFileSystems, Some(region), stream)
        .await
        .pages;
    let described: Vec<&FileSystemDescription> =
        pages.iter().flat_map(|p| p.file_systems()).collect();
    let client = &client;
    futures::stream::iter(described)
        .map(|d| file_system(ctx, client, region, d))
        .buffer_unordered(ctx.concurrency())
        .filter_map(std::future::ready)
        .collect()
        .await
}

/// One listed file system, with its policy read.
async fn file_system(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    d: &FileSystemDescription,
) -> Option<Resource> {
    let id = d.file_system_id();
    let Some(arn) = ctx.arn(
        Service::Efs.arn_namespace(),
        Some(region),
        &["file-system/", id].concat(),
    ) else {
        tracing::warn!(
            region = region.as_str(),
            "efs file system without a usable id; skipped"
        );
        return None;
    };
    let mut props = described(d);
    let (at, arn_ref) = (Some(region), Some(&arn));
    let policy = ctx
        .call_optional(
            Action::EfsDescribeFileSystemPolicy,
            at,
            NO_POLICY,
            client
                .describe_file_system_policy()
                .file_system_id(id)
                .send(),
        )
        .await
        .and_then(|out| {
            file_system_policy(out.as_ref()).ok_or_else(|| CallError {
                kind: GapKind::Other,
                code: None,
                message: "the file system policy is not a JSON document".to_owned(),
            })
        });
    props.policy = ctx.settle(Action::EfsDescribeFileSystemPolicy, at, arn_ref, policy);
    let name = d
        .name()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(id)
        .to_owned();
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name,
        tags: tags(d.tags().iter().map(|t| (Some(t.key()), Some(t.value())))),
        properties: Properties::EfsFileSystem(Box::new(props)),
    })
}

/// The fields `DescribeFileSystems` gives; the policy starts not collected.
fn described(d: &FileSystemDescription) -> FileSystem {
    FileSystem {
        file_system_id: d.file_system_id().to_owned(),
        encrypted: d.encrypted().unwrap_or(false),
        kms_key_id: d.kms_key_id().filter(|k| !k.is_empty()).map(str::to_owned),
        life_cycle_state: d.life_cycle_state().as_str().to_owned(),
        created: ts(d.creation_time()),
        performance_mode: Some(d.performance_mode().as_str())
            .filter(|m| !m.is_empty())
            .map(str::to_owned),
        throughput_mode: d.throughput_mode().map(|m| m.as_str().to_owned()),
        policy: Collected::NotCollected,
    }
}

/// The decoded policy: `Some(None)` when there is none (`PolicyNotFound`,
/// or an answer without a document), `None` when the document is not JSON.
fn file_system_policy(
    out: Option<&DescribeFileSystemPolicyOutput>,
) -> Option<Option<serde_json::Value>> {
    match out.and_then(|o| o.policy()) {
        None => Some(None),
        Some(raw) if raw.trim().is_empty() => Some(None),
        Some(raw) => policy_document(raw).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_efs::types::{LifeCycleState, PerformanceMode, Tag, ThroughputMode};

    use super::*;

    fn description(encrypted: Option<bool>) -> FileSystemDescription {
        let mut b = FileSystemDescription::builder()
            .owner_id("123456789012")
            .creation_token("tok")
            .file_system_id("fs-0123456789abcdef0")
            .creation_time(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .life_cycle_state(LifeCycleState::Available)
            .number_of_mount_targets(0)
            .performance_mode(PerformanceMode::GeneralPurpose)
            .throughput_mode(ThroughputMode::Elastic)
            .tags(
                Tag::builder()
                    .key("Name")
                    .value("shared")
                    .build()
                    .expect("tag"),
            );
        if let Some(e) = encrypted {
            b = b.encrypted(e);
        }
        if encrypted == Some(true) {
            b = b.kms_key_id("arn:aws:kms:eu-west-1:123456789012:key/k");
        }
        b.build().expect("every required field is set")
    }

    #[test]
    fn described_file_systems_keep_encryption_and_modes() {
        let fs = described(&description(Some(true)));
        assert!(fs.encrypted);
        assert_eq!(
            fs.kms_key_id.as_deref(),
            Some("arn:aws:kms:eu-west-1:123456789012:key/k")
        );
        assert_eq!(fs.life_cycle_state, "available");
        assert_eq!(fs.performance_mode.as_deref(), Some("generalPurpose"));
        assert_eq!(fs.throughput_mode.as_deref(), Some("elastic"));
        assert_eq!(
            fs.created.map(|t| t.to_string()).as_deref(),
            Some("2027-01-15T08:00:00Z")
        );
        assert_eq!(fs.policy, Collected::NotCollected);
        // EFS leaving `Encrypted` out is not encryption.
        let plain = described(&description(None));
        assert!(!plain.encrypted && plain.kms_key_id.is_none());
    }

    #[test]
    fn policies_decode_or_are_absent() {
        let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let out = DescribeFileSystemPolicyOutput::builder()
            .policy(doc)
            .build();
        assert_eq!(
            file_system_policy(Some(&out)),
            Some(Some(
                serde_json::json!({"Version": "2012-10-17", "Statement": []})
            ))
        );
        assert_eq!(file_system_policy(None), Some(None));
        let blank = DescribeFileSystemPolicyOutput::builder()
            .policy(" ")
            .build();
        assert_eq!(file_system_policy(Some(&blank)), Some(None));
        let bad = DescribeFileSystemPolicyOutput::builder()
            .policy("{nope")
            .build();
        assert_eq!(file_system_policy(Some(&bad)), None);
    }
}
