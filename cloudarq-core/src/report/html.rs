//! The HTML report: one self-contained file that opens offline, with inline
//! SVG charts (failed findings by severity, findings per service, framework
//! scores), the framework sections, remediation per failing rule, the FAIL,
//! ERROR and MUTED findings in a filterable table, the PASS findings counted
//! per rule, and the coverage and evaluation gaps.
//!
//! The page stays small whatever the account's size: PASS findings are
//! summarised (one row per rule with its count), and each rule lists at most
//! [`LIST_LIMIT`] findings of a status, failing resources and evaluation
//! gaps, saying how many more there are; every finding and gap is in the
//! JSON, OCSF and CSV reports. The 100,000-resource synthetic account gives a
//! page of about 1.5 MB (benches/README.md, "Reports at scale").
//!
//! **Architecture Invariant:** the page loads nothing. Its
//! Content-Security-Policy (a `<meta http-equiv>` right after the charset) is
//! `default-src 'none'`, and the one `<style>` and one `<script>` element are
//! allowed by their SHA-256 hashes ([`content_security_policy`]); there are
//! no `style=` or `on*=` attributes. Every value from the account goes
//! through [`Escaped`], and the charts need no script at all: the script only
//! adds filtering and sorting to the findings table and records any CSP
//! violation into the page (`#csp-violations`) so a test can see it.

use std::fmt::{self, Write as _};
use std::io::Write;

use base64::Engine as _;
use cloudarq_model::finding::{FrameworkScore, ScanResult};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{GapKind, Service};
use sha2::{Digest, Sha256};

use super::{FailingRule, OutputFormat, ReportError, RuleIndex, Stats};
use crate::engine::{FindingRef, ResultRef};

/// How many findings of one status, failing resources, and evaluation gaps
/// the page lists per rule; the rest are counted.
pub const LIST_LIMIT: usize = 20;

/// The stylesheet, inlined and allowed by hash.
pub const STYLE: &str = include_str!("assets/report.css");
/// The script, inlined and allowed by hash.
pub const SCRIPT: &str = include_str!("assets/report.js");

/// Text escaped for HTML element content and double-quoted attributes.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

fn sha256_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; \
         base-uri 'none'; form-action 'none'",
        sha256_source(SCRIPT),
        sha256_source(STYLE),
    )
}

const FILL_TRACK: &str = "#e4e7eb";

fn severity_fill(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#991b1b",
        Severity::High => "#ea580c",
        Severity::Medium => "#ca8a04",
        Severity::Low => "#2563eb",
        Severity::Informational => "#6b7280",
    }
}

fn status_fill(s: Status) -> &'static str {
    match s {
        Status::Pass => "#15803d",
        Status::Fail => "#dc2626",
        Status::Muted => "#7b8794",
        Status::Error => "#7c3aed",
    }
}

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Muted => 2,
        Status::Pass => 3,
    }
}

fn service_label(s: Service) -> String {
    s.as_str().to_ascii_uppercase()
}

fn gap_kind_name(k: GapKind) -> &'static str {
    match k {
        GapKind::AccessDenied => "access denied",
        GapKind::RegionNotEnabled => "region not enabled",
        GapKind::ServiceUnsupported => "service unsupported",
        GapKind::ThrottledOut => "throttled",
        GapKind::Unreachable => "unreachable",
        GapKind::DeadlineExceeded => "deadline exceeded",
        GapKind::InvalidCredentials => "invalid credentials",
        _ => "other",
    }
}

/// Bar length in SVG units for `n` of `max`, at least 2 units when `n > 0`.
fn bar(n: u32, max: u32, full: f64) -> f64 {
    if n == 0 || max == 0 {
        return 0.0;
    }
    (f64::from(n) / f64::from(max) * full).max(2.0)
}

