//! The inventory snapshot (C2): what one collection saw, with the coverage
//! gaps it could not see, in a versioned JSON format that round-trips.
//!
//! A loaded snapshot holds only what belongs to it ([`Snapshot::validate`]):
//! every resource's ARN names the snapshot's partition and account and, for
//! a regional resource, a region the snapshot collected.
//!
//! # How a rule reads it
//!
//! A rule's `evaluate` gets one resource and the whole snapshot, for context:
//!
//! - other resources of a type: [`Snapshot::of_type`] (for example the
//!   account's `AWS::S3::AccountPublicAccessBlock` for a bucket rule);
//! - one resource by ARN: [`Resources::get`] on [`Snapshot::resources`],
//!   with the ARN built by [`Arn::build`](crate::Arn::build) from an id the
//!   resource names (an instance's security groups: see
//!   [`Instance`](crate::inventory::ec2::Instance));
//! - which security groups name a group in their rules:
//!   [`Snapshot::sg_references`];
//! - which IAM groups a user belongs to: [`Snapshot::iam_groups`];
//! - "now": [`Snapshot::collected_at`] (rules have no clock);
//! - what could not be read: [`Snapshot::gaps`].
//!
//! A related resource that is not in the snapshot was not collected (its
//! listing failed, or it is outside the scan): the rule answers
//! [`Outcome::not_collected`](crate::rule::Outcome::not_collected), not
//! PASS or FAIL.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::common::{Service, Timestamp};
use crate::derived::{Derived, IamGroups, SgReferences, VolumeSnapshots};
use crate::error::ModelError;
use crate::ids::{AccountId, Arn, Partition, Region};
use crate::inventory::{Resource, ResourceType};

/// The snapshot format version this build writes and reads.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;

/// The `format` marker of every snapshot document.
pub const SNAPSHOT_FORMAT: &str = "cloudarq.snapshot";

/// Why part of an account could not be read, classified from the AWS error
/// code. Serialized in snake case (`"access_denied"`).
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

/// A part of the account that was not collected, and why: one failed AWS
/// call. A failed listing leaves its resources absent; a failed per-resource
/// read leaves a [`Collected`](crate::Collected) field not collected, and
/// its gap names the resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CoverageGap {
    /// The service.
    pub service: Service,
    /// The region, `None` for global services.
    pub region: Option<Region>,
    /// The IAM action of the call that failed, for example
    /// `s3:GetBucketPolicy` (for `GetBucketEncryption` it is
    /// `s3:GetEncryptionConfiguration`: the inventory modules list each).
    pub action: String,
    /// The resource the call was about, when it was about one (a bucket, a
    /// snapshot, the account setting); `None` for a listing.
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

/// One collection of one account: its resources, what could not be read,
/// and when.
///
/// Build one from a snapshot document with [`from_json`](Self::from_json)
/// (as tests of a rule do), or with [`new`](Self::new) and
/// [`Resources::insert`]. [`of_type`](Self::of_type) shows iterating one
/// resource type.
///
/// # What a WebAssembly rule sees
///
/// A rule package runs in a sandbox that does not get the whole snapshot.
/// Its `Snapshot` holds `account_id`, `partition` and `collected_at`; its
/// `resources` hold the batch being evaluated (resources of the package's
/// rule types, from one region, or the global ones) plus every resource
/// of the package's declared context types; `regions`, `services` and
/// `gaps` are empty and `stats` zero. A rule that looks up another kind
/// (the account's Block Public Access, an instance's security groups) needs
/// that kind declared as context (`Package::context` in the guest SDK).
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
    /// The account collected (12 digits); with `partition`, what a rule
    /// needs to build another resource's ARN.
    pub account_id: AccountId,
    /// Its partition (`aws`, `aws-cn`, `aws-us-gov`, …).
    pub partition: Partition,
    /// When the collection started; rules use this as "now" (for ages such
    /// as "key not rotated in 90 days").
    pub collected_at: Timestamp,
    /// Regions collected. Regional resources (EC2, RDS) and S3 buckets
    /// outside them are not in the snapshot.
    pub regions: Vec<Region>,
    /// Services collected; a service not listed has no resources here.
    pub services: Vec<Service>,
    /// The resources, sorted by ARN, one per ARN.
    pub resources: Resources,
    /// What could not be collected: one entry per failed call. Rules need
    /// not read it (a not-collected field already says "unknown"); reports
    /// show it beside the findings.
    pub gaps: Vec<CoverageGap>,
    /// Collection figures.
    pub stats: CollectionStats,
}

