//! Small value types shared by every inventory kind: [`Timestamp`],
//! [`Collected`], [`Service`] and [`Tags`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::ModelError;

/// A UTC instant, serialized as RFC 3339.
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
    /// Whole days from `self` to `later` (negative when `later` is earlier).
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

/// A value that was read from AWS, or could not be.
///
/// A value CloudArq could not read is *not collected*, never `false`: rules
/// emit no PASS or FAIL on it, and the snapshot's coverage gaps say why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Collected<T> {
    /// The value as AWS returned it.
    Value(T),
    /// The call that reads it failed; see the snapshot's coverage gaps.
    #[default]
    NotCollected,
}

impl<T> Collected<T> {
    /// The value, if it was collected.
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

/// Resource tags, key to value.
pub type Tags = BTreeMap<String, String>;

/// An AWS service CloudArq collects.
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
}

impl Service {
    /// Every service, in collection order.
    pub const ALL: [Service; 4] = [Service::Iam, Service::S3, Service::Ec2, Service::Rds];

    /// The lowercase service name, as in an ARN.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iam => "iam",
            Self::S3 => "s3",
            Self::Ec2 => "ec2",
            Self::Rds => "rds",
        }
    }
}

impl FromStr for Service {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
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
        assert!(
            "lambda"
                .parse::<Service>()
                .unwrap_err()
                .to_string()
                .contains("lambda")
        );
    }
}
