//! SNS inventory kinds: topics.
//!
//! | kind | ARN | region | filled by |
//! |---|---|---|---|
//! | [`Topic`] (`AWS::SNS::Topic`) | `arn:aws:sns:<region>:<account>:<name>` | its region | `ListTopics`, then `GetTopicAttributes` per topic |
//!
//! A failed `ListTopics` leaves the region's topics absent with a gap
//! naming `sns:ListTopics`; a failed `GetTopicAttributes` leaves the
//! topic's [`attributes`](Topic::attributes) not collected, with a gap
//! naming `sns:GetTopicAttributes` and the topic. Subscription endpoints
//! (e-mail addresses, URLs, phone numbers) are never read: only counts.
//!
//! ```
//! use cloudarq_model::inventory::sns::Topic;
//! use cloudarq_model::{Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:sns:eu-west-1:123456789012:security-alerts",
//!     "region": "eu-west-1", "name": "security-alerts",
//!     "properties": {"AWS::SNS::Topic": {"name": "security-alerts",
//!         "attributes": {"value": {"subscriptions_confirmed": 2}}}}
//! }))?;
//! let Properties::SnsTopic(t) = &r.properties else { unreachable!() };
//! assert_eq!(t.attributes.value().map(|a| a.subscriptions_confirmed), Some(2));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::Collected;

/// `AWS::SNS::Topic`: an SNS topic. [`Resource::name`](crate::Resource::name)
/// is its name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The topic's name (untrusted text).
    pub name: String,
    /// What `GetTopicAttributes` returned. Not collected when the call
    /// failed or was denied.
    #[serde(default)]
    pub attributes: Collected<TopicAttributes>,
}

/// The attributes of a topic CloudArq reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicAttributes {
    /// Confirmed subscriptions (`SubscriptionsConfirmed`).
    #[serde(default)]
    pub subscriptions_confirmed: u64,
    /// Subscriptions waiting for confirmation (`SubscriptionsPending`).
    #[serde(default)]
    pub subscriptions_pending: u64,
    /// The KMS key that encrypts messages at rest (`KmsMasterKeyId`).
    #[serde(default)]
    pub kms_master_key_id: Option<String>,
    /// The topic's access policy, decoded JSON (`Policy`).
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
}