impl Snapshot {
    /// An empty snapshot (no regions, services, resources or gaps) of
    /// `account_id`, taken at `collected_at`.
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

    /// Parses a snapshot document and [validates](Self::validate) it.
    /// `source_name` (a file name) is named in errors.
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
        // Duplicate ARNs surface as a data error with our message.
        let snapshot: Self = serde_json::from_str(json).map_err(|e| fmt_err(e.to_string()))?;
        snapshot.validate(source_name)?;
        Ok(snapshot)
    }

    /// Checks that every resource belongs to this snapshot: its ARN names the
    /// snapshot's partition, the service of its type, the snapshot's account
    /// (or, by kind, no account: S3 buckets, EBS snapshots and AMIs; or `aws`: an
    /// AWS-managed IAM policy) and, for a regional resource (EC2, RDS), a
    /// region the snapshot collected; a global resource's ARN (IAM, S3)
    /// names no region. A resource's `region`, when set, is a collected one.
    /// The error names the source and the ARN.
    ///
    /// ```
    /// use cloudarq_model::Snapshot;
    /// let doc = r#"{"format":"cloudarq.snapshot","version":1,"account_id":"123456789012",
    ///   "partition":"aws","collected_at":"2026-01-01T00:00:00Z","regions":["eu-west-1"],
    ///   "services":["ec2"],"resources":[{"arn":"arn:aws:ec2:eu-west-1:999999999999:vpc/vpc-1",
    ///   "region":"eu-west-1","name":"vpc-1","properties":{"AWS::EC2::VPC":{"vpc_id":"vpc-1",
    ///   "cidr_block":null,"is_default":false,"state":null,"flow_logs":"not_collected"}}}],
    ///   "gaps":[],"stats":{"api_requests":0,"duration_ms":0}}"#;
    /// let e = Snapshot::from_json(doc, "s.json").unwrap_err().to_string();
    /// assert!(e.contains("arn:aws:ec2:eu-west-1:999999999999:vpc/vpc-1"), "{e}");
    /// assert!(e.contains("names account 999999999999"), "{e}");
    /// ```
    pub fn validate(&self, source_name: &str) -> Result<(), ModelError> {
        let collected = |region: &str| self.regions.iter().any(|r| r.as_str() == region);
        for r in self.resources.iter() {
            let fail = |detail: String| {
                Err(ModelError::ForeignResource {
                    source_name: source_name.to_owned(),
                    arn: r.arn.to_string(),
                    detail,
                })
            };
            let (arn, kind) = (&r.arn, r.resource_type());
            if arn.partition() != self.partition.as_str() {
                return fail(format!(
                    "its ARN names partition {}, the snapshot is of partition {}",
                    arn.partition(),
                    self.partition
                ));
            }
            if arn.service() != kind.arn_service() {
                return fail(format!(
                    "its ARN names service {}, a {kind} ARN names {}",
                    arn.service(),
                    kind.arn_service()
                ));
            }
            let account = arn.account();
            let own = account == self.account_id.as_str();
            let account_ok = match kind {
                // API Gateway names no account in its ARNs.
                ResourceType::S3Bucket | ResourceType::ApiGatewayStage => account.is_empty(),
                ResourceType::Ec2Snapshot | ResourceType::Ec2Image => own || account.is_empty(),
                ResourceType::IamManagedPolicy => own || account == "aws",
                // An organization trail, seen from a member account, is
                // the management account's.
                ResourceType::CloudTrailTrail => {
                    own || (!account.is_empty()
                        && matches!(&r.properties, crate::Properties::CloudTrailTrail(t) if t.organization_trail))
                }
                _ => own,
            };
            if !account_ok {
                return fail(
                    if matches!(kind, ResourceType::S3Bucket | ResourceType::ApiGatewayStage) {
                        format!("its ARN names account {account}, a {kind} ARN names none")
                    } else if account.is_empty() {
                        format!("its ARN names no account, a {kind} ARN names the account")
                    } else {
                        format!(
                            "its ARN names account {account}, the snapshot is of account {}",
                            self.account_id
                        )
                    },
                );
            }
            let regional = kind.is_regional();
            match (regional, arn.region()) {
                (false, "") => {}
                (false, region) => {
                    return fail(format!(
                        "its ARN names region {region}, a {kind} is global and names none"
                    ));
                }
                (true, region) if collected(region) => {}
                // A multi-region trail whose home region was not scanned is
                // read (as a shadow trail) in a scanned one: its `region`
                // says which, and is checked below.
                (true, _) if kind == ResourceType::CloudTrailTrail && r.region.is_some() => {}
                (true, region) => return fail(self.uncollected("its ARN names region", region)),
            }
            if let Some(region) = &r.region
                && !collected(region.as_str())
            {
                return fail(self.uncollected("its region is", region.as_str()));
            }
        }
        Ok(())
    }

    fn uncollected(&self, what: &str, region: &str) -> String {
        let regions: Vec<&str> = self.regions.iter().map(Region::as_str).collect();
        format!(
            "{what} {region:?}, which the snapshot did not collect (it collected {})",
            if regions.is_empty() {
                "no region".to_owned()
            } else {
                regions.join(", ")
            }
        )
    }

    /// Serializes the snapshot as pretty JSON.
    pub fn to_json(&self) -> Result<String, ModelError> {
        serde_json::to_string_pretty(self).map_err(|e| ModelError::SnapshotFormat {
            source_name: "<memory>".to_owned(),
            detail: e.to_string(),
        })
    }

    /// Resources of one type, in ARN order; cost proportional to their number.
    ///
    /// ```
    /// use cloudarq_model::{Properties, ResourceType, Snapshot};
    /// let snap = Snapshot::from_json(r#"{"format": "cloudarq.snapshot", "version": 1,
    ///   "account_id": "123456789012", "partition": "aws",
    ///   "collected_at": "2026-01-01T00:00:00Z", "regions": ["eu-west-1"],
    ///   "services": ["s3", "ec2"], "gaps": [], "stats": {"api_requests": 0, "duration_ms": 0},
    ///   "resources": [
    ///     {"arn": "arn:aws:s3:::b-logs", "region": "eu-west-1", "name": "b-logs",
    ///      "properties": {"AWS::S3::Bucket": {"name": "b-logs"}}},
    ///     {"arn": "arn:aws:s3:::a-data", "region": "eu-west-1", "name": "a-data",
    ///      "properties": {"AWS::S3::Bucket": {"name": "a-data",
    ///        "versioning": {"value": {"status": "Enabled"}}}}},
    ///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1", "region": "eu-west-1",
    ///      "name": "vpc-1", "properties": {"AWS::EC2::VPC": {"vpc_id": "vpc-1",
    ///        "is_default": true, "flow_logs": {"value": []}}}}
    ///   ]}"#, "<doc>")?;
    ///
    /// let names: Vec<&str> = snap.of_type(ResourceType::S3Bucket).map(|r| r.name.as_str()).collect();
    /// assert_eq!(names, ["a-data", "b-logs"]); // in ARN order
    ///
    /// for r in snap.of_type(ResourceType::S3Bucket) {
    ///     let Properties::S3Bucket(b) = &r.properties else { continue };
    ///     // Fields left out of the JSON above are not collected.
    ///     let versioned = b.versioning.value().map(|v| v.status.as_deref() == Some("Enabled"));
    ///     println!("{}: versioning enabled: {versioned:?}", b.name); // Some(true), None
    /// }
    /// assert_eq!(snap.of_type(ResourceType::Ec2Instance).count(), 0);
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn of_type(&self, t: ResourceType) -> impl Iterator<Item = &Resource> {
        self.resources.of_type(t)
    }

    /// Which security groups reference a group, per region: built from the
    /// snapshot's groups on the first call (thread-safe, once), then shared.
    /// [`SgReferences`] shows an example.
    pub fn sg_references(&self) -> &SgReferences {
        self.resources.sg_references()
    }

    /// The IAM groups by name and by member: the index is built from the
    /// snapshot's groups on the first call (thread-safe, once), then shared.
    /// [`IamGroups`] shows an example.
    pub fn iam_groups(&self) -> IamGroups<'_> {
        self.resources.iam_groups()
    }

    /// The EBS snapshots taken in `region` from volume `volume_id`, in ARN
    /// order (snapshots of a volume that no longer exists included): the
    /// index is built from the snapshot's EBS snapshots on the first call
    /// (thread-safe, once), then shared, so a rule asking for every volume
    /// costs one pass over the snapshots, not one per volume.
    ///
    /// ```
    /// use cloudarq_model::Snapshot;
    /// let snap = Snapshot::from_json(r#"{"format": "cloudarq.snapshot", "version": 1,
    ///   "account_id": "123456789012", "partition": "aws", "collected_at": "2026-01-01T00:00:00Z",
    ///   "regions": ["eu-west-1", "us-east-1"], "services": ["ec2"], "gaps": [],
    ///   "stats": {"api_requests": 0, "duration_ms": 0},
    ///   "resources": [
    ///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-2", "region": "eu-west-1",
    ///      "name": "snap-2", "properties": {"AWS::EC2::Snapshot": {"snapshot_id": "snap-2",
    ///        "volume_id": "vol-1", "encrypted": true}}},
    ///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:snapshot/snap-1", "region": "eu-west-1",
    ///      "name": "snap-1", "properties": {"AWS::EC2::Snapshot": {"snapshot_id": "snap-1",
    ///        "volume_id": "vol-1", "encrypted": true}}},
    ///     {"arn": "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-3", "region": "us-east-1",
    ///      "name": "snap-3", "properties": {"AWS::EC2::Snapshot": {"snapshot_id": "snap-3",
    ///        "volume_id": "vol-1", "encrypted": true}}}
    ///   ]}"#, "<doc>")?;
    /// let eu: cloudarq_model::Region = "eu-west-1".parse()?;
    /// let ids: Vec<&str> = snap.volume_snapshots(Some(&eu), "vol-1")
    ///     .map(|(_, s)| s.snapshot_id.as_str()).collect();
    /// assert_eq!(ids, ["snap-1", "snap-2"]); // this region's, in ARN order
    /// assert_eq!(snap.volume_snapshots(Some(&eu), "vol-9").count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn volume_snapshots(
        &self,
        region: Option<&Region>,
        volume_id: &str,
    ) -> VolumeSnapshots<'_> {
        self.resources.volume_snapshots(region, volume_id)
    }

    /// The companion of `resource` of kind `kind` (see
    /// [`ResourceType::companion_of`]), looked up under its canonical ARN;
    /// `None` when `kind` is not a companion of the resource's kind or the
    /// snapshot does not hold it (a rule then treats it as not collected).
    ///
    /// ```
    /// use cloudarq_model::{ResourceType, Snapshot};
    /// let snap = Snapshot::from_json(r#"{"format": "cloudarq.snapshot", "version": 1,
    ///   "account_id": "123456789012", "partition": "aws",
    ///   "collected_at": "2026-01-01T00:00:00Z", "regions": ["eu-west-1"], "services": ["s3"],
    ///   "gaps": [], "stats": {"api_requests": 0, "duration_ms": 0},
    ///   "resources": [
    ///     {"arn": "arn:aws:s3:::logs", "region": "eu-west-1", "name": "logs",
    ///      "properties": {"AWS::S3::Bucket": {"name": "logs"}}},
    ///     {"arn": "arn:aws:s3::123456789012:bucket-management/logs", "region": "eu-west-1",
    ///      "name": "logs", "properties": {"AWS::S3::BucketManagement": {"bucket": "logs"}}}]}"#,
    ///   "doc")?;
    /// let bucket = snap.of_type(ResourceType::S3Bucket).next().unwrap();
    /// let m = snap.companion(bucket, ResourceType::S3BucketManagement).unwrap();
    /// assert_eq!(m.arn.as_str(), "arn:aws:s3::123456789012:bucket-management/logs");
    /// assert!(snap.companion(bucket, ResourceType::Ec2InstanceConfiguration).is_none());
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn companion(&self, resource: &Resource, kind: ResourceType) -> Option<&Resource> {
        if kind.companion_of() != Some(resource.resource_type()) {
            return None;
        }
        let own = resource.arn.resource();
        let part = match kind {
            ResourceType::S3BucketManagement => format!("bucket-management/{own}"),
            ResourceType::RdsDbInstanceConfiguration => {
                format!("db-configuration:{}", own.strip_prefix("db:")?)
            }
            ResourceType::RdsDbClusterConfiguration => {
                format!("cluster-configuration:{}", own.strip_prefix("cluster:")?)
            }
            ResourceType::Ec2InstanceConfiguration => {
                format!("instance-configuration/{}", own.strip_prefix("instance/")?)
            }
            _ => return None,
        };
        let region = Some(resource.arn.region())
            .filter(|r| !r.is_empty())
            .and_then(|r| r.parse::<Region>().ok());
        let arn = Arn::build(
            &self.partition,
            kind.arn_service(),
            region.as_ref(),
            Some(&self.account_id),
            &part,
        )
        .ok()?;
        self.resources
            .get(&arn)
            .filter(|c| c.resource_type() == kind)
    }
}

