//! The rule API (C3): a [`Rule`] carries its [`RuleMeta`] beside its logic
//! and turns one resource of a snapshot into one [`Outcome`].
//!
//! Rules are pure: inventory in, outcome out. No I/O, no clock (use
//! [`Snapshot::collected_at`](crate::Snapshot)), no AWS client. The same API
//! serves built-in rules and WebAssembly guests.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::common::Service;
use crate::error::ModelError;
use crate::inventory::{Resource, ResourceType};
use crate::snapshot::Snapshot;

/// How bad a failed check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, no direct risk.
    Informational,
    /// Low risk.
    Low,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
    /// Critical risk: fix now.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Informational,
    ];
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "informational",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ModelError::UnknownSeverity(s.to_owned()))
    }
}

/// The result of one (rule, resource) pair in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The resource is in the secure state.
    Pass,
    /// The resource is not in the secure state.
    Fail,
    /// The rule could not decide: it crashed or returned garbage.
    Error,
    /// A FAIL suppressed by the mutelist; still reported.
    Muted,
}

impl Status {
    /// Uppercase name, as serialized (`PASS`, `FAIL`, `ERROR`, `MUTED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Error => "ERROR",
            Self::Muted => "MUTED",
        }
    }
}

/// How to fix a failing resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Remediation {
    /// AWS CLI command(s).
    pub cli: &'static str,
    /// Console steps.
    pub console: &'static str,
    /// Reference documentation URL.
    pub url: &'static str,
}

/// A compliance control a rule helps satisfy, for example CIS 3.0 `1.5`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ControlRef {
    /// Framework id, as in `cloudarq-rules/frameworks/<id>.toml`.
    pub framework: &'static str,
    /// Control id within the framework (a string: `1.10` is not `1.1`).
    pub control: &'static str,
}

/// Metadata that sits beside a rule's logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RuleMeta {
    /// Stable id, `<service>_<resource>_<secure_state>`; the rule's file name.
    pub id: &'static str,
    /// The secure state, at most 150 characters, without "Ensure".
    pub title: &'static str,
    /// Default severity of a FAIL.
    pub severity: Severity,
    /// The service it checks.
    pub service: Service,
    /// The resource types it evaluates (usually one).
    pub resource_types: &'static [ResourceType],
    /// Why the secure state matters.
    pub rationale: &'static str,
    /// How to get there.
    pub remediation: Remediation,
    /// Compliance controls.
    pub controls: &'static [ControlRef],
}

/// A change of severity for one resource, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityAdjustment {
    /// The severity for this resource.
    pub severity: Severity,
    /// Why it differs from the rule's default.
    pub reason: String,
}

/// What a rule concluded about one resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Secure; the message says what was found.
    Pass(String),
    /// Insecure; the message says what was found.
    Fail(String),
    /// The data the rule needs was not collected: no PASS or FAIL, a gap note.
    NotCollected {
        /// The field that was not collected.
        field: String,
    },
    /// The rule does not apply to this resource (no finding at all).
    NotApplicable,
}

/// A rule's answer for one resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// Evidence: the values the verdict rests on.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub evidence: serde_json::Value,
    /// A severity other than the rule's default, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityAdjustment>,
}

impl Outcome {
    /// A PASS.
    pub fn pass(message: impl Into<String>) -> Self {
        Self::of(Verdict::Pass(message.into()))
    }
    /// A FAIL.
    pub fn fail(message: impl Into<String>) -> Self {
        Self::of(Verdict::Fail(message.into()))
    }
    /// PASS when `ok`, else FAIL, with the matching message.
    pub fn check(ok: bool, pass: impl Into<String>, fail: impl Into<String>) -> Self {
        if ok {
            Self::pass(pass)
        } else {
            Self::fail(fail)
        }
    }
    /// Not collected: `field` names what is missing.
    pub fn not_collected(field: impl Into<String>) -> Self {
        Self::of(Verdict::NotCollected {
            field: field.into(),
        })
    }
    /// Not applicable.
    pub fn not_applicable() -> Self {
        Self::of(Verdict::NotApplicable)
    }
    fn of(verdict: Verdict) -> Self {
        Self {
            verdict,
            evidence: serde_json::Value::Null,
            severity: None,
        }
    }
    /// Attaches evidence.
    pub fn with_evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }
    /// Overrides the severity for this resource, with the reason.
    pub fn with_severity(mut self, severity: Severity, reason: impl Into<String>) -> Self {
        self.severity = Some(SeverityAdjustment {
            severity,
            reason: reason.into(),
        });
        self
    }
}

/// Why a rule could not evaluate a resource; becomes an ERROR finding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

/// A security rule.
///
/// ```
/// use cloudarq_model::rule::*;
/// use cloudarq_model::{Resource, Snapshot, Properties, ResourceType, Service};
///
/// struct S3BucketVersioningEnabled;
/// static META: RuleMeta = RuleMeta {
///     id: "s3_bucket_object_versioning",
///     title: "S3 bucket has object versioning enabled",
///     severity: Severity::Medium,
///     service: Service::S3,
///     resource_types: &[ResourceType::S3Bucket],
///     rationale: "Versioning keeps prior object versions after overwrite or delete.",
///     remediation: Remediation { cli: "aws s3api put-bucket-versioning …", console: "…", url: "" },
///     controls: &[ControlRef { framework: "aws_fsbp", control: "S3.14" }],
/// };
/// impl Rule for S3BucketVersioningEnabled {
///     fn meta(&self) -> &'static RuleMeta { &META }
///     fn evaluate(&self, r: &Resource, _: &Snapshot) -> Result<Outcome, RuleError> {
///         let Properties::S3Bucket(b) = &r.properties else { return Ok(Outcome::not_applicable()) };
///         let Some(v) = b.versioning.value() else { return Ok(Outcome::not_collected("versioning")) };
///         let on = v.status.as_deref() == Some("Enabled");
///         Ok(Outcome::check(on, "versioning is enabled", "versioning is not enabled"))
///     }
/// }
/// ```
pub trait Rule: Send + Sync {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// Evaluates one resource of a type in `meta().resource_types`; `snapshot` gives
    /// context (other resources, the collection time).
    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError>;
}
