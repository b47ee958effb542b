//! Compliance scores (C6): how many controls of a framework, and of each of its
//! sections, pass, fail, or are left to a human.
//!
//! A control's findings are those of the rules the framework file maps to it.
//! The control
//! - **passes** when it has at least one finding and all are PASS or MUTED,
//! - **fails** when any is FAIL or ERROR (an ERROR means "not shown to pass"),
//! - is **manual** when it has no rules, or its rules produced no finding (no
//!   resource to check, or the data was not collected).
//!
//! `score = passed / (passed + failed) * 100`, `None` when nothing was assessed.

use std::collections::HashMap;

use cloudarq_model::finding::{Finding, FrameworkScore, SectionScore};
use cloudarq_model::rule::Status;
use cloudarq_rules::frameworks::{Control, Framework};

/// The state of one control in one result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlStatus {
    /// At least one finding, all PASS or MUTED.
    Passed,
    /// At least one FAIL or ERROR finding.
    Failed,
    /// No rule, or no finding to judge by.
    Manual,
}

/// Per rule id: (has a finding, has a FAIL or ERROR).
struct RuleIndex<'a>(HashMap<&'a str, (bool, bool)>);

impl<'a> RuleIndex<'a> {
    fn new(findings: impl IntoIterator<Item = (&'a str, Status)>) -> Self {
        let mut map: HashMap<&str, (bool, bool)> = HashMap::new();
        for (rule_id, status) in findings {
            let e = map.entry(rule_id).or_default();
            e.0 = true;
            e.1 |= matches!(status, Status::Fail | Status::Error);
        }
        Self(map)
    }

    fn of(findings: &'a [Finding]) -> Self {
        Self::new(findings.iter().map(|f| (f.rule_id.as_str(), f.status)))
    }

    fn status(&self, control: &Control) -> ControlStatus {
        let (mut any, mut failed) = (false, false);
        for rule in &control.rules {
            if let Some(&(a, f)) = self.0.get(rule.as_str()) {
                any |= a;
                failed |= f;
            }
        }
        match (any, failed) {
            (_, true) => ControlStatus::Failed,
            (true, false) => ControlStatus::Passed,
            (false, false) => ControlStatus::Manual,
        }
    }
}

/// The status of every control of `framework`, in framework order.
pub fn control_statuses<'f>(
    framework: &'f Framework,
    findings: &[Finding],
) -> Vec<(&'f Control, ControlStatus)> {
    statuses_in(framework, &RuleIndex::of(findings))
}

fn statuses_in<'f>(
    framework: &'f Framework,
    index: &RuleIndex<'_>,
) -> Vec<(&'f Control, ControlStatus)> {
    framework
        .controls
        .iter()
        .map(|c| (c, index.status(c)))
        .collect()
}

/// The score of one framework, in total and per section (in framework order).
pub fn score(framework: &Framework, findings: &[Finding]) -> FrameworkScore {
    score_in(framework, &RuleIndex::of(findings))
}

fn score_in(framework: &Framework, index: &RuleIndex<'_>) -> FrameworkScore {
    let statuses = statuses_in(framework, index);
    let tally = |name: &str, filter: &dyn Fn(&Control) -> bool| {
        let mut s = SectionScore {
            section: name.to_owned(),
            passed: 0,
            failed: 0,
            manual: 0,
            score: None,
        };
        for (_, st) in statuses.iter().filter(|(c, _)| filter(c)) {
            match st {
                ControlStatus::Passed => s.passed += 1,
                ControlStatus::Failed => s.failed += 1,
                ControlStatus::Manual => s.manual += 1,
            }
        }
        let assessed = s.passed + s.failed;
        s.score = (assessed > 0).then(|| f64::from(s.passed) / f64::from(assessed) * 100.0);
        s
    };
    FrameworkScore {
        framework: framework.id.clone(),
        title: framework.title.clone(),
        total: tally(&framework.title, &|_| true),
        sections: framework
            .sections
            .iter()
            .map(|name| tally(name, &|c: &Control| &c.section == name))
            .collect(),
    }
}

/// The scores of several frameworks, in the given order.
pub fn scores(frameworks: &[Framework], findings: &[Finding]) -> Vec<FrameworkScore> {
    scores_of(
        frameworks,
        findings.iter().map(|f| (f.rule_id.as_str(), f.status)),
    )
}

