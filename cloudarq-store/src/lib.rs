//! CloudArq's encrypted store of scans, findings and compliance scores:
//! SQLite embedded by default, PostgreSQL for the hosted service (S1–S5).
//!
//! - Every repository function takes a [`TenantScope`] ([`scope`]).
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
//! let store = Store::open("sqlite:///var/lib/cloudarq/cloudarq.db", keyring).await?;
//! let runner = store.job_runner();
//! let tenant = store.create_tenant(&runner, "acme", OffsetDateTime::now_utc()).await?;
//! let scope = runner.scope(tenant);
//! for conn in store.connections(&scope).await? {
//!     println!("{} {:?}", conn.name, conn.account_id);
//! }
//! # Ok(()) }
//! ```

pub mod backup;
pub mod connections;
pub mod crypto;
mod db;
mod error;
pub mod files;
pub mod keys;
pub mod mutelist;
pub mod retention;
pub mod rotation;
pub mod scans;
pub mod scope;
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
use uuid::Uuid;

/// Tunables of [`Store::open_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Encryptions per data key before it must be rotated (at most
    /// [`keys::DEFAULT_KEY_LIMIT`]).
    pub key_limit: i64,
    /// How long an unwrapped data key stays in memory
    /// ([`keys::DEFAULT_KEY_CACHE_TTL`]; zero caches nothing).
    pub key_cache_ttl: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            key_limit: keys::DEFAULT_KEY_LIMIT,
            key_cache_ttl: keys::DEFAULT_KEY_CACHE_TTL,
        }
    }
}

/// A connected, migrated store.
pub struct Store {
    pub(crate) pool: db::Pool,
    backend: Backend,
    pub(crate) keys: KeyManager,
    url: String,
    raw_url: secrecy::SecretString,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH` or
    /// `postgres://…`), applies pending migrations and checks that every data
    /// key's master key is in `keyring`.
    pub async fn open(url: &str, keyring: Keyring) -> Result<Self> {
        Self::open_with(url, keyring, StoreOptions::default()).await
    }

    /// Like [`Store::open`] with a lower per-key encryption limit (tests and
    /// operators who rotate more often).
    pub async fn open_with_key_limit(url: &str, keyring: Keyring, limit: i64) -> Result<Self> {
        let options = StoreOptions {
            key_limit: limit,
            ..StoreOptions::default()
        };
        Self::open_with(url, keyring, options).await
    }

    /// Like [`Store::open`] with the given [`StoreOptions`].
    pub async fn open_with(url: &str, keyring: Keyring, options: StoreOptions) -> Result<Self> {
        let limit = options.key_limit;
        if !(1..=keys::DEFAULT_KEY_LIMIT).contains(&limit) {
            return Err(StoreError::InvalidInput {
                field: "key limit",
                detail: format!("{limit} is outside 1..={}", keys::DEFAULT_KEY_LIMIT),
            });
        }
        let (pool, backend) = db::Pool::connect(url).await?;
        pool.migrate().await?;
        let store = Self {
            pool,
            backend,
            keys: KeyManager::new(keyring, limit, options.key_cache_ttl),
            url: db::redact_url(url),
            raw_url: secrecy::SecretString::from(url.to_string()),
        };
        store.check_master_keys().await?;
        if !options.key_cache_ttl.is_zero() {
            store
                .keys
                .spawn_cache_sweeper(options.key_cache_ttl.min(Duration::from_secs(60)));
        }
        Ok(store)
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database URL, password removed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The job runner's capability (see [`scope`]). Hand it to trusted code only.
    pub fn job_runner(&self) -> JobRunner {
        JobRunner { _private: () }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The URL as given (may hold a password): for `pg_dump` only.
    pub(crate) fn raw_url(&self) -> &secrecy::SecretString {
        &self.raw_url
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
