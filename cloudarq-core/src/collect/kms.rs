//! KMS collector: the customer managed keys of one region, with their
//! rotation status, key policy and tags.
//!
//! Calls per region: one `ListKeys` per page of 1,000, then per key one
//! `DescribeKey` (which says who manages it: AWS managed keys stop there and
//! are left out), and for each customer managed key `GetKeyPolicy`,
//! `ListResourceTags` (one page: a key holds at most 50 tags) and, when
//! rotation applies to it, `GetKeyRotationStatus`, at once.

use aws_sdk_kms::Client;
use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyOutput;
use aws_sdk_kms::types::{KeyListEntry, KeyManagerType, KeyMetadata};
use cloudarq_model::inventory::kms::KmsKey;
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::{policy_document, tags, ts_opt};

/// The most keys `ListKeys` returns per page.
const PAGE_SIZE: i32 = 1000;

/// The most tags a key can hold, and so the one page `ListResourceTags`
/// needs.
const TAG_PAGE_SIZE: i32 = 50;

/// The only key policy name KMS supports.
const POLICY_NAME: &str = "default";

/// `GetKeyRotationStatus` error codes that mean "rotation does not apply to
/// this key": its spec, origin or key store does not support it, or its
/// state (pending deletion) lets KMS not report it.
const NO_ROTATION: &[&str] = &["UnsupportedOperationException", "KMSInvalidStateException"];

/// Collects the customer managed KMS keys of one region.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.kms(region);
    let stream = client.list_keys().limit(PAGE_SIZE).into_paginator().send();
    let pages = ctx
        .paginate(Action::KmsListKeys, Some(region), stream)
        .await
        .pages;
    let entries: Vec<&KeyListEntry> = pages.iter().flat_map(|p| p.keys()).collect();
    let client = &client;
    futures::stream::iter(entries)
        .map(|entry| key(ctx, client, region, entry))
        .buffer_unordered(ctx.concurrency())
        .filter_map(std::future::ready)
        .collect()
        .await
}

/// The key's ARN: the one KMS returned, else `key/<id>` in this account.
fn key_arn(ctx: &AwsContext, region: &Region, returned: Option<&str>, id: &str) -> Option<Arn> {
    if let Some(arn) = returned.and_then(|a| a.parse::<Arn>().ok()) {
        return Some(arn);
    }
    if id.is_empty() {
        return None;
    }
    ctx.arn("kms", Some(region), &["key/", id].concat())
}

/// One listed key: described, then, when customer managed, read in full.
async fn key(
    ctx: &AwsContext,
    client: &Client,
    region: &Region,
    entry: &KeyListEntry,
) -> Option<Resource> {
    let id = entry.key_id().unwrap_or_default();
    let Some(arn) = key_arn(ctx, region, entry.key_arn(), id) else {
        tracing::warn!(id, "kms key without a usable ARN; skipped");
        return None;
    };
    let (at, arn_ref) = (Some(region), Some(&arn));
    // Without DescribeKey nothing tells an AWS managed key from a customer
    // managed one: the key is left out, and the gap names it.
    let described = ctx
        .read(
            Action::KmsDescribeKey,
            at,
            arn_ref,
            client.describe_key().key_id(id).send(),
        )
        .await;
    let Collected::Value(out) = described else {
        return None;
    };
    let Some(meta) = out.key_metadata() else {
        let missing = Err(CallError {
            kind: GapKind::Other,
            code: None,
            message: "DescribeKey returned no key metadata".to_owned(),
        });
        let _: Collected<()> = ctx.settle(Action::KmsDescribeKey, at, arn_ref, missing);
        return None;
    };
    if meta.key_manager() == Some(&KeyManagerType::Aws) {
        tracing::trace!(resource_arn = %arn, "aws managed kms key; skipped");
        return None;
    }
    let mut props = described_key(meta);
    let applies = props.rotation_applies();
    let rotation = async {
        if !applies {
            return Collected::Value(None);
        }
        ctx.read_optional(
            Action::KmsGetKeyRotationStatus,
            at,
            arn_ref,
            NO_ROTATION,
            client.get_key_rotation_status().key_id(id).send(),
        )
        .await
        .map(|o| o.map(|out| out.key_rotation_enabled()))
    };
    let (rotation, policy, tag_list) = futures::join!(
        rotation,
        ctx.read(
            Action::KmsGetKeyPolicy,
            at,
            arn_ref,
            client
                .get_key_policy()
                .key_id(id)
                .policy_name(POLICY_NAME)
                .send(),
        ),
        ctx.read(
            Action::KmsListResourceTags,
            at,
            arn_ref,
            client
                .list_resource_tags()
                .key_id(id)
                .limit(TAG_PAGE_SIZE)
                .send(),
        ),
    );
    props.rotation_enabled = rotation;
    props.policy = match policy {
        Collected::Value(out) => ctx.settle(
            Action::KmsGetKeyPolicy,
            at,
            arn_ref,
            key_policy(&out).ok_or_else(|| CallError {
                kind: GapKind::Other,
                code: None,
                message: "the key policy is not a JSON document".to_owned(),
            }),
        ),
        Collected::NotCollected => Collected::NotCollected,
    };
    // A failed ListResourceTags is a gap naming the key; the tags stay empty.
    let tags: Tags = match tag_list {
        Collected::Value(out) => tags(
            out.tags()
                .iter()
                .map(|t| (Some(t.tag_key()), Some(t.tag_value()))),
        ),
        Collected::NotCollected => Tags::new(),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: props.key_id.clone(),
        tags,
        properties: Properties::KmsKey(Box::new(props)),
    })
}