/// Renders the report.
pub fn render<'a>(result: impl Into<ResultRef<'a>>, rules: &RuleIndex) -> String {
    let results = result.into();
    let result = results.head();
    let stats = Stats::of(results);
    let listed = results
        .findings()
        .len()
        .min(4 * LIST_LIMIT * stats.failing_rules.len().max(1));
    let mut h = String::with_capacity(64 * 1024 + listed * 700);
    head(&mut h, result);
    h.push_str("<body>\n");
    header(&mut h, result);
    h.push_str("<main>\n");
    summary_cards(&mut h, result, &stats, results.gaps().len());
    h.push_str("<section class=\"charts\" aria-label=\"Charts\">\n");
    severity_chart(&mut h, &stats);
    service_chart(&mut h, &stats);
    framework_chart(&mut h, &result.scores);
    h.push_str("</section>\n");
    frameworks(&mut h, &result.scores);
    remediation(&mut h, &stats, result, rules);
    findings_table(&mut h, results);
    passed_table(&mut h, results);
    gaps(&mut h, results);
    footer(&mut h, result);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// Writes [`render`]'s output.
pub fn write<'a>(
    result: impl Into<ResultRef<'a>>,
    rules: &RuleIndex,
    out: &mut impl Write,
) -> Result<(), ReportError> {
    let io_err = |source| ReportError::Write {
        format: OutputFormat::Html,
        source,
    };
    out.write_all(render(result, rules).as_bytes())
        .map_err(io_err)?;
    out.flush().map_err(io_err)
}

// Every `write!` below targets a String, which cannot fail; the results are
// ignored with `let _`.

fn head(h: &mut String, r: &ScanResult) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"CloudArq {version}\">\n\
         <link rel=\"icon\" href=\"data:,\">\n\
         <title>CloudArq report: AWS account {account}</title>\n\
         <style>{STYLE}</style>\n<script>{SCRIPT}</script>\n</head>\n",
        csp = content_security_policy(),
        version = env!("CARGO_PKG_VERSION"),
        account = Escaped(r.account_id.as_str()),
    );
}

fn header(h: &mut String, r: &ScanResult) {
    let regions: Vec<&str> = r.regions.iter().map(|x| x.as_str()).collect();
    let _ = write!(
        h,
        "<header class=\"top\">\n<h1>CloudArq security report</h1>\n<div class=\"meta\">\
         <span>AWS account {}</span><span>collected {}</span><span>regions {}</span>\
         <span>{} rules on {} resources</span></div>\n</header>\n",
        Escaped(r.account_id.as_str()),
        Escaped(&r.collected_at.to_string()),
        Escaped(&if regions.is_empty() {
            "none".to_owned()
        } else {
            regions.join(", ")
        }),
        r.rules_evaluated,
        r.resources,
    );
}

fn summary_cards(h: &mut String, r: &ScanResult, s: &Stats<'_>, evaluation_gaps: usize) {
    h.push_str("<section class=\"cards\" id=\"summary\" aria-label=\"Summary\">\n");
    let cards = [
        ("fail", s.totals.fail as usize, "failed"),
        ("pass", s.totals.pass as usize, "passed"),
        ("muted", s.totals.muted as usize, "muted"),
        ("error", s.totals.error as usize, "errors"),
        ("", r.coverage_gaps.len(), "coverage gaps"),
        ("", evaluation_gaps, "evaluation gaps"),
    ];
    for (class, n, label) in cards {
        let _ = writeln!(
            h,
            "<div class=\"card {class}\"><div class=\"n\">{n}</div><div class=\"l\">{label}</div></div>"
        );
    }
    h.push_str("</section>\n");
}

fn severity_chart(h: &mut String, s: &Stats<'_>) {
    const ROW: f64 = 30.0;
    const LABEL: f64 = 104.0;
    const FULL: f64 = 200.0;
    let max = s
        .fail_by_severity
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    let height = ROW * 5.0 + 4.0;
    let _ = write!(
        h,
        "<figure class=\"chart\">\n<h3>Failed findings by severity</h3>\n\
         <svg id=\"chart-severity\" viewBox=\"0 0 360 {height}\" role=\"img\" \
         aria-label=\"Failed findings by severity\">\n"
    );
    for (i, (sev, n)) in s.fail_by_severity.iter().enumerate() {
        let y = i as f64 * ROW;
        let w = bar(*n, max, FULL);
        let _ = writeln!(
            h,
            "<text x=\"0\" y=\"{ty}\">{sev}</text>\
             <rect x=\"{LABEL}\" y=\"{ry}\" width=\"{FULL}\" height=\"20\" rx=\"3\" fill=\"{FILL_TRACK}\"/>\
             <rect class=\"bar\" x=\"{LABEL}\" y=\"{ry}\" width=\"{w:.1}\" height=\"20\" rx=\"3\" fill=\"{fill}\">\
             <title>{sev}: {n} failed</title></rect>\
             <text x=\"{tx:.1}\" y=\"{ty}\">{n}</text>",
            ty = y + 17.0,
            ry = y + 3.0,
            fill = severity_fill(*sev),
            tx = LABEL + FULL + 8.0,
        );
    }
    h.push_str("</svg>\n</figure>\n");
}

