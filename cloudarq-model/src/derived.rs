//! Indexes derived from a snapshot's resources, built once on first use and
//! shared by every rule (and thread) that asks: which security groups
//! reference a group ([`SgReferences`]), which IAM groups a user belongs to
//! ([`IamGroups`]) and which EBS snapshots were taken from a volume
//! ([`VolumeSnapshots`]).
//!
//! They live with the resources ([`crate::Resources`]), whose only mutations
//! (`insert`, `extend`) drop them, so an index never describes other
//! resources than the ones beside it. They are never serialized, and two
//! snapshots compare equal whatever they have built.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::Resources;
use crate::ids::{Arn, Region};
use crate::inventory::ec2::{self, SgPeer};
use crate::inventory::iam::IamGroup;
use crate::inventory::{Properties, Resource};

/// The derived indexes of one set of resources, each built lazily.
#[derive(Default)]
pub(crate) struct Derived {
    sg_references: OnceLock<SgReferences>,
    iam_groups: OnceLock<IamGroupIndex>,
    volume_snapshots: OnceLock<VolumeSnapshotIndex>,
}

impl Derived {
    /// The security-group reference index, built from `groups` (the
    /// resources' security groups, in ARN order) on the first call.
    pub(crate) fn sg_references<'a>(
        &self,
        groups: impl Iterator<Item = &'a Resource>,
    ) -> &SgReferences {
        self.sg_references
            .get_or_init(|| SgReferences::build(groups))
    }

    /// The IAM group index, built from `groups` (the resources' IAM groups,
    /// in ARN order) on the first call.
    pub(crate) fn iam_groups<'a>(
        &self,
        groups: impl Iterator<Item = &'a Resource>,
    ) -> &IamGroupIndex {
        self.iam_groups.get_or_init(|| IamGroupIndex::build(groups))
    }

    /// The EBS snapshot index, built from `snapshots` (the resources' EBS
    /// snapshots, in ARN order) on the first call.
    pub(crate) fn volume_snapshots<'a>(
        &self,
        snapshots: impl Iterator<Item = &'a Resource>,
    ) -> &VolumeSnapshotIndex {
        self.volume_snapshots
            .get_or_init(|| VolumeSnapshotIndex::build(snapshots))
    }
}

/// A clone starts empty: it is rebuilt on demand, and copying it would cost
/// as much as building it.
impl Clone for Derived {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// Derived data says nothing the resources do not: it never makes two
/// snapshots differ.
impl PartialEq for Derived {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived")
            .field("sg_references", &self.sg_references.get().is_some())
            .field("iam_groups", &self.iam_groups.get().is_some())
            .finish()
    }
}

/// A security group whose rules name another group as their peer; its
/// properties are at `snapshot.resources.get(&referrer.arn)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SgReferrer {
    /// The referencing group's ARN.
    pub arn: Arn,
    /// The referencing group's id.
    pub group_id: String,
}

/// Which security groups of the snapshot reference a group id, per region:
/// a group references `sg-x` when one of its ingress or egress rules has the
/// peer [`SgPeer::SecurityGroup`] with group id `sg-x`, whatever account
/// (`user_id`) the peer names. Get it with
/// [`Snapshot::sg_references`](crate::Snapshot::sg_references); it is built
/// once per snapshot, so a rule that asks for every group costs one pass
/// over the groups, not one per group.
///
/// The region to ask about is the referencing groups' [`Resource::region`]:
/// pass the region of the group you evaluate (`resource.region.as_ref()`).
///
/// ```
/// use cloudarq_model::{Properties, ResourceType, Snapshot, Timestamp};
/// let empty = Snapshot::new("123456789012".parse()?, cloudarq_model::Partition::aws(),
///     "2026-01-01T00:00:00Z".parse::<Timestamp>()?);
/// assert_eq!(empty.sg_references().referrers(None, "sg-1").count(), 0);
///
/// // sg-app lets in traffic from sg-lb; sg-lb references nothing.
/// let snap = Snapshot::from_json(r#"{"format": "cloudarq.snapshot", "version": 1,
///   "account_id": "123456789012", "partition": "aws", "collected_at": "2026-01-01T00:00:00Z",
///   "regions": ["eu-west-1"], "services": ["ec2"], "gaps": [],
///   "stats": {"api_requests": 0, "duration_ms": 0},
///   "resources": [
///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-app", "region": "eu-west-1",
///      "name": "app", "properties": {"AWS::EC2::SecurityGroup": {
///        "group_id": "sg-app", "group_name": "app", "description": "",
///        "ingress": [{"protocol": "tcp", "from_port": 8080, "to_port": 8080,
///          "peer": {"security_group": {"group_id": "sg-lb", "user_id": null}}}],
///        "attached_interfaces": {"value": ["eni-1"]}}}},
///     {"arn": "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-lb", "region": "eu-west-1",
///      "name": "lb", "properties": {"AWS::EC2::SecurityGroup": {
///        "group_id": "sg-lb", "group_name": "lb", "description": "",
///        "attached_interfaces": {"value": []}}}}
///   ]}"#, "<doc>")?;
///
/// // A rule evaluating sg-lb: unattached, but is it referenced?
/// let lb = snap.of_type(ResourceType::Ec2SecurityGroup)
///     .find(|r| r.name == "lb").expect("in the snapshot");
/// let Properties::Ec2SecurityGroup(g) = &lb.properties else { unreachable!() };
/// let by: Vec<&str> = snap.sg_references()
///     .referrers(lb.region.as_ref(), &g.group_id)
///     .filter(|other| other.arn != lb.arn) // a group may reference itself
///     .map(|other| other.group_id.as_str())
///     .collect();
/// assert_eq!(by, ["sg-app"]);
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Debug, Default)]
pub struct SgReferences {
    /// Region of the referencing group → referenced group id → referrers in
    /// ARN order, each once.
    by_region: BTreeMap<Option<Region>, BTreeMap<String, Vec<SgReferrer>>>,
}

