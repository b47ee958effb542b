//! `cloudarq scan` and `cloudarq rules`: clap definitions and their logic.
//!
//! Exit codes: 0 success, 1 a FAIL at or above `--fail-on`, 2 bad input or
//! an error (the message names the input at fault).
//!
//! `scan` checks every option before it writes anything (a report, a
//! snapshot, the store or its keyring), and a value repeated in a
//! comma-separated option counts once. Text from the account or a rule
//! package is printed through [`Inert`], so it cannot drive the terminal.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use cloudarq_core::engine::{Engine, Mutelist};
use cloudarq_core::report::terminal::TerminalOptions;
use cloudarq_core::report::{self, OutputFormat, RuleIndex};
use cloudarq_core::{Auditor, CredentialSource, ENDPOINT_ENV, ExternalId, ProgressEvent, RoleArn};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::text::Inert;
use cloudarq_model::{Region, Service, Snapshot};

use crate::store_cmd::{
    self, BackupArgs, HistoryArgs, KeysCommand, PurgeArgs, RestoreArgs, StoreArgs,
};

/// The demo account: a real collection of a moto-seeded account
/// (recorded by `cloudarq-core/tests/moto/demo.rs`).
pub const DEMO_SNAPSHOT: &str = include_str!("../../testdata/demo-snapshot.json");

/// CloudArq, an AWS security auditor.
#[derive(Debug, Parser)]
#[command(name = "cloudarq", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Where scans are stored.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect an account (or load a snapshot), evaluate the rules, write reports.
    Scan(Box<ScanArgs>),
    /// The rule catalogue.
    Rules {
        /// list or show.
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Stored scans: score trend per connection and framework, and changes.
    History(HistoryArgs),
    /// Encryption keys of the store: status and rotation.
    Keys {
        /// status, add, promote, rotate or remove.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Back up the store (data without keys, and keys apart).
    Backup(BackupArgs),
    /// Restore a backup into a new database (--db).
    Restore(RestoreArgs),
    /// Remove deleted connections and tenants whose purge time has come.
    Purge(PurgeArgs),
}

/// `cloudarq rules …`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every built-in rule, one line each.
    List,
    /// One rule's metadata.
    Show {
        /// The rule id.
        id: String,
    },
    /// WebAssembly rule packages (inspect, run, test, package, build, keygen, sign, verify).
    #[command(flatten)]
    Wasm(crate::rules_cmd::WasmRulesCommand),
}

/// `cloudarq scan` options.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Evaluate the bundled demo account (no AWS account needed).
    #[arg(long, conflicts_with_all = ["snapshot", "role_arn", "profile"])]
    pub demo: bool,
    /// Re-evaluate a saved snapshot offline.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["role_arn", "profile"])]
    pub snapshot: Option<PathBuf>,
    /// Assume this role (recommended).
    #[arg(long, requires = "external_id")]
    pub role_arn: Option<String>,
    /// The External ID of the role's trust policy.
    #[arg(long, env = "CLOUDARQ_EXTERNAL_ID", hide_env_values = true)]
    pub external_id: Option<String>,
    /// A named AWS profile for the base credentials.
    #[arg(long)]
    pub profile: Option<String>,
    /// Regions, comma-separated (default: every enabled region); a repeated
    /// value counts once.
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Services, comma-separated (default: iam,s3,ec2,rds); a repeated value
    /// counts once.
    #[arg(long, value_delimiter = ',')]
    pub services: Vec<String>,
    /// Send every AWS request to this endpoint (moto, LocalStack); without
    /// it, the `AWS_ENDPOINT_URL` environment variable is used when set.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// How long the calls to one service in one region may take, in
    /// seconds; calls cut off or not sent become coverage gaps.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = cloudarq_core::DEFAULT_SERVICE_DEADLINE.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub service_deadline: u64,
    /// Report formats, comma-separated: json, ocsf, csv, html, terminal; a
    /// repeated value counts once.
    #[arg(long, default_value = "json,html,terminal")]
    pub output_formats: String,
    /// Where report files go (created if missing).
    #[arg(long, default_value = "cloudarq-output")]
    pub output_dir: PathBuf,
    /// A mutelist TOML file.
    #[arg(long)]
    pub mutelist: Option<PathBuf>,
    /// Frameworks to score, comma-separated (default: all); a repeated value
    /// counts once.
    #[arg(long, value_delimiter = ',')]
    pub compliance: Vec<String>,
    /// Exit 1 when a FAIL of this severity or higher is found.
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Do not save this scan in the store.
    #[arg(long)]
    pub no_store: bool,
    /// Store the scan under this connection name (default: the account id;
    /// `demo` for --demo): 1 to 200 characters, no control characters.
    #[arg(long, value_name = "NAME")]
    pub connection: Option<String>,
    /// Also save the collected snapshot to this file.
    #[arg(long)]
    pub save_snapshot: Option<PathBuf>,
    /// WebAssembly rule packages to add to the scan.
    #[command(flatten)]
    pub wasm: crate::rules_cmd::WasmScanArgs,
}

