//! Differences between two results of one account (C6), keyed by (rule id, ARN).
//!
//! - **new failures**: FAIL now, and not FAIL before (PASS, MUTED, ERROR or absent);
//! - **still failing**: FAIL before and now;
//! - **resolved**: FAIL before, and now PASS, or gone (the resource was deleted
//!   or the rule no longer applies) while its service and region were collected;
//! - **muted**: MUTED now, whatever it was before;
//! - **unverified**: FAIL before, and now ERROR, not collected (an evaluation gap),
//!   or gone under a coverage gap. Missing data is never reported as resolved.

use std::collections::HashSet;

use cloudarq_model::finding::{Verdict, Verdicts};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{AccountId, Arn, CoverageGap, Region, Service};
use serde::{Deserialize, Serialize};

use super::error::EngineError;
use super::evaluation::{FindingRef, ResultRef};

/// One (rule, resource) pair that changed or still fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffEntry {
    /// Rule id.
    pub rule_id: String,
    /// The resource.
    pub resource_arn: Arn,
    /// Rule title.
    pub title: String,
    /// Severity now, or before when the finding is gone.
    pub severity: Severity,
    /// Status in the earlier result; `None` when absent.
    pub before: Option<Status>,
    /// Status in the later result; `None` when absent.
    pub after: Option<Status>,
}

/// What changed between two results; every list is ordered by (rule id, ARN).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanDiff {
    /// FAIL now, not FAIL before.
    pub new_failures: Vec<DiffEntry>,
    /// FAIL before, PASS or gone now.
    pub resolved: Vec<DiffEntry>,
    /// FAIL before and now.
    pub still_failing: Vec<DiffEntry>,
    /// MUTED now.
    pub muted: Vec<DiffEntry>,
    /// FAIL before; now ERROR or not collected, so neither resolved nor failing.
    pub unverified: Vec<DiffEntry>,
}

/// One side of a comparison: a result (a
/// [`ScanResult`](cloudarq_model::finding::ScanResult) or an
/// [`Evaluation`](super::Evaluation)), or a stored scan's [`Verdicts`] (what
/// the store reads without decrypting the findings' details).
#[derive(Clone, Copy, Debug)]
pub enum Compared<'a> {
    /// A result, either form.
    Result(ResultRef<'a>),
    /// A stored scan's verdicts.
    Verdicts(&'a Verdicts),
}

impl<'a> Compared<'a> {
    fn account_id(self) -> &'a AccountId {
        match self {
            Self::Result(r) => &r.head().account_id,
            Self::Verdicts(v) => &v.account_id,
        }
    }

    /// The findings, in (rule id, ARN) order, one per pair.
    fn sides(self) -> Vec<Side<'a>> {
        match self {
            Self::Result(r) => ordered(r.findings().map(Side::from)),
            Self::Verdicts(v) => ordered(v.verdicts.iter().map(Side::from)),
        }
    }

    /// The (rule id, ARN) of every evaluation gap.
    fn gaps(self) -> HashSet<(&'a str, &'a str)> {
        match self {
            Self::Result(r) => r
                .gaps()
                .map(|g| (g.rule_id, g.resource_arn.as_str()))
                .collect(),
            Self::Verdicts(v) => v
                .evaluation_gaps
                .iter()
                .map(|g| (&*g.rule_id, g.resource_arn.as_str()))
                .collect(),
        }
    }

    fn coverage_gaps(self) -> &'a [CoverageGap] {
        match self {
            Self::Result(r) => &r.head().coverage_gaps,
            Self::Verdicts(v) => &v.coverage_gaps,
        }
    }
}

impl<'a> From<ResultRef<'a>> for Compared<'a> {
    fn from(r: ResultRef<'a>) -> Self {
        Self::Result(r)
    }
}

impl<'a> From<&'a cloudarq_model::finding::ScanResult> for Compared<'a> {
    fn from(r: &'a cloudarq_model::finding::ScanResult) -> Self {
        Self::Result(r.into())
    }
}

impl<'a> From<&'a super::Evaluation> for Compared<'a> {
    fn from(e: &'a super::Evaluation) -> Self {
        Self::Result(e.into())
    }
}

impl<'a> From<&'a Verdicts> for Compared<'a> {
    fn from(v: &'a Verdicts) -> Self {
        Self::Verdicts(v)
    }
}

/// What the comparison reads of one finding.
#[derive(Clone, Copy)]
struct Side<'a> {
    rule_id: &'a str,
    title: &'a str,
    service: Service,
    resource_arn: &'a Arn,
    region: Option<&'a Region>,
    status: Status,
    severity: Severity,
}

