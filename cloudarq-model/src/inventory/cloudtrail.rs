//! CloudTrail inventory kinds: the account's trails, and one account-level
//! resource that says CloudTrail was collected.
//!
//! | kind | ARN | region | filled by |
//! |---|---|---|---|
//! | [`CloudTrailAccount`] (`AWS::CloudTrail::Account`) | `arn:aws:cloudtrail::<account>:account` | global | nothing: it exists whenever CloudTrail was collected, so account-wide rules ("some trail logs every region") have a resource to report on |
//! | [`Trail`] (`AWS::CloudTrail::Trail`) | `arn:aws:cloudtrail:<home-region>:<account>:trail/<name>` | the trail's home region | `DescribeTrails` (shadow trails included) per region, then `GetTrailStatus` and `GetEventSelectors` per trail |
//!
//! **Where a trail is.** `DescribeTrails` in a region also lists the
//! *shadow* copies of multi-region and organization trails whose home is
//! elsewhere. Each trail is kept once, in its home region, where the
//! per-trail calls are made; a trail whose home region was not scanned is
//! kept in the first scanned region instead ([`Resource::region`](crate::Resource::region)
//! says where it was read; its ARN still names its home). An **organization trail** made by the
//! management account is listed in every member account too: its ARN names
//! the management account, which is the one case where a resource of a
//! snapshot names another account ([`Trail::organization_trail`] is then
//! true).
//!
//! A failed `DescribeTrails` leaves the region's trails absent, with a gap
//! naming `cloudtrail:DescribeTrails` and the region. Rules that need "no
//! trail does X" look for that gap before they FAIL.
//!
//! **`Collected` fields** of a trail, one call each:
//!
//! | field | call (IAM action) |
//! |---|---|
//! | [`status`](Trail::status) | `GetTrailStatus` (`cloudtrail:GetTrailStatus`) |
//! | [`event_selectors`](Trail::event_selectors) | `GetEventSelectors` (`cloudtrail:GetEventSelectors`) |
//!
//! ```
//! use cloudarq_model::inventory::cloudtrail::Trail;
//! use cloudarq_model::{Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main",
//!     "region": "eu-west-1", "name": "main",
//!     "properties": {"AWS::CloudTrail::Trail": {
//!         "name": "main", "home_region": "eu-west-1", "multi_region": true,
//!         "log_file_validation": true, "s3_bucket": "trail-logs",
//!         "status": {"value": {"logging": true}},
//!         "event_selectors": {"value": {"basic": [
//!             {"read_write_type": "All", "include_management_events": true}]}}}}
//! }))?;
//! let Properties::CloudTrailTrail(t) = &r.properties else { unreachable!() };
//! assert_eq!(t.logging(), Some(true));
//! assert_eq!(t.logs_all_management_events(), Some(true));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::CloudTrail::Account`: CloudTrail was collected for the account.
/// It has no fields; rules about the account's trails as a whole report on
/// it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailAccount {}

/// `AWS::CloudTrail::Trail`: one trail, from `DescribeTrails` in its home
/// region. [`Resource::name`](crate::Resource::name) is the trail's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    /// The trail's name (untrusted text).
    pub name: String,
    /// The region the trail was created in, where its settings live.
    #[serde(default)]
    pub home_region: Option<String>,
    /// The trail logs events of every region (`IsMultiRegionTrail`).
    #[serde(default)]
    pub multi_region: bool,
    /// The trail is an organization trail (`IsOrganizationTrail`): it logs
    /// every account of the organization and is managed by the management
    /// account.
    #[serde(default)]
    pub organization_trail: bool,
    /// The trail logs events of global services such as IAM
    /// (`IncludeGlobalServiceEvents`).
    #[serde(default)]
    pub include_global_service_events: bool,
    /// Log file integrity validation is on (`LogFileValidationEnabled`).
    #[serde(default)]
    pub log_file_validation: bool,
    /// The KMS key that encrypts the log files (`KmsKeyId`, a key ARN);
    /// `None` when they are encrypted with S3 managed keys only.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// The bucket the log files go to (`S3BucketName`).
    #[serde(default)]
    pub s3_bucket: Option<String>,
    /// The key prefix of the log files in the bucket (`S3KeyPrefix`).
    #[serde(default)]
    pub s3_key_prefix: Option<String>,
    /// The CloudWatch Logs log group the trail also delivers to
    /// (`CloudWatchLogsLogGroupArn`, as CloudTrail returns it, usually
    /// ending in `:*`).
    #[serde(default)]
    pub cloudwatch_logs_log_group_arn: Option<String>,
    /// Whether logging is on and when logs were last delivered
    /// (`GetTrailStatus`). Not collected when the call failed or was denied.
    #[serde(default)]
    pub status: Collected<TrailStatus>,
    /// Which events the trail logs (`GetEventSelectors`). Not collected
    /// when the call failed or was denied.
    #[serde(default)]
    pub event_selectors: Collected<EventSelectors>,
}

