//! The CSV report: one row per finding under the fixed [`HEADER`], quoted
//! by the `csv` crate (RFC 4180), so commas and quotes in messages survive a
//! spreadsheet or `pandas.read_csv`.
//!
//! Multi-valued cells (controls) are joined with `;`. Every cell, in every
//! column and with no exception (a negative number included), goes through
//! [`csv_cell`]: a value that begins with `=`, `+`, `-`, `@`, TAB or CR gets
//! a leading `'`, so a spreadsheet shows it as text instead of evaluating a
//! formula (OWASP "CSV Injection"), and control characters, newlines
//! included, and bidirectional overrides are written as visible escapes
//! (`\n`, `\x1b`, `\u{202e}`), so each finding is one line. The JSON report
//! holds the exact values.

use std::io::Write;

use crate::engine::ResultRef;
use cloudarq_model::text::csv_cell;

use super::{ReportError, RuleIndex};

/// The column names, in order. Adding a column is a format change: append
/// it at the end.
pub const HEADER: [&str; 17] = [
    "account_id",
    "collected_at",
    "status",
    "severity",
    "rule_id",
    "title",
    "service",
    "region",
    "resource_type",
    "resource_arn",
    "resource_name",
    "message",
    "controls",
    "severity_reason",
    "muted_reason",
    "remediation_cli",
    "remediation_url",
];

/// Writes the header and one row per finding, in result order.
pub fn write<'a>(
    result: impl Into<ResultRef<'a>>,
    rules: &RuleIndex,
    out: &mut impl Write,
) -> Result<(), ReportError> {
    let mut w = ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(out);
    w.write_record(HEADER)?;
    let results = result.into();
    let result = results.head();
    let account = result.account_id.as_str();
    let collected = result.collected_at.to_string();
    for f in results.findings() {
        let meta = rules.lookup(result, f.rule_id);
        let controls = f
            .controls
            .iter()
            .map(|c| format!("{}:{}", c.framework, c.control))
            .collect::<Vec<_>>()
            .join(";");
        let cells = [
            account,
            &collected,
            f.status.as_str(),
            f.severity.as_str(),
            f.rule_id,
            f.title,
            f.service.as_str(),
            f.region.as_ref().map_or("", |r| r.as_str()),
            f.resource_type.as_str(),
            f.resource_arn.as_str(),
            f.resource_name,
            &f.message,
            &controls,
            f.severity_reason.unwrap_or(""),
            f.muted_reason.unwrap_or(""),
            meta.map_or("", |m| m.remediation.cli.as_str()),
            meta.map_or("", |m| m.remediation.url.as_str()),
        ];
        w.write_record(cells.map(csv_cell).iter().map(|c| c.as_bytes()))?;
    }
    w.flush().map_err(::csv::Error::from)?;
    Ok(())
}

/// [`write`] into a string.
pub fn to_string<'a>(
    result: impl Into<ResultRef<'a>>,
    rules: &RuleIndex,
) -> Result<String, ReportError> {
    let mut buf = Vec::new();
    write(result, rules, &mut buf)?;
    // Every cell is a Rust string, so the output is UTF-8.
    String::from_utf8(buf).map_err(|e| {
        ReportError::Csv(::csv::Error::from(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            e,
        )))
    })
}