/// The snapshot's resources, keyed by ARN, each held shared (an `Arc`; see
/// [`shared`](Self::shared)); serialized as a list sorted by ARN.
/// Indexes derived from them (see [`Snapshot::sg_references`]) are built on
/// first use and dropped by every change.
///
/// Rules read it through [`get`](Self::get) (one resource by ARN),
/// [`of_type`](Self::of_type) and [`iter`](Self::iter).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Resource>", into = "Vec<Resource>")]
pub struct Resources(BTreeMap<Arn, Arc<Resource>>, TypeIndex, Derived);

/// ARNs per resource type, so rules that look across the snapshot (the
/// account's settings, a VPC's groups) do not scan every resource.
type TypeIndex = BTreeMap<ResourceType, std::collections::BTreeSet<Arn>>;

impl Resources {
    /// Adds a resource. A second resource with the same ARN replaces the first
    /// and is returned.
    ///
    /// Building a snapshot from constructors, as a rule's test might:
    ///
    /// ```
    /// use cloudarq_model::inventory::ec2::Vpc;
    /// use cloudarq_model::{Arn, Collected, Partition, Properties, Region, Resource,
    ///     ResourceType, Snapshot, Tags};
    /// let mut snap = Snapshot::new("123456789012".parse()?, Partition::aws(),
    ///     "2026-01-01T00:00:00Z".parse()?);
    /// let region: Region = "eu-west-1".parse()?;
    /// let vpc = Vpc {
    ///     vpc_id: "vpc-1".to_owned(),
    ///     cidr_block: Some("10.0.0.0/16".to_owned()),
    ///     is_default: false,
    ///     state: Some("available".to_owned()),
    ///     flow_logs: Collected::NotCollected,
    /// };
    /// let arn = Arn::build(&snap.partition, "ec2", Some(&region), Some(&snap.account_id),
    ///     "vpc/vpc-1")?;
    /// snap.regions.push(region.clone());
    /// snap.resources.insert(Resource {
    ///     arn: arn.clone(),
    ///     region: Some(region),
    ///     name: "vpc-1".to_owned(),
    ///     tags: Tags::from([("env".to_owned(), "prod".to_owned())]),
    ///     properties: Properties::Ec2Vpc(Box::new(vpc)),
    /// });
    /// assert_eq!(snap.of_type(ResourceType::Ec2Vpc).count(), 1);
    /// assert_eq!(snap.resources.get(&arn).map(|r| r.name.as_str()), Some("vpc-1"));
    /// snap.validate("<test>")?; // the ARN names the snapshot's account and a collected region
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn insert(&mut self, r: Resource) -> Option<Resource> {
        self.2 = Derived::default();
        let t = r.resource_type();
        let arn = r.arn.clone();
        let old = self
            .0
            .insert(arn.clone(), Arc::new(r))
            .map(Arc::unwrap_or_clone);
        if let Some(old) = &old {
            let old_t = old.resource_type();
            if old_t != t
                && let Some(set) = self.1.get_mut(&old_t)
            {
                set.remove(&arn);
            }
        }
        self.1.entry(t).or_default().insert(arn);
        old
    }