fn service_chart(h: &mut String, s: &Stats<'_>) {
    const ROW: f64 = 34.0;
    const LABEL: f64 = 48.0;
    const FULL: f64 = 250.0;
    const ORDER: [Status; 4] = [Status::Fail, Status::Error, Status::Muted, Status::Pass];
    let max = s
        .by_service
        .iter()
        .map(|c| c.counts.total())
        .max()
        .unwrap_or(0);
    let rows = s.by_service.len().max(1);
    let height = ROW * rows as f64 + 4.0;
    let _ = write!(
        h,
        "<figure class=\"chart\">\n<h3>Findings per service</h3>\n\
         <svg id=\"chart-services\" viewBox=\"0 0 360 {height}\" role=\"img\" \
         aria-label=\"Findings per service and status\">\n"
    );
    if s.by_service.is_empty() {
        let _ = writeln!(h, "<text class=\"dim\" x=\"0\" y=\"20\">no findings</text>");
    }
    for (i, c) in s.by_service.iter().enumerate() {
        let y = i as f64 * ROW;
        let label = service_label(c.service);
        let _ = write!(h, "<text x=\"0\" y=\"{}\">{label}</text>", y + 20.0);
        let mut x = LABEL;
        for st in ORDER {
            let n = c.counts.get(st);
            if n == 0 {
                continue;
            }
            let w = bar(n, max, FULL);
            let _ = write!(
                h,
                "<rect class=\"bar\" x=\"{x:.1}\" y=\"{ry}\" width=\"{w:.1}\" height=\"22\" fill=\"{fill}\">\
                 <title>{label} {name}: {n}</title></rect>",
                ry = y + 4.0,
                fill = status_fill(st),
                name = st.as_str(),
            );
            x += w;
        }
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 6.0,
            y + 20.0,
            c.counts.total()
        );
    }
    h.push_str("</svg>\n<div class=\"legend\">");
    for st in ORDER {
        let _ = write!(
            h,
            "<span><i class=\"bg-{}\"></i>{}</span>",
            st.as_str().to_ascii_lowercase(),
            st.as_str()
        );
    }
    h.push_str("</div>\n</figure>\n");
}

fn score_fill(score: Option<f64>) -> &'static str {
    match score {
        Some(v) if v >= 80.0 => "#15803d",
        Some(v) if v >= 50.0 => "#ca8a04",
        Some(_) => "#dc2626",
        None => FILL_TRACK,
    }
}

fn framework_chart(h: &mut String, scores: &[FrameworkScore]) {
    const CELL: f64 = 170.0;
    const R: f64 = 50.0;
    let circumference = 2.0 * std::f64::consts::PI * R;
    let width = CELL * scores.len().max(1) as f64;
    let _ = write!(
        h,
        "<figure class=\"chart\">\n<h3>Framework scores</h3>\n\
         <svg id=\"chart-frameworks\" viewBox=\"0 0 {width} 170\" role=\"img\" \
         aria-label=\"Compliance score per framework\">\n"
    );
    if scores.is_empty() {
        let _ = writeln!(
            h,
            "<text class=\"dim\" x=\"0\" y=\"20\">no framework selected</text>"
        );
    }
    for (i, fw) in scores.iter().enumerate() {
        let cx = CELL * i as f64 + CELL / 2.0;
        let cy = 68.0;
        let pct = fw.total.score.map_or(0.0, |v| v.clamp(0.0, 100.0));
        let arc = circumference * pct / 100.0;
        let label = fw
            .total
            .score
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.0}%"));
        let _ = writeln!(
            h,
            "<g class=\"donut\"><title>{title}: {label}</title>\
             <circle cx=\"{cx}\" cy=\"{cy}\" r=\"{R}\" fill=\"none\" stroke=\"{FILL_TRACK}\" stroke-width=\"14\"/>\
             <circle class=\"arc\" cx=\"{cx}\" cy=\"{cy}\" r=\"{R}\" fill=\"none\" stroke=\"{fill}\" stroke-width=\"14\" \
             stroke-dasharray=\"{arc:.2} {circumference:.2}\" transform=\"rotate(-90 {cx} {cy})\"/>\
             <text class=\"big\" x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\">{label}</text>\
             <text x=\"{cx}\" y=\"142\" text-anchor=\"middle\">{id}</text>\
             <text class=\"dim\" x=\"{cx}\" y=\"160\" text-anchor=\"middle\">{p} passed, {f} failed</text></g>",
            title = Escaped(&fw.title),
            fill = score_fill(fw.total.score),
            ty = cy + 7.0,
            id = Escaped(&fw.framework),
            p = fw.total.passed,
            f = fw.total.failed,
        );
    }
    h.push_str("</svg>\n</figure>\n");
}

fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"))
}

fn frameworks(h: &mut String, scores: &[FrameworkScore]) {
    if scores.is_empty() {
        return;
    }
    h.push_str("<h2 id=\"compliance\">Compliance</h2>\n");
    for fw in scores {
        let _ = write!(
            h,
            "<div class=\"framework\">\n<h3>{} <span class=\"note\">{} \u{b7} score {}</span></h3>\n\
             <table><thead><tr><th>Section</th><th>Passed</th><th>Failed</th><th>Manual</th>\
             <th>Score</th></tr></thead><tbody>\n",
            Escaped(&fw.title),
            Escaped(&fw.framework),
            score_text(fw.total.score),
        );
        let rows = fw
            .sections
            .iter()
            .map(|s| ("", s))
            .chain([(" class=\"total\"", &fw.total)]);
        for (class, s) in rows {
            let _ = writeln!(
                h,
                "<tr{class}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                Escaped(&s.section),
                s.passed,
                s.failed,
                s.manual,
                score_text(s.score),
            );
        }
        h.push_str("</tbody></table>\n</div>\n");
    }
    h.push_str(
        "<p class=\"note\">A control passes when every finding of its rules passed (muted counts \
         as passed); manual controls have no automated rule or nothing to check.</p>\n",
    );
}

fn severity_badge(s: Severity) -> String {
    format!("<span class=\"sev sev-{s}\">{s}</span>")
}

fn status_badge(s: Status) -> String {
    let n = s.as_str();
    format!("<span class=\"st st-{n}\">{n}</span>")
}

/// A reference link, only for plain `https://` URLs.
fn link(url: &str) -> String {
    if url.starts_with("https://") && !url.contains(char::is_whitespace) {
        format!(
            "<a href=\"{0}\" rel=\"noopener noreferrer\">{0}</a>",
            Escaped(url)
        )
    } else {
        Escaped(url).to_string()
    }
}

fn remediation(h: &mut String, s: &Stats<'_>, result: &ScanResult, rules: &RuleIndex) {
    let _ = writeln!(
        h,
        "<h2 id=\"remediation\">Failing rules and remediation <span class=\"note\">{} rules</span></h2>",
        s.failing_rules.len()
    );
    if s.failing_rules.is_empty() {
        h.push_str("<p class=\"note\">No rule failed.</p>\n");
    }
    for r in &s.failing_rules {
        failing_rule(h, r, result, rules);
    }
}

