//! `kms_cmk_rotation_enabled`: every enabled customer managed key that KMS
//! can rotate has automatic rotation on.
//!
//! KMS rotates only symmetric encryption keys whose material it generated
//! (`SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`, origin `AWS_KMS`); asymmetric,
//! HMAC, imported and custom-key-store keys are not applicable. Neither are
//! disabled keys and keys pending deletion, which encrypt nothing new
//! (`kms_cmk_not_deleted_unintentionally` judges the latter). A rotation
//! status that could not be read is *not collected*, never a FAIL.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::key;
use crate::controls::{cis3, cis7, fsbp};

/// The key state of a key in use.
const ENABLED: &str = "Enabled";

static META: RuleMeta = RuleMeta {
    id: "kms_cmk_rotation_enabled",
    title: "KMS customer managed symmetric key has automatic rotation enabled",
    severity: Severity::Medium,
    service: Service::Kms,
    resource_types: &[ResourceType::KmsKey],
    rationale: "Key material that never changes protects more data the longer it lives, and a \
                leaked or broken copy exposes all of it. With automatic rotation KMS makes new \
                material every rotation period (a year by default) and keeps the old material to \
                decrypt what it protected, so rotation costs the key's users nothing.",
    remediation: Remediation {
        cli: "aws kms enable-key-rotation --key-id <key-id> --region <region>",
        console: "KMS console > Customer managed keys > <key> > Key rotation > Automatically \
                  rotate this KMS key every year (or choose a period) > Save.",
        url: "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    },
    controls: &[cis3("3.6"), cis7("4.6"), fsbp("KMS.4")],
};

/// KMS customer managed symmetric key has automatic rotation enabled.
pub(crate) struct KmsCmkRotationEnabled;

impl Rule for KmsCmkRotationEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(k) = key(resource) else {
            return Ok(Outcome::not_applicable());
        };
        if !k.rotation_applies() || k.state.as_deref() != Some(ENABLED) {
            return Ok(Outcome::not_applicable());
        }
        let on = match &k.rotation_enabled {
            Collected::NotCollected => return Ok(Outcome::not_collected("rotation_enabled")),
            // KMS answered that the key does not support rotation.
            Collected::Value(None) => return Ok(Outcome::not_applicable()),
            Collected::Value(Some(on)) => *on,
        };
        let id = &k.key_id;
        Ok(Outcome::check(
            on,
            format!("KMS key {id} has automatic rotation enabled"),
            format!("KMS key {id} has automatic rotation disabled"),
        )
        .with_evidence(json!({"rotation_enabled": on, "key_state": k.state})))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};

    const ARN: &str = "arn:aws:kms:eu-west-1:123456789012:key/k-1";

    fn key_with(fields: serde_json::Value) -> Resource {
        let mut props = json!({"key_id": "k-1", "state": "Enabled",
            "key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT",
            "origin": "AWS_KMS", "rotation_enabled": {"value": false}});
        for (k, v) in fields.as_object().unwrap() {
            props[k] = v.clone();
        }
        resource(json!({"arn": ARN, "region": "eu-west-1", "name": "k-1",
            "properties": {"AWS::KMS::Key": props}}))
    }

    fn verdict(fields: serde_json::Value) -> &'static str {
        let snap = snapshot(vec![key_with(fields)]);
        kind(&eval(&KmsCmkRotationEnabled, &snap, ARN))
    }

    #[test]
    fn only_enabled_rotatable_keys_are_judged() {
        assert_eq!(verdict(json!({})), "fail");
        assert_eq!(
            verdict(json!({"rotation_enabled": {"value": true}})),
            "pass"
        );
        for state in [
            "Disabled",
            "PendingDeletion",
            "PendingImport",
            "Unavailable",
        ] {
            assert_eq!(
                verdict(json!({"state": state})),
                "not_applicable",
                "{state}"
            );
        }
        assert_eq!(verdict(json!({"state": null})), "not_applicable");
        assert_eq!(verdict(json!({"origin": "EXTERNAL"})), "not_applicable");
        assert_eq!(verdict(json!({"origin": "AWS_CLOUDHSM"})), "not_applicable");
        assert_eq!(verdict(json!({"key_spec": "RSA_2048"})), "not_applicable");
        assert_eq!(
            verdict(json!({"key_spec": "HMAC_256", "key_usage": "GENERATE_VERIFY_MAC"})),
            "not_applicable"
        );
    }

    #[test]
    fn an_unread_status_is_not_collected_and_an_unsupported_one_not_applicable() {
        assert_eq!(
            verdict(json!({"rotation_enabled": "not_collected"})),
            "not_collected"
        );
        assert_eq!(
            verdict(json!({"rotation_enabled": {"value": null}})),
            "not_applicable"
        );
        // A disabled key is not judged even when its status is unknown.
        assert_eq!(
            verdict(json!({"state": "Disabled", "rotation_enabled": "not_collected"})),
            "not_applicable"
        );
    }
}
