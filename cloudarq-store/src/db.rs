//! The two backends behind one set of repository functions.
//!
//! Every query is a `&'static str` (sqlx 0.9's `SqlSafeStr`), written once in
//! the SQL both SQLite and PostgreSQL accept (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`); [`on_tx!`] expands a query body once per backend so each is
//! type-checked against its own driver. `sqlx::AssertSqlSafe` and
//! `sqlx::raw_sql` are banned by `clippy.toml`, so a query assembled with
//! `format!` does not build.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use uuid::Uuid;

use crate::error::{DbContext, Result, StoreError};

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (the default).
    Sqlite,
    /// PostgreSQL (the hosted service).
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the transaction's connection, once per
/// backend.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// Removes a password from a URL before it goes into an error or a log.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("REDACTED"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Pool {
    pub(crate) async fn connect(url: &str) -> Result<(Self, Backend)> {
        let invalid = |detail: String| StoreError::InvalidUrl {
            url: redact_url(url),
            detail,
        };
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| invalid(e.to_string()))?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30));
            if let Some(path) = sqlite_path(url)
                && let Some(dir) = std::path::Path::new(&path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| invalid(format!("cannot create {}: {e}", dir.display())))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await
                .ctx("opening the SQLite database")?;
            // The file holds tenants' metadata: owner-only, like the keyring.
            #[cfg(unix)]
            if let Some(path) = sqlite_path(url) {
                use std::os::unix::fs::PermissionsExt;
                for suffix in ["", "-wal", "-shm"] {
                    let p = format!("{path}{suffix}");
                    if std::path::Path::new(&p).exists() {
                        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                            .map_err(|e| invalid(format!("cannot restrict {p}: {e}")))?;
                    }
                }
            }
            Ok((Self::Sqlite(pool), Backend::Sqlite))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .ctx("connecting to PostgreSQL")?;
            Ok((Self::Postgres(pool), Backend::Postgres))
        } else {
            Err(invalid(
                "expected sqlite://PATH or postgres://USER@HOST:PORT/DB".into(),
            ))
        }
    }

    pub(crate) async fn migrate(&self) -> Result<()> {
        match self {
            Self::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Self::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// A transaction without tenant context: the owner's view. Only the job
    /// runner's cross-tenant work (purge, rotation, backup) uses it.
    pub(crate) async fn begin_operator(&self) -> Result<Tx> {
        Ok(match self {
            Self::Sqlite(p) => Tx::Sqlite(begin_sqlite(p).await?),
            Self::Postgres(p) => Tx::Postgres(p.begin().await.ctx("starting a transaction")?),
        })
    }

    /// A transaction bound to one tenant. On PostgreSQL it sets
    /// `cloudarq.tenant_id` for this transaction only and drops to the
    /// `cloudarq_app` role, so row-level security applies.
    pub(crate) async fn begin_tenant(&self, tenant: Uuid) -> Result<Tx> {
        match self {
            Self::Sqlite(p) => Ok(Tx::Sqlite(begin_sqlite(p).await?)),
            Self::Postgres(p) => {
                let mut tx = p.begin().await.ctx("starting a transaction")?;
                sqlx::query("SELECT set_config('cloudarq.tenant_id', $1, true)")
                    .bind(tenant.to_string())
                    .execute(&mut *tx)
                    .await
                    .ctx("setting the tenant")?;
                sqlx::query("SET LOCAL ROLE cloudarq_app")
                    .execute(&mut *tx)
                    .await
                    .ctx("switching to the application role")?;
                Ok(Tx::Postgres(tx))
            }
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }
}

/// SQLite transactions take the write lock up front (`BEGIN IMMEDIATE`): a
/// deferred transaction that reads and then writes fails with "database is
/// locked" at once when another writer is active, instead of waiting.
async fn begin_sqlite(p: &SqlitePool) -> Result<Transaction<'static, Sqlite>> {
    p.begin_with("BEGIN IMMEDIATE")
        .await
        .ctx("starting a transaction")
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Self::Sqlite(t) => t.commit().await.ctx("committing"),
            Self::Postgres(t) => t.commit().await.ctx("committing"),
        }
    }
}

/// The file path of a `sqlite:` URL (`sqlite://PATH`, `sqlite:PATH`), without
/// query parameters; `None` for in-memory databases.
pub(crate) fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.to_string())
    }
}

/// Milliseconds since the Unix epoch of a time.
pub(crate) fn ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The time of a Unix-milliseconds value.
pub(crate) fn from_ms(v: i64) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000).map_err(|e| {
        StoreError::Corrupt {
            what: "timestamp",
            detail: e.to_string(),
        }
    })
}