/// What `GetTrailStatus` says about a trail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailStatus {
    /// The trail is logging (`IsLogging`).
    #[serde(default)]
    pub logging: bool,
    /// When log files were last delivered to the bucket.
    #[serde(default)]
    pub latest_delivery: Option<Timestamp>,
    /// The last error delivering to the bucket, as CloudTrail reported it.
    #[serde(default)]
    pub latest_delivery_error: Option<String>,
    /// When events were last delivered to CloudWatch Logs.
    #[serde(default)]
    pub latest_cloudwatch_logs_delivery: Option<Timestamp>,
    /// The last error delivering to CloudWatch Logs.
    #[serde(default)]
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
}

/// A trail's event selectors: basic or advanced (a trail has one kind or
/// the other). Serialized as `{"basic": [...]}` or `{"advanced": [...]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSelectors {
    /// `EventSelectors`.
    Basic(Vec<EventSelector>),
    /// `AdvancedEventSelectors`.
    Advanced(Vec<AdvancedEventSelector>),
}

impl Default for EventSelectors {
    fn default() -> Self {
        Self::Basic(Vec::new())
    }
}

/// One basic event selector.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All` (`None`: CloudTrail's default, `All`).
    #[serde(default)]
    pub read_write_type: Option<String>,
    /// The selector logs management events.
    #[serde(default)]
    pub include_management_events: bool,
    /// Event sources whose management events are left out
    /// (`ExcludeManagementEventSources`, such as `kms.amazonaws.com`).
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    /// Data events logged: resource type and the ARN prefixes.
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

/// A basic selector's data resource: `AWS::S3::Object` with ARN prefixes
/// (`arn:aws:s3` for every bucket, `arn:aws:s3:::bucket/` for one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataResource {
    /// `Type`, such as `AWS::S3::Object`.
    #[serde(default)]
    pub resource_type: Option<String>,
    /// `Values`: ARN prefixes.
    #[serde(default)]
    pub values: Vec<String>,
}

/// One advanced event selector: all its field selectors must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvancedEventSelector {
    /// The selector's name (untrusted text).
    #[serde(default)]
    pub name: Option<String>,
    /// The conditions.
    #[serde(default)]
    pub field_selectors: Vec<FieldSelector>,
}

/// One condition of an advanced event selector on one field
/// (`eventCategory`, `resources.type`, `resources.ARN`, `readOnly`,
/// `eventName`, `eventSource`, …).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSelector {
    /// The field.
    pub field: String,
    /// `Equals` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `StartsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `EndsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEquals` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `NotStartsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `NotEndsWith` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

impl FieldSelector {
    /// Whether `value` passes this condition: it equals, starts with or ends
    /// with one of the positive values (when any are given) and matches
    /// none of the negative ones.
    pub fn accepts(&self, value: &str) -> bool {
        let positive =
            self.equals.is_empty() && self.starts_with.is_empty() && self.ends_with.is_empty();
        let pos = positive
            || self.equals.iter().any(|v| v == value)
            || self
                .starts_with
                .iter()
                .any(|v| value.starts_with(v.as_str()))
            || self.ends_with.iter().any(|v| value.ends_with(v.as_str()));
        let neg = self.not_equals.iter().any(|v| v == value)
            || self
                .not_starts_with
                .iter()
                .any(|v| value.starts_with(v.as_str()))
            || self
                .not_ends_with
                .iter()
                .any(|v| value.ends_with(v.as_str()));
        pos && !neg
    }
}

impl AdvancedEventSelector {
    /// Whether an event with these field values is selected: every field
    /// selector on a field named here accepts its value, and a selector on
    /// a field not named fails only when it has positive values (it then
    /// narrows the selection to events that have the field).
    pub fn selects(&self, fields: &[(&str, &str)]) -> bool {
        self.field_selectors.iter().all(|fs| {
            match fields.iter().find(|(name, _)| *name == fs.field) {
                Some((_, value)) => fs.accepts(value),
                None => {
                    fs.equals.is_empty() && fs.starts_with.is_empty() && fs.ends_with.is_empty()
                }
            }
        })
    }
}

