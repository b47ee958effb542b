//! One scan, start to end: the pipeline the command line and the scan
//! workers share.
//!
//! A [`ScanPlan`] says where the snapshot comes from (a live account
//! through STS and the collectors, feature `collect`; or a snapshot already
//! in hand), which rules run (built-in, WebAssembly packages with feature
//! `wasm`, mutelist, frameworks) and where reports go. [`ScanPlan::prepare`] checks all of it before any
//! work — packages are read, pinned, trust-checked and compiled, the
//! mutelist's rule ids are checked against the rules that will run, the
//! collector configuration and the output paths are validated — and
//! returns a [`PreparedScan`], so bad input fails before anything is
//! collected or written. [`PreparedScan::run`] then collects (or takes the
//! snapshot), evaluates, writes the reports and the snapshot file, and
//! returns the [`Scan`]. Storing the result is the caller's step (the
//! store's `record_scan` for the CLI, `finish_scan` for a worker).
//!
//! Callers differ only in where inputs come from (flags and files, or the
//! store's connection and mutelist rows) and where [`Stage`]s go (a
//! progress bar, or the scan's progress in the store).
//!
//! ```
//! use cloudarq_core::scan::{ScanPlan, SnapshotSource};
//! use cloudarq_model::Snapshot;
//!
//! # let json = include_str!("../../testdata/demo-snapshot.json");
//! let snapshot = Snapshot::from_json(json, "demo")?;
//! let prepared = ScanPlan::new(SnapshotSource::Snapshot(snapshot))
//!     .frameworks(vec![cloudarq_rules::frameworks::framework("cis_aws_3.0")?])
//!     .prepare()?;
//! let scan = tokio::runtime::Runtime::new()?.block_on(prepared.run())?;
//! assert!(scan.result.findings().len() > 10);
//! assert_eq!(scan.result.head().scores[0].framework, "cis_aws_3.0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "wasm")]
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
#[cfg(feature = "collect")]
use std::time::Duration;

use time::OffsetDateTime;

use cloudarq_model::rule::Rule;
use cloudarq_model::{ModelError, Snapshot};
#[cfg(feature = "collect")]
use cloudarq_model::{Region, Service};
use cloudarq_rules::frameworks::{Framework, FrameworkError};

use crate::engine::{Engine, EngineError, Evaluation, Mutelist};
use crate::report::{self, OutputFormat, ReportError, RuleIndex};
#[cfg(feature = "wasm")]
use crate::wasm::trust::TrustPolicy;
#[cfg(feature = "wasm")]
use crate::wasm::{LoadOptions, WasmError, WasmHost, WasmRules};
#[cfg(feature = "collect")]
use crate::{Auditor, CoreError, CredentialSource, ProgressEvent};