fn failing_rule(h: &mut String, r: &FailingRule<'_>, result: &ScanResult, rules: &RuleIndex) {
    let _ = write!(
        h,
        "<details class=\"rule\" id=\"rule-{id}\"{open}><summary>{badge} {title}<span class=\"id\">{id}</span>\
         <span class=\"count\">{n} failed</span></summary>\n<div class=\"body\">\n",
        id = Escaped(r.rule_id),
        open = if r.severity == Severity::Critical {
            " open"
        } else {
            ""
        },
        badge = severity_badge(r.severity),
        title = Escaped(r.title),
        n = r.failed,
    );
    match rules.lookup(result, r.rule_id) {
        Some(m) => {
            let _ = writeln!(
                h,
                "<p><strong>Why it matters.</strong> {}</p>",
                Escaped(&m.rationale)
            );
            if !m.remediation.console.is_empty() {
                let _ = writeln!(
                    h,
                    "<p><strong>Console.</strong> {}</p>",
                    Escaped(&m.remediation.console)
                );
            }
            if !m.remediation.cli.is_empty() {
                let _ = writeln!(
                    h,
                    "<p><strong>CLI.</strong></p><pre><code>{}</code></pre>",
                    Escaped(&m.remediation.cli)
                );
            }
            if !m.remediation.url.is_empty() {
                let _ = writeln!(
                    h,
                    "<p><strong>Reference.</strong> {}</p>",
                    link(&m.remediation.url)
                );
            }
        }
        None => h.push_str("<p class=\"note\">No remediation is known for this rule.</p>\n"),
    }
    h.push_str("<p><strong>Failing resources.</strong></p>\n<ul>\n");
    for f in r.findings.iter().take(LIST_LIMIT) {
        let _ = writeln!(
            h,
            "<li><code>{}</code> \u{2014} {}</li>",
            Escaped(f.resource_arn.as_str()),
            Escaped(&f.message)
        );
    }
    h.push_str("</ul>\n");
    more(h, r.failed, "failing resources");
    h.push_str("</div></details>\n");
}

/// "and N more": a note under a list cut at [`LIST_LIMIT`].
fn more(h: &mut String, total: usize, what: &str) {
    if total > LIST_LIMIT {
        let _ = writeln!(
            h,
            "<p class=\"note more\">The first {LIST_LIMIT} of {total} {what} are listed; \
             the JSON, OCSF and CSV reports hold every one.</p>"
        );
    }
}