/// The fields `DescribeKey` gives; the `Collected` ones start not collected.
fn described_key(m: &KeyMetadata) -> KmsKey {
    KmsKey {
        key_id: m.key_id().to_owned(),
        state: m.key_state().map(|s| s.as_str().to_owned()),
        key_spec: m.key_spec().map(|s| s.as_str().to_owned()),
        key_usage: m.key_usage().map(|u| u.as_str().to_owned()),
        origin: m.origin().map(|o| o.as_str().to_owned()),
        multi_region: m.multi_region().unwrap_or(false),
        description: m.description().filter(|d| !d.is_empty()).map(str::to_owned),
        created: ts_opt(m.creation_date()),
        deletion_date: ts_opt(m.deletion_date()),
        rotation_enabled: Collected::NotCollected,
        policy: Collected::NotCollected,
    }
}

/// The decoded key policy: `Some(None)` when KMS returned no document,
/// `None` when the document is not JSON.
fn key_policy(out: &GetKeyPolicyOutput) -> Option<Option<serde_json::Value>> {
    match out.policy() {
        None => Some(None),
        Some(raw) if raw.trim().is_empty() => Some(None),
        Some(raw) => policy_document(raw).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, OriginType};

    use super::*;

    #[test]
    fn key_policies_decode_or_say_why_not() {
        let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let out = GetKeyPolicyOutput::builder().policy(doc).build();
        assert_eq!(
            key_policy(&out),
            Some(Some(
                serde_json::json!({"Version": "2012-10-17", "Statement": []})
            ))
        );
        assert_eq!(
            key_policy(&GetKeyPolicyOutput::builder().build()),
            Some(None)
        );
        let blank = GetKeyPolicyOutput::builder().policy(" ").build();
        assert_eq!(key_policy(&blank), Some(None));
        let broken = GetKeyPolicyOutput::builder().policy("{not json").build();
        assert_eq!(key_policy(&broken), None);
    }

    #[test]
    fn described_keys_keep_the_strings_kms_uses() {
        let meta = KeyMetadata::builder()
            .key_id("k-1")
            .key_state(KeyState::PendingDeletion)
            .key_spec(KeySpec::SymmetricDefault)
            .key_usage(KeyUsageType::EncryptDecrypt)
            .origin(OriginType::AwsKms)
            .description("")
            .deletion_date(aws_smithy_types::DateTime::from_secs(1_800_000_000))
            .build()
            .expect("a key id is set");
        let k = described_key(&meta);
        assert_eq!(k.state.as_deref(), Some("PendingDeletion"));
        assert_eq!(k.key_spec.as_deref(), Some("SYMMETRIC_DEFAULT"));
        assert_eq!(k.key_usage.as_deref(), Some("ENCRYPT_DECRYPT"));
        assert_eq!(k.origin.as_deref(), Some("AWS_KMS"));
        assert!(k.rotation_applies());
        assert_eq!(k.description, None);
        assert!(!k.multi_region);
        assert_eq!(
            k.deletion_date.map(|d| d.to_string()).as_deref(),
            Some("2027-01-15T08:00:00Z")
        );
        assert_eq!(k.rotation_enabled, Collected::NotCollected);
    }
}
