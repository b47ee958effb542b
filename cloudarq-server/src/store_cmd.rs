//! The store in the command line: where it lives, saving scans, and the
//! `history`, `keys`, `backup`, `restore` and `purge` commands.
//!
//! By default the store is an SQLite file in the data directory
//! (`$CLOUDARQ_HOME`, else `$XDG_DATA_HOME/cloudarq`, else
//! `~/.local/share/cloudarq`), with its master keys in `keyring.toml` beside
//! it — created on first use, mode 600. `--db postgres://…` selects
//! PostgreSQL; `CLOUDARQ_KEYRING` (the keyring's TOML) or `--keyring FILE`
//! points at keys kept elsewhere.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use cloudarq_model::finding::ScanResult;
use cloudarq_model::text::Inert;
use cloudarq_store::backup::BackupPolicy;
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::rotation::RotateOptions;
use cloudarq_store::scans::ScanTimes;
use cloudarq_store::{KEYRING_ENV, Keyring, KeyringError, Store, TenantScope};
use time::OffsetDateTime;

/// The tenant the single-user command line keeps its scans under.
pub const LOCAL_TENANT: &str = "local";

/// Where the store is.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Database URL: sqlite://PATH (default: cloudarq.db in the data
    /// directory) or postgres://USER@HOST:PORT/DB.
    #[arg(
        long,
        env = "CLOUDARQ_DB",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub db: Option<String>,
    /// Keyring file with the master keys (default: keyring.toml in the data
    /// directory). The CLOUDARQ_KEYRING variable, holding the keyring itself,
    /// wins over the file.
    #[arg(
        long,
        env = "CLOUDARQ_KEYRING_FILE",
        value_name = "FILE",
        global = true
    )]
    pub keyring: Option<PathBuf>,
}

/// The data directory.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CLOUDARQ_HOME") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("cloudarq");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/cloudarq"),
        None => PathBuf::from(".cloudarq"),
    }
}