impl SgReferences {
    /// Indexes `groups` (given in ARN order; resources of other kinds are skipped).
    fn build<'a>(groups: impl Iterator<Item = &'a Resource>) -> Self {
        let mut by_region: BTreeMap<Option<Region>, BTreeMap<String, Vec<SgReferrer>>> =
            BTreeMap::new();
        for r in groups {
            let Properties::Ec2SecurityGroup(g) = &r.properties else {
                continue;
            };
            let mut named: Vec<&str> = Vec::new();
            for rule in g.ingress.iter().chain(&g.egress) {
                if let SgPeer::SecurityGroup { group_id, .. } = &rule.peer
                    && !named.contains(&group_id.as_str())
                {
                    named.push(group_id);
                }
            }
            if named.is_empty() {
                continue;
            }
            let region = by_region.entry(r.region.clone()).or_default();
            for target in named {
                region
                    .entry(target.to_owned())
                    .or_default()
                    .push(SgReferrer {
                        arn: r.arn.clone(),
                        group_id: g.group_id.clone(),
                    });
            }
        }
        Self { by_region }
    }

    /// The groups in `region` whose rules reference `group_id`, in ARN order,
    /// each once. A group that references itself is among them.
    pub fn referrers(
        &self,
        region: Option<&Region>,
        group_id: &str,
    ) -> impl Iterator<Item = &SgReferrer> {
        // A handful of regions: finding one by scan spares cloning the key.
        self.by_region
            .iter()
            .find(|(r, _)| r.as_ref() == region)
            .and_then(|(_, m)| m.get(group_id))
            .into_iter()
            .flatten()
    }
}

/// The snapshot's IAM groups by name and by member: get it with
/// [`Snapshot::iam_groups`](crate::Snapshot::iam_groups), built once per
/// snapshot. Membership is recorded on both sides in the inventory (a user's
/// [`groups`](crate::inventory::iam::IamUser::groups) and a group's
/// [`members`](IamGroup::members)); [`of_user`](Self::of_user) reads both,
/// so a rule asking for every user costs one pass over the groups, not one
/// per user.
///
/// ```
/// use cloudarq_model::Snapshot;
/// let snap = Snapshot::from_json(r#"{"format": "cloudarq.snapshot", "version": 1,
///   "account_id": "123456789012", "partition": "aws", "collected_at": "2026-01-01T00:00:00Z",
///   "regions": [], "services": ["iam"], "gaps": [],
///   "stats": {"api_requests": 0, "duration_ms": 0},
///   "resources": [
///     {"arn": "arn:aws:iam::123456789012:group/admins", "region": null, "name": "admins",
///      "properties": {"AWS::IAM::Group": {"group_name": "admins", "group_id": "AGPA1",
///        "path": "/", "members": ["alice"]}}},
///     {"arn": "arn:aws:iam::123456789012:group/devs", "region": null, "name": "devs",
///      "properties": {"AWS::IAM::Group": {"group_name": "devs", "group_id": "AGPA2", "path": "/"}}}
///   ]}"#, "<doc>")?;
/// let groups = snap.iam_groups();
/// // alice is listed by the admins group; her own list names devs and a group
/// // the snapshot does not hold.
/// let listed = ["devs".to_owned(), "gone".to_owned()];
/// let names: Vec<&str> = groups.of_user("alice", &listed)
///     .map(|(_, g)| g.group_name.as_str()).collect();
/// assert_eq!(names, ["admins", "devs"]); // ARN order, each once
/// assert!(groups.named("devs").is_some());
/// assert!(groups.named("gone").is_none());
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct IamGroups<'a> {
    index: &'a IamGroupIndex,
    resources: &'a Resources,
}

/// A group found through [`IamGroups`]: its resource and its properties.
pub type IamGroupRef<'a> = (&'a Resource, &'a IamGroup);

impl<'a> IamGroups<'a> {
    pub(crate) fn new(index: &'a IamGroupIndex, resources: &'a Resources) -> Self {
        Self { index, resources }
    }

