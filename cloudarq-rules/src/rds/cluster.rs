//! Which settings of a DB instance its cluster owns, and how an instance rule
//! answers for a cluster member.
//!
//! For Aurora and Multi-AZ DB clusters, storage encryption, backups, deletion
//! protection, Multi-AZ, IAM authentication, copying tags to snapshots, the
//! master user name and the port are set on the cluster. An instance rule for
//! such a setting is *not applicable* to a member instance: the matching
//! `rds_cluster_*` rule judges the cluster, once. When the member's cluster is
//! missing from the snapshot, nobody could judge it, so the instance rule
//! reports *not collected* instead of staying silent.

use cloudarq_model::inventory::rds::{DbCluster, DbInstance};
use cloudarq_model::rule::Outcome;
use cloudarq_model::{Resource, Snapshot};

use crate::related;

/// Where an instance's cluster-level settings live.
pub(crate) enum Owner<'a> {
    /// A standalone instance: it owns all its settings.
    Standalone,
    /// A member of this cluster, found in the snapshot.
    Cluster(&'a DbCluster),
    /// A member of a cluster that is not in the snapshot.
    Missing(&'a str),
}

/// The owner of `db`'s cluster-level settings.
pub(crate) fn owner<'a>(
    db: &'a DbInstance,
    resource: &Resource,
    snapshot: &'a Snapshot,
) -> Owner<'a> {
    match db.cluster_identifier.as_deref() {
        None => Owner::Standalone,
        Some(id) => match related::db_cluster(snapshot, resource.region.as_ref(), id) {
            Some(cluster) => Owner::Cluster(cluster),
            None => Owner::Missing(id),
        },
    }
}

/// The outcome of an instance rule for a setting the cluster owns: `None` for
/// a standalone instance (evaluate it), *not applicable* for a member whose
/// cluster is in the snapshot, *not collected* when the cluster is missing.
pub(crate) fn defer(db: &DbInstance, resource: &Resource, snapshot: &Snapshot) -> Option<Outcome> {
    match owner(db, resource, snapshot) {
        Owner::Standalone => None,
        Owner::Cluster(_) => Some(Outcome::not_applicable()),
        Owner::Missing(id) => Some(missing(id)),
    }
}

/// *Not collected* for a member whose cluster `id` is not in the snapshot.
pub(crate) fn missing(id: &str) -> Outcome {
    Outcome::not_collected(format!("DB cluster {id}"))
}
