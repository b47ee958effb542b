//! Evaluating a package over a snapshot ([`WasmHost::evaluate`]): scan
//! units (one per region, global resources in their own) in parallel, a
//! fresh pre-linked instance per unit (and after each failure), resources in
//! batches within the input limit, the host copy budget and fuel of each
//! call, the package's time budget, and the findings: the guest's, once
//! `output.rs` has checked them, or ERROR findings naming the failure.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudarq_model::finding::{ControlId, EvaluationGap, Finding};
use cloudarq_model::package::RuleInfo;
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{Region, Resource, ResourceType, Snapshot};
use rayon::prelude::*;
use wasmtime::{Engine, Store};

use super::Failure;
use super::bindings::cloudarq::rule::types as wit;
use super::bindings::{Rule as RuleWorld, RulePre};
use super::host::{GuestState, WasmHost};
use super::load::WasmPackage;
use super::output::{Checked, check_output, severity};

/// Resource usage of one package over one evaluation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunStats {
    /// `evaluate` calls made.
    pub calls: u64,
    /// Instances created (one per scan unit, plus one after each failure).
    pub instances: u64,
    /// Calls that failed (trap, limit or bad output).
    pub failures: u64,
    /// Fuel used by all calls.
    pub fuel_used: u64,
    /// The most fuel one call used, and the fuel that call was given.
    pub max_call_fuel: (u64, u64),
    /// The largest linear memory of any instance, in bytes.
    pub peak_memory_bytes: usize,
    /// The slowest call.
    pub max_call_time: Duration,
    /// Instantiation time (all instances).
    pub instantiate_time: Duration,
    /// Wall-clock time of the whole evaluation.
    pub elapsed: Duration,
    /// Guest log lines dropped because a call passed the log size limit.
    pub log_lines_dropped: u64,
}

/// What a package said about one (rule, resource) pair, checked, before it
/// becomes a [`Finding`] (for [`WasmHost::evaluate`]) or a finding of the
/// engine's lean form (for `Engine::run`, which packs them in parallel).
#[derive(Debug)]
pub(crate) struct Said {
    /// The rule's index in the package's metadata.
    pub(crate) rule: usize,
    /// The resource's index in the snapshot's order.
    pub(crate) resource: usize,
    /// The finding or the gap.
    pub(crate) what: Saying,
}

/// A [`Said`]'s content.
#[derive(Debug)]
pub(crate) enum Saying {
    /// A PASS, FAIL or ERROR finding.
    Finding(Found),
    /// The named field was not collected.
    Gap(String),
}

/// What a package's finding holds of its own (its rule and resource add
/// the rest).
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) status: Status,
    pub(crate) severity: Severity,
    pub(crate) severity_reason: Option<String>,
    pub(crate) message: String,
    /// Compact JSON; empty for none.
    pub(crate) evidence: String,
}

/// What one package produced over a snapshot.
#[derive(Clone, Debug, Default)]
pub struct PackageRun {
    /// Findings, sorted by (rule id, ARN).
    pub findings: Vec<Finding>,
    /// (rule, resource) pairs skipped for data that was not collected.
    pub evaluation_gaps: Vec<EvaluationGap>,
    /// Resource usage.
    pub stats: RunStats,
}

impl WasmHost {
    /// Evaluates a package over a snapshot: its declared resource kinds, per
    /// scan unit (region; global resources form their own unit) in parallel,
    /// an instance per unit, resources in batches, within the package's
    /// time budget ([`Limits::package_time`](super::Limits::package_time)).
    pub fn evaluate(&self, package: &WasmPackage, snapshot: &Snapshot) -> PackageRun {
        let resources: Vec<&Arc<Resource>> = snapshot.resources.shared().collect();
        let (said, stats) = self.said(package, snapshot, &resources);
        let rules = &package.info.meta.rules;
        let mut run = PackageRun {
            stats,
            ..PackageRun::default()
        };
        for s in said {
            let (Some(rule), Some(r)) = (rules.get(s.rule), resources.get(s.resource)) else {
                continue;
            };
            match s.what {
                Saying::Finding(found) => run.findings.push(finding(rule, r, found)),
                Saying::Gap(field) => run.evaluation_gaps.push(EvaluationGap {
                    rule_id: rule.id.clone(),
                    resource_arn: r.arn.clone(),
                    field,
                }),
            }
        }
        cloudarq_model::finding::sort_in_result_order(&mut run.findings, &mut run.evaluation_gaps);
        run
    }

