//! Reports (C7): one [`ScanResult`] rendered as a terminal summary, native
//! JSON, OCSF Compliance Finding JSON, CSV, and a self-contained HTML file.
//!
//! Every writer is a pure function of the result and the rule metadata
//! ([`RuleIndex`]): no clock, no environment, so the same result always gives
//! the same bytes. [`write_reports`] streams each chosen [`OutputFormat`]
//! into a temporary file in the output directory and renames them into place
//! only when all are written, so a failure leaves no half-written report
//! behind, and no report is ever held in memory whole (the JSON, OCSF and
//! CSV writers go one finding at a time; the HTML page is bounded in size).
//!
//! Text from the account or a rule package is inert in every format: HTML
//! escapes it, JSON and OCSF keep it exactly (escaped as JSON), the CSV
//! neutralizes formulas and escapes control characters ([`csv`]), and the
//! terminal summary escapes control and bidirectional characters
//! ([`terminal`]).
//!
//! **Architecture Invariant:** every value taken from the account (ARNs,
//! names, messages) is escaped before it reaches HTML, and the HTML report
//! loads nothing: its Content-Security-Policy is `default-src 'none'` and the
//! one inline script and style are allowed by their SHA-256 hashes only.
//!
//! ```
//! use cloudarq_core::report::{OutputFormat, RuleIndex, write_reports};
//! use cloudarq_model::finding::ScanResult;
//!
//! let result: ScanResult = serde_json::from_str(r#"{
//!   "format": "cloudarq.result", "version": 1, "account_id": "123456789012",
//!   "collected_at": "2026-01-01T00:00:00Z", "regions": ["eu-west-1"],
//!   "rules_evaluated": 0, "resources": 0, "findings": [],
//!   "evaluation_gaps": [], "coverage_gaps": [], "scores": []
//! }"#)?;
//! let formats: Vec<OutputFormat> = OutputFormat::parse_list("json,html")?;
//! let dir = tempfile::tempdir()?;
//! let written = write_reports(&result, &RuleIndex::empty(), &formats, dir.path())?;
//! assert_eq!(written.len(), 2);
//! assert!(written[1].to_string_lossy().ends_with(".html"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod csv;
pub mod html;
pub mod json;
pub mod ocsf;
mod stats;
pub mod terminal;

#[cfg(test)]
#[path = "../../tests/report_fixture/mod.rs"]
pub(crate) mod fixture;

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cloudarq_model::finding::ScanResult;
use cloudarq_model::package::RuleInfo;

use crate::engine::ResultRef;
use cloudarq_model::rule::{Rule, RuleMeta};

pub use stats::{FailingRule, ServiceCounts, Stats, StatusCounts};

