//! Rule packages: the metadata a WebAssembly rule package carries, shared by
//! the guest SDK (which writes it) and the host (which validates it).
//!
//! A package is a WebAssembly component implementing the contract in
//! `cloudarq-model/wit/cloudarq-rule@1.0.0/rule.wit`, with a
//! [`PackageMeta`] as JSON in its [`META_SECTION`] custom section. The host
//! reads that section without running the guest.
//!
//! ```
//! use cloudarq_model::package::{PackageMeta, CONTRACT_VERSION};
//! use cloudarq_model::rule::*;
//! use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
//!
//! struct Tagged;
//! static META: RuleMeta = RuleMeta {
//!     id: "acme_s3_bucket_tagged",
//!     title: "S3 bucket has an owner tag",
//!     severity: Severity::Low,
//!     service: Service::S3,
//!     resource_types: &[ResourceType::S3Bucket],
//!     rationale: "Owners get told.",
//!     remediation: Remediation { cli: "aws s3api put-bucket-tagging …", console: "…", url: "" },
//!     controls: &[],
//! };
//! impl Rule for Tagged {
//!     fn meta(&self) -> &'static RuleMeta { &META }
//!     fn evaluate(&self, r: &Resource, _: &Snapshot) -> Result<Outcome, RuleError> {
//!         Ok(Outcome::check(r.tags.get("owner").is_some(), "tagged", "no owner tag"))
//!     }
//! }
//!
//! let meta = PackageMeta::from_rules("acme-rules", "1.0.0", &[&Tagged], &[], serde_json::json!({}));
//! assert_eq!(meta.contract, CONTRACT_VERSION);
//! let back = PackageMeta::from_json(&meta.to_json())?;
//! assert_eq!(back.rules[0].id, "acme_s3_bucket_tagged");
//! # Ok::<(), cloudarq_model::package::MetaError>(())
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::common::Service;
use crate::inventory::{Resource, ResourceType};
use crate::rule::{Outcome, Rule, RuleError, Severity};
use crate::snapshot::Snapshot;

/// The contract version this crate's SDK implements (the WIT package version).
pub const CONTRACT_VERSION: &str = "1.0.0";

/// The name of the custom section that holds a package's [`PackageMeta`] JSON.
pub const META_SECTION: &str = "cloudarq-rule-meta";

/// The largest metadata section accepted, in bytes.
pub const MAX_META_BYTES: usize = 1 << 20;

/// What is wrong with a package's metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetaError {
    /// Not JSON of the expected shape.
    #[error("package metadata is not valid JSON of the expected shape: {0}")]
    Format(String),
    /// Larger than [`MAX_META_BYTES`].
    #[error("package metadata is {0} bytes, the limit is {MAX_META_BYTES}")]
    TooLarge(usize),
    /// A value that is not allowed, named.
    #[error("package metadata: {0}")]
    Invalid(String),
}

/// A package's metadata: its rules and what it needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageMeta {
    /// Package name (lowercase letters, digits, `-` and `_`).
    pub name: String,
    /// Package version, free text (for example `1.2.0`).
    pub version: String,
    /// The contract version the package implements (`1.0.0`).
    pub contract: String,
    /// The lowest CloudArq host version that can run it.
    pub min_host_version: String,
    /// JSON Schema of the settings passed to `configure` (`{}` when none).
    #[serde(default)]
    pub settings_schema: serde_json::Value,
    /// Resource types sent with every batch as context (account-wide kinds
    /// such as `AWS::S3::AccountPublicAccessBlock`).
    #[serde(default)]
    pub context_types: Vec<ResourceType>,
    /// The rules, at least one.
    pub rules: Vec<RuleInfo>,
}

/// One rule of a package: [`RuleMeta`](crate::rule::RuleMeta) as owned data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInfo {
    /// Stable id, unique across every loaded rule.
    pub id: String,
    /// The secure state.
    pub title: String,
    /// Default severity of a FAIL.
    pub severity: Severity,
    /// The service it checks.
    pub service: Service,
    /// The resource types it evaluates; the host sends it only these.
    pub resource_types: Vec<ResourceType>,
    /// Why the secure state matters.
    #[serde(default)]
    pub rationale: String,
    /// How to fix a failing resource.
    pub remediation: RemediationInfo,
    /// Compliance controls.
    #[serde(default)]
    pub controls: Vec<crate::finding::ControlId>,
}

/// [`Remediation`](crate::rule::Remediation) as owned data.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemediationInfo {
    /// AWS CLI command(s).
    #[serde(default)]
    pub cli: String,
    /// Console steps.
    #[serde(default)]
    pub console: String,
    /// Reference URL.
    #[serde(default)]
    pub url: String,
}

