//! AWS Config collector: one `AWS::Config::RegionSettings` per region, with
//! the region's configuration recorders, their status and the delivery
//! channels.
//!
//! Calls per region, at once: `DescribeConfigurationRecorders`,
//! `DescribeConfigurationRecorderStatus` and `DescribeDeliveryChannels`
//! (none is paginated: a region holds one customer managed recorder and one
//! delivery channel, plus any service-linked recorders). The statuses are
//! matched to the recorders by name.

use aws_sdk_config::types::{
    ConfigurationRecorder as SdkRecorder, ConfigurationRecorderStatus,
    DeliveryChannel as SdkChannel,
};
use cloudarq_model::inventory::config::{
    ConfigRegionSettings, ConfigurationRecorder, DeliveryChannel, RecorderStatus,
};
use cloudarq_model::{Arn, Collected, Properties, Region, Resource, Service};

use crate::aws::{Action, AwsContext};
use crate::collect::util::ts_opt;

/// Collects the AWS Config setup of one region: always one resource.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let Ok(arn) = Arn::account_setting(
        ctx.partition(),
        Service::Config.arn_namespace(),
        Some(region),
        ctx.account_id(),
    ) else {
        tracing::warn!(region = region.as_str(), "no config settings ARN; skipped");
        return Vec::new();
    };
    let client = ctx.config(region);
    let (at, arn_ref) = (Some(region), Some(&arn));
    let (recorders, statuses, channels) = futures::join!(
        ctx.read(
            Action::ConfigDescribeConfigurationRecorders,
            at,
            arn_ref,
            client.describe_configuration_recorders().send(),
        ),
        ctx.read(
            Action::ConfigDescribeConfigurationRecorderStatus,
            at,
            arn_ref,
            client.describe_configuration_recorder_status().send(),
        ),
        ctx.read(
            Action::ConfigDescribeDeliveryChannels,
            at,
            arn_ref,
            client.describe_delivery_channels().send(),
        ),
    );
    let statuses = statuses.map(|out| out.configuration_recorders_status().to_vec());
    let recorders = recorders.map(|out| {
        out.configuration_recorders()
            .iter()
            .map(|r| recorder(r, statuses.as_ref().map(Vec::as_slice)))
            .collect()
    });
    let delivery_channels =
        channels.map(|out| out.delivery_channels().iter().map(channel).collect());
    vec![Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::ConfigRegionSettings(Box::new(ConfigRegionSettings {
            recorders,
            delivery_channels,
        })),
    }]
}

