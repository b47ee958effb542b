//! `cloudarq rules inspect|run|test|package|build|keygen|sign|verify` and
//! `cloudarq scan --rules`: the WebAssembly rule tooling (W5).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use cloudarq_core::wasm::trust::{Signature, SigningKey, TrustPolicy, sha256_hex};
use cloudarq_core::wasm::{
    Limits, LoadOptions, PackageBytes, PackageRun, WasmHost, WasmPackage, inspect, package_module,
    write_secret_file,
};
use cloudarq_model::Snapshot;
use cloudarq_model::text::Inert;
use serde::{Deserialize, Serialize};

/// The WebAssembly rule subcommands of `cloudarq rules`.
#[derive(Debug, Subcommand)]
pub enum WasmRulesCommand {
    /// Creates a rule package crate: one rule with its metadata, a native
    /// test, fixtures with expected findings, a settings schema and a README.
    New {
        /// The package (and crate) name: lowercase letters, digits and '-'.
        name: String,
        /// A resource type its rule checks, e.g. AWS::S3::Bucket (repeatable;
        /// default AWS::EC2::Instance).
        #[arg(long = "resource-type", value_name = "TYPE")]
        resource_types: Vec<String>,
        /// Where to create it (default: ./NAME; must not exist or be empty).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// A rule package's metadata, contract version, imports and exports (nothing is run).
    Inspect {
        /// The package (.wasm).
        file: PathBuf,
    },
    /// Runs a package on a snapshot: findings, then fuel, memory and time against the limits.
    Run {
        /// The package (.wasm).
        file: PathBuf,
        /// The snapshot (JSON) to evaluate.
        #[arg(long)]
        snapshot: PathBuf,
        /// Settings for `configure` (a JSON file).
        #[arg(long)]
        settings: Option<PathBuf>,
        /// Keep the compiled package in this directory (as `scan --rules-cache-dir`).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// The secret key authenticating cache entries (default: `rules-cache.key` in the data directory).
        #[arg(long, requires = "cache_dir")]
        cache_key: Option<PathBuf>,
    },
    /// Golden tests: each `DIR/<case>.snapshot.json` against `DIR/<case>.expected.json`.
    Test {
        /// The fixtures directory (optional `settings.json` inside).
        dir: PathBuf,
        /// The package under test.
        #[arg(long)]
        package: PathBuf,
        /// Rewrite the expected files from the current output.
        #[arg(long)]
        update: bool,
    },
    /// Makes a package from a guest's build output (core module or component).
    Package {
        /// The built module, e.g. `target/wasm32-unknown-unknown/release/my_rules.wasm`.
        input: PathBuf,
        /// Where to write the package.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Builds a guest crate (`cargo build --release --target wasm32-unknown-unknown`) and packages it.
    Build {
        /// The guest crate's directory.
        dir: PathBuf,
        /// Where to write the package (default: `<dir>/<crate>.wasm`).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Writes a new ed25519 signing key (mode 0600) and prints its public key.
    Keygen {
        /// The key file to create (must not exist, unless `--force`).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing key file (a symlink there is replaced, its target untouched).
        #[arg(long)]
        force: bool,
    },
    /// Signs a package: writes `<file>.sig`.
    Sign {
        /// The package.
        file: PathBuf,
        /// The signing key file (from `rules keygen`).
        #[arg(long)]
        key: PathBuf,
    },
    /// Verifies a package's signature (and, with a policy, that it is trusted).
    Verify {
        /// The package.
        file: PathBuf,
        /// A trust policy (TOML).
        #[arg(long)]
        trust_policy: Option<PathBuf>,
    },
}

/// `cloudarq scan` options for WebAssembly rules.
#[derive(Debug, Args, Default)]
pub struct WasmScanArgs {
    /// Add WebAssembly rule packages: a .wasm file or a directory of them (repeatable).
    #[arg(long = "rules", value_name = "FILE_OR_DIR")]
    pub rules: Vec<PathBuf>,
    /// A trust policy (TOML): every package must then be pinned or signed by a trusted key.
    #[arg(long, requires = "rules")]
    pub trust_policy: Option<PathBuf>,
    /// Package settings: a JSON object keyed by package name.
    #[arg(long, requires = "rules")]
    pub rules_settings: Option<PathBuf>,
    /// Keep compiled packages in this directory (owned by you, not writable
    /// by group or others; created 0700).
    #[arg(long, requires = "rules")]
    pub rules_cache_dir: Option<PathBuf>,
    /// The secret key authenticating cache entries, outside the cache
    /// directory (default: `rules-cache.key` in the data directory; created
    /// 0600 on first use).
    #[arg(long, requires = "rules_cache_dir")]
    pub rules_cache_key: Option<PathBuf>,
}

/// The key authenticating the compiled cache: `key`, or by default
/// `rules-cache.key` in the data directory.
pub(crate) fn cache_key(key: Option<&Path>) -> PathBuf {
    key.map(Path::to_path_buf)
        .unwrap_or_else(|| crate::cli::store::data_dir().join("rules-cache.key"))
}

/// `host` with the compiled cache in `dir`, authenticated by [`cache_key`].
fn with_cache(host: WasmHost, dir: &Path, key: Option<&Path>) -> anyhow::Result<WasmHost> {
    Ok(host.with_cache_dir(dir, &cache_key(key))?)
}

/// A package (or guest build output) read once, bounded by the default
/// [`Limits::module_bytes`].
fn read_package(path: &Path) -> anyhow::Result<PackageBytes> {
    Ok(PackageBytes::read(path, Limits::default().module_bytes)?)
}

/// `.wasm` files named directly, and those inside named directories (sorted).
pub(crate) fn package_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|e| e == "wasm"))
                .collect();
            found.sort();
            if found.is_empty() {
                bail!("{}: no .wasm rule package in this directory", p.display());
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// The largest input file read whole (snapshots, fixtures, settings, keys,
/// manifests): a 100k-resource snapshot is well under it.
pub(crate) const INPUT_FILE_BYTES: usize = 1 << 30;

/// Reads an input file as text, bounded ([`cloudarq_core::input`]).
pub(crate) fn read(p: &Path) -> anyhow::Result<String> {
    cloudarq_core::input::read_text(p, INPUT_FILE_BYTES)
        .with_context(|| format!("cannot read {}", Inert(p.display())))
}

fn snapshot(p: &Path) -> anyhow::Result<Snapshot> {
    Ok(Snapshot::from_json(&read(p)?, &p.display().to_string())?)
}

fn settings_file(p: Option<&Path>) -> anyhow::Result<Option<serde_json::Value>> {
    p.map(|p| serde_json::from_str(&read(p)?).with_context(|| format!("{}: not JSON", p.display())))
        .transpose()
}

/// Runs one WebAssembly rule subcommand; returns the exit code.
pub fn run(cmd: WasmRulesCommand, out: &mut dyn Write) -> anyhow::Result<u8> {
    match cmd {
        WasmRulesCommand::New {
            name,
            resource_types,
            dir,
        } => {
            super::scaffold::NewPackage::new(&name, &resource_types, dir)?.write(out)?;
            Ok(0)
        }
        WasmRulesCommand::Inspect { file } => {
            let package = read_package(&file)?;
            let info = inspect(package.bytes(), package.name())?;
            let m = &info.meta;
            writeln!(out, "package:   {} {}", Inert(&m.name), Inert(&m.version))?;
            writeln!(out, "sha256:    {}", package.sha256())?;
            writeln!(
                out,
                "contract:  {} (exports {})",
                Inert(&m.contract),
                Inert(info.exported_contract().unwrap_or("no evaluator"))
            )?;
            writeln!(out, "min host:  {}", Inert(&m.min_host_version))?;
            writeln!(out, "imports:   {}", Inert(info.imports.join(", ")))?;
            writeln!(out, "exports:   {}", Inert(info.exports.join(", ")))?;
            let ctx: Vec<&str> = m.context_types.iter().map(|t| t.as_str()).collect();
            writeln!(out, "context:   {}", ctx.join(", "))?;
            writeln!(out, "settings:  {}", Inert(&m.settings_schema))?;
            for r in &m.rules {
                let types: Vec<&str> = r.resource_types.iter().map(|t| t.as_str()).collect();
                writeln!(
                    out,
                    "rule {} [{}] {}",
                    Inert(&r.id),
                    r.severity,
                    Inert(&r.title)
                )?;
                writeln!(out, "  resources: {}", types.join(", "))?;
                for c in &r.controls {
                    writeln!(
                        out,
                        "  control:   {} {}",
                        Inert(&c.framework),
                        Inert(&c.control)
                    )?;
                }
            }
            Ok(0)
        }
        WasmRulesCommand::Run {
            file,
            snapshot: snap,
            settings,
            cache_dir,
            cache_key,
        } => {
            let mut host = WasmHost::new(Limits::default())?;
            if let Some(dir) = &cache_dir {
                host = with_cache(host, dir, cache_key.as_deref())?;
            }
            let opts = LoadOptions {
                settings: settings_file(settings.as_deref())?,
                ..LoadOptions::default()
            };
            let pkg = host.load_file(&file, &opts)?;
            let snap = snapshot(&snap)?;
            let run = host.evaluate(&pkg, &snap);
            for f in &run.findings {
                writeln!(
                    out,
                    "{:<6} {:<40} {} {}",
                    format!("{:?}", f.status).to_uppercase(),
                    Inert(&f.rule_id),
                    Inert(&f.resource_arn),
                    Inert(&f.message)
                )?;
            }
            for g in &run.evaluation_gaps {
                writeln!(
                    out,
                    "GAP    {:<40} {} not collected: {}",
                    Inert(&g.rule_id),
                    Inert(&g.resource_arn),
                    Inert(&g.field)
                )?;
            }
            write_usage(out, &pkg, &run, host.limits())?;
            Ok(0)
        }
        WasmRulesCommand::Test {
            dir,
            package,
            update,
        } => golden(&dir, &package, update, out),
        WasmRulesCommand::Package { input, output } => {
            let wasm = read_package(&input)?;
            let host = WasmHost::new(Limits::default())?;
            let (bytes, meta) = package_module(&host, wasm.bytes())?;
            write_file(&output, &bytes)?;
            writeln!(
                out,
                "{}: package {} {} with {} rule(s), sha256 {}",
                Inert(output.display()),
                Inert(&meta.name),
                Inert(&meta.version),
                meta.rules.len(),
                sha256_hex(&bytes)
            )?;
            Ok(0)
        }
        WasmRulesCommand::Build { dir, output } => build(&dir, output.as_deref(), out),
        WasmRulesCommand::Keygen { out: path, force } => {
            // `symlink_metadata`: a dangling symlink there exists too.
            if !force && std::fs::symlink_metadata(&path).is_ok() {
                bail!(
                    "{} exists; not overwriting a key (use --force to replace it)",
                    path.display()
                );
            }
            let key = SigningKey::generate()?;
            let text = secrecy::SecretString::from(key.to_file_text());
            let bytes = secrecy::ExposeSecret::expose_secret(&text).as_bytes();
            write_secret_file(&path, bytes, force).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    anyhow::anyhow!(
                        "{} exists; not overwriting a key (use --force to replace it)",
                        path.display()
                    )
                } else {
                    anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
                }
            })?;
            writeln!(out, "{}", key.public_key())?;
            Ok(0)
        }
        WasmRulesCommand::Sign { file, key } => {
            let key = SigningKey::from_file_text(&read(&key)?, &key.display().to_string())?;
            let package = read_package(&file)?;
            inspect(package.bytes(), package.name())?;
            let sig = Signature::sign(&key, package.bytes());
            let path = Signature::path_for(&file);
            write_file(&path, sig.to_text().as_bytes())?;
            writeln!(
                out,
                "{}: signed by {}",
                Inert(path.display()),
                key.public_key()
            )?;
            Ok(0)
        }
        WasmRulesCommand::Verify { file, trust_policy } => {
            let package = read_package(&file)?;
            let bytes = package.bytes();
            let sig_path = Signature::path_for(&file);
            let sig = Signature::read_for(&file)?;
            let verdict = match (trust_policy, &sig) {
                (Some(p), sig) => TrustPolicy::load(&p)?.check(bytes, sig.as_ref()),
                (None, Some(sig)) => sig
                    .verify(bytes)
                    .map(|k| format!("valid signature by {k} (no trust policy given)")),
                (None, None) => Err(format!("no signature ({} missing)", sig_path.display())),
            };
            match verdict {
                Ok(why) => {
                    writeln!(out, "{}: OK: {}", Inert(file.display()), Inert(why))?;
                    Ok(0)
                }
                Err(why) => {
                    writeln!(out, "{}: REFUSED: {}", Inert(file.display()), Inert(why))?;
                    Ok(1)
                }
            }
        }
    }
}

