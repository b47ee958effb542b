//! Backups and restore (S5, checklist DATA-2, DATA-3).
//!
//! A backup is two files in the backup directory:
//! - `cloudarq-data-<UTC time>.sqlite` (SQLite `VACUUM INTO`, a consistent
//!   online copy) or `.pgdump` (`pg_dump -Fc`, run as the connecting role,
//!   which must be a superuser or have BYPASSRLS: row-level security is
//!   forced, so the owner alone cannot dump the tenant tables), **without**
//!   the wrapped data keys;
//! - `cloudarq-keys-<UTC time>.json`: the wrapped data keys alone (useless
//!   without the keyring).
//!
//! **Private from the first byte.** The backup directory is created mode 700
//! (an existing one is checked, never changed). Each backup is made in a
//! fresh mode-700 work directory inside it, in files created empty with mode
//! 600 and `O_EXCL` *before* anything is written: SQLite's `VACUUM INTO`
//! writes into that pre-created empty file (it accepts an empty file and
//! keeps its mode; its journal takes the same mode), `pg_dump` writes to
//! its standard output, which is that file. Only complete files, keys
//! stripped, are renamed into the backup directory; on any error the work
//! directory and everything in it is deleted.
//!
//! **One moment.** The keys come from the same snapshot as the data: on
//! SQLite they are read out of the `VACUUM INTO` copy itself, then deleted
//! from it; on PostgreSQL a `REPEATABLE READ` transaction exports its
//! snapshot, reads the keys, and stays open while `pg_dump --snapshot` dumps
//! exactly what it saw. A restore refuses ([`StoreError::MissingDataKeys`])
//! when a ciphertext names a data key that the key backup lacks.
//!
//! **Retention.** Backups are pruned by age ([`RetentionPolicy`]: key and
//! data backups each within 30 days of a deletion, counting the purge delay),
//! optionally capped by count, at every backup — also one that failed — and
//! at every `purge` given the backup directory, which also rewrites the key
//! backups there without the purged tenants' keys
//! ([`Store::purge_with_backups`]) and records those tenants in them, so a
//! restore of an older backup purges them again instead of bringing them
//! back.
//!
//! **Secrets of the child processes.** `pg_dump` and `pg_restore` get the
//! database URL without its password on their command line (which `ps`
//! shows), the password in `PGPASSWORD`, and an environment cleared down to
//! an allow-list, so no `CLOUDARQ_*` variable (the keyring) reaches them.
//!
//! Restore goes into a new, empty database only, so nothing stored is lost.

use std::collections::{BTreeSet, HashSet};
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::Store;
use crate::crypto::keyring::Keyring;
use crate::db::{Backend, on_tx, redact_url, sqlite_file};
use crate::error::{DbContext, Result, StoreError};
use crate::files::{self, Replace};
use crate::retention::{PurgeReport, RetentionPolicy};
use crate::rotation::ENCRYPTED_COLUMNS;
use crate::scope::{JobRunner, TenantId};

const KEYS_FORMAT: &str = "cloudarq.keys";
const KEYS_VERSION: u32 = 2;
/// The largest key backup read (about a million data keys).
const MAX_KEYS_FILE_BYTES: u64 = 512 << 20;
/// A work directory left by a backup that was killed is removed by the next
/// prune once it is this old (no backup runs this long).
const STALE_WORK_SECS: i64 = 24 * 60 * 60;
const WORK_PREFIX: &str = ".cloudarq-tmp-";
const DATA_PREFIX: &str = "cloudarq-data-";
const KEYS_PREFIX: &str = "cloudarq-keys-";

/// The files one backup wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupFiles {
    /// Data without keys.
    pub data: PathBuf,
    /// Wrapped data keys.
    pub keys: PathBuf,
    /// Old files removed by the retention policy.
    pub removed: Vec<PathBuf>,
}

/// Which backups to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupPolicy {
    /// At most this many data backups and this many key backups (newest
    /// first), on top of the age limits; `None` for no count limit.
    pub keep: Option<usize>,
    /// Deletion delay and the age limits of key and data backups.
    pub retention: RetentionPolicy,
}

