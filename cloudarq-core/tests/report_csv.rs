//! The CSV report parses back, row for row, to the findings it was made
//! from, whatever quotes, commas, newlines or markup the values hold.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod report_fixture;

use cloudarq_core::report::{RuleIndex, csv as report_csv};
use report_fixture::{HOSTILE_MESSAGE, rule_metas, sample_result};

fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn parses_back_to_the_findings() {
    let result = sample_result();
    let text = report_csv::to_string(&result, &RuleIndex::from_metas(rule_metas())).unwrap();
    let (header, rows) = parse(&text);
    assert_eq!(header, report_csv::HEADER);
    assert_eq!(rows.len(), result.findings.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, f) in rows.iter().zip(&result.findings) {
        assert_eq!(row.len(), header.len());
        assert_eq!(row[col("account_id")], "123456789012");
        assert_eq!(row[col("collected_at")], "2026-03-14T09:26:53Z");
        assert_eq!(row[col("rule_id")], f.rule_id);
        assert_eq!(row[col("resource_arn")], f.resource_arn.as_str());
        assert_eq!(row[col("resource_name")], f.resource_name);
        assert_eq!(row[col("message")], f.message);
        assert_eq!(row[col("severity")], f.severity.as_str());
        assert_eq!(
            row[col("region")],
            f.region.as_ref().map_or("", |r| r.as_str())
        );
        assert_eq!(
            row[col("muted_reason")],
            f.muted_reason.as_deref().unwrap_or("")
        );
        let status = serde_json::to_value(f.status).unwrap();
        assert_eq!(row[col("status")], status.as_str().unwrap());
    }
    let rds = rows
        .iter()
        .find(|r| r[col("rule_id")] == "rds_instance_storage_encrypted")
        .unwrap();
    assert_eq!(rds[col("controls")], "cis_aws_3.0:2.3.1;aws_fsbp:RDS.3");
    assert!(rds[col("remediation_url")].starts_with("https://docs.aws.amazon.com/"));
    assert!(
        rows.iter()
            .any(|r| r[col("message")].ends_with(HOSTILE_MESSAGE))
    );
}

#[test]
fn awkward_values_are_quoted_escaped_and_neutralized() {
    let mut result = sample_result();
    let tricky = "line one, with \"quotes\"\nline two;\ttabbed";
    result.findings[0].message = tricky.to_owned();
    result.findings[1].resource_name = "=HYPERLINK(\"x\")".to_owned();
    let text = report_csv::to_string(&result, &RuleIndex::empty()).unwrap();
    // Quotes are CSV-quoted; the newline and the tab become visible escapes,
    // so every finding stays on one line (issue 9).
    assert!(
        text.contains(r#""line one, with ""quotes""\nline two;\ttabbed""#),
        "{text}"
    );
    assert_eq!(text.lines().count(), result.findings.len() + 1);
    let (header, rows) = parse(&text);
    let msg = header.iter().position(|h| h == "message").unwrap();
    assert_eq!(rows.len(), result.findings.len());
    assert_eq!(
        rows[0][msg],
        r#"line one, with "quotes"\nline two;\ttabbed"#
    );
    let name = header.iter().position(|h| h == "resource_name").unwrap();
    assert_eq!(
        rows[1][name], "'=HYPERLINK(\"x\")",
        "a formula starter is neutralized; the JSON report keeps the raw value"
    );
    let cli = header.iter().position(|h| h == "remediation_cli").unwrap();
    assert!(
        rows.iter().all(|r| r[cli].is_empty()),
        "no metadata, no remediation"
    );
}
