//! The two backends behind one set of repository functions.
//!
//! Every query is a `&'static str` (sqlx 0.9's `SqlSafeStr`), written once in
//! the SQL both SQLite and PostgreSQL accept (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`); [`on_tx!`] expands a query body once per backend so each is
//! type-checked against its own driver. `sqlx::AssertSqlSafe` and
//! `sqlx::raw_sql` are banned by `clippy.toml`, so a query assembled with
//! `format!` does not build.
//!
//! On PostgreSQL two kinds of transaction exist:
//! - a tenant transaction ([`Pool::begin_tenant`], [`TenantPool::begin`]) is
//!   bound to one tenant by `cloudarq_bind_tenant` (migration 0002) and runs
//!   as a role without BYPASSRLS, so row-level security shows it that
//!   tenant's rows only. With a tenant URL it runs on its own pool, logged
//!   in as that role, which cannot switch back to the owner; without one it
//!   runs on the owner's connection after `SET LOCAL ROLE cloudarq_app`,
//!   which code inside the transaction could undo with `RESET ROLE`.
//! - a maintenance transaction ([`Pool::begin_operator`]) is the job
//!   runner's cross-tenant view. Row-level security is forced on every
//!   tenant table, so only a superuser or a BYPASSRLS role sees every row;
//!   any other role would see none and maintenance would silently do
//!   nothing. Each maintenance transaction therefore checks its role and
//!   sets `row_security = off`, which makes a query that row-level security
//!   would filter fail instead of answering with fewer rows.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use uuid::Uuid;

use crate::error::{DbContext, Result, StoreError};
use crate::files;

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

/// Query parameters that carry a secret in a database URL.
fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "password" || n == "sslpassword" || n.ends_with("_password") || n == "passfile"
}

