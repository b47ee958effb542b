//! Small value types shared by every inventory kind: [`Timestamp`] (every
//! time in the inventory), [`Collected`] (a value read by a call that may
//! fail on its own), [`Tags`] and [`Service`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ModelError;

/// A UTC instant with nanosecond precision: every date and time in the
/// inventory (creation, launch, last use, [`Snapshot::collected_at`](crate::Snapshot::collected_at)).
///
/// Serialized as RFC 3339 text in UTC (`2026-01-02T03:04:05Z`, with a
/// fraction when AWS gave one), never as epoch seconds; [`Display`](fmt::Display)
/// prints the same form. Parsing accepts any RFC 3339 offset and normalizes
/// to UTC. Timestamps order chronologically (`<`, `max`).
///
/// Rules have no clock: measure ages against the snapshot's
/// `collected_at`, with [`days_until`](Self::days_until) or
/// [`get`](Self::get) for finer units.
///
/// ```
/// use cloudarq_model::Timestamp;
/// let rotated: Timestamp = "2026-01-01T00:00:00+01:00".parse()?;
/// assert_eq!(rotated.to_string(), "2025-12-31T23:00:00Z");
/// let now: Timestamp = "2026-04-10T00:00:00Z".parse()?; // snapshot.collected_at in a rule
/// assert_eq!(rotated.days_until(now), 99); // 99 days and 1 hour: whole days
/// assert!(rotated < now);
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Wraps an instant, normalized to UTC.
    pub fn new(t: OffsetDateTime) -> Self {
        Self(t.to_offset(time::UtcOffset::UTC))
    }
    /// From seconds since the Unix epoch; `None` when out of range.
    pub fn from_unix(secs: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp(secs).ok().map(Self)
    }
    /// From seconds and nanoseconds since the Unix epoch; `None` when out of range.
    pub fn from_unix_nanos(secs: i64, nanos: u32) -> Option<Self> {
        let n = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        OffsetDateTime::from_unix_timestamp_nanos(n).ok().map(Self)
    }
    /// The wrapped instant.
    pub fn get(self) -> OffsetDateTime {
        self.0
    }
    /// Whole days from `self` to `later`, truncated toward zero (negative
    /// when `later` is earlier): 23 hours is 0 days.
    pub fn days_until(self, later: Timestamp) -> i64 {
        (later.0 - self.0).whole_days()
    }
}

impl FromStr for Timestamp {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Self::new)
            .map_err(|_| ModelError::InvalidTimestamp(s.to_owned()))
    }
}

