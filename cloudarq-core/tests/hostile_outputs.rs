//! Issue 9: hostile account data and hostile rule-package output reach every
//! report as inert text. The demo snapshot with the corpus in every string
//! field (`hostile/mod.rs`) is evaluated by the built-in rules and by a WAT
//! package that echoes the corpus in its findings, then rendered in every
//! format:
//!
//! - JSON and OCSF are valid JSON and keep every string byte for byte;
//! - CSV has one line per finding, no cell a spreadsheet would evaluate and
//!   no raw control or bidirectional character;
//! - HTML has exactly the elements and attributes of the same report made
//!   from a benign twin of the snapshot: the hostile text is only text;
//! - the terminal summary carries no control character from the data.

#![allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]

mod hostile;

use std::sync::OnceLock;

use cloudarq_core::engine::Engine;
use cloudarq_core::report::terminal::{self, TerminalOptions};
use cloudarq_core::report::{OutputFormat, RuleIndex, csv as report_csv, html, render};
use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost, WasmRules};
use cloudarq_model::Snapshot;
use cloudarq_model::finding::ScanResult;
use cloudarq_model::rule::Status;
use hostile::{Walk, hazards, hostile_package, hostile_snapshot, long_string, short_corpus};

/// The result of evaluating the hostile (or benign) snapshot with the
/// built-in rules and the hostile package.
fn evaluate(snapshot_json: &str) -> ScanResult {
    let snapshot = Snapshot::from_json(snapshot_json, "hostile.json").unwrap();
    let native = cloudarq_rules::all();
    // Batches by count alone: the echo guest's verdict depends on a
    // resource's place in its batch, and the benign twin, whose strings are
    // shorter, must be batched the same for the two reports to compare.
    let host = WasmHost::new(Limits {
        batch_bytes: usize::MAX,
        ..Limits::default()
    })
    .unwrap();
    let bytes = hostile_package(&host);
    let mut wasm = WasmRules::new(host);
    let pkg = wasm
        .host()
        .load(&bytes, "hostile-echo.wasm", &LoadOptions::default())
        .unwrap();
    assert_eq!(pkg.failure(), None);
    wasm.add(pkg, &native).unwrap();
    Engine::new(native)
        .with_frameworks(cloudarq_rules::frameworks::frameworks().unwrap())
        .with_wasm_rules(wasm)
        .evaluate(&snapshot)
}

fn hostile() -> &'static (ScanResult, Walk) {
    static R: OnceLock<(ScanResult, Walk)> = OnceLock::new();
    R.get_or_init(|| {
        let (json, walk) = hostile_snapshot(true);
        (evaluate(&json), walk)
    })
}

fn benign() -> &'static ScanResult {
    static R: OnceLock<ScanResult> = OnceLock::new();
    R.get_or_init(|| evaluate(&hostile_snapshot(false).0))
}

fn rules() -> RuleIndex {
    RuleIndex::from_rules(&cloudarq_rules::all())
}

fn report(result: &ScanResult, format: OutputFormat) -> String {
    String::from_utf8(render(result, &rules(), format).unwrap().unwrap()).unwrap()
}

#[test]
fn the_corpus_reaches_names_tags_descriptions_policies_arns_and_package_output() {
    let (result, walk) = hostile();
    eprintln!("{walk:#?}");
    for field in [
        "name",
        "Name",
        "description",
        "group_name",
        "policy_name",
        "message",
    ] {
        assert!(
            walk.replaced.contains_key(field),
            "{field} not reached: {walk:#?}"
        );
    }
    assert!(walk.keys.contains_key("tags"), "tag keys: {walk:#?}");
    assert!(
        walk.keys
            .keys()
            .any(|k| k == "trust_policy" || k == "document" || k == "Condition"),
        "policy document keys: {walk:#?}"
    );
    assert!(
        walk.arns >= 58 + 2,
        "every resource ARN and gap resource: {}",
        walk.arns
    );
    let names: Vec<&str> = result
        .findings
        .iter()
        .map(|f| f.resource_name.as_str())
        .collect();
    for s in short_corpus() {
        assert!(names.contains(&s.as_str()), "no finding names {s:?}");
    }
    assert!(names.contains(&long_string().as_str()), "the 1 MiB name");
    let echo: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule_id == hostile::RULE_ID)
        .collect();
    // The demo's 11 security groups (the front door's VPC brought its
    // default group).
    assert_eq!(echo.len(), 11, "one per security group");
    assert!(echo.iter().any(|f| f.status == Status::Error));
    assert!(echo.iter().any(|f| f.message == long_string()));
    assert!(echo.iter().all(|f| f.severity_reason.as_deref()
        == Some(hostile::severity_reason().as_str())
        || f.status == Status::Error));
    assert!(echo.iter().any(|f| f.evidence == hostile::evidence()));
}

#[test]
fn json_keeps_every_string_byte_for_byte() {
    let (result, _) = hostile();
    let text = report(result, OutputFormat::Json);
    let back: ScanResult = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, result);
    assert!(
        hazards(&text).iter().all(|h| !h.starts_with("'\\u{1b}'")),
        "ESC is escaped in JSON"
    );
}

