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

use anyhow::Context;
use clap::{Parser, Subcommand};
use cloudarq_model::text::Inert;

pub mod rules;
mod scan;
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
    Wasm(crate::cli::rules::WasmRulesCommand),
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
        } => crate::cli::rules::run(c, out),
        Command::Scan(args) => scan::scan(*args, &cli.store, out).await,
        Command::History(args) => store::history(&cli.store, args, out).await,
        Command::Keys { command } => store::keys(&cli.store, command, out).await,
        Command::Backup(args) => store::backup(&cli.store, args, out).await,
        Command::Restore(args) => store::restore(&cli.store, args, out).await,
        Command::Purge(args) => store::purge(&cli.store, args, out).await,
    }
}
