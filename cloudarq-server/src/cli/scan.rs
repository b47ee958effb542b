//! `cloudarq scan`: the command line's inputs to the one scan pipeline
//! ([`cloudarq_core::scan`]), the terminal summary, and the storing step
//! ([`crate::scan_store`]).
//!
//! Every option is checked, and the pipeline prepared (packages compiled,
//! mutelist checked against the rules that run, collector configuration and
//! output paths validated), before the store is opened or anything is
//! collected or written; a value repeated in a comma-separated option counts
//! once.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use cloudarq_core::engine::{Mutelist, ResultRef};
use cloudarq_core::report::OutputFormat;
use cloudarq_core::report::terminal::TerminalOptions;
use cloudarq_core::scan::{CollectPlan, PackagePlan, ScanPlan, SnapshotSource, Stage};
use cloudarq_core::wasm::trust::TrustPolicy;
use cloudarq_core::{CredentialSource, ENDPOINT_ENV, ExternalId, ProgressEvent, RoleArn};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::text::Inert;
use cloudarq_model::{Region, Service, Snapshot};

use super::DEMO_SNAPSHOT;
use super::store::StoreArgs;

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
    /// Services, comma-separated (default: iam,s3,ec2,rds,kms,cloudtrail,
    /// cloudwatch,sns,config,securityhub,accessanalyzer,organizations,efs,
    /// macie,account,backup,ssm,cloudfront,elbv2,apigateway); a repeated
    /// value counts once.
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
    pub wasm: crate::cli::rules::WasmScanArgs,
    /// Scan an AWS organization: `--role-arn` is the management (or
    /// delegated administrator) account's role; every active member
    /// selected below is scanned in its own role (`--member-role-name`,
    /// deployed by `cloudformation/cloudarq-organization.yaml`'s StackSet),
    /// with its reports under `--output-dir/<account id>/`.
    #[command(flatten)]
    pub organization: OrganizationArgs,
}

/// `cloudarq scan --organization` options.
#[derive(Debug, Args)]
pub struct OrganizationArgs {
    /// Scan the organization of `--role-arn`'s account.
    #[arg(long, requires = "role_arn", conflicts_with_all = ["save_snapshot", "connection"])]
    pub organization: bool,
    /// The role name in every member account.
    #[arg(long, default_value = "CloudArqAudit", requires = "organization")]
    pub member_role_name: String,
    /// Scan only these accounts (and those of --include-ous), comma-separated.
    #[arg(long, value_delimiter = ',', requires = "organization")]
    pub include_accounts: Vec<String>,
    /// Scan only the accounts below these OUs or roots, comma-separated.
    #[arg(long, value_delimiter = ',', requires = "organization")]
    pub include_ous: Vec<String>,
    /// Never scan these accounts, comma-separated.
    #[arg(long, value_delimiter = ',', requires = "organization")]
    pub exclude_accounts: Vec<String>,
    /// Never scan the accounts below these OUs, comma-separated.
    #[arg(long, value_delimiter = ',', requires = "organization")]
    pub exclude_ous: Vec<String>,
}

/// The store, unless `--no-store`; opened before any work, so a bad `--db`
/// or keyring fails first.
async fn open_store(
    args: &ScanArgs,
    store: &StoreArgs,
) -> anyhow::Result<Option<(cloudarq_store::Store, cloudarq_store::JobRunner)>> {
    if args.no_store {
        return Ok(None);
    }
    Ok(Some(store.open().await.context(
        "opening the store (use --no-store to skip it)",
    )?))
}

/// `--endpoint-url`, else `AWS_ENDPOINT_URL`: the library reads no
/// environment, so the command reads it and passes it explicitly.
fn endpoint_url(args: &ScanArgs) -> Option<String> {
    args.endpoint_url.clone().or_else(|| {
        std::env::var(ENDPOINT_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
    })
}

/// The terminal summary of `result`, coloured when stdout is a terminal
/// and `NO_COLOR` is unset.
fn write_summary<'a>(out: &mut dyn Write, result: impl Into<ResultRef<'a>>) -> std::io::Result<()> {
    let color = crate::logging::use_color(
        std::io::IsTerminal::is_terminal(&std::io::stdout()),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    write!(
        out,
        "{}",
        cloudarq_core::report::terminal::summary(result, TerminalOptions { color })
    )
}

/// Whether `result` has a FAIL at or above `--fail-on`.
fn fails<'a>(result: impl Into<ResultRef<'a>>, fail_on: Option<Severity>) -> bool {
    let result = result.into();
    fail_on.is_some_and(|min| {
        result
            .findings()
            .any(|f| f.status == Status::Fail && f.severity >= min)
    })
}

