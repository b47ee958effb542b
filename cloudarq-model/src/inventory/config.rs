//! AWS Config inventory kinds: the account's Config setup in each region.
//!
//! AWS Config is regional: a recorder records the resources of its own
//! region only, so CloudArq reads every scanned region.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`ConfigRegionSettings`] (`AWS::Config::RegionSettings`) | `arn:aws:config:<region>:<account>:account` | `DescribeConfigurationRecorders`, `DescribeConfigurationRecorderStatus`, `DescribeDeliveryChannels` |
//!
//! There is one `AWS::Config::RegionSettings` per scanned region whenever
//! the `config` service is collected, whatever AWS answered: it stands for
//! the account's Config setup in that region, not for a Config object, and
//! its [`Resource::name`](crate::Resource::name) is the account id.
//!
//! **`Collected` fields**, one call each (the gap's `action` is the IAM
//! action in parentheses):
//!
//! | field | call | empty when |
//! |---|---|---|
//! | [`recorders`](ConfigRegionSettings::recorders) | `DescribeConfigurationRecorders` (`config:DescribeConfigurationRecorders`) | the region has no configuration recorder |
//! | each recorder's [`status`](ConfigurationRecorder::status) | `DescribeConfigurationRecorderStatus` (`config:DescribeConfigurationRecorderStatus`), one call for the region | `Value(None)`: the answer did not list the recorder |
//! | [`delivery_channels`](ConfigRegionSettings::delivery_channels) | `DescribeDeliveryChannels` (`config:DescribeDeliveryChannels`) | the region has no delivery channel |
//!
//! When the status call fails, every recorder of the region has its status
//! not collected and one gap names the region's settings. Enumerated values
//! are the strings Config uses: recording strategies
//! (`ALL_SUPPORTED_RESOURCE_TYPES`, `INCLUSION_BY_RESOURCE_TYPES`,
//! `EXCLUSION_BY_RESOURCE_TYPES`), last statuses (`Pending`, `Success`,
//! `Failure`), recording scopes (`PAID`, `INTERNAL`), resource types
//! (`AWS::EC2::Instance`, …).
//!
//! ```
//! use cloudarq_model::inventory::config::ConfigRegionSettings;
//! use cloudarq_model::rule::Outcome;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! /// A recorder records every resource type and is running.
//! fn recording(s: &ConfigRegionSettings) -> Outcome {
//!     let Collected::Value(recorders) = &s.recorders else {
//!         return Outcome::not_collected("recorders");
//!     };
//!     let mut unknown = false;
//!     for r in recorders.iter().filter(|r| r.records_all_resource_types()) {
//!         match r.status.value() {
//!             Some(Some(st)) if st.healthy() => return Outcome::pass("recording"),
//!             Some(_) => {}
//!             None => unknown = true,
//!         }
//!     }
//!     if unknown { Outcome::not_collected("status") } else { Outcome::fail("not recording") }
//! }
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:config:eu-west-1:123456789012:account",
//!     "region": "eu-west-1", "name": "123456789012",
//!     "properties": {"AWS::Config::RegionSettings": {
//!         "recorders": {"value": [{"name": "default", "all_supported": true,
//!             "include_global_resource_types": true,
//!             "recording_strategy": "ALL_SUPPORTED_RESOURCE_TYPES",
//!             "status": {"value": {"recording": false, "last_status": "Success"}}}]},
//!         "delivery_channels": "not_collected"}}
//! }))?;
//! let Properties::ConfigRegionSettings(s) = &r.properties else { unreachable!() };
//! assert_eq!(recording(s), Outcome::fail("not recording")); // stopped
//! assert_eq!(s.delivery_channels, Collected::NotCollected); // the call failed
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::Config::RegionSettings`: the account's AWS Config setup in one
/// region, one per scanned region, ARN
/// `arn:aws:config:<region>:<account>:account`, named by the account id.
/// Both fields are `Collected`, each from its own call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRegionSettings {
    /// The region's configuration recorders (`DescribeConfigurationRecorders`),
    /// customer managed and service-linked alike; `Value` of an empty list:
    /// none. Not collected when the call failed or was denied
    /// (`config:DescribeConfigurationRecorders`).
    #[serde(default)]
    pub recorders: Collected<Vec<ConfigurationRecorder>>,
    /// The region's delivery channels (`DescribeDeliveryChannels`), where
    /// Config sends configuration history and snapshots; `Value` of an empty
    /// list: none. Not collected when the call failed or was denied
    /// (`config:DescribeDeliveryChannels`).
    #[serde(default)]
    pub delivery_channels: Collected<Vec<DeliveryChannel>>,
}

/// One configuration recorder (from `DescribeConfigurationRecorders`), with
/// its status (from `DescribeConfigurationRecorderStatus`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationRecorder {
    /// The recorder's name (`default` when made by the console), as its
    /// owner wrote it (untrusted text).
    pub name: String,
    /// The recorder's ARN, when Config returned one.
    #[serde(default)]
    pub arn: Option<String>,
    /// The IAM role Config assumes to describe the resources it records.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// `recordingGroup.allSupported`: the recorder records every resource
    /// type Config supports in the region, current and future.
    #[serde(default)]
    pub all_supported: bool,
    /// `recordingGroup.includeGlobalResourceTypes`: with
    /// [`all_supported`](Self::all_supported), the recorder also records the
    /// global IAM resource types (users, groups, roles, customer managed
    /// policies), which one region's recorder is enough to record.
    #[serde(default)]
    pub include_global_resource_types: bool,
    /// `recordingGroup.recordingStrategy.useOnly`:
    /// `ALL_SUPPORTED_RESOURCE_TYPES`, `INCLUSION_BY_RESOURCE_TYPES` or
    /// `EXCLUSION_BY_RESOURCE_TYPES`; `None` for a recorder set up before
    /// recording strategies existed (then `all_supported` alone decides).
    #[serde(default)]
    pub recording_strategy: Option<String>,
    /// `recordingGroup.resourceTypes`: the only types recorded, under
    /// `INCLUSION_BY_RESOURCE_TYPES`.
    #[serde(default)]
    pub resource_types: Vec<String>,
    /// `recordingGroup.exclusionByResourceTypes.resourceTypes`: the types
    /// left out, under `EXCLUSION_BY_RESOURCE_TYPES`.
    #[serde(default)]
    pub excluded_resource_types: Vec<String>,
    /// `recordingScope`: `PAID` for a customer managed recorder, `INTERNAL`
    /// for a service-linked recorder that records only for its service at
    /// no charge; `None` when Config did not say.
    #[serde(default)]
    pub recording_scope: Option<String>,
    /// `servicePrincipal`: for a service-linked recorder, the service that
    /// owns it (`…amazonaws.com`); `None` for a customer managed recorder.
    #[serde(default)]
    pub service_principal: Option<String>,
    /// The recorder's status (`DescribeConfigurationRecorderStatus`);
    /// `Value(None)` when that answer did not list the recorder. Not
    /// collected when the call failed or was denied
    /// (`config:DescribeConfigurationRecorderStatus`).
    #[serde(default)]
    pub status: Collected<Option<RecorderStatus>>,
}

impl ConfigurationRecorder {
    /// The recording strategy that records every supported resource type.
    pub const ALL_SUPPORTED_RESOURCE_TYPES: &'static str = "ALL_SUPPORTED_RESOURCE_TYPES";

    /// Whether the recorder is the account's own (customer managed), not a
    /// service-linked recorder another AWS service set up for its own use.
    pub fn customer_managed(&self) -> bool {
        self.service_principal.is_none()
    }

    /// Whether the recorder is customer managed and records every resource
    /// type Config supports in its region: `allSupported` set and, when a
    /// recording strategy is given, `ALL_SUPPORTED_RESOURCE_TYPES`. Global
    /// IAM types are judged apart ([`include_global_resource_types`](Self::include_global_resource_types)).
    ///
    /// ```
    /// # use cloudarq_model::inventory::config::ConfigurationRecorder;
    /// let r: ConfigurationRecorder = serde_json::from_value(serde_json::json!({
    ///     "name": "default", "all_supported": false,
    ///     "recording_strategy": "INCLUSION_BY_RESOURCE_TYPES",
    ///     "resource_types": ["AWS::S3::Bucket"]}))?;
    /// assert!(!r.records_all_resource_types());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn records_all_resource_types(&self) -> bool {
        self.customer_managed()
            && self.all_supported
            && self
                .recording_strategy
                .as_deref()
                .is_none_or(|s| s == Self::ALL_SUPPORTED_RESOURCE_TYPES)
    }
}