/// Read or write events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read-only API calls (`Get*`, `List*`, `Describe*`).
    Read,
    /// Calls that change something.
    Write,
}

impl Access {
    fn read_only(self) -> &'static str {
        match self {
            Self::Read => "true",
            Self::Write => "false",
        }
    }
    fn basic_ok(self, rw: Option<&str>) -> bool {
        matches!(
            (self, rw.unwrap_or("All")),
            (_, "All") | (Self::Read, "ReadOnly") | (Self::Write, "WriteOnly")
        )
    }
}

impl Trail {
    /// Whether the trail is logging; `None` when its status was not read.
    pub fn logging(&self) -> Option<bool> {
        self.status.value().map(|s| s.logging)
    }

    /// Whether the trail logs every read and every write management event
    /// of every event source (what CIS asks of the account's multi-region
    /// trail); `None` when its selectors were not read.
    pub fn logs_all_management_events(&self) -> Option<bool> {
        let selectors = self.event_selectors.value()?;
        Some(
            [Access::Read, Access::Write]
                .iter()
                .all(|a| match selectors {
                    EventSelectors::Basic(list) => list.iter().any(|s| {
                        s.include_management_events
                            && s.exclude_management_event_sources.is_empty()
                            && a.basic_ok(s.read_write_type.as_deref())
                    }),
                    EventSelectors::Advanced(list) => list.iter().any(|s| {
                        // Every event source must pass: a selector that names
                        // eventSource (or eventName) narrows what it logs.
                        s.field_selectors
                            .iter()
                            .all(|f| matches!(f.field.as_str(), "eventCategory" | "readOnly"))
                            && s.selects(&[
                                ("eventCategory", "Management"),
                                ("readOnly", a.read_only()),
                            ])
                    }),
                }),
        )
    }

    /// Whether the trail logs S3 object-level events of `access` for the
    /// bucket `bucket` (`None`: for every bucket, the form CIS asks for);
    /// `None` when its selectors were not read. `partition` is the ARN
    /// partition (`aws`).
    pub fn logs_s3_object_events(
        &self,
        partition: &str,
        bucket: Option<&str>,
        access: Access,
    ) -> Option<bool> {
        let selectors = self.event_selectors.value()?;
        let all = format!("arn:{partition}:s3");
        let all_buckets = format!("arn:{partition}:s3:::");
        let prefix = bucket.map(|b| format!("arn:{partition}:s3:::{b}/"));
        Some(match selectors {
            EventSelectors::Basic(list) => list.iter().any(|s| {
                access.basic_ok(s.read_write_type.as_deref())
                    && s.data_resources.iter().any(|d| {
                        d.resource_type.as_deref() == Some("AWS::S3::Object")
                            && d.values.iter().any(|v| {
                                v == &all
                                    || v == &all_buckets
                                    || prefix.as_deref().is_some_and(|p| {
                                        v == p || Some(v.as_str()) == p.strip_suffix('/')
                                    })
                            })
                    })
            }),
            EventSelectors::Advanced(list) => list.iter().any(|s| {
                let base = [
                    ("eventCategory", "Data"),
                    ("resources.type", "AWS::S3::Object"),
                    ("readOnly", access.read_only()),
                ];
                let arn_fields: Vec<&FieldSelector> = s
                    .field_selectors
                    .iter()
                    .filter(|f| f.field == "resources.ARN")
                    .collect();
                // Every other condition must accept the S3 object event;
                // a condition on any other field (eventName, eventSource,
                // ...) narrows the selection, so it does not count.
                let others_ok = s
                    .field_selectors
                    .iter()
                    .filter(|f| f.field != "resources.ARN")
                    .all(|f| match base.iter().find(|(name, _)| *name == f.field) {
                        Some((_, value)) => f.accepts(value),
                        None => false,
                    });
                let arn_ok = match &prefix {
                    // Every bucket: no ARN condition may narrow it.
                    None => arn_fields.is_empty(),
                    // One bucket: an object of it must pass every ARN
                    // condition (any object key).
                    Some(p) => arn_fields.iter().all(|f| {
                        let object = format!("{p}x");
                        f.accepts(&object) && f.ends_with.is_empty() && f.not_ends_with.is_empty()
                    }),
                };
                others_ok && arn_ok
            }),
        })
    }
}
