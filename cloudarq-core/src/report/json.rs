//! The native JSON report: the [`ScanResult`] itself, with its `format`
//! (`cloudarq.result`) and `version` fields, pretty-printed.
//!
//! This is the one report CloudArq reads back (for diffs between scans), so
//! it carries everything, PASS findings and gaps included.

use std::io::Write;

use cloudarq_model::finding::{RESULT_FORMAT, RESULT_FORMAT_VERSION, ScanResult};

use crate::engine::ResultRef;

use super::{OutputFormat, ReportError};

/// Writes `result` as pretty JSON followed by a newline.
///
/// The `format` and `version` fields are written as this build defines them,
/// whatever the in-memory result says, so a document always declares the
/// schema it follows.
pub fn write<'a>(
    result: impl Into<ResultRef<'a>>,
    out: &mut impl Write,
) -> Result<(), ReportError> {
    let json_err = |source| ReportError::Json {
        format: OutputFormat::Json,
        source,
    };
    let io_err = |source| ReportError::Write {
        format: OutputFormat::Json,
        source,
    };
    serde_json::to_writer_pretty(&mut *out, &Stream::of(result.into()).map_err(json_err)?)
        .map_err(json_err)?;
    out.write_all(b"\n").map_err(io_err)?;
    out.flush().map_err(io_err)
}

/// The document, written one finding and one evaluation gap at a time.
///
/// The document has always been `serde_json::to_value(result)` written out:
/// every object's keys in sorted order (serde_json's map without
/// `preserve_order`). The small fields are still turned into a map that
/// way; the two lists that grow with the account are written element by
/// element, each element through `to_value` too, so the bytes are the same
/// and a large result is never held twice.
struct Stream<'a> {
    /// Every top-level field but the two lists, `format` and `version` set.
    head: serde_json::Map<String, serde_json::Value>,
    result: ResultRef<'a>,
}

/// The fields written element by element.
const STREAMED: [&str; 2] = ["findings", "evaluation_gaps"];

impl<'a> Stream<'a> {
    fn of(results: ResultRef<'a>) -> Result<Self, serde_json::Error> {
        let result = results.head();
        let shell = ScanResult {
            format: RESULT_FORMAT.to_owned(),
            version: RESULT_FORMAT_VERSION,
            account_id: result.account_id.clone(),
            collected_at: result.collected_at,
            regions: result.regions.clone(),
            rules_evaluated: result.rules_evaluated,
            resources: result.resources,
            findings: Vec::new(),
            evaluation_gaps: Vec::new(),
            coverage_gaps: result.coverage_gaps.clone(),
            scores: result.scores.clone(),
            rules: result.rules.clone(),
        };
        let serde_json::Value::Object(head) = serde_json::to_value(&shell)? else {
            return Err(serde::ser::Error::custom(
                "a scan result is not a JSON object",
            ));
        };
        Ok(Self {
            head,
            result: results,
        })
    }
}

/// A list written one `to_value` element at a time.
struct Elements<I>(I);

impl<I> serde::Serialize for Elements<I>
where
    I: Iterator + Clone,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone().map(AsValue))
    }
}

/// One element, written as its `serde_json::Value` (keys sorted).
struct AsValue<T>(T);

impl<T: serde::Serialize> serde::Serialize for AsValue<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(&self.0).map_err(serde::ser::Error::custom)?;
        serde::Serialize::serialize(&value, s)
    }
}

impl serde::Serialize for Stream<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        // `head` is sorted; the streamed keys are merged in at their place.
        let mut keys: Vec<&str> = self.head.keys().map(String::as_str).collect();
        keys.extend(STREAMED);
        keys.sort_unstable();
        keys.dedup();
        let mut map = s.serialize_map(Some(keys.len()))?;
        for key in keys {
            match key {
                "findings" => map.serialize_entry(key, &Elements(self.result.findings()))?,
                "evaluation_gaps" => map.serialize_entry(key, &Elements(self.result.gaps()))?,
                _ => {
                    if let Some(v) = self.head.get(key) {
                        map.serialize_entry(key, v)?;
                    }
                }
            }
        }
        map.end()
    }
}

