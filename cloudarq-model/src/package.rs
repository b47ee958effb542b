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

/// This SDK crate's version. Its MAJOR.MINOR is always the contract's
/// ([`CONTRACT_VERSION`]): a package that depends on `cloudarq-model = "1.0"`
/// builds for contract 1.0, and every 1.0.x release of the crate accepts
/// the same packages. A contract 1.1 (additive: packages built for 1.0
/// still load) comes with crate 1.1.0; a breaking contract with 2.0.0.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The name of the custom section that holds a package's [`PackageMeta`] JSON.
pub const META_SECTION: &str = "cloudarq-rule-meta";

/// The largest metadata section accepted, in bytes.
pub const MAX_META_BYTES: usize = 1 << 20;

/// The longest rule title, in bytes (at least one visible character).
pub const MAX_TITLE_BYTES: usize = 150;

/// The longest free-text field (`rationale`, `remediation.cli`,
/// `remediation.console`, strings of `settings_schema`), in bytes; these may
/// hold `\n` and `\t`.
pub const MAX_TEXT_BYTES: usize = 4096;

/// The longest `remediation.url`, in bytes (one line).
pub const MAX_URL_BYTES: usize = 2048;

/// The longest short name (`version`, `contract`, `min_host_version`, a
/// control's `framework` and `control`), in bytes (one line).
pub const MAX_NAME_BYTES: usize = 64;

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
    /// Package version, free text (for example `1.2.0`; one line, at most
    /// [`MAX_NAME_BYTES`]).
    pub version: String,
    /// The contract version the package implements (`1.0.0`).
    pub contract: String,
    /// The lowest CloudArq host version that can run it.
    pub min_host_version: String,
    /// JSON Schema of the settings passed to `configure` (`{}` when none);
    /// its keys and strings are free text of at most [`MAX_TEXT_BYTES`].
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
    /// The secure state (one line, at most [`MAX_TITLE_BYTES`]).
    pub title: String,
    /// Default severity of a FAIL.
    pub severity: Severity,
    /// The service it checks.
    pub service: Service,
    /// The resource types it evaluates; the host sends it only these.
    pub resource_types: Vec<ResourceType>,
    /// Why the secure state matters (at most [`MAX_TEXT_BYTES`]).
    #[serde(default)]
    pub rationale: String,
    /// How to fix a failing resource.
    pub remediation: RemediationInfo,
    /// Compliance controls (framework and control each one line of at most
    /// [`MAX_NAME_BYTES`]).
    #[serde(default)]
    pub controls: Vec<crate::finding::ControlId>,
}

impl RuleInfo {
    /// A built-in rule's metadata as owned data.
    pub fn from_meta(m: &crate::rule::RuleMeta) -> Self {
        Self {
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
                .map(crate::finding::ControlId::from)
                .collect(),
        }
    }
}

