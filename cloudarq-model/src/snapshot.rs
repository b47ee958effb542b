//! The inventory snapshot (C2): what one collection saw, with the coverage
//! gaps it could not see, in a versioned JSON format that round-trips.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::common::{Service, Timestamp};
use crate::error::ModelError;
use crate::ids::{AccountId, Arn, Partition, Region};
use crate::inventory::{Resource, ResourceType};

/// The snapshot format version this build writes and reads.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// The `format` marker of every snapshot document.
pub const SNAPSHOT_FORMAT: &str = "cloudarq.snapshot";

/// Why part of an account could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GapKind {
    /// The role lacks permission (`AccessDenied` and kin).
    AccessDenied,
    /// The region is not enabled for the account (opt-in region).
    RegionNotEnabled,
    /// The service or operation does not exist in that region or endpoint.
    ServiceUnsupported,
    /// Throttled until the retry budget ran out.
    ThrottledOut,
    /// The endpoint could not be reached or timed out.
    Unreachable,
    /// The service in that region did not finish within the scan's
    /// per-service deadline; the message names the service, region and deadline.
    DeadlineExceeded,
    /// The credentials were rejected or expired.
    InvalidCredentials,
    /// Any other error; the code says which.
    Other,
}

/// A part of the account that was not collected, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CoverageGap {
    /// The service.
    pub service: Service,
    /// The region, `None` for global services.
    pub region: Option<Region>,
    /// The IAM action that failed, for example `s3:GetBucketPolicy`.
    pub action: String,
    /// The resource the call was about, when it was about one.
    pub resource: Option<Arn>,
    /// The classified cause.
    pub kind: GapKind,
    /// The AWS error code, when there was one.
    pub error_code: Option<String>,
    /// A short, secret-free description.
    pub message: String,
}

/// Figures about the collection itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionStats {
    /// AWS requests sent, retries included.
    pub api_requests: u64,
    /// Wall time of the collection in milliseconds.
    pub duration_ms: u64,
}