    /// [`evaluate`](Self::evaluate) before its findings are made: what the
    /// package said about each pair, by rule index and by the resource's
    /// index in `resources` (the snapshot's resources, in order), in no
    /// particular order; and the package's resource usage.
    pub(crate) fn said(
        &self,
        package: &WasmPackage,
        snapshot: &Snapshot,
        resources: &[&Arc<Resource>],
    ) -> (Vec<Said>, RunStats) {
        let started = Instant::now();
        let budget_end = started.checked_add(self.limits.package_time);
        let meta = &package.info.meta;
        let kinds = meta.resource_types();
        let mut units: BTreeMap<Option<&Region>, Vec<(usize, &Resource)>> = BTreeMap::new();
        for (i, r) in resources.iter().enumerate() {
            if kinds.contains(&r.resource_type()) {
                units.entry(r.region.as_ref()).or_default().push((i, r));
            }
        }
        // Context kinds that are companions of a kind the package evaluates
        // (`AWS::S3::BucketManagement` beside `AWS::S3::Bucket`) go with
        // each batch, only for its resources; the others, account-wide
        // settings, go whole with every batch.
        let (companions, account_wide): (Vec<ResourceType>, Vec<ResourceType>) = meta
            .context_types
            .iter()
            .partition(|t| t.companion_of().is_some_and(|of| kinds.contains(&of)));
        let context: Vec<wit::Resource> = account_wide
            .iter()
            .flat_map(|t| snapshot.of_type(*t))
            .map(to_wit)
            .collect();
        let context_bytes = context.iter().map(wit_bytes).sum();
        let units: Vec<_> = units.into_iter().collect();
        let outs: Vec<UnitOut> = units
            .par_iter()
            .map(|(region, resources)| {
                let unit = wit::ScanUnit {
                    account_id: snapshot.account_id.as_str().to_owned(),
                    partition: snapshot.partition.as_str().to_owned(),
                    collected_at: snapshot.collected_at.to_string(),
                    region: region.map(|r| r.as_str().to_owned()),
                    context: context.clone(),
                };
                let batch = BatchLimits {
                    context_bytes,
                    budget_end,
                    snapshot,
                    companions: &companions,
                };
                self.run_unit(package, &unit, resources, &batch)
            })
            .collect();
        let mut said = Vec::with_capacity(outs.iter().map(|o| o.said.len()).sum());
        let mut stats = RunStats::default();
        for o in outs {
            said.extend(o.said);
            let s = &mut stats;
            s.calls += o.stats.calls;
            s.instances += o.stats.instances;
            s.failures += o.stats.failures;
            s.fuel_used += o.stats.fuel_used;
            if o.stats.max_call_fuel.0 > s.max_call_fuel.0 {
                s.max_call_fuel = o.stats.max_call_fuel;
            }
            s.peak_memory_bytes = s.peak_memory_bytes.max(o.stats.peak_memory_bytes);
            s.max_call_time = s.max_call_time.max(o.stats.max_call_time);
            s.instantiate_time += o.stats.instantiate_time;
            s.log_lines_dropped += o.stats.log_lines_dropped;
        }
        stats.elapsed = started.elapsed();
        (said, stats)
    }

