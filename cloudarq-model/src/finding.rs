//! Evaluation results, the boundary types every report and the store read:
//! a [`Finding`] per (rule, resource) pair, [`FrameworkScore`]s, and the
//! [`ScanResult`] that holds them with the snapshot's identity.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::common::{Service, Timestamp};
use crate::error::ModelError;
use crate::ids::{AccountId, Arn, Region};
use crate::inventory::ResourceType;
use crate::package::RuleInfo;
use crate::rule::{Severity, Status};
use crate::snapshot::CoverageGap;

/// The result format version this build writes.
///
/// Version 2 added [`ScanResult::rules`], the catalogue of the rules a scan
/// ran; [`ScanResult::from_json`] still reads version 1 (with an empty
/// catalogue).
pub const RESULT_FORMAT_VERSION: u32 = 2;

/// The oldest result format version this build reads.
pub const RESULT_FORMAT_OLDEST_VERSION: u32 = 1;

/// The `format` marker of every result document.
pub const RESULT_FORMAT: &str = "cloudarq.result";

/// A compliance control reference as data: `{framework, control}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ControlId {
    /// Framework id, for example `cis_aws_3.0`.
    pub framework: String,
    /// Control id, for example `1.10`.
    pub control: String,
}

impl From<&crate::rule::ControlRef> for ControlId {
    fn from(c: &crate::rule::ControlRef) -> Self {
        Self {
            framework: c.framework.to_owned(),
            control: c.control.to_owned(),
        }
    }
}

/// One (rule, resource) result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id.
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// The service.
    pub service: Service,
    /// The resource's ARN.
    pub resource_arn: Arn,
    /// The resource's type.
    pub resource_type: ResourceType,
    /// The resource's display name.
    pub resource_name: String,
    /// The resource's region (`None` for global resources).
    pub region: Option<Region>,
    /// PASS, FAIL, ERROR or MUTED.
    pub status: Status,
    /// Severity for this resource.
    pub severity: Severity,
    /// Why the severity differs from the rule's default, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_reason: Option<String>,
    /// What was found.
    pub message: String,
    /// The values the verdict rests on.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub evidence: serde_json::Value,
    /// Compliance controls of the rule.
    pub controls: Vec<ControlId>,
    /// For MUTED: the mutelist reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_reason: Option<String>,
}

/// A (rule, resource) pair the engine skipped because a field was not collected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationGap {
    /// Rule id.
    pub rule_id: String,
    /// The resource.
    pub resource_arn: Arn,
    /// The field that was not collected.
    pub field: String,
}

/// Puts findings and evaluation gaps in result order: by rule id, then
/// resource ARN. The sort is stable, so each rule's own order of findings
/// for one resource is kept; native, WebAssembly and merged results all use
/// it, so the same inputs always give the same bytes.
pub fn sort_in_result_order(findings: &mut [Finding], gaps: &mut [EvaluationGap]) {
    findings.sort_by(|a, b| (&a.rule_id, &a.resource_arn).cmp(&(&b.rule_id, &b.resource_arn)));
    gaps.sort_by(|a, b| (&a.rule_id, &a.resource_arn).cmp(&(&b.rule_id, &b.resource_arn)));
}

/// A compliance score for a framework or one of its sections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    /// Section name (or the framework's title for the total).
    pub section: String,
    /// Controls whose every finding passed (muted counts as passed).
    pub passed: u32,
    /// Controls with at least one FAIL or ERROR.
    pub failed: u32,
    /// Controls with no automated rule, or no resource to check.
    pub manual: u32,
    /// `passed / (passed + failed)` in percent, `None` when nothing was assessed.
    pub score: Option<f64>,
}

/// A compliance score per framework and per section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameworkScore {
    /// Framework id, for example `cis_aws_3.0`.
    pub framework: String,
    /// Framework title.
    pub title: String,
    /// The whole framework.
    pub total: SectionScore,
    /// One entry per section, in framework order.
    pub sections: Vec<SectionScore>,
}

