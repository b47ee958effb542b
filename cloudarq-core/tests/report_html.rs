//! The HTML report without a browser: escaping, the CSP, the charts, the
//! sections, and the parts a reader relies on. `report_html_browser.rs`
//! opens the same page in headless Chromium.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod report_fixture;

use cloudarq_core::report::{RuleIndex, html};
use report_fixture::{HOSTILE_MESSAGE, HOSTILE_NAME, rule_metas, sample_result};

fn sample_html() -> String {
    html::render(&sample_result(), &RuleIndex::from_metas(rule_metas()))
}

#[test]
fn markup_in_account_data_is_escaped() {
    let page = sample_html();
    assert!(!page.contains(HOSTILE_MESSAGE));
    assert!(!page.contains(HOSTILE_NAME));
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img"));
    assert!(page.contains("&lt;/td&gt;&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"));
    assert!(page.contains("web-1 &lt;img src=x onerror=alert(1)&gt;"));
    // The only script element is ours.
    assert_eq!(page.matches("<script").count(), 1);
}

#[test]
fn a_script_in_any_field_stays_text() {
    let mut r = sample_result();
    let evil = "<script>alert(1)</script>";
    for f in &mut r.findings {
        f.message = evil.to_owned();
        f.resource_name = evil.to_owned();
        f.title = evil.to_owned();
        f.muted_reason = f.muted_reason.as_ref().map(|_| evil.to_owned());
    }
    for g in &mut r.coverage_gaps {
        g.message = evil.to_owned();
        g.action = evil.to_owned();
    }
    for s in &mut r.scores {
        s.title = evil.to_owned();
        s.sections[0].section = evil.to_owned();
    }
    r.evaluation_gaps[0].field = evil.to_owned();
    let arn = "arn:aws:s3:::\"><script>alert(2)</script>";
    // On a finding the page lists (PASS findings are counted, not listed).
    let listed = r
        .findings
        .iter_mut()
        .find(|f| f.status != cloudarq_model::rule::Status::Pass)
        .unwrap();
    listed.resource_arn = arn.parse().unwrap();
    let page = html::render(&r, &RuleIndex::from_metas(rule_metas()));
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("arn:aws:s3:::&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
}

#[test]
fn strict_csp_comes_first_and_allows_nothing_external() {
    let page = sample_html();
    let csp = html::content_security_policy();
    let head_start = &page[..page.find("<title>").unwrap()];
    assert!(head_start.contains("<meta http-equiv=\"Content-Security-Policy\""));
    for directive in [
        "default-src 'none'",
        "script-src 'sha256-",
        "style-src 'sha256-",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    for external in [
        "src=\"http",
        "href=\"http://",
        "@import",
        "url(",
        "<link rel=\"stylesheet",
    ] {
        assert!(!page.contains(external), "page references {external}");
    }
}

#[test]
fn charts_and_sections_are_present() {
    let page = sample_html();
    for id in [
        "id=\"chart-severity\"",
        "id=\"chart-services\"",
        "id=\"chart-frameworks\"",
        "id=\"summary\"",
        "id=\"compliance\"",
        "id=\"remediation\"",
        "id=\"findings\"",
        "id=\"passed-table\"",
        "id=\"coverage-gaps-table\"",
        "id=\"evaluation-gaps-table\"",
        "id=\"csp-violations\"",
    ] {
        assert!(page.contains(id), "{id} missing");
    }
    // 5 severity bars, 12 non-empty service segments (IAM 3, S3 4, EC2 2,
    // RDS 3), 2 donuts.
    assert_eq!(page.matches("<rect class=\"bar\"").count(), 5 + 12);
    assert_eq!(page.matches("<circle class=\"arc\"").count(), 2);
    // One table row per FAIL, MUTED or ERROR finding (20 + 3 + 1), FAIL
    // first; the 22 PASS findings are counted per rule instead.
    assert_eq!(page.matches("<tr data-status=").count(), 24);
    assert_eq!(page.matches("<tr data-status=\"PASS\"").count(), 0);
    let first_row = page.find("<tr data-status=").unwrap();
    assert!(page[first_row..].starts_with("<tr data-status=\"FAIL\" data-severity=\"critical\""));
    // Remediation for each of the 17 failing rules, with its CLI command.
    assert_eq!(page.matches("<details class=\"rule\"").count(), 17);
    assert!(page.contains(
        "aws ec2 modify-instance-metadata-options --instance-id ID --http-tokens required"
    ));
    assert!(page.contains("Severity adjusted: the group is attached to no network interface"));
    assert!(page.contains("Muted: analytics replica is single-AZ by design"));
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(sample_html(), sample_html());
}

#[test]
fn sample_report_is_one_small_file() {
    let n = sample_html().len();
    eprintln!("sample HTML report: {n} bytes");
    // Styles, script, three charts and 24 listed findings; a budget catches runaway
    // markup (for example a chart emitting one element per finding).
    assert!((30_000..120_000).contains(&n), "sample report is {n} bytes");
}

#[test]
fn issue_14_pass_findings_are_counted_per_rule() {
    let r = sample_result();
    let page = html::render(&r, &RuleIndex::from_metas(rule_metas()));
    let passed = &page[page.find("id=\"passed-table\"").unwrap()..];
    let passed = &passed[..passed.find("</table>").unwrap()];
    let mut rules: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.status == cloudarq_model::rule::Status::Pass)
        .map(|f| f.rule_id.as_str())
        .collect();
    rules.dedup();
    assert_eq!(passed.matches("<tr><td>").count(), rules.len());
    let counted: u32 = passed
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c[..c.find('<').unwrap()].parse::<u32>().unwrap())
        .sum();
    assert_eq!(counted, 22);
    assert!(page.contains("Passed checks <span class=\"note\">22 findings of"));
}