impl TryFrom<String> for Timestamp {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Formatting a UTC OffsetDateTime as RFC 3339 fails only for years
        // outside 0..=9999, which AWS never returns; fall back to Debug then.
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

/// A value that was read from AWS by its own call, or could not be.
///
/// The collector lists resources first (for example `ListBuckets`), then
/// reads some settings of each with a separate call (`GetBucketEncryption`,
/// `GetBucketPolicy`, …). Such a call can fail on its own: the audited role
/// lacks the permission, the region is throttled out, the service does not
/// support it. The resource is still in the snapshot, but that one field is
/// [`NotCollected`](Self::NotCollected), and the snapshot's
/// [`gaps`](crate::Snapshot::gaps) hold a [`CoverageGap`](crate::CoverageGap)
/// naming the IAM action, the resource and the cause. A few values are not
/// collected without a failed call of their own, and then no gap names the
/// resource: a user (or root) missing from the credential report, a
/// customer-managed policy whose default version's document is missing or
/// not JSON (the field docs say which). Fields that come with
/// the listing itself are plain values (never `Collected`); each kind's
/// module says which fields are which.
///
/// # What a rule does with it
///
/// A value CloudArq could not read is *unknown*, never `false`, empty or
/// "off". A rule must not PASS or FAIL on it: it returns
/// [`Outcome::not_collected`](crate::rule::Outcome::not_collected) naming the
/// field. The engine then records no finding for that (rule, resource) pair
/// but an [`EvaluationGap`](crate::finding::EvaluationGap), which reports list
/// beside the snapshot's coverage gaps. This holds for WebAssembly rules too.
///
/// # `Collected<Option<T>>`: three states
///
/// For settings that may be absent in AWS, the value is an `Option`:
///
/// | value | meaning |
/// |---|---|
/// | `Value(Some(x))` | the call answered with a configuration `x` |
/// | `Value(None)` | the call answered that nothing is configured (for example `NoSuchBucketPolicy`) |
/// | `NotCollected` | the call failed: unknown |
///
/// `Value(None)` is a real answer a rule may FAIL on ("no bucket policy");
/// `NotCollected` is not.
///
/// # Serialized form
///
/// In a snapshot document, `{"value": …}` or the string `"not_collected"`;
/// a `Collected` field missing from a resource's JSON reads as
/// `NotCollected` (the [`Default`]). So `{"value": null}` is `Value(None)`,
/// distinct from `"not_collected"`.
///
/// # Example
///
/// The idiomatic read is `let Collected::Value(v) = &field else { return
/// not collected }` (or [`value`](Self::value) with `let … else`), then a
/// verdict on `v`:
///
/// ```
/// use cloudarq_model::inventory::s3::S3Bucket;
/// use cloudarq_model::rule::{Outcome, Verdict};
/// use cloudarq_model::Collected;
///
/// /// Server access logging is on.
/// fn logging_outcome(b: &S3Bucket) -> Outcome {
///     let Collected::Value(logging) = &b.logging else {
///         // The GetBucketLogging call failed: no PASS, no FAIL.
///         return Outcome::not_collected("logging");
///     };
///     match logging {
///         Some(target) => Outcome::pass(format!("{} logs to {}", b.name, target.target_bucket)),
///         None => Outcome::fail(format!("{} has server access logging off", b.name)),
///     }
/// }
///
/// let mut bucket: S3Bucket = serde_json::from_value(serde_json::json!({
///     "name": "data", "logging": "not_collected"
/// }))?;
/// assert_eq!(
///     logging_outcome(&bucket).verdict,
///     Verdict::NotCollected { field: "logging".to_owned() }
/// );
///
/// bucket.logging = Collected::Value(None); // AWS answered: logging is off
/// assert!(matches!(logging_outcome(&bucket).verdict, Verdict::Fail(_)));
///
/// // `value()` gives an `Option<&T>`, handy with `let … else` or `?`.
/// assert_eq!(bucket.logging.value(), Some(&None));
/// assert_eq!(bucket.acl.value(), None); // absent from the JSON: not collected
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Collected<T> {
    /// The value as AWS returned it (mapped to the model's type).
    Value(T),
    /// The call that reads it failed or was denied, so the value is
    /// unknown; the snapshot's coverage gaps say which call and why. A rule
    /// returns [`Outcome::not_collected`](crate::rule::Outcome::not_collected),
    /// never a PASS or FAIL. Also the value of a field missing from JSON.
    #[default]
    NotCollected,
}

impl<T> Collected<T> {
    /// The value, if it was collected; `None` when not collected (so for a
    /// `Collected<Option<T>>`, `Some(&None)` means "collected: nothing
    /// configured").
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(v) => Some(v),
            Self::NotCollected => None,
        }
    }
    /// Whether the value was collected.
    pub fn is_collected(&self) -> bool {
        matches!(self, Self::Value(_))
    }
    /// Maps a collected value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Collected<U> {
        match self {
            Self::Value(v) => Collected::Value(f(v)),
            Self::NotCollected => Collected::NotCollected,
        }
    }
    /// Borrows the inner value.
    pub fn as_ref(&self) -> Collected<&T> {
        match self {
            Self::Value(v) => Collected::Value(v),
            Self::NotCollected => Collected::NotCollected,
        }
    }
}

