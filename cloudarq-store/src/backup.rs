//! Backups and restore (S5, checklist DATA-2, DATA-3).
//!
//! A backup is two files in the backup directory:
//! - `cloudarq-data-<UTC time>.sqlite` (SQLite `VACUUM INTO`, a consistent
//!   online copy) or `.pgdump` (`pg_dump -Fc`, run as the connecting role,
//!   which must be a superuser or have BYPASSRLS: row-level security is
//!   forced, so the owner alone cannot dump the tenant tables), **without**
//!   the wrapped data keys;
//! - `cloudarq-keys-<UTC time>.json`: the wrapped data keys alone (useless
//!   without the keyring), mode 600.
//!
//! Data backups can be kept long: once a tenant is purged, its data key is
//! gone from the database, and the only copies left are in key backups, which
//! are kept no longer than the retention policy allows (purge delay + key
//! backup retention ≤ 30 days). After that, the tenant's rows in every data
//! backup are unreadable (crypto-shredding).
//!
//! Restore goes into a new, empty database only, so nothing stored is lost.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use crate::Store;
use crate::crypto::keyring::Keyring;
use crate::db::{Backend, on_tx, sqlite_path};
use crate::error::{DbContext, Result, StoreError};
use crate::retention::RetentionPolicy;
use crate::scope::JobRunner;

const KEYS_FORMAT: &str = "cloudarq.keys";

/// The files one backup wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupFiles {
    /// Data without keys.
    pub data: PathBuf,
    /// Wrapped data keys.
    pub keys: PathBuf,
    /// Old files removed by the retention count.
    pub removed: Vec<PathBuf>,
}

/// How many backups to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupPolicy {
    /// Data backups kept (newest first).
    pub keep: usize,
    /// Deletion and key-backup retention; key backups kept = its
    /// `key_backup_retention_days` (one backup a day).
    pub retention: RetentionPolicy,
}

impl BackupPolicy {
    /// Refuses a policy that breaks the 30-day promise or keeps nothing.
    pub fn validate(&self) -> Result<()> {
        if self.keep == 0 {
            return Err(StoreError::InvalidInput {
                field: "backup keep count",
                detail: "must be at least 1".into(),
            });
        }
        self.retention.validate()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    format: String,
    version: u32,
    keys: Vec<KeyRow>,
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

fn stamp(now: OffsetDateTime) -> String {
    let f = format_description!("[year][month][day]T[hour][minute][second]Z");
    now.format(&f)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

fn io(what: &str, p: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backup(format!("{what} {}: {e}", p.display()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| io("creating", path, e))?;
    f.write_all(bytes).map_err(|e| io("writing", path, e))?;
    f.sync_all().map_err(|e| io("syncing", path, e))
}

/// Deletes all but the newest `keep` files of `dir` named `prefix*suffix`.
fn prune(dir: &Path, prefix: &str, suffix: &str, keep: usize) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io("listing", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
        })
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for p in files.into_iter().take(excess) {
        std::fs::remove_file(&p).map_err(|e| io("removing", &p, e))?;
        removed.push(p);
    }
    Ok(removed)
}

impl Store {
    /// Writes a backup into `dir` and applies the retention counts.
    pub async fn backup(
        &self,
        runner: &JobRunner,
        dir: &Path,
        policy: BackupPolicy,
        now: OffsetDateTime,
    ) -> Result<BackupFiles> {
        policy.validate()?;
        self.check_maintenance_role().await?;
        std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
        let ts = stamp(now);
        let data = match self.backend() {
            Backend::Sqlite => dir.join(format!("cloudarq-data-{ts}.sqlite")),
            Backend::Postgres => dir.join(format!("cloudarq-data-{ts}.pgdump")),
        };
        let keys = dir.join(format!("cloudarq-keys-{ts}.json"));
        if data.exists() || keys.exists() {
            return Err(StoreError::Backup(format!(
                "a backup named {ts} already exists in {}",
                dir.display()
            )));
        }
        let rows = self.export_keys(runner).await?;
        match self.backend() {
            Backend::Sqlite => self.backup_sqlite(&data).await?,
            Backend::Postgres => self.backup_postgres(&data)?,
        }
        let body = serde_json::to_vec_pretty(&KeysFile {
            format: KEYS_FORMAT.into(),
            version: 1,
            keys: rows,
        })
        .map_err(|e| StoreError::Backup(e.to_string()))?;
        write_private(&keys, &body)?;
        let suffix = if self.backend() == Backend::Sqlite {
            ".sqlite"
        } else {
            ".pgdump"
        };
        let mut removed = prune(dir, "cloudarq-data-", suffix, policy.keep)?;
        let key_keep = policy.retention.key_backup_retention_days.max(1) as usize;
        removed.extend(prune(dir, "cloudarq-keys-", ".json", key_keep)?);
        tracing::info!(data = %data.display(), keys = %keys.display(), removed = removed.len(), "backup written");
        Ok(BackupFiles {
            data,
            keys,
            removed,
        })
    }

    async fn export_keys(&self, _runner: &JobRunner) -> Result<Vec<KeyRow>> {
        let mut tx = self.pool.begin_operator().await?;
        type Row = (i64, Uuid, i64, Vec<u8>, String, i64, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, tenant_id, master_key_id, wrapped_key, state, encryptions, created_at_ms FROM tenant_keys ORDER BY id",
            )
            .fetch_all(&mut *c)
            .await
            .ctx("exporting data keys")?
        });
        tx.commit().await?;
        Ok(rows
            .into_iter()
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
            .collect())
    }

