//! IAM Access Analyzer inventory kinds: the account's analyzers in each
//! region.
//!
//! Analyzers are regional: one analyzes the resources of its own region
//! only, so CloudArq reads every scanned region. The service's ARNs and
//! IAM actions use the namespace `access-analyzer`
//! ([`Service::arn_namespace`](crate::Service::arn_namespace)).
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`AccessAnalyzerRegionSettings`] (`AWS::AccessAnalyzer::RegionSettings`) | `arn:aws:access-analyzer:<region>:<account>:account` | `ListAnalyzers` |
//!
//! There is one `AWS::AccessAnalyzer::RegionSettings` per scanned region
//! whenever the `accessanalyzer` service is collected, whatever AWS
//! answered; its [`Resource::name`](crate::Resource::name) is the account
//! id.
//!
//! **`Collected` field** (the gap's `action` is the IAM action in
//! parentheses): [`analyzers`](AccessAnalyzerRegionSettings::analyzers)
//! from `ListAnalyzers`, every page (`access-analyzer:ListAnalyzers`);
//! `Value` of an empty list when the region has no analyzer. Enumerated
//! values are the strings Access Analyzer uses: types (`ACCOUNT`,
//! `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, `ORGANIZATION_UNUSED_ACCESS`,
//! `ACCOUNT_INTERNAL_ACCESS`, `ORGANIZATION_INTERNAL_ACCESS`) and statuses
//! (`ACTIVE`, `CREATING`, `DISABLED`, `FAILED`).
//!
//! ```
//! use cloudarq_model::inventory::accessanalyzer::AccessAnalyzerRegionSettings;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:access-analyzer:eu-west-1:123456789012:account",
//!     "region": "eu-west-1", "name": "123456789012",
//!     "properties": {"AWS::AccessAnalyzer::RegionSettings": {
//!         "analyzers": {"value": [{"name": "unused", "analyzer_type": "ACCOUNT_UNUSED_ACCESS",
//!             "status": "ACTIVE"}]}}}
//! }))?;
//! let Properties::AccessAnalyzerRegionSettings(s) = &r.properties else { unreachable!() };
//! let Collected::Value(analyzers) = &s.analyzers else { unreachable!() };
//! // An unused-access analyzer does not look for external access.
//! assert!(!analyzers.iter().any(|a| a.external_access() && a.active()));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::AccessAnalyzer::RegionSettings`: the account's IAM Access Analyzer
/// setup in one region, one per scanned region, ARN
/// `arn:aws:access-analyzer:<region>:<account>:account`, named by the
/// account id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessAnalyzerRegionSettings {
    /// The region's analyzers of every type (`ListAnalyzers`, every page);
    /// `Value` of an empty list: none. Not collected when the call failed or
    /// was denied (`access-analyzer:ListAnalyzers`), or stopped early.
    #[serde(default)]
    pub analyzers: Collected<Vec<Analyzer>>,
}

/// One analyzer (an `AnalyzerSummary` of `ListAnalyzers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analyzer {
    /// The analyzer's name, as its owner wrote it (untrusted text).
    pub name: String,
    /// The analyzer's ARN, as Access Analyzer returned it.
    #[serde(default)]
    pub arn: Option<String>,
    /// `type`: its zone of trust (`ACCOUNT`, `ORGANIZATION`) for external
    /// access analyzers, or `ACCOUNT_UNUSED_ACCESS`, `ORGANIZATION_UNUSED_ACCESS`,
    /// `ACCOUNT_INTERNAL_ACCESS`, `ORGANIZATION_INTERNAL_ACCESS`.
    pub analyzer_type: String,
    /// `ACTIVE`, `CREATING`, `DISABLED` or `FAILED`.
    pub status: String,
    /// Why the analyzer is not active, as Access Analyzer returned it
    /// (`AWS_SERVICE_ACCESS_DISABLED`, `DELEGATED_ADMINISTRATOR_DEREGISTERED`,
    /// `ORGANIZATION_DELETED`, `SERVICE_LINKED_ROLE_CREATION_FAILED`).
    #[serde(default)]
    pub status_reason: Option<String>,
    /// When the analyzer was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
}

impl Analyzer {
    /// The status of an analyzer at work.
    pub const ACTIVE: &'static str = "ACTIVE";

    /// Whether it analyzes external access: type `ACCOUNT` or
    /// `ORGANIZATION` (unused-access and internal-access analyzers do not).
    pub fn external_access(&self) -> bool {
        matches!(self.analyzer_type.as_str(), "ACCOUNT" | "ORGANIZATION")
    }

    /// Whether its status is `ACTIVE`.
    pub fn active(&self) -> bool {
        self.status == Self::ACTIVE
    }
}