impl<T> From<Option<T>> for Collected<T> {
    /// `Some` is a collected value, `None` is not collected.
    fn from(o: Option<T>) -> Self {
        o.map_or(Self::NotCollected, Self::Value)
    }
}

/// Resource tags, key to value, as AWS returned them: keys are
/// case-sensitive (`Owner` is not `owner`), and a tag set without a value
/// has the value `""`. Read them from [`Resource::tags`](crate::Resource::tags).
///
/// Tags come with the listing call of each kind, so they are never
/// `Collected`: an empty map means the listing showed no tags. But some kinds
/// carry no tags in the snapshot at all, and for those an empty map says
/// nothing about the resource in AWS:
///
/// | kinds | tags |
/// |---|---|
/// | EC2 instances (and their `AWS::EC2::InstanceConfiguration`), security groups, network interfaces, volumes, snapshots, VPCs, network ACLs | from the `Describe*` listing |
/// | RDS DB instances, clusters, DB and cluster snapshots | from the `Describe*` listing (`TagList`) |
/// | KMS keys | from `ListResourceTags`, one call per key; empty, with a gap naming the key, when that call failed |
/// | IAM users and roles | from `GetAccountAuthorizationDetails` |
/// | S3 buckets | from `GetBucketTagging`, one call per bucket; empty, with a gap naming the bucket, when that call failed |
/// | IAM managed policies | **always empty**: policy tags are not collected |
/// | IAM groups | always empty (IAM groups cannot be tagged) |
/// | `AWS::IAM::Account`, `AWS::S3::AccountPublicAccessBlock`, `AWS::EC2::RegionSettings` | always empty (account settings, not taggable resources) |
/// | `AWS::Config::RegionSettings`, `AWS::SecurityHub::Hub`, `AWS::AccessAnalyzer::RegionSettings` | always empty (per-region settings; hub and analyzer tags are not collected) |
/// | `AWS::EFS::FileSystem` | the file system's tags, as `DescribeFileSystems` returns them |
/// | `AWS::Macie::Session`, `AWS::Account::Contacts`, `AWS::Backup::RegionSettings` | always empty (account settings, not taggable resources) |
/// | `AWS::Backup::BackupPlan`, `AWS::SSM::ManagedInstance` | always empty (plan and node tags are not collected) |
/// | `AWS::CloudFront::Distribution` | always empty (distribution tags are not collected) |
/// | `AWS::ElasticLoadBalancingV2::LoadBalancer` | from `DescribeTags`, 20 load balancers per call; empty, with a gap naming each load balancer, when that call failed |
/// | `AWS::ApiGateway::Stage` | the stage's tags, as `GetStages` returns them |
/// | `AWS::ApiGateway::Account` | always empty (account settings, not taggable resources) |
///
/// EC2 resources take their display [`name`](crate::Resource::name) from
/// the `Name` tag, when it is set and not blank.
///
/// ```
/// use cloudarq_model::Resource;
/// let r: Resource = serde_json::from_value(serde_json::json!({
///     "arn": "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc",
///     "region": "eu-west-1", "name": "web-1",
///     "tags": {"Name": "web-1", "owner": "ana@example.com", "backup": ""},
///     "properties": {"AWS::EC2::Instance": {"instance_id": "i-0abc"}}
/// }))?;
/// assert_eq!(r.tags.get("owner").map(String::as_str), Some("ana@example.com"));
/// assert_eq!(r.tags.get("Owner"), None); // keys are case-sensitive
/// assert!(r.tags.contains_key("backup")); // present with an empty value
/// // Case-insensitive lookup, when a policy allows any spelling:
/// let owner = r.tags.iter().find(|(k, _)| k.eq_ignore_ascii_case("OWNER")).map(|(_, v)| v);
/// assert_eq!(owner.map(String::as_str), Some("ana@example.com"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub type Tags = BTreeMap<String, String>;