    async fn backup_sqlite(&self, data: &Path) -> Result<()> {
        use sqlx::Connection;
        let target = data
            .to_str()
            .ok_or_else(|| StoreError::Backup(format!("{} is not UTF-8", data.display())))?;
        // VACUUM cannot run inside a transaction: use the pool directly.
        if let crate::db::Pool::Sqlite(p) = &self.pool {
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(p)
                .await
                .ctx("copying the database (VACUUM INTO)")?;
        }
        // Take the data keys out of the copy.
        let url = format!("sqlite://{target}");
        let mut c = sqlx::SqliteConnection::connect(&url)
            .await
            .ctx("opening the backup copy")?;
        sqlx::query("DELETE FROM tenant_keys")
            .execute(&mut c)
            .await
            .ctx("removing keys from the backup")?;
        sqlx::query("VACUUM")
            .execute(&mut c)
            .await
            .ctx("compacting the backup")?;
        c.close().await.ctx("closing the backup copy")?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io("chmod", data, e))?;
        }
        Ok(())
    }

    fn backup_postgres(&self, data: &Path) -> Result<()> {
        let out = Command::new(pg_tool("pg_dump"))
            .args([
                "--format=custom",
                "--exclude-table-data=tenant_keys",
                "--no-password",
            ])
            .arg(format!("--file={}", data.display()))
            .arg(format!("--dbname={}", self.raw_url()))
            .output()
            .map_err(|e| StoreError::Backup(format!("running pg_dump: {e}")))?;
        if !out.status.success() {
            let _ = std::fs::remove_file(data);
            return Err(StoreError::Backup(format!(
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    /// Restores a backup into `target_url`, which must be a new or empty
    /// database, then puts back the data keys from `keys` (a key backup) and
    /// opens it.
    pub async fn restore(
        target_url: &str,
        data: &Path,
        keys: &Path,
        keyring: Keyring,
    ) -> Result<Store> {
        let keys_text = std::fs::read(keys).map_err(|e| io("reading", keys, e))?;
        let file: KeysFile = serde_json::from_slice(&keys_text).map_err(|e| {
            StoreError::Backup(format!("{} is not a key backup: {e}", keys.display()))
        })?;
        if file.format != KEYS_FORMAT || file.version != 1 {
            return Err(StoreError::Backup(format!(
                "{} is {} version {}, expected {KEYS_FORMAT} version 1",
                keys.display(),
                file.format,
                file.version
            )));
        }
        if !data.is_file() {
            return Err(StoreError::Backup(format!(
                "{} is not a file",
                data.display()
            )));
        }
        if target_url.starts_with("sqlite:") {
            let path = sqlite_path(target_url).ok_or_else(|| {
                StoreError::Backup("restore needs a file database, not :memory:".into())
            })?;
            let path = PathBuf::from(path);
            if path.exists() {
                return Err(StoreError::Backup(format!(
                    "{} already exists; restore writes a new database only",
                    path.display()
                )));
            }
            if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(d).map_err(|e| io("creating", d, e))?;
            }
            std::fs::copy(data, &path).map_err(|e| io("copying to", &path, e))?;
        } else {
            restore_postgres(target_url, data).await?;
        }
        let store = Store::open(target_url, keyring).await?;
        let mut tx = store.pool.begin_operator().await?;
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
        store.check_master_keys().await?;
        Ok(store)
    }
}

async fn restore_postgres(url: &str, data: &Path) -> Result<()> {
    use sqlx::Connection;
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
    let out = Command::new(pg_tool("pg_restore"))
        .args([
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
        ])
        .arg(format!("--dbname={url}"))
        .arg(data)
        .output()
        .map_err(|e| StoreError::Backup(format!("running pg_restore: {e}")))?;
    if !out.status.success() {
        return Err(StoreError::Backup(format!(
            "pg_restore failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}
