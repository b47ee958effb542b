//! `kms_cmk_not_deleted_unintentionally`: no customer managed key is
//! scheduled for deletion.
//!
//! A key in `PendingDeletion` (or `PendingReplicaDeletion`, a multi-Region
//! primary waiting for its replicas) fails, naming the deletion date: once
//! the window ends, everything encrypted under the key is lost for good.
//! Scheduling may be deliberate; the FAIL asks someone to confirm it before
//! the date, and a mutelist entry with an expiry records the decision.
//! The state comes with `DescribeKey` (a key whose `DescribeKey` failed is
//! not in the snapshot); a key whose state KMS did not return is *not
//! collected*, never a PASS.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::{key, pending_deletion};
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "kms_cmk_not_deleted_unintentionally",
    title: "KMS customer managed key is not scheduled for deletion",
    severity: Severity::Critical,
    service: Service::Kms,
    resource_types: &[ResourceType::KmsKey],
    rationale: "Deleting a KMS key destroys its key material, and with it every piece of data, \
                backup and snapshot encrypted under the key; nothing can bring it back. A key \
                scheduled for deletion by mistake, or by an attacker holding the account to \
                ransom, can still be saved during its waiting period.",
    remediation: Remediation {
        cli: "aws kms cancel-key-deletion --key-id <key-id> --region <region>\n\
              aws kms enable-key --key-id <key-id> --region <region>",
        console: "KMS console > Customer managed keys > <key> > Key actions > Cancel key \
                  deletion; then Key actions > Enable if the key should be used again.",
        url: "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-scheduling-key-deletion.html",
    },
    controls: &[fsbp("KMS.3")],
};

/// KMS customer managed key is not scheduled for deletion.
pub(crate) struct KmsCmkNotDeletedUnintentionally;

impl Rule for KmsCmkNotDeletedUnintentionally {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(k) = key(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = &k.key_id;
        let Some(state) = k.state.as_deref() else {
            return Ok(Outcome::not_collected("state"));
        };
        let evidence = json!({"key_state": k.state, "deletion_date": k.deletion_date});
        if !pending_deletion(k) {
            return Ok(Outcome::pass(format!(
                "KMS key {id} is not scheduled for deletion (state {state})"
            ))
            .with_evidence(evidence));
        }
        let when = k
            .deletion_date
            .map_or_else(|| "at an unknown date".to_owned(), |d| format!("on {d}"));
        Ok(
            Outcome::fail(format!("KMS key {id} is scheduled for deletion {when}"))
                .with_evidence(evidence),
        )
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:kms:eu-west-1:123456789012:key/k-1";

    fn outcome(props: serde_json::Value) -> Outcome {
        let r = resource(json!({"arn": ARN, "region": "eu-west-1", "name": "k-1",
            "properties": {"AWS::KMS::Key": props}}));
        eval(&KmsCmkNotDeletedUnintentionally, &snapshot(vec![r]), ARN)
    }

    #[test]
    fn only_keys_scheduled_for_deletion_fail() {
        for state in ["Enabled", "Disabled", "PendingImport", "Unavailable"] {
            let o = outcome(json!({"key_id": "k-1", "state": state}));
            assert_eq!(kind(&o), "pass", "{state}");
        }
        let o = outcome(json!({"key_id": "k-1", "state": "PendingDeletion",
            "deletion_date": "2026-06-08T00:00:00Z"}));
        assert_eq!(kind(&o), "fail");
        assert_eq!(
            message(&o),
            "KMS key k-1 is scheduled for deletion on 2026-06-08T00:00:00Z"
        );
        let o = outcome(json!({"key_id": "k-1", "state": "PendingReplicaDeletion"}));
        assert_eq!(
            message(&o),
            "KMS key k-1 is scheduled for deletion at an unknown date"
        );
    }

    #[test]
    fn a_key_without_a_state_is_not_collected() {
        let o = outcome(json!({"key_id": "k-1"}));
        assert_eq!(kind(&o), "not_collected");
        let o = outcome(json!({"key_id": "k-1", "state": "Enabled"}));
        assert_eq!(
            message(&o),
            "KMS key k-1 is not scheduled for deletion (state Enabled)"
        );
    }
}