/// Everything one evaluation of one snapshot produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// Always [`RESULT_FORMAT`].
    pub format: String,
    /// Always [`RESULT_FORMAT_VERSION`] for results this build writes.
    pub version: u32,
    /// The account.
    pub account_id: AccountId,
    /// When the snapshot was collected.
    pub collected_at: Timestamp,
    /// Regions collected.
    pub regions: Vec<Region>,
    /// Rules evaluated.
    pub rules_evaluated: u32,
    /// Resources in the snapshot.
    pub resources: u32,
    /// All findings, PASS included, sorted by (rule id, ARN).
    pub findings: Vec<Finding>,
    /// Pairs skipped for data that was not collected.
    pub evaluation_gaps: Vec<EvaluationGap>,
    /// The snapshot's coverage gaps.
    pub coverage_gaps: Vec<CoverageGap>,
    /// Compliance scores of the selected frameworks.
    pub scores: Vec<FrameworkScore>,
    /// The catalogue of the rules this scan ran (built-in and WebAssembly),
    /// ordered by id: title, severity, rationale, remediation and controls,
    /// so a report rendered later (from the store, or for a WebAssembly
    /// rule) shows the same remediation as one rendered at scan time.
    /// Empty for results of format version 1.
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
}

impl ScanResult {
    /// Parses a result document (format version 1 or 2); `source_name`
    /// names it in errors.
    ///
    /// ```
    /// use cloudarq_model::finding::ScanResult;
    /// let v1 = r#"{"format": "cloudarq.result", "version": 1, "account_id": "123456789012",
    ///   "collected_at": "2026-01-01T00:00:00Z", "regions": [], "rules_evaluated": 0,
    ///   "resources": 0, "findings": [], "evaluation_gaps": [], "coverage_gaps": [], "scores": []}"#;
    /// let r = ScanResult::from_json(v1, "old.json")?;
    /// assert!(r.rules.is_empty());
    /// let v9 = v1.replace("\"version\": 1", "\"version\": 9");
    /// assert!(ScanResult::from_json(&v9, "new.json").unwrap_err().to_string().contains("version 9"));
    /// # Ok::<(), cloudarq_model::ModelError>(())
    /// ```
    pub fn from_json(json: &str, source_name: &str) -> Result<Self, ModelError> {
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<u64>,
        }
        let fmt_err = |detail: String| ModelError::ResultFormat {
            source_name: source_name.to_owned(),
            detail,
        };
        let header: Header = serde_json::from_str(json).map_err(|e| fmt_err(e.to_string()))?;
        if header.format.as_deref() != Some(RESULT_FORMAT) {
            return Err(fmt_err(format!(
                "missing or wrong \"format\" marker (expected {RESULT_FORMAT:?})"
            )));
        }
        match header.version {
            Some(v)
                if (u64::from(RESULT_FORMAT_OLDEST_VERSION)..=u64::from(RESULT_FORMAT_VERSION))
                    .contains(&v) => {}
            Some(found) => {
                return Err(fmt_err(format!(
                    "format version {found}, this build reads versions {RESULT_FORMAT_OLDEST_VERSION} to {RESULT_FORMAT_VERSION}"
                )));
            }
            None => return Err(fmt_err("missing \"version\"".to_owned())),
        }
        let mut result: Self = serde_json::from_str(json).map_err(|e| fmt_err(e.to_string()))?;
        if header.version == Some(1) && !result.rules.is_empty() {
            return Err(fmt_err(
                "a version 1 result has no rule catalogue (\"rules\")".to_owned(),
            ));
        }
        result.version = RESULT_FORMAT_VERSION;
        Ok(result)
    }

    /// The catalogue entry of rule `id`, if this result carries one.
    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// A scan result read in parts: its small fields at once, its findings and
