//! The figures every human-facing report shows: totals per status, FAIL
//! counts per severity, counts per service, and failing rules ranked.

use std::collections::BTreeMap;

use crate::engine::{FindingRef, ResultRef};
use cloudarq_model::Service;
use cloudarq_model::rule::{Severity, Status};

/// Findings per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// PASS findings.
    pub pass: u32,
    /// FAIL findings.
    pub fail: u32,
    /// MUTED findings.
    pub muted: u32,
    /// ERROR findings.
    pub error: u32,
}

impl StatusCounts {
    fn add(&mut self, status: Status) {
        let slot = match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Muted => &mut self.muted,
            Status::Error => &mut self.error,
        };
        *slot += 1;
    }

    /// Every finding counted.
    pub fn total(&self) -> u32 {
        self.pass + self.fail + self.muted + self.error
    }

    /// The count for one status.
    pub fn get(&self, status: Status) -> u32 {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Muted => self.muted,
            Status::Error => self.error,
        }
    }
}

/// Findings of one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceCounts {
    /// The service.
    pub service: Service,
    /// Its findings per status.
    pub counts: StatusCounts,
}

/// A rule with at least one FAIL finding.
#[derive(Clone, Debug, PartialEq)]
pub struct FailingRule<'a> {
    /// Rule id.
    pub rule_id: &'a str,
    /// Rule title, as the findings carry it.
    pub title: &'a str,
    /// The service.
    pub service: Service,
    /// The highest severity among its FAIL findings.
    pub severity: Severity,
    /// How many FAIL findings it has.
    pub failed: usize,
    /// Its first [`FailingRule::KEPT`] FAIL findings, in result order (a
    /// report lists no more; the count is [`failed`](Self::failed)).
    pub findings: Vec<FindingRef<'a>>,
}

impl FailingRule<'_> {
    /// The FAIL findings kept per rule: what the HTML report lists.
    pub const KEPT: usize = super::html::LIST_LIMIT;
}

/// The summary figures of one result.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats<'a> {
    /// Findings per status.
    pub totals: StatusCounts,
    /// FAIL findings per severity, in [`Severity::ALL`] order (critical first).
    pub fail_by_severity: [(Severity, u32); 5],
    /// Findings per service, in [`Service`] order; services with no finding
    /// are left out.
    pub by_service: Vec<ServiceCounts>,
    /// Rules with a FAIL, most severe first, then most failures, then by id.
    pub failing_rules: Vec<FailingRule<'a>>,
}

impl<'a> Stats<'a> {
    /// Computes the figures of `result`.
    pub fn of(result: impl Into<ResultRef<'a>>) -> Self {
        let result = result.into();
        let mut totals = StatusCounts::default();
        let mut fail_by_severity = Severity::ALL.map(|s| (s, 0));
        let mut by_service: BTreeMap<Service, StatusCounts> = BTreeMap::new();
        let mut failing: BTreeMap<&str, FailingRule<'a>> = BTreeMap::new();
        for f in result.findings() {
            totals.add(f.status);
            by_service.entry(f.service).or_default().add(f.status);
            if f.status != Status::Fail {
                continue;
            }
            if let Some(slot) = fail_by_severity.iter_mut().find(|(s, _)| *s == f.severity) {
                slot.1 += 1;
            }
            let rule = failing.entry(f.rule_id).or_insert_with(|| FailingRule {
                rule_id: f.rule_id,
                title: f.title,
                service: f.service,
                severity: f.severity,
                failed: 0,
                findings: Vec::new(),
            });
            rule.severity = rule.severity.max(f.severity);
            rule.failed += 1;
            if rule.findings.len() < FailingRule::KEPT {
                rule.findings.push(f.detached());
            }
        }
        let mut failing_rules: Vec<FailingRule<'a>> = failing.into_values().collect();
        failing_rules.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.failed.cmp(&a.failed))
                .then(a.rule_id.cmp(b.rule_id))
        });
        Stats {
            totals,
            fail_by_severity,
            by_service: by_service
                .into_iter()
                .map(|(service, counts)| ServiceCounts { service, counts })
                .collect(),
            failing_rules,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly on unexpected errors")]
mod tests {
    use super::*;
    use crate::report::fixture::sample_result;

    #[test]
    fn sample_figures() {
        let r = sample_result();
        let s = Stats::of(&r);
        assert_eq!(
            s.totals,
            StatusCounts {
                pass: 22,
                fail: 20,
                muted: 3,
                error: 1
            }
        );
        assert_eq!(s.totals.total() as usize, r.findings.len());
        let sev: Vec<u32> = s.fail_by_severity.iter().map(|(_, n)| *n).collect();
        assert_eq!(sev, [3, 5, 9, 3, 0]);
        let services: Vec<Service> = s.by_service.iter().map(|c| c.service).collect();
        assert_eq!(
            services,
            [Service::Iam, Service::S3, Service::Ec2, Service::Rds]
        );
        // Critical rules by id, then high rules: the SSH rule keeps high (one
        // of its two failures was lowered to low) and leads on failure count.
        let order: Vec<&str> = s.failing_rules.iter().take(4).map(|f| f.rule_id).collect();
        assert_eq!(
            order,
            [
                "iam_role_trust_no_wildcard_principal",
                "iam_root_mfa_enabled",
                "rds_instance_not_publicly_accessible",
                "ec2_securitygroup_ssh_not_open_to_internet",
            ]
        );
        assert_eq!(s.failing_rules[3].severity, Severity::High);
        assert_eq!(s.failing_rules[3].failed, 2);
        assert_eq!(s.failing_rules[3].findings.len(), 2);
        assert_eq!(s.failing_rules.len(), 17);
    }
}