/// An AWS service CloudArq collects; [`ResourceType::service`](crate::ResourceType::service)
/// names each kind's. Serialized as its lowercase [`as_str`](Self::as_str)
/// name (`"ec2"`, `"securityhub"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Service {
    /// Identity and Access Management (global).
    Iam,
    /// Simple Storage Service.
    S3,
    /// Elastic Compute Cloud, including VPC networking and EBS.
    Ec2,
    /// Relational Database Service.
    Rds,
    /// Key Management Service (customer managed keys).
    Kms,
    /// CloudTrail (trails, their status and event selectors).
    Cloudtrail,
    /// CloudWatch and CloudWatch Logs (log groups, metric filters, alarms).
    Cloudwatch,
    /// Simple Notification Service (topics).
    Sns,
    /// AWS Config (configuration recorders and delivery channels).
    Config,
    /// AWS Security Hub (the hub and its enabled standards).
    SecurityHub,
    /// IAM Access Analyzer (analyzers). Its ARNs and IAM actions use the
    /// namespace `access-analyzer`: see [`arn_namespace`](Service::arn_namespace).
    AccessAnalyzer,
    /// AWS Organizations, as the audited account sees it (delegated
    /// administrators, the delegation policy).
    Organizations,
    /// Elastic File System (file systems and their policies). Its ARNs and
    /// IAM actions use the namespace `elasticfilesystem`.
    Efs,
    /// Amazon Macie (whether it is enabled in a region). Its ARNs and IAM
    /// actions use the namespace `macie2`.
    Macie,
    /// AWS Account Management (the account's contact information; global).
    Account,
    /// AWS Backup (backup plans with their resource selections, and the
    /// resources that have recovery points).
    Backup,
    /// AWS Systems Manager (managed nodes). Rule ids and `--services` say
    /// `ssm`.
    Ssm,
    /// Amazon CloudFront (distributions; global).
    CloudFront,
    /// Elastic Load Balancing v2 (Application, Network and Gateway Load
    /// Balancers). Its ARNs and IAM actions use the namespace
    /// `elasticloadbalancing`.
    Elbv2,
    /// Amazon API Gateway (REST API stages and the account's logging
    /// role).
    ApiGateway,
}