impl StoreArgs {
    fn url(&self) -> String {
        self.db
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir().join("cloudarq.db").display()))
    }

    fn keyring_path(&self) -> PathBuf {
        self.keyring
            .clone()
            .unwrap_or_else(|| data_dir().join("keyring.toml"))
    }

    /// Loads the keyring. A fresh embedded install (no database file, no
    /// keyring anywhere) gets a new keyring file; anything else missing is an
    /// error naming where it looked.
    fn load_keyring(&self, url: &str) -> anyhow::Result<Keyring> {
        let path = self.keyring_path();
        match Keyring::load(&path) {
            Ok(k) => Ok(k),
            Err(KeyringError::Missing { .. }) if fresh_sqlite(url) => {
                let k = Keyring::create_file(&path)?;
                tracing::warn!(keyring = %path.display(), "created a new keyring; back it up apart from the database");
                Ok(k)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Opens (and migrates) the store.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = self.url();
        let keyring = self.load_keyring(&url)?;
        Ok(Store::open(&url, keyring).await?)
    }
}

fn fresh_sqlite(url: &str) -> bool {
    std::env::var_os(KEYRING_ENV).is_none()
        && url
            .strip_prefix("sqlite://")
            .map(|p| p.split('?').next().unwrap_or_default())
            .is_some_and(|p| !p.is_empty() && !Path::new(p).exists())
}

async fn local_scope(store: &Store) -> anyhow::Result<TenantScope> {
    let runner = store.job_runner();
    let id = match store.tenant_by_name(&runner, LOCAL_TENANT).await? {
        Some(id) => id,
        None => {
            store
                .create_tenant(&runner, LOCAL_TENANT, OffsetDateTime::now_utc())
                .await?
        }
    };
    Ok(runner.scope(id))
}

/// Saves a scan's result under the local tenant and the named connection
/// (created on first use); prints where it went and the score trend.
pub async fn save_scan(
    store: &Store,
    connection: &str,
    role_arn: Option<&str>,
    result: &ScanResult,
    started_at: OffsetDateTime,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let scope = local_scope(store).await?;
    let conn = match store.connection_by_name(&scope, connection).await? {
        Some(c) => c.id,
        None => {
            store
                .create_connection(
                    &scope,
                    cloudarq_store::connections::NewConnection {
                        name: connection.to_string(),
                        account_id: Some(result.account_id.to_string()),
                        role_arn: role_arn.map(str::to_string),
                        external_id: None,
                        static_keys: None,
                    },
                    started_at,
                )
                .await?
        }
    };
    let id = store
        .record_scan(
            &scope,
            conn,
            result,
            ScanTimes {
                started_at,
                finished_at: OffsetDateTime::now_utc(),
            },
        )
        .await?;
    writeln!(out, "\nSaved scan {id} to {}", store.url())?;
    let scans = store.scans(&scope, Some(conn)).await?;
    if let [_, previous, ..] = scans.as_slice() {
        let before = store.load_result(&scope, previous.id).await?;
        let changes = cloudarq_core::engine::diff(&before, result)?;
        writeln!(
            out,
            "Since the previous scan: {} new failures, {} resolved, {} still failing",
            changes.new_failures.len(),
            changes.resolved.len(),
            changes.still_failing.len()
        )?;
    }
    for fw in &result.scores {
        let points = store
            .score_history(
                &scope,
                conn,
                &fw.framework,
                OffsetDateTime::UNIX_EPOCH,
                OffsetDateTime::now_utc() + time::Duration::days(1),
            )
            .await?;
        let trend: Vec<String> = points
            .iter()
            .rev()
            .take(5)
            .rev()
            .map(|p| pct(p.score))
            .collect();
        writeln!(
            out,
            "Trend {:<12} {} ({} scan{})",
            Inert(&fw.framework),
            trend.join(" → "),
            points.len(),
            if points.len() == 1 { "" } else { "s" }
        )?;
    }
    writeln!(
        out,
        "See `cloudarq history --connection {}`.",
        Inert(connection)
    )?;
    Ok(())
}

fn pct(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".to_string(), |s| format!("{s:.1}%"))
}

/// `cloudarq history` options.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this connection (default: all).
    #[arg(long)]
    pub connection: Option<String>,
    /// Only this framework's score (default: all stored).
    #[arg(long)]
    pub framework: Option<String>,
    /// Only scans collected in the last N days.
    #[arg(long, value_name = "DAYS")]
    pub days: Option<u32>,
    /// Also list what changed between the two latest scans.
    #[arg(long)]
    pub diff: bool,
}

/// `cloudarq keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Master keys, data keys, and the rows each protects.
    Status,
    /// Rotation step 1: add a master key (not yet primary).
    Add,
    /// Rotation step 2: make a master key primary.
    Promote {
        /// Master key id.
        id: u32,
    },
    /// Rotation step 3: new data keys, re-encrypt every row, re-wrap.
    Rotate {
        /// Finish an interrupted rotation without new data keys.
        #[arg(long)]
        resume: bool,
        /// Rows per transaction.
        #[arg(long, default_value_t = 500)]
        batch: u32,
    },
    /// Rotation step 4: remove a master key nothing uses any more.
    Remove {
        /// Master key id.
        id: u32,
    },
}

/// `cloudarq backup` options.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Directory for backup files.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Data backups to keep.
    #[arg(long, default_value_t = 7)]
    pub keep: usize,
    /// Days key backups are kept (one a day).
    #[arg(long, default_value_t = 7)]
    pub key_retention_days: u32,
    /// Days between deleting a connection or tenant and its purge.
    #[arg(long, default_value_t = 7)]
    pub purge_delay_days: u32,
    /// Keep running: one backup now, then one every 24 hours.
    #[arg(long)]
    pub daily: bool,
}

/// `cloudarq restore` options.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The data backup (`cloudarq-data-….sqlite` or `.pgdump`).
    pub data: PathBuf,
    /// The key backup (`cloudarq-keys-….json`).
    #[arg(long, value_name = "FILE")]
    pub keys: PathBuf,
}

