//! Evaluation results, the boundary types every report and the store read:
//! a [`Finding`] per (rule, resource) pair, [`FrameworkScore`]s, and the
//! [`ScanResult`] that holds them with the snapshot's identity.

use serde::{Deserialize, Serialize};

use crate::common::{Service, Timestamp};
use crate::ids::{AccountId, Arn, Region};
use crate::inventory::ResourceType;
use crate::rule::{Severity, Status};
use crate::snapshot::CoverageGap;

/// The result format version this build writes and reads.
pub const RESULT_FORMAT_VERSION: u32 = 1;

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
}