impl<'a> Side<'a> {
    fn key(&self) -> (&'a str, &'a str) {
        (self.rule_id, self.resource_arn.as_str())
    }
}

impl<'a> From<FindingRef<'a>> for Side<'a> {
    fn from(f: FindingRef<'a>) -> Self {
        Self {
            rule_id: f.rule_id,
            title: f.title,
            service: f.service,
            resource_arn: f.resource_arn,
            region: f.region,
            status: f.status,
            severity: f.severity,
        }
    }
}

impl<'a> From<&'a Verdict> for Side<'a> {
    fn from(v: &'a Verdict) -> Self {
        Self {
            rule_id: &v.rule_id,
            title: &v.title,
            service: v.service,
            resource_arn: &v.resource_arn,
            region: v.region.as_deref(),
            status: v.status,
            severity: v.severity,
        }
    }
}

/// The findings of one side ordered by (rule id, ARN), one per pair: a
/// result is in that order already (checked, and sorted when it is not,
/// e.g. a hand-edited file); of findings of one pair the last is kept.
fn ordered<'a>(sides: impl Iterator<Item = Side<'a>>) -> Vec<Side<'a>> {
    let mut v: Vec<Side<'a>> = sides.collect();
    if !v.is_sorted_by(|a, b| a.key() <= b.key()) {
        v.sort_by(|a, b| a.key().cmp(&b.key()));
    }
    // Stable order: of equal keys the later finding comes last; keep it.
    let mut kept: Vec<Side<'a>> = Vec::with_capacity(v.len());
    for s in v {
        match kept.last_mut() {
            Some(last) if last.key() == s.key() => *last = s,
            _ => kept.push(s),
        }
    }
    kept
}

/// Compares `before` with `after`, two results of the same account: each a
/// [`ScanResult`](cloudarq_model::finding::ScanResult), an
/// [`Evaluation`](super::Evaluation) or a stored scan's [`Verdicts`]. Both
/// sides are walked in (rule id, ARN) order, so the comparison holds a few
/// words per finding, not the findings.
pub fn diff<'a>(
    before: impl Into<Compared<'a>>,
    after: impl Into<Compared<'a>>,
) -> Result<ScanDiff, EngineError> {
    let (before, after) = (before.into(), after.into());
    if before.account_id() != after.account_id() {
        return Err(EngineError::AccountMismatch {
            old: before.account_id().to_string(),
            new: after.account_id().to_string(),
        });
    }
    let (old, new) = (before.sides(), after.sides());
    let gaps = after.gaps();
    let coverage_gaps = after.coverage_gaps();
    let mut d = ScanDiff::default();
    let (mut olds, mut news) = (old.into_iter().peekable(), new.into_iter().peekable());
    loop {
        // The next pair in key order, from either side or both.
        let (old, new) = match (olds.peek(), news.peek()) {
            (None, None) => break,
            (Some(_), None) => (olds.next(), None),
            (None, Some(_)) => (None, news.next()),
            (Some(o), Some(n)) => match o.key().cmp(&n.key()) {
                std::cmp::Ordering::Less => (olds.next(), None),
                std::cmp::Ordering::Greater => (None, news.next()),
                std::cmp::Ordering::Equal => (olds.next(), news.next()),
            },
        };
        let Some(shown) = new.or(old) else { continue };
        let entry = DiffEntry {
            rule_id: shown.rule_id.to_owned(),
            resource_arn: shown.resource_arn.clone(),
            title: shown.title.to_owned(),
            severity: shown.severity,
            before: old.map(|f| f.status),
            after: new.map(|f| f.status),
        };
        let was_failing = entry.before == Some(Status::Fail);
        let list = match (was_failing, entry.after) {
            (true, Some(Status::Fail)) => &mut d.still_failing,
            (false, Some(Status::Fail)) => &mut d.new_failures,
            (_, Some(Status::Muted)) => &mut d.muted,
            (true, Some(Status::Pass)) => &mut d.resolved,
            (true, Some(Status::Error)) => &mut d.unverified,
            (true, None)
                if gaps.contains(&shown.key()) || covered_by_gap(&shown, coverage_gaps) =>
            {
                &mut d.unverified
            }
            (true, None) => &mut d.resolved,
            _ => continue,
        };
        list.push(entry);
    }
    Ok(d)
}

