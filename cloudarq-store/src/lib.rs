//! CloudArq's encrypted store of scans, findings and compliance scores:
//! SQLite embedded by default, PostgreSQL for the hosted service (S1–S5).
//!
//! - Every repository function takes a [`TenantScope`]; only the
//!   [`JobRunner`] that [`Store::open`] returns, once, makes one ([`scope`]).
//! - Scans are queued, claimed by a worker under a lease, reported on and
//!   finished or failed in place ([`jobs`]).
//! - Credentials, External IDs, TOTP seeds and finding details are encrypted
//!   with AES-256-GCM under per-tenant data keys, wrapped by master keys from a
//!   [`Keyring`] that never enters the database ([`crypto`], [`keys`]).
//! - Keys rotate without downtime ([`Store::rotate`]); deleted tenants and
//!   connections are revoked at once and purged within 30 days, their data
//!   keys destroyed ([`retention`]); backups leave data keys out, so a purged
//!   tenant's rows in old backups stay unreadable ([`backup`]).
//!
//! Queries take `&'static str` only (sqlx's `SqlSafeStr`); `clippy.toml`
//! bans the escape hatches `sqlx::AssertSqlSafe` and `sqlx::raw_sql`, so SQL
//! assembled at run time does not build:
//!
//! ```compile_fail
//! # async fn f(pool: sqlx::SqlitePool, table: &str) {
//! let sql = format!("SELECT * FROM {table}");
//! sqlx::query(&sql).execute(&pool).await.ok();
//! # }
//! ```
//!
//! ```no_run
//! # async fn demo() -> Result<(), cloudarq_store::StoreError> {
//! use cloudarq_store::{Keyring, Store};
//! use time::OffsetDateTime;
//!
//! let keyring = Keyring::load(std::path::Path::new("/var/lib/cloudarq/keyring.toml"))?;
//! let (store, runner) = Store::open("sqlite:///var/lib/cloudarq/cloudarq.db", keyring).await?;
//! let tenant = store.create_tenant(&runner, "acme", OffsetDateTime::now_utc()).await?;
//! let scope = runner.scope(tenant);
//! for conn in store.connections(&scope).await? {
//!     println!("{} {:?}", conn.name, conn.account_id);
//! }
//! # Ok(()) }
//! ```

pub mod audit_log;
pub mod backup;
pub mod connections;
pub mod crypto;
mod db;
mod error;
pub mod files;
pub mod findings;
mod gaps;
pub mod jobs;
pub mod keys;
pub mod maintenance;
pub mod mfa;
pub mod mutelist;
pub mod organizations;
pub mod rate_limits;
pub mod retention;
pub mod rotation;
pub mod scans;
pub mod schedules;
pub mod scope;
pub mod scores;
pub mod sessions;
pub mod tenants;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

pub use crypto::keyring::{KEYRING_ENV, Keyring, KeyringError, KeyringSource};
pub use db::{Backend, redact_url, sqlite_file};
pub use error::{Result, StoreError};
pub use scope::{JobRunner, TenantId, TenantScope};

use std::time::Duration;

use crypto::keyring::FileFingerprint;
use keys::KeyManager;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// Where a store's database is: [`Store::open`] takes this or a bare URL.
///
/// One URL (`sqlite://PATH`, or `postgres://…` as the schema owner) is
/// enough, and is what the single-user command line uses. On PostgreSQL
/// that role must be a superuser or have BYPASSRLS (maintenance sees every
/// tenant's rows), and tenant transactions then run on its connections
/// after `SET LOCAL ROLE cloudarq_app`: row-level security applies, but
/// code running inside such a transaction could `RESET ROLE` back to the
/// owner. A service serving several tenants adds [`StoreConfig::tenant_url`]:
/// a login role that is a member of `cloudarq_app` and can neither bypass
/// row-level security nor become the owner; tenant transactions then log in
/// as it, and have nothing to switch back to.
///
/// ```
/// use cloudarq_store::StoreConfig;
///
/// let config = StoreConfig::new("postgres://cloudarq_owner@db.internal/cloudarq")
///     .tenant_url("postgres://cloudarq_web@db.internal/cloudarq");
/// assert!(format!("{config:?}").contains("cloudarq_web"));
/// ```
pub struct StoreConfig {
    url: SecretString,
    tenant_url: Option<SecretString>,
    key_limit: i64,
    key_cache_ttl: Duration,
    scan_lease: time::Duration,
}