/// Runs a parsed command line; returns the exit code.
pub async fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    match cli.command {
        Command::Rules {
            command: RulesCommand::List,
        } => {
            for r in cloudarq_rules::all() {
                let m = r.meta();
                writeln!(
                    out,
                    "{:<70} {:<13} {}",
                    Inert(m.id),
                    m.severity.as_str(),
                    Inert(m.title)
                )?;
            }
            Ok(0)
        }
        Command::Rules {
            command: RulesCommand::Show { id },
        } => {
            let rule = cloudarq_rules::by_id(&id)
                .with_context(|| format!("unknown rule id {id:?} (see `cloudarq rules list`)"))?;
            let m = rule.meta();
            writeln!(
                out,
                "{}\n  title:       {}\n  severity:    {}\n  service:     {}",
                Inert(m.id),
                Inert(m.title),
                m.severity,
                m.service
            )?;
            let types: Vec<&str> = m.resource_types.iter().map(|t| t.as_str()).collect();
            writeln!(
                out,
                "  resources:   {}\n  rationale:   {}",
                types.join(", "),
                Inert(m.rationale)
            )?;
            writeln!(
                out,
                "  remediation (CLI):     {}\n  remediation (console): {}\n  docs: {}",
                Inert(m.remediation.cli),
                Inert(m.remediation.console),
                Inert(m.remediation.url)
            )?;
            for c in m.controls {
                writeln!(
                    out,
                    "  control:     {} {}",
                    Inert(c.framework),
                    Inert(c.control)
                )?;
            }
            Ok(0)
        }
        Command::Rules {
            command: RulesCommand::Wasm(c),
        } => crate::rules_cmd::run(c, out),
        Command::Scan(args) => scan(*args, &cli.store, out).await,
        Command::History(args) => store_cmd::history(&cli.store, args, out).await,
        Command::Keys { command } => store_cmd::keys(&cli.store, command, out).await,
        Command::Backup(args) => store_cmd::backup(&cli.store, args, out).await,
        Command::Restore(args) => store_cmd::restore(&cli.store, args, out).await,
        Command::Purge(args) => store_cmd::purge(&cli.store, args, out).await,
    }
}

/// What to collect, parsed from `--regions` and `--services`.
struct Targets {
    regions: Vec<Region>,
    services: Vec<Service>,
}

/// The values of a comma-separated option, each once, in first-seen order
/// (`--compliance cis_aws_3.0,cis_aws_3.0` is `--compliance cis_aws_3.0`).
fn once<T: PartialEq>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Parses each value of a comma-separated option, each once.
fn parse_once<T: PartialEq + std::str::FromStr>(values: &[String]) -> Result<Vec<T>, T::Err> {
    Ok(once(
        values
            .iter()
            .map(|v| v.trim().parse())
            .collect::<Result<Vec<T>, _>>()?,
    ))
}

/// The longest `--connection` name, as the store accepts.
const MAX_CONNECTION_NAME: usize = 200;

/// Refuses an output path that exists as something other than a directory
/// (or, for a file, whose directory is missing), before anything is written.
fn check_paths(args: &ScanArgs) -> anyhow::Result<()> {
    if args.output_dir.exists() && !args.output_dir.is_dir() {
        anyhow::bail!(
            "--output-dir {} exists and is not a directory",
            args.output_dir.display()
        );
    }
    if let Some(path) = &args.save_snapshot {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        if path.is_dir() || dir.is_some_and(|d| !d.is_dir()) {
            anyhow::bail!(
                "--save-snapshot {}: expected a file in an existing directory",
                path.display()
            );
        }
    }
    if let Some(name) = &args.connection {
        let n = name.trim().chars().count();
        if n == 0 || n > MAX_CONNECTION_NAME || !cloudarq_model::text::is_inert(name) {
            anyhow::bail!(
                "--connection {:?}: expected 1 to {MAX_CONNECTION_NAME} characters without control or bidirectional characters",
                name
            );
        }
    }
    Ok(())
}

