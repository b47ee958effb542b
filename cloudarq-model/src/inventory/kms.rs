//! KMS inventory kinds: customer managed keys.
//!
//! KMS is regional: every key has `region: Some(<region>)`.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`KmsKey`] (`AWS::KMS::Key`) | `arn:aws:kms:<region>:<account>:key/<key-id>` | `ListKeys`, then `DescribeKey` per key, then one call per `Collected` field and `ListResourceTags` |
//!
//! **Only customer managed keys are in the snapshot.** `DescribeKey` says
//! who manages a key (`KeyManager`); AWS managed keys (`aws/s3`, `aws/rds`,
//! …) are left out, because AWS rotates them every year, owns their policy
//! and never deletes them, so no rule has anything to check on them. A key
//! whose `DescribeKey` failed is left out too, with a gap naming the key
//! (without it CloudArq cannot tell who manages it). A failed `ListKeys`
//! leaves the region's keys absent (the pages read before the failure are
//! kept), with a gap naming the call.
//!
//! **`Collected` fields** of a key, one call each (the gap's `action` is
//! the IAM action in parentheses):
//!
//! | field | call | `Value(None)` when |
//! |---|---|---|
//! | [`rotation_enabled`](KmsKey::rotation_enabled) | `GetKeyRotationStatus` (`kms:GetKeyRotationStatus`) | automatic rotation does not apply to the key ([`KmsKey::rotation_applies`] is false: no call is made), or KMS answered `UnsupportedOperationException` or `KMSInvalidStateException` (the key's state, such as a custom key store's, keeps it from reporting) |
//! | [`policy`](KmsKey::policy) | `GetKeyPolicy` with the policy name `default` (`kms:GetKeyPolicy`) | KMS returned no document |
//!
//! Tags come from `ListResourceTags` (`kms:ListResourceTags`) into
//! [`Resource::tags`](crate::Resource::tags); when that call fails, the
//! tags are empty and a gap names the key.
//!
//! Every other field comes with `DescribeKey` and is always present.
//! Enumerated values are the strings KMS uses: states (`Enabled`,
//! `Disabled`, `PendingDeletion`, `PendingReplicaDeletion`,
//! `PendingImport`, `Unavailable`, `Creating`, `Updating`), key specs
//! (`SYMMETRIC_DEFAULT`, `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`, …), key
//! usages (`ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`,
//! `KEY_AGREEMENT`) and origins (`AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`,
//! `EXTERNAL_KEY_STORE`).
//!
//! ```
//! use cloudarq_model::inventory::kms::KmsKey;
//! use cloudarq_model::rule::{Outcome, Verdict};
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! /// Automatic rotation is on, for the keys it applies to.
//! fn rotated(k: &KmsKey) -> Outcome {
//!     if !k.rotation_applies() || k.state.as_deref() != Some("Enabled") {
//!         return Outcome::not_applicable();
//!     }
//!     match &k.rotation_enabled {
//!         Collected::Value(Some(on)) => Outcome::check(*on, "rotation on", "rotation off"),
//!         Collected::Value(None) | Collected::NotCollected => {
//!             Outcome::not_collected("rotation_enabled")
//!         }
//!     }
//! }
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
//!     "region": "eu-west-1", "name": "1234abcd-12ab-34cd-56ef-1234567890ab",
//!     "properties": {"AWS::KMS::Key": {
//!         "key_id": "1234abcd-12ab-34cd-56ef-1234567890ab", "state": "Enabled",
//!         "key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT",
//!         "origin": "AWS_KMS", "rotation_enabled": {"value": false},
//!         "policy": "not_collected"}}
//! }))?;
//! let Properties::KmsKey(k) = &r.properties else { unreachable!() };
//! assert_eq!(rotated(k), Outcome::fail("rotation off"));
//! assert_eq!(k.policy, Collected::NotCollected); // GetKeyPolicy failed
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::KMS::Key`: a customer managed KMS key, ARN
/// `arn:aws:kms:<region>:<account>:key/<key-id>`, from `DescribeKey`, its
/// rotation status (`GetKeyRotationStatus`) and its key policy
/// (`GetKeyPolicy`). [`Resource::name`](crate::Resource::name) is the key
/// id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKey {
    /// The key id, a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`), or
    /// `mrk-…` for a multi-Region key.
    pub key_id: String,
    /// `KeyState`: `Enabled`, `Disabled`, `PendingDeletion`, … (the module
    /// docs list them); `None` when KMS did not return it.
    #[serde(default)]
    pub state: Option<String>,
    /// `KeySpec`: `SYMMETRIC_DEFAULT` for a symmetric encryption key, else
    /// the asymmetric or HMAC spec (`RSA_2048`, `HMAC_256`, …).
    #[serde(default)]
    pub key_spec: Option<String>,
    /// `KeyUsage`: `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC` or
    /// `KEY_AGREEMENT`; `None` when KMS did not return it.
    #[serde(default)]
    pub key_usage: Option<String>,
    /// `Origin` of the key material: `AWS_KMS` (generated by KMS),
    /// `EXTERNAL` (imported), `AWS_CLOUDHSM` or `EXTERNAL_KEY_STORE` (a
    /// custom key store).
    #[serde(default)]
    pub origin: Option<String>,
    /// The key is a multi-Region key (primary or replica).
    #[serde(default)]
    pub multi_region: bool,
    /// The key's description, as its owner wrote it (untrusted text).
    #[serde(default)]
    pub description: Option<String>,
    /// When the key was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// When KMS will delete the key, for a key in `PendingDeletion`; `None`
    /// otherwise.
    #[serde(default)]
    pub deletion_date: Option<Timestamp>,
    /// Automatic rotation of the key material (`GetKeyRotationStatus`):
    /// `Value(Some(true))` on, `Value(Some(false))` off; `Value(None)` when
    /// rotation does not apply to the key (see
    /// [`rotation_applies`](Self::rotation_applies); no call is made) or KMS
    /// answered that the key does not support it (`UnsupportedOperationException`)
    /// or that its state keeps it from reporting (`KMSInvalidStateException`).
    /// Not collected when the call failed otherwise or was denied.
    #[serde(default)]
    pub rotation_enabled: Collected<Option<bool>>,
    /// The key policy (`GetKeyPolicy`, policy name `default`, the only name
    /// KMS supports), decoded JSON (`{"Version": …, "Statement": […]}`);
    /// `Value(None)` when KMS returned no document. Not collected when the
    /// call failed or was denied, or returned a document that is not JSON.
    #[serde(default)]
    pub policy: Collected<Option<serde_json::Value>>,
}