impl BackupPolicy {
    /// Refuses a count limit that keeps nothing.
    pub fn validate(&self) -> Result<()> {
        if self.keep == Some(0) {
            return Err(StoreError::InvalidInput {
                field: "backup keep count",
                detail: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The points between the steps of a backup at which
/// `Store::backup_with_hook` (feature `testing`) stops, so a test can look
/// at every file the backup has created so far, or make the step fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackupStep {
    /// The mode-700 work directory exists in the backup directory.
    WorkDirCreated,
    /// The empty data file exists (mode 600); nothing is written yet.
    DataFileCreated,
    /// The data is copied (SQLite: keys still in the copy).
    DataCopied,
    /// SQLite: the keys are read from the copy and deleted from it.
    KeysStripped,
    /// The key file is written in the work directory.
    KeysFileWritten,
}

type Hook<'a> = dyn FnMut(BackupStep, &Path) -> std::result::Result<(), String> + Send + 'a;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    format: String,
    version: u32,
    keys: Vec<KeyRow>,
    /// Tenants purged after this backup was taken: a restore purges them
    /// again (version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    purged_tenants: Vec<Uuid>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRow {
    id: i64,
    tenant_id: Uuid,
    master_key_id: i64,
    wrapped_key: String,
    state: String,
    encryptions: i64,
    created_at_ms: i64,
}

type KeyTuple = (i64, Uuid, i64, Vec<u8>, String, i64, i64);

fn key_rows(rows: Vec<KeyTuple>) -> Vec<KeyRow> {
    rows.into_iter()
        .map(
            |(id, tenant_id, master_key_id, w, state, encryptions, created_at_ms)| KeyRow {
                id,
                tenant_id,
                master_key_id,
                wrapped_key: STANDARD.encode(w),
                state,
                encryptions,
                created_at_ms,
            },
        )
        .collect()
}

/// A PostgreSQL client or server program: from `PATH`, else from Debian's
/// `/usr/lib/postgresql/<version>/bin` (newest version first).
pub fn pg_tool(name: &str) -> PathBuf {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
                .collect()
        })
        .unwrap_or_default();
    versions.retain(|p| p.is_file());
    versions.sort();
    versions.pop().unwrap_or_else(|| PathBuf::from(name))
}

/// Environment variables a PostgreSQL client program may inherit: the
/// locale, the search path, home (for `~/.pgpass`, `~/.pg_service.conf`) and
/// libpq's own `PG*` settings. Nothing else, so no `CLOUDARQ_*` secret.
fn inheritable(name: &OsStr) -> bool {
    let Some(n) = name.to_str() else {
        return false;
    };
    matches!(
        n,
        "PATH" | "HOME" | "USER" | "LOGNAME" | "LANG" | "TZ" | "TMPDIR"
    ) || n.starts_with("LC_")
        || n.starts_with("PG")
}

/// A database URL split for a PostgreSQL client program: the URL without
/// any password (for its command line) and the password (for `PGPASSWORD`).
struct PgTarget {
    url: String,
    password: Option<Zeroizing<String>>,
}

fn pg_target(raw: &str) -> Result<PgTarget> {
    let invalid = |detail: String| StoreError::InvalidUrl {
        url: redact_url(raw),
        detail,
    };
    let mut u = url::Url::parse(raw).map_err(|e| invalid(e.to_string()))?;
    let mut password = u.password().map(|p| {
        Zeroizing::new(
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned(),
        )
    });
    if u.password().is_some() && u.set_password(None).is_err() {
        return Err(invalid(
            "the password cannot be removed from this URL".into(),
        ));
    }
    if u.query().is_some() {
        let mut kept = Vec::new();
        for (k, v) in u.query_pairs() {
            match k.to_ascii_lowercase().as_str() {
                "password" => {
                    if password.is_none() {
                        password = Some(Zeroizing::new(v.into_owned()));
                    }
                }
                "sslpassword" => {
                    return Err(invalid(
                        "sslpassword would be visible on pg_dump's command line; use a key without a passphrase or a service file".into(),
                    ));
                }
                _ => kept.push((k.into_owned(), v.into_owned())),
            }
        }
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Ok(PgTarget {
        url: u.to_string(),
        password,
    })
}

/// A PostgreSQL client program with a cleared environment (see
/// [`inheritable`]) and the password in `PGPASSWORD`.
fn pg_command(tool: &str, target: &PgTarget) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(pg_tool(tool));
    cmd.env_clear();
    for (k, v) in std::env::vars_os() {
        if inheritable(&k) {
            cmd.env(k, v);
        }
    }
    if let Some(p) = &target.password {
        cmd.env("PGPASSWORD", p.as_str());
    }
    cmd.stdin(Stdio::null()).kill_on_drop(true);
    cmd
}

/// The last lines of a child's error output, any URL in them redacted.
fn child_error(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let tail: Vec<&str> = text.trim().lines().rev().take(5).collect();
    tail.into_iter()
        .rev()
        .map(|l| {
            l.split(' ')
                .map(|w| {
                    if w.contains("://") {
                        redact_url(w)
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn stamp(now: OffsetDateTime) -> String {
    let f = format_description!("[year][month][day]T[hour][minute][second]Z");
    now.format(&f)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

fn parse_stamp(s: &str) -> Option<OffsetDateTime> {
    let f = format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(s, &f)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

fn io(what: &str, p: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backup(format!("{what} {}: {e}", p.display()))
}

fn fs_err(e: std::io::Error) -> StoreError {
    StoreError::Backup(e.to_string())
}

/// The time in a backup file's name, if it is one of ours.
fn backup_time(name: &str, prefix: &str, suffixes: &[&str]) -> Option<OffsetDateTime> {
    let rest = name.strip_prefix(prefix)?;
    suffixes
        .iter()
        .find_map(|s| rest.strip_suffix(s))
        .and_then(parse_stamp)
}

fn is_key_backup(name: &str) -> bool {
    backup_time(name, KEYS_PREFIX, &[".json"]).is_some()
}

/// Deletes the backups in `dir` that the policy no longer allows: key and
/// data backups older than their retention (by the time in their names),
/// then all but the newest `keep` of each kind; and work directories a
/// killed backup left behind. Returns what it removed.
pub fn prune_backups(
    dir: &Path,
    policy: &BackupPolicy,
    now: OffsetDateTime,
) -> Result<Vec<PathBuf>> {
    policy.validate()?;
    let mut data = Vec::new();
    let mut keys = Vec::new();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io("listing", dir, e))? {
        let entry = entry.map_err(|e| io("listing", dir, e))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.starts_with(WORK_PREFIX) {
            let meta = std::fs::symlink_metadata(&path).map_err(|e| io("reading", &path, e))?;
            let age = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .map_or(0, |d| d.as_secs());
            if age >= STALE_WORK_SECS.unsigned_abs() {
                if meta.is_dir() {
                    std::fs::remove_dir_all(&path).map_err(|e| io("removing", &path, e))?;
                } else {
                    std::fs::remove_file(&path).map_err(|e| io("removing", &path, e))?;
                }
                removed.push(path);
            }
        } else if let Some(t) = backup_time(&name, DATA_PREFIX, &[".sqlite", ".pgdump"]) {
            data.push((t, path));
        } else if let Some(t) = backup_time(&name, KEYS_PREFIX, &[".json"]) {
            keys.push((t, path));
        }
    }
    let r = policy.retention;
    for (mut list, days) in [
        (data, r.data_backup_retention_days()),
        (keys, r.key_backup_retention_days()),
    ] {
        list.sort_by(|a, b| b.cmp(a));
        let max_age = time::Duration::days(i64::from(days));
        for (i, (t, path)) in list.into_iter().enumerate() {
            let too_old = now - t >= max_age;
            let too_many = policy.keep.is_some_and(|k| i >= k);
            if too_old || too_many {
                std::fs::remove_file(&path).map_err(|e| io("removing", &path, e))?;
                removed.push(path);
            }
        }
    }
    if !removed.is_empty() {
        files::sync_dir(dir).map_err(fs_err)?;
    }
    Ok(removed)
}

fn read_keys_file(path: &Path) -> Result<KeysFile> {
    let meta = std::fs::metadata(path).map_err(|e| io("reading", path, e))?;
    if !meta.is_file() {
        return Err(StoreError::Backup(format!(
            "{} is not a file",
            path.display()
        )));
    }
    if meta.len() > MAX_KEYS_FILE_BYTES {
        return Err(StoreError::Backup(format!(
            "{} is {} bytes, more than the {MAX_KEYS_FILE_BYTES} a key backup may have",
            path.display(),
            meta.len()
        )));
    }
    let text = std::fs::read(path).map_err(|e| io("reading", path, e))?;
    let file: KeysFile = serde_json::from_slice(&text)
        .map_err(|e| StoreError::Backup(format!("{} is not a key backup: {e}", path.display())))?;
    if file.format != KEYS_FORMAT || !(1..=KEYS_VERSION).contains(&file.version) {
        return Err(StoreError::Backup(format!(
            "{} is {} version {}, expected {KEYS_FORMAT} version 1 or {KEYS_VERSION}",
            path.display(),
            file.format,
            file.version
        )));
    }
    Ok(file)
}

fn keys_file_body(file: &KeysFile) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(file).map_err(|e| StoreError::Backup(e.to_string()))
}

/// Rewrites every key backup in `dir` holding a key of one of `tenants`
/// without those keys (atomically, mode 600), recording the tenants as
/// purged. Returns the files rewritten.
pub fn forget_tenants_in_key_backups(dir: &Path, tenants: &[TenantId]) -> Result<Vec<PathBuf>> {
    if tenants.is_empty() {
        return Ok(Vec::new());
    }
    let gone: HashSet<Uuid> = tenants.iter().map(TenantId::as_uuid).collect();
    let mut rewritten = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io("listing", dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(is_key_backup))
        .map(|e| e.path())
        .collect();
    names.sort();
    for path in names {
        // Our own file in our own directory: no link followed, ours only.
        let (f, _) = files::open_regular(&path, MAX_KEYS_FILE_BYTES).map_err(fs_err)?;
        let mut text = Vec::new();
        files::read_limited(f, &path, MAX_KEYS_FILE_BYTES, &mut text).map_err(fs_err)?;
        let mut file: KeysFile = serde_json::from_slice(&text).map_err(|e| {
            StoreError::Backup(format!("{} is not a key backup: {e}", path.display()))
        })?;
        if !file.keys.iter().any(|k| gone.contains(&k.tenant_id)) {
            continue;
        }
        file.keys.retain(|k| !gone.contains(&k.tenant_id));
        let mut purged: BTreeSet<Uuid> = file.purged_tenants.iter().copied().collect();
        purged.extend(gone.iter().copied());
        file.purged_tenants = purged.into_iter().collect();
        file.version = KEYS_VERSION;
        files::write_atomic(&path, &keys_file_body(&file)?, Replace::Yes).map_err(fs_err)?;
        rewritten.push(path);
    }
    Ok(rewritten)
}

/// What [`Store::purge_with_backups`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeWithBackups {
    /// The purge itself.
    pub report: PurgeReport,
    /// Key backups rewritten without the purged tenants' keys.
    pub rewritten: Vec<PathBuf>,
    /// Backups removed by the retention policy.
    pub removed: Vec<PathBuf>,
}

/// Removes the files of a restore that did not finish.
struct RemoveOnDrop(Vec<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Store {
    /// Writes a backup into `dir` (see the module docs), then applies the
    /// retention policy to `dir` — also when the backup failed.
    pub async fn backup(
        &self,
        runner: &JobRunner,
        dir: &Path,
        policy: BackupPolicy,
        now: OffsetDateTime,
    ) -> Result<BackupFiles> {
        self.backup_observed(runner, dir, policy, now, &mut |_, _| Ok(()))
            .await
    }

    /// [`Store::backup`] calling `hook` between its steps: a test looks at
    /// the files created so far, or returns an error to make the step fail.
    #[cfg(feature = "testing")]
    pub async fn backup_with_hook(
        &self,
        runner: &JobRunner,
        dir: &Path,
        policy: BackupPolicy,
        now: OffsetDateTime,
        hook: &mut Hook<'_>,
    ) -> Result<BackupFiles> {
        self.backup_observed(runner, dir, policy, now, hook).await
    }

    async fn backup_observed(
        &self,
        _runner: &JobRunner,
        dir: &Path,
        policy: BackupPolicy,
        now: OffsetDateTime,
        hook: &mut Hook<'_>,
    ) -> Result<BackupFiles> {
        policy.validate()?;
        self.check_maintenance_role().await?;
        files::ensure_private_dir(dir).map_err(fs_err)?;
        let written = self.write_backup(dir, now, hook).await;
        let pruned = prune_backups(dir, &policy, now);
        let (data, keys) = written?;
        let removed = pruned?;
        tracing::info!(data = %data.display(), keys = %keys.display(), removed = removed.len(), "backup written");
        Ok(BackupFiles {
            data,
            keys,
            removed,
        })
    }

    async fn write_backup(
        &self,
        dir: &Path,
        now: OffsetDateTime,
        hook: &mut Hook<'_>,
    ) -> Result<(PathBuf, PathBuf)> {
        let ts = stamp(now);
        let ext = match self.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "pgdump",
        };
        let data = dir.join(format!("{DATA_PREFIX}{ts}.{ext}"));
        let keys = dir.join(format!("{KEYS_PREFIX}{ts}.json"));
        if std::fs::symlink_metadata(&data).is_ok() || std::fs::symlink_metadata(&keys).is_ok() {
            return Err(StoreError::Backup(format!(
                "a backup named {ts} already exists in {}",
                dir.display()
            )));
        }
        let work = {
            use std::os::unix::fs::PermissionsExt;
            tempfile::Builder::new()
                .prefix(WORK_PREFIX)
                .permissions(std::fs::Permissions::from_mode(files::DIR_MODE))
                .tempdir_in(dir)
                .map_err(|e| io("creating a work directory in", dir, e))?
        };
        let step = |hook: &mut Hook<'_>, s: BackupStep, p: &Path| {
            hook(s, p).map_err(|e| StoreError::Backup(format!("stopped after {s:?}: {e}")))
        };
        step(hook, BackupStep::WorkDirCreated, work.path())?;
        // Absolute, so `VACUUM INTO` never reads it as a URI.
        let work_dir =
            std::path::absolute(work.path()).map_err(|e| io("resolving", work.path(), e))?;
        let data_tmp = work_dir.join(format!("data.{ext}"));
        let keys_tmp = work_dir.join("keys.json");
        let rows = match self.backend() {
            Backend::Sqlite => self.copy_sqlite(&data_tmp, hook).await?,
            Backend::Postgres => self.dump_postgres(&data_tmp, hook).await?,
        };
        let body = keys_file_body(&KeysFile {
            format: KEYS_FORMAT.into(),
            version: KEYS_VERSION,
            keys: key_rows(rows),
            purged_tenants: Vec::new(),
        })?;
        let mut f = files::create_private_file(&keys_tmp).map_err(fs_err)?;
        f.write_all(&body)
            .and_then(|()| f.sync_all())
            .map_err(|e| io("writing", &keys_tmp, e))?;
        drop(f);
        step(hook, BackupStep::KeysFileWritten, &keys_tmp)?;
        files::rename_noclobber(&data_tmp, &data).map_err(fs_err)?;
        if let Err(e) = files::rename_noclobber(&keys_tmp, &keys) {
            let _ = std::fs::remove_file(&data);
            return Err(fs_err(e));
        }
        files::sync_dir(dir).map_err(fs_err)?;
        drop(work);
        Ok((data, keys))
    }

    /// `VACUUM INTO` a pre-created empty mode-600 file, then the keys are
    /// read out of that copy and deleted from it. Returns the keys.
    ///
    /// The copy is attached to a connection taken out of the pool (and
    /// closed after): SQLite reads the name itself, so a backup directory
    /// whose name holds URI characters (`?`, `#`, `%`) names the right file.
    async fn copy_sqlite(&self, target: &Path, hook: &mut Hook<'_>) -> Result<Vec<KeyTuple>> {
        use sqlx::Connection;
        let crate::db::Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Backup("not an SQLite store".into()));
        };
        drop(files::create_private_file(target).map_err(fs_err)?);
        hook(BackupStep::DataFileCreated, target)
            .map_err(|e| StoreError::Backup(format!("stopped after DataFileCreated: {e}")))?;
        let t = target
            .to_str()
            .ok_or_else(|| StoreError::Backup(format!("{} is not UTF-8", target.display())))?;
        let mut c = pool
            .acquire()
            .await
            .ctx("taking a connection for the backup")?
            .detach();
        let copied = async {
            // VACUUM cannot run inside a transaction.
            sqlx::query("VACUUM INTO $1")
                .bind(t)
                .execute(&mut c)
                .await
                .ctx("copying the database (VACUUM INTO)")?;
            hook(BackupStep::DataCopied, target)
                .map_err(|e| StoreError::Backup(format!("stopped after DataCopied: {e}")))?;
            sqlx::query("ATTACH DATABASE $1 AS backup_copy")
                .bind(t)
                .execute(&mut c)
                .await
                .ctx("opening the backup copy")?;
            let attached: Option<String> = sqlx::query_scalar(
                "SELECT file FROM pragma_database_list WHERE name = 'backup_copy'",
            )
            .fetch_optional(&mut c)
            .await
            .ctx("checking the backup copy")?;
            if attached.as_deref() != Some(t) {
                return Err(StoreError::Backup(format!(
                    "the backup copy {t} did not open as itself"
                )));
            }
            let rows: Vec<KeyTuple> = sqlx::query_as(
                "SELECT id, tenant_id, master_key_id, wrapped_key, state, encryptions, created_at_ms FROM backup_copy.tenant_keys ORDER BY id",
            )
            .fetch_all(&mut c)
            .await
            .ctx("reading the data keys of the backup copy")?;
            // secure_delete is on for this connection and every database
            // attached to it; VACUUM then rebuilds the copy without free pages.
            sqlx::query("DELETE FROM backup_copy.tenant_keys")
                .execute(&mut c)
                .await
                .ctx("removing keys from the backup")?;
            sqlx::query("VACUUM backup_copy")
                .execute(&mut c)
                .await
                .ctx("compacting the backup")?;
            sqlx::query("DETACH DATABASE backup_copy")
                .execute(&mut c)
                .await
                .ctx("closing the backup copy")?;
            Ok(rows)
        }
        .await;
        c.close().await.ctx("closing the backup connection")?;
        let rows = copied?;
        std::fs::File::open(target)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("syncing", target, e))?;
        hook(BackupStep::KeysStripped, target)
            .map_err(|e| StoreError::Backup(format!("stopped after KeysStripped: {e}")))?;
        Ok(rows)
    }

    /// `pg_dump` of an exported snapshot into a pre-created mode-600 file;
    /// the keys are read in the transaction that exported the snapshot.
    async fn dump_postgres(&self, target: &Path, hook: &mut Hook<'_>) -> Result<Vec<KeyTuple>> {
        let crate::db::Pool::Postgres(pool) = &self.pool else {
            return Err(StoreError::Backup("not a PostgreSQL store".into()));
        };
        let pg = pg_target(self.raw_url().expose_secret())?;
        let mut tx = pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .ctx("starting the backup snapshot")?;
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await
            .ctx("exporting the backup snapshot")?;
        let rows: Vec<KeyTuple> = sqlx::query_as(
            "SELECT id, tenant_id, master_key_id, wrapped_key, state, encryptions, created_at_ms FROM tenant_keys ORDER BY id",
        )
        .fetch_all(&mut *tx)
            .await
            .ctx("exporting data keys")?;
        let out = files::create_private_file(target).map_err(fs_err)?;
        hook(BackupStep::DataFileCreated, target)
            .map_err(|e| StoreError::Backup(format!("stopped after DataFileCreated: {e}")))?;
        let child = pg_command("pg_dump", &pg)
            .args([
                "--format=custom",
                "--exclude-table-data=tenant_keys",
                "--no-password",
            ])
            .arg(format!("--snapshot={snapshot}"))
            .arg(format!("--dbname={}", pg.url))
            .stdout(Stdio::from(out))
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| StoreError::Backup(format!("running pg_dump: {e}")))?;
        let done = child
            .wait_with_output()
            .await
            .map_err(|e| StoreError::Backup(format!("running pg_dump: {e}")))?;
        // The snapshot is needed until pg_dump has imported it and finished.
        tx.commit().await.ctx("ending the backup snapshot")?;
        if !done.status.success() {
            return Err(StoreError::Backup(format!(
                "pg_dump failed: {}",
                child_error(&done.stderr)
            )));
        }
        std::fs::File::open(target)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("syncing", target, e))?;
        hook(BackupStep::DataCopied, target)
            .map_err(|e| StoreError::Backup(format!("stopped after DataCopied: {e}")))?;
        Ok(rows)
    }

