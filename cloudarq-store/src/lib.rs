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
pub use db::Backend;
pub use error::{Result, StoreError};
pub use scope::{JobRunner, TenantId, TenantScope};

use keys::KeyManager;

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
        Self::open_with_key_limit(url, keyring, keys::DEFAULT_KEY_LIMIT).await
    }

    /// Like [`Store::open`] with a lower per-key encryption limit (tests and
    /// operators who rotate more often).
    pub async fn open_with_key_limit(url: &str, keyring: Keyring, limit: i64) -> Result<Self> {
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
            keys: KeyManager::new(keyring, limit),
            url: db::redact_url(url),
            raw_url: secrecy::SecretString::from(url.to_string()),
        };
        store.check_master_keys().await?;
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
    pub(crate) fn raw_url(&self) -> String {
        use secrecy::ExposeSecret;
        self.raw_url.expose_secret().to_string()
    }

    pub(crate) async fn check_master_keys(&self) -> Result<()> {
        use error::DbContext;
        let mut tx = self.pool.begin_operator().await?;
        let rows: Vec<(i64, i64)> = db::on_tx!(&mut tx, c => {
            sqlx::query_as("SELECT min(id), master_key_id FROM tenant_keys GROUP BY master_key_id")
                .fetch_all(&mut *c)
                .await
                .ctx("listing master keys in use")?
        });
        tx.commit().await?;
        let ring = self.keys.ring()?;
        for (kid, mid) in rows {
            let mid = keys::to_u32(mid, "master_key_id")?;
            if ring.get(mid).is_none() {
                return Err(StoreError::MasterKeyMissing {
                    data_key: keys::to_u32(kid, "tenant_keys.id")?,
                    master_key: mid,
                });
            }
        }
        Ok(())
    }
}