    fn run_unit(
        &self,
        pkg: &WasmPackage,
        unit: &wit::ScanUnit,
        resources: &[(usize, &Resource)],
        limits: &BatchLimits<'_>,
    ) -> UnitOut {
        let mut out = UnitOut::default();
        let foreign = Failure::Link("the package was loaded by another WasmHost".to_owned());
        let pre = match &pkg.state {
            Ok(_) if !Engine::same(&self.engine, &pkg.engine) => {
                out.errors(pkg, resources, &foreign);
                return out;
            }
            Ok(pre) => pre,
            Err(f) => {
                out.errors(pkg, resources, f);
                return out;
            }
        };
        let mut live: Option<(Store<GuestState>, RuleWorld)> = None;
        let mut unit_failure: Option<Failure> = None;
        for batch in self.batches(resources, &mut out, pkg, limits) {
            if unit_failure.is_none() && limits.budget_end.is_some_and(|e| Instant::now() >= e) {
                unit_failure = Some(self.time_budget());
            }
            if let Some(f) = &unit_failure {
                out.errors(pkg, &batch.resources, f);
                continue;
            }
            if live.is_none() {
                match self.instantiate_inner(pkg, pre, &mut out.stats, limits.budget_end) {
                    Ok(x) => live = Some(x),
                    Err(f) => {
                        out.errors(pkg, &batch.resources, &f);
                        if matches!(f, Failure::Configure(_) | Failure::TimeBudget { .. }) {
                            unit_failure = Some(f);
                        }
                        continue;
                    }
                }
            }
            let Some((store, world)) = live.as_mut() else {
                continue;
            };
            match self.call_evaluate(pkg, store, world, unit, &batch, &mut out.stats, limits) {
                Ok(findings) => match check_output(pkg, &batch, findings, self.limits.output_bytes)
                {
                    Ok(checked) => out.accept(pkg, &batch, checked),
                    Err(f) => {
                        out.stats.failures += 1;
                        out.errors(pkg, &batch.resources, &f);
                        live = None;
                    }
                },
                Err(f) => {
                    out.stats.failures += 1;
                    out.errors(pkg, &batch.resources, &f);
                    if matches!(f, Failure::TimeBudget { .. }) {
                        unit_failure = Some(f);
                    }
                    // A trapped instance is never reused.
                    live = None;
                }
            }
            if let Some((store, _)) = &live {
                let peak = store.data().limiter.peak;
                out.stats.peak_memory_bytes = out.stats.peak_memory_bytes.max(peak);
            }
        }
        out
    }

    /// The resources in batches of at most `batch_size` whose JSON, with the
    /// account-wide context sent beside every batch and the companions of
    /// the batch's resources, fits the input limit; a resource that cannot
    /// fit even alone becomes ERROR findings. A batch also closes once its
    /// own resources' JSON reaches
    /// [`Limits::batch_bytes`](super::Limits::batch_bytes), or four times the
    /// account-wide context when that is more (so the context, sent with
    /// every batch, stays a fraction of what is sent).
    fn batches<'r>(
        &self,
        resources: &[(usize, &'r Resource)],
        out: &mut UnitOut,
        pkg: &WasmPackage,
        limits: &BatchLimits<'_>,
    ) -> Vec<Batch<'r>> {
        let account_wide = limits.context_bytes;
        let target = self.limits.batch_bytes.max(account_wide.saturating_mul(4));
        let mut batches = Vec::new();
        let mut cur = Batch::default();
        let mut bytes = account_wide;
        for &(at, r) in resources {
            let w = to_wit(r);
            let size = wit_bytes(&w);
            let companions: Vec<wit::Resource> = limits
                .companions
                .iter()
                .filter_map(|k| limits.snapshot.companion(r, *k))
                .map(to_wit)
                .collect();
            let companion_bytes: usize = companions.iter().map(wit_bytes).sum();
            let context = account_wide.saturating_add(companion_bytes);
            if size.saturating_add(context) > self.limits.input_bytes {
                out.errors(
                    pkg,
                    &[(at, r)],
                    &Failure::OversizedInput {
                        bytes: size,
                        context,
                        limit: self.limits.input_bytes,
                    },
                );
                continue;
            }
            let size = size.saturating_add(companion_bytes);
            if !cur.resources.is_empty()
                && (cur.resources.len() >= self.limits.batch_size
                    || bytes + size > self.limits.input_bytes
                    || bytes - account_wide >= target)
            {
                batches.push(std::mem::take(&mut cur));
                bytes = account_wide;
            }
            bytes += size;
            cur.resources.push((at, r));
            cur.wit.push(w);
            cur.context.extend(companions);
        }
        if !cur.resources.is_empty() {
            batches.push(cur);
        }
        batches
    }