/// Where credentials come from, checked before any work: the role ARN and
/// External ID are parsed here, once, and the role goes on to the store.
fn credential_source(args: &ScanArgs) -> anyhow::Result<(CredentialSource, Option<RoleArn>)> {
    let base = CredentialSource::DefaultChain {
        profile: args.profile.clone(),
    };
    Ok(match &args.role_arn {
        Some(role) => {
            let role: RoleArn = role.parse()?;
            let external_id = args.external_id.clone().map(ExternalId::new).transpose()?;
            (
                CredentialSource::assume_role(role.clone(), external_id, base),
                Some(role),
            )
        }
        None => (base, None),
    })
}

async fn scan(args: ScanArgs, store: &StoreArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let started_at = time::OffsetDateTime::now_utc();
    // Validate every input before any work, so bad input writes nothing:
    // not a report, not a snapshot, not a store or keyring.
    let formats = OutputFormat::parse_list(&args.output_formats)?;
    let fail_on: Option<Severity> = args.fail_on.as_deref().map(str::parse).transpose()?;
    let targets = Targets {
        regions: parse_once(&args.regions)?,
        services: parse_once(&args.services)?,
    };
    check_paths(&args)?;
    let (source, role_arn) = if args.demo || args.snapshot.is_some() {
        (None, None)
    } else {
        let (source, role) = credential_source(&args)?;
        (Some(source), role)
    };
    let rules = cloudarq_rules::all();
    let wasm_rules = crate::rules_cmd::load_scan_rules(&args.wasm, &rules)?;
    let mutelist = args
        .mutelist
        .as_deref()
        .map(|p| {
            Mutelist::load_for_ids(p, &crate::rules_cmd::rule_ids(&rules, wasm_rules.as_ref()))
        })
        .transpose()?;
    // Unknown ids are refused by the one lookup, naming the known ids.
    let frameworks = if args.compliance.is_empty() {
        cloudarq_rules::frameworks::frameworks()?
    } else {
        once(args.compliance.iter().map(|id| id.trim()))
            .into_iter()
            .map(cloudarq_rules::frameworks::framework)
            .collect::<Result<Vec<_>, _>>()?
    };

    // Open the store before any work, so a bad --db or keyring fails first.
    let db = if args.no_store {
        None
    } else {
        Some(
            store
                .open()
                .await
                .context("opening the store (use --no-store to skip it)")?,
        )
    };

    let snapshot = if args.demo {
        Snapshot::from_json(DEMO_SNAPSHOT, "the bundled demo snapshot")?
    } else if let Some(path) = &args.snapshot {
        let text = cloudarq_core::input::read_text(path, crate::rules_cmd::INPUT_FILE_BYTES)
            .with_context(|| format!("cannot read snapshot {}", Inert(path.display())))?;
        Snapshot::from_json(&text, &path.display().to_string())?
    } else if let Some(source) = source {
        collect(&args, source, targets).await?
    } else {
        anyhow::bail!("nothing to scan: give --demo, --snapshot or AWS credentials")
    };
    if let Some(path) = &args.save_snapshot {
        write_atomic(path, snapshot.to_json()?.as_bytes())?;
    }

    let mut engine = crate::rules_cmd::with_wasm(
        Engine::new(rules.clone()).with_frameworks(frameworks),
        wasm_rules,
    );
    if let Some(m) = mutelist {
        engine = engine.with_mutelist(m);
    }
    let result = engine.evaluate(&snapshot);

    let files: Vec<OutputFormat> = formats
        .iter()
        .copied()
        .filter(|f| *f != OutputFormat::Terminal)
        .collect();
    if !files.is_empty() {
        std::fs::create_dir_all(&args.output_dir).with_context(|| {
            format!(
                "cannot create output directory {}",
                args.output_dir.display()
            )
        })?;
        let written = report::write_reports(
            &result,
            &RuleIndex::from_rules(&rules),
            &files,
            &args.output_dir,
        )?;
        for w in written {
            tracing::info!(file = %w.display(), "report written");
        }
    }
    if formats.contains(&OutputFormat::Terminal) {
        let color = crate::logging::use_color(
            std::io::IsTerminal::is_terminal(&std::io::stdout()),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        write!(
            out,
            "{}",
            report::terminal::summary(&result, TerminalOptions { color })
        )?;
    }
    if let Some((db, runner)) = &db {
        let name = args.connection.clone().unwrap_or_else(|| {
            if args.demo {
                "demo".to_string()
            } else {
                result.account_id.to_string()
            }
        });
        let mut sink = std::io::sink();
        let summary: &mut dyn Write = if formats.contains(&OutputFormat::Terminal) {
            out
        } else {
            &mut sink
        };
        store_cmd::save_scan(
            db,
            runner,
            &name,
            role_arn.as_ref(),
            &result,
            started_at,
            summary,
        )
        .await
        .context("saving the scan to the store (use --no-store to skip)")?;
        db.close().await;
    }
    let failing = fail_on.is_some_and(|min| {
        result
            .findings
            .iter()
            .any(|f| f.status == Status::Fail && f.severity >= min)
    });
    Ok(u8::from(failing))
}

async fn collect(
    args: &ScanArgs,
    source: CredentialSource,
    targets: Targets,
) -> anyhow::Result<Snapshot> {
    let mut builder = Auditor::builder(source);
    if !targets.regions.is_empty() {
        builder = builder.regions(targets.regions);
    }
    if !targets.services.is_empty() {
        builder = builder.services(targets.services);
    }
    // The library reads no environment: the command reads AWS_ENDPOINT_URL
    // when --endpoint-url is absent and passes it explicitly.
    let from_env = args.endpoint_url.is_none();
    let endpoint = args.endpoint_url.clone().or_else(|| {
        std::env::var(ENDPOINT_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
    });
    if let Some(url) = &endpoint {
        builder = builder.endpoint_url(url);
    }
    let deadline = std::time::Duration::from_secs(args.service_deadline);
    builder = builder.service_deadline(Some(deadline));
    // A progress bar per service × region on a terminal, plain log lines otherwise.
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let sink = bar.clone();
    builder = builder.on_progress(move |event| match (event, &sink) {
        (ProgressEvent::Planned { units }, Some(bar)) => bar.set_length(units as u64),
        (
            ProgressEvent::Collected {
                service,
                region,
                resources,
            },
            Some(bar),
        ) => {
            let region = region.map_or_else(|| "global".to_owned(), |r| r.to_string());
            bar.set_message(format!("{service} {region}: {resources} resources"));
            bar.inc(1);
        }
        (
            ProgressEvent::Collected {
                service,
                region,
                resources,
            },
            None,
        ) => {
            let region = region.map_or_else(|| "global".to_owned(), |r| r.to_string());
            tracing::info!(service = %service, region = %region, resources, "collected");
        }
        _ => {}
    });
    let auditor = builder.build().map_err(|e| match (&e, from_env) {
        (cloudarq_core::CoreError::InvalidEndpoint { .. }, true) => {
            anyhow::Error::new(e).context(format!("{ENDPOINT_ENV} is not a usable endpoint"))
        }
        _ => anyhow::Error::new(e),
    })?;
    let snapshot = auditor.collect().await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(snapshot?)
}

/// Writes `bytes` to `path` via a temporary file in the same directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.write_all(bytes)?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn issue_9_repeated_regions_and_services_count_once_in_order() {
        let regions: Vec<Region> =
            parse_once(&strings(&["us-east-1", "eu-west-1", " us-east-1"])).unwrap();
        let names: Vec<&str> = regions.iter().map(Region::as_str).collect();
        assert_eq!(names, ["us-east-1", "eu-west-1"]);
        let services: Vec<Service> = parse_once(&strings(&["s3", "iam", "s3"])).unwrap();
        assert_eq!(services, [Service::S3, Service::Iam]);
        let e = parse_once::<Service>(&strings(&["iam", "dynamodb"])).unwrap_err();
        assert!(e.to_string().contains("\"dynamodb\""), "{e}");
        assert_eq!(once([3, 1, 3, 2, 1]), [3, 1, 2]);
    }
}
