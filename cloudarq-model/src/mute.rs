//! Accepted risks as data: one [`MuteEntry`] per risk, whether it was
//! written in a mutelist file or stored for a tenant by the hosted service.
//!
//! This is the one entry type: the engine's `Mutelist` is built from a list
//! of them (and checks them: glob syntax and complexity, rule ids the engine
//! runs), the TOML reader produces them, and the store keeps and returns
//! them.

use crate::common::Timestamp;
use crate::ids::Region;

/// One accepted risk: a FAIL of `rule` on a resource whose ARN matches
/// `resource` (and, when set, in `region`) is reported as MUTED with
/// `reason` until `expires`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuteEntry {
    /// The rule id it mutes; `None` for every rule (`*` in a file).
    pub rule: Option<String>,
    /// The ARN glob; `*` also matches `/` and `:`.
    pub resource: String,
    /// Why the risk is accepted; shown on the MUTED finding.
    pub reason: String,
    /// When it stops muting, if ever.
    pub expires: Option<Expiry>,
    /// The only region it applies to, if restricted.
    pub region: Option<Region>,
}

/// When an entry stops muting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// The first instant at which the entry no longer mutes.
    pub at: Timestamp,
    /// The value as written (in a file, or RFC 3339 for a stored entry),
    /// used in messages.
    pub written: String,
}

impl Expiry {
    /// An expiry at `at`, written as RFC 3339.
    pub fn at(at: Timestamp) -> Self {
        Self {
            written: at.to_string(),
            at,
        }
    }
}

impl MuteEntry {
    /// Whether it still mutes at `now`.
    ///
    /// ```
    /// use cloudarq_model::mute::{Expiry, MuteEntry};
    /// let e = MuteEntry {
    ///     rule: None,
    ///     resource: "arn:aws:s3:::logs-*".into(),
    ///     reason: "write-once".into(),
    ///     expires: Some(Expiry::at("2026-12-31T00:00:00Z".parse()?)),
    ///     region: None,
    /// };
    /// assert!(e.is_active("2026-06-01T00:00:00Z".parse()?));
    /// assert!(!e.is_active("2027-01-01T00:00:00Z".parse()?));
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expires.as_ref().is_none_or(|e| now < e.at)
    }
}