impl PackageMeta {
    /// The metadata of `rules`, for this crate's contract version.
    pub fn from_rules(
        name: &str,
        version: &str,
        rules: &[&dyn Rule],
        context_types: &[ResourceType],
        settings_schema: serde_json::Value,
    ) -> Self {
        let rules = rules
            .iter()
            .map(|r| {
                let m = r.meta();
                RuleInfo {
                    id: m.id.to_owned(),
                    title: m.title.to_owned(),
                    severity: m.severity,
                    service: m.service,
                    resource_types: m.resource_types.to_vec(),
                    rationale: m.rationale.to_owned(),
                    remediation: RemediationInfo {
                        cli: m.remediation.cli.to_owned(),
                        console: m.remediation.console.to_owned(),
                        url: m.remediation.url.to_owned(),
                    },
                    controls: m
                        .controls
                        .iter()
                        .map(|c| crate::finding::ControlId {
                            framework: c.framework.to_owned(),
                            control: c.control.to_owned(),
                        })
                        .collect(),
                }
            })
            .collect();
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            contract: CONTRACT_VERSION.to_owned(),
            min_host_version: "0.1.0".to_owned(),
            settings_schema,
            context_types: context_types.to_vec(),
            rules,
        }
    }

    /// Parses and [validates](Self::validate) metadata JSON.
    pub fn from_json(json: &str) -> Result<Self, MetaError> {
        if json.len() > MAX_META_BYTES {
            return Err(MetaError::TooLarge(json.len()));
        }
        let meta: Self =
            serde_json::from_str(json).map_err(|e| MetaError::Format(e.to_string()))?;
        meta.validate()?;
        Ok(meta)
    }

    /// The metadata as JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, enums and vectors cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks the metadata is usable: a valid name, at least one rule, ids
    /// well-formed and unique, every rule with a title and a resource type,
    /// no duplicate types or controls.
    pub fn validate(&self) -> Result<(), MetaError> {
        let bad = |m: String| Err(MetaError::Invalid(m));
        if !is_ident(&self.name, b'-') {
            return bad(format!(
                "package name {:?} must be 1-64 lowercase letters, digits, '-' or '_'",
                self.name
            ));
        }
        if self.rules.is_empty() {
            return bad("the package declares no rule".to_owned());
        }
        if !self.settings_schema.is_object() && !self.settings_schema.is_null() {
            return bad("settings_schema must be a JSON object".to_owned());
        }
        let mut ids = BTreeSet::new();
        for r in &self.rules {
            if !is_ident(&r.id, b'_') {
                return bad(format!(
                    "rule id {:?} must be 1-64 lowercase letters, digits or '_'",
                    r.id
                ));
            }
            if !ids.insert(r.id.as_str()) {
                return bad(format!("rule id {:?} is declared twice", r.id));
            }
            if r.title.trim().is_empty() || r.title.len() > 150 {
                return bad(format!("rule {:?} needs a title of 1-150 characters", r.id));
            }
            if r.resource_types.is_empty() {
                return bad(format!("rule {:?} declares no resource type", r.id));
            }
            let types: BTreeSet<_> = r.resource_types.iter().collect();
            if types.len() != r.resource_types.len() {
                return bad(format!("rule {:?} declares a resource type twice", r.id));
            }
            let controls: BTreeSet<_> = r.controls.iter().collect();
            if controls.len() != r.controls.len() {
                return bad(format!("rule {:?} declares a control twice", r.id));
            }
        }
        Ok(())
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Every resource type some rule of the package declares, sorted.
    pub fn resource_types(&self) -> BTreeSet<ResourceType> {
        self.rules
            .iter()
            .flat_map(|r| r.resource_types.iter().copied())
            .collect()
    }
}

/// `true` for 1-64 characters of `[a-z0-9_]` plus `extra`.
fn is_ident(s: &str, extra: u8) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == extra)
}

/// Evaluates `rules` on each resource of `batch` whose type the rule
/// declares, in batch order then rule order: what a guest does for one
/// `evaluate` call, with `snapshot` holding the batch and its context.
///
/// ```
/// use cloudarq_model::package::evaluate_batch;
/// let out = evaluate_batch(&[], &[], &cloudarq_model::Snapshot::new(
///     "123456789012".parse()?, cloudarq_model::Partition::aws(), "2026-01-01T00:00:00Z".parse()?));
/// assert!(out.is_empty());
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
pub fn evaluate_batch<'r>(
    rules: &[&'r dyn Rule],
    batch: &[Resource],
    snapshot: &Snapshot,
) -> Vec<(&'r dyn Rule, usize, Result<Outcome, RuleError>)> {
    let mut out = Vec::new();
    for (i, resource) in batch.iter().enumerate() {
        let t = resource.resource_type();
        for rule in rules {
            if rule.meta().resource_types.contains(&t) {
                out.push((*rule, i, rule.evaluate(resource, snapshot)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> PackageMeta {
        serde_json::from_value(serde_json::json!({
            "name": "acme", "version": "1", "contract": "1.0.0", "min_host_version": "0.1.0",
            "rules": [{"id": "acme_a", "title": "A", "severity": "low", "service": "s3",
                       "resource_types": ["AWS::S3::Bucket"], "remediation": {}}]
        }))
        .unwrap()
    }

    #[test]
    fn valid_metadata_roundtrips() {
        let m = meta();
        assert_eq!(PackageMeta::from_json(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn each_invalid_field_is_named() {
        type Change = fn(&mut PackageMeta);
        let cases: Vec<(Change, &str)> = vec![
            (|m| m.name = "Bad Name".into(), "package name"),
            (|m| m.rules.clear(), "no rule"),
            (|m| m.rules[0].id = "A-b".into(), "rule id"),
            (|m| m.rules.push(m.rules[0].clone()), "declared twice"),
            (|m| m.rules[0].title = " ".into(), "title"),
            (|m| m.rules[0].resource_types.clear(), "no resource type"),
            (
                |m| m.settings_schema = serde_json::json!(3),
                "settings_schema",
            ),
        ];
        for (change, needle) in cases {
            let mut m = meta();
            change(&mut m);
            let e = PackageMeta::from_json(&m.to_json())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{e} should mention {needle}");
        }
    }

    #[test]
    fn unknown_resource_type_and_severity_are_refused() {
        let json = meta().to_json();
        let e = PackageMeta::from_json(&json.replace("AWS::S3::Bucket", "AWS::S3::Nope"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("AWS::S3::Nope"), "{e}");
        let e = PackageMeta::from_json(&json.replace("\"low\"", "\"urgent\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("urgent"), "{e}");
        let e = PackageMeta::from_json("{").unwrap_err();
        assert!(matches!(e, MetaError::Format(_)));
    }
}
