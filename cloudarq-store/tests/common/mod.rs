//! Shared set-up: a store on each backend, and real scan results.
#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "helpers shared by several test files; tests fail loudly"
)]

use std::path::PathBuf;
use std::sync::OnceLock;

use cloudarq_model::Snapshot;
use cloudarq_model::finding::ScanResult;
use cloudarq_model::{ExternalId, StaticKeys};
use cloudarq_store::connections::{ConnectionId, NewConnection};
use cloudarq_store::crypto::SecretKey;
use cloudarq_store::scans::{ScanId, ScanTimes};
use cloudarq_store::testing::{PgCluster, keyring_with};
use cloudarq_store::{JobRunner, Keyring, Store, TenantScope};
use secrecy::SecretString;
use tempfile::TempDir;
use time::OffsetDateTime;

/// A store plus what keeps its database alive.
pub struct Env {
    pub store: Store,
    /// The job runner `Store::open` returned with the store.
    pub runner: JobRunner,
    /// The master key of the default keyring (id 1), to open the same data
    /// again (restore).
    pub master: Option<SecretKey>,
    pub url: String,
    /// PostgreSQL: the tenant login role's URL, when the store uses one.
    pub tenant_url: Option<String>,
    pub sqlite_file: Option<PathBuf>,
    pub pg: Option<PgCluster>,
    pub dir: TempDir,
}

impl Env {
    pub fn runner(&self) -> &JobRunner {
        &self.runner
    }

    /// The URL of a new, empty database on the same backend (same cluster).
    pub async fn another_db(&self, name: &str) -> String {
        match &self.pg {
            Some(pg) => pg.create_db(name).await.unwrap(),
            None => format!(
                "sqlite://{}",
                self.dir.path().join(format!("{name}.db")).display()
            ),
        }
    }

    /// Opens a second store on the same database with another keyring.
    pub async fn reopen(
        &self,
        keyring: Keyring,
    ) -> Result<(Store, JobRunner), cloudarq_store::StoreError> {
        Store::open(&self.url, keyring).await
    }

    /// Another copy of the default keyring.
    pub fn reopen_keyring(&self) -> Keyring {
        keyring_with(&[(1, self.master.clone().expect("the default keyring"))], 1)
    }
}

pub async fn sqlite_env_with(keyring: Keyring) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cloudarq.db");
    let url = format!("sqlite://{}", file.display());
    let (store, runner) = Store::open(&url, keyring).await.unwrap();
    Env {
        store,
        runner,
        master: None,
        url,
        tenant_url: None,
        sqlite_file: Some(file),
        pg: None,
        dir,
    }
}

pub async fn pg_env_with(keyring: Keyring) -> Env {
    let pg = PgCluster::start().unwrap();
    let url = pg.create_db("cloudarq").await.unwrap();
    let (store, runner) = Store::open(&url, keyring).await.unwrap();
    Env {
        store,
        runner,
        master: None,
        url,
        tenant_url: None,
        sqlite_file: None,
        pg: Some(pg),
        dir: tempfile::tempdir().unwrap(),
    }
}

/// The login role of tenant transactions in [`pg_env_with_tenant_role`].
pub const TENANT_ROLE: &str = "cloudarq_tenant";

/// PostgreSQL as a multi-tenant service runs it: migrations and maintenance
/// as the owner (here the superuser), tenant transactions logged in as a
/// member of `cloudarq_app`.
pub async fn pg_env_with_tenant_role() -> Env {
    let pg = PgCluster::start().unwrap();
    let url = pg.create_db("cloudarq").await.unwrap();
    // The first open creates cloudarq_app, of which the tenant role is a member.
    let key = cloudarq_store::crypto::SecretKey::generate().unwrap();
    let keyring = || cloudarq_store::testing::keyring_with(&[(1, key.clone())], 1);
    Store::open(&url, keyring()).await.unwrap().0.close().await;
    pg.create_tenant_role(TENANT_ROLE).unwrap();
    let tenant_url = pg.url_as(TENANT_ROLE, "cloudarq");
    let (store, runner) = Store::open(
        cloudarq_store::StoreConfig::new(&url).tenant_url(&tenant_url),
        keyring(),
    )
    .await
    .unwrap();
    Env {
        store,
        runner,
        master: Some(key),
        url,
        tenant_url: Some(tenant_url),
        sqlite_file: None,
        pg: Some(pg),
        dir: tempfile::tempdir().unwrap(),
    }
}

pub async fn sqlite_env() -> Env {
    let k = SecretKey::generate().unwrap();
    let mut env = sqlite_env_with(keyring_with(&[(1, k.clone())], 1)).await;
    env.master = Some(k);
    env
}