/// An OU or root id as Organizations writes them.
fn parse_ou(s: &str) -> anyhow::Result<String> {
    let s = s.trim();
    anyhow::ensure!(
        cloudarq_core::organization::is_ou_id(s),
        "{:?}: expected an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
        Inert(s)
    );
    Ok(s.to_owned())
}

/// `scan --organization`: the organization's members, each scanned, its
/// reports written and its scan stored under its account id; then the
/// roll-up.
async fn scan_organization(
    args: ScanArgs,
    store: &StoreArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    use cloudarq_core::organization::{MemberFilter, OrganizationPlan};
    let formats = OutputFormat::parse_list(&args.output_formats)?;
    let fail_on: Option<Severity> = args.fail_on.as_deref().map(str::parse).transpose()?;
    let o = &args.organization;
    let accounts = |v: &[String]| -> anyhow::Result<std::collections::BTreeSet<_>> {
        v.iter()
            .map(|a| a.trim().parse().map_err(anyhow::Error::from))
            .collect()
    };
    let ous = |v: &[String]| -> anyhow::Result<std::collections::BTreeSet<_>> {
        v.iter().map(|s| parse_ou(s)).collect()
    };
    let filter = MemberFilter {
        include_accounts: accounts(&o.include_accounts).context("--include-accounts")?,
        include_ous: ous(&o.include_ous).context("--include-ous")?,
        exclude_accounts: accounts(&o.exclude_accounts).context("--exclude-accounts")?,
        exclude_ous: ous(&o.exclude_ous).context("--exclude-ous")?,
    };
    let role_name = o.member_role_name.trim().to_owned();
    let management_role: RoleArn = args
        .role_arn
        .as_deref()
        .unwrap_or_default()
        .parse()
        .context("--role-arn")?;
    cloudarq_core::organization::member_role(
        management_role.partition(),
        management_role.account_id(),
        &role_name,
    )
    .context("--member-role-name")?;
    let frameworks = if args.compliance.is_empty() {
        None
    } else {
        Some(
            once(args.compliance.iter().map(|id| id.trim()))
                .into_iter()
                .map(cloudarq_rules::frameworks::framework)
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    let profile = args.profile.clone();
    let plan = OrganizationPlan {
        base: Box::new(move || CredentialSource::DefaultChain {
            profile: profile.clone(),
        }),
        management_role,
        external_id: args.external_id.clone().map(ExternalId::new).transpose()?,
        role_name,
        filter,
        regions: parse_once(&args.regions)?,
        services: parse_once(&args.services)?,
        endpoint_url: endpoint_url(&args),
        frameworks,
        reports: Some((formats.clone(), args.output_dir.clone())),
        mutelist: args.mutelist.as_deref().map(Mutelist::load).transpose()?,
        on_member: None,
    };
    let db = open_store(&args, store).await?;
    let org = plan.run().await?;
    let terminal = formats.contains(&OutputFormat::Terminal);
    writeln!(
        out,
        "Organization {} (management account {}): {} account(s), {} scanned, {} not reachable, {} skipped",
        Inert(&org.organization.id),
        org.organization.management_account,
        org.organization.accounts.len(),
        org.members.len(),
        org.gaps.len(),
        org.skipped.len()
    )?;
    for (m, reason) in &org.skipped {
        writeln!(
            out,
            "  skipped {} {}: {}",
            m.id,
            Inert(&m.name),
            Inert(reason)
        )?;
    }
    for g in &org.gaps {
        writeln!(
            out,
            "  coverage gap {} {}: cannot assume {}: {}: {}",
            g.account.id,
            Inert(&g.account.name),
            Inert(&g.role_arn),
            Inert(&g.code),
            Inert(&g.message)
        )?;
    }
    let mut failing = false;
    for (member, scan) in &org.members {
        if terminal {
            writeln!(out, "\nAccount {} {}", member.id, Inert(&member.name))?;
            write_summary(out, &scan.result)?;
        }
        if let Some((db, runner)) = &db {
            let role = cloudarq_core::organization::member_role(
                &scan.snapshot.partition,
                &member.id,
                &args.organization.member_role_name,
            )?;
            let times = cloudarq_store::scans::ScanTimes {
                started_at: scan.started_at,
                finished_at: scan.finished_at,
            };
            super::store::save_scan(
                db,
                runner,
                member.id.as_str(),
                Some(&role),
                &scan.result,
                times,
                &mut std::io::sink(),
            )
            .await
            .context("saving the scan to the store (use --no-store to skip)")?;
        }
        failing |= fails(&scan.result, fail_on);
    }
    writeln!(
        out,
        "\nOrganization scores (every scanned account together):"
    )?;
    for s in &org.scores {
        let t = &s.total;
        let score = t
            .score
            .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} %"));
        writeln!(
            out,
            "  {:<40} {score:>8}  ({} passed, {} failed, {} manual)",
            Inert(&s.title),
            t.passed,
            t.failed,
            t.manual
        )?;
    }
    if let Some((db, _)) = &db {
        db.close().await;
    }
    Ok(u8::from(failing))
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

/// Refuses a `--connection` name the store would refuse, before any work.
fn check_connection_name(args: &ScanArgs) -> anyhow::Result<()> {
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

/// Where the snapshot comes from: the demo account, a snapshot file, or a
/// live account (with the role to remember in the store).
fn source(args: &ScanArgs) -> anyhow::Result<(SnapshotSource, Option<RoleArn>)> {
    // Checked in every mode, so a bad value is refused even when unused.
    let regions: Vec<Region> = parse_once(&args.regions)?;
    let services: Vec<Service> = parse_once(&args.services)?;
    if args.demo {
        let snap = Snapshot::from_json(DEMO_SNAPSHOT, "the bundled demo snapshot")?;
        return Ok((SnapshotSource::Snapshot(snap), None));
    }
    if let Some(path) = &args.snapshot {
        let text = cloudarq_core::input::read_text(path, super::rules::INPUT_FILE_BYTES)
            .with_context(|| format!("cannot read snapshot {}", Inert(path.display())))?;
        let snap = Snapshot::from_json(&text, &path.display().to_string())?;
        return Ok((SnapshotSource::Snapshot(snap), None));
    }
    let (credentials, role) = credential_source(args)?;
    let mut plan = CollectPlan::new(credentials);
    plan.regions = regions;
    plan.services = services;
    plan.endpoint_url = endpoint_url(args);
    plan.service_deadline = std::time::Duration::from_secs(args.service_deadline);
    Ok((SnapshotSource::Collect(plan), role))
}

/// The packages of `scan --rules`, with their trust policy, settings and
/// cache; `None` when no package was asked for.
fn packages(args: &super::rules::WasmScanArgs) -> anyhow::Result<Option<PackagePlan>> {
    if args.rules.is_empty() {
        return Ok(None);
    }
    let trust = args
        .trust_policy
        .as_deref()
        .map(TrustPolicy::load)
        .transpose()?;
    let settings: BTreeMap<String, serde_json::Value> = match &args.rules_settings {
        Some(p) => serde_json::from_str(&super::rules::read(p)?).with_context(|| {
            format!(
                "{}: expected a JSON object keyed by package name",
                p.display()
            )
        })?,
        None => BTreeMap::new(),
    };
    let cache = args.rules_cache_dir.as_ref().map(|dir| {
        (
            dir.clone(),
            super::rules::cache_key(args.rules_cache_key.as_deref()),
        )
    });
    Ok(Some(PackagePlan {
        files: super::rules::package_files(&args.rules)?,
        trust,
        settings,
        cache,
    }))
}

/// A progress bar per service × region on a terminal, log lines otherwise.
fn progress_sink() -> (
    Option<indicatif::ProgressBar>,
    impl Fn(&Stage) + Send + Sync + 'static,
) {
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let sink = bar.clone();
    let f = move |stage: &Stage| match (stage, &sink) {
        (Stage::Collect(ProgressEvent::Planned { units }), Some(bar)) => {
            bar.set_length(*units as u64);
        }
        (
            Stage::Collect(ProgressEvent::Collected {
                service,
                region,
                resources,
            }),
            sink,
        ) => {
            let region = region
                .as_ref()
                .map_or_else(|| "global".to_owned(), |r| r.to_string());
            match sink {
                Some(bar) => {
                    bar.set_message(format!("{service} {region}: {resources} resources"));
                    bar.inc(1);
                }
                None => {
                    tracing::info!(service = %service, region = %region, resources, "collected")
                }
            }
        }
        (Stage::Collected { .. }, Some(bar)) => bar.finish_and_clear(),
        (Stage::Reported { .. }, _) => {}
        _ => {}
    };
    (bar, f)
}

pub(super) async fn scan(
    args: ScanArgs,
    store: &StoreArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    // Validate every input and prepare the pipeline before any work, so bad
    // input writes nothing: not a report, not a snapshot, not a store or
    // keyring.
    if args.organization.organization {
        return scan_organization(args, store, out).await;
    }
    let formats = OutputFormat::parse_list(&args.output_formats)?;
    let fail_on: Option<Severity> = args.fail_on.as_deref().map(str::parse).transpose()?;
    check_connection_name(&args)?;
    let (source, role_arn) = source(&args)?;
    let from_env = args.endpoint_url.is_none();
    let mut plan = ScanPlan::new(source).reports(&formats, &args.output_dir);
    if let Some(p) = packages(&args.wasm)? {
        plan = plan.packages(p);
    }
    if let Some(path) = &args.mutelist {
        plan = plan.mutelist(Mutelist::load(path)?);
    }
    if !args.compliance.is_empty() {
        // Unknown ids are refused by the one lookup, naming the known ids.
        plan = plan.frameworks(
            once(args.compliance.iter().map(|id| id.trim()))
                .into_iter()
                .map(cloudarq_rules::frameworks::framework)
                .collect::<Result<Vec<_>, _>>()?,
        );
    }
    if let Some(path) = &args.save_snapshot {
        plan = plan.save_snapshot(path);
    }
    let (bar, sink) = progress_sink();
    let prepared = plan
        .on_progress(sink)
        .prepare()
        .map_err(|e| scan_error(e, &args, from_env))?;

    // Open the store before any work, so a bad --db or keyring fails first.
    let db = open_store(&args, store).await?;

    let scan = prepared.run().await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut scan = scan.map_err(|e| scan_error(e, &args, from_env))?;
    for w in &scan.reports {
        tracing::info!(file = %w.display(), "report written");
    }
    let times = cloudarq_store::scans::ScanTimes {
        started_at: scan.started_at,
        finished_at: scan.finished_at,
    };
    // The snapshot is not needed past evaluation: freed before the scan is
    // stored (for a large account, about as much memory as the findings).
    // The result shares its resources until it is detached from it.
    scan.result.detach();
    drop(scan.snapshot);
    let result = ResultRef::from(&scan.result);
    let scan_packages = scan.packages;
    if formats.contains(&OutputFormat::Terminal) {
        write_summary(out, result)?;
        write_packages(out, &scan_packages)?;
    }
    if let Some((db, runner)) = &db {
        let name = args.connection.clone().unwrap_or_else(|| {
            if args.demo {
                "demo".to_string()
            } else {
                result.head().account_id.to_string()
            }
        });
        let mut sink = std::io::sink();
        let summary: &mut dyn Write = if formats.contains(&OutputFormat::Terminal) {
            out
        } else {
            &mut sink
        };
        super::store::save_scan(db, runner, &name, role_arn.as_ref(), result, times, summary)
            .await
            .context("saving the scan to the store (use --no-store to skip)")?;
        db.close().await;
    }
    Ok(u8::from(fails(result, fail_on)))
}

/// The rule packages a scan ran, after the terminal summary: name,
/// version, sha256 and how each was trusted.
fn write_packages(
    out: &mut dyn Write,
    packages: &[cloudarq_core::scan::LoadedPackage],
) -> std::io::Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    writeln!(out, "Rule packages ({}):", packages.len())?;
    for p in packages {
        writeln!(
            out,
            "  {} {}  {} rule(s)  sha256 {}\n    {}",
            Inert(&p.name),
            Inert(&p.version),
            p.rules,
            p.sha256,
            Inert(&p.trust)
        )?;
    }
    Ok(())
}

/// A pipeline error with the command line's names for its inputs.
fn scan_error(e: cloudarq_core::scan::ScanError, args: &ScanArgs, from_env: bool) -> anyhow::Error {
    use cloudarq_core::scan::ScanError;
    match &e {
        ScanError::Collect(cloudarq_core::CoreError::InvalidEndpoint { .. }) if from_env => {
            anyhow::Error::new(e).context(format!("{ENDPOINT_ENV} is not a usable endpoint"))
        }
        ScanError::OutputPath { what, .. } | ScanError::Write { what, .. } => {
            let flag = if *what == "snapshot file" {
                format!(
                    "--save-snapshot {}",
                    args.save_snapshot
                        .as_deref()
                        .unwrap_or(std::path::Path::new(""))
                        .display()
                )
            } else {
                format!("--output-dir {}", args.output_dir.display())
            };
            anyhow::Error::new(e).context(flag)
        }
        _ => anyhow::Error::new(e),
    }
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
