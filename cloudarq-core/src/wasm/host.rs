//! [`WasmHost`]: one wasmtime engine, the linker (only the `log` import),
//! loading ([`WasmHost::load`]) and evaluation ([`WasmHost::evaluate`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cloudarq_model::finding::{ControlId, EvaluationGap, Finding};
use cloudarq_model::package::{PackageMeta, RuleInfo};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{Region, Resource, Snapshot};
use rayon::prelude::*;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, Trap};

use super::bindings::cloudarq::rule::{host as wit_host, types as wit};
use super::bindings::{Rule as RuleWorld, RulePre};
use super::cache::{ComponentCache, Lookup};
use super::files::PackageBytes;
use super::inspect::{PackageInfo, contract_problem, inspect};
use super::trust::{Signature, TrustPolicy};
use super::{Failure, Limits, WasmError};

/// The epoch tick of the deadline thread.
const TICK: Duration = Duration::from_millis(10);

/// Runs WebAssembly rule packages: one engine (fuel and epoch interruption
/// on, no WASI), a linker with only the contract's `log` import, an optional
/// compiled-component cache, and a thread that ticks the epoch.
pub struct WasmHost {
    engine: Engine,
    linker: Linker<GuestState>,
    limits: Limits,
    cache: Option<ComponentCache>,
    _ticker: Ticker,
}

impl std::fmt::Debug for WasmHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmHost")
            .field("limits", &self.limits)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// How to load one package.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions<'a> {
    /// Settings passed to `configure` (`{}` when `None`).
    pub settings: Option<serde_json::Value>,
    /// Settings keyed by package name, looked up under the name in the
    /// package's own metadata when `settings` is `None`.
    pub settings_by_package: Option<&'a BTreeMap<String, serde_json::Value>>,
    /// Refuse the package unless its sha256 is this (lowercase hex).
    pub expected_sha256: Option<String>,
    /// Its detached signature, if any.
    pub signature: Option<Signature>,
    /// When set, the package must be pinned or signed by a trusted key.
    pub trust: Option<&'a TrustPolicy>,
}

/// How a package was loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadStats {
    /// Whether the compiled component came from the cache.
    pub cached: bool,
    /// Why a cache entry for the package was not used, when there was one
    /// (for example `cache tag invalid`); the package was recompiled.
    pub recompiled_because: Option<String>,
    /// Time to compile or deserialize, and pre-link.
    pub load_time: Duration,
    /// Why trust accepted it (`None` without a trust policy).
    pub trusted_because: Option<String>,
}

/// A loaded package: ready to run, or broken with the cause (every rule of
/// it then gives ERROR findings).
pub struct WasmPackage {
    engine: Engine,
    name: String,
    sha256: String,
    info: PackageInfo,
    settings: String,
    state: Result<RulePre<GuestState>, Failure>,
    stats: LoadStats,
}

impl std::fmt::Debug for WasmPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPackage")
            .field("name", &self.name)
            .field("sha256", &self.sha256)
            .field("rules", &self.info.meta.rules.len())
            .field("failure", &self.state.as_ref().err())
            .finish_non_exhaustive()
    }
}

impl WasmPackage {
    /// The name it was loaded under (file name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its metadata.
    pub fn meta(&self) -> &PackageMeta {
        &self.info.meta
    }
    /// Its metadata, imports and exports.
    pub fn info(&self) -> &PackageInfo {
        &self.info
    }
    /// The sha256 of the package file.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    /// Why it cannot run, if it cannot.
    pub fn failure(&self) -> Option<&Failure> {
        self.state.as_ref().err()
    }
    /// How it was loaded.
    pub fn load_stats(&self) -> &LoadStats {
        &self.stats
    }
}

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

// ---------------------------------------------------------------- store data

pub(crate) struct GuestState {
    limiter: Limiter,
    log: LogSink,
    /// Whether the epoch deadline of the current call is the package's time
    /// budget rather than the per-call deadline.
    deadline_is_budget: bool,
}

struct Limiter {
    inner: StoreLimits,
    memory_limit: usize,
    exceeded: Option<usize>,
    peak: usize,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.exceeded = Some(desired);
        } else {
            self.peak = self.peak.max(desired);
        }
        self.inner.memory_growing(current, desired, maximum)
    }
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }
    fn instances(&self) -> usize {
        self.inner.instances()
    }
    fn tables(&self) -> usize {
        self.inner.tables()
    }
    fn memories(&self) -> usize {
        self.inner.memories()
    }
}