/// Runs `cloudarq history`.
pub async fn history(
    store_args: &StoreArgs,
    args: HistoryArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let store = store_args.open().await?;
    let scope = local_scope(&store).await?;
    let conns = store.connections(&scope).await?;
    let picked: Vec<_> = match &args.connection {
        Some(name) => vec![
            conns
                .iter()
                .find(|c| &c.name == name)
                .cloned()
                .with_context(|| {
                    let known: Vec<&str> = conns.iter().map(|c| c.name.as_str()).collect();
                    format!(
                        "unknown connection {name:?}: stored connections are {}",
                        known.join(", ")
                    )
                })?,
        ],
        None => conns,
    };
    if picked.is_empty() {
        writeln!(
            out,
            "No scans stored yet in {}. Run `cloudarq scan` first.",
            store.url()
        )?;
        return Ok(0);
    }
    let now = OffsetDateTime::now_utc();
    let from = args.days.map_or(OffsetDateTime::UNIX_EPOCH, |d| {
        now - time::Duration::days(i64::from(d))
    });
    for conn in picked {
        let scans = store.scans(&scope, Some(conn.id)).await?;
        writeln!(
            out,
            "{} (account {}): {} scan{}",
            Inert(&conn.name),
            Inert(conn.account_id.as_deref().unwrap_or("?")),
            scans.len(),
            if scans.len() == 1 { "" } else { "s" }
        )?;
        let Some(latest) = scans.first() else {
            continue;
        };
        let latest_result = store.load_result(&scope, latest.id).await?;
        let frameworks: Vec<String> = match &args.framework {
            Some(f) => {
                if !latest_result.scores.iter().any(|s| &s.framework == f) {
                    let known: Vec<&str> = latest_result
                        .scores
                        .iter()
                        .map(|s| s.framework.as_str())
                        .collect();
                    anyhow::bail!(
                        "unknown framework {f:?}: stored scores are for {}",
                        known.join(", ")
                    );
                }
                vec![f.clone()]
            }
            None => latest_result
                .scores
                .iter()
                .map(|s| s.framework.clone())
                .collect(),
        };
        for fw in frameworks {
            let points = store
                .score_history(&scope, conn.id, &fw, from, now + time::Duration::days(1))
                .await?;
            writeln!(out, "  {}", Inert(&fw))?;
            for p in points {
                let when = p
                    .collected_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                writeln!(
                    out,
                    "    {when}  {:>6}  passed {:>3}  failed {:>3}  scan {}",
                    pct(p.score),
                    p.passed,
                    p.failed,
                    p.scan
                )?;
            }
        }
        if args.diff {
            if let [_, previous, ..] = scans.as_slice() {
                let before = store.load_result(&scope, previous.id).await?;
                let d = cloudarq_core::engine::diff(&before, &latest_result)?;
                writeln!(out, "  changes since the previous scan:")?;
                for (label, entries) in [
                    ("new failure", &d.new_failures),
                    ("resolved", &d.resolved),
                    ("unverified", &d.unverified),
                ] {
                    for e in entries {
                        writeln!(
                            out,
                            "    {label:<12} {} {}",
                            Inert(&e.rule_id),
                            Inert(&e.resource_arn)
                        )?;
                    }
                }
                writeln!(
                    out,
                    "    {} new, {} resolved, {} still failing, {} muted, {} unverified",
                    d.new_failures.len(),
                    d.resolved.len(),
                    d.still_failing.len(),
                    d.muted.len(),
                    d.unverified.len()
                )?;
            } else {
                writeln!(out, "  (one scan only: nothing to compare)")?;
            }
        }
    }
    store.close().await;
    Ok(0)
}

