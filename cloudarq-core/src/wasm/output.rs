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
//! - **evidence**: empty or JSON, checked as strictly as parsing it into a
//!   `serde_json::Value` would, and kept rewritten compactly
//!   ([`compact_json`]).
//!
//! Guest text quoted in a refusal is cut to 200 characters ([`short`]).
//! What passes is still untrusted text: every output escapes it
//! (`cloudarq_model::text`).

use std::collections::HashMap;

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
    /// Its evidence as compact JSON (empty for none or `null`).
    pub(super) evidence: String,
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
    // Whether each (rule, resource) pair has had its finding.
    let mut seen = vec![false; meta.rules.len().saturating_mul(batch.wit.len())];
    let mut out = Vec::with_capacity(findings.len());
    // A guest usually answers resource by resource: the previous finding's
    // resource, or the next one, is tried before the index.
    let mut last = 0;
    for f in findings {
        let Some(rule) = meta.rules.iter().position(|r| r.id == f.rule_id) else {
            return Err(Failure::MalformedOutput(format!(
                "unknown rule id {:?}",
                short(&f.rule_id)
            )));
        };
        let arn = f.resource_arn.as_str();
        let near = [last, last + 1]
            .into_iter()
            .find(|&i| batch.wit.get(i).is_some_and(|r| r.arn == arn));
        let Some(resource) = near.or_else(|| index.get(arn).copied()) else {
            return Err(Failure::ForeignResource {
                arn: short(&f.resource_arn),
            });
        };
        last = resource;
        let info = &meta.rules[rule];
        let kind = batch.resources[resource].1.resource_type();
        if !info.resource_types.contains(&kind) {
            return Err(Failure::MalformedOutput(format!(
                "rule {} does not declare {kind} but returned a finding for {}",
                info.id, f.resource_arn
            )));
        }
        let pair = seen.get_mut(rule * batch.wit.len() + resource);
        if pair.as_deref() != Some(&false) {
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
        if let Some(p) = pair {
            *p = true;
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
            String::new()
        } else {
            compact_json(&f.evidence).map_err(|e| {
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

/// `text`, one JSON value, rewritten compactly (no whitespace; `null`
/// gives the empty string, the form of no evidence), refused where parsing
/// it into a `serde_json::Value` would refuse it (a lone surrogate escape,
/// a number out of range, nesting past serde_json's depth limit, trailing
/// text), and written as that value would write itself: the evidence a
/// native rule would have given. Unlike a `Value` it builds nothing per
/// node, and keeps objects' keys in the order the guest wrote them (the
/// SDK writes a `Value`, whose order that is).
pub(super) fn compact_json(text: &str) -> Result<String, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut out = Vec::with_capacity(text.len());
    let mut de = serde_json::Deserializer::from_str(text);
    Compact(&mut out).deserialize(&mut de)?;
    de.end()?;
    if out == b"null" {
        out.clear();
    }
    // Only whole UTF-8 strings and ASCII were written.
    String::from_utf8(out).map_err(|e| serde::de::Error::custom(e.to_string()))
}

/// Writes the JSON value it is given compactly into its buffer.
struct Compact<'o>(&'o mut Vec<u8>);

impl Compact<'_> {
    /// Writes a scalar as serde_json writes it.
    fn scalar<T: serde::Serialize + ?Sized, E: serde::de::Error>(self, v: &T) -> Result<(), E> {
        serde_json::to_writer(&mut *self.0, v).map_err(E::custom)
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Compact<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Compact<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(&v)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(&v)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(&v)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.scalar(&v)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.scalar(v)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        items(self.0, (b'[', b']'), |out| {
            Ok(seq.next_element_seed(Compact(out))?.is_some())
        })
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        items(self.0, (b'{', b'}'), |out| {
            if map.next_key_seed(Compact(&mut *out))?.is_none() {
                return Ok(false);
            }
            out.push(b':');
            map.next_value_seed(Compact(out))?;
            Ok(true)
        })
    }
}

/// Writes `open`, the items `next` writes one per call (`Ok(false)`: none
/// was left), a comma between two, and `close`.
fn items<E>(
    out: &mut Vec<u8>,
    (open, close): (u8, u8),
    mut next: impl FnMut(&mut Vec<u8>) -> Result<bool, E>,
) -> Result<(), E> {
    out.push(open);
    let mut first = true;
    loop {
        let at = out.len();
        if !first {
            out.push(b',');
        }
        if !next(out)? {
            out.truncate(at);
            break;
        }
        first = false;
    }
    out.push(close);
    Ok(())
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

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::compact_json;

    /// What evidence became before `compact_json`: parsed into a `Value`,
    /// written back (nothing for `null`).
    fn through_value(text: &str) -> Result<String, serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(text)?;
        Ok(if v.is_null() {
            String::new()
        } else {
            v.to_string()
        })
    }

    #[test]
    fn issue_14_evidence_is_written_as_its_value_would_write_itself() {
        let cases = [
            "null",
            " null ",
            "true",
            "0",
            "-0",
            "-12",
            "18446744073709551615",
            "18446744073709551616",
            "1.5",
            "1E2",
            "-2.5e-3",
            "123456789.123456789",
            r#""""#,
            r#""a\u0041\u00e9\n\t\"\\\/\ud83d\ude00 é""#,
            "[]",
            "{}",
            r#" [ 1 , [ ] , { } , null , "x" ] "#,
            r#"{ "a" : { "b" : [ 1, 2.0, { "c": null } ] }, "d": "<script>" }"#,
            r#""\u0000\u001f\u007f""#,
        ];
        for text in cases {
            assert_eq!(
                compact_json(text).unwrap(),
                through_value(text).unwrap(),
                "{text}"
            );
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(compact_json(&deep).unwrap(), deep);
        // Keys keep the guest's order (the SDK's `Value` writes them
        // sorted, as a native rule's evidence is).
        assert_eq!(
            compact_json(r#"{ "b": 1, "a": [true] }"#).unwrap(),
            r#"{"b":1,"a":[true]}"#
        );
    }

    #[test]
    fn issue_14_evidence_a_value_would_refuse_is_refused() {
        let too_deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let cases = [
            "",
            " ",
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            "1e999",
            "-1e999",
            "\"a\u{1}b\"",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a":1}x"#,
            r#"{"a" 1}"#,
            "{1:2}",
            "01",
            "NaN",
            "'a'",
            "[1] [2]",
            &too_deep,
        ];
        for text in cases {
            assert!(through_value(text).is_err(), "a Value takes {text:.40}");
            assert!(compact_json(text).is_err(), "{text:.40}");
        }
    }
}