struct LogSink {
    package: String,
    used: usize,
    limit: usize,
    dropped: u64,
    last_error: Option<String>,
}

impl wit_host::Host for GuestState {
    fn log(&mut self, level: wit_host::Level, message: String) {
        let sink = &mut self.log;
        if sink.used.saturating_add(message.len()) > sink.limit {
            sink.dropped += 1;
            return;
        }
        sink.used += message.len();
        let package = sink.package.as_str();
        match level {
            wit_host::Level::Trace => {
                tracing::trace!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Debug => {
                tracing::debug!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Info => {
                tracing::info!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Warn => {
                tracing::warn!(target: "cloudarq::wasm::guest", package, "{message}")
            }
            wit_host::Level::Error => {
                tracing::error!(target: "cloudarq::wasm::guest", package, "{message}");
                let mut m = message;
                m.truncate(m.floor_char_boundary(500));
                sink.last_error = Some(m);
            }
        }
    }
}

impl wit::Host for GuestState {}

// ---------------------------------------------------------------- the host

impl WasmHost {
    /// A host with these limits and no compiled cache.
    pub fn new(limits: Limits) -> Result<Self, WasmError> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(limits.max_wasm_stack);
        let engine = Engine::new(&config).map_err(|e| WasmError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        RuleWorld::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| WasmError::Engine(format!("{e:#}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::Builder::new()
                .name("cloudarq-wasm-epoch".to_owned())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| WasmError::Engine(format!("cannot start the epoch thread: {e}")))?
        };
        Ok(Self {
            engine,
            linker,
            limits,
            cache: None,
            _ticker: Ticker {
                stop,
                handle: Some(handle),
            },
        })
    }

    /// Keeps compiled components in `dir` (created 0700 if missing), each
    /// authenticated by an HMAC under the secret in `key_file`, which must
    /// lie outside `dir` and is created (mode 0600) on first use. A
    /// directory or key owned by another user or open to group or others is
    /// refused with the fix; nothing is ever `chmod`ed.
    pub fn with_cache_dir(mut self, dir: &Path, key_file: &Path) -> Result<Self, WasmError> {
        self.cache = Some(ComponentCache::open(dir, key_file)?);
        Ok(self)
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Reads a package file once, bounded by [`Limits::module_bytes`]
    /// ([`PackageBytes::read`]).
    pub fn read_package(&self, path: &Path) -> Result<PackageBytes, WasmError> {
        PackageBytes::read(path, self.limits.module_bytes)
    }

    /// Loads a package file ([`read_package`](Self::read_package), then
    /// [`load_package`](Self::load_package)); its signature is read from
    /// `<file>.sig` when present.
    pub fn load_file(&self, path: &Path, opts: &LoadOptions<'_>) -> Result<WasmPackage, WasmError> {
        let package = self.read_package(path)?;
        let mut opts = opts.clone();
        if opts.signature.is_none() {
            opts.signature = Signature::read_for(path)?;
        }
        self.load_package(&package, &opts)
    }

    /// Loads package bytes held in memory, under `name`
    /// ([`PackageBytes::from_vec`], then [`load_package`](Self::load_package)).
    pub fn load(
        &self,
        bytes: &[u8],
        name: &str,
        opts: &LoadOptions<'_>,
    ) -> Result<WasmPackage, WasmError> {
        let package = PackageBytes::from_vec(name, bytes.to_vec(), self.limits.module_bytes)?;
        self.load_package(&package, opts)
    }

    /// Loads a package: size, pin and trust checks, then metadata, settings,
    /// contract version, compilation (or the cache) and linking, all on the
    /// same bytes.
    ///
    /// Size, trust and metadata problems are errors (nothing can run, and a
    /// refused package must not be compiled). A contract, compile or link
    /// problem gives a package whose rules all report ERROR with the cause.
    pub fn load_package(
        &self,
        package: &PackageBytes,
        opts: &LoadOptions<'_>,
    ) -> Result<WasmPackage, WasmError> {
        let (name, bytes) = (package.name(), package.bytes());
        let untrusted = |reason: String| WasmError::Untrusted {
            name: name.to_owned(),
            reason,
        };
        if bytes.len() > self.limits.module_bytes {
            return Err(WasmError::TooLarge {
                name: name.to_owned(),
                what: "package",
                size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                limit: self.limits.module_bytes,
            });
        }
        let sha256 = package.sha256().to_owned();
        if let Some(pin) = &opts.expected_sha256
            && !pin.trim().eq_ignore_ascii_case(&sha256)
        {
            return Err(untrusted(format!(
                "sha256 is {sha256}, the configuration pins {}",
                pin.trim()
            )));
        }
        let trusted_because = match (opts.trust, &opts.signature) {
            (Some(policy), sig) => Some(policy.check(bytes, sig.as_ref()).map_err(untrusted)?),
            (None, Some(sig)) => {
                sig.verify(bytes).map_err(untrusted)?;
                None
            }
            (None, None) => None,
        };
        let info = inspect(bytes, name)?;
        let settings = opts
            .settings
            .clone()
            .or_else(|| {
                opts.settings_by_package
                    .and_then(|m| m.get(&info.meta.name).cloned())
            })
            .unwrap_or_else(|| serde_json::json!({}))
            .to_string();
        let started = Instant::now();
        let mut cached = false;
        let mut recompiled_because = None;
        let state = match contract_problem(&info) {
            Some(f) => Err(f),
            None => self
                .compile(bytes, &sha256, &mut cached, &mut recompiled_because)
                .and_then(|c| {
                    let pre = self
                        .linker
                        .instantiate_pre(&c)
                        .map_err(|e| Failure::Link(format!("{e:#}")))?;
                    RulePre::new(pre).map_err(|e| Failure::Link(format!("{e:#}")))
                }),
        };
        if let Err(f) = &state {
            tracing::warn!(package = name, cause = %f, "wasm rule package cannot run; its rules report ERROR");
        }
        Ok(WasmPackage {
            engine: self.engine.clone(),
            name: name.to_owned(),
            sha256,
            info,
            settings,
            state,
            stats: LoadStats {
                cached,
                recompiled_because,
                load_time: started.elapsed(),
                trusted_because,
            },
        })
    }

    fn compile(
        &self,
        bytes: &[u8],
        sha256: &str,
        cached: &mut bool,
        recompiled_because: &mut Option<String>,
    ) -> Result<Component, Failure> {
        if let Some(cache) = &self.cache {
            match cache.get(&self.engine, sha256) {
                Lookup::Hit(c) => {
                    *cached = true;
                    return Ok(c);
                }
                Lookup::Miss => {}
                Lookup::Rejected(why) => *recompiled_because = Some(why),
            }
        }
        let c =
            Component::new(&self.engine, bytes).map_err(|e| Failure::Compile(format!("{e:#}")))?;
        if let Some(cache) = &self.cache {
            cache.put(&self.engine, sha256, &c);
        }
        Ok(c)
    }

    /// Evaluates a package over a snapshot: its declared resource kinds, per
    /// scan unit (region; global resources form their own unit) in parallel,
    /// an instance per unit, resources in batches, within the package's
    /// time budget ([`Limits::package_time`]).
    pub fn evaluate(&self, package: &WasmPackage, snapshot: &Snapshot) -> PackageRun {
        let started = Instant::now();
        let budget_end = started.checked_add(self.limits.package_time);
        let meta = &package.info.meta;
        let kinds = meta.resource_types();
        let mut units: BTreeMap<Option<&Region>, Vec<&Resource>> = BTreeMap::new();
        for r in snapshot.resources.iter() {
            if kinds.contains(&r.resource_type()) {
                units.entry(r.region.as_ref()).or_default().push(r);
            }
        }
        let context: Vec<wit::Resource> = meta
            .context_types
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
                };
                self.run_unit(package, &unit, resources, &batch)
            })
            .collect();
        let mut run = PackageRun::default();
        for o in outs {
            run.findings.extend(o.findings);
            run.evaluation_gaps.extend(o.gaps);
            let s = &mut run.stats;
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
        cloudarq_model::finding::sort_in_result_order(&mut run.findings, &mut run.evaluation_gaps);
        run.stats.elapsed = started.elapsed();
        run
    }

    fn run_unit(
        &self,
        pkg: &WasmPackage,
        unit: &wit::ScanUnit,
        resources: &[&Resource],
        limits: &BatchLimits,
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
        for batch in self.batches(resources, &mut out, pkg, limits.context_bytes) {
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
    /// `context` bytes sent beside every batch, fits the input limit; a
    /// resource that cannot fit even alone becomes ERROR findings.
    fn batches<'r>(
        &self,
        resources: &[&'r Resource],
        out: &mut UnitOut,
        pkg: &WasmPackage,
        context: usize,
    ) -> Vec<Batch<'r>> {
        let mut batches = Vec::new();
        let mut cur = Batch::default();
        let mut bytes = context;
        for r in resources {
            let w = to_wit(r);
            let size = wit_bytes(&w);
            if size.saturating_add(context) > self.limits.input_bytes {
                out.errors(
                    pkg,
                    &[*r],
                    &Failure::OversizedInput {
                        bytes: size,
                        context,
                        limit: self.limits.input_bytes,
                    },
                );
                continue;
            }
            if !cur.resources.is_empty()
                && (cur.resources.len() >= self.limits.batch_size
                    || bytes + size > self.limits.input_bytes)
            {
                batches.push(std::mem::take(&mut cur));
                bytes = context;
            }
            bytes += size;
            cur.resources.push(r);
            cur.wit.push(w);
        }
        if !cur.resources.is_empty() {
            batches.push(cur);
        }
        batches
    }

    fn new_store(&self, name: &str) -> Store<GuestState> {
        let l = &self.limits;
        let inner = StoreLimitsBuilder::new()
            .memory_size(l.memory_bytes)
            .table_elements(l.table_elements)
            .instances(l.instances)
            .tables(l.tables)
            .memories(l.memories)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(
            &self.engine,
            GuestState {
                limiter: Limiter {
                    inner,
                    memory_limit: l.memory_bytes,
                    exceeded: None,
                    peak: 0,
                },
                log: LogSink {
                    package: name.to_owned(),
                    used: 0,
                    limit: l.log_bytes,
                    dropped: 0,
                    last_error: None,
                },
                deadline_is_budget: false,
            },
        );
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_trap();
        // Until a call sets its own: nothing the guest passes the host may
        // be larger than the output limit.
        store.set_hostcall_fuel(l.output_bytes);
        store
    }

    fn time_budget(&self) -> Failure {
        Failure::TimeBudget {
            ms: self.limits.package_time.as_millis(),
        }
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

    /// Calls a component's `metadata()` once, in the sandbox (packaging only).
    pub(crate) fn call_metadata(&self, component: &[u8]) -> Result<String, WasmError> {
        let err = |m: String| WasmError::Engine(format!("cannot read the guest's metadata(): {m}"));
        let c = Component::new(&self.engine, component).map_err(|e| err(format!("{e:#}")))?;
        let pre = self
            .linker
            .instantiate_pre(&c)
            .map_err(|e| err(format!("{e:#}")))?;
        let pre = RulePre::new(pre).map_err(|e| err(format!("{e:#}")))?;
        let mut store = self.new_store("packaging");
        self.arm(&mut store, self.limits.fuel_base, None)
            .map_err(|e| err(e.to_string()))?;
        let world = pre.instantiate(&mut store).map_err(|e| {
            err(self
                .classify(&store, e, self.limits.fuel_base, 0, false)
                .to_string())
        })?;
        world
            .cloudarq_rule_evaluator()
            .call_metadata(&mut store)
            .map_err(|e| {
                err(self
                    .classify(&store, e, self.limits.fuel_base, 0, true)
                    .to_string())
            })
    }

    /// Gives the next call `fuel` and a deadline: the per-call deadline, or
    /// the end of the package's time budget when that comes first.
    fn arm(
        &self,
        store: &mut Store<GuestState>,
        fuel: u64,
        budget_end: Option<Instant>,
    ) -> Result<(), Failure> {
        store.set_fuel(fuel).map_err(|e| Failure::Trap {
            trap: format!("{e:#}"),
            message: None,
        })?;
        let mut wait = self.limits.deadline;
        let mut is_budget = false;
        if let Some(end) = budget_end {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.time_budget());
            }
            if left < wait {
                (wait, is_budget) = (left, true);
            }
        }
        let ticks = wait.as_millis() / TICK.as_millis() + 1;
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.data_mut().deadline_is_budget = is_budget;
        let log = &mut store.data_mut().log;
        log.used = 0;
        log.last_error = None;
        Ok(())
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
        limits: &BatchLimits,
    ) -> Result<Vec<wit::Finding>, Failure> {
        let fuel = self.limits.fuel_for_batch(batch.wit.len());
        self.arm(store, fuel, limits.budget_end)?;
        store.set_hostcall_fuel(self.copy_budget(pkg, batch.wit.len()));
        let started = Instant::now();
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

    fn classify(
        &self,
        store: &Store<GuestState>,
        e: wasmtime::Error,
        fuel: u64,
        batch: usize,
        in_call: bool,
    ) -> Failure {
        if let Some(desired) = store.data().limiter.exceeded {
            return Failure::MemoryLimit {
                limit: self.limits.memory_bytes,
                desired,
            };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => Failure::OutOfFuel { fuel, batch },
            Some(Trap::Interrupt) if store.data().deadline_is_budget => self.time_budget(),
            Some(Trap::Interrupt) => Failure::Deadline {
                ms: self.limits.deadline.as_millis(),
            },
            Some(Trap::StackOverflow) => Failure::StackOverflow {
                limit: self.limits.max_wasm_stack,
            },
            Some(t) => Failure::Trap {
                trap: t.to_string(),
                message: store.data().log.last_error.clone(),
            },
            // Wasmtime's host copy budget ran out while lifting what the
            // guest passed (its type is private: matched by its message).
            None if format!("{e:#}").contains(HOSTCALL_FUEL_EXHAUSTED) => Failure::CopyBudget {
                limit: self.limits.output_bytes,
                budget: store.hostcall_fuel(),
            },
            // Not a trap: the canonical ABI refused what the guest returned
            // (bad UTF-8, bad discriminant, pointer out of bounds, …).
            None if in_call => Failure::MalformedOutput(format!("{e:#}")),
            None => Failure::Trap {
                trap: format!("{e:#}"),
                message: store.data().log.last_error.clone(),
            },
        }
    }
}

/// Part of wasmtime's message when a store's host copy budget runs out.
const HOSTCALL_FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// What bounds each batch of one package's evaluation.
struct BatchLimits {
    /// Bytes of the context resources sent with every batch.
    context_bytes: usize,
    /// When the package's time budget ends (`None`: too far to represent).
    budget_end: Option<Instant>,
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

#[derive(Default)]
struct Batch<'r> {
    resources: Vec<&'r Resource>,
    wit: Vec<wit::Resource>,
}

/// A guest finding that passed [`check_output`].
struct Checked {
    rule: usize,
    resource: usize,
    finding: wit::Finding,
    evidence: serde_json::Value,
}

/// Checks a batch's output against the contract: size, known rule ids,
/// resources of the batch of a kind the rule declares, no duplicate pair,
/// evidence JSON, declared controls.
fn check_output(
    pkg: &WasmPackage,
    batch: &Batch<'_>,
    findings: Vec<wit::Finding>,
    limit: usize,
) -> Result<Vec<Checked>, Failure> {
    let bytes: usize = findings.iter().map(finding_bytes).sum();
    if bytes > limit {
        return Err(Failure::OversizedOutput { bytes, limit });
    }
    let meta = &pkg.info.meta;
    let index: HashMap<&str, usize> = batch
        .wit
        .iter()
        .enumerate()
        .map(|(i, r)| (r.arn.as_str(), i))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(findings.len());
    for f in findings {
        let Some(rule) = meta.rules.iter().position(|r| r.id == f.rule_id) else {
            return Err(Failure::MalformedOutput(format!(
                "unknown rule id {:?}",
                short(&f.rule_id)
            )));
        };
        let Some(&resource) = index.get(f.resource_arn.as_str()) else {
            return Err(Failure::ForeignResource {
                arn: short(&f.resource_arn),
            });
        };
        let info = &meta.rules[rule];
        let kind = batch.resources[resource].resource_type();
        if !info.resource_types.contains(&kind) {
            return Err(Failure::MalformedOutput(format!(
                "rule {} does not declare {kind} but returned a finding for {}",
                info.id, f.resource_arn
            )));
        }
        if !seen.insert((rule, resource)) {
            return Err(Failure::MalformedOutput(format!(
                "two findings of rule {} for {}",
                info.id, f.resource_arn
            )));
        }
        if let (wit::Verdict::Pass(_) | wit::Verdict::Fail(_), Some(s)) = (&f.verdict, f.severity)
            && severity(s) != info.severity
            && f.severity_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            return Err(Failure::MalformedOutput(format!(
                "rule {} returned severity {} (its default is {}) for {} without a severity reason",
                info.id,
                severity(s),
                info.severity,
                short(&f.resource_arn)
            )));
        }
        for c in &f.controls {
            let declared = info
                .controls
                .iter()
                .any(|d| d.framework == c.framework && d.control == c.control);
            if !declared {
                return Err(Failure::MalformedOutput(format!(
                    "rule {} returned control {}/{}, which its metadata does not declare",
                    info.id,
                    short(&c.framework),
                    short(&c.control)
                )));
            }
        }
        let evidence = if f.evidence.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&f.evidence).map_err(|e| {
                Failure::MalformedOutput(format!("rule {} evidence is not JSON: {e}", info.id))
            })?
        };
        out.push(Checked {
            rule,
            resource,
            finding: f,
            evidence,
        });
    }
    Ok(out)
}