/// Errors from rendering or writing reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// An output format name CloudArq does not know.
    #[error("unknown output format {0:?}: expected one of {valid}", valid = OutputFormat::VALID_NAMES)]
    UnknownFormat(String),
    /// The output directory does not exist.
    #[error("output directory {} does not exist", .0.display())]
    MissingOutputDir(PathBuf),
    /// The output path exists but is not a directory.
    #[error("output path {} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// Writing a report file failed.
    #[error("cannot write report {}: {source}", path.display())]
    File {
        /// The file (or directory) at fault.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing to a stream failed.
    #[error("cannot write {format} report: {source}")]
    Write {
        /// The report being written.
        format: OutputFormat,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Serializing a JSON report failed.
    #[error("cannot serialize {format} report: {source}")]
    Json {
        /// The report being written.
        format: OutputFormat,
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// Writing the CSV report failed.
    #[error("cannot write csv report: {0}")]
    Csv(#[from] ::csv::Error),
}

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
    /// The native, versioned JSON document (the [`ScanResult`] itself).
    Json,
    /// OCSF 1.x Compliance Finding records (class 2003), one JSON array.
    Ocsf,
    /// One row per finding.
    Csv,
    /// One self-contained HTML file with charts.
    Html,
    /// The terminal summary; printed, never written to a file.
    Terminal,
}

impl OutputFormat {
    /// Every format, in the order reports are written.
    pub const ALL: [OutputFormat; 5] = [
        OutputFormat::Json,
        OutputFormat::Ocsf,
        OutputFormat::Csv,
        OutputFormat::Html,
        OutputFormat::Terminal,
    ];

    /// The valid names, for error messages and help text.
    pub const VALID_NAMES: &'static str = "json, ocsf, csv, html, terminal";

    /// The format's name, as accepted by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Ocsf => "ocsf",
            Self::Csv => "csv",
            Self::Html => "html",
            Self::Terminal => "terminal",
        }
    }

    /// The file name suffix, `None` for the terminal summary.
    pub fn file_suffix(self) -> Option<&'static str> {
        match self {
            Self::Json => Some(".json"),
            Self::Ocsf => Some(".ocsf.json"),
            Self::Csv => Some(".csv"),
            Self::Html => Some(".html"),
            Self::Terminal => None,
        }
    }

    /// Parses a comma-separated list such as `json,ocsf,html`, dropping
    /// duplicates and keeping the first-seen order.
    pub fn parse_list(list: &str) -> Result<Vec<OutputFormat>, ReportError> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let f: OutputFormat = name.parse()?;
            if !out.contains(&f) {
                out.push(f);
            }
        }
        if out.is_empty() {
            return Err(ReportError::UnknownFormat(list.to_owned()));
        }
        Ok(out)
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutputFormat {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ReportError::UnknownFormat(s.to_owned()))
    }
}

/// Rule metadata (title, rationale, remediation) by rule id, for the rules
/// a result's own catalogue does not describe.
///
/// Reports look a rule up in the result's catalogue first
/// ([`ScanResult::rules`], format version 2, which covers WebAssembly
/// rules too), then here: results of format version 1 carry no catalogue,
/// so [`RuleIndex::builtin`] supplies the built-in rules' text. A finding
/// whose rule is found in neither is still reported, with the title it
/// carries.
#[derive(Clone, Debug, Default)]
pub struct RuleIndex {
    rules: HashMap<String, RuleInfo>,
}

impl RuleIndex {
    /// Indexes a rule list such as `cloudarq_rules::all()`.
    pub fn from_rules(rules: &[&dyn Rule]) -> Self {
        Self::from_metas(rules.iter().map(|r| r.meta()))
    }

    /// Indexes rule metadata.
    pub fn from_metas<'m>(metas: impl IntoIterator<Item = &'m RuleMeta>) -> Self {
        Self::from_catalogue(metas.into_iter().map(RuleInfo::from_meta))
    }

    /// Indexes a catalogue (for example one a WebAssembly package declares).
    pub fn from_catalogue(rules: impl IntoIterator<Item = RuleInfo>) -> Self {
        Self {
            rules: rules.into_iter().map(|r| (r.id.clone(), r)).collect(),
        }
    }

    /// The built-in rules ([`cloudarq_rules::all`]).
    pub fn builtin() -> Self {
        Self::from_rules(&cloudarq_rules::all())
    }

    /// An index that knows no rule.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The metadata of rule `id`.
    pub fn get(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.get(id)
    }

    /// The metadata of rule `id` for a report of `result`: its own
    /// catalogue first, then this index.
    pub fn lookup<'r>(&'r self, result: &'r ScanResult, id: &str) -> Option<&'r RuleInfo> {
        result.rule(id).or_else(|| self.get(id))
    }
}

/// The file name of `format`'s report for `result`, for example
/// `cloudarq-123456789012-20260101T000000Z.html`; `None` for the terminal.
pub fn report_file_name(result: &ScanResult, format: OutputFormat) -> Option<String> {
    let suffix = format.file_suffix()?;
    let t = result.collected_at.get();
    Some(format!(
        "cloudarq-{}-{:04}{:02}{:02}T{:02}{:02}{:02}Z{suffix}",
        result.account_id,
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    ))
}

