//! The native JSON report: the [`ScanResult`] itself, with its `format`
//! (`cloudarq.result`) and `version` fields, pretty-printed.
//!
//! This is the one report CloudArq reads back (for diffs between scans), so
//! it carries everything, PASS findings and gaps included.

use std::io::Write;

use cloudarq_model::finding::{RESULT_FORMAT, RESULT_FORMAT_VERSION, ScanResult};

use super::{OutputFormat, ReportError};

/// Writes `result` as pretty JSON followed by a newline.
///
/// The `format` and `version` fields are written as this build defines them,
/// whatever the in-memory result says, so a document always declares the
/// schema it follows.
pub fn write(result: &ScanResult, out: &mut impl Write) -> Result<(), ReportError> {
    let json_err = |source| ReportError::Json {
        format: OutputFormat::Json,
        source,
    };
    let io_err = |source| ReportError::Write {
        format: OutputFormat::Json,
        source,
    };
    let mut value = serde_json::to_value(result).map_err(json_err)?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("format".to_owned(), RESULT_FORMAT.into());
        obj.insert("version".to_owned(), RESULT_FORMAT_VERSION.into());
    }
    serde_json::to_writer_pretty(&mut *out, &value).map_err(json_err)?;
    out.write_all(b"\n").map_err(io_err)?;
    out.flush().map_err(io_err)
}

/// [`write`] into a string.
pub fn to_string(result: &ScanResult) -> Result<String, ReportError> {
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