/// The one redaction of database URLs for errors, logs and output: the
/// password of the user-info part and every `password`-like query parameter
/// become `REDACTED`. A URL that does not parse is redacted by hand the same
/// way.
pub fn redact_url(url: &str) -> String {
    const MASK: &str = "REDACTED";
    if let Ok(mut u) = url::Url::parse(url) {
        let secret_query = u.query_pairs().any(|(k, _)| is_secret_param(&k));
        if u.password().is_none() && !secret_query {
            return url.to_string();
        }
        if u.password().is_some() && u.set_password(Some(MASK)).is_err() {
            return redact_by_hand(url);
        }
        if secret_query {
            let pairs: Vec<(String, String)> = u
                .query_pairs()
                .map(|(k, v)| {
                    let v = if is_secret_param(&k) {
                        MASK.to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
        return u.to_string();
    }
    redact_by_hand(url)
}

/// Redaction without a URL parser: everything between the first `:` of the
/// user-info and its last `@`, and the value of each secret parameter.
fn redact_by_hand(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let (head, query) = match url.find('?') {
        Some(i) => (&url[..i], Some(&url[i + 1..])),
        None => (url, None),
    };
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let authority_end = head[after_scheme..]
        .find('/')
        .map_or(head.len(), |i| after_scheme + i);
    let authority = &head[after_scheme..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            out.push_str(&head[..after_scheme + colon + 1]);
            out.push_str("REDACTED");
            out.push_str(&head[after_scheme + at..]);
        }
        _ => out.push_str(head),
    }
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if is_secret_param(k) => format!("{k}=REDACTED"),
                _ => kv.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

/// The database file of a `sqlite:` URL, decoded the way the driver decodes
/// it (percent-encoding included); `None` for an in-memory database.
pub fn sqlite_file(url: &str) -> Result<Option<PathBuf>> {
    let opts = SqliteConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl {
        url: redact_url(url),
        detail: e.to_string(),
    })?;
    // The same split the driver makes.
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (db, params) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = db.is_empty()
        || db == ":memory:"
        || url::form_urlencoded::parse(params.as_bytes())
            .any(|(k, v)| k == "mode" && v == "memory");
    Ok((!memory).then(|| opts.get_filename().to_path_buf()))
}

/// Makes sure the database file and its companions are private before SQLite
/// opens them: the directory exists (mode 700 if created here) and is not
/// writable by others; no name is a symbolic link; a missing database file
/// is created empty with mode 600 (`O_EXCL`), so SQLite, which gives the
/// `-wal`, `-shm` and `-journal` files the database file's mode, never
/// creates anything readable by others. An existing file of ours that others
/// can read is restricted (through an `O_NOFOLLOW` descriptor).
pub(crate) fn prepare_sqlite_file(path: &Path) -> std::io::Result<()> {
    files::ensure_private_dir(&files::parent_of(path))?;
    let mut names = vec![path.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut n = path.as_os_str().to_owned();
        n.push(suffix);
        names.push(PathBuf::from(n));
    }
    for name in &names {
        match std::fs::symlink_metadata(name) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(std::io::Error::other(format!(
                    "{} is a symbolic link; refusing to open the database through it",
                    name.display()
                )));
            }
            Ok(m) if !m.is_file() => {
                return Err(std::io::Error::other(format!(
                    "{} is not a regular file",
                    name.display()
                )));
            }
            Ok(_) => restrict(name)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(std::io::Error::other(format!("{}: {e}", name.display()))),
        }
    }
    match files::create_private_file(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// The database file, opened and locked exclusively until it is dropped.
async fn lock_for_migration(path: PathBuf) -> Result<std::fs::File> {
    let failed = |e: std::io::Error| StoreError::Database {
        context: "locking the SQLite database for migration",
        source: sqlx::Error::Io(e),
    };
    let locked = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let mut open = std::fs::OpenOptions::new();
        open.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let file = open.open(&path)?;
        #[cfg(unix)]
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(file)
    })
    .await
    .map_err(|e| failed(std::io::Error::other(e)))?;
    locked.map_err(failed)
}

/// Restricts an existing file of ours to mode 600 if others can read it.
fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let (f, meta) = files::open_regular(path, u64::MAX)?;
        if meta.permissions().mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(files::FILE_MODE))
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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
                // Deleted rows (a purged tenant's wrapped keys among them)
                // are overwritten with zeros, not left in free pages.
                .pragma("secure_delete", "ON")
                .busy_timeout(Duration::from_secs(30));
            if let Some(path) = sqlite_file(url)? {
                prepare_sqlite_file(&path).map_err(|e| invalid(e.to_string()))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await
                .ctx("opening the SQLite database")?;
            Ok((Self::Sqlite(pool), Backend::Sqlite))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
            let pool = connect_pg(opts, "connecting to PostgreSQL").await?;
            Ok((Self::Postgres(pool), Backend::Postgres))
        } else {
            Err(invalid(
                "expected sqlite://PATH or postgres://USER@HOST:PORT/DB".into(),
            ))
        }
    }

    /// Applies the pending migrations. PostgreSQL's migrator holds an
    /// advisory lock; on SQLite, two processes opening a new database at
    /// once would both apply migration 1, so the database file (`url`'s) is
    /// locked exclusively (`flock`, which SQLite's own `fcntl` locks do not
    /// see) while migrating.
    /// Whether the database answers and every migration this build knows
    /// is applied (the service's readiness).
    pub(crate) async fn migrations_current(&self) -> Result<bool> {
        let (applied, known): (Option<i64>, Option<i64>) = match self {
            Self::Sqlite(p) => (
                sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                    .fetch_one(p)
                    .await
                    .ctx("reading the applied migrations")?,
                sqlx::migrate!("./migrations/sqlite")
                    .iter()
                    .map(|m| m.version)
                    .max(),
            ),
            Self::Postgres(p) => (
                sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                    .fetch_one(p)
                    .await
                    .ctx("reading the applied migrations")?,
                sqlx::migrate!("./migrations/postgres")
                    .iter()
                    .map(|m| m.version)
                    .max(),
            ),
        };
        Ok(applied.is_some() && applied >= known)
    }

    pub(crate) async fn migrate(&self, url: &str) -> Result<()> {
        match self {
            Self::Sqlite(p) => {
                let _lock = match sqlite_file(url)? {
                    Some(path) => Some(lock_for_migration(path).await?),
                    None => None,
                };
                sqlx::migrate!("./migrations/sqlite").run(p).await?;
            }
            Self::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Refuses a role that cannot see every row (PostgreSQL; SQLite has no
    /// roles). Returns the role's name.
    pub(crate) async fn check_maintenance_role(&self) -> Result<Option<String>> {
        match self {
            Self::Sqlite(_) => Ok(None),
            Self::Postgres(p) => {
                let mut c = p.acquire().await.ctx("connecting to PostgreSQL")?;
                check_maintenance_role(&mut c).await.map(Some)
            }
        }
    }

    /// A maintenance transaction: the job runner's cross-tenant view (purge,
    /// rotation, backup, key status). On PostgreSQL it re-checks, inside the
    /// transaction, that the role sees every row, and sets `row_security =
    /// off`, so a row hidden by row-level security is an error, never a
    /// missing row.
    pub(crate) async fn begin_operator(&self) -> Result<Tx> {
        Ok(match self {
            Self::Sqlite(p) => Tx::Sqlite(begin_sqlite(p).await?),
            Self::Postgres(p) => {
                let mut tx = p.begin().await.ctx("starting a transaction")?;
                let (_, role, superuser, bypass): (String, String, bool, bool) =
                    sqlx::query_as(MAINTENANCE_TX)
                        .fetch_one(&mut *tx)
                        .await
                        .ctx("checking the maintenance role")?;
                require_sees_every_row(role, superuser, bypass)?;
                Tx::Postgres(tx)
            }
        })
    }

    /// A transaction bound to one tenant on this (the owner's) pool. On
    /// PostgreSQL it drops to the `cloudarq_app` role for this transaction
    /// and binds it to `tenant` (`cloudarq_bind_tenant`), so row-level
    /// security shows that tenant's rows only. The single-URL setup: see the
    /// module docs for what it does not protect.
    pub(crate) async fn begin_tenant(&self, tenant: Uuid) -> Result<Tx> {
        match self {
            Self::Sqlite(p) => Ok(Tx::Sqlite(begin_sqlite(p).await?)),
            Self::Postgres(p) => {
                begin_bound(
                    p,
                    "SELECT set_config('role', 'cloudarq_app', true), cloudarq_bind_tenant($1)",
                    tenant,
                )
                .await
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

/// Reads the role's attributes and switches row-level security to "fail
/// instead of filter" for the rest of the transaction.
const MAINTENANCE_TX: &str = "SELECT set_config('row_security', 'off', true), rolname::text, rolsuper, rolbypassrls \
     FROM pg_roles WHERE rolname = current_user";

/// Refuses, naming the fix, a role that row-level security would filter.
fn require_sees_every_row(role: String, superuser: bool, bypass_rls: bool) -> Result<String> {
    if superuser || bypass_rls {
        Ok(role)
    } else {
        Err(StoreError::MaintenanceRole {
            role,
            missing: "BYPASSRLS",
        })
    }
}

/// The maintenance check on one connection (also used before a restore).
pub(crate) async fn check_maintenance_role(c: &mut PgConnection) -> Result<String> {
    let (role, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut *c)
    .await
    .ctx("checking the maintenance role")?;
    require_sees_every_row(role, superuser, bypass)
}

/// The pool of tenant transactions when the store has a tenant URL: logged
/// in as a role that is a member of `cloudarq_app`, cannot bypass row-level
/// security and cannot become the owner, so nothing inside a tenant
/// transaction can leave it (`RESET ROLE` returns to this same role).
#[derive(Clone, Debug)]
pub(crate) struct TenantPool(PgPool);

impl TenantPool {
    /// Connects with `url` and checks its role against the owner's pool.
    pub(crate) async fn connect(url: &str, owner: &Pool) -> Result<Self> {
        let invalid = |detail: String| StoreError::InvalidUrl {
            url: redact_url(url),
            detail,
        };
        let Pool::Postgres(owner) = owner else {
            return Err(invalid(
                "a tenant URL applies to PostgreSQL only (SQLite has no database roles)".into(),
            ));
        };
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(invalid("expected postgres://USER@HOST:PORT/DB".into()));
        }
        let opts = PgConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
        let pool = connect_pg(opts, "connecting to PostgreSQL as the tenant role").await?;
        let here: (String, String) = sqlx::query_as(SERVER_IDENTITY)
            .fetch_one(owner)
            .await
            .ctx("identifying the database")?;
        type RoleRow = (
            String,
            bool,
            bool,
            bool,
            bool,
            Option<String>,
            String,
            String,
        );
        let (role, superuser, bypass, owns, app, escalates, db, started): RoleRow =
            sqlx::query_as(TENANT_ROLE)
                .fetch_one(&pool)
                .await
                .ctx("checking the tenant role")?;
        let problem = if superuser {
            Some("is a superuser".to_string())
        } else if bypass {
            Some("has BYPASSRLS".to_string())
        } else if owns {
            Some("owns the tables (an owner can turn row-level security off)".to_string())
        } else if let Some(roles) = escalates {
            Some(format!(
                "can switch (SET ROLE) to {roles}, which bypass row-level security or own the tables"
            ))
        } else if !app {
            Some(format!(
                "is not a member of cloudarq_app (`GRANT cloudarq_app TO {role}`)"
            ))
        } else if (db.as_str(), started.as_str()) != (here.0.as_str(), here.1.as_str()) {
            Some(format!(
                "is connected to database {db:?} of another server or database than the main URL ({:?})",
                here.0
            ))
        } else {
            None
        };
        match problem {
            Some(problem) => {
                pool.close().await;
                Err(StoreError::TenantRole { role, problem })
            }
            None => Ok(Self(pool)),
        }
    }

    /// A transaction bound to `tenant` (see [`Pool::begin_tenant`]), as the
    /// tenant role itself.
    pub(crate) async fn begin(&self, tenant: Uuid) -> Result<Tx> {
        begin_bound(&self.0, "SELECT cloudarq_bind_tenant($1)", tenant).await
    }

    pub(crate) async fn close(&self) {
        self.0.close().await;
    }
}

/// Which database on which server a connection reached.
const SERVER_IDENTITY: &str = "SELECT current_database()::text, pg_postmaster_start_time()::text";

/// What makes a tenant role safe or not: superuser, BYPASSRLS, owner of the
/// tables, member of `cloudarq_app`, roles it could `SET ROLE` to that
/// bypass row-level security or own the tables, and where it is connected.
const TENANT_ROLE: &str = "SELECT r.rolname::text, r.rolsuper, r.rolbypassrls, r.oid = t.relowner, \
       pg_has_role(r.oid, 'cloudarq_app', 'USAGE'), \
       (SELECT string_agg(o.rolname::text, ', ' ORDER BY o.rolname) FROM pg_roles o \
         WHERE o.oid <> r.oid AND (o.rolsuper OR o.rolbypassrls OR o.oid = t.relowner) \
           AND pg_has_role(r.oid, o.oid, 'MEMBER')), \
       current_database()::text, pg_postmaster_start_time()::text \
     FROM pg_roles r, pg_class t \
     WHERE r.rolname = current_user AND t.oid = 'public.tenants'::regclass";

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

/// Milliseconds since the Unix epoch of a time.
/// A duration in whole milliseconds, saturating.
pub(crate) fn whole_ms(d: time::Duration) -> i64 {
    i64::try_from(d.whole_milliseconds()).unwrap_or(i64::MAX)
}

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

/// A pool of PostgreSQL connections (8 at most, 10 s to get one); `what`
/// names the attempt in errors.
async fn connect_pg(opts: PgConnectOptions, what: &'static str) -> Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await
        .ctx(what)
}

/// A PostgreSQL transaction on `pool` bound to `tenant` by `bind` (a static
/// statement calling `cloudarq_bind_tenant($1)`).
async fn begin_bound(pool: &PgPool, bind: &'static str, tenant: Uuid) -> Result<Tx> {
    let mut tx = pool.begin().await.ctx("starting a transaction")?;
    sqlx::query(bind)
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .ctx("binding the transaction to its tenant")?;
    Ok(Tx::Postgres(tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_password_in_a_url_is_redacted() {
        for (url, secret) in [
            ("postgres://app:S3cret@db:5432/cloudarq", "S3cret"),
            ("postgres://app:p%40ss@db/cloudarq", "p%40ss"),
            (
                "postgres://app@db/cloudarq?sslmode=require&password=S3cret",
                "S3cret",
            ),
            (
                "postgres://db/cloudarq?PassWord=S3cret&application_name=x",
                "S3cret",
            ),
            ("postgres://db/cloudarq?sslpassword=S3cret", "S3cret"),
            ("postgres://app:S3cret@db/c?password=Other1", "Other1"),
            // Not a valid URL (space in the host), redacted by hand.
            ("postgres://app:S3cret@bad host/c?password=Other2", "S3cret"),
            ("postgres://app:S3cret@bad host/c?password=Other2", "Other2"),
        ] {
            let r = redact_url(url);
            assert!(!r.contains(secret), "{url} -> {r}");
            assert!(r.contains("REDACTED"), "{url} -> {r}");
        }
        assert!(redact_url("postgres://app:S3cret@db/c?password=x").contains("app"));
        for plain in [
            "sqlite:///var/lib/cloudarq/cloudarq.db",
            "postgres://app@db/c?sslmode=disable",
        ] {
            assert_eq!(redact_url(plain), plain);
        }
    }

    #[test]
    fn sqlite_files_are_decoded_like_the_driver_decodes_them() {
        assert_eq!(
            sqlite_file("sqlite:///tmp/a%20b/x%3Fy.db?mode=rwc").unwrap(),
            Some(PathBuf::from("/tmp/a b/x?y.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:rel.db").unwrap(),
            Some(PathBuf::from("rel.db"))
        );
        for memory in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
            "sqlite://x.db?mode=memory",
        ] {
            assert_eq!(sqlite_file(memory).unwrap(), None, "{memory}");
        }
    }
}
