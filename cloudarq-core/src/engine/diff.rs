//! Differences between two results of one account (C6), keyed by (rule id, ARN).
//!
//! - **new failures**: FAIL now, and not FAIL before (PASS, MUTED, ERROR or absent);
//! - **still failing**: FAIL before and now;
//! - **resolved**: FAIL before, and now PASS, or gone (the resource was deleted
//!   or the rule no longer applies) while its service and region were collected;
//! - **muted**: MUTED now, whatever it was before;
//! - **unverified**: FAIL before, and now ERROR, not collected (an evaluation gap),
//!   or gone under a coverage gap. Missing data is never reported as resolved.

use std::collections::{BTreeMap, HashSet};

use cloudarq_model::finding::{Finding, ScanResult};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{Arn, CoverageGap, Region};
use serde::{Deserialize, Serialize};

use super::error::EngineError;

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

/// Compares `before` with `after`, two results of the same account.
pub fn diff(before: &ScanResult, after: &ScanResult) -> Result<ScanDiff, EngineError> {
    if before.account_id != after.account_id {
        return Err(EngineError::AccountMismatch {
            old: before.account_id.to_string(),
            new: after.account_id.to_string(),
        });
    }
    type Key<'a> = (&'a str, &'a str);
    let mut pairs: BTreeMap<Key, (Option<&Finding>, Option<&Finding>)> = BTreeMap::new();
    for f in &before.findings {
        pairs
            .entry((&f.rule_id, f.resource_arn.as_str()))
            .or_default()
            .0 = Some(f);
    }
    for f in &after.findings {
        pairs
            .entry((&f.rule_id, f.resource_arn.as_str()))
            .or_default()
            .1 = Some(f);
    }
    let gaps: HashSet<Key> = after
        .evaluation_gaps
        .iter()
        .map(|g| (g.rule_id.as_str(), g.resource_arn.as_str()))
        .collect();
    let mut d = ScanDiff::default();
    for (key, (old, new)) in pairs {
        let Some(shown) = new.or(old) else { continue };
        let entry = DiffEntry {
            rule_id: shown.rule_id.clone(),
            resource_arn: shown.resource_arn.clone(),
            title: shown.title.clone(),
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
            (true, None) if gaps.contains(&key) || covered_by_gap(shown, &after.coverage_gaps) => {
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
fn covered_by_gap(f: &Finding, gaps: &[CoverageGap]) -> bool {
    let region_matches = |r: &Option<Region>| r.is_none() || f.region.is_none() || *r == f.region;
    gaps.iter().any(|g| {
        g.service == f.service
            && region_matches(&g.region)
            && g.resource.as_ref().is_none_or(|a| *a == f.resource_arn)
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
    use cloudarq_model::finding::EvaluationGap;

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
        assert_eq!(
            d.resolved.len(),
            1,
            "a gap about another bucket does not hide bucket a"
        );
        after.coverage_gaps[0].resource = None; // now: all of S3 in eu-west-1
        let d = diff(&before, &after).unwrap();
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