/// Errors of preparing or running a scan; each names the input at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The collector configuration, the credentials or the collection
    /// (feature `collect`).
    #[cfg(feature = "collect")]
    #[error(transparent)]
    Collect(#[from] CoreError),
    /// A rule package could not be read, verified, compiled or added
    /// (feature `wasm`).
    #[cfg(feature = "wasm")]
    #[error(transparent)]
    Package(#[from] WasmError),
    /// The mutelist does not fit the rules that run.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A report could not be rendered or written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// An output path that cannot be used.
    #[error("{what} {path}: {reason}")]
    OutputPath {
        /// Which output (`report directory`, `snapshot file`).
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// Writing an output failed.
    #[error("cannot write {what} {path}: {source}")]
    Write {
        /// Which output.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The built-in frameworks could not be loaded.
    #[error(transparent)]
    Frameworks(#[from] FrameworkError),
    /// The snapshot could not be serialized.
    #[error(transparent)]
    Snapshot(#[from] ModelError),
}

/// Where a scan's snapshot comes from.
///
/// Non-exhaustive: `Collect` exists with feature `collect`.
#[derive(Debug)]
#[non_exhaustive]
pub enum SnapshotSource {
    /// Collect a live account (feature `collect`).
    #[cfg(feature = "collect")]
    Collect(CollectPlan),
    /// Evaluate a snapshot already in hand (a saved file, the demo account).
    Snapshot(Snapshot),
}

/// What to collect, and with which credentials (feature `collect`).
#[cfg(feature = "collect")]
#[derive(Debug)]
pub struct CollectPlan {
    /// The credentials (an assumed role for a hosted connection).
    pub credentials: CredentialSource,
    /// Regions; empty for every enabled region.
    pub regions: Vec<Region>,
    /// Services; empty for every service.
    pub services: Vec<Service>,
    /// Send every AWS request here (moto, LocalStack). The library reads no
    /// environment variable for it: a multi-tenant worker must not let one
    /// variable redirect every tenant's scan.
    pub endpoint_url: Option<String>,
    /// How long the calls to one service in one region may take.
    pub service_deadline: Duration,
}

#[cfg(feature = "collect")]
impl CollectPlan {
    /// Every enabled region and service, with the default deadline.
    pub fn new(credentials: CredentialSource) -> Self {
        Self {
            credentials,
            regions: Vec::new(),
            services: Vec::new(),
            endpoint_url: None,
            service_deadline: crate::DEFAULT_SERVICE_DEADLINE,
        }
    }
}

/// WebAssembly rule packages to load for a scan (feature `wasm`).
#[cfg(feature = "wasm")]
#[derive(Debug, Default)]
pub struct PackagePlan {
    /// The package files, in load order.
    pub files: Vec<PathBuf>,
    /// When set, every package must be pinned or signed by a trusted key.
    pub trust: Option<TrustPolicy>,
    /// Settings keyed by package name.
    pub settings: BTreeMap<String, serde_json::Value>,
    /// A compiled-module cache: its directory and the key authenticating
    /// its entries.
    pub cache: Option<(PathBuf, PathBuf)>,
}

#[cfg(feature = "wasm")]
impl PackagePlan {
    /// Reads, verifies, compiles and adds every package; rule ids must not
    /// clash with `native` or each other, and every settings entry must name
    /// a loaded package ([`WasmError::UnknownSettings`] otherwise: a typo in
    /// a package name would leave that package on its defaults unnoticed).
    pub fn load(&self, native: &[&'static dyn Rule]) -> Result<WasmRules, ScanError> {
        let mut host = WasmHost::new(crate::wasm::Limits::default())?;
        if let Some((dir, key)) = &self.cache {
            host = host.with_cache_dir(dir, key)?;
        }
        let mut rules = WasmRules::new(host);
        let opts = LoadOptions {
            settings_by_package: Some(&self.settings),
            trust: self.trust.as_ref(),
            ..LoadOptions::default()
        };
        for file in &self.files {
            let pkg = rules.host().load_file(file, &opts)?;
            if let Some(why) = &pkg.load_stats().recompiled_because {
                tracing::warn!(package = pkg.name(), "recompiled: {why}");
            }
            rules.add(pkg, native)?;
        }
        let loaded = |name: &str| rules.packages().iter().any(|p| p.meta().name == name);
        if let Some(name) = self.settings.keys().find(|name| !loaded(name)) {
            let names: Vec<&str> = rules
                .packages()
                .iter()
                .map(|p| p.meta().name.as_str())
                .collect();
            return Err(WasmError::UnknownSettings {
                name: name.clone(),
                loaded: names.join(", "),
            }
            .into());
        }
        Ok(rules)
    }
}

/// Where a scan is along the way, for a progress bar or a job's progress.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Stage {
    /// A collector event (the units planned, one unit done; feature
    /// `collect`).
    #[cfg(feature = "collect")]
    Collect(ProgressEvent),
    /// The snapshot is complete.
    Collected {
        /// Resources in it.
        resources: usize,
    },
    /// The rules ran.
    Evaluated {
        /// Findings produced.
        findings: usize,
    },
    /// The report files are written.
    Reported {
        /// How many files.
        files: usize,
    },
}

type StageSink = Arc<dyn Fn(&Stage) + Send + Sync>;

/// A scan to prepare: see the [module docs](self).
pub struct ScanPlan {
    source: SnapshotSource,
    rules: Vec<&'static dyn Rule>,
    #[cfg(feature = "wasm")]
    packages: Option<PackagePlan>,
    mutelist: Option<Mutelist>,
    frameworks: Option<Vec<Framework>>,
    reports: Option<(Vec<OutputFormat>, PathBuf)>,
    save_snapshot: Option<PathBuf>,
    progress: Option<StageSink>,
}

impl std::fmt::Debug for ScanPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ScanPlan");
        d.field("source", &self.source)
            .field("rules", &self.rules.len());
        #[cfg(feature = "wasm")]
        d.field("packages", &self.packages);
        d.field("mutelist", &self.mutelist.as_ref().map(Mutelist::source))
            .field("reports", &self.reports)
            .field("save_snapshot", &self.save_snapshot)
            .finish_non_exhaustive()
    }
}

impl ScanPlan {
    /// Every built-in rule and every framework over `source`, no mutelist,
    /// no report file.
    pub fn new(source: SnapshotSource) -> Self {
        Self {
            source,
            rules: cloudarq_rules::all(),
            #[cfg(feature = "wasm")]
            packages: None,
            mutelist: None,
            frameworks: None,
            reports: None,
            save_snapshot: None,
            progress: None,
        }
    }

    /// Runs these native rules instead of the built-in pack.
    pub fn rules(mut self, rules: Vec<&'static dyn Rule>) -> Self {
        self.rules = rules;
        self
    }

    /// Also runs these WebAssembly packages (feature `wasm`).
    #[cfg(feature = "wasm")]
    pub fn packages(mut self, packages: PackagePlan) -> Self {
        self.packages = Some(packages);
        self
    }

    /// Applies this mutelist (its rule ids are checked by
    /// [`prepare`](Self::prepare) against every rule that will run).
    pub fn mutelist(mut self, mutelist: Mutelist) -> Self {
        self.mutelist = Some(mutelist);
        self
    }

    /// Scores these frameworks (default: every framework).
    pub fn frameworks(mut self, frameworks: Vec<Framework>) -> Self {
        self.frameworks = Some(frameworks);
        self
    }

    /// Writes these report files into `dir` (created when missing); the
    /// terminal summary is the caller's, and is ignored here.
    pub fn reports(mut self, formats: &[OutputFormat], dir: impl Into<PathBuf>) -> Self {
        let files: Vec<OutputFormat> = formats
            .iter()
            .copied()
            .filter(|f| *f != OutputFormat::Terminal)
            .collect();
        self.reports = (!files.is_empty()).then(|| (files, dir.into()));
        self
    }

    /// Also saves the snapshot to this file.
    pub fn save_snapshot(mut self, path: impl Into<PathBuf>) -> Self {
        self.save_snapshot = Some(path.into());
        self
    }

    /// Sends every [`Stage`] to `f`.
    pub fn on_progress(mut self, f: impl Fn(&Stage) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Checks everything and does the work that can fail on bad input
    /// (packages, mutelist, collector configuration, output paths) before
    /// anything is collected or written.
    pub fn prepare(self) -> Result<PreparedScan, ScanError> {
        if let Some((_, dir)) = &self.reports
            && dir.exists()
            && !dir.is_dir()
        {
            return Err(ScanError::OutputPath {
                what: "report directory",
                path: dir.clone(),
                reason: "exists and is not a directory",
            });
        }
        if let Some(path) = &self.save_snapshot {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
            if path.is_dir() || dir.is_some_and(|d| !d.is_dir()) {
                return Err(ScanError::OutputPath {
                    what: "snapshot file",
                    path: path.clone(),
                    reason: "expected a file in an existing directory",
                });
            }
        }
        #[cfg(feature = "wasm")]
        let wasm = self
            .packages
            .as_ref()
            .filter(|p| !p.files.is_empty())
            .map(|p| p.load(&self.rules))
            .transpose()?;
        let frameworks = match self.frameworks {
            Some(f) => f,
            None => cloudarq_rules::frameworks::frameworks()?,
        };
        let mut engine = Engine::new(self.rules).with_frameworks(frameworks);
        #[cfg(feature = "wasm")]
        if let Some(w) = wasm {
            engine = engine.with_wasm_rules(w);
        }
        if let Some(m) = self.mutelist {
            engine = engine.with_mutelist(m)?;
        }
        let source = match self.source {
            SnapshotSource::Snapshot(s) => Source::Snapshot(Box::new(s)),
            #[cfg(feature = "collect")]
            SnapshotSource::Collect(plan) => {
                Source::Collect(Box::new(build_auditor(plan, self.progress.clone())?))
            }
        };
        Ok(PreparedScan {
            source,
            engine,
            reports: self.reports,
            save_snapshot: self.save_snapshot,
            progress: self.progress,
        })
    }
}

#[cfg(feature = "collect")]
fn build_auditor(plan: CollectPlan, progress: Option<StageSink>) -> Result<Auditor, CoreError> {
    let mut builder = Auditor::builder(plan.credentials);
    if !plan.regions.is_empty() {
        builder = builder.regions(plan.regions);
    }
    if !plan.services.is_empty() {
        builder = builder.services(plan.services);
    }
    if let Some(url) = &plan.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    builder = builder.service_deadline(Some(plan.service_deadline));
    if let Some(sink) = progress {
        builder = builder.on_progress(move |e| sink(&Stage::Collect(e)));
    }
    builder.build()
}

enum Source {
    #[cfg(feature = "collect")]
    Collect(Box<Auditor>),
    Snapshot(Box<Snapshot>),
}

/// A checked scan, ready to run.
pub struct PreparedScan {
    source: Source,
    engine: Engine,
    reports: Option<(Vec<OutputFormat>, PathBuf)>,
    save_snapshot: Option<PathBuf>,
    progress: Option<StageSink>,
}

impl std::fmt::Debug for PreparedScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedScan")
            .field("engine", &self.engine)
            .field("reports", &self.reports)
            .field("save_snapshot", &self.save_snapshot)
            .finish_non_exhaustive()
    }
}

/// A WebAssembly rule package a scan ran: what its summary lists.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedPackage {
    /// The name in its metadata.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The sha256 of the package file (lowercase hex).
    pub sha256: String,
    /// How its origin was checked (signed by which key, pinned, or
    /// unsigned and allowed).
    pub trust: String,
    /// Its rules.
    pub rules: usize,
}

/// What a scan produced.
#[derive(Debug)]
pub struct Scan {
    /// The snapshot evaluated.
    pub snapshot: Snapshot,
    /// The evaluation, with its rule catalogue and scores, in the engine's
    /// lean form (each rule's and resource's fields held once): every
    /// report, [`engine::diff`](crate::engine::diff) and the store read it
    /// as it is; [`Evaluation::into_scan_result`] gives the document. It
    /// shares the snapshot's resources: [`Evaluation::detach`] it before
    /// dropping the snapshot when it is kept longer (the CLI and the worker
    /// do, to store it).
    pub result: Evaluation,
    /// The report files written.
    pub reports: Vec<PathBuf>,
    /// When [`PreparedScan::run`] started (collection, or taking the
    /// snapshot).
    pub started_at: OffsetDateTime,
    /// When evaluation ended (before the report files were written): with
    /// `started_at`, the times the store records for the scan.
    pub finished_at: OffsetDateTime,
    /// The WebAssembly rule packages that ran, in load order (empty
    /// without the `wasm` feature or `--rules`).
    pub packages: Vec<LoadedPackage>,
}

impl PreparedScan {
    /// The engine that will run (its rules, mutelist and frameworks).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The WebAssembly rule packages this scan will run.
    pub fn packages(&self) -> Vec<LoadedPackage> {
        #[cfg(feature = "wasm")]
        if let Some(w) = self.engine.wasm_rules() {
            return w
                .packages()
                .iter()
                .map(|p| LoadedPackage {
                    name: p.meta().name.clone(),
                    version: p.meta().version.clone(),
                    sha256: p.sha256().to_owned(),
                    trust: p.load_stats().trust.to_string(),
                    rules: p.meta().rules.len(),
                })
                .collect();
        }
        Vec::new()
    }

    /// Collects (or takes the snapshot), saves the snapshot file when asked,
    /// evaluates, and writes the report files.
    pub async fn run(self) -> Result<Scan, ScanError> {
        let started_at = OffsetDateTime::now_utc();
        let packages = self.packages();
        let stage = |s: Stage| {
            if let Some(f) = &self.progress {
                f(&s);
            }
        };
        let snapshot = match self.source {
            Source::Snapshot(s) => *s,
            #[cfg(feature = "collect")]
            Source::Collect(auditor) => auditor.collect().await?,
        };
        stage(Stage::Collected {
            resources: snapshot.resources.len(),
        });
        if let Some(path) = &self.save_snapshot {
            write_atomic(path, snapshot.to_json()?.as_bytes()).map_err(|source| {
                ScanError::Write {
                    what: "snapshot file",
                    path: path.clone(),
                    source,
                }
            })?;
        }
        let result = self.engine.run(&snapshot);
        let finished_at = OffsetDateTime::now_utc();
        stage(Stage::Evaluated {
            findings: result.findings().len(),
        });
        let mut reports = Vec::new();
        if let Some((formats, dir)) = &self.reports {
            std::fs::create_dir_all(dir).map_err(|source| ScanError::Write {
                what: "report directory",
                path: dir.clone(),
                source,
            })?;
            reports = report::write_reports(&result, &RuleIndex::builtin(), formats, dir)?;
            stage(Stage::Reported {
                files: reports.len(),
            });
        }
        Ok(Scan {
            snapshot,
            result,
            reports,
            started_at,
            finished_at,
            packages,
        })
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory,
/// renamed into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