    fn at(&self, i: usize) -> Option<IamGroupRef<'a>> {
        let r = self.resources.get(self.index.groups.get(i)?)?;
        match &r.properties {
            Properties::IamGroup(g) => Some((r, g.as_ref())),
            _ => None,
        }
    }

    /// The group named `name`, if the snapshot holds one (the first in ARN
    /// order if it holds several).
    pub fn named(&self, name: &str) -> Option<IamGroupRef<'a>> {
        let i = *self.index.by_name.get(name)?.first()?;
        self.at(i)
    }

    /// The groups user `user_name` belongs to: those named in `listed` (the
    /// user's own group list) and those whose member list names the user;
    /// in ARN order, each once. Names in `listed` that no group of the
    /// snapshot has are skipped (find them with [`named`](Self::named)).
    pub fn of_user(
        &self,
        user_name: &str,
        listed: &[String],
    ) -> impl Iterator<Item = IamGroupRef<'a>> + use<'a> {
        let index = self.index;
        let mut at: Vec<usize> = listed
            .iter()
            .filter_map(|n| index.by_name.get(n.as_str()))
            .flatten()
            .chain(index.by_member.get(user_name).into_iter().flatten())
            .copied()
            .collect();
        at.sort_unstable();
        at.dedup();
        let this = *self;
        at.into_iter().filter_map(move |i| this.at(i))
    }
}

/// Positions of the IAM groups by name and by member (see [`IamGroups`]).
#[derive(Debug, Default)]
pub(crate) struct IamGroupIndex {
    /// Every IAM group resource, in ARN order.
    groups: Vec<Arn>,
    /// Group name → positions in `groups` (one, unless the snapshot holds
    /// two groups of one name).
    by_name: BTreeMap<String, Vec<usize>>,
    /// Member user name → positions in `groups`, ascending.
    by_member: BTreeMap<String, Vec<usize>>,
}

impl IamGroupIndex {
    /// Indexes `groups` (given in ARN order; resources of other kinds are skipped).
    fn build<'a>(groups: impl Iterator<Item = &'a Resource>) -> Self {
        let mut index = Self::default();
        for r in groups {
            let Properties::IamGroup(g) = &r.properties else {
                continue;
            };
            let at = index.groups.len();
            index.groups.push(r.arn.clone());
            index
                .by_name
                .entry(g.group_name.clone())
                .or_default()
                .push(at);
            for m in &g.members {
                let list = index.by_member.entry(m.clone()).or_default();
                if list.last() != Some(&at) {
                    list.push(at);
                }
            }
        }
        index
    }
}

/// The EBS snapshots taken from each volume, per region, read through
/// [`Snapshot::volume_snapshots`](crate::Snapshot::volume_snapshots): built
/// once per snapshot, so a rule asking for every volume costs one pass over
/// the snapshots, not one per volume.
///
#[derive(Debug, Default)]
pub(crate) struct VolumeSnapshotIndex {
    /// Region → volume id → the snapshots' ARNs, in ARN order.
    by_region: BTreeMap<Option<Region>, BTreeMap<String, Vec<Arn>>>,
}

/// A snapshot found through [`Snapshot::volume_snapshots`](crate::Snapshot::volume_snapshots):
/// its resource and its properties.
pub type VolumeSnapshotRef<'a> = (&'a Resource, &'a ec2::Snapshot);

/// The EBS snapshots of one volume; see [`VolumeSnapshotIndex`].
pub type VolumeSnapshots<'a> = Box<dyn Iterator<Item = VolumeSnapshotRef<'a>> + 'a>;

impl VolumeSnapshotIndex {
    /// Indexes `snapshots` (given in ARN order; other kinds are skipped).
    fn build<'a>(snapshots: impl Iterator<Item = &'a Resource>) -> Self {
        let mut index = Self::default();
        for r in snapshots {
            let Properties::Ec2Snapshot(s) = &r.properties else {
                continue;
            };
            let Some(volume) = &s.volume_id else {
                continue;
            };
            index
                .by_region
                .entry(r.region.clone())
                .or_default()
                .entry(volume.clone())
                .or_default()
                .push(r.arn.clone());
        }
        index
    }

    /// The snapshots taken in `region` from `volume_id`, in ARN order.
    pub(crate) fn of<'a>(
        &'a self,
        resources: &'a Resources,
        region: Option<&Region>,
        volume_id: &str,
    ) -> VolumeSnapshots<'a> {
        let arns = self
            .by_region
            .iter()
            .find(|(r, _)| r.as_ref() == region)
            .and_then(|(_, m)| m.get(volume_id))
            .into_iter()
            .flatten();
        Box::new(arns.filter_map(|arn| {
            let r = resources.get(arn)?;
            match &r.properties {
                Properties::Ec2Snapshot(s) => Some((r, s.as_ref())),
                _ => None,
            }
        }))
    }
}
