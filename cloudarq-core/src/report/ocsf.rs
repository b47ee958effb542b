//! OCSF Compliance Finding records (class `2003`, category `2` Findings,
//! schema [`OCSF_VERSION`]) for SIEMs and data lakes: one JSON array, one
//! record per finding, with the `cloud` profile applied.
//!
//! Mapping from CloudArq to OCSF:
//!
//! | CloudArq | OCSF |
//! | --- | --- |
//! | every finding | `activity_id` 1 (Create), `type_uid` 200301 |
//! | PASS / FAIL | `compliance.status_id` 1 Pass / 3 Fail, `status_id` 1 New |
//! | MUTED | `compliance.status_id` 3 Fail, `status_id` 3 Suppressed, the reason in `status_detail` |
//! | ERROR | `compliance.status_id` 2 Warning (no result), `status_id` 1 New |
//! | severity informational…critical | `severity_id` 1…5 |
//! | collection time | `time` (ms since the epoch) |
//! | rule id | `compliance.control`, `metadata.event_code` |
//! | control refs | `compliance.standards` (framework ids), `compliance.requirements` (`framework control`) |
//! | resource | `resources[0]` with the ARN as `uid` and the evidence as `data` |
//!
//! `finding_info.uid` is stable across scans of the same account: a hash of
//! account, rule id and ARN, so a SIEM can track one finding over time.

use std::io::Write;

use cloudarq_model::finding::ScanResult;
use cloudarq_model::rule::{Severity, Status};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{OutputFormat, ReportError, RuleIndex};
use crate::engine::{EvidenceRef, FindingRef, ResultRef, Text};

/// The OCSF schema version the records follow.
pub const OCSF_VERSION: &str = "1.3.0";
/// `class_uid` of Compliance Finding.
pub const CLASS_UID: u32 = 2003;
/// `category_uid` of the Findings category.
pub const CATEGORY_UID: u32 = 2;
const ACTIVITY_CREATE: u32 = 1;

/// The top-level attributes OCSF 1.3 requires on a Compliance Finding with
/// the `cloud` profile (base event, Finding and Compliance Finding levels).
pub const REQUIRED_ATTRIBUTES: &[&str] = &[
    "activity_id",
    "category_uid",
    "class_uid",
    "cloud",
    "compliance",
    "finding_info",
    "metadata",
    "severity_id",
    "time",
    "type_uid",
];

/// One Compliance Finding record.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    activity_id: u32,
    activity_name: &'static str,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    severity_id: u32,
    severity: &'static str,
    status_id: u32,
    status: &'static str,
    status_code: &'static str,
    status_detail: String,
    message: Text<'a>,
    time: i64,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    cloud: Cloud<'a>,
    resources: [Resource<'a>; 1],
    compliance: Compliance<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<Remediation<'a>>,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    unmapped: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct Metadata<'a> {
    version: &'static str,
    product: Product,
    profiles: [&'static str; 1],
    event_code: &'a str,
}

#[derive(Debug, Serialize)]
struct Product {
    name: &'static str,
    vendor_name: &'static str,
    uid: &'static str,
    version: &'static str,
}

#[derive(Debug, Serialize)]
struct FindingInfo<'a> {
    uid: String,
    title: &'a str,
    desc: &'a str,
    types: [&'static str; 1],
    created_time: i64,
}

#[derive(Debug, Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    account: Account<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Account<'a> {
    uid: &'a str,
    type_id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Debug, Serialize)]
struct Resource<'a> {
    uid: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    cloud_partition: &'a str,
    #[serde(skip_serializing_if = "EvidenceRef::is_null")]
    data: EvidenceRef<'a>,
}

#[derive(Debug, Serialize)]
struct Compliance<'a> {
    control: &'a str,
    standards: Vec<&'a str>,
    requirements: Vec<String>,
    status_id: u32,
    status: &'static str,
    status_code: &'static str,
    status_detail: Text<'a>,
}

#[derive(Debug, Serialize)]
struct Remediation<'a> {
    desc: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<&'a str>,
}