/// One collection of one account.
///
/// ```
/// use cloudarq_model::Snapshot;
/// let json = r#"{"format":"cloudarq.snapshot","version":1,"account_id":"123456789012",
///   "partition":"aws","collected_at":"2026-01-01T00:00:00Z","regions":["eu-west-1"],
///   "services":["s3"],"resources":[],"gaps":[],"stats":{"api_requests":0,"duration_ms":0}}"#;
/// let snap = Snapshot::from_json(json, "<doc>")?;
/// assert_eq!(snap.account_id.as_str(), "123456789012");
/// assert_eq!(Snapshot::from_json(&snap.to_json()?, "<doc>")?, snap);
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_FORMAT`].
    pub format: String,
    /// Always [`SNAPSHOT_FORMAT_VERSION`] for snapshots this build writes.
    pub version: u32,
    /// The account collected.
    pub account_id: AccountId,
    /// Its partition.
    pub partition: Partition,
    /// When the collection started; rules use this as "now".
    pub collected_at: Timestamp,
    /// Regions collected.
    pub regions: Vec<Region>,
    /// Services collected.
    pub services: Vec<Service>,
    /// The resources, sorted by ARN, one per ARN.
    pub resources: Resources,
    /// What could not be collected.
    pub gaps: Vec<CoverageGap>,
    /// Collection figures.
    pub stats: CollectionStats,
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new(account_id: AccountId, partition: Partition, collected_at: Timestamp) -> Self {
        Self {
            format: SNAPSHOT_FORMAT.to_owned(),
            version: SNAPSHOT_FORMAT_VERSION,
            account_id,
            partition,
            collected_at,
            regions: Vec::new(),
            services: Vec::new(),
            resources: Resources::default(),
            gaps: Vec::new(),
            stats: CollectionStats::default(),
        }
    }

    /// Parses a snapshot document. `source_name` (a file name) is named in errors.
    ///
    /// The version is checked before the body, so a document from another
    /// format version gets a version error, not a confusing shape error.
    pub fn from_json(json: &str, source_name: &str) -> Result<Self, ModelError> {
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<u64>,
        }
        let fmt_err = |detail: String| ModelError::SnapshotFormat {
            source_name: source_name.to_owned(),
            detail,
        };
        let header: Header = serde_json::from_str(json).map_err(|e| fmt_err(e.to_string()))?;
        if header.format.as_deref() != Some(SNAPSHOT_FORMAT) {
            return Err(fmt_err(format!(
                "missing or wrong \"format\" marker (expected {SNAPSHOT_FORMAT:?})"
            )));
        }
        match header.version {
            Some(v) if v == u64::from(SNAPSHOT_FORMAT_VERSION) => {}
            Some(found) => {
                return Err(ModelError::SnapshotVersion {
                    source_name: source_name.to_owned(),
                    found,
                    supported: SNAPSHOT_FORMAT_VERSION,
                });
            }
            None => return Err(fmt_err("missing \"version\"".to_owned())),
        }
        serde_json::from_str(json).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                // Duplicate ARNs surface as a data error with our message.
                fmt_err(e.to_string())
            }
            _ => fmt_err(e.to_string()),
        })
    }

    /// Serializes the snapshot as pretty JSON.
    pub fn to_json(&self) -> Result<String, ModelError> {
        serde_json::to_string_pretty(self).map_err(|e| ModelError::SnapshotFormat {
            source_name: "<memory>".to_owned(),
            detail: e.to_string(),
        })
    }

    /// Resources of one type, in ARN order; cost proportional to their number.
    pub fn of_type(&self, t: ResourceType) -> impl Iterator<Item = &Resource> {
        self.resources.of_type(t)
    }
}

/// The snapshot's resources, keyed by ARN; serialized as a list sorted by ARN.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Resource>", into = "Vec<Resource>")]
pub struct Resources(BTreeMap<Arn, Resource>, TypeIndex);

/// ARNs per resource type, so rules that look across the snapshot (the
/// account's settings, a VPC's groups) do not scan every resource.
type TypeIndex = BTreeMap<ResourceType, std::collections::BTreeSet<Arn>>;

impl Resources {
    /// Adds a resource. A second resource with the same ARN replaces the first
    /// and is returned.
    pub fn insert(&mut self, r: Resource) -> Option<Resource> {
        let arn = r.arn.clone();
        self.1
            .entry(r.resource_type())
            .or_default()
            .insert(arn.clone());
        let old = self.0.insert(arn.clone(), r);
        if let Some(old) = &old {
            let old_t = old.resource_type();
            let new_t = self.0.get(&arn).map(Resource::resource_type);
            if Some(old_t) != new_t
                && let Some(set) = self.1.get_mut(&old_t)
            {
                set.remove(&arn);
            }
        }
        old
    }

    /// Resources of one type, in ARN order.
    pub fn of_type(&self, t: ResourceType) -> impl Iterator<Item = &Resource> {
        self.1
            .get(&t)
            .into_iter()
            .flatten()
            .filter_map(|arn| self.0.get(arn))
    }
    /// Looks a resource up by ARN.
    pub fn get(&self, arn: &Arn) -> Option<&Resource> {
        self.0.get(arn)
    }
    /// Number of resources.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No resources.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Resources in ARN order.
    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.0.values()
    }
}

impl Extend<Resource> for Resources {
    fn extend<I: IntoIterator<Item = Resource>>(&mut self, iter: I) {
        for r in iter {
            self.insert(r);
        }
    }
}

impl TryFrom<Vec<Resource>> for Resources {
    type Error = ModelError;
    fn try_from(v: Vec<Resource>) -> Result<Self, Self::Error> {
        let mut out = Self::default();
        for r in v {
            if let Some(dup) = out.insert(r) {
                return Err(ModelError::DuplicateArn(dup.arn.to_string()));
            }
        }
        Ok(out)
    }
}

impl From<Resources> for Vec<Resource> {
    fn from(r: Resources) -> Self {
        r.0.into_values().collect()
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::inventory::Properties;
    use crate::inventory::s3::S3AccountPublicAccessBlock;

    fn res(arn: &str) -> Resource {
        Resource {
            arn: arn.parse().unwrap(),
            region: None,
            name: arn.to_owned(),
            tags: Default::default(),
            properties: Properties::S3AccountPublicAccessBlock(Box::new(
                S3AccountPublicAccessBlock {
                    configuration: crate::Collected::NotCollected,
                },
            )),
        }
    }

    #[test]
    fn the_type_index_follows_inserts_and_replacements() {
        let mut r = Resources::default();
        r.insert(res("arn:aws:s3::123456789012:account"));
        r.insert(res("arn:aws:s3::123456789012:account"));
        assert_eq!(
            r.of_type(ResourceType::S3AccountPublicAccessBlock).count(),
            1
        );
        assert_eq!(r.of_type(ResourceType::S3Bucket).count(), 0);
        let back: Resources = Vec::<Resource>::from(r.clone()).try_into().unwrap();
        assert_eq!(back, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: &str) -> String {
        format!(
            r#"{{"format":"cloudarq.snapshot","version":{version},"account_id":"123456789012","partition":"aws","collected_at":"2026-01-01T00:00:00Z","regions":[],"services":[],"resources":[],"gaps":[],"stats":{{"api_requests":0,"duration_ms":0}}}}"#
        )
    }

    #[test]
    fn old_and_new_versions_are_refused_by_number() {
        let e = Snapshot::from_json(&header("0"), "old.json").unwrap_err();
        assert!(
            matches!(e, ModelError::SnapshotVersion { found: 0, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("old.json"));
        let e = Snapshot::from_json(&header("2"), "new.json").unwrap_err();
        assert!(e.to_string().contains("version 2"), "{e}");
        assert!(Snapshot::from_json(&header("1"), "ok.json").is_ok());
    }

    #[test]
    fn corrupt_documents_name_the_source() {
        for bad in ["", "{", "[]", r#"{"format":"other","version":1}"#] {
            let e = Snapshot::from_json(bad, "bad.json").unwrap_err();
            assert!(e.to_string().contains("bad.json"), "{e}");
        }
    }

    #[test]
    fn duplicate_arns_are_refused() {
        let res = r#"{"arn":"arn:aws:s3:::b","region":"eu-west-1","name":"b","properties":{"AWS::S3::AccountPublicAccessBlock":{"configuration":"not_collected"}}}"#;
        let doc = header("1").replace(
            r#""resources":[]"#,
            &format!(r#""resources":[{res},{res}]"#),
        );
        let e = Snapshot::from_json(&doc, "dup.json").unwrap_err();
        assert!(
            e.to_string()
                .contains("duplicate resource ARN arn:aws:s3:::b"),
            "{e}"
        );
    }
}
