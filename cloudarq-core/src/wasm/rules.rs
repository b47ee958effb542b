//! [`WasmRules`]: the packages of one scan, evaluated together.

use std::sync::Arc;

use cloudarq_model::Snapshot;
use cloudarq_model::finding::{EvaluationGap, Finding};
use cloudarq_model::rule::Rule;

use cloudarq_model::Resource;

use super::{RunStats, Said, WasmError, WasmHost, WasmPackage};

/// The WebAssembly rule packages a scan runs, with their host.
#[derive(Debug)]
pub struct WasmRules {
    host: WasmHost,
    packages: Vec<WasmPackage>,
}

/// What all packages produced over a snapshot.
#[derive(Clone, Debug, Default)]
pub struct WasmRun {
    /// Findings of every package, sorted by (rule id, ARN).
    pub findings: Vec<Finding>,
    /// Evaluation gaps of every package, sorted by (rule id, ARN).
    pub evaluation_gaps: Vec<EvaluationGap>,
    /// Resource usage per package name.
    pub stats: Vec<(String, RunStats)>,
}

impl WasmRules {
    /// No packages yet.
    pub fn new(host: WasmHost) -> Self {
        Self {
            host,
            packages: Vec::new(),
        }
    }

    /// The host.
    pub fn host(&self) -> &WasmHost {
        &self.host
    }

    /// Adds a package; its rule ids must not be used by `native` rules or
    /// another package.
    pub fn add(&mut self, package: WasmPackage, native: &[&dyn Rule]) -> Result<(), WasmError> {
        for r in &package.meta().rules {
            let taken = native.iter().any(|n| n.meta().id == r.id)
                || self.packages.iter().any(|p| p.meta().rule(&r.id).is_some());
            if taken {
                return Err(WasmError::DuplicateRule {
                    name: package.name().to_owned(),
                    id: r.id.clone(),
                });
            }
        }
        self.packages.push(package);
        Ok(())
    }

    /// The packages.
    pub fn packages(&self) -> &[WasmPackage] {
        &self.packages
    }

    /// The rule ids of every package (for a mutelist, with the built-in ids).
    pub fn rule_ids(&self) -> Vec<&str> {
        self.packages
            .iter()
            .flat_map(|p| p.meta().rules.iter().map(|r| r.id.as_str()))
            .collect()
    }

    /// Rules across all packages.
    pub fn rule_count(&self) -> usize {
        self.packages.iter().map(|p| p.meta().rules.len()).sum()
    }

    /// What every package said ([`WasmHost::said`]), one package after
    /// another, each with its package.
    pub(crate) fn said(
        &self,
        snapshot: &Snapshot,
        resources: &[&Arc<Resource>],
    ) -> Vec<(&WasmPackage, Vec<Said>)> {
        self.packages
            .iter()
            .map(|p| (p, self.host.said(p, snapshot, resources).0))
            .collect()
    }

    /// Evaluates every package.
    pub fn evaluate(&self, snapshot: &Snapshot) -> WasmRun {
        let mut run = WasmRun::default();
        for p in &self.packages {
            let r = self.host.evaluate(p, snapshot);
            run.findings.extend(r.findings);
            run.evaluation_gaps.extend(r.evaluation_gaps);
            run.stats.push((p.name().to_owned(), r.stats));
        }
        cloudarq_model::finding::sort_in_result_order(&mut run.findings, &mut run.evaluation_gaps);
        run
    }
}