    /// The purge job with backups: [`Store::purge`], then every key backup in
    /// `dir` is rewritten without the purged tenants' keys, and `dir` is
    /// pruned by the policy.
    pub async fn purge_with_backups(
        &self,
        runner: &JobRunner,
        dir: &Path,
        policy: BackupPolicy,
        now: OffsetDateTime,
    ) -> Result<PurgeWithBackups> {
        policy.validate()?;
        files::check_dir(dir).map_err(fs_err)?;
        let report = self.purge(runner, now).await?;
        let rewritten = forget_tenants_in_key_backups(dir, &report.tenant_ids)?;
        let removed = prune_backups(dir, &policy, now)?;
        Ok(PurgeWithBackups {
            report,
            rewritten,
            removed,
        })
    }

    /// Restores a backup into `target_url`, which must be a new or empty
    /// database, then puts back the data keys from `keys` (the key backup
    /// taken with it), purges again the tenants it records as purged, checks
    /// that every ciphertext has its key, and opens it: the restored store
    /// with its [`JobRunner`], as [`Store::open`] returns them. On SQLite, a
    /// restore that fails leaves no file behind.
    pub async fn restore(
        target_url: &str,
        data: &Path,
        keys: &Path,
        keyring: Keyring,
    ) -> Result<(Store, JobRunner)> {
        let file = read_keys_file(keys)?;
        if !data.is_file() {
            return Err(StoreError::Backup(format!(
                "{} is not a file",
                data.display()
            )));
        }
        let mut cleanup = RemoveOnDrop(Vec::new());
        if target_url.starts_with("sqlite:") {
            let path = sqlite_file(target_url)?.ok_or_else(|| {
                StoreError::Backup("restore needs a file database, not :memory:".into())
            })?;
            files::ensure_private_dir(&files::parent_of(&path)).map_err(fs_err)?;
            let mut out = files::create_private_file(&path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    StoreError::Backup(format!(
                        "{} already exists; restore writes a new database only",
                        path.display()
                    ))
                } else {
                    fs_err(e)
                }
            })?;
            cleanup.0.push(path.clone());
            for suffix in ["-wal", "-shm", "-journal"] {
                let mut n = path.as_os_str().to_owned();
                n.push(suffix);
                cleanup.0.push(PathBuf::from(n));
            }
            let mut src = std::fs::File::open(data).map_err(|e| io("reading", data, e))?;
            std::io::copy(&mut src, &mut out)
                .and_then(|_| out.sync_all())
                .map_err(|e| io("copying to", &path, e))?;
        } else {
            restore_postgres(target_url, data).await?;
        }
        let (store, runner) = Store::open(target_url, keyring).await?;
        match store.finish_restore(&runner, &file, keys).await {
            Ok(()) => {
                cleanup.0.clear();
                Ok((store, runner))
            }
            Err(e) => {
                store.close().await;
                if store.backend() == Backend::Postgres {
                    tracing::error!(target = %store.url(), "the restore was refused; the target database holds an incomplete restore: drop it before trying again");
                }
                Err(e)
            }
        }
    }

    async fn finish_restore(&self, runner: &JobRunner, file: &KeysFile, keys: &Path) -> Result<()> {
        let mut tx = self.pool.begin_operator().await?;
        for k in &file.keys {
            let wrapped = STANDARD.decode(&k.wrapped_key).map_err(|_| {
                StoreError::Backup(format!("key {} in {} is not base64", k.id, keys.display()))
            })?;
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "INSERT INTO tenant_keys (id, tenant_id, master_key_id, wrapped_key, state, encryptions, created_at_ms) \
                     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $2) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(k.id)
                .bind(k.tenant_id)
                .bind(k.master_key_id)
                .bind(wrapped)
                .bind(&k.state)
                .bind(k.encryptions)
                .bind(k.created_at_ms)
                .execute(&mut *c)
                .await
                .ctx("restoring data keys")?;
            });
        }
        tx.commit().await?;
        // Tenants purged after this backup was taken stay purged.
        for t in &file.purged_tenants {
            self.purge_tenant(runner, TenantId(*t)).await?;
        }
        let missing = self.data_keys_missing().await?;
        if !missing.is_empty() {
            return Err(StoreError::MissingDataKeys { kids: missing });
        }
        self.check_master_keys().await
    }

    /// Data key ids named by a ciphertext that `tenant_keys` lacks.
    async fn data_keys_missing(&self) -> Result<Vec<u32>> {
        let mut tx = self.pool.begin_operator().await?;
        let mut used = BTreeSet::new();
        for col in ENCRYPTED_COLUMNS {
            let counts: Vec<(Vec<u8>, i64)> = on_tx!(&mut tx, c => {
                sqlx::query_as(col.count_by_key)
                    .fetch_all(&mut *c)
                    .await
                    .ctx("listing the data keys in use")?
            });
            for (kid, _) in counts {
                let b = <[u8; 4]>::try_from(kid.as_slice()).map_err(|_| StoreError::Corrupt {
                    what: "ciphertext header",
                    detail: format!("a {}.{} value is too short", col.table, col.column),
                })?;
                used.insert(u32::from_be_bytes(b));
            }
        }
        let have: Vec<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM tenant_keys")
                .fetch_all(&mut *c)
                .await
                .ctx("listing data keys")?
        });
        tx.commit().await?;
        for k in have {
            if let Ok(k) = u32::try_from(k) {
                used.remove(&k);
            }
        }
        Ok(used.into_iter().collect())
    }
}