impl StoreConfig {
    /// The database URL: the schema owner's on PostgreSQL, used for
    /// migrations and maintenance (and tenant work, without a tenant URL).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: SecretString::from(url.into()),
            tenant_url: None,
            key_limit: keys::DEFAULT_KEY_LIMIT,
            key_cache_ttl: keys::DEFAULT_KEY_CACHE_TTL,
            scan_lease: jobs::SCAN_LEASE,
        }
    }

    /// How long a worker's claim of a scan lasts without a progress report
    /// (default [`jobs::SCAN_LEASE`], 5 minutes; 5 seconds to 1 hour): a
    /// crashed worker's scan is claimed again this long after its last
    /// report. Every worker sharing a database should use the same lease.
    pub fn scan_lease(mut self, lease: time::Duration) -> Self {
        self.scan_lease = lease;
        self
    }

    /// PostgreSQL: the URL tenant transactions log in with (see the type's
    /// docs); checked at open.
    pub fn tenant_url(mut self, url: impl Into<String>) -> Self {
        self.tenant_url = Some(SecretString::from(url.into()));
        self
    }

    /// A lower per-key encryption limit (tests, and operators who rotate
    /// more often); at most [`keys::DEFAULT_KEY_LIMIT`].
    pub fn key_limit(mut self, limit: i64) -> Self {
        self.key_limit = limit;
        self
    }

    /// How long an unwrapped data key stays in memory (default
    /// [`keys::DEFAULT_KEY_CACHE_TTL`]; zero caches nothing).
    pub fn key_cache_ttl(mut self, ttl: Duration) -> Self {
        self.key_cache_ttl = ttl;
        self
    }
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &db::redact_url(self.url.expose_secret()))
            .field(
                "tenant_url",
                &self
                    .tenant_url
                    .as_ref()
                    .map(|u| db::redact_url(u.expose_secret())),
            )
            .field("key_limit", &self.key_limit)
            .field("key_cache_ttl", &self.key_cache_ttl)
            .field("scan_lease", &self.scan_lease)
            .finish()
    }
}

impl From<&str> for StoreConfig {
    fn from(url: &str) -> Self {
        Self::new(url)
    }
}

impl From<&String> for StoreConfig {
    fn from(url: &String) -> Self {
        Self::new(url.as_str())
    }
}

impl From<String> for StoreConfig {
    fn from(url: String) -> Self {
        Self::new(url)
    }
}

/// A connected, migrated store.
pub struct Store {
    pub(crate) pool: db::Pool,
    tenant_pool: Option<db::TenantPool>,
    backend: Backend,
    pub(crate) keys: KeyManager,
    url: String,
    raw_url: SecretString,
    pub(crate) scan_lease: time::Duration,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("url", &self.url)
            .field("tenant_pool", &self.tenant_pool.is_some())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// How long a worker's claim lasts without a progress report
    /// ([`StoreConfig::scan_lease`]).
    pub fn scan_lease(&self) -> time::Duration {
        self.scan_lease
    }

