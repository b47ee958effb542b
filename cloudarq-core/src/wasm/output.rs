//! The output checks: what a guest returns is never trusted. This file is
//! the security boundary between a rule package and everything after it
//! (the engine, the reports, the store), and can be read alone.
//!
//! [`check_output`] accepts one batch's findings only when all of these
//! hold, and otherwise refuses the whole batch (the caller turns it into
//! ERROR findings for the package's rules on that batch and drops the
//! instance):
//!
//! - **size**: the findings' strings together (rule ids, ARNs, messages,
//!   evidence, severity reasons, control ids) are at most the output limit
//!   ([`Limits::output_bytes`](super::Limits::output_bytes)); wasmtime's
//!   host copy budget already bounds what the host copies before this check;
//! - **ids**: every rule id is one of the package's declared rules;
//! - **ARNs**: every resource ARN is one of the batch the guest was given,
//!   of a resource kind its rule declares;
//! - **counts**: at most one finding per (rule, resource) pair, so no more
//!   findings than rules × resources;
//! - **severity**: a PASS or FAIL that changes its rule's severity gives a
//!   non-empty reason;
//! - **controls**: every control is one the rule's metadata declares;
//! - **evidence**: empty or JSON.
//!
//! Guest text quoted in a refusal is cut to 200 characters ([`short`]).
//! What passes is still untrusted text: every output escapes it
//! (`cloudarq_model::text`).

use std::collections::{BTreeSet, HashMap};

use cloudarq_model::rule::Severity;

use super::Failure;
use super::bindings::cloudarq::rule::types as wit;
use super::evaluate::Batch;
use super::load::WasmPackage;

/// A guest finding that passed [`check_output`].
pub(super) struct Checked {
    /// The rule's index in the package's metadata.
    pub(super) rule: usize,
    /// The resource's index in the batch.
    pub(super) resource: usize,
    /// The finding as the guest returned it.
    pub(super) finding: wit::Finding,
    /// Its evidence, parsed (`Null` when empty).
    pub(super) evidence: serde_json::Value,
}

/// Checks a batch's output against the contract: size, known rule ids,
/// resources of the batch of a kind the rule declares, no duplicate pair,
/// evidence JSON, declared controls.
pub(super) fn check_output(
    pkg: &WasmPackage,
    batch: &Batch<'_>,
    findings: Vec<wit::Finding>,
    limit: usize,
) -> Result<Vec<Checked>, Failure> {
    let bytes: usize = findings.iter().map(finding_bytes).sum();
    if bytes > limit {
        return Err(Failure::OversizedOutput { bytes, limit });
    }
    let meta = &pkg.info.meta;
    let index: HashMap<&str, usize> = batch
        .wit
        .iter()
        .enumerate()
        .map(|(i, r)| (r.arn.as_str(), i))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        let Some(rule) = meta.rules.iter().position(|r| r.id == f.rule_id) else {
            return Err(Failure::MalformedOutput(format!(
                "unknown rule id {:?}",
                short(&f.rule_id)
            )));
        };
        let Some(&resource) = index.get(f.resource_arn.as_str()) else {
            return Err(Failure::ForeignResource {
                arn: short(&f.resource_arn),
            });
        };
        let info = &meta.rules[rule];
        let kind = batch.resources[resource].resource_type();
        if !info.resource_types.contains(&kind) {
            return Err(Failure::MalformedOutput(format!(
                "rule {} does not declare {kind} but returned a finding for {}",
                info.id, f.resource_arn
            )));
        }
        if !seen.insert((rule, resource)) {
            return Err(Failure::MalformedOutput(format!(
                "two findings of rule {} for {}",
                info.id, f.resource_arn
            )));
        }
        if let (wit::Verdict::Pass(_) | wit::Verdict::Fail(_), Some(s)) = (&f.verdict, f.severity)
            && severity(s) != info.severity
            && f.severity_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(Failure::MalformedOutput(format!(
                "rule {} returned severity {} (its default is {}) for {} without a severity reason",
                info.id,
                severity(s),
                info.severity,
                short(&f.resource_arn)
            )));
        }
        for c in &f.controls {
            let declared = info
                .controls
                .iter()
                .any(|d| d.framework == c.framework && d.control == c.control);
            if !declared {
                return Err(Failure::MalformedOutput(format!(
                    "rule {} returned control {}/{}, which its metadata does not declare",
                    info.id,
                    short(&c.framework),
                    short(&c.control)
                )));
            }
        }
        let evidence = if f.evidence.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&f.evidence).map_err(|e| {
                Failure::MalformedOutput(format!("rule {} evidence is not JSON: {e}", info.id))
            })?
        };
        out.push(Checked {
            rule,
            resource,
            finding: f,
            evidence,
        });
    }
    Ok(out)
}

fn finding_bytes(f: &wit::Finding) -> usize {
    let verdict = match &f.verdict {
        wit::Verdict::Pass(s)
        | wit::Verdict::Fail(s)
        | wit::Verdict::NotCollected(s)
        | wit::Verdict::Error(s) => s.len(),
        wit::Verdict::NotApplicable => 0,
    };
    f.rule_id.len()
        + f.resource_arn.len()
        + verdict
        + f.evidence.len()
        + f.severity_reason.as_ref().map_or(0, String::len)
        + f.controls
            .iter()
            .map(|c| c.framework.len() + c.control.len())
            .sum::<usize>()
}

/// At most 200 characters of guest text, for messages.
fn short(s: &str) -> String {
    let mut s = s.to_owned();
    s.truncate(s.floor_char_boundary(200));
    s
}

pub(super) fn severity(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Informational => Severity::Informational,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
}
