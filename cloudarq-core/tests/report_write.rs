//! `write_reports`: one complete file per format, atomic writes, and clear
//! errors naming a bad output directory.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod report_fixture;

use std::fs;
use std::path::Path;

use cloudarq_core::report::{OutputFormat, ReportError, RuleIndex, write_reports};
use report_fixture::{rule_metas, sample_result};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_every_file_format_and_skips_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let formats = OutputFormat::parse_list("terminal,json,ocsf,csv,html").unwrap();
    let written = write_reports(
        &sample_result(),
        &RuleIndex::from_metas(rule_metas()),
        &formats,
        dir.path(),
    )
    .unwrap();
    let stem = "cloudarq-123456789012-20260314T092653Z";
    assert_eq!(
        names(dir.path()),
        [
            format!("{stem}.csv"),
            format!("{stem}.html"),
            format!("{stem}.json"),
            format!("{stem}.ocsf.json"),
        ]
    );
    assert_eq!(written.len(), 4);
    assert!(written[0].ends_with(format!("{stem}.json")));
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&written[0]).unwrap()).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), 46);
    let ocsf: serde_json::Value = serde_json::from_slice(&fs::read(&written[1]).unwrap()).unwrap();
    assert_eq!(ocsf.as_array().unwrap().len(), 46);
    assert!(
        fs::read_to_string(&written[3])
            .unwrap()
            .ends_with("</html>\n")
    );
}

#[test]
fn rewriting_replaces_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let rules = RuleIndex::from_metas(rule_metas());
    let mut r = sample_result();
    let path = write_reports(&r, &rules, &[OutputFormat::Json], dir.path())
        .unwrap()
        .remove(0);
    let before = fs::read(&path).unwrap().len();
    r.findings.truncate(1);
    write_reports(&r, &rules, &[OutputFormat::Json], dir.path()).unwrap();
    let after: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(after["findings"].as_array().unwrap().len(), 1);
    assert!(fs::read(&path).unwrap().len() < before);
    assert_eq!(names(dir.path()).len(), 1, "no temporary file left behind");
}

#[test]
fn a_failure_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    // A directory squats on the CSV report's name: the CSV cannot be written,
    // so neither the JSON staged before it nor the HTML after it may appear.
    let blocker = dir
        .path()
        .join("cloudarq-123456789012-20260314T092653Z.csv");
    fs::create_dir(&blocker).unwrap();
    let formats = [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Html];
    let err =
        write_reports(&sample_result(), &RuleIndex::empty(), &formats, dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::File { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&blocker.display().to_string()),
        "{err}"
    );
    assert_eq!(
        names(dir.path()),
        ["cloudarq-123456789012-20260314T092653Z.csv"]
    );
}

#[test]
fn missing_or_non_directory_output_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let err = write_reports(
        &sample_result(),
        &RuleIndex::empty(),
        &[OutputFormat::Json],
        &missing,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("output directory {} does not exist", missing.display())
    );

    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let err = write_reports(
        &sample_result(),
        &RuleIndex::empty(),
        &[OutputFormat::Html],
        &file,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("output path {} is not a directory", file.display())
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn unknown_format_names_the_input_and_the_valid_ones() {
    let err = OutputFormat::parse_list("json,pdf").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown output format \"pdf\": expected one of json, ocsf, csv, html, terminal"
    );
}
