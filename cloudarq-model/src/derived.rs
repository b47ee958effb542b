//! Indexes derived from a snapshot's resources, built once on first use and
//! shared by every rule (and thread) that asks: today, which security groups
//! reference a group ([`SgReferences`]).
//!
//! They live with the resources ([`crate::Resources`]), whose only mutations
//! (`insert`, `extend`) drop them, so an index never describes other
//! resources than the ones beside it. They are never serialized, and two
//! snapshots compare equal whatever they have built.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::ids::{Arn, Region};
use crate::inventory::ec2::SgPeer;
use crate::inventory::{Properties, Resource};

/// The derived indexes of one set of resources, each built lazily.
#[derive(Default)]
pub(crate) struct Derived {
    sg_references: OnceLock<SgReferences>,
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
            .finish()
    }
}

/// A security group whose rules name another group as their peer.
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
/// [`Snapshot::sg_references`](crate::Snapshot::sg_references).
///
/// ```
/// use cloudarq_model::{Snapshot, Timestamp};
/// let snap = Snapshot::new("123456789012".parse()?, cloudarq_model::Partition::aws(),
///     "2026-01-01T00:00:00Z".parse::<Timestamp>()?);
/// assert_eq!(snap.sg_references().referrers(None, "sg-1").count(), 0);
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