/// OCSF `severity_id` of a severity.
pub fn severity_id(s: Severity) -> (u32, &'static str) {
    match s {
        Severity::Informational => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `compliance.status_id` of a status.
pub fn compliance_status_id(s: Status) -> (u32, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Error => (2, "Warning"),
        Status::Fail | Status::Muted => (3, "Fail"),
    }
}

/// OCSF finding `status_id` (the triage state) of a status.
pub fn finding_status_id(s: Status) -> (u32, &'static str) {
    match s {
        Status::Muted => (3, "Suppressed"),
        Status::Pass | Status::Fail | Status::Error => (1, "New"),
    }
}

/// The stable `finding_info.uid` of a finding.
pub fn finding_uid<'a>(account: &str, f: impl Into<FindingRef<'a>>) -> String {
    let f = f.into();
    let mut h = Sha256::new();
    for part in [account, f.rule_id, f.resource_arn.as_str()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let mut uid = String::with_capacity(9 + 32);
    uid.push_str("cloudarq-");
    for b in &digest[..16] {
        uid.push(char::from(HEX[usize::from(b >> 4)]));
        uid.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    uid
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The OCSF records of `result`, in result order.
pub fn records<'a>(result: impl Into<ResultRef<'a>>, rules: &'a RuleIndex) -> Vec<Record<'a>> {
    record_iter(result.into(), rules).collect()
}

/// The OCSF records of `result`, in result order, each built when it is
/// asked for: [`write`] streams them, so a large result is never held twice.
fn record_iter<'a>(
    results: ResultRef<'a>,
    rules: &'a RuleIndex,
) -> impl Iterator<Item = Record<'a>> + 'a {
    let result = results.head();
    let time = unix_millis(result);
    results.findings().map(move |f| {
        let meta = rules.lookup(result, f.rule_id);
        let (severity_id, severity) = severity_id(f.severity);
        let (status_id, status) = finding_status_id(f.status);
        let (c_status_id, c_status) = compliance_status_id(f.status);
        let mut standards: Vec<&str> = f.controls.iter().map(|c| c.framework.as_str()).collect();
        standards.sort_unstable();
        standards.dedup();
        if standards.is_empty() {
            standards.push("CloudArq");
        }
        let mut status_detail = f.message.to_string();
        if let Some(reason) = f.muted_reason {
            status_detail.push_str(" (muted: ");
            status_detail.push_str(reason);
            status_detail.push(')');
        }
        let mut unmapped = serde_json::Map::new();
        if let Some(reason) = f.severity_reason {
            unmapped.insert("severity_reason".to_owned(), reason.into());
        }
        if let Some(reason) = f.muted_reason {
            unmapped.insert("muted_reason".to_owned(), reason.into());
        }
        let region = f.region.map(|r| r.as_str());
        let uid = finding_uid(result.account_id.as_str(), f.clone());
        Record {
            activity_id: ACTIVITY_CREATE,
            activity_name: "Create",
            category_uid: CATEGORY_UID,
            category_name: "Findings",
            class_uid: CLASS_UID,
            class_name: "Compliance Finding",
            type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
            type_name: "Compliance Finding: Create",
            severity_id,
            severity,
            status_id,
            status,
            status_code: f.status.as_str(),
            status_detail,
            message: f.message.clone(),
            time,
            metadata: Metadata {
                version: OCSF_VERSION,
                product: Product {
                    name: "CloudArq",
                    vendor_name: "CloudArq",
                    uid: "cloudarq",
                    version: env!("CARGO_PKG_VERSION"),
                },
                profiles: ["cloud"],
                event_code: f.rule_id,
            },
            finding_info: FindingInfo {
                uid,
                title: f.title,
                desc: meta.map_or(f.title, |m| m.rationale.as_str()),
                types: ["Software and Configuration Checks"],
                created_time: time,
            },
            cloud: Cloud {
                provider: "AWS",
                account: Account {
                    uid: result.account_id.as_str(),
                    type_id: 10,
                    kind: "AWS Account",
                },
                region,
            },
            resources: [Resource {
                uid: f.resource_arn.as_str(),
                name: f.resource_name,
                kind: f.resource_type.as_str(),
                region,
                cloud_partition: f.resource_arn.partition(),
                data: f.evidence,
            }],
            compliance: Compliance {
                control: f.rule_id,
                standards,
                requirements: f
                    .controls
                    .iter()
                    .map(|c| format!("{} {}", c.framework, c.control))
                    .collect(),
                status_id: c_status_id,
                status: c_status,
                status_code: f.status.as_str(),
                status_detail: f.message.clone(),
            },
            remediation: meta.map(|m| Remediation {
                desc: remediation_text(&m.remediation.cli, &m.remediation.console),
                references: [m.remediation.url.as_str()]
                    .into_iter()
                    .filter(|u| !u.is_empty())
                    .collect(),
            }),
            unmapped,
        }
    })
}

/// The record array, serialized element by element from [`record_iter`].
struct Stream<'a> {
    result: ResultRef<'a>,
    rules: &'a RuleIndex,
}

impl serde::Serialize for Stream<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(record_iter(self.result, self.rules))
    }
}

