//! SNS collector: one region's topics, with the attributes CloudArq reads.
//!
//! Calls per region: `ListTopics` (100 per page, a fixed page size), then
//! one `GetTopicAttributes` per topic. Subscription endpoints are never
//! read: `GetTopicAttributes` gives the counts.

use std::collections::HashMap;

use cloudarq_model::inventory::sns::{Topic, TopicAttributes};
use cloudarq_model::{Arn, Collected, GapKind, Properties, Region, Resource, Tags};
use futures::StreamExt;

use crate::aws::{Action, AwsContext, CallError};
use crate::collect::util::policy_document;

/// Collects the topics of `region`.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let client = ctx.sns(region);
    let pages = ctx
        .paginate(
            Action::SnsListTopics,
            Some(region),
            client.list_topics().into_paginator().send(),
        )
        .await
        .pages;
    let arns: Vec<Arn> = pages
        .iter()
        .flat_map(|p| p.topics())
        .filter_map(|t| t.topic_arn()?.parse::<Arn>().ok())
        .collect();
    let client = &client;
    futures::stream::iter(arns)
        .map(|arn| async move {
            let at = Some(region);
            let read = ctx
                .read(
                    Action::SnsGetTopicAttributes,
                    at,
                    Some(&arn),
                    client
                        .get_topic_attributes()
                        .topic_arn(arn.to_string())
                        .send(),
                )
                .await;
            let attributes = match read {
                Collected::Value(out) => ctx.settle(
                    Action::SnsGetTopicAttributes,
                    at,
                    Some(&arn),
                    topic_attributes(out.attributes()).map_err(|message| CallError {
                        kind: GapKind::Other,
                        code: None,
                        message,
                    }),
                ),
                Collected::NotCollected => Collected::NotCollected,
            };
            let name = arn.resource().to_owned();
            Resource {
                arn,
                region: Some(region.clone()),
                name: name.clone(),
                tags: Tags::new(),
                properties: Properties::SnsTopic(Box::new(Topic { name, attributes })),
            }
        })
        .buffer_unordered(ctx.concurrency())
        .collect()
        .await
}

/// The attributes CloudArq keeps; an error names an attribute SNS returned
/// in a form it does not document.
fn topic_attributes(map: Option<&HashMap<String, String>>) -> Result<TopicAttributes, String> {
    let empty = HashMap::new();
    let map = map.unwrap_or(&empty);
    let count = |key: &str| -> Result<u64, String> {
        match map.get(key) {
            None => Ok(0),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| format!("GetTopicAttributes returned a {key} that is not a count")),
        }
    };
    let policy =
        match map
            .get("Policy")
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => Some(policy_document(p).ok_or_else(|| {
                "GetTopicAttributes returned a Policy that is not JSON".to_owned()
            })?),
        };
    Ok(TopicAttributes {
        subscriptions_confirmed: count("SubscriptionsConfirmed")?,
        subscriptions_pending: count("SubscriptionsPending")?,
        kms_master_key_id: map.get("KmsMasterKeyId").filter(|k| !k.is_empty()).cloned(),
        policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_counted_and_bad_ones_named() {
        let mut m = HashMap::new();
        m.insert("SubscriptionsConfirmed".to_owned(), "2".to_owned());
        m.insert("KmsMasterKeyId".to_owned(), "alias/aws/sns".to_owned());
        let a = topic_attributes(Some(&m)).expect("valid");
        assert_eq!(a.subscriptions_confirmed, 2);
        assert_eq!(a.subscriptions_pending, 0);
        assert_eq!(a.kms_master_key_id.as_deref(), Some("alias/aws/sns"));
        m.insert("SubscriptionsPending".to_owned(), "many".to_owned());
        let err = topic_attributes(Some(&m)).expect_err("not a count");
        assert!(err.contains("SubscriptionsPending"), "{err}");
        m.remove("SubscriptionsPending");
        m.insert("Policy".to_owned(), "{broken".to_owned());
        assert!(topic_attributes(Some(&m)).is_err());
        assert_eq!(
            topic_attributes(None)
                .expect("empty")
                .subscriptions_confirmed,
            0
        );
    }
}
