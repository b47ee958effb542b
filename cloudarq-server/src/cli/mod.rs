//! The `cloudarq` command line: clap definitions and the commands.
//!
//! - [`scan`](ScanArgs): `cloudarq scan` (`scan.rs`), the one scan pipeline
//!   of [`cloudarq_core::scan`] fed from flags and files;
//! - [`rules`]: `cloudarq rules` (the catalogue, and WebAssembly packages);
//! - [`store`]: the store's commands (`history`, `keys`, `backup`,
//!   `restore`, `purge`) and where the store lives.
//!
//! Exit codes: 0 success, 1 a FAIL at or above `--fail-on`, 2 bad input or
//! an error (the message names the input at fault).
//!
//! `scan` checks every option before it writes anything (a report, a
//! snapshot, the store or its keyring), and a value repeated in a
//! comma-separated option counts once. Text from the account or a rule
//! package is printed through [`Inert`], so it cannot drive the terminal.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use cloudarq_model::text::Inert;

pub mod rules;
mod scaffold;
mod scan;
pub mod serve;
pub mod store;

pub use scan::ScanArgs;

use self::store::{BackupArgs, HistoryArgs, KeysCommand, PurgeArgs, RestoreArgs, StoreArgs};

/// The demo account: a real collection of a moto-seeded account
/// (recorded by `cloudarq-core/tests/moto/demo.rs`).
pub const DEMO_SNAPSHOT: &str = include_str!("../../../testdata/demo-snapshot.json");

/// CloudArq, an AWS security auditor.
#[derive(Debug, Parser)]
#[command(name = "cloudarq", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// `--db` and `--keyring` written before the command
    /// (`cloudarq --db URL history`), as earlier versions documented; the
    /// commands that use the store take them after their name too.
    #[command(flatten)]
    pub store: StoreBeforeCommand,
}

/// The store options accepted before the command name (hidden from help:
/// each command that uses the store lists them itself, and `rules`, which
/// does not, refuses them).
#[derive(Debug, Clone, Default, Args)]
pub struct StoreBeforeCommand {
    /// Database URL (see the command's `--db`).
    #[arg(long = "db", value_name = "URL", hide = true)]
    pub db: Option<String>,
    /// Keyring file (see the command's `--keyring`).
    #[arg(long = "keyring", value_name = "FILE", hide = true)]
    pub keyring: Option<PathBuf>,
}

impl StoreBeforeCommand {
    /// The store options of a command, with these (written first, so
    /// explicitly) taking precedence over the command's own or their
    /// environment variables.
    fn over(&self, mut store: StoreArgs) -> StoreArgs {
        if self.db.is_some() {
            store.db.clone_from(&self.db);
        }
        if self.keyring.is_some() {
            store.keyring.clone_from(&self.keyring);
        }
        store
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect an account (or load a snapshot), evaluate the rules, write reports.
    Scan {
        /// What to scan and report.
        #[command(flatten)]
        args: Box<ScanArgs>,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The rule catalogue, and WebAssembly rule packages (no store).
    Rules {
        /// list or show.
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Stored scans: score trend per connection and framework, and changes.
    History {
        /// Which connection and framework.
        #[command(flatten)]
        args: HistoryArgs,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Encryption keys of the store: status and rotation.
    Keys {
        /// status, add, promote, rotate or remove.
        #[command(subcommand)]
        command: KeysCommand,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Back up the store (data without keys, and keys apart).
    Backup {
        /// Where and how often.
        #[command(flatten)]
        args: BackupArgs,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Restore a backup into a new database (--db).
    Restore {
        /// The backup.
        #[command(flatten)]
        args: RestoreArgs,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The hosted service: run it, or rotate its token signing keys.
    Serve {
        /// Run (`--config FILE`) or `keygen`.
        #[command(flatten)]
        args: crate::cli::serve::ServeArgs,
    },
    /// A scan worker: claims the scans the service queued and runs them
    /// (any number of workers share one database); stops on SIGTERM,
    /// giving unfinished scans back to the queue.
    Worker {
        /// The service's configuration file (its store, keyring,
        /// `[connections]` and `[worker]`).
        #[arg(long, value_name = "FILE", env = "CLOUDARQ_CONFIG")]
        config: std::path::PathBuf,
    },
    /// Asks the service on this machine whether it is ready (`/readyz`):
    /// exit 0 when it answers 200, 1 otherwise. For a container's
    /// HEALTHCHECK, which has no shell or curl to call.
    Healthcheck {
        /// A loopback URL (`http` or `https`, `127.0.0.1`, `[::1]` or
        /// `localhost`). Over https the certificate is not checked: the
        /// check connects only to this machine and sends nothing secret.
        #[arg(
            long,
            value_name = "URL",
            default_value = "https://127.0.0.1:8443/readyz"
        )]
        url: String,
    },
    /// Service users: add a tenant user (the first admin of a tenant).
    Users {
        /// add.
        #[command(subcommand)]
        command: crate::cli::serve::UsersCommand,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The service's audit log: `verify` checks every tenant's hash chain.
    Audit {
        /// verify.
        #[command(subcommand)]
        command: crate::cli::serve::AuditCommand,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove deleted connections and tenants whose purge time has come.
    Purge {
        /// What to purge.
        #[command(flatten)]
        args: PurgeArgs,
        /// Where scans are stored.
        #[command(flatten)]
        store: StoreArgs,
    },
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
    /// WebAssembly rule packages (new, inspect, run, test, package, build, keygen, sign, verify).
    #[command(flatten)]
    Wasm(crate::cli::rules::WasmRulesCommand),
}

/// Runs a parsed command line; returns the exit code.
pub async fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<u8> {
    let top = cli.store;
    if matches!(cli.command, Command::Rules { .. }) && (top.db.is_some() || top.keyring.is_some()) {
        anyhow::bail!("`cloudarq rules` does not use the store: remove --db and --keyring");
    }
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
        } => crate::cli::rules::run(c, out),
        Command::Scan { args, store } => scan::scan(*args, &top.over(store), out).await,
        Command::History { args, store } => store::history(&top.over(store), args, out).await,
        Command::Keys { command, store } => store::keys(&top.over(store), command, out).await,
        Command::Backup { args, store } => store::backup(&top.over(store), args, out).await,
        Command::Restore { args, store } => store::restore(&top.over(store), args, out).await,
        Command::Purge { args, store } => store::purge(&top.over(store), args, out).await,
        Command::Serve { args } => serve::serve(args, out).await,
        Command::Worker { config } => serve::worker(&config, out).await,
        Command::Healthcheck { url } => crate::healthcheck::run(&url, out).await,
        Command::Users { command, store } => serve::users(&top.over(store), command, out).await,
        Command::Audit { command, store } => serve::audit(&top.over(store), command, out).await,
    }
}