pub async fn pg_env() -> Env {
    let k = SecretKey::generate().unwrap();
    let mut env = pg_env_with(keyring_with(&[(1, k.clone())], 1)).await;
    env.master = Some(k);
    env
}

/// Runs one async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::sqlite_env().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::pg_env().await).await;
            }
        }
    };
}

pub fn t(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_790_000_000 + secs).unwrap()
}

/// The demo account's real evaluation (every built-in rule and framework).
pub fn demo_result() -> ScanResult {
    static R: OnceLock<ScanResult> = OnceLock::new();
    R.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/demo-snapshot.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let snap = Snapshot::from_json(&text, path).unwrap();
        cloudarq_core::engine::Engine::new(cloudarq_rules::all())
            .with_frameworks(cloudarq_rules::frameworks::frameworks().unwrap())
            .evaluate(&snap)
    })
    .clone()
}

/// A result with `n` findings: the demo's, repeated over distinct ARNs.
pub fn big_result(n: usize) -> ScanResult {
    let mut r = demo_result();
    let base = r.findings.clone();
    r.findings = (0..n)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            f.resource_arn = format!("arn:aws:s3:::bench-bucket-{i:06}").parse().unwrap();
            f.message = format!("{} (copy {i})", f.message);
            f
        })
        .collect();
    r
}

pub async fn tenant(env: &Env, name: &str) -> TenantScope {
    let runner = env.runner();
    let id = env.store.create_tenant(runner, name, t(0)).await.unwrap();
    runner.scope(id)
}

pub const SENTINEL_AKID: &str = "AKIASENTINEL0000KEY1";
pub const SENTINEL_SECRET: &str = "SENTINEL/secret+access/KEY0000000000000";
pub const SENTINEL_EXT: &str = "SENTINEL-external-id-42";
pub const SENTINEL_TOTP: &str = "SENTINELTOTPSEEDJBSWY3DPEHPK3PXP";

/// A valid External ID (the tests' values are).
pub fn ext(s: &str) -> ExternalId {
    ExternalId::new(s.to_owned()).unwrap()
}

pub async fn connection(env: &Env, scope: &TenantScope, name: &str) -> ConnectionId {
    env.store
        .create_connection(
            scope,
            NewConnection {
                name: name.into(),
                account_id: Some("123456789012".parse().unwrap()),
                role_arn: Some(
                    "arn:aws:iam::123456789012:role/CloudArqReadOnly"
                        .parse()
                        .unwrap(),
                ),
                external_id: Some(ext(SENTINEL_EXT)),
                static_keys: Some(StaticKeys::new(
                    SecretString::from(SENTINEL_AKID),
                    SecretString::from(SENTINEL_SECRET),
                )),
            },
            t(1),
        )
        .await
        .unwrap()
}

pub async fn record(
    env: &Env,
    scope: &TenantScope,
    conn: ConnectionId,
    r: &ScanResult,
    at: i64,
) -> ScanId {
    env.store
        .record_scan(
            scope,
            conn,
            r,
            ScanTimes {
                started_at: t(at),
                finished_at: t(at + 5),
            },
        )
        .await
        .unwrap()
}

/// Runs a statement with binds on the raw connection; the rows affected.
#[macro_export]
macro_rules! raw_exec {
    ($raw:expr, $sql:literal $(, $b:expr)*) => {
        match &mut $raw {
            $crate::common::Raw::Sqlite(c) => sqlx::query($sql)$(.bind($b))*.execute(&mut *c).await.map(|r| r.rows_affected()),
            $crate::common::Raw::Pg(c) => sqlx::query($sql)$(.bind($b))*.execute(&mut *c).await.map(|r| r.rows_affected()),
        }
    };
}

/// Reads rows of type `$t` with binds on the raw connection.
#[macro_export]
macro_rules! raw_rows {
    ($raw:expr, $t:ty, $sql:literal $(, $b:expr)*) => {
        match &mut $raw {
            $crate::common::Raw::Sqlite(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_all(&mut *c).await.unwrap(),
            $crate::common::Raw::Pg(c) => sqlx::query_as::<_, $t>($sql)$(.bind($b))*.fetch_all(&mut *c).await.unwrap(),
        }
    };
}

/// Runs SQL on the test database outside the store (for tampering and
/// catalog checks). PostgreSQL as the superuser; SQLite on the file.
pub enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

pub async fn raw(env: &Env) -> Raw {
    raw_for(&env.url).await
}

pub async fn raw_for(url: &str) -> Raw {
    use sqlx::Connection;
    if url.starts_with("sqlite:") {
        Raw::Sqlite(sqlx::SqliteConnection::connect(url).await.unwrap())
    } else {
        Raw::Pg(sqlx::PgConnection::connect(url).await.unwrap())
    }
}
