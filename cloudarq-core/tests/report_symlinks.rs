//! Issue 9 §5: a symlink planted in the output directory never receives a
//! report. At the report's own name it is replaced by the report (the
//! rename swaps the link, it does not write through it); at the temporary
//! name it is refused (see the unit test of `report::stage`).

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod report_fixture;

use std::fs;
use std::os::unix::fs::symlink;

use cloudarq_core::report::{OutputFormat, RuleIndex, report_file_name, write_reports};
use report_fixture::{rule_metas, sample_result};

#[test]
fn issue_9_a_symlink_at_the_report_name_is_replaced_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    let result = sample_result();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let dangling = dir.path().join("never-created");
    let formats = [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Html];
    // One link to an existing file, one dangling link, one to a directory.
    let targets = [victim.clone(), dangling.clone(), dir.path().to_path_buf()];
    for (format, target) in formats.iter().zip(&targets) {
        let name = out.join(report_file_name(&result, *format).unwrap());
        symlink(target, name).unwrap();
    }
    let written = write_reports(
        &result,
        &RuleIndex::from_metas(rule_metas()),
        &formats,
        &out,
    )
    .unwrap();
    assert_eq!(written.len(), 3);
    for path in &written {
        let meta = fs::symlink_metadata(path).unwrap();
        assert!(meta.is_file(), "{} is a regular file now", path.display());
        assert!(fs::metadata(path).unwrap().len() > 100);
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        !dangling.exists(),
        "nothing written through the dangling link"
    );
    assert_eq!(
        fs::read_dir(&out).unwrap().count(),
        3,
        "no temporary file left"
    );
}