/// Whether a coverage gap may hide the finding's resource.
fn covered_by_gap(f: &Side<'_>, gaps: &[CoverageGap]) -> bool {
    let region_matches =
        |r: &Option<Region>| r.is_none() || f.region.is_none() || r.as_ref() == f.region;
    gaps.iter().any(|g| {
        g.service == f.service
            && region_matches(&g.region)
            && g.resource.as_ref().is_none_or(|a| a == f.resource_arn)
    })
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::engine::testing::{FAIL_HIGH, PASS_ALL, VERSIONING, finding, rules, snapshot};
    use cloudarq_model::finding::{EvaluationGap, Finding, ScanResult, VerdictGap};
    use std::sync::Arc;

    fn result(findings: Vec<Finding>) -> ScanResult {
        let mut r = Engine::new(rules()).evaluate(&snapshot());
        r.findings = findings;
        r.evaluation_gaps.clear();
        r.coverage_gaps.clear();
        r
    }

    fn keys(list: &[DiffEntry]) -> Vec<(&str, &str, Option<Status>, Option<Status>)> {
        list.iter()
            .map(|e| {
                (
                    e.rule_id.as_str(),
                    e.resource_arn.as_str(),
                    e.before,
                    e.after,
                )
            })
            .collect()
    }

    /// A stored scan's verdicts, as the store reads them.
    fn verdicts(r: &ScanResult) -> Verdicts {
        Verdicts {
            account_id: r.account_id.clone(),
            verdicts: r
                .findings
                .iter()
                .map(|f| Verdict {
                    rule_id: f.rule_id.as_str().into(),
                    title: f.title.as_str().into(),
                    service: f.service,
                    resource_arn: Arc::new(f.resource_arn.clone()),
                    region: f.region.clone().map(Arc::new),
                    status: f.status,
                    severity: f.severity,
                })
                .collect(),
            evaluation_gaps: r.evaluation_gaps.iter().map(VerdictGap::from).collect(),
            coverage_gaps: r.coverage_gaps.clone(),
        }
    }

    /// Every form of either side gives the same comparison: the earlier
    /// side as a document, as the lean form, as verdicts, or out of order;
    /// the later side as a document or the lean form. Of two findings of
    /// one pair the later counts (as a map keyed by pair would keep).
    #[test]
    fn every_form_of_either_side_compares_the_same() {
        use Status::*;
        let before = result(vec![
            finding(&FAIL_HIGH, "arn:aws:s3:::a", Fail),
            finding(&FAIL_HIGH, "arn:aws:s3:::b", Fail),
            finding(&FAIL_HIGH, "arn:aws:s3:::c", Fail),
            finding(&PASS_ALL, "arn:aws:s3:::a", Pass),
            finding(&VERSIONING, "arn:aws:s3:::a", Fail),
        ]);
        let after = result(vec![
            finding(&FAIL_HIGH, "arn:aws:s3:::a", Fail),
            finding(&FAIL_HIGH, "arn:aws:s3:::b", Pass),
            finding(&FAIL_HIGH, "arn:aws:s3:::z", Fail),
            finding(&PASS_ALL, "arn:aws:s3:::a", Fail),
        ]);
        let want = diff(&before, &after).unwrap();
        assert_eq!(want.new_failures.len(), 2);
        assert_eq!(want.resolved.len(), 3);
        let mut shuffled = before.clone();
        shuffled.findings.reverse();
        let lean_before = crate::engine::Evaluation::from(before.clone());
        let lean_after = crate::engine::Evaluation::from(after.clone());
        assert_eq!(diff(&shuffled, &after).unwrap(), want);
        assert_eq!(diff(&verdicts(&before), &after).unwrap(), want);
        assert_eq!(diff(&verdicts(&shuffled), &after).unwrap(), want);
        assert_eq!(diff(&lean_before, &lean_after).unwrap(), want);
        assert_eq!(diff(&verdicts(&before), &lean_after).unwrap(), want);
        assert_eq!(diff(&before, &verdicts(&after)).unwrap(), want);
        assert_eq!(diff(&verdicts(&before), &verdicts(&after)).unwrap(), want);

        // A pair listed twice: the later finding counts.
        let mut twice = before.clone();
        twice
            .findings
            .push(finding(&FAIL_HIGH, "arn:aws:s3:::c", Pass));
        let d = diff(&verdicts(&twice), &after).unwrap();
        assert_eq!(d, diff(&twice, &after).unwrap());
        assert!(
            !d.resolved
                .iter()
                .any(|e| e.resource_arn.as_str() == "arn:aws:s3:::c"),
            "c passed last before: not resolved now"
        );

        // Verdicts of another account are refused like a result.
        let mut other = verdicts(&before);
        other.account_id = "210987654321".parse().unwrap();
        assert!(matches!(
            diff(&other, &after),
            Err(EngineError::AccountMismatch { .. })
        ));
    }

    #[test]
    fn each_pair_lands_in_exactly_one_list() {
        use Status::*;
        let before = result(vec![
            finding(&FAIL_HIGH, "arn:aws:s3:::a", Fail), // still failing
            finding(&FAIL_HIGH, "arn:aws:s3:::b", Fail), // resolved: passes
            finding(&FAIL_HIGH, "arn:aws:s3:::c", Fail), // resolved: deleted
            finding(&FAIL_HIGH, "arn:aws:s3:::d", Fail), // muted now
            finding(&FAIL_HIGH, "arn:aws:s3:::e", Fail), // unverified: error
            finding(&PASS_ALL, "arn:aws:s3:::a", Pass),  // new failure
            finding(&PASS_ALL, "arn:aws:s3:::b", Pass),  // unchanged pass: nowhere
            finding(&VERSIONING, "arn:aws:s3:::a", Fail), // unverified: not collected
        ]);
        let mut after = result(vec![
            finding(&FAIL_HIGH, "arn:aws:s3:::a", Fail),
            finding(&FAIL_HIGH, "arn:aws:s3:::b", Pass),
            finding(&FAIL_HIGH, "arn:aws:s3:::d", Muted),
            finding(&FAIL_HIGH, "arn:aws:s3:::e", Error),
            finding(&FAIL_HIGH, "arn:aws:s3:::z", Fail), // new failure: new resource
            finding(&PASS_ALL, "arn:aws:s3:::a", Fail),
            finding(&PASS_ALL, "arn:aws:s3:::b", Pass),
        ]);
        after.evaluation_gaps.push(EvaluationGap {
            rule_id: "test_versioning".into(),
            resource_arn: "arn:aws:s3:::a".parse().unwrap(),
            field: "versioning".into(),
        });
        let d = diff(&before, &after).unwrap();
        // The later side as a stored scan's verdicts (with its gaps) too.
        assert_eq!(diff(&verdicts(&before), &verdicts(&after)).unwrap(), d);
        assert_eq!(
            keys(&d.new_failures),
            [
                ("test_fail_high", "arn:aws:s3:::z", None, Some(Fail)),
                ("test_pass_all", "arn:aws:s3:::a", Some(Pass), Some(Fail)),
            ]
        );
        assert_eq!(
            keys(&d.still_failing),
            [("test_fail_high", "arn:aws:s3:::a", Some(Fail), Some(Fail))]
        );
        assert_eq!(
            keys(&d.resolved),
            [
                ("test_fail_high", "arn:aws:s3:::b", Some(Fail), Some(Pass)),
                ("test_fail_high", "arn:aws:s3:::c", Some(Fail), None),
            ]
        );
        assert_eq!(
            keys(&d.muted),
            [("test_fail_high", "arn:aws:s3:::d", Some(Fail), Some(Muted))]
        );
        assert_eq!(
            keys(&d.unverified),
            [
                ("test_fail_high", "arn:aws:s3:::e", Some(Fail), Some(Error)),
                ("test_versioning", "arn:aws:s3:::a", Some(Fail), None),
            ]
        );
    }

    #[test]
    fn a_coverage_gap_keeps_a_vanished_failure_unverified() {
        let mut old = finding(&FAIL_HIGH, "arn:aws:s3:::a", Status::Fail);
        old.region = Some("eu-west-1".parse().unwrap());
        let before = result(vec![old]);
        let mut after = result(Vec::new());
        after.coverage_gaps = snapshot().gaps; // s3 in eu-west-1, about bucket c
        let d = diff(&before, &after).unwrap();
        // The later side as a stored scan's verdicts (with its gaps) too.
        assert_eq!(diff(&verdicts(&before), &verdicts(&after)).unwrap(), d);
        assert_eq!(
            d.resolved.len(),
            1,
            "a gap about another bucket does not hide bucket a"
        );
        after.coverage_gaps[0].resource = None; // now: all of S3 in eu-west-1
        let d = diff(&before, &after).unwrap();
        // The later side as a stored scan's verdicts (with its gaps) too.
        assert_eq!(diff(&verdicts(&before), &verdicts(&after)).unwrap(), d);
        assert_eq!((d.resolved.len(), d.unverified.len()), (0, 1));
        after.coverage_gaps[0].region = Some("us-east-1".parse().unwrap());
        assert_eq!(diff(&before, &after).unwrap().resolved.len(), 1);
    }

    #[test]
    fn different_accounts_are_refused() {
        let a = result(Vec::new());
        let mut b = result(Vec::new());
        b.account_id = "210987654321".parse().unwrap();
        let e = diff(&a, &b).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot diff results of different accounts: 123456789012 (before) and 210987654321 (after)"
        );
    }
}