    /// Wasmtime's host copy budget for an `evaluate` over `batch` resources:
    /// the output limit plus the in-memory size of every finding the batch
    /// may legally return (one per rule and resource, each with its declared
    /// controls).
    fn copy_budget(&self, pkg: &WasmPackage, batch: usize) -> usize {
        let max_controls = pkg
            .info
            .meta
            .rules
            .iter()
            .map(|r| r.controls.len())
            .max()
            .unwrap_or(0);
        let per_finding = std::mem::size_of::<wit::Finding>()
            + max_controls * std::mem::size_of::<wit::ControlId>();
        let findings = pkg.info.meta.rules.len().saturating_mul(batch);
        self.limits
            .output_bytes
            .saturating_add(findings.saturating_mul(per_finding))
    }

    /// Creates and configures a fresh instance of `package`, then drops it:
    /// a health check, and what the instantiate benchmark measures.
    pub fn instantiate(&self, package: &WasmPackage) -> Result<(), Failure> {
        let pre = package.state.as_ref().map_err(Clone::clone)?;
        self.instantiate_inner(package, pre, &mut RunStats::default(), None)
            .map(drop)
    }

    fn instantiate_inner(
        &self,
        pkg: &WasmPackage,
        pre: &RulePre<GuestState>,
        stats: &mut RunStats,
        budget_end: Option<Instant>,
    ) -> Result<(Store<GuestState>, RuleWorld), Failure> {
        let started = Instant::now();
        let mut store = self.new_store(&pkg.name);
        self.arm(&mut store, self.limits.fuel_base, budget_end)?;
        stats.instances += 1;
        let world = pre
            .instantiate(&mut store)
            .map_err(|e| self.classify(&store, e, self.limits.fuel_base, 0, false))?;
        let configured = world
            .cloudarq_rule_evaluator()
            .call_configure(&mut store, &pkg.settings)
            .map_err(|e| self.classify(&store, e, self.limits.fuel_base, 0, false))?;
        configured.map_err(Failure::Configure)?;
        stats.instantiate_time += started.elapsed();
        Ok((store, world))
    }

    #[allow(clippy::too_many_arguments, reason = "one call's whole context")]
    fn call_evaluate(
        &self,
        pkg: &WasmPackage,
        store: &mut Store<GuestState>,
        world: &RuleWorld,
        unit: &wit::ScanUnit,
        batch: &Batch<'_>,
        stats: &mut RunStats,
        limits: &BatchLimits<'_>,
    ) -> Result<Vec<wit::Finding>, Failure> {
        let fuel = self.limits.fuel_for_batch(batch.wit.len());
        self.arm(store, fuel, limits.budget_end)?;
        store.set_hostcall_fuel(self.copy_budget(pkg, batch.wit.len()));
        let started = Instant::now();
        let with_companions;
        let unit = if batch.context.is_empty() {
            unit
        } else {
            let mut u = unit.clone();
            u.context.extend(batch.context.iter().cloned());
            with_companions = u;
            &with_companions
        };
        let result = world
            .cloudarq_rule_evaluator()
            .call_evaluate(&mut *store, unit, &batch.wit);
        let took = started.elapsed();
        stats.calls += 1;
        let log = &mut store.data_mut().log;
        stats.log_lines_dropped += std::mem::take(&mut log.dropped);
        stats.max_call_time = stats.max_call_time.max(took);
        let left = store.get_fuel().unwrap_or(0);
        let used = fuel.saturating_sub(left);
        stats.fuel_used += used;
        if used > stats.max_call_fuel.0 {
            stats.max_call_fuel = (used, fuel);
        }
        result.map_err(|e| self.classify(store, e, fuel, batch.wit.len(), true))
    }
}

