//! Identifier newtypes: [`Arn`], [`AccountId`], [`Region`], [`Partition`].
//!
//! Each is parsed once at the boundary and carried typed afterwards, so a
//! malformed identifier cannot reach a rule or the store.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// An Amazon Resource Name, `arn:partition:service:region:account:resource`.
///
/// Every [`Resource`](crate::Resource) is keyed by its ARN in the snapshot;
/// the [`inventory`](crate::inventory) module lists the ARN form of each
/// kind. Parsing checks the shape only (six colon-separated parts, a
/// partition, service and resource, at most 2048 characters, no control
/// characters); region and account may be empty.
///
/// ```
/// use cloudarq_model::Arn;
/// let arn: Arn = "arn:aws:s3:::my-bucket".parse()?;
/// assert_eq!(arn.service(), "s3");
/// assert_eq!(arn.resource(), "my-bucket");
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Arn(String);

impl Arn {
    /// Builds an ARN from its parts; `None` leaves the region or account
    /// empty. The only place ARNs are assembled.
    ///
    /// A rule uses it to find a related resource by id: build the related
    /// resource's canonical ARN and look it up with
    /// [`Resources::get`](crate::Resources::get) (see
    /// [`Instance`](crate::inventory::ec2::Instance) for an example).
    ///
    /// ```
    /// use cloudarq_model::{AccountId, Arn, Partition, Region};
    /// let account: AccountId = "123456789012".parse()?;
    /// let region: Region = "eu-west-1".parse()?;
    /// let sg = Arn::build(&Partition::aws(), "ec2", Some(&region), Some(&account),
    ///     "security-group/sg-0abc")?;
    /// assert_eq!(sg.as_str(), "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc");
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn build(
        partition: &Partition,
        service: &str,
        region: Option<&Region>,
        account: Option<&AccountId>,
        resource: &str,
    ) -> Result<Self, ModelError> {
        let region = region.map(Region::as_str).unwrap_or("");
        let account = account.map(AccountId::as_str).unwrap_or("");
        let mut s = String::with_capacity(16 + service.len() + region.len() + resource.len());
        s.push_str("arn:");
        s.push_str(partition.as_str());
        s.push(':');
        s.push_str(service);
        s.push(':');
        s.push_str(region);
        s.push(':');
        s.push_str(account);
        s.push(':');
        s.push_str(resource);
        s.parse()
    }

    /// The ARN of a per-service, per-region account setting (for example the
    /// EBS encryption-by-default switch): `arn:aws:ec2:eu-west-1:123456789012:account`.
    pub fn account_setting(
        partition: &Partition,
        service: &str,
        region: Option<&Region>,
        account: &AccountId,
    ) -> Result<Self, ModelError> {
        Self::build(partition, service, region, Some(account), "account")
    }

    fn part(&self, index: usize) -> &str {
        // Invariant: a parsed Arn always has six colon-separated parts.
        self.0.splitn(6, ':').nth(index).unwrap_or("")
    }

    /// The partition, for example `aws`.
    pub fn partition(&self) -> &str {
        self.part(1)
    }
    /// The service namespace, for example `s3`.
    pub fn service(&self) -> &str {
        self.part(2)
    }
    /// The region, empty for global resources (IAM, S3 buckets and the S3
    /// account setting).
    pub fn region(&self) -> &str {
        self.part(3)
    }
    /// The account id: empty for S3 buckets, EBS snapshots and AMIs, `aws` for
    /// AWS-managed IAM policies.
    pub fn account(&self) -> &str {
        self.part(4)
    }
    /// Everything after the fifth colon, for example `security-group/sg-0abc`,
    /// `db:orders` or `my-bucket`.
    pub fn resource(&self) -> &str {
        self.part(5)
    }
    /// The ARN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Arn {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && !parts[1].is_empty()
            && !parts[2].is_empty()
            && !parts[5].is_empty()
            && s.len() <= 2048
            && !s.chars().any(char::is_control);
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ModelError::InvalidArn(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Arn {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Arn> for String {
    fn from(a: Arn) -> String {
        a.0
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 12-digit AWS account id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ModelError::InvalidAccountId(s.to_owned()))
        }
    }
}

impl TryFrom<String> for AccountId {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region code such as `eu-west-1`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    /// The region code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Region {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Region codes look like `us-east-1`, `us-gov-west-1`, `cn-north-1`.
        let ok = (4..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && s.contains('-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes().last().is_some_and(|b| b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ModelError::InvalidRegion(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Region {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS partition: `aws`, `aws-cn`, `aws-us-gov`, …
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Partition(String);

impl Partition {
    /// The commercial partition.
    pub fn aws() -> Self {
        Self("aws".to_owned())
    }
    /// The partition as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The partition a region belongs to.
    pub fn of_region(region: &Region) -> Self {
        let r = region.as_str();
        let p = if r.starts_with("cn-") {
            "aws-cn"
        } else if r.starts_with("us-gov-") {
            "aws-us-gov"
        } else if r.starts_with("us-iso-") {
            "aws-iso"
        } else if r.starts_with("us-isob-") {
            "aws-iso-b"
        } else {
            "aws"
        };
        Self(p.to_owned())
    }
}

impl FromStr for Partition {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.is_empty()
            && s.len() <= 16
            && s.starts_with("aws")
            && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(ModelError::InvalidPartition(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Partition {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Partition> for String {
    fn from(p: Partition) -> String {
        p.0
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        let a: Arn = "arn:aws:iam::123456789012:user/a/b:c".parse().unwrap();
        assert_eq!(a.partition(), "aws");
        assert_eq!(a.service(), "iam");
        assert_eq!(a.region(), "");
        assert_eq!(a.account(), "123456789012");
        assert_eq!(a.resource(), "user/a/b:c");
    }

    #[test]
    fn bad_arns_name_the_input() {
        for bad in [
            "",
            "arn:aws:s3",
            "nope:aws:s3:::b",
            "arn::s3:::b",
            "arn:aws:s3:::",
        ] {
            let e = bad.parse::<Arn>().unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn regions_and_accounts() {
        assert!("eu-west-1".parse::<Region>().is_ok());
        assert!("us-gov-west-1".parse::<Region>().is_ok());
        for bad in ["", "EU-WEST-1", "eu west 1", "global", "eu-west-"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        assert!("123456789012".parse::<AccountId>().is_ok());
        assert!("12345678901".parse::<AccountId>().is_err());
        assert_eq!(
            Partition::of_region(&"cn-north-1".parse().unwrap()).as_str(),
            "aws-cn"
        );
    }

    #[test]
    fn build_roundtrips() {
        let acct: AccountId = "123456789012".parse().unwrap();
        let reg: Region = "eu-west-1".parse().unwrap();
        let a = Arn::build(
            &Partition::aws(),
            "ec2",
            Some(&reg),
            Some(&acct),
            "volume/vol-1",
        )
        .unwrap();
        assert_eq!(
            a.as_str(),
            "arn:aws:ec2:eu-west-1:123456789012:volume/vol-1"
        );
        let s = Arn::account_setting(&Partition::aws(), "s3", None, &acct).unwrap();
        assert_eq!(s.as_str(), "arn:aws:s3::123456789012:account");
    }
}
