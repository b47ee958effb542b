//! The terminal summary: what a person reads after `cloudarq scan`.
//!
//! Plain text unless [`TerminalOptions::color`] asks for ANSI colors, and a
//! pure function of the result, so the same scan always prints the same
//! lines (tests compare it whole).
//!
//! Text that comes from the account or from a rule package (rule ids,
//! titles, framework titles) is [escaped](cloudarq_model::text::escape), so
//! it cannot move the cursor, recolour or rewrite the summary; the colours
//! are the summary's own.

use std::fmt::Write as _;

use crate::engine::ResultRef;
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::text::escape;

use super::Stats;

/// How many failing rules the summary lists.
pub const TOP_FAILING_RULES: usize = 10;

/// Rendering options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TerminalOptions {
    /// Color severities and statuses with ANSI escapes.
    pub color: bool,
}

struct Painter(bool);

impl Painter {
    /// `text` padded to `width` on the right, then colored.
    fn paint(&self, code: &str, text: &str, width: usize) -> String {
        let padded = format!("{text:<width$}");
        if self.0 {
            format!("\x1b[{code}m{padded}\x1b[0m")
        } else {
            padded
        }
    }
    fn severity(&self, s: Severity, width: usize) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "34",
            Severity::Informational => "2",
        };
        self.paint(code, s.as_str(), width)
    }
    fn status(&self, s: Status, text: &str) -> String {
        let code = match s {
            Status::Pass => "32",
            Status::Fail => "1;31",
            Status::Muted => "2",
            Status::Error => "35",
        };
        self.paint(code, text, 0)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text, 0)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary of `result`, ending with a newline.
pub fn summary<'a>(result: impl Into<ResultRef<'a>>, opts: TerminalOptions) -> String {
    let p = Painter(opts.color);
    let results = result.into();
    let stats = Stats::of(results);
    let result = results.head();
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored below.
    let regions: Vec<&str> = result.regions.iter().map(|r| r.as_str()).collect();
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!(
            "CloudArq scan of AWS account {}",
            result.account_id
        ))
    );
    let _ = writeln!(
        out,
        "Collected {} in {}; {} evaluated on {}",
        result.collected_at,
        if regions.is_empty() {
            "no region".to_owned()
        } else {
            regions.join(", ")
        },
        plural(result.rules_evaluated as usize, "rule", "rules"),
        plural(result.resources as usize, "resource", "resources"),
    );
    out.push('\n');

    let t = stats.totals;
    let _ = writeln!(
        out,
        "Findings: {} total   {}   {}   {}   {}",
        t.total(),
        p.status(Status::Fail, &format!("FAIL {}", t.fail)),
        p.status(Status::Pass, &format!("PASS {}", t.pass)),
        p.status(Status::Muted, &format!("MUTED {}", t.muted)),
        p.status(Status::Error, &format!("ERROR {}", t.error)),
    );
    out.push('\n');

    let _ = writeln!(out, "{}", p.bold("Failed findings by severity"));
    for (sev, n) in stats.fail_by_severity {
        let _ = writeln!(out, "  {} {n:>5}", p.severity(sev, 13));
    }
    out.push('\n');

    let _ = writeln!(out, "{}", p.bold("Compliance"));
    if result.scores.is_empty() {
        out.push_str("  no framework selected\n");
    }
    let titles: Vec<_> = result.scores.iter().map(|s| escape(&s.title)).collect();
    let title_width = titles.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    for (s, title) in result.scores.iter().zip(&titles) {
        let score = s
            .total
            .score
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}%"));
        let _ = writeln!(
            out,
            "  {title:<title_width$}  {score:>6}   {} passed, {} failed, {} manual",
            s.total.passed, s.total.failed, s.total.manual,
        );
    }
    out.push('\n');

    let top = &stats.failing_rules[..stats.failing_rules.len().min(TOP_FAILING_RULES)];
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!(
            "Top failing rules ({} of {})",
            top.len(),
            stats.failing_rules.len()
        ))
    );
    if top.is_empty() {
        out.push_str("  none\n");
    }
    let ids: Vec<_> = top.iter().map(|r| escape(r.rule_id)).collect();
    let id_width = ids.iter().map(|id| id.chars().count()).max().unwrap_or(0);
    for (i, (r, id)) in top.iter().zip(&ids).enumerate() {
        let _ = writeln!(
            out,
            "  {:>2}. {} {:>4} failed  {id:<id_width$}  {}",
            i + 1,
            p.severity(r.severity, 13),
            r.failed,
            escape(r.title),
        );
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "Coverage gaps: {} (parts of the account that could not be read)",
        result.coverage_gaps.len()
    );
    let _ = writeln!(
        out,
        "Evaluation gaps: {} (checks skipped because their data was not collected)",
        results.gaps().len()
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use crate::report::fixture::sample_result;

    #[test]
    fn plain_summary_of_the_sample() {
        let got = summary(&sample_result(), TerminalOptions::default());
        let want = "\
CloudArq scan of AWS account 123456789012
Collected 2026-03-14T09:26:53Z in eu-west-1, us-east-1; 23 rules evaluated on 31 resources

Findings: 46 total   FAIL 20   PASS 22   MUTED 3   ERROR 1

Failed findings by severity
  critical          3
  high              5
  medium            9
  low               3
  informational     0

Compliance
  CIS Amazon Web Services Foundations Benchmark v3.0.0   35.0%   7 passed, 13 failed, 44 manual
  AWS Foundational Security Best Practices               44.8%   13 passed, 16 failed, 1 manual

Top failing rules (10 of 17)
   1. critical         1 failed  iam_role_trust_no_wildcard_principal        IAM role trust policy does not allow any principal
   2. critical         1 failed  iam_root_mfa_enabled                        Root user has MFA enabled
   3. critical         1 failed  rds_instance_not_publicly_accessible        RDS instance is not publicly accessible
   4. high             2 failed  ec2_securitygroup_ssh_not_open_to_internet  Security group does not allow SSH from the internet
   5. high             1 failed  iam_policy_no_full_admin                    Customer managed policy does not grant *:* administrative access
   6. high             1 failed  iam_user_console_mfa_enabled                IAM user with console access has MFA enabled
   7. high             1 failed  rds_instance_storage_encrypted              RDS instance storage is encrypted
   8. high             1 failed  s3_account_public_access_block_enabled      Account-level S3 Block Public Access is fully enabled
   9. medium           2 failed  ec2_vpc_flow_logs_enabled                   VPC has flow logs enabled
  10. medium           2 failed  s3_bucket_secure_transport_policy           S3 bucket policy denies requests without TLS

Coverage gaps: 3 (parts of the account that could not be read)
Evaluation gaps: 2 (checks skipped because their data was not collected)
";
        assert_eq!(got, want, "got:\n{got}");
        assert!(!got.contains('\x1b'));
    }

    #[test]
    fn colors_only_when_asked() {
        let colored = summary(&sample_result(), TerminalOptions { color: true });
        assert!(colored.contains("\x1b[1;31mcritical     \x1b[0m"));
        assert!(colored.contains("\x1b[32mPASS 22\x1b[0m"));
    }

    #[test]
    fn empty_result_says_so() {
        let mut r = sample_result();
        r.findings.clear();
        r.scores.clear();
        let got = summary(&r, TerminalOptions::default());
        assert!(got.contains("Findings: 0 total"));
        assert!(got.contains("Compliance\n  no framework selected\n"));
        assert!(got.contains("Top failing rules (0 of 0)\n  none\n"));
    }
}