/// What bounds and fills each batch of one package's evaluation.
struct BatchLimits<'a> {
    /// Bytes of the account-wide context resources sent with every batch.
    context_bytes: usize,
    /// When the package's time budget ends (`None`: too far to represent).
    budget_end: Option<Instant>,
    /// The snapshot, where the companions of a batch's resources are found.
    snapshot: &'a Snapshot,
    /// The context kinds sent per batch: companions of the batch's
    /// resources only.
    companions: &'a [ResourceType],
}

/// The bytes of a resource counted against the input limit.
fn wit_bytes(w: &wit::Resource) -> usize {
    w.json.len() + w.arn.len() + w.kind.len()
}

/// A resource in the contract's form.
fn to_wit(r: &Resource) -> wit::Resource {
    wit::Resource {
        arn: r.arn.as_str().to_owned(),
        kind: r.resource_type().as_str().to_owned(),
        json: serde_json::to_string(r).unwrap_or_default(),
    }
}

/// One `evaluate` call's resources, the same in the contract's form, and
/// the companions of those resources that go with them as context.
#[derive(Default)]
pub(super) struct Batch<'r> {
    /// Each resource with its index in the snapshot's order.
    pub(super) resources: Vec<(usize, &'r Resource)>,
    pub(super) wit: Vec<wit::Resource>,
    pub(super) context: Vec<wit::Resource>,
}

#[derive(Default)]
struct UnitOut {
    said: Vec<Said>,
    stats: RunStats,
}

impl UnitOut {
    /// ERROR findings for every (rule, resource) pair of `resources` the package declares.
    fn errors(&mut self, pkg: &WasmPackage, resources: &[(usize, &Resource)], cause: &Failure) {
        let message = format!("wasm rule package {} failed: {cause}", pkg.info.meta.name);
        for (ri, rule) in pkg.info.meta.rules.iter().enumerate() {
            for &(at, r) in resources {
                if rule.resource_types.contains(&r.resource_type()) {
                    self.said.push(Said {
                        rule: ri,
                        resource: at,
                        what: Saying::Finding(Found {
                            status: Status::Error,
                            severity: rule.severity,
                            severity_reason: None,
                            message: message.clone(),
                            evidence: String::new(),
                        }),
                    });
                }
            }
        }
    }

    fn accept(&mut self, pkg: &WasmPackage, batch: &Batch<'_>, checked: Vec<Checked>) {
        for c in checked {
            let Some(rule) = pkg.info.meta.rules.get(c.rule) else {
                continue;
            };
            let Some(&(at, _)) = batch.resources.get(c.resource) else {
                continue;
            };
            let f = c.finding;
            let (status, message) = match f.verdict {
                wit::Verdict::Pass(m) => (Status::Pass, m),
                wit::Verdict::Fail(m) => (Status::Fail, m),
                wit::Verdict::Error(m) => (Status::Error, format!("rule returned an error: {m}")),
                wit::Verdict::NotApplicable => continue,
                wit::Verdict::NotCollected(field) => {
                    self.said.push(Said {
                        rule: c.rule,
                        resource: at,
                        what: Saying::Gap(field),
                    });
                    continue;
                }
            };
            let (sev, reason) = match (status, f.severity) {
                (Status::Error, _) | (_, None) => (rule.severity, None),
                (_, Some(s)) => (severity(s), Some(f.severity_reason.unwrap_or_default())),
            };
            self.said.push(Said {
                rule: c.rule,
                resource: at,
                what: Saying::Finding(Found {
                    status,
                    severity: sev,
                    severity_reason: reason,
                    message,
                    evidence: c.evidence,
                }),
            });
        }
    }
}

fn finding(rule: &RuleInfo, r: &Resource, found: Found) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        service: rule.service,
        resource_arn: r.arn.clone(),
        resource_type: r.resource_type(),
        resource_name: r.name.clone(),
        region: r.region.clone(),
        status: found.status,
        severity: found.severity,
        severity_reason: found.severity_reason,
        message: found.message,
        // Checked JSON (`compact_json`): it parses.
        evidence: serde_json::from_str(&found.evidence).unwrap_or_default(),
        controls: rule.controls.iter().map(ControlId::clone).collect(),
        muted_reason: None,
    }
}