/// evaluation gaps one at a time. [`ScanResult`] is one; the engine's lean
/// in-memory form (cloudarq-core's `Evaluation`, which holds each rule's and
/// resource's fields once) is another, so a large result can be stored
/// without first being turned into a [`ScanResult`] whole.
///
/// ```
/// use cloudarq_model::finding::{ResultSource, ScanResult};
/// let r = ScanResult::from_json(r#"{"format": "cloudarq.result", "version": 2,
///   "account_id": "123456789012", "collected_at": "2026-01-01T00:00:00Z",
///   "regions": [], "rules_evaluated": 0, "resources": 0, "findings": [],
///   "evaluation_gaps": [], "coverage_gaps": [], "scores": []}"#, "r.json")?;
/// assert_eq!(r.finding_count(), 0);
/// assert_eq!(ResultSource::findings(&r).count(), 0);
/// assert_eq!(r.head().account_id.as_str(), "123456789012");
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
pub trait ResultSource: std::fmt::Debug {
    /// Every field but the findings and evaluation gaps: read those with
    /// [`findings`](Self::findings) and
    /// [`evaluation_gaps`](Self::evaluation_gaps) (the head's own lists may
    /// be empty).
    fn head(&self) -> &ScanResult;

    /// How many findings [`findings`](Self::findings) yields.
    fn finding_count(&self) -> usize;

    /// The findings, in result order (rule id, then ARN): borrowed from a
    /// [`ScanResult`], made one at a time from a leaner form.
    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + Send + '_>;

    /// The evaluation gaps, in result order.
    fn evaluation_gaps(&self) -> Box<dyn Iterator<Item = Cow<'_, EvaluationGap>> + Send + '_>;
}

/// What one finding decided, without its details (message, evidence,
/// controls, reasons): the fields a comparison of two scans reads
/// (cloudarq-core's `engine::diff`). The store keeps every one of them in
/// the clear, so it reads a scan's verdicts without decrypting anything;
/// findings of one rule share its id and title, findings about one resource
/// its ARN, and findings in one region the region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Rule id.
    pub rule_id: Arc<str>,
    /// Rule title.
    pub title: Arc<str>,
    /// The service.
    pub service: Service,
    /// The resource.
    pub resource_arn: Arc<Arn>,
    /// The resource's region (`None` for global resources).
    pub region: Option<Arc<Region>>,
    /// PASS, FAIL, ERROR or MUTED.
    pub status: Status,
    /// Severity for this resource.
    pub severity: Severity,
}

/// The verdicts of one stored scan, in result order, with its account and
/// its gaps: either side of a comparison, at a fraction of the memory of
/// its [`ScanResult`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdicts {
    /// The account scanned.
    pub account_id: AccountId,
    /// One per finding, in result order (rule id, then ARN).
    pub verdicts: Vec<Verdict>,
    /// Pairs skipped for data that was not collected, in result order.
    pub evaluation_gaps: Vec<VerdictGap>,
    /// The snapshot's coverage gaps.
    pub coverage_gaps: Vec<CoverageGap>,
}

/// A stored scan's evaluation gap as a comparison reads it: the gaps of one
/// rule share its id, gaps naming one field the field, and a resource's
/// gaps and verdicts its ARN (a large estate has several gaps per resource:
/// the synthetic 100,000-resource one 479,037).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerdictGap {
    /// Rule id.
    pub rule_id: Arc<str>,
    /// The resource the rule was not evaluated on.
    pub resource_arn: Arc<Arn>,
    /// The field that was not collected.
    pub field: Arc<str>,
}

impl From<&EvaluationGap> for VerdictGap {
    /// The gap with its own copy of each value (the store shares them).
    fn from(g: &EvaluationGap) -> Self {
        Self {
            rule_id: g.rule_id.as_str().into(),
            resource_arn: Arc::new(g.resource_arn.clone()),
            field: g.field.as_str().into(),
        }
    }
}

impl ResultSource for ScanResult {
    fn head(&self) -> &ScanResult {
        self
    }

    fn finding_count(&self) -> usize {
        self.findings.len()
    }

    fn findings(&self) -> Box<dyn Iterator<Item = Cow<'_, Finding>> + Send + '_> {
        Box::new(self.findings.iter().map(Cow::Borrowed))
    }

    fn evaluation_gaps(&self) -> Box<dyn Iterator<Item = Cow<'_, EvaluationGap>> + Send + '_> {
        Box::new(self.evaluation_gaps.iter().map(Cow::Borrowed))
    }
}