/// [`write`] into a string.
pub fn to_string<'a>(result: impl Into<ResultRef<'a>>) -> Result<String, ReportError> {
    let mut buf = Vec::new();
    write(result, &mut buf)?;
    // serde_json writes UTF-8 only.
    String::from_utf8(buf).map_err(|e| ReportError::Write {
        format: OutputFormat::Json,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use crate::report::fixture::sample_result;

    /// What `write` produced before it streamed: the whole result as one
    /// `serde_json::Value`.
    fn whole_value(r: &ScanResult) -> String {
        let mut value = serde_json::to_value(r).unwrap();
        let obj = value.as_object_mut().unwrap();
        obj.insert("format".to_owned(), RESULT_FORMAT.into());
        obj.insert("version".to_owned(), RESULT_FORMAT_VERSION.into());
        let mut text = serde_json::to_string_pretty(&value).unwrap();
        text.push('\n');
        text
    }

    #[test]
    fn issue_14_the_streamed_document_is_byte_identical_to_the_whole_value() {
        let mut r = sample_result();
        assert_eq!(to_string(&r).unwrap(), whole_value(&r));
        // An old in-memory header is still written as this build's schema.
        r.format = "something else".into();
        r.version = 1;
        assert_eq!(to_string(&r).unwrap(), whole_value(&r));
        // Empty lists, and the engine's own output with evidence and gaps.
        r.findings.clear();
        r.evaluation_gaps.clear();
        r.rules.clear();
        assert_eq!(to_string(&r).unwrap(), whole_value(&r));
        let snap = crate::engine::testing::snapshot();
        let r = crate::engine::Engine::new(crate::engine::testing::rules()).evaluate(&snap);
        assert!(!r.evaluation_gaps.is_empty() && !r.findings.is_empty());
        assert_eq!(to_string(&r).unwrap(), whole_value(&r));
    }

    #[test]
    fn issue_14_the_lean_evaluation_writes_the_same_bytes_as_the_document() {
        let r = sample_result();
        let lean = crate::engine::Evaluation::from(r.clone());
        assert_eq!(to_string(&lean).unwrap(), to_string(&r).unwrap());
        let snap = crate::engine::testing::snapshot();
        let engine = crate::engine::Engine::new(crate::engine::testing::rules());
        let (lean, doc) = (engine.run(&snap), engine.evaluate(&snap));
        assert_eq!(to_string(&lean).unwrap(), to_string(&doc).unwrap());
    }

    #[test]
    fn round_trips_and_declares_its_schema() {
        let r = sample_result();
        let text = to_string(&r).unwrap();
        let back: ScanResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["format"], "cloudarq.result");
        assert_eq!(v["version"], 2);
        assert!(text.ends_with("}\n"));
        assert_eq!(ScanResult::from_json(&text, "report.json").unwrap(), r);
    }

    #[test]
    fn issue_10_reads_version_1_and_carries_the_catalogue_in_version_2() {
        // A version 1 document (no catalogue) still loads.
        let mut v1: serde_json::Value =
            serde_json::from_str(&to_string(&sample_result()).unwrap()).unwrap();
        v1["version"] = 1.into();
        v1.as_object_mut().unwrap().remove("rules");
        let old = ScanResult::from_json(&v1.to_string(), "v1.json").unwrap();
        assert_eq!(old.findings, sample_result().findings);
        assert!(old.rules.is_empty());
        // A version 2 result from the engine carries every rule it ran.
        let snap = crate::engine::testing::snapshot();
        let r = crate::engine::Engine::new(crate::engine::testing::rules()).evaluate(&snap);
        let back = ScanResult::from_json(&to_string(&r).unwrap(), "v2.json").unwrap();
        assert_eq!(back.rules.len(), crate::engine::testing::rules().len());
        assert_eq!(back, r);
        // Unknown versions and a v1 claiming a catalogue are refused, named.
        for (version, rules) in [(3, false), (0, false), (1, true)] {
            let mut doc: serde_json::Value = serde_json::from_str(&to_string(&r).unwrap()).unwrap();
            doc["version"] = version.into();
            if !rules {
                doc.as_object_mut().unwrap().remove("rules");
            }
            let e = ScanResult::from_json(&doc.to_string(), "odd.json")
                .unwrap_err()
                .to_string();
            assert!(e.contains("odd.json"), "{e}");
        }
    }
}