impl KmsKey {
    /// The key spec of a symmetric encryption key.
    pub const SYMMETRIC_DEFAULT: &'static str = "SYMMETRIC_DEFAULT";
    /// The key usage of an encryption key.
    pub const ENCRYPT_DECRYPT: &'static str = "ENCRYPT_DECRYPT";
    /// The origin of key material generated by KMS.
    pub const AWS_KMS: &'static str = "AWS_KMS";

    /// Whether automatic rotation applies to the key: KMS rotates only
    /// symmetric encryption keys (`SYMMETRIC_DEFAULT`, `ENCRYPT_DECRYPT`)
    /// whose material it generated (origin `AWS_KMS`); imported material,
    /// custom key stores, asymmetric and HMAC keys are rotated by hand.
    /// A `SYMMETRIC_DEFAULT` key can only encrypt and decrypt, so a missing
    /// usage counts as `ENCRYPT_DECRYPT`; a key whose spec or origin KMS did
    /// not return is taken as one rotation does not apply to.
    ///
    /// ```
    /// # use cloudarq_model::inventory::kms::KmsKey;
    /// let k: KmsKey = serde_json::from_value(serde_json::json!({
    ///     "key_id": "k", "key_spec": "SYMMETRIC_DEFAULT",
    ///     "key_usage": "ENCRYPT_DECRYPT", "origin": "EXTERNAL"}))?;
    /// assert!(!k.rotation_applies()); // imported key material
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn rotation_applies(&self) -> bool {
        self.key_spec.as_deref() == Some(Self::SYMMETRIC_DEFAULT)
            && self
                .key_usage
                .as_deref()
                .is_none_or(|u| u == Self::ENCRYPT_DECRYPT)
            && self.origin.as_deref() == Some(Self::AWS_KMS)
    }
}
