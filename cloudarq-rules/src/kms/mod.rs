//! Built-in KMS rules, one file per rule named by its id, and what they
//! share: the key behind a resource.
//!
//! Only customer managed keys are in a snapshot (AWS managed ones are left
//! out by the collector), so every rule here judges keys the account
//! controls.

mod kms_cmk_not_deleted_unintentionally;
mod kms_cmk_rotation_enabled;
mod kms_key_not_publicly_accessible;

use cloudarq_model::inventory::kms::KmsKey;
use cloudarq_model::rule::Rule;
use cloudarq_model::{Properties, Resource};

/// Every KMS rule, in id order.
pub(crate) static RULES: &[&dyn Rule] = &[
    &kms_cmk_not_deleted_unintentionally::KmsCmkNotDeletedUnintentionally,
    &kms_cmk_rotation_enabled::KmsCmkRotationEnabled,
    &kms_key_not_publicly_accessible::KmsKeyNotPubliclyAccessible,
];

/// The key state of a key waiting out its deletion window.
pub(super) const PENDING_DELETION: &str = "PendingDeletion";

/// The key state of a multi-Region primary key whose deletion waits for its
/// replicas to be deleted first.
pub(super) const PENDING_REPLICA_DELETION: &str = "PendingReplicaDeletion";

/// The key behind an `AWS::KMS::Key` resource.
pub(super) fn key(r: &Resource) -> Option<&KmsKey> {
    match &r.properties {
        Properties::KmsKey(k) => Some(k),
        _ => None,
    }
}

/// Whether the key is scheduled for deletion.
pub(super) fn pending_deletion(k: &KmsKey) -> bool {
    matches!(
        k.state.as_deref(),
        Some(PENDING_DELETION | PENDING_REPLICA_DELETION)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_metadata_is_complete() {
        crate::testing::check_meta(RULES, "kms");
    }

    #[test]
    fn rules_are_listed_in_id_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.meta().id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
