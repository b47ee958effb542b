//! Amazon Macie inventory kinds: whether Macie is enabled in each region.
//!
//! Macie is enabled region by region, so CloudArq reads every scanned
//! region. The service's ARNs and IAM actions use the namespace `macie2`
//! ([`Service::arn_namespace`](crate::Service::arn_namespace)).
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`MacieSession`] (`AWS::Macie::Session`) | `arn:aws:macie2:<region>:<account>:account` | `GetMacieSession` |
//!
//! There is one `AWS::Macie::Session` per scanned region whenever the
//! `macie` service is collected, enabled or not; its
//! [`Resource::name`](crate::Resource::name) is the account id. The ARN is
//! CloudArq's name for the account's Macie setting of the region (Macie
//! gives a session no ARN of its own).
//!
//! **`Collected` field** (the gap's `action` is the IAM action in
//! parentheses): [`status`](MacieSession::status) from `GetMacieSession`
//! (`macie2:GetMacieSession`). Macie says "not enabled" with an error: an
//! `AccessDeniedException` whose message says Macie is not enabled (or, in
//! some emulators, `ResourceNotFoundException`). That answer is
//! `Value(None)`, not a gap. Any other `AccessDeniedException` is a real
//! denial: a gap of kind `AccessDenied`, the status not collected. A region
//! where Macie is not offered is a gap too (kind `ServiceUnsupported` when
//! AWS answers with an unsupported-operation code, `Unreachable` when the
//! region has no Macie endpoint), never "not enabled".
//!
//! ```
//! use cloudarq_model::inventory::macie::MacieSession;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:macie2:eu-west-1:123456789012:account",
//!     "region": "eu-west-1", "name": "123456789012",
//!     "properties": {"AWS::Macie::Session": {"status": {"value": "PAUSED"}}}
//! }))?;
//! let Properties::MacieSession(m) = &r.properties else { unreachable!() };
//! assert!(!m.enabled().unwrap_or(false)); // a paused session does not analyze
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::Collected;

/// `AWS::Macie::Session`: the account's Amazon Macie setting in one region,
/// one per scanned region, ARN `arn:aws:macie2:<region>:<account>:account`,
/// named by the account id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacieSession {
    /// The session's status (`GetMacieSession`): `ENABLED` or `PAUSED` as
    /// Macie returned it, `Value(None)` when Macie is not enabled in the
    /// region. Not collected when the call failed or was denied
    /// (`macie2:GetMacieSession`).
    #[serde(default)]
    pub status: Collected<Option<String>>,
    /// How often Macie publishes updates to policy findings
    /// (`FIFTEEN_MINUTES`, `ONE_HOUR`, `SIX_HOURS`), when enabled.
    #[serde(default)]
    pub finding_publishing_frequency: Option<String>,
}

impl MacieSession {
    /// The status of a session at work.
    pub const ENABLED: &'static str = "ENABLED";

    /// Whether Macie is enabled and not paused in the region; `None` when
    /// the status was not collected.
    pub fn enabled(&self) -> Option<bool> {
        match &self.status {
            Collected::Value(s) => Some(s.as_deref() == Some(Self::ENABLED)),
            Collected::NotCollected => None,
        }
    }
}