/// Runs `cloudarq keys …`.
pub async fn keys(
    store_args: &StoreArgs,
    cmd: KeysCommand,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let store = store_args.open().await?;
    let runner = store.job_runner();
    match cmd {
        KeysCommand::Status => {
            let st = store.key_status(&runner).await?;
            writeln!(out, "master keys (primary: {})", st.primary_master_key)?;
            for (id, (dks, rows)) in &st.master_keys {
                writeln!(out, "  {id:>4}  wraps {dks} data key(s), {rows} row(s)")?;
            }
            writeln!(out, "data keys")?;
            for (id, k) in &st.data_keys {
                writeln!(
                    out,
                    "  {id:>10}  tenant {}  master {}  {:<8} {} encryption(s), {} row(s)",
                    Inert(&k.tenant),
                    k.master_key,
                    Inert(&k.state),
                    k.encryptions,
                    k.rows
                )?;
            }
        }
        KeysCommand::Add => {
            let id = store.add_master_key(&runner)?;
            writeln!(
                out,
                "added master key {id}; make it primary with `cloudarq keys promote {id}`"
            )?;
        }
        KeysCommand::Promote { id } => {
            store.promote_master_key(&runner, id)?;
            writeln!(
                out,
                "master key {id} is primary; now run `cloudarq keys rotate`"
            )?;
        }
        KeysCommand::Rotate { resume, batch } => {
            let rep = store
                .rotate(
                    &runner,
                    RotateOptions {
                        new_data_keys: !resume,
                        batch_size: batch,
                    },
                    OffsetDateTime::now_utc(),
                )
                .await?;
            writeln!(
                out,
                "rotated: {} new data key(s), {} row(s) re-encrypted, {} changed concurrently, {} unreadable, {} old data key(s) destroyed, {} re-wrapped",
                rep.new_data_keys,
                rep.reencrypted,
                rep.concurrent,
                rep.unreadable,
                rep.destroyed_data_keys,
                rep.rewrapped
            )?;
            if rep.unreadable > 0 {
                store.close().await;
                return Ok(1);
            }
        }
        KeysCommand::Remove { id } => {
            store.remove_master_key(&runner, id).await?;
            writeln!(out, "removed master key {id}")?;
        }
    }
    store.close().await;
    Ok(0)
}

/// Runs `cloudarq backup`.
pub async fn backup(
    store_args: &StoreArgs,
    args: BackupArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let policy = BackupPolicy {
        keep: args.keep,
        retention: RetentionPolicy {
            purge_delay_days: args.purge_delay_days,
            key_backup_retention_days: args.key_retention_days,
        },
    };
    policy.validate()?;
    let store = store_args.open().await?;
    let runner = store.job_runner();
    loop {
        let files = store
            .backup(&runner, &args.dir, policy, OffsetDateTime::now_utc())
            .await?;
        writeln!(
            out,
            "backup written: {} and {} ({} old file(s) removed)",
            files.data.display(),
            files.keys.display(),
            files.removed.len()
        )?;
        out.flush()?;
        if !args.daily {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 60 * 60)).await;
    }
    store.close().await;
    Ok(0)
}

/// Runs `cloudarq restore`.
pub async fn restore(
    store_args: &StoreArgs,
    args: RestoreArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let url = store_args.url();
    let keyring = Keyring::load(&store_args.keyring_path())?;
    let store = Store::restore(&url, &args.data, &args.keys, keyring).await?;
    let st = store.key_status(&store.job_runner()).await?;
    let rows: u64 = st.data_keys.values().map(|k| k.rows).sum();
    writeln!(
        out,
        "restored {} into {} ({} data key(s), {} encrypted row(s))",
        args.data.display(),
        store.url(),
        st.data_keys.len(),
        rows
    )?;
    store.close().await;
    Ok(0)
}

/// Runs `cloudarq purge`: removes deleted connections and tenants whose
/// purge time has come.
pub async fn purge(store_args: &StoreArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let store = store_args.open().await?;
    let rep = store
        .purge(&store.job_runner(), OffsetDateTime::now_utc())
        .await?;
    writeln!(
        out,
        "purged {} connection(s), {} tenant(s), {} data key(s), {} row(s)",
        rep.connections, rep.tenants, rep.data_keys, rep.rows
    )?;
    store.close().await;
    Ok(0)
}