    /// Opens (creating if needed) the database of `config` (a
    /// [`StoreConfig`], or a bare `sqlite://PATH` or `postgres://…` URL),
    /// applies pending migrations and checks that every data key's master
    /// key is in `keyring`.
    ///
    /// On PostgreSQL the URL's role must see every row (superuser or
    /// BYPASSRLS): otherwise that check, and every maintenance job, would
    /// pass over rows it cannot see, and open fails with
    /// [`StoreError::MaintenanceRole`] before changing anything. A tenant
    /// URL's role is checked too ([`StoreError::TenantRole`]).
    ///
    /// Returns the store with its [`JobRunner`], the cross-tenant
    /// capability, which no method of the store hands out again: the entry
    /// point that opens the store keeps it or passes it on to trusted code
    /// only (see [`scope`]).
    pub async fn open(
        config: impl Into<StoreConfig>,
        keyring: Keyring,
    ) -> Result<(Self, JobRunner)> {
        let config = config.into();
        let limit = config.key_limit;
        if !(1..=keys::DEFAULT_KEY_LIMIT).contains(&limit) {
            return Err(StoreError::InvalidInput {
                field: "key limit",
                detail: format!("{limit} is outside 1..={}", keys::DEFAULT_KEY_LIMIT),
            });
        }
        let lease = config.scan_lease;
        if !(time::Duration::seconds(5)..=time::Duration::hours(1)).contains(&lease) {
            return Err(StoreError::InvalidInput {
                field: "scan lease",
                detail: format!("{lease} is outside 5 seconds to 1 hour"),
            });
        }
        let url = config.url.expose_secret();
        let (pool, backend) = db::Pool::connect(url).await?;
        let role = pool.check_maintenance_role().await?;
        pool.migrate(url).await?;
        let tenant_pool = match &config.tenant_url {
            Some(t) => Some(db::TenantPool::connect(t.expose_secret(), &pool).await?),
            None => None,
        };
        let store = Self {
            pool,
            tenant_pool,
            backend,
            keys: KeyManager::new(keyring, limit, config.key_cache_ttl),
            url: db::redact_url(url),
            raw_url: config.url,
            scan_lease: lease,
        };
        store.check_master_keys().await?;
        if !config.key_cache_ttl.is_zero() {
            store
                .keys
                .spawn_cache_sweeper(config.key_cache_ttl.min(Duration::from_secs(60)));
        }
        tracing::debug!(
            url = %store.url,
            role = role.as_deref().unwrap_or("-"),
            tenant_pool = store.tenant_pool.is_some(),
            "store opened"
        );
        Ok((store, JobRunner::new()))
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database URL, password removed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Readiness: the database answers and its migrations are current;
    /// an error says which is not.
    pub async fn ready(&self) -> Result<()> {
        if self.pool.migrations_current().await? {
            Ok(())
        } else {
            Err(StoreError::InvalidInput {
                field: "database",
                detail: "migrations are not current".into(),
            })
        }
    }

    /// Closes the pools.
    pub async fn close(&self) {
        if let Some(p) = &self.tenant_pool {
            p.close().await;
        }
        self.pool.close().await;
    }

    /// The URL as given (may hold a password): for `pg_dump` only.
    pub(crate) fn raw_url(&self) -> &secrecy::SecretString {
        &self.raw_url
    }

    /// A transaction bound to one tenant: on the tenant pool when the store
    /// has one, else on the owner's pool as `cloudarq_app` (see [`db`]).
    pub(crate) async fn begin_tenant(&self, tenant: uuid::Uuid) -> Result<db::Tx> {
        match &self.tenant_pool {
            Some(p) => p.begin(tenant).await,
            None => self.pool.begin_tenant(tenant).await,
        }
    }

    /// The maintenance check alone, for an entry point that acts before its
    /// first maintenance transaction (backup creates files): refuses a role
    /// that cannot see every row.
    pub(crate) async fn check_maintenance_role(&self) -> Result<()> {
        self.pool.begin_operator().await?.commit().await
    }

    /// Reloads the keyring file when it changed since this store loaded (or
    /// last saved) it, e.g. after `cloudarq keys add` in another process.
    /// The new keyring must hold every master key a data key depends on, with
    /// the same material; otherwise the reload is refused with the error that
    /// opening would give, and the store keeps its keys. Returns whether it
    /// reloaded. A keyring from the environment never changes.
    pub async fn reload_keyring(&self, _runner: &JobRunner) -> Result<bool> {
        let (path, seen) = {
            let ring = self.keys.ring()?;
            match ring.source() {
                KeyringSource::Env => return Ok(false),
                KeyringSource::File(p) => (p.clone(), ring.fingerprint()),
            }
        };
        let now = FileFingerprint::of_path(&path).ok();
        if now.is_some() && now == seen {
            return Ok(false);
        }
        let new = Keyring::load_file(&path)?;
        let samples = self.data_key_samples().await?;
        verify_master_keys(&new, &samples)?;
        self.keys.replace_ring(new)?;
        tracing::info!(keyring = %path.display(), "keyring reloaded");
        Ok(true)
    }

    /// Checks at open that every master key a data key depends on is in the
    /// keyring and is the key that wrapped it (not another key under the same
    /// id).
    pub(crate) async fn check_master_keys(&self) -> Result<()> {
        let samples = self.data_key_samples().await?;
        let ring = self.keys.ring()?;
        verify_master_keys(&ring, &samples)
    }

    /// Up to 8 data keys per master key: (id, tenant, master id, wrapped).
    async fn data_key_samples(&self) -> Result<Vec<(i64, Uuid, i64, Vec<u8>)>> {
        use error::DbContext;
        let mut tx = self.pool.begin_operator().await?;
        let rows = db::on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, tenant_id, master_key_id, wrapped_key FROM (\
                 SELECT id, tenant_id, master_key_id, wrapped_key, \
                 ROW_NUMBER() OVER (PARTITION BY master_key_id ORDER BY id) AS n FROM tenant_keys) k \
                 WHERE n <= 8 ORDER BY master_key_id, id",
            )
            .fetch_all(&mut *c)
            .await
            .ctx("listing master keys in use")?
        });
        tx.commit().await?;
        Ok(rows)
    }
}

/// Each master key of `samples` must be in `ring` and unwrap at least one of
/// its sampled data keys (one tampered data key does not block the store).
fn verify_master_keys(ring: &Keyring, samples: &[(i64, Uuid, i64, Vec<u8>)]) -> Result<()> {
    let mut i = 0;
    while i < samples.len() {
        let mid_raw = samples[i].2;
        let group: Vec<&(i64, Uuid, i64, Vec<u8>)> =
            samples[i..].iter().take_while(|s| s.2 == mid_raw).collect();
        i += group.len();
        let mid = keys::to_u32(mid_raw, "master_key_id")?;
        let first = keys::to_u32(group[0].0, "tenant_keys.id")?;
        let Some(master) = ring.get(mid) else {
            return Err(StoreError::MasterKeyMissing {
                data_key: first,
                master_key: mid,
            });
        };
        let opens = |(kid, tenant, _, wrapped): &&(i64, Uuid, i64, Vec<u8>)| -> bool {
            keys::to_u32(*kid, "tenant_keys.id")
                .ok()
                .and_then(|kid| keys::unwrap_with(master, mid, *tenant, kid, wrapped).ok())
                .is_some()
        };
        if !group.iter().any(opens) {
            return Err(StoreError::MasterKeyMismatch {
                master_key: mid,
                data_key: first,
            });
        }
    }
    Ok(())
}