/// Renders one file report into memory; `None` for the terminal summary.
pub fn render<'a>(
    result: impl Into<ResultRef<'a>>,
    rules: &RuleIndex,
    format: OutputFormat,
) -> Result<Option<Vec<u8>>, ReportError> {
    if format == OutputFormat::Terminal {
        return Ok(None);
    }
    let mut buf = Vec::new();
    stream(result.into(), rules, format, &mut buf)?;
    Ok(Some(buf))
}

/// Writes one report file per format in `formats` into `dir` and returns
/// their paths, in `formats` order. [`OutputFormat::Terminal`] is skipped
/// (print [`terminal::summary`] instead).
///
/// `dir` must exist and be a directory. Every report is rendered before any
/// file is touched, and each file is written to a temporary file in `dir`
/// and renamed into place, so an error leaves no partial report. The
/// temporary file gets a fresh random name and is created exclusively
/// (`O_CREAT | O_EXCL`), so a symlink planted under that name is never
/// followed; the rename replaces a symlink planted at the report's name
/// instead of writing through it.
///
/// ```
/// # use cloudarq_core::report::{OutputFormat, RuleIndex, write_reports};
/// # let result: cloudarq_model::finding::ScanResult = serde_json::from_str(r#"{
/// #   "format": "cloudarq.result", "version": 1, "account_id": "123456789012",
/// #   "collected_at": "2026-01-01T00:00:00Z", "regions": [], "rules_evaluated": 0,
/// #   "resources": 0, "findings": [], "evaluation_gaps": [], "coverage_gaps": [],
/// #   "scores": [] }"#)?;
/// let err = write_reports(&result, &RuleIndex::empty(), &[OutputFormat::Csv],
///     std::path::Path::new("/no/such/dir")).unwrap_err();
/// assert_eq!(err.to_string(), "output directory /no/such/dir does not exist");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn write_reports<'a>(
    result: impl Into<ResultRef<'a>>,
    rules: &RuleIndex,
    formats: &[OutputFormat],
    dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let result = result.into();
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(ReportError::NotADirectory(dir.to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReportError::MissingOutputDir(dir.to_owned()));
        }
        Err(source) => {
            return Err(ReportError::File {
                path: dir.to_owned(),
                source,
            });
        }
    }

    // Write every file under a temporary name first, each streamed from the
    // result (no report is held in memory whole); a temporary file removes
    // itself when dropped, so an error here leaves the directory as it was.
    let mut staged: Vec<(tempfile::NamedTempFile, PathBuf)> = Vec::new();
    let mut done: Vec<OutputFormat> = Vec::new();
    for &format in formats {
        if done.contains(&format) {
            continue;
        }
        done.push(format);
        let Some(name) = report_file_name(result.head(), format) else {
            continue;
        };
        let path = dir.join(name);
        let file_err = |source| ReportError::File {
            path: path.clone(),
            source,
        };
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            return Err(file_err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "a directory has the report's name",
            )));
        }
        let mut tmp = temp_file(dir, TEMP_NAME_RANDOM).map_err(file_err)?;
        {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
            stream(result, rules, format, &mut out)?;
            out.flush().map_err(file_err)?;
        }
        tmp.as_file().sync_all().map_err(file_err)?;
        staged.push((tmp, path));
    }
    let mut written = Vec::with_capacity(staged.len());
    for (tmp, path) in staged {
        tmp.persist(&path).map_err(|e| ReportError::File {
            path: path.clone(),
            source: e.error,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes one report to `out` (nothing for the terminal summary).
fn stream(
    result: ResultRef<'_>,
    rules: &RuleIndex,
    format: OutputFormat,
    out: &mut impl std::io::Write,
) -> Result<(), ReportError> {
    match format {
        OutputFormat::Json => json::write(result, out),
        OutputFormat::Ocsf => ocsf::write(result, rules, out),
        OutputFormat::Csv => csv::write(result, rules, out),
        OutputFormat::Html => html::write(result, rules, out),
        OutputFormat::Terminal => Ok(()),
    }
}

const TEMP_NAME_RANDOM: usize = 12;

/// `bytes` in a new temporary file in `dir`, synced: `.cloudarq-report-`,
/// `random` random characters, `.tmp`, created exclusively (never through an
/// existing name or symlink).
/// An exclusive temporary file in `dir` (created, never opened through an
/// existing name or link).
fn temp_file(dir: &Path, random: usize) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".cloudarq-report-")
        .suffix(".tmp")
        .rand_bytes(random)
        .tempfile_in(dir)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;

    /// The temporary name is random; with no random part it is known, so a
    /// symlink can be planted there: the staging must refuse it, not follow it.
    #[test]
    fn issue_9_a_symlink_at_the_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let planted = out.join(".cloudarq-report-.tmp");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let e = temp_file(&out, 0).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists, "{e}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
        // A dangling symlink is no more followed than one to a file.
        std::fs::remove_file(&victim).unwrap();
        assert!(temp_file(&out, 0).is_err());
        assert!(!victim.exists());
    }

    #[test]
    fn formats_parse_and_unknown_names_list_the_valid_ones() {
        assert_eq!("HTML".parse::<OutputFormat>().unwrap(), OutputFormat::Html);
        assert_eq!(
            OutputFormat::parse_list("json, ocsf,json,csv").unwrap(),
            vec![OutputFormat::Json, OutputFormat::Ocsf, OutputFormat::Csv]
        );
        let e = "pdf".parse::<OutputFormat>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown output format \"pdf\": expected one of json, ocsf, csv, html, terminal"
        );
        assert!(
            OutputFormat::parse_list("json,xml")
                .unwrap_err()
                .to_string()
                .contains("\"xml\"")
        );
        assert!(OutputFormat::parse_list(" , ").is_err());
    }

    #[test]
    fn issue_14_every_report_of_the_lean_form_is_byte_identical_to_the_documents() {
        let doc = fixture::sample_result();
        let lean = crate::engine::Evaluation::from(doc.clone());
        let rules = RuleIndex::from_metas(fixture::rule_metas());
        for format in [
            OutputFormat::Json,
            OutputFormat::Ocsf,
            OutputFormat::Csv,
            OutputFormat::Html,
        ] {
            let a = render(&doc, &rules, format).unwrap().unwrap();
            let b = render(&lean, &rules, format).unwrap().unwrap();
            assert!(a == b, "{format} differs");
        }
        let opts = terminal::TerminalOptions::default();
        assert_eq!(
            terminal::summary(&doc, opts),
            terminal::summary(&lean, opts)
        );
        // The engine's own output, evidence and gaps included.
        let snap = crate::engine::testing::snapshot();
        let engine = crate::engine::Engine::new(crate::engine::testing::rules());
        let (doc, lean) = (engine.evaluate(&snap), engine.run(&snap));
        for format in [OutputFormat::Json, OutputFormat::Ocsf, OutputFormat::Csv] {
            let a = render(&doc, &rules, format).unwrap().unwrap();
            let b = render(&lean, &rules, format).unwrap().unwrap();
            assert!(a == b, "{format} of the engine's result differs");
        }
    }

    #[test]
    fn file_names_carry_account_and_collection_time() {
        let r = fixture::sample_result();
        assert_eq!(
            report_file_name(&r, OutputFormat::Ocsf).unwrap(),
            "cloudarq-123456789012-20260314T092653Z.ocsf.json"
        );
        assert_eq!(report_file_name(&r, OutputFormat::Terminal), None);
    }

    #[test]
    fn rule_index_from_metadata() {
        let idx = RuleIndex::from_metas(fixture::rule_metas());
        assert_eq!(
            idx.get("iam_root_mfa_enabled").unwrap().id,
            "iam_root_mfa_enabled"
        );
        assert!(idx.get("nope").is_none());
        assert!(RuleIndex::empty().get("iam_root_mfa_enabled").is_none());
    }
}