/// [`Remediation`](crate::rule::Remediation) as owned data: `cli` and
/// `console` at most [`MAX_TEXT_BYTES`] each, `url` one line of at most
/// [`MAX_URL_BYTES`].
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
            .map(|r| RuleInfo::from_meta(r.meta()))
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

    /// Checks `settings` against what the package's settings schema
    /// requires before anything runs: when the schema lists `required`
    /// keys, the settings must be an object holding each of them. (The
    /// package's own `configure` checks the rest; its refusal makes the
    /// package's rules report ERROR.)
    ///
    /// ```
    /// # use cloudarq_model::package::PackageMeta;
    /// # let mut meta: PackageMeta = serde_json::from_value(serde_json::json!({
    /// #     "name": "acme", "version": "1", "contract": "1.0.0", "min_host_version": "0.1.0",
    /// #     "context_types": [], "settings_schema": {}, "rules": []})).unwrap();
    /// meta.settings_schema = serde_json::json!({"type": "object", "required": ["tag"]});
    /// assert!(meta.check_settings(&serde_json::json!({"tag": "owner"})).is_ok());
    /// let e = meta.check_settings(&serde_json::json!({})).unwrap_err();
    /// assert_eq!(e, "missing the required key \"tag\" (the package's settings schema requires: tag)");
    /// ```
    pub fn check_settings(&self, settings: &serde_json::Value) -> Result<(), String> {
        let required: Vec<&str> = self
            .settings_schema
            .get("required")
            .and_then(serde_json::Value::as_array)
            .map(|keys| keys.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        if required.is_empty() {
            return Ok(());
        }
        let Some(given) = settings.as_object() else {
            return Err(format!(
                "settings must be a JSON object with the keys {}",
                required.join(", ")
            ));
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| !given.contains_key(*k))
            .collect();
        match missing.as_slice() {
            [] => Ok(()),
            [one] => Err(format!(
                "missing the required key {one:?} (the package's settings schema requires: {})",
                required.join(", ")
            )),
            many => Err(format!(
                "missing the required keys {} (the package's settings schema requires: {})",
                many.join(", "),
                required.join(", ")
            )),
        }
    }
    /// Checks the metadata is usable: a valid name, at least one rule, ids
    /// well-formed and unique, every rule with a title and a resource type,
    /// no duplicate types or controls, and every text field within its
    /// length limit (the `MAX_*_BYTES` constants) and inert: no control
    /// character (C0, DEL, C1; `\n` and `\t` only in the free-text fields)
    /// and no bidirectional override or isolate (U+202A–U+202E,
    /// U+2066–U+2069) anywhere. The error names the rule and the field.
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
        for (field, value) in [
            ("version", &self.version),
            ("contract", &self.contract),
            ("min_host_version", &self.min_host_version),
        ] {
            check_text(value, MAX_NAME_BYTES, false)
                .map_err(|m| MetaError::Invalid(format!("field {field}: {m}")))?;
        }
        check_json_text(&self.settings_schema)
            .map_err(|m| MetaError::Invalid(format!("field settings_schema: {m}")))?;
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
            if r.title.trim().is_empty() || r.title.len() > MAX_TITLE_BYTES {
                return bad(format!(
                    "rule {:?} needs a title of 1-{MAX_TITLE_BYTES} characters",
                    r.id
                ));
            }
            r.check_text()?;
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

impl RuleInfo {
    /// Every text field of the rule within its limit and free of control and
    /// bidirectional-override characters; the error names the rule and field.
    fn check_text(&self) -> Result<(), MetaError> {
        let rem = &self.remediation;
        let fields = [
            ("title", &self.title, MAX_TITLE_BYTES, false),
            ("rationale", &self.rationale, MAX_TEXT_BYTES, true),
            ("remediation.cli", &rem.cli, MAX_TEXT_BYTES, true),
            ("remediation.console", &rem.console, MAX_TEXT_BYTES, true),
            ("remediation.url", &rem.url, MAX_URL_BYTES, false),
        ];
        let controls = self.controls.iter().flat_map(|c| {
            [
                ("controls.framework", &c.framework, MAX_NAME_BYTES, false),
                ("controls.control", &c.control, MAX_NAME_BYTES, false),
            ]
        });
        for (field, value, max, multiline) in fields.into_iter().chain(controls) {
            check_text(value, max, multiline).map_err(|m| {
                MetaError::Invalid(format!("rule {:?} field {field}: {m}", self.id))
            })?;
        }
        Ok(())
    }
}

/// Bidirectional embedding/override (U+202A–U+202E) and isolate
/// (U+2066–U+2069) characters: they reorder how the text around them shows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` bytes, no bidi control, and no control character except
/// `\n` and `\t` when `multiline`.
fn check_text(value: &str, max: usize, multiline: bool) -> Result<(), String> {
    if value.len() > max {
        return Err(format!("is {} bytes, the limit is {max}", value.len()));
    }
    for (at, c) in value.char_indices() {
        if is_bidi_control(c) {
            return Err(format!(
                "holds the bidirectional control character U+{:04X} at byte {at}",
                u32::from(c)
            ));
        }
        if c.is_control() && !(multiline && matches!(c, '\n' | '\t')) {
            return Err(format!(
                "holds the control character U+{:04X} at byte {at}",
                u32::from(c)
            ));
        }
    }
    Ok(())
}

/// [`check_text`] on every key and string of a JSON value (free text).
fn check_json_text(v: &serde_json::Value) -> Result<(), String> {
    match v {
        serde_json::Value::String(s) => check_text(s, MAX_TEXT_BYTES, true),
        serde_json::Value::Array(a) => a.iter().try_for_each(check_json_text),
        serde_json::Value::Object(o) => o.iter().try_for_each(|(k, v)| {
            check_text(k, MAX_TEXT_BYTES, true)?;
            check_json_text(v)
        }),
        _ => Ok(()),
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
/// `evaluate` call, with `snapshot` holding the batch and its context. The
/// batch holds resources or references to them (the guest SDK evaluates
/// the resources it has moved into its snapshot, by reference).
///
/// ```
/// use cloudarq_model::{Resource, package::evaluate_batch};
/// let snapshot = cloudarq_model::Snapshot::new(
///     "123456789012".parse()?, cloudarq_model::Partition::aws(), "2026-01-01T00:00:00Z".parse()?);
/// let batch: Vec<&Resource> = snapshot.resources.iter().collect();
/// let out = evaluate_batch(&[], &batch, &snapshot);
/// assert!(out.is_empty());
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
pub fn evaluate_batch<'r, R: std::borrow::Borrow<Resource>>(
    rules: &[&'r dyn Rule],
    batch: &[R],
    snapshot: &Snapshot,
) -> Vec<(&'r dyn Rule, usize, Result<Outcome, RuleError>)> {
    let mut out = Vec::with_capacity(batch.len().saturating_mul(rules.len()).min(1 << 14));
    for (i, resource) in batch.iter().enumerate() {
        let resource = resource.borrow();
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

    /// The SDK's MAJOR.MINOR is the contract's, and the WIT the `guest`
    /// bindings are generated from declares the same version.
    #[test]
    fn sdk_version_follows_the_contract() {
        let minor = |v: &str| v.rsplit_once('.').map(|(mm, _)| mm.to_owned()).unwrap();
        assert_eq!(minor(SDK_VERSION), minor(CONTRACT_VERSION));
        let wit_dir = format!(
            "{}/wit/cloudarq-rule@{CONTRACT_VERSION}",
            env!("CARGO_MANIFEST_DIR")
        );
        let wit = std::fs::read_to_string(format!("{wit_dir}/rule.wit")).unwrap();
        assert!(
            wit.contains(&format!("package cloudarq:rule@{CONTRACT_VERSION};")),
            "{wit_dir}/rule.wit declares another version"
        );
    }
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
    fn control_and_bidi_characters_are_refused_naming_rule_and_field() {
        type Change = fn(&mut PackageMeta, &str);
        let fields: Vec<(Change, &str)> = vec![
            (|m, v| m.rules[0].title = format!("A{v}"), "field title"),
            (|m, v| m.rules[0].rationale = v.into(), "field rationale"),
            (
                |m, v| m.rules[0].remediation.cli = v.into(),
                "field remediation.cli",
            ),
            (
                |m, v| m.rules[0].remediation.console = v.into(),
                "field remediation.console",
            ),
            (
                |m, v| m.rules[0].remediation.url = v.into(),
                "field remediation.url",
            ),
            (
                |m, v| {
                    m.rules[0].controls.push(crate::finding::ControlId {
                        framework: v.into(),
                        control: "1.1".into(),
                    })
                },
                "field controls.framework",
            ),
            (
                |m, v| {
                    m.rules[0].controls.push(crate::finding::ControlId {
                        framework: "cis".into(),
                        control: v.into(),
                    })
                },
                "field controls.control",
            ),
        ];
        let hostile = [
            ("\u{1b}[31mred", "U+001B"),
            ("a\u{0}b", "U+0000"),
            ("a\rb", "U+000D"),
            ("a\u{9b}2J", "U+009B"),
            ("a\u{7f}", "U+007F"),
            ("evil\u{202E}txt.exe", "U+202E"),
            ("\u{2066}isolated\u{2069}", "U+2066"),
        ];
        for (change, field) in &fields {
            for (value, code) in hostile {
                let mut m = meta();
                change(&mut m, value);
                let e = PackageMeta::from_json(&m.to_json())
                    .unwrap_err()
                    .to_string();
                assert!(
                    e.contains("rule \"acme_a\"") && e.contains(field) && e.contains(code),
                    "{value:?} in {field}: {e}"
                );
            }
        }
        for (field, m) in [
            ("field version", {
                let mut m = meta();
                m.version = "1\u{202D}".into();
                m
            }),
            ("field settings_schema", {
                let mut m = meta();
                m.settings_schema = serde_json::json!({"description": "x\u{1b}]52;c;AAAA\u{7}"});
                m
            }),
        ] {
            let e = PackageMeta::from_json(&m.to_json())
                .unwrap_err()
                .to_string();
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn newlines_and_tabs_are_allowed_only_in_free_text() {
        let mut m = meta();
        m.rules[0].rationale = "line one\n\tline two".into();
        m.rules[0].remediation.cli = "aws s3 …\naws s3 …".into();
        PackageMeta::from_json(&m.to_json()).unwrap();
        m.rules[0].title = "A\nB".into();
        let e = PackageMeta::from_json(&m.to_json())
            .unwrap_err()
            .to_string();
        assert!(e.contains("field title") && e.contains("U+000A"), "{e}");
    }

    #[test]
    fn each_text_field_has_a_length_limit() {
        type Change = fn(&mut PackageMeta, String);
        let cases: Vec<(Change, usize, &str)> = vec![
            (
                |m, v| m.rules[0].rationale = v,
                MAX_TEXT_BYTES,
                "field rationale",
            ),
            (
                |m, v| m.rules[0].remediation.cli = v,
                MAX_TEXT_BYTES,
                "field remediation.cli",
            ),
            (
                |m, v| m.rules[0].remediation.url = v,
                MAX_URL_BYTES,
                "field remediation.url",
            ),
            (|m, v| m.version = v, MAX_NAME_BYTES, "field version"),
            (
                |m, v| {
                    m.rules[0].controls.push(crate::finding::ControlId {
                        framework: "cis".into(),
                        control: v,
                    })
                },
                MAX_NAME_BYTES,
                "field controls.control",
            ),
        ];
        for (change, max, field) in cases {
            let mut m = meta();
            change(&mut m, "x".repeat(max));
            PackageMeta::from_json(&m.to_json()).unwrap();
            let mut m = meta();
            change(&mut m, "x".repeat(max + 1));
            let e = PackageMeta::from_json(&m.to_json())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(field) && e.contains(&format!("the limit is {max}")),
                "{e}"
            );
        }
        let mut m = meta();
        m.rules[0].title = "x".repeat(MAX_TITLE_BYTES + 1);
        let e = PackageMeta::from_json(&m.to_json())
            .unwrap_err()
            .to_string();
        assert!(e.contains("title of 1-150"), "{e}");
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