fn remediation_text(cli: &str, console: &str) -> String {
    match (cli.is_empty(), console.is_empty()) {
        (false, false) => format!("CLI: {cli}\nConsole: {console}"),
        (false, true) => format!("CLI: {cli}"),
        (true, false) => format!("Console: {console}"),
        (true, true) => String::new(),
    }
}

fn unix_millis(result: &ScanResult) -> i64 {
    let nanos = result.collected_at.get().unix_timestamp_nanos();
    // Timestamps are RFC 3339 years 0..=9999, far inside i64 milliseconds.
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// Writes the records of `result` as one pretty-printed JSON array, one
/// record at a time (the same bytes as serializing [`records`]).
pub fn write<'a>(
    result: impl Into<ResultRef<'a>>,
    rules: &RuleIndex,
    out: &mut impl Write,
) -> Result<(), ReportError> {
    let result = result.into();
    let io_err = |source| ReportError::Write {
        format: OutputFormat::Ocsf,
        source,
    };
    let stream = Stream { result, rules };
    serde_json::to_writer_pretty(&mut *out, &stream).map_err(|source| ReportError::Json {
        format: OutputFormat::Ocsf,
        source,
    })?;
    out.write_all(b"\n").map_err(io_err)?;
    out.flush().map_err(io_err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use crate::report::fixture::{rule_metas, sample_result};

    fn sample_records() -> Vec<serde_json::Value> {
        let r = sample_result();
        let mut buf = Vec::new();
        write(&r, &RuleIndex::from_metas(rule_metas()), &mut buf).unwrap();
        serde_json::from_slice(&buf).unwrap()
    }

    #[test]
    fn issue_14_the_streamed_array_is_byte_identical_to_the_collected_records() {
        let rules = RuleIndex::from_metas(rule_metas());
        let mut r = sample_result();
        for _ in 0..2 {
            let mut streamed = Vec::new();
            write(&r, &rules, &mut streamed).unwrap();
            let mut whole = serde_json::to_vec_pretty(&records(&r, &rules)).unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap()
            );
            r.findings.clear(); // and the empty array
        }
    }

    #[test]
    fn status_mapping() {
        let recs = sample_records();
        let by_code = |code: &str| recs.iter().find(|r| r["status_code"] == code).unwrap();
        let muted = by_code("MUTED");
        assert_eq!(muted["status_id"], 3);
        assert_eq!(muted["compliance"]["status_id"], 3);
        assert!(
            muted["status_detail"]
                .as_str()
                .unwrap()
                .contains("(muted: ")
        );
        assert_eq!(by_code("ERROR")["compliance"]["status"], "Warning");
        assert_eq!(by_code("PASS")["compliance"]["status_id"], 1);
        assert_eq!(by_code("FAIL")["compliance"]["status"], "Fail");
    }

    #[test]
    fn uids_are_stable_and_distinct() {
        let recs = sample_records();
        let uids: std::collections::BTreeSet<&str> = recs
            .iter()
            .map(|r| r["finding_info"]["uid"].as_str().unwrap())
            .collect();
        assert_eq!(uids.len(), recs.len());
        assert_eq!(
            sample_records()[0]["finding_info"]["uid"],
            recs[0]["finding_info"]["uid"]
        );
    }

    #[test]
    fn global_resources_have_no_region_and_lowered_severity_is_kept() {
        let recs = sample_records();
        let root = recs
            .iter()
            .find(|r| r["metadata"]["event_code"] == "iam_root_mfa_enabled")
            .unwrap();
        assert!(root["cloud"].get("region").is_none());
        assert_eq!(root["severity_id"], 5);
        let low = recs
            .iter()
            .find(|r| r["unmapped"]["severity_reason"].is_string())
            .unwrap();
        assert_eq!(low["severity"], "Low");
        assert_eq!(low["cloud"]["region"], "us-east-1");
    }
}