#[test]
fn issue_14_a_large_result_lists_at_most_the_limit_per_rule() {
    use cloudarq_model::finding::EvaluationGap;
    use cloudarq_model::rule::Status;
    let mut r = sample_result();
    let fail = r
        .findings
        .iter()
        .find(|f| f.status == Status::Fail)
        .unwrap()
        .clone();
    let pass = r
        .findings
        .iter()
        .find(|f| f.status == Status::Pass)
        .unwrap()
        .clone();
    let n = 5_000;
    // The bulk rules' own sample findings out of the way: the counts below are exact.
    r.findings
        .retain(|f| f.rule_id != fail.rule_id && f.rule_id != pass.rule_id);
    let passed_before = r
        .findings
        .iter()
        .filter(|f| f.status == Status::Pass)
        .count();
    let mut many = Vec::new();
    for (template, tag) in [(&fail, "f"), (&pass, "p")] {
        for i in 0..n {
            let mut f = template.clone();
            f.resource_arn = format!("arn:aws:s3:::bulk-{tag}-{i:05}").parse().unwrap();
            many.push(f);
        }
    }
    let gap = EvaluationGap {
        rule_id: "bulk_rule".into(),
        resource_arn: "arn:aws:s3:::bulk".parse().unwrap(),
        field: "versioning".into(),
    };
    r.evaluation_gaps.extend(std::iter::repeat_n(gap, 300));
    r.findings.extend(many);
    cloudarq_model::finding::sort_in_result_order(&mut r.findings, &mut r.evaluation_gaps);
    let page = html::render(&r, &RuleIndex::from_metas(rule_metas()));

    let limit = html::LIST_LIMIT;
    let fail_rule = &fail.rule_id;
    let listed = |needle: &str| page.matches(needle).count();
    // The table: the bulk rule's FAILs cut at the limit, nothing of the PASSes.
    assert_eq!(
        listed("bulk-f-"),
        2 * limit,
        "table row and remediation item each"
    );
    assert_eq!(listed("bulk-p-"), 0);
    assert!(page.contains(&format!(
        "The first {limit} of {n} failing resources are listed"
    )));
    let table = &page[page.find("<table id=\"findings\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(
        table
            .matches(&format!("<code>{fail_rule}</code></div></td>"))
            .count(),
        limit
    );
    assert!(page.contains("id=\"findings-cut\""));
    assert!(page.contains(&format!(
        "The first {limit} of 300 evaluation gaps of <code>bulk_rule</code>"
    )));
    assert_eq!(listed("<td class=\"arn\">arn:aws:s3:::bulk</td>"), limit);
    // Every finding is still counted.
    assert!(page.contains(&format!("{} findings of", passed_before + n)));
    let size = page.len();
    assert!(
        size < 250_000,
        "{size} bytes for {} findings",
        r.findings.len()
    );
}