fn write_usage(
    out: &mut dyn Write,
    pkg: &WasmPackage,
    run: &PackageRun,
    l: &Limits,
) -> anyhow::Result<()> {
    let s = &run.stats;
    let pct = |a: f64, b: f64| if b > 0.0 { 100.0 * a / b } else { 0.0 };
    writeln!(out, "--")?;
    let load = pkg.load_stats();
    writeln!(
        out,
        "package {} ({}, {} in {:.1} ms{}){}",
        Inert(&pkg.meta().name),
        pkg.sha256(),
        if load.cached {
            "from cache"
        } else {
            "compiled"
        },
        load.load_time.as_secs_f64() * 1e3,
        load.recompiled_because
            .as_deref()
            .map(|why| format!("; recompiled: {why}"))
            .unwrap_or_default(),
        pkg.failure()
            .map(|f| format!(": CANNOT RUN: {}", Inert(f)))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "findings {}, gaps {}, calls {}, instances {}, failed calls {}, log lines dropped {}",
        run.findings.len(),
        run.evaluation_gaps.len(),
        s.calls,
        s.instances,
        s.failures,
        s.log_lines_dropped
    )?;
    let (used, given) = s.max_call_fuel;
    writeln!(
        out,
        "fuel:   busiest call {used} of {given} ({:.1}%), total {}",
        pct(used as f64, given as f64),
        s.fuel_used
    )?;
    writeln!(
        out,
        "memory: peak {} KiB of {} KiB ({:.1}%)",
        s.peak_memory_bytes / 1024,
        l.memory_bytes / 1024,
        pct(s.peak_memory_bytes as f64, l.memory_bytes as f64)
    )?;
    writeln!(
        out,
        "time:   slowest call {:.2} ms of the {} ms deadline ({:.2}%), instantiation {:.2} ms, total {:.2} ms",
        s.max_call_time.as_secs_f64() * 1e3,
        l.deadline.as_millis(),
        pct(s.max_call_time.as_secs_f64(), l.deadline.as_secs_f64()),
        s.instantiate_time.as_secs_f64() * 1e3,
        s.elapsed.as_secs_f64() * 1e3
    )?;
    Ok(())
}