    /// Resources of one type, in ARN order.
    pub fn of_type(&self, t: ResourceType) -> impl Iterator<Item = &Resource> {
        self.1
            .get(&t)
            .into_iter()
            .flatten()
            .filter_map(|arn| self.get(arn))
    }

    /// The security-group reference index, built once.
    fn sg_references(&self) -> &SgReferences {
        self.2
            .sg_references(self.of_type(ResourceType::Ec2SecurityGroup))
    }

    /// The IAM group index, built once, over these resources.
    fn iam_groups(&self) -> IamGroups<'_> {
        IamGroups::new(
            self.2.iam_groups(self.of_type(ResourceType::IamGroup)),
            self,
        )
    }

    /// The EBS snapshots of a volume, through the index built once.
    fn volume_snapshots(&self, region: Option<&Region>, volume_id: &str) -> VolumeSnapshots<'_> {
        self.2
            .volume_snapshots(self.of_type(ResourceType::Ec2Snapshot))
            .of(self, region, volume_id)
    }

    /// Looks a resource up by ARN (a map lookup). `None`: the snapshot does
    /// not hold it, which a rule treats as not collected.
    pub fn get(&self, arn: &Arn) -> Option<&Resource> {
        self.0.get(arn).map(|r| &**r)
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
        self.0.values().map(|r| &**r)
    }

    /// Resources in ARN order, each as a shared handle. A handle keeps its
    /// resource alive after the snapshot is dropped, so a result can name
    /// a resource (its ARN, name, region) without copying them.
    ///
    /// ```
    /// # use cloudarq_model::{Partition, Snapshot};
    /// let snap = Snapshot::new("123456789012".parse()?, Partition::aws(),
    ///     "2026-01-01T00:00:00Z".parse()?);
    /// assert_eq!(snap.resources.shared().count(), snap.resources.len());
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn shared(&self) -> impl Iterator<Item = &Arc<Resource>> {
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
        r.0.into_values().map(Arc::unwrap_or_clone).collect()
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

    fn group(arn: &str, id: &str, peers: &[&str]) -> Resource {
        let rules: Vec<serde_json::Value> = peers
            .iter()
            .map(|p| {
                serde_json::json!({"protocol": "-1", "peer": {"security_group":
                    {"group_id": p, "user_id": null}}})
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "arn": arn, "region": "eu-west-1", "name": id,
            "properties": {"AWS::EC2::SecurityGroup": {"group_id": id, "group_name": id,
                "description": "", "ingress": rules, "egress": rules,
                "attached_interfaces": {"value": []}}}
        }))
        .unwrap()
    }

    #[test]
    fn the_sg_reference_index_is_dropped_by_a_change() {
        let arn = |id: &str| format!("arn:aws:ec2:eu-west-1:123456789012:security-group/{id}");
        let eu = Some("eu-west-1".parse().unwrap());
        let ids = |r: &Resources, id: &str| -> Vec<String> {
            r.sg_references()
                .referrers(eu.as_ref(), id)
                .map(|g| g.group_id.clone())
                .collect()
        };
        let mut r = Resources::default();
        r.insert(group(&arn("sg-b"), "sg-b", &["sg-a", "sg-a"]));
        assert_eq!(ids(&r, "sg-a"), ["sg-b"]);
        r.insert(group(&arn("sg-c"), "sg-c", &["sg-a"]));
        assert_eq!(ids(&r, "sg-a"), ["sg-b", "sg-c"]);
        r.insert(group(&arn("sg-b"), "sg-b", &[]));
        assert_eq!(ids(&r, "sg-a"), ["sg-c"]);
        assert_eq!(r.clone().sg_references().referrers(None, "sg-a").count(), 0);
    }

    fn iam_group(name: &str, members: &[&str]) -> Resource {
        serde_json::from_value(serde_json::json!({
            "arn": format!("arn:aws:iam::123456789012:group/{name}"), "region": null, "name": name,
            "properties": {"AWS::IAM::Group": {"group_name": name, "group_id": "AGPA1",
                "path": "/", "members": members}}
        }))
        .unwrap()
    }

    #[test]
    fn the_iam_group_index_reads_both_sides_and_is_dropped_by_a_change() {
        let names = |r: &Resources, user: &str, listed: &[&str]| -> Vec<String> {
            let listed: Vec<String> = listed.iter().map(|s| (*s).to_owned()).collect();
            r.iam_groups()
                .of_user(user, &listed)
                .map(|(_, g)| g.group_name.clone())
                .collect()
        };
        let mut r = Resources::default();
        r.insert(iam_group("ops", &["bob", "bob"]));
        r.insert(iam_group("admins", &["alice"]));
        assert_eq!(names(&r, "bob", &[]), ["ops"]);
        // Listed by the user and by the group: once, in ARN order.
        assert_eq!(
            names(&r, "alice", &["ops", "admins", "gone"]),
            ["admins", "ops"]
        );
        assert!(r.iam_groups().named("gone").is_none());
        r.insert(iam_group("ops", &[]));
        assert_eq!(names(&r, "bob", &[]), Vec::<String>::new());
        r.insert(iam_group("devs", &["bob"]));
        assert_eq!(names(&r, "bob", &[]), ["devs"]);
        assert_eq!(names(&r.clone(), "bob", &["ops"]), ["devs", "ops"]);
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

    const DEMO: &str = include_str!("../../testdata/demo-snapshot.json");

    /// The demo snapshot with the first resource of `kind` changed by `change`.
    fn demo_with(
        kind: &str,
        change: impl Fn(&mut serde_json::Value),
    ) -> Result<Snapshot, ModelError> {
        let mut doc: serde_json::Value = serde_json::from_str(DEMO).unwrap();
        let r = doc["resources"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["properties"].get(kind).is_some())
            .unwrap();
        change(r);
        Snapshot::from_json(&doc.to_string(), "demo.json")
    }

    fn set_arn(kind: &str, arn: impl Fn(&str) -> String) -> Result<Snapshot, ModelError> {
        demo_with(kind, |r| r["arn"] = arn(r["arn"].as_str().unwrap()).into())
    }

    #[test]
    fn the_demo_with_global_and_account_less_arns_belongs() {
        let snap = Snapshot::from_json(DEMO, "demo.json").unwrap();
        // S3 buckets, EBS snapshots and API Gateway stages name no account (AMIs neither); AWS-managed policies name `aws`.
        for (kind, account) in [
            (ResourceType::S3Bucket, ""),
            (ResourceType::Ec2Snapshot, ""),
            (ResourceType::ApiGatewayStage, ""),
            (ResourceType::IamManagedPolicy, "aws"),
        ] {
            assert!(
                snap.of_type(kind).any(|r| r.arn.account() == account),
                "{kind}"
            );
        }
        // An EBS snapshot naming the own account belongs too.
        set_arn("AWS::EC2::Snapshot", |a| {
            a.replace("::snapshot", ":123456789012:snapshot")
        })
        .unwrap();
        // AMIs name no account (another account may own them), or the own.
        assert!(
            snap.of_type(ResourceType::Ec2Image)
                .all(|r| r.arn.account().is_empty())
        );
        set_arn("AWS::EC2::Image", |a| {
            a.replace("::image", ":123456789012:image")
        })
        .unwrap();
        let foreign = set_arn("AWS::EC2::Image", |a| {
            a.replace("::image", ":999999999999:image")
        });
        assert!(foreign.is_err(), "{foreign:?}");
    }

    #[test]
    fn issue_9_resources_of_another_account_partition_or_region_are_refused() {
        let vpc = "AWS::EC2::VPC";
        let cases: Vec<(Result<Snapshot, ModelError>, &str)> = vec![
            (
                set_arn(vpc, |a| a.replace("123456789012", "999999999999")),
                "its ARN names account 999999999999, the snapshot is of account 123456789012",
            ),
            (
                set_arn(vpc, |a| a.replace("arn:aws:", "arn:aws-cn:")),
                "its ARN names partition aws-cn, the snapshot is of partition aws",
            ),
            (
                set_arn(vpc, |a| a.replace("eu-west-1", "ap-south-1")),
                "its ARN names region \"ap-south-1\", which the snapshot did not collect (it collected eu-west-1, us-east-1)",
            ),
            (
                set_arn(vpc, |a| a.replace(":123456789012:", "::")),
                "its ARN names no account, a AWS::EC2::VPC ARN names the account",
            ),
            (
                set_arn(vpc, |a| a.replace("arn:aws:ec2:", "arn:aws:iam:")),
                "its ARN names service iam, a AWS::EC2::VPC ARN names ec2",
            ),
            (
                set_arn("AWS::IAM::User", |a| a.replace("iam::", "iam:eu-west-1:")),
                "its ARN names region eu-west-1, a AWS::IAM::User is global and names none",
            ),
            (
                set_arn("AWS::S3::Bucket", |a| a.replace(":::", "::123456789012:")),
                "its ARN names account 123456789012, a AWS::S3::Bucket ARN names none",
            ),
            (
                // Another tenant's stage cannot pass for this account's.
                set_arn("AWS::ApiGateway::Stage", |a| {
                    a.replace("::/", ":999999999999:/")
                }),
                "its ARN names account 999999999999, a AWS::ApiGateway::Stage ARN names none",
            ),
            (
                set_arn("AWS::EC2::Snapshot", |a| {
                    a.replace("::snapshot", ":999999999999:snapshot")
                }),
                "names account 999999999999",
            ),
            (
                set_arn("AWS::IAM::User", |a| a.replace("123456789012", "aws")),
                "names account aws",
            ),
            (
                set_arn("AWS::KMS::Key", |a| a.replace("eu-west-1", "ap-south-1")),
                "its ARN names region \"ap-south-1\", which the snapshot did not collect",
            ),
            (
                set_arn("AWS::KMS::Key", |a| a.replace(":eu-west-1:", "::")),
                "its ARN names region \"\", which the snapshot did not collect",
            ),
            (
                demo_with("AWS::S3::Bucket", |r| r["region"] = "ap-south-1".into()),
                "its region is \"ap-south-1\", which the snapshot did not collect",
            ),
        ];
        for (got, want) in cases {
            let e = got.expect_err(want).to_string();
            assert!(
                e.starts_with("snapshot demo.json holds resource arn:"),
                "{e}"
            );
            assert!(e.contains(want), "{e}\n  should contain: {want}");
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
