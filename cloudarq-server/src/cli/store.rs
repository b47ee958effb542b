//! The store in the command line: where it lives, saving scans, and the
//! `history`, `keys`, `backup`, `restore` and `purge` commands.
//!
//! By default the store is an SQLite file in the data directory
//! (`$CLOUDARQ_HOME`, else `$XDG_DATA_HOME/cloudarq`, else
//! `~/.local/share/cloudarq`; created mode 700), with its master keys in
//! `keyring.toml` beside it — created on first use, mode 600, never over a
//! keyring another process just created. `--db postgres://…` selects
//! PostgreSQL; `CLOUDARQ_KEYRING` (the keyring's TOML) or `--keyring FILE`
//! points at keys kept elsewhere.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use cloudarq_core::engine::ResultRef;
use cloudarq_model::RoleArn;
use cloudarq_model::text::Inert;
use cloudarq_store::backup::BackupPolicy;
use cloudarq_store::files::ensure_private_dir;
use cloudarq_store::retention::RetentionPolicy;
use cloudarq_store::rotation::RotateOptions;
use cloudarq_store::scans::{ScanStatus, ScanTimes};
use cloudarq_store::{JobRunner, KEYRING_ENV, Keyring, KeyringError, Store, TenantScope};
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
    /// keyring anywhere) gets a new keyring file — or, when another first run
    /// created one a moment before, that one; anything else missing is an
    /// error naming where it looked.
    ///
    /// Freshness is read before the keyring: a first run writes the keyring
    /// (complete, through a rename) before it creates the database, so a
    /// database seen before a missing keyring means a keyring really lost,
    /// while a concurrent first run that creates both between the two reads
    /// is still seen as fresh here and its keyring taken.
    fn load_keyring(&self, url: &str) -> anyhow::Result<Keyring> {
        let path = self.keyring_path();
        let fresh = fresh_sqlite(url);
        match Keyring::load(&path) {
            Ok(k) => Ok(k),
            Err(KeyringError::Missing { .. }) if fresh => match Keyring::create_file(&path) {
                Ok(k) => {
                    tracing::warn!(keyring = %path.display(), "created a new keyring; back it up apart from the database");
                    Ok(k)
                }
                Err(KeyringError::AlreadyExists { .. }) => Ok(Keyring::load_file(&path)?),
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Opens (and migrates) the store; the data directory, when the store or
    /// the keyring lives there, is created mode 700 (or checked). The command
    /// line is a single-user maintenance entry point: it keeps the store's
    /// job runner and acts for its local tenant through it.
    pub async fn open(&self) -> anyhow::Result<(Store, JobRunner)> {
        if self.db.is_none() || self.keyring.is_none() {
            ensure_private_dir(&data_dir())?;
        }
        let url = self.url();
        let keyring = self.load_keyring(&url)?;
        Ok(Store::open(&url, keyring).await?)
    }
}

/// A new embedded install: no keyring in the environment and no database
/// file yet (a planted link counts as a file).
fn fresh_sqlite(url: &str) -> bool {
    std::env::var_os(KEYRING_ENV).is_none()
        && cloudarq_store::sqlite_file(url)
            .ok()
            .flatten()
            .is_some_and(|p| std::fs::symlink_metadata(p).is_err())
}

async fn local_scope(store: &Store, runner: &JobRunner) -> anyhow::Result<TenantScope> {
    if let Some(id) = store.tenant_by_name(runner, LOCAL_TENANT).await? {
        return Ok(runner.scope(id));
    }
    match store
        .create_tenant(runner, LOCAL_TENANT, OffsetDateTime::now_utc())
        .await
    {
        Ok(id) => Ok(runner.scope(id)),
        // Two first runs at once: the other one created it a moment ago.
        Err(e) => match store.tenant_by_name(runner, LOCAL_TENANT).await? {
            Some(id) => Ok(runner.scope(id)),
            None => Err(e.into()),
        },
    }
}

/// Saves a scan's result under the local tenant and the named connection
/// (created on first use); prints where it went and the score trend.
pub async fn save_scan<'a>(
    store: &Store,
    runner: &JobRunner,
    connection: &str,
    role_arn: Option<&RoleArn>,
    result: impl Into<ResultRef<'a>>,
    times: ScanTimes,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let result = result.into();
    let head = result.head();
    let scope = local_scope(store, runner).await?;
    let conn = match store.connection_by_name(&scope, connection).await? {
        Some(c) => c.id,
        None => match store
            .create_connection(
                &scope,
                cloudarq_store::connections::NewConnection {
                    name: connection.to_string(),
                    account_id: Some(head.account_id.clone()),
                    role_arn: role_arn.cloned(),
                    external_id: None,
                    static_keys: None,
                },
                times.started_at,
            )
            .await
        {
            Ok(id) => id,
            // Two first scans of one connection at once: the other created it.
            Err(e) => match store.connection_by_name(&scope, connection).await? {
                Some(c) => c.id,
                None => return Err(e.into()),
            },
        },
    };
    let recorded = crate::record::record(store, &scope, conn, result, times).await?;
    writeln!(out, "\nSaved scan {} to {}", recorded.scan, store.url())?;
    if let Some(changes) = recorded.changes {
        writeln!(
            out,
            "Since the previous scan: {} new failures, {} resolved, {} still failing",
            changes.new_failures.len(),
            changes.resolved.len(),
            changes.still_failing.len()
        )?;
    }
    for fw in &head.scores {
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
    /// Writes a new keyring (one random master key, mode 600) to
    /// `--keyring`, for a store that does not exist yet (a service's, a
    /// container's secret); refused when the file exists.
    Init,
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
        /// Queue the rotation as a maintenance job for the service's workers
        /// (one worker runs it, audited as `maintenance.rotation`) instead
        /// of running it in this process.
        #[arg(long, conflicts_with = "resume")]
        queue: bool,
    },
    /// Rotation step 4: remove a master key nothing uses any more.
    Remove {
        /// Master key id.
        id: u32,
    },
}

/// How long deleted data and backups are kept (one policy, validated before
/// anything runs: purge delay + the longer backup retention ≤ 30 days).
#[derive(Debug, Clone, Copy, Args)]
pub struct RetentionArgs {
    /// Days between deleting a connection or tenant and its purge.
    #[arg(long, default_value_t = 7, value_name = "DAYS")]
    pub purge_delay_days: u32,
    /// Days a key backup is kept.
    #[arg(long, default_value_t = 7, value_name = "DAYS")]
    pub key_retention_days: u32,
    /// Days a data backup is kept.
    #[arg(long, default_value_t = 7, value_name = "DAYS")]
    pub data_retention_days: u32,
    /// Also keep at most this many data backups and key backups.
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

impl RetentionArgs {
    /// The validated policy.
    pub fn policy(&self) -> anyhow::Result<BackupPolicy> {
        let policy = BackupPolicy {
            keep: self.keep,
            retention: RetentionPolicy::new(
                self.purge_delay_days,
                self.key_retention_days,
                self.data_retention_days,
            )?,
        };
        policy.validate()?;
        Ok(policy)
    }
}

/// `cloudarq backup` options.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Directory for backup files (created mode 700).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Retention of backups in DIR.
    #[command(flatten)]
    pub retention: RetentionArgs,
    /// Keep running: one backup now, then one every 24 hours; a failed
    /// backup is logged and retried with back-off, never ends the loop.
    #[arg(long)]
    pub daily: bool,
}

/// `cloudarq purge` options.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The backup directory: its key backups are rewritten without the
    /// purged tenants' keys, and it is pruned by the retention policy.
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Retention of backups in DIR.
    #[command(flatten)]
    pub retention: RetentionArgs,
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
    let (store, runner) = store_args.open().await?;
    let scope = local_scope(&store, &runner).await?;
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
            Inert(
                conn.account_id
                    .as_ref()
                    .map_or("?", cloudarq_model::AccountId::as_str)
            ),
            scans.len(),
            if scans.len() == 1 { "" } else { "s" }
        )?;
        let Some(latest) = scans.iter().find(|s| s.status == ScanStatus::Succeeded) else {
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
            if let Some(d) =
                crate::record::since_previous(&store, &scope, conn.id, latest.id, &latest_result)
                    .await?
            {
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
    if let KeysCommand::Init = cmd {
        let path = store_args.keyring_path();
        Keyring::create_file(&path)
            .with_context(|| format!("creating the keyring {}", path.display()))?;
        writeln!(
            out,
            "new keyring in {}; back it up apart from the database",
            path.display()
        )?;
        return Ok(0);
    }
    let (store, runner) = store_args.open().await?;
    match cmd {
        KeysCommand::Init => {}
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
        KeysCommand::Rotate { queue: true, .. } => {
            let run = store
                .request_rotation(&runner, OffsetDateTime::now_utc())
                .await?;
            writeln!(
                out,
                "rotation queued as maintenance run {run}; a worker runs it next"
            )?;
        }
        KeysCommand::Rotate { resume, batch, .. } => {
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

/// The wait after a failed daily backup: 1 minute, doubling with each
/// failure in a row, at most an hour.
fn backoff(failures: u32) -> std::time::Duration {
    let minutes = 1u64 << failures.saturating_sub(1).min(6);
    std::time::Duration::from_secs(minutes.min(60) * 60)
}

/// Runs `attempt` now, then again 24 hours after each success, or after
/// [`backoff`] when it failed (logged, never ending the loop). `sleep`
/// waits, or breaks the loop (tests).
async fn repeat_daily(
    mut attempt: impl AsyncFnMut() -> anyhow::Result<()>,
    mut sleep: impl AsyncFnMut(std::time::Duration) -> std::ops::ControlFlow<()>,
) {
    let mut failures = 0u32;
    loop {
        let wait = match attempt().await {
            Ok(()) => {
                failures = 0;
                std::time::Duration::from_secs(24 * 60 * 60)
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = backoff(failures);
                tracing::error!(error = %format!("{e:#}"), failures, retry_in_secs = wait.as_secs(), "backup failed; retrying");
                wait
            }
        };
        if sleep(wait).await.is_break() {
            return;
        }
    }
}

/// Runs `cloudarq backup`.
pub async fn backup(
    store_args: &StoreArgs,
    args: BackupArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let policy = args.retention.policy()?;
    let (store, runner) = store_args.open().await?;
    let once = async |out: &mut dyn Write| -> anyhow::Result<()> {
        // A long-running process picks up `keys add`/`promote` made by others.
        store.reload_keyring(&runner).await?;
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
        Ok(())
    };
    if !args.daily {
        once(out).await?;
        store.close().await;
        return Ok(0);
    }
    repeat_daily(
        async || once(&mut *out).await,
        async |d| {
            tokio::time::sleep(d).await;
            std::ops::ControlFlow::Continue(())
        },
    )
    .await;
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
    let (store, runner) = Store::restore(&url, &args.data, &args.keys, keyring).await?;
    let st = store.key_status(&runner).await?;
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
/// purge time has come; with `--backup-dir`, also rewrites the key backups
/// there without the purged tenants' keys and prunes old backups.
pub async fn purge(
    store_args: &StoreArgs,
    args: PurgeArgs,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let policy = args.retention.policy()?;
    let (store, runner) = store_args.open().await?;
    let now = OffsetDateTime::now_utc();
    let rep = match &args.backup_dir {
        Some(dir) => {
            let done = store.purge_with_backups(&runner, dir, policy, now).await?;
            writeln!(
                out,
                "{} key backup(s) rewritten without purged keys, {} old backup file(s) removed",
                done.rewritten.len(),
                done.removed.len()
            )?;
            done.report
        }
        None => store.purge(&runner, now).await?,
    };
    writeln!(
        out,
        "purged {} connection(s), {} tenant(s), {} data key(s), {} row(s)",
        rep.connections, rep.tenants, rep.data_keys, rep.rows
    )?;
    store.close().await;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::ControlFlow;
    use std::time::Duration;

    #[tokio::test]
    async fn the_daily_loop_survives_failures_and_backs_off() {
        let mut outcomes = vec![
            Ok(()),
            Err("disk full"),
            Err("disk full"),
            Err("x"),
            Ok(()),
            Ok(()),
        ];
        outcomes.reverse();
        let mut attempts = 0;
        let mut waits = Vec::new();
        repeat_daily(
            async || {
                attempts += 1;
                outcomes.pop().unwrap_or(Ok(())).map_err(anyhow::Error::msg)
            },
            async |d| {
                waits.push(d);
                if waits.len() == 6 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
        .await;
        assert_eq!(attempts, 6, "every failure was followed by another attempt");
        let day = Duration::from_secs(86_400);
        let min = Duration::from_secs(60);
        assert_eq!(waits, [day, min, 2 * min, 4 * min, day, day]);
        assert_eq!(backoff(40), 60 * min, "capped at an hour");
    }
}
