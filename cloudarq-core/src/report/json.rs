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
        assert_eq!(v["version"], 1);
        assert!(text.ends_with("}\n"));
    }
}