impl Service {
    /// The four services of cloudarq-model 1.0.0, in collection order. Its
    /// type (an array of four) is part of the 1.0 API, so it cannot grow:
    /// use [`EVERY`](Self::EVERY), which lists every service.
    #[deprecated(
        since = "1.0.1",
        note = "lists only the services of 1.0.0; use `Service::EVERY`"
    )]
    pub const ALL: [Service; 4] = [Service::Iam, Service::S3, Service::Ec2, Service::Rds];

    /// Every service, in collection order (a slice, so later versions can
    /// add services without changing its type).
    ///
    /// ```
    /// use cloudarq_model::Service;
    /// assert!(Service::EVERY.contains(&Service::Kms));
    /// assert_eq!(Service::EVERY.first(), Some(&Service::Iam));
    /// ```
    pub const EVERY: &'static [Service] = &[
        Service::Iam,
        Service::S3,
        Service::Ec2,
        Service::Rds,
        Service::Kms,
        Service::Cloudtrail,
        Service::Cloudwatch,
        Service::Sns,
        Service::Config,
        Service::SecurityHub,
        Service::AccessAnalyzer,
        Service::Organizations,
        Service::Efs,
        Service::Macie,
        Service::Account,
        Service::Backup,
        Service::Ssm,
        Service::CloudFront,
        Service::Elbv2,
        Service::ApiGateway,
    ];

    /// The lowercase service name, as in an ARN (except for
    /// [`AccessAnalyzer`](Self::AccessAnalyzer), `accessanalyzer`,
    /// [`Efs`](Self::Efs), `efs`, [`Macie`](Self::Macie), `macie`, and
    /// [`Elbv2`](Self::Elbv2), `elbv2`), in
    /// rule ids and in `--services`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iam => "iam",
            Self::S3 => "s3",
            Self::Ec2 => "ec2",
            Self::Rds => "rds",
            Self::Kms => "kms",
            Self::Cloudtrail => "cloudtrail",
            Self::Cloudwatch => "cloudwatch",
            Self::Sns => "sns",
            Self::Config => "config",
            Self::SecurityHub => "securityhub",
            Self::AccessAnalyzer => "accessanalyzer",
            Self::Organizations => "organizations",
            Self::Efs => "efs",
            Self::Macie => "macie",
            Self::Account => "account",
            Self::Backup => "backup",
            Self::Ssm => "ssm",
            Self::CloudFront => "cloudfront",
            Self::Elbv2 => "elbv2",
            Self::ApiGateway => "apigateway",
        }
    }

    /// The service namespace of its ARNs and IAM actions: the
    /// [`as_str`](Self::as_str) name, but `access-analyzer` for IAM Access
    /// Analyzer, `elasticfilesystem` for EFS, `macie2` for Macie and
    /// `elasticloadbalancing` for ELBv2.
    ///
    /// ```
    /// use cloudarq_model::Service;
    /// assert_eq!(Service::AccessAnalyzer.as_str(), "accessanalyzer");
    /// assert_eq!(Service::AccessAnalyzer.arn_namespace(), "access-analyzer");
    /// assert_eq!(Service::Efs.arn_namespace(), "elasticfilesystem");
    /// assert_eq!(Service::Macie.arn_namespace(), "macie2");
    /// assert_eq!(Service::Kms.arn_namespace(), "kms");
    /// ```
    pub fn arn_namespace(self) -> &'static str {
        match self {
            Self::AccessAnalyzer => "access-analyzer",
            Self::Efs => "elasticfilesystem",
            Self::Macie => "macie2",
            Self::Elbv2 => "elasticloadbalancing",
            other => other.as_str(),
        }
    }
}

impl FromStr for Service {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::EVERY
            .iter()
            .copied()
            .find(|svc| svc.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ModelError::UnknownService(s.to_owned()))
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collected_serializes_unambiguously() {
        let v: Collected<Option<bool>> = Collected::Value(None);
        let n: Collected<Option<bool>> = Collected::NotCollected;
        let vs = serde_json::to_string(&v).unwrap();
        let ns = serde_json::to_string(&n).unwrap();
        assert_eq!(vs, r#"{"value":null}"#);
        assert_eq!(ns, r#""not_collected""#);
        assert_eq!(
            serde_json::from_str::<Collected<Option<bool>>>(&vs).unwrap(),
            v
        );
        assert_eq!(
            serde_json::from_str::<Collected<Option<bool>>>(&ns).unwrap(),
            n
        );
    }

    #[test]
    fn timestamps_roundtrip_in_utc() {
        let t: Timestamp = "2026-01-02T03:04:05.123+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2026-01-02T01:04:05.123Z");
        assert!("yesterday".parse::<Timestamp>().is_err());
        let a: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-03-02T00:00:00Z".parse().unwrap();
        assert_eq!(a.days_until(b), 60);
    }

    #[test]
    fn services_parse() {
        assert_eq!("S3".parse::<Service>().unwrap(), Service::S3);
        assert_eq!("kms".parse::<Service>().unwrap(), Service::Kms);
        for svc in Service::EVERY {
            assert_eq!(svc.as_str().parse::<Service>().unwrap(), *svc);
            let json = serde_json::to_string(svc).unwrap();
            assert_eq!(json, format!("\"{}\"", svc.as_str()));
        }
        assert!(
            "lambda"
                .parse::<Service>()
                .unwrap_err()
                .to_string()
                .contains("lambda")
        );
    }
}