/// A recorder's status (from `DescribeConfigurationRecorderStatus`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecorderStatus {
    /// The recorder is recording (started and not stopped).
    pub recording: bool,
    /// `lastStatus`, the outcome of the latest recording event: `Pending`,
    /// `Success` or `Failure`; `None` before the first one.
    #[serde(default)]
    pub last_status: Option<String>,
    /// The error code of the latest failure, as Config returned it.
    #[serde(default)]
    pub last_error_code: Option<String>,
    /// The error message of the latest failure, as Config returned it
    /// (untrusted text).
    #[serde(default)]
    pub last_error_message: Option<String>,
    /// When the recorder was last started.
    #[serde(default)]
    pub last_start_time: Option<Timestamp>,
    /// When the recorder was last stopped.
    #[serde(default)]
    pub last_stop_time: Option<Timestamp>,
    /// When `last_status` last changed.
    #[serde(default)]
    pub last_status_change_time: Option<Timestamp>,
}

impl RecorderStatus {
    /// The last status of a recorder whose latest recording event failed.
    pub const FAILURE: &'static str = "Failure";

    /// Whether the latest recording event failed: `last_status` is `Failure`
    /// (compared ignoring case, as some answers spell it `FAILURE`).
    pub fn failed(&self) -> bool {
        self.last_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(Self::FAILURE))
    }

    /// Whether the recorder is recording and its latest recording event did
    /// not fail.
    pub fn healthy(&self) -> bool {
        self.recording && !self.failed()
    }
}

/// A delivery channel (from `DescribeDeliveryChannels`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryChannel {
    /// The channel's name, as its owner wrote it (untrusted text).
    pub name: String,
    /// The S3 bucket Config delivers to.
    #[serde(default)]
    pub s3_bucket_name: Option<String>,
    /// The key prefix in that bucket.
    #[serde(default)]
    pub s3_key_prefix: Option<String>,
    /// The KMS key that encrypts the delivered objects, as Config returned it.
    #[serde(default)]
    pub s3_kms_key_arn: Option<String>,
    /// The SNS topic Config notifies.
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
    /// How often Config delivers configuration snapshots
    /// (`One_Hour`, `Three_Hours`, `Six_Hours`, `Twelve_Hours`,
    /// `TwentyFour_Hours`); `None` when not set.
    #[serde(default)]
    pub snapshot_delivery_frequency: Option<String>,
}