async fn restore_postgres(url: &str, data: &Path) -> Result<()> {
    use sqlx::Connection;
    let pg = pg_target(url)?;
    let mut c = sqlx::PgConnection::connect(url)
        .await
        .ctx("connecting to the restore target")?;
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'")
            .fetch_one(&mut c)
            .await
            .ctx("checking the restore target")?;
    if tables > 0 {
        return Err(StoreError::Backup(format!(
            "the target database has {tables} tables; restore writes into an empty database only"
        )));
    }
    crate::db::check_maintenance_role(&mut c).await?;
    // Roles are per cluster, not in the dump.
    sqlx::query(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cloudarq_app') THEN \
         CREATE ROLE cloudarq_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; END IF; END $$",
    )
    .execute(&mut c)
    .await
    .ctx("creating the application role")?;
    sqlx::query("GRANT cloudarq_app TO CURRENT_USER")
        .execute(&mut c)
        .await
        .ctx("granting the application role")?;
    c.close().await.ctx("closing")?;
    let out = pg_command("pg_restore", &pg)
        .args([
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
        ])
        .arg(format!("--dbname={}", pg.url))
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|e| StoreError::Backup(format!("running pg_restore: {e}")))?;
    if !out.status.success() {
        return Err(StoreError::Backup(format!(
            "pg_restore failed: {}",
            child_error(&out.stderr)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let t = pg_target("postgres://app:p%40ss@db:5432/c?sslmode=disable").unwrap();
        assert_eq!(t.url, "postgres://app@db:5432/c?sslmode=disable");
        assert_eq!(t.password.as_deref().map(String::as_str), Some("p@ss"));
        let t = pg_target("postgres://app@db/c?password=S3cret&sslmode=disable").unwrap();
        assert_eq!(t.url, "postgres://app@db/c?sslmode=disable");
        assert_eq!(t.password.as_deref().map(String::as_str), Some("S3cret"));
        let t = pg_target("postgres://app@db/c?password=S3cret").unwrap();
        assert_eq!(t.url, "postgres://app@db/c");
        assert!(pg_target("postgres://app@db/c").unwrap().password.is_none());
        let e = pg_target("postgres://app@db/c?sslpassword=x")
            .err()
            .unwrap();
        assert!(e.to_string().contains("sslpassword"), "{e}");
    }

    #[test]
    fn only_the_allow_list_is_inherited() {
        for ok in ["PATH", "HOME", "LC_ALL", "PGSSLMODE", "PGPASSFILE", "LANG"] {
            assert!(inheritable(OsStr::new(ok)), "{ok}");
        }
        for no in [
            "CLOUDARQ_KEYRING",
            "CLOUDARQ_DB",
            "AWS_SECRET_ACCESS_KEY",
            "LD_PRELOAD",
            "SSH_AUTH_SOCK",
        ] {
            assert!(!inheritable(OsStr::new(no)), "{no}");
        }
    }

    #[test]
    fn backup_names_carry_their_time() {
        let t = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let name = format!("{KEYS_PREFIX}{}.json", stamp(t));
        assert_eq!(backup_time(&name, KEYS_PREFIX, &[".json"]), Some(t));
        assert!(backup_time("cloudarq-keys-garbage.json", KEYS_PREFIX, &[".json"]).is_none());
        assert!(child_error(b"connection to postgres://u:pw@h/db failed").contains("REDACTED"));
    }
}
