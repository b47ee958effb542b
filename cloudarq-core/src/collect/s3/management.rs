//! A bucket's management configurations (`AWS::S3::BucketManagement`):
//! lifecycle rules, replication and event notifications, three reads per
//! bucket sent together with its security settings. "Not configured"
//! answers (`NoSuchLifecycleConfiguration`,
//! `ReplicationConfigurationNotFoundError`) are values, not gaps.

use std::collections::HashMap;

use aws_sdk_s3::operation::get_bucket_lifecycle_configuration::GetBucketLifecycleConfigurationOutput;
use aws_sdk_s3::operation::get_bucket_notification_configuration::GetBucketNotificationConfigurationOutput;
use aws_sdk_s3::operation::get_bucket_replication::GetBucketReplicationOutput;
use aws_sdk_s3::types::{ExpirationStatus, ReplicationRuleStatus};
use cloudarq_model::inventory::s3::{
    LifecycleRule, Notifications, Replication, ReplicationRule, S3BucketManagement,
};
use cloudarq_model::{Arn, Properties, Region, Resource, Tags};

use super::{NO_LIFECYCLE, NO_REPLICATION};
use crate::aws::{Action, AwsContext};

/// The bucket's management resource, `None` only when its ARN cannot be
/// built (never for a listed bucket name). A failed read is a gap naming
/// the bucket and leaves that field not collected.
pub(super) async fn read(
    ctx: &AwsContext,
    client: &aws_sdk_s3::Client,
    bucket_arn: &Arn,
    region: &Region,
    name: &str,
    regions_by_name: &HashMap<String, Region>,
) -> Option<Resource> {
    let arn = ctx.arn("s3", None, &["bucket-management/", name].concat())?;
    let (at, about) = (Some(region), Some(bucket_arn));
    let (lifecycle, replication, notifications) = futures::join!(
        ctx.read_optional(
            Action::S3GetBucketLifecycleConfiguration,
            at,
            about,
            &[NO_LIFECYCLE],
            client
                .get_bucket_lifecycle_configuration()
                .bucket(name)
                .send(),
        ),
        ctx.read_optional(
            Action::S3GetBucketReplication,
            at,
            about,
            &[NO_REPLICATION],
            client.get_bucket_replication().bucket(name).send(),
        ),
        ctx.read(
            Action::S3GetBucketNotificationConfiguration,
            at,
            about,
            client
                .get_bucket_notification_configuration()
                .bucket(name)
                .send(),
        ),
    );
    let management = S3BucketManagement {
        bucket: name.to_owned(),
        lifecycle_rules: lifecycle.map(|o| o.as_ref().map(lifecycle_rules).unwrap_or_default()),
        replication: replication.map(|o| {
            o.as_ref()
                .and_then(|out| replication_config(out, regions_by_name))
        }),
        notifications: notifications.map(|o| notification_destinations(&o)),
    };
    Some(Resource {
        arn,
        region: Some(region.clone()),
        name: name.to_owned(),
        tags: Tags::new(),
        properties: Properties::S3BucketManagement(Box::new(management)),
    })
}

fn lifecycle_rules(out: &GetBucketLifecycleConfigurationOutput) -> Vec<LifecycleRule> {
    out.rules()
        .iter()
        .map(|r| LifecycleRule {
            id: r.id().filter(|id| !id.is_empty()).map(str::to_owned),
            enabled: *r.status() == ExpirationStatus::Enabled,
        })
        .collect()
}