/// The golden form of one result: what a fixture expects.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule_id: String,
    resource_arn: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn golden_of(run: &PackageRun) -> Vec<Expected> {
    let mut v: Vec<Expected> = run
        .findings
        .iter()
        .map(|f| Expected {
            rule_id: f.rule_id.clone(),
            resource_arn: f.resource_arn.as_str().to_owned(),
            status: format!("{:?}", f.status).to_uppercase(),
            severity: Some(f.severity.to_string()),
            message: Some(f.message.clone()),
        })
        .chain(run.evaluation_gaps.iter().map(|g| Expected {
            rule_id: g.rule_id.clone(),
            resource_arn: g.resource_arn.as_str().to_owned(),
            status: "NOT_COLLECTED".to_owned(),
            severity: None,
            message: Some(g.field.clone()),
        }))
        .collect();
    v.sort_by(|a, b| (&a.rule_id, &a.resource_arn).cmp(&(&b.rule_id, &b.resource_arn)));
    v
}

fn golden(dir: &Path, package: &Path, update: bool, out: &mut dyn Write) -> anyhow::Result<u8> {
    let host = WasmHost::new(Limits::default())?;
    let settings = dir.join("settings.json");
    let opts = LoadOptions {
        settings: settings_file(settings.exists().then_some(settings.as_path()))?,
        ..LoadOptions::default()
    };
    let pkg = host.load_file(package, &opts)?;
    if let Some(f) = pkg.failure() {
        bail!("{}: cannot run: {f}", package.display());
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".snapshot.json"))
        .collect();
    cases.sort();
    if cases.is_empty() {
        bail!("{}: no <case>.snapshot.json fixture", dir.display());
    }
    let (mut passed, mut failed) = (0u32, 0u32);
    for case in cases {
        let name = case
            .to_string_lossy()
            .trim_end_matches(".snapshot.json")
            .to_owned();
        let expected_path = PathBuf::from(format!("{name}.expected.json"));
        let got = golden_of(&host.evaluate(&pkg, &snapshot(&case)?));
        if update {
            let text = serde_json::to_string_pretty(&got)? + "\n";
            write_file(&expected_path, text.as_bytes())?;
            writeln!(out, "updated {}", Inert(expected_path.display()))?;
            passed += 1;
            continue;
        }
        if std::fs::symlink_metadata(&expected_path).is_err() {
            bail!(
                "{}: no expected output for this case ({} is missing); create it from the \
                 package's current output with `cloudarq rules test {} --package {} --update`, \
                 then review it",
                case.display(),
                expected_path.display(),
                dir.display(),
                package.display()
            );
        }
        let want: Vec<Expected> =
            serde_json::from_str(&read(&expected_path)?).with_context(|| {
                format!(
                    "{}: not a list of expected findings",
                    expected_path.display()
                )
            })?;
        if want == got {
            passed += 1;
            writeln!(out, "ok     {}", Inert(case.display()))?;
        } else {
            failed += 1;
            writeln!(out, "FAILED {}", Inert(case.display()))?;
            for w in want.iter().filter(|w| !got.contains(w)) {
                writeln!(
                    out,
                    "  expected, missing: {}",
                    Inert(serde_json::to_string(w)?)
                )?;
            }
            for g in got.iter().filter(|g| !want.contains(g)) {
                writeln!(
                    out,
                    "  got, unexpected:   {}",
                    Inert(serde_json::to_string(g)?)
                )?;
            }
        }
    }
    writeln!(out, "rules test: {passed} passed, {failed} failed")?;
    Ok(u8::from(failed > 0))
}

fn build(dir: &Path, output: Option<&Path>, out: &mut dyn Write) -> anyhow::Result<u8> {
    let manifest: toml::Value = toml::from_str(&read(&dir.join("Cargo.toml"))?)
        .with_context(|| format!("{}: not a Cargo.toml", dir.join("Cargo.toml").display()))?;
    let name = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .with_context(|| format!("{}: no package name", dir.display()))?
        .to_owned();
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
            .current_dir(dir)
            .status()
            .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build failed in {}", dir.display());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    let core = target
        .join("wasm32-unknown-unknown/release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join(format!("{name}.wasm")));
    run(
        WasmRulesCommand::Package {
            input: core,
            output,
        },
        out,
    )
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