/// One recorder, with its status from the region's status listing (not
/// collected when that listing is not).
fn recorder(
    r: &SdkRecorder,
    statuses: Collected<&[ConfigurationRecorderStatus]>,
) -> ConfigurationRecorder {
    let name = r.name().unwrap_or_default();
    let group = r.recording_group();
    let status = statuses.map(|all| {
        all.iter()
            .find(|s| s.name() == Some(name))
            .map(recorder_status)
    });
    ConfigurationRecorder {
        name: name.to_owned(),
        arn: r.arn().map(str::to_owned),
        role_arn: r.role_arn().map(str::to_owned),
        all_supported: group.is_some_and(|g| g.all_supported()),
        include_global_resource_types: group.is_some_and(|g| g.include_global_resource_types()),
        recording_strategy: group
            .and_then(|g| g.recording_strategy())
            .and_then(|s| s.use_only())
            .map(|u| u.as_str().to_owned()),
        resource_types: group
            .map(|g| {
                g.resource_types()
                    .iter()
                    .map(|t| t.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        excluded_resource_types: group
            .and_then(|g| g.exclusion_by_resource_types())
            .map(|e| {
                e.resource_types()
                    .iter()
                    .map(|t| t.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        recording_scope: r.recording_scope().map(|s| s.as_str().to_owned()),
        service_principal: r.service_principal().map(str::to_owned),
        status,
    }
}

fn recorder_status(s: &ConfigurationRecorderStatus) -> RecorderStatus {
    RecorderStatus {
        recording: s.recording(),
        last_status: s.last_status().map(|l| l.as_str().to_owned()),
        last_error_code: s.last_error_code().map(str::to_owned),
        last_error_message: s.last_error_message().map(str::to_owned),
        last_start_time: ts_opt(s.last_start_time()),
        last_stop_time: ts_opt(s.last_stop_time()),
        last_status_change_time: ts_opt(s.last_status_change_time()),
    }
}

fn channel(c: &SdkChannel) -> DeliveryChannel {
    DeliveryChannel {
        name: c.name().unwrap_or_default().to_owned(),
        s3_bucket_name: c.s3_bucket_name().map(str::to_owned),
        s3_key_prefix: c.s3_key_prefix().map(str::to_owned),
        s3_kms_key_arn: c.s3_kms_key_arn().map(str::to_owned),
        sns_topic_arn: c.sns_topic_arn().map(str::to_owned),
        snapshot_delivery_frequency: c
            .config_snapshot_delivery_properties()
            .and_then(|p| p.delivery_frequency())
            .map(|f| f.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_config::types::{
        ExclusionByResourceTypes, RecorderStatus as SdkStatus, RecordingGroup, RecordingScope,
        RecordingStrategy, RecordingStrategyType, ResourceType,
    };

    use super::*;

    fn sdk_recorder(group: RecordingGroup) -> SdkRecorder {
        SdkRecorder::builder()
            .name("default")
            .role_arn("arn:aws:iam::123456789012:role/config")
            .recording_group(group)
            .build()
    }

    #[test]
    fn recorders_take_their_status_by_name() {
        let group = RecordingGroup::builder()
            .all_supported(true)
            .include_global_resource_types(true)
            .recording_strategy(
                RecordingStrategy::builder()
                    .use_only(RecordingStrategyType::AllSupportedResourceTypes)
                    .build(),
            )
            .build();
        let statuses = [
            ConfigurationRecorderStatus::builder()
                .name("other")
                .recording(false)
                .build(),
            ConfigurationRecorderStatus::builder()
                .name("default")
                .recording(true)
                .last_status(SdkStatus::Failure)
                .last_error_code("AccessDenied")
                .last_start_time(aws_smithy_types::DateTime::from_secs(1_800_000_000))
                .build(),
        ];
        let r = recorder(&sdk_recorder(group), Collected::Value(&statuses));
        assert_eq!(r.name, "default");
        assert!(r.all_supported && r.include_global_resource_types);
        assert_eq!(
            r.recording_strategy.as_deref(),
            Some("ALL_SUPPORTED_RESOURCE_TYPES")
        );
        assert!(r.records_all_resource_types());
        let Collected::Value(Some(st)) = &r.status else {
            panic!("status: {:?}", r.status);
        };
        assert!(st.recording && st.failed() && !st.healthy());
        assert_eq!(st.last_status.as_deref(), Some("Failure"));
        assert_eq!(st.last_error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(
            st.last_start_time.map(|t| t.to_string()).as_deref(),
            Some("2027-01-15T08:00:00Z")
        );
        // A status listing that names no such recorder: collected, none.
        let none = recorder(
            &sdk_recorder(RecordingGroup::builder().build()),
            Collected::Value(&statuses[..1]),
        );
        assert_eq!(none.status, Collected::Value(None));
        let unknown = recorder(
            &sdk_recorder(RecordingGroup::builder().build()),
            Collected::NotCollected,
        );
        assert_eq!(unknown.status, Collected::NotCollected);
    }

    #[test]
    fn partial_and_service_linked_recorders_do_not_record_everything() {
        let excluding = RecordingGroup::builder()
            .all_supported(false)
            .exclusion_by_resource_types(
                ExclusionByResourceTypes::builder()
                    .resource_types(ResourceType::Instance)
                    .build(),
            )
            .recording_strategy(
                RecordingStrategy::builder()
                    .use_only(RecordingStrategyType::ExclusionByResourceTypes)
                    .build(),
            )
            .build();
        let r = recorder(&sdk_recorder(excluding), Collected::NotCollected);
        assert_eq!(r.excluded_resource_types, ["AWS::EC2::Instance"]);
        assert!(!r.records_all_resource_types());

        let linked = SdkRecorder::builder()
            .name("AWSConfigurationRecorderForObservabilityAdmin")
            .recording_scope(RecordingScope::Internal)
            .service_principal("observabilityadmin.amazonaws.com")
            .recording_group(RecordingGroup::builder().all_supported(true).build())
            .build();
        let r = recorder(&linked, Collected::NotCollected);
        assert_eq!(r.recording_scope.as_deref(), Some("INTERNAL"));
        assert!(!r.customer_managed());
        assert!(!r.records_all_resource_types());
    }

    #[test]
    fn channels_keep_their_destinations() {
        let c = SdkChannel::builder()
            .name("default")
            .s3_bucket_name("config-bucket")
            .sns_topic_arn("arn:aws:sns:eu-west-1:123456789012:config")
            .build();
        let c = channel(&c);
        assert_eq!(c.name, "default");
        assert_eq!(c.s3_bucket_name.as_deref(), Some("config-bucket"));
        assert_eq!(c.s3_kms_key_arn, None);
        assert_eq!(c.snapshot_delivery_frequency, None);
    }
}