/// The FAIL, ERROR and MUTED findings, at most [`LIST_LIMIT`] per rule and
/// status, failures first.
fn findings_table(h: &mut String, r: ResultRef<'_>) {
    // At most LIST_LIMIT per (rule, status): only those are ever held.
    let mut not_pass = 0;
    let mut seen: std::collections::HashMap<(&str, Status), usize> =
        std::collections::HashMap::new();
    let mut rows: Vec<FindingRef<'_>> = Vec::new();
    for f in r.findings().filter(|f| f.status != Status::Pass) {
        not_pass += 1;
        let n = seen.entry((f.rule_id, f.status)).or_insert(0);
        *n += 1;
        if *n <= LIST_LIMIT {
            rows.push(f.detached());
        }
    }
    rows.sort_by(|a, b| {
        status_rank(a.status)
            .cmp(&status_rank(b.status))
            .then(b.severity.cmp(&a.severity))
            .then(a.rule_id.cmp(b.rule_id))
            .then(a.resource_arn.cmp(b.resource_arn))
    });
    let _ = writeln!(
        h,
        "<h2 id=\"findings-title\">Findings <span class=\"note\">{not_pass} failed, muted or in error</span></h2>"
    );
    if rows.len() < not_pass {
        let _ = writeln!(
            h,
            "<p class=\"note more\" id=\"findings-cut\">{} are listed: at most {LIST_LIMIT} per rule \
             and status. The JSON, OCSF and CSV reports hold every finding.</p>",
            rows.len()
        );
    }
    h.push_str(
        "<table id=\"findings\">\n<thead><tr><th data-sort=\"severity\">Severity</th>\
         <th data-sort=\"status\">Status</th><th data-sort=\"text\">Service</th>\
         <th data-sort=\"text\">Region</th><th data-sort=\"text\">Rule</th>\
         <th data-sort=\"text\">Resource</th><th>Message</th></tr></thead>\n<tbody>\n",
    );
    for f in rows {
        let _ = write!(
            h,
            "<tr data-status=\"{st}\" data-severity=\"{sev}\"><td>{sev_badge}</td><td>{st_badge}</td>\
             <td>{svc}</td><td class=\"nowrap\">{region}</td><td>{title}<div class=\"note\"><code>{rule}</code></div></td>\
             <td>{name}<div class=\"note arn\"><code>{arn}</code></div></td><td>{msg}",
            st = f.status.as_str(),
            sev = f.severity,
            sev_badge = severity_badge(f.severity),
            st_badge = status_badge(f.status),
            svc = service_label(f.service),
            region = Escaped(f.region.as_ref().map_or("global", |x| x.as_str())),
            title = Escaped(f.title),
            rule = Escaped(f.rule_id),
            name = Escaped(f.resource_name),
            arn = Escaped(f.resource_arn.as_str()),
            msg = Escaped(&f.message),
        );
        if let Some(reason) = &f.severity_reason {
            let _ = write!(
                h,
                "<div class=\"note\">Severity adjusted: {}</div>",
                Escaped(reason)
            );
        }
        if let Some(reason) = &f.muted_reason {
            let _ = write!(h, "<div class=\"note\">Muted: {}</div>", Escaped(reason));
        }
        h.push_str("</td></tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The PASS findings, one row per rule with its count, in rule id order.
fn passed_table(h: &mut String, r: ResultRef<'_>) {
    // Findings come in (rule, ARN) order, so a rule's PASS findings are one run.
    let mut per_rule: Vec<(FindingRef<'_>, usize)> = Vec::new();
    for f in r.findings().filter(|f| f.status == Status::Pass) {
        match per_rule.last_mut() {
            Some((first, n)) if first.rule_id == f.rule_id => *n += 1,
            _ => per_rule.push((f.detached(), 1)),
        }
    }
    per_rule.sort_by(|a, b| a.0.rule_id.cmp(b.0.rule_id));
    // A result assembled out of order (a hand-written file) still counts
    // each rule once.
    per_rule.dedup_by(|later, first| {
        let same = later.0.rule_id == first.0.rule_id;
        if same {
            first.1 += later.1;
        }
        same
    });
    let total: usize = per_rule.iter().map(|(_, n)| n).sum();
    let _ = writeln!(
        h,
        "<h2 id=\"passed\">Passed checks <span class=\"note\">{total} findings of {} rules</span></h2>",
        per_rule.len()
    );
    if per_rule.is_empty() {
        h.push_str("<p class=\"note\">No finding passed.</p>\n");
        return;
    }
    h.push_str(
        "<table id=\"passed-table\"><thead><tr><th>Rule</th><th>Service</th>\
         <th>Severity</th><th>Passed</th></tr></thead><tbody>\n",
    );
    for (f, n) in per_rule {
        let _ = writeln!(
            h,
            "<tr><td>{}<div class=\"note\"><code>{}</code></div></td><td>{}</td><td>{}</td>\
             <td class=\"num\">{n}</td></tr>",
            Escaped(f.title),
            Escaped(f.rule_id),
            service_label(f.service),
            severity_badge(f.severity),
        );
    }
    h.push_str("</tbody></table>\n");
}

fn gaps(h: &mut String, results: ResultRef<'_>) {
    let r = results.head();
    let _ = writeln!(
        h,
        "<h2 id=\"coverage-gaps\">Coverage gaps <span class=\"note\">{}</span></h2>\n\
         <p class=\"note\">Parts of the account CloudArq could not read. Rules report nothing \
         about data that was not collected: neither PASS nor FAIL.</p>",
        r.coverage_gaps.len()
    );
    if r.coverage_gaps.is_empty() {
        h.push_str("<p class=\"note\">None: everything in scope was read.</p>\n");
    } else {
        h.push_str(
            "<table id=\"coverage-gaps-table\"><thead><tr><th>Service</th><th>Region</th>\
             <th>Action</th><th>Resource</th><th>Cause</th><th>Message</th></tr></thead><tbody>\n",
        );
        for g in &r.coverage_gaps {
            let cause = match &g.error_code {
                Some(code) => format!("{} ({})", gap_kind_name(g.kind), code),
                None => gap_kind_name(g.kind).to_owned(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"arn\">{}</td>\
                 <td>{}</td><td>{}</td></tr>",
                service_label(g.service),
                Escaped(g.region.as_ref().map_or("global", |x| x.as_str())),
                Escaped(&g.action),
                Escaped(g.resource.as_ref().map_or("", |a| a.as_str())),
                Escaped(&cause),
                Escaped(&g.message),
            );
        }
        h.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        h,
        "<h2 id=\"evaluation-gaps\">Evaluation gaps <span class=\"note\">{}</span></h2>",
        results.gaps().len()
    );
    if results.gaps().len() == 0 {
        h.push_str("<p class=\"note\">None.</p>\n");
    } else {
        h.push_str(
            "<table id=\"evaluation-gaps-table\"><thead><tr><th>Rule</th><th>Resource</th>\
             <th>Field not collected</th></tr></thead><tbody>\n",
        );
        let mut per_rule: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for g in results.gaps() {
            let n = per_rule.entry(g.rule_id).or_insert(0);
            *n += 1;
            if *n > LIST_LIMIT {
                continue;
            }
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"arn\">{}</td><td><code>{}</code></td></tr>",
                Escaped(g.rule_id),
                Escaped(g.resource_arn.as_str()),
                Escaped(g.field),
            );
        }
        h.push_str("</tbody></table>\n");
        let mut cut: Vec<(&str, usize)> = per_rule
            .into_iter()
            .filter(|(_, n)| *n > LIST_LIMIT)
            .collect();
        cut.sort_unstable();
        if !cut.is_empty() {
            h.push_str("<ul class=\"note more\" id=\"evaluation-gaps-cut\">\n");
            for (rule, n) in cut {
                let _ = writeln!(
                    h,
                    "<li>The first {LIST_LIMIT} of {n} evaluation gaps of <code>{}</code> are listed; \
                     the JSON report holds every one.</li>",
                    Escaped(rule)
                );
            }
            h.push_str("</ul>\n");
        }
    }
}

fn footer(h: &mut String, r: &ScanResult) {
    let _ = writeln!(
        h,
        "<footer>\n<p>Generated by CloudArq {} from the collection of {}. This file loads \
         nothing from the network.</p>\n<p id=\"js-status\">The tables are complete without \
         JavaScript; with it, the findings table can be filtered and sorted.</p>\n\
         <ul id=\"csp-violations\"></ul>\n</footer>",
        env!("CARGO_PKG_VERSION"),
        Escaped(&r.collected_at.to_string()),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use crate::report::fixture::{rule_metas, sample_result};

    #[test]
    fn escaping_covers_the_five_characters() {
        assert_eq!(
            Escaped("a<b>&\"c\"'d'").to_string(),
            "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;"
        );
        assert_eq!(Escaped("plain ✓").to_string(), "plain ✓");
    }

    #[test]
    fn issue_10_remediation_comes_from_the_results_catalogue() {
        // A rule no index knows (as a WebAssembly rule's would be), described
        // by the result's own catalogue only.
        let mut r = sample_result();
        let failing = r
            .findings
            .iter()
            .find(|f| f.status == cloudarq_model::rule::Status::Fail)
            .unwrap()
            .rule_id
            .clone();
        let mut info = cloudarq_model::package::RuleInfo::from_meta(
            rule_metas().iter().find(|m| m.id == failing).unwrap(),
        );
        info.remediation.cli = "aws acme fix --from-the-catalogue".into();
        info.rationale = "Catalogue <b>rationale</b>".into();
        r.rules = vec![info];
        let html = render(&r, &RuleIndex::empty());
        assert!(html.contains("aws acme fix --from-the-catalogue"));
        assert!(html.contains("Catalogue &lt;b&gt;rationale&lt;/b&gt;"));
        // The catalogue wins over an index describing the same rule.
        let html = render(&r, &RuleIndex::from_metas(rule_metas()));
        assert!(html.contains("aws acme fix --from-the-catalogue"));
    }

    #[test]
    fn csp_hashes_match_the_inline_blocks() {
        let html = render(&sample_result(), &RuleIndex::from_metas(rule_metas()));
        let csp = content_security_policy();
        assert!(html.contains(&format!("content=\"{csp}\"")));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert_eq!(
            html.matches("<script").count(),
            1,
            "exactly one script element"
        );
        assert_eq!(
            html.matches("<style").count(),
            1,
            "exactly one style element"
        );
        assert!(!html.contains(" style=\""), "no style attributes");
        assert!(!html.contains(" onerror=\"") && !html.contains(" onclick=\""));
    }

    #[test]
    fn unsafe_links_are_not_links() {
        assert_eq!(link("javascript:alert(1)"), "javascript:alert(1)");
        assert!(link("https://docs.aws.amazon.com/x").starts_with("<a href=\"https://"));
    }
}