fn finding_bytes(f: &wit::Finding) -> usize {
    let verdict = match &f.verdict {
        wit::Verdict::Pass(s)
        | wit::Verdict::Fail(s)
        | wit::Verdict::NotCollected(s)
        | wit::Verdict::Error(s) => s.len(),
        wit::Verdict::NotApplicable => 0,
    };
    f.rule_id.len()
        + f.resource_arn.len()
        + verdict
        + f.evidence.len()
        + f.severity_reason.as_ref().map_or(0, String::len)
        + f.controls
            .iter()
            .map(|c| c.framework.len() + c.control.len())
            .sum::<usize>()
}

/// At most 200 characters of guest text, for messages.
fn short(s: &str) -> String {
    let mut s = s.to_owned();
    s.truncate(s.floor_char_boundary(200));
    s
}

fn severity(s: wit::Severity) -> Severity {
    match s {
        wit::Severity::Informational => Severity::Informational,
        wit::Severity::Low => Severity::Low,
        wit::Severity::Medium => Severity::Medium,
        wit::Severity::High => Severity::High,
        wit::Severity::Critical => Severity::Critical,
    }
}

#[derive(Default)]
struct UnitOut {
    findings: Vec<Finding>,
    gaps: Vec<EvaluationGap>,
    stats: RunStats,
}

