//! AWS Security Hub inventory kinds: the account's hub in each region.
//!
//! Security Hub is enabled region by region, so CloudArq reads every
//! scanned region.
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`SecurityHubHub`] (`AWS::SecurityHub::Hub`) | `arn:aws:securityhub:<region>:<account>:hub/default` | `DescribeHub`, `GetEnabledStandards` |
//!
//! There is one `AWS::SecurityHub::Hub` per scanned region whenever the
//! `securityhub` service is collected, enabled or not: the ARN is the one
//! AWS gives the account's hub of the region once it is enabled, and
//! [`Resource::name`](crate::Resource::name) is the account id.
//!
//! **`Collected` fields**, one call each (the gap's `action` is the IAM
//! action in parentheses):
//!
//! | field | call | `Value(None)` or empty when |
//! |---|---|---|
//! | [`hub`](SecurityHubHub::hub) | `DescribeHub` (`securityhub:DescribeHub`) | Security Hub answered `InvalidAccessException` (the account is not subscribed in the region: Security Hub is not enabled) |
//! | [`enabled_standards`](SecurityHubHub::enabled_standards) | `GetEnabledStandards` (`securityhub:GetEnabledStandards`), every page, only when the hub is enabled | no standard is enabled, or the hub is not enabled (`hub` is `Value(None)`: no call is made) |
//!
//! A denied `DescribeHub` (`AccessDeniedException`) is a gap, never "not
//! enabled"; then `enabled_standards` is not collected too, without a call
//! or a gap of its own. Standards statuses are the strings Security Hub uses
//! (`PENDING`, `READY`, `FAILED`, `DELETING`, `INCOMPLETE`).
//!
//! ```
//! use cloudarq_model::inventory::securityhub::SecurityHubHub;
//! use cloudarq_model::rule::Outcome;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! fn enabled(h: &SecurityHubHub) -> Outcome {
//!     match &h.hub {
//!         Collected::Value(Some(_)) => Outcome::pass("enabled"),
//!         Collected::Value(None) => Outcome::fail("not enabled"),
//!         Collected::NotCollected => Outcome::not_collected("hub"),
//!     }
//! }
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:securityhub:eu-west-1:123456789012:hub/default",
//!     "region": "eu-west-1", "name": "123456789012",
//!     "properties": {"AWS::SecurityHub::Hub": {
//!         "hub": {"value": null}, "enabled_standards": {"value": []}}}
//! }))?;
//! let Properties::SecurityHubHub(h) = &r.properties else { unreachable!() };
//! assert_eq!(enabled(h), Outcome::fail("not enabled"));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::Collected;

/// `AWS::SecurityHub::Hub`: the account's Security Hub in one region, one
/// per scanned region, ARN `arn:aws:securityhub:<region>:<account>:hub/default`,
/// named by the account id. Both fields are `Collected`, each from its own
/// call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityHubHub {
    /// The hub (`DescribeHub`): `Value(Some(_))` when Security Hub is
    /// enabled in the region, `Value(None)` when it answered that the
    /// account is not subscribed (`InvalidAccessException`). Not collected
    /// when the call failed otherwise or was denied
    /// (`securityhub:DescribeHub`).
    #[serde(default)]
    pub hub: Collected<Option<HubDetails>>,
    /// The security standards enabled in the region (`GetEnabledStandards`,
    /// every page); empty when none is, or when Security Hub is not enabled
    /// (no call is made then). Not collected when the call failed or was
    /// denied (`securityhub:GetEnabledStandards`), or stopped early, and when
    /// [`hub`](Self::hub) is not collected (no call is made then).
    #[serde(default)]
    pub enabled_standards: Collected<Vec<EnabledStandard>>,
}

/// What `DescribeHub` says about an enabled hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubDetails {
    /// The hub's ARN as Security Hub returned it.
    #[serde(default)]
    pub hub_arn: Option<String>,
    /// When the account subscribed, as Security Hub returned it (ISO 8601
    /// text, kept as given).
    #[serde(default)]
    pub subscribed_at: Option<String>,
    /// New controls of enabled standards are enabled automatically.
    #[serde(default)]
    pub auto_enable_controls: Option<bool>,
    /// `SECURITY_CONTROL` (one finding per control across standards) or
    /// `STANDARD_CONTROL` (one per standard).
    #[serde(default)]
    pub control_finding_generator: Option<String>,
}

/// One enabled standard (a `StandardsSubscription` of `GetEnabledStandards`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnabledStandard {
    /// The standard's ARN
    /// (`arn:aws:securityhub:<region>::standards/aws-foundational-security-best-practices/v/1.0.0`, …).
    pub standards_arn: String,
    /// The subscription's ARN, as Security Hub returned it.
    #[serde(default)]
    pub subscription_arn: Option<String>,
    /// `PENDING`, `READY`, `FAILED`, `DELETING` or `INCOMPLETE`.
    #[serde(default)]
    pub status: Option<String>,
}

impl EnabledStandard {
    /// Whether the subscription is in force or on its way: any status but
    /// `FAILED` and `DELETING` (a missing status counts as in force).
    pub fn in_force(&self) -> bool {
        !matches!(self.status.as_deref(), Some("FAILED" | "DELETING"))
    }
}