/// The replication configuration; a rule without a destination replicates
/// nowhere and is left out. A destination that is one of the account's
/// buckets gets its region.
fn replication_config(
    out: &GetBucketReplicationOutput,
    regions_by_name: &HashMap<String, Region>,
) -> Option<Replication> {
    let config = out.replication_configuration()?;
    Some(Replication {
        role: Some(config.role())
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
        rules: config
            .rules()
            .iter()
            .filter_map(|r| {
                let dest = r.destination()?;
                let bucket = dest.bucket();
                let name = bucket.split_once(":::").map_or(bucket, |(_, n)| n);
                Some(ReplicationRule {
                    id: r.id().filter(|id| !id.is_empty()).map(str::to_owned),
                    enabled: *r.status() == ReplicationRuleStatus::Enabled,
                    destination_bucket: bucket.to_owned(),
                    destination_account: dest.account().map(str::to_owned),
                    destination_region: regions_by_name.get(name).cloned(),
                })
            })
            .collect(),
    })
}

/// Counts every configured destination.
fn notification_destinations(out: &GetBucketNotificationConfigurationOutput) -> Notifications {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Notifications {
        topics: count(out.topic_configurations().len()),
        queues: count(out.queue_configurations().len()),
        lambda_functions: count(out.lambda_function_configurations().len()),
        eventbridge: out.event_bridge_configuration().is_some(),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::types::{
        Destination, EventBridgeConfiguration, LifecycleRule as SdkLifecycleRule,
        ReplicationConfiguration, ReplicationRule as SdkReplicationRule,
    };

    use super::*;

    #[test]
    fn lifecycle_rules_keep_id_and_status() {
        let out = GetBucketLifecycleConfigurationOutput::builder()
            .rules(
                SdkLifecycleRule::builder()
                    .id("expire-logs")
                    .status(ExpirationStatus::Enabled)
                    .build()
                    .expect("complete builder"),
            )
            .rules(
                SdkLifecycleRule::builder()
                    .status(ExpirationStatus::Disabled)
                    .build()
                    .expect("complete builder"),
            )
            .build();
        assert_eq!(
            lifecycle_rules(&out),
            vec![
                LifecycleRule {
                    id: Some("expire-logs".to_owned()),
                    enabled: true
                },
                LifecycleRule {
                    id: None,
                    enabled: false
                },
            ]
        );
    }

    #[test]
    fn replication_rules_keep_destination_and_status() {
        let out = GetBucketReplicationOutput::builder()
            .replication_configuration(
                ReplicationConfiguration::builder()
                    .role("arn:aws:iam::123456789012:role/replication")
                    .rules(
                        SdkReplicationRule::builder()
                            .id("to-dr")
                            .status(ReplicationRuleStatus::Enabled)
                            .destination(
                                Destination::builder()
                                    .bucket("arn:aws:s3:::dr-copy")
                                    .account("111122223333")
                                    .build()
                                    .expect("complete builder"),
                            )
                            .build()
                            .expect("complete builder"),
                    )
                    .build()
                    .expect("complete builder"),
            )
            .build();
        let regions = HashMap::from([(
            "dr-copy".to_owned(),
            "us-east-1".parse::<Region>().expect("region"),
        )]);
        let r = replication_config(&out, &regions).expect("a configuration");
        assert_eq!(
            r.role.as_deref(),
            Some("arn:aws:iam::123456789012:role/replication")
        );
        assert_eq!(
            r.rules,
            vec![ReplicationRule {
                id: Some("to-dr".to_owned()),
                enabled: true,
                destination_bucket: "arn:aws:s3:::dr-copy".to_owned(),
                destination_account: Some("111122223333".to_owned()),
                destination_region: Some("us-east-1".parse().expect("region")),
            }]
        );
        assert_eq!(
            replication_config(&GetBucketReplicationOutput::builder().build(), &regions),
            None
        );
    }

    #[test]
    fn notifications_count_every_destination() {
        let none =
            notification_destinations(&GetBucketNotificationConfigurationOutput::builder().build());
        assert!(!none.any());
        let eb = notification_destinations(
            &GetBucketNotificationConfigurationOutput::builder()
                .event_bridge_configuration(EventBridgeConfiguration::builder().build())
                .build(),
        );
        assert!(eb.eventbridge && eb.any());
    }
}