/// Every string value inside a JSON document.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

#[test]
fn ocsf_is_valid_json_and_keeps_every_message_and_name() {
    let (result, _) = hostile();
    let doc: serde_json::Value = serde_json::from_str(&report(result, OutputFormat::Ocsf)).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), result.findings.len());
    let mut all = Vec::new();
    strings(&doc, &mut all);
    for f in &result.findings {
        assert!(
            all.iter().any(|s| s.contains(&f.message)),
            "{:?}",
            f.message
        );
        assert!(all.contains(&f.resource_name), "{:?}", f.resource_name);
        assert!(all.iter().any(|s| *s == f.resource_arn.as_str()));
    }
}

#[test]
fn csv_has_one_line_per_finding_and_no_formula_or_raw_control() {
    let (result, _) = hostile();
    let text = report_csv::to_string(result, &rules()).unwrap();
    assert_eq!(hazards(&text), Vec::<String>::new());
    assert_eq!(
        text.lines().count(),
        result.findings.len() + 1,
        "one line per finding"
    );
    let mut reader = ::csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut rows = 0;
    for row in reader.records() {
        let row = row.unwrap();
        assert_eq!(row.len(), report_csv::HEADER.len());
        for cell in &row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a spreadsheet would evaluate {cell:?}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, result.findings.len());
    for neutralized in [
        "'=cmd|' /C calc'!A0",
        "'+1+cmd|' /C calc'!A0",
        "'-2+3+cmd|' /C calc'!A0",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        r"'\t=1+1",
        r"'\r=1+1",
        r"\x1b]52;c;ZWNobyBwd25lZA==\x07",
        r"admin\u{202e}txt.exe\u{202c}",
        r"nul\x00byte",
    ] {
        assert!(text.contains(neutralized), "{neutralized} missing");
    }
}

/// The markup of a page: each tag's name and attribute names, in order,
/// with the (constant) script and style bodies skipped. Attribute values
/// are read to their closing quote, which escaped data never holds.
fn skeleton(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name_len = rest.find(|c: char| c.is_whitespace() || c == '>').unwrap();
        let name = rest[..name_len].to_ascii_lowercase();
        rest = &rest[name_len..];
        let mut tag = name.clone();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix('>') {
                rest = after;
                break;
            }
            let attr_len = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
                .unwrap();
            tag.push(' ');
            tag.push_str(&rest[..attr_len]);
            rest = &rest[attr_len..];
            if let Some(value) = rest.strip_prefix("=\"") {
                rest = &value[value.find('"').unwrap() + 1..];
            } else if let Some(value) = rest.strip_prefix('=') {
                rest = &value[value.find(|c: char| c.is_whitespace() || c == '>').unwrap()..];
            }
        }
        out.push(tag);
        if name == "script" || name == "style" {
            rest = &rest[rest.find(&format!("</{name}>")).unwrap()..];
        }
    }
    out
}

#[test]
fn html_holds_the_corpus_only_as_text() {
    let (result, _) = hostile();
    let page = html::render(result, &rules());
    let twin = html::render(benign(), &rules());
    let (got, want) = (skeleton(&page), skeleton(&twin));
    assert_eq!(got.len(), want.len(), "element count");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "the hostile report's markup differs");
    }
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert_eq!(page.matches("<img").count(), 0);
    // The package's catalogue (format version 2) is shown, as text: its
    // `javascript:` reference is never a link, and every link is https or
    // an anchor in the page.
    for href in page.split("href=\"").skip(1) {
        assert!(
            href.starts_with("https://") || href.starts_with('#') || href.starts_with("data:,\""),
            "a link that is not https: {}",
            &href[..href.len().min(60)]
        );
    }
    assert!(
        page.contains("javascript:alert(document.domain)"),
        "shown as text"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    let csp = html::content_security_policy();
    assert!(
        page.contains(&format!("content=\"{csp}\"")),
        "the CSP is intact"
    );
}

/// `text` with the summary's own colour codes (`ESC [ digits ; m`) removed.
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap();
        assert_eq!(&tail[end..end + 1], "m", "only colour codes");
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_terminal_summary_prints_the_data_escaped() {
    let (result, _) = hostile();
    let plain = terminal::summary(result, TerminalOptions::default());
    assert_eq!(hazards(&plain), Vec::<String>::new());
    assert!(plain.contains(hostile::RULE_ID), "{plain}");
    assert!(plain.contains(hostile::TITLE), "{plain}");
    let colored = terminal::summary(result, TerminalOptions { color: true });
    assert_eq!(strip_sgr(&colored), plain, "colour adds only colour codes");
    // A hostile title is escaped where it is printed.
    let mut r = result.clone();
    for f in &mut r.findings {
        f.title = "\x1b]52;c;ZXZpbA==\x07\u{202e}".to_owned();
    }
    r.scores[0].title = "\x1b[2J".to_owned();
    let text = terminal::summary(&r, TerminalOptions::default());
    assert_eq!(hazards(&text), Vec::<String>::new());
    assert!(text.contains(r"\x1b]52;c;ZXZpbA==\x07\u{202e}"), "{text}");
    assert!(text.contains(r"\x1b[2J"), "{text}");
}