impl UnitOut {
    /// ERROR findings for every (rule, resource) pair of `resources` the package declares.
    fn errors(&mut self, pkg: &WasmPackage, resources: &[&Resource], cause: &Failure) {
        let message = format!("wasm rule package {} failed: {cause}", pkg.info.meta.name);
        for rule in &pkg.info.meta.rules {
            for r in resources {
                if rule.resource_types.contains(&r.resource_type()) {
                    self.findings.push(finding(
                        rule,
                        r,
                        Status::Error,
                        rule.severity,
                        None,
                        message.clone(),
                        serde_json::Value::Null,
                    ));
                }
            }
        }
    }

    fn accept(&mut self, pkg: &WasmPackage, batch: &Batch<'_>, checked: Vec<Checked>) {
        for c in checked {
            let rule = &pkg.info.meta.rules[c.rule];
            let r = batch.resources[c.resource];
            let f = c.finding;
            let (status, message) = match f.verdict {
                wit::Verdict::Pass(m) => (Status::Pass, m),
                wit::Verdict::Fail(m) => (Status::Fail, m),
                wit::Verdict::Error(m) => (Status::Error, format!("rule returned an error: {m}")),
                wit::Verdict::NotApplicable => continue,
                wit::Verdict::NotCollected(field) => {
                    self.gaps.push(EvaluationGap {
                        rule_id: rule.id.clone(),
                        resource_arn: r.arn.clone(),
                        field,
                    });
                    continue;
                }
            };
            let (sev, reason) = match (status, f.severity) {
                (Status::Error, _) | (_, None) => (rule.severity, None),
                (_, Some(s)) => (severity(s), Some(f.severity_reason.unwrap_or_default())),
            };
            self.findings
                .push(finding(rule, r, status, sev, reason, message, c.evidence));
        }
    }
}

fn finding(
    rule: &RuleInfo,
    r: &Resource,
    status: Status,
    severity: Severity,
    severity_reason: Option<String>,
    message: String,
    evidence: serde_json::Value,
) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        service: rule.service,
        resource_arn: r.arn.clone(),
        resource_type: r.resource_type(),
        resource_name: r.name.clone(),
        region: r.region.clone(),
        status,
        severity,
        severity_reason,
        message,
        evidence,
        controls: rule.controls.iter().map(ControlId::clone).collect(),
        muted_reason: None,
    }
}