/// The scores of several frameworks, in the given order, from each
/// finding's (rule id, status): [`scores`] for findings in any form.
pub fn scores_of<'a>(
    frameworks: &[Framework],
    findings: impl IntoIterator<Item = (&'a str, Status)>,
) -> Vec<FrameworkScore> {
    let index = RuleIndex::new(findings);
    frameworks.iter().map(|f| score_in(f, &index)).collect()
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;
    use crate::engine::testing::{
        ERRORS, FAIL_HIGH, PANICS, PASS_ALL, SEVERITY, VERSIONING, finding,
    };

    /// Sections S1 (4 controls) and S2 (3 controls).
    fn framework() -> Framework {
        let c = |id: &str, section: &str, rules: &str| {
            let body = if rules.is_empty() {
                "manual = true".to_owned()
            } else {
                format!("rules = [{rules}]")
            };
            format!("[[control]]\nid = \"{id}\"\ntitle = \"t\"\nsection = \"{section}\"\n{body}\n")
        };
        let doc = [
            "id = \"test_fw\"\ntitle = \"Test framework\"\nversion = \"1\"\nsections = [\"S1\", \"S2\"]\n".to_owned(),
            c("1.1", "S1", "\"test_pass_all\""),
            c("1.2", "S1", "\"test_pass_all\", \"test_fail_high\""),
            c("1.10", "S1", ""),
            c("1.11", "S1", "\"rule_with_no_findings\""),
            c("2.1", "S2", "\"test_versioning\""),
            c("2.2", "S2", "\"test_errors\""),
            c("2.3", "S2", "\"test_severity\""),
        ]
        .concat();
        Framework::from_toml(&doc, "test_fw.toml").unwrap()
    }

    fn findings() -> Vec<Finding> {
        vec![
            finding(&PASS_ALL, "arn:aws:s3:::a", Status::Pass),
            finding(&PASS_ALL, "arn:aws:s3:::b", Status::Pass),
            finding(&FAIL_HIGH, "arn:aws:s3:::a", Status::Fail),
            finding(&VERSIONING, "arn:aws:s3:::a", Status::Pass),
            finding(&VERSIONING, "arn:aws:s3:::b", Status::Muted),
            finding(&ERRORS, "arn:aws:s3:::a", Status::Error),
            finding(
                &SEVERITY,
                "arn:aws:ec2:eu-west-1:123456789012:volume/v",
                Status::Muted,
            ),
            finding(&PANICS, "arn:aws:s3:::a", Status::Pass),
        ]
    }

    #[test]
    fn control_statuses_follow_the_rules() {
        let fw = framework();
        let got: Vec<_> = control_statuses(&fw, &findings())
            .into_iter()
            .map(|(c, s)| (c.id.as_str(), s))
            .collect();
        use ControlStatus::*;
        assert_eq!(
            got,
            [
                ("1.1", Passed),
                ("1.2", Failed),
                ("1.10", Manual),
                ("1.11", Manual),
                ("2.1", Passed),
                ("2.2", Failed),
                ("2.3", Passed),
            ]
        );
    }

    #[test]
    fn scores_per_framework_and_section_are_exact() {
        let s = score(&framework(), &findings());
        assert_eq!(s.framework, "test_fw");
        let row = |s: &SectionScore| (s.section.clone(), s.passed, s.failed, s.manual, s.score);
        assert_eq!(
            row(&s.total),
            ("Test framework".into(), 3, 2, 2, Some(60.0))
        );
        assert_eq!(row(&s.sections[0]), ("S1".into(), 1, 1, 2, Some(50.0)));
        let s2 = row(&s.sections[1]);
        assert_eq!((s2.1, s2.2, s2.3), (2, 1, 0));
        assert!((s2.4.unwrap() - 200.0 / 3.0).abs() < 1e-9, "{s2:?}");
    }

    #[test]
    fn nothing_assessed_has_no_score() {
        let s = score(&framework(), &[]);
        assert_eq!(
            (
                s.total.passed,
                s.total.failed,
                s.total.manual,
                s.total.score
            ),
            (0, 0, 7, None)
        );
        assert!(s.sections.iter().all(|x| x.score.is_none()));
    }

    #[test]
    fn builtin_cis_scores_count_every_control() {
        let fw = cloudarq_rules::frameworks::framework("cis_aws_3.0").unwrap();
        let s = score(&fw, &[]);
        assert_eq!(s.total.manual, 62);
        let names: Vec<_> = s.sections.iter().map(|x| x.section.as_str()).collect();
        assert_eq!(names[0], "1 Identity and Access Management");
        assert_eq!(s.sections.iter().map(|x| x.manual).sum::<u32>(), 62);
    }
}
