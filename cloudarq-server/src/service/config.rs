//! `cloudarq serve` configuration: a TOML file, then `CLOUDARQ_*` environment
//! variables over it. Secrets (the database URL, which may carry a password,
//! and the token signing keys) come from files or the environment only; a
//! secret written in the TOML file itself is refused, and no secret is ever
//! printed (the `Debug` of [`ServiceConfig`] redacts the URLs).
//!
//! ```
//! use cloudarq_server::service::config::ServiceConfig;
//!
//! let toml = r#"
//! listen = "127.0.0.1:8443"
//! issuer = "https://cloudarq.example.com"
//! behind_proxy = true
//! trusted_proxies = ["10.0.0.1"]
//! database_url_file = "/run/secrets/db-url"
//! signing_keys_file = "/var/lib/cloudarq/signing-keys.toml"
//! keyring_file = "/var/lib/cloudarq/keyring.toml"
//! "#;
//! // The environment wins over the file: the secret file is not read here.
//! let env = |k: &str| (k == "CLOUDARQ_DATABASE_URL").then(|| "sqlite:///tmp/x.db".to_owned());
//! let config = ServiceConfig::from_toml_and_env(toml, env).unwrap();
//! assert_eq!(config.access_token_minutes, 10);
//! ```

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use cloudarq_store::rate_limits::Quota;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// What is wrong with a configuration; names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or names an unknown setting.
    #[error("the configuration is not valid: {0}")]
    Parse(String),
    /// A setting has a bad value.
    #[error("setting {setting}: {detail}")]
    Invalid {
        /// The setting (`listen`, `CLOUDARQ_LISTEN`, …).
        setting: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A secret file could not be read.
    #[error("cannot read the secret file {path} ({setting}): {source}")]
    SecretFile {
        /// The setting naming the file.
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The file's settings, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    access_token_minutes: Option<u32>,
    session_hours: Option<u32>,
    session_idle_minutes: Option<u32>,
    behind_proxy: Option<bool>,
    trusted_proxies: Option<Vec<String>>,
    cors_origins: Option<Vec<String>>,
    tls_cert_file: Option<PathBuf>,
    tls_key_file: Option<PathBuf>,
    database_url_file: Option<PathBuf>,
    tenant_database_url_file: Option<PathBuf>,
    signing_keys_file: Option<PathBuf>,
    keyring_file: Option<PathBuf>,
    security_contact: Option<String>,
    security_policy_url: Option<String>,
    rate_limits: Option<LimitsFile>,
    connections: Option<ConnectionsFile>,
    worker: Option<WorkerFile>,
    metrics_token_file: Option<PathBuf>,
    /// Refused with a pointer to `database_url_file`: secrets stay out of
    /// the configuration file.
    database_url: Option<toml::Value>,
    /// Refused likewise.
    tenant_database_url: Option<toml::Value>,
}

/// `[rate_limits]`: each entry `[burst, interval_seconds]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    sign_in_per_address: Option<(u32, u32)>,
    sign_in_per_account_and_address: Option<(u32, u32)>,
    sign_in_per_account: Option<(u32, u32)>,
    refresh_per_address: Option<(u32, u32)>,
    second_factor_per_user: Option<(u32, u32)>,
    connection_test_per_connection: Option<(u32, u32)>,
}

/// `[connections]`, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectionsFile {
    principal_arn: Option<String>,
    template_url: Option<String>,
    role_name: Option<String>,
    aws_endpoint_url: Option<String>,
}

/// `[worker]`, as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkerFile {
    concurrency: Option<u32>,
    poll_seconds: Option<u32>,
    lease_seconds: Option<u32>,
    shutdown_grace_seconds: Option<u32>,
    regions: Option<Vec<String>>,
    maintenance: Option<bool>,
    backup_dir: Option<PathBuf>,
    backup_keep: Option<u32>,
}

/// How `cloudarq worker` runs scans (`[worker]`; the service itself ignores
/// it, so one file configures both).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Scans at once per worker, 1–16 (default 2).
    pub concurrency: u32,
    /// Seconds between claims when nothing is queued, 1–60 (default 5).
    pub poll_seconds: u32,
    /// A claim's lease in seconds, 5–3600 (default 300): a crashed worker's
    /// scan is taken over this long after its last heartbeat. Every worker
    /// of a database uses the same.
    pub lease_seconds: u32,
    /// Seconds running scans may go on after SIGTERM before they are given
    /// back to the queue, 0–3600 (default 60).
    pub shutdown_grace_seconds: u32,
    /// Regions to collect; empty for every region enabled in the account.
    pub regions: Vec<cloudarq_model::Region>,
    /// Queue and run the daily purge (and backup) and requested key
    /// rotations (default true).
    pub maintenance: bool,
    /// Where the daily backup goes (absent: no backup job). On PostgreSQL
    /// the worker's machine needs `pg_dump`.
    pub backup_dir: Option<PathBuf>,
    /// Keep at most this many backups, 1–1000, on top of the age limits
    /// (absent: the age limits only).
    pub backup_keep: Option<u32>,
}

impl WorkerConfig {
    fn from_file(f: Option<WorkerFile>) -> Result<Self, ConfigError> {
        let f = f.unwrap_or_default();
        let regions = f
            .regions
            .unwrap_or_default()
            .iter()
            .map(|r| {
                r.parse()
                    .map_err(|_| invalid("worker.regions", format!("{r:?} is not an AWS region")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            concurrency: bounded("worker.concurrency", f.concurrency, 2, 1, 16)?,
            poll_seconds: bounded("worker.poll_seconds", f.poll_seconds, 5, 1, 60)?,
            lease_seconds: bounded("worker.lease_seconds", f.lease_seconds, 300, 5, 3600)?,
            shutdown_grace_seconds: bounded(
                "worker.shutdown_grace_seconds",
                f.shutdown_grace_seconds,
                60,
                0,
                3600,
            )?,
            regions,
            maintenance: f.maintenance.unwrap_or(true),
            backup_dir: f.backup_dir,
            backup_keep: match f.backup_keep {
                None => None,
                Some(n) => Some(bounded("worker.backup_keep", Some(n), 7, 1, 1000)?),
            },
        })
    }
}

/// How customers connect their AWS accounts (`[connections]`): what the
/// service tells them to deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionSetup {
    /// The AWS principal the service (its workers) assumes customer roles
    /// from: an IAM role, user or account root ARN. Until it is set, new
    /// connections are refused (their role could not name who may assume it).
    pub principal_arn: Option<String>,
    /// Where the operator publishes `cloudformation/cloudarq-readonly-role.yaml`
    /// (an `https://` S3 URL, as CloudFormation's quick-create link requires);
    /// without it, no quick-create link is offered.
    pub template_url: Option<String>,
    /// The role name customers create (default `CloudArqAudit`, the
    /// template's default).
    pub role_name: String,
    /// An AWS endpoint to use instead of AWS's own (an emulator such as moto
    /// for tests; unset in production).
    pub aws_endpoint_url: Option<String>,
}

/// Whether `arn` is an IAM principal the template's `CloudArqPrincipalArn`
/// accepts: `arn:<aws partition>:iam::<12 digits>:root|role/…|user/…`.
fn principal_arn_ok(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 512
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_/-".contains(c))
    };
    *prefix == "arn"
        && partition.starts_with("aws")
        && partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
        && *service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (*resource == "root"
            || resource.strip_prefix("role/").is_some_and(name_ok)
            || resource.strip_prefix("user/").is_some_and(name_ok))
}

impl ConnectionSetup {
    fn from_file(
        f: Option<ConnectionsFile>,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let f = f.unwrap_or_default();
        let principal_arn = env("CLOUDARQ_PRINCIPAL_ARN").or(f.principal_arn);
        if let Some(p) = &principal_arn
            && !principal_arn_ok(p)
        {
            return Err(invalid(
                "connections.principal_arn",
                format!("{p:?} is not an IAM role, user or root ARN"),
            ));
        }
        let template_url = env("CLOUDARQ_TEMPLATE_URL").or(f.template_url);
        if let Some(u) = &template_url
            && (!u.starts_with("https://")
                || u.len() > 1024
                || u.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(invalid(
                "connections.template_url",
                format!("{u:?} is not an https:// URL of at most 1024 characters"),
            ));
        }
        let role_name = f.role_name.unwrap_or_else(|| "CloudArqAudit".into());
        if !cloudarq_model::credentials::is_role_name(&role_name) {
            return Err(invalid(
                "connections.role_name",
                format!("{role_name:?} is not an IAM role name (1-64 of A-Za-z0-9+=,.@_-)"),
            ));
        }
        let aws_endpoint_url = env("CLOUDARQ_AWS_ENDPOINT_URL").or(f.aws_endpoint_url);
        if let Some(u) = &aws_endpoint_url
            && (!(u.starts_with("https://") || u.starts_with("http://"))
                || u.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(invalid(
                "connections.aws_endpoint_url",
                format!("{u:?} is not an http(s) URL"),
            ));
        }
        Ok(Self {
            principal_arn,
            template_url,
            role_name,
            aws_endpoint_url,
        })
    }
}

/// Rate limits of the service (V6), shared by every instance through the
/// database. A sign-in counts against its address, its account from that
/// address, and its account from anywhere; a successful one clears both
/// account counts. An attacker guessing one account from one address is
/// slowed to one try per `sign_in_per_account_and_address` interval; the
/// account's owner, from another address, only meets the looser
/// account-wide limit, which recovers within its interval: no one is
/// locked out for good.
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    /// Sign-ins per client address (default 10 at once, then 1 per 6 s).
    pub sign_in_per_address: Quota,
    /// Sign-ins per account and address (default 5, then 1 per 60 s).
    pub sign_in_per_account_and_address: Quota,
    /// Sign-ins per account from any address (default 20, then 1 per 15 s).
    pub sign_in_per_account: Quota,
    /// Refreshes per client address (default 30, then 1 per 2 s).
    pub refresh_per_address: Quota,
    /// Second-factor attempts (TOTP or backup code, sign-in or enrolment)
    /// per user (default 5, then 1 per 30 s: a 6-digit code cannot be
    /// brute-forced in its window).
    pub second_factor_per_user: Quota,
    /// Connection tests (each an STS call from the service's principal) per
    /// connection (default 5, then 1 per 60 s).
    pub connection_test_per_connection: Quota,
}

fn quota(
    setting: &'static str,
    v: Option<(u32, u32)>,
    default: (u32, u32),
) -> Result<Quota, ConfigError> {
    let (burst, secs) = v.unwrap_or(default);
    Quota::new(burst, time::Duration::seconds(i64::from(secs))).map_err(|_| {
        invalid(
            setting,
            format!("[{burst}, {secs}]: burst 1..=10000 and 1..=86400 seconds"),
        )
    })
}

impl RateLimits {
    fn from_file(f: Option<LimitsFile>) -> Result<Self, ConfigError> {
        let f = f.unwrap_or_default();
        Ok(Self {
            sign_in_per_address: quota(
                "rate_limits.sign_in_per_address",
                f.sign_in_per_address,
                (10, 6),
            )?,
            sign_in_per_account_and_address: quota(
                "rate_limits.sign_in_per_account_and_address",
                f.sign_in_per_account_and_address,
                (5, 60),
            )?,
            sign_in_per_account: quota(
                "rate_limits.sign_in_per_account",
                f.sign_in_per_account,
                (20, 15),
            )?,
            refresh_per_address: quota(
                "rate_limits.refresh_per_address",
                f.refresh_per_address,
                (30, 2),
            )?,
            second_factor_per_user: quota(
                "rate_limits.second_factor_per_user",
                f.second_factor_per_user,
                (5, 30),
            )?,
            connection_test_per_connection: quota(
                "rate_limits.connection_test_per_connection",
                f.connection_test_per_connection,
                (5, 60),
            )?,
        })
    }
}

/// The service's configuration, checked.
pub struct ServiceConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The tokens' `iss`, and the public base URL (security.txt's Canonical).
    pub issuer: String,
    /// The tokens' `aud`.
    pub audience: String,
    /// Access-token lifetime, 1–15 minutes (default 10).
    pub access_token_minutes: u32,
    /// A session's absolute lifetime, 1–24 hours (default 24).
    pub session_hours: u32,
    /// A session's idle limit between refreshes, 5–60 minutes (default 60).
    pub session_idle_minutes: u32,
    /// Plain HTTP behind a TLS-terminating proxy (explicit; otherwise TLS).
    pub behind_proxy: bool,
    /// The proxies whose `X-Forwarded-For` is believed (only with
    /// `behind_proxy`).
    pub trusted_proxies: Vec<IpAddr>,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
    /// TLS certificate chain (PEM), unless `behind_proxy`.
    pub tls_cert_file: Option<PathBuf>,
    /// TLS private key (PEM), unless `behind_proxy`.
    pub tls_key_file: Option<PathBuf>,
    /// The store's URL (a secret: may carry a password).
    pub database_url: SecretString,
    /// PostgreSQL: the tenant login role's URL (see `StoreConfig::tenant_url`).
    pub tenant_database_url: Option<SecretString>,
    /// The token signing keys (`cloudarq serve keygen` writes it).
    pub signing_keys_file: PathBuf,
    /// The store's keyring file, unless `CLOUDARQ_KEYRING` holds it.
    pub keyring_file: Option<PathBuf>,
    /// security.txt `Contact` (a `mailto:` or `https:` URI).
    pub security_contact: String,
    /// security.txt `Policy`.
    pub security_policy_url: Option<String>,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// How customers connect their accounts.
    pub connections: ConnectionSetup,
    /// How workers run scans.
    pub worker: WorkerConfig,
    /// The scrape token of `GET /metrics` (off when `None`).
    pub metrics_token: Option<SecretString>,
}

impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("listen", &self.listen)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_token_minutes", &self.access_token_minutes)
            .field("behind_proxy", &self.behind_proxy)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cors_origins", &self.cors_origins)
            .field(
                "database_url",
                &cloudarq_store::redact_url(self.database_url.expose_secret()),
            )
            .field("signing_keys_file", &self.signing_keys_file)
            .finish_non_exhaustive()
    }
}

fn invalid(setting: &'static str, detail: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        detail: detail.into(),
    }
}

fn read_secret(setting: &'static str, path: &Path) -> Result<SecretString, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
        setting,
        path: path.to_path_buf(),
        source,
    })?;
    let value = text.trim();
    if value.is_empty() {
        return Err(invalid(setting, format!("{} is empty", path.display())));
    }
    Ok(SecretString::from(value.to_owned()))
}

fn bounded(
    setting: &'static str,
    v: Option<u32>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    let v = v.unwrap_or(default);
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(setting, format!("{v} is outside {min}..={max}")))
    }
}

impl ServiceConfig {
    /// Reads `path`, then the environment (see [`Self::from_toml_and_env`]).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_and_env(&text, |k| std::env::var(k).ok())
    }

    /// Parses `toml`, then applies `CLOUDARQ_*` variables read through `env`:
    /// `CLOUDARQ_LISTEN`, `CLOUDARQ_ISSUER`, `CLOUDARQ_BEHIND_PROXY`,
    /// `CLOUDARQ_DATABASE_URL` (or `…_FILE`), `CLOUDARQ_TENANT_DATABASE_URL`
    /// (or `…_FILE`), `CLOUDARQ_SIGNING_KEYS_FILE`, `CLOUDARQ_KEYRING_FILE`,
    /// `CLOUDARQ_PRINCIPAL_ARN`, `CLOUDARQ_TEMPLATE_URL`,
    /// `CLOUDARQ_METRICS_TOKEN` (or `…_FILE`).
    pub fn from_toml_and_env(
        toml_text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file: FileConfig =
            toml::from_str(toml_text).map_err(|e| ConfigError::Parse(e.message().to_owned()))?;
        if file.database_url.is_some() || file.tenant_database_url.is_some() {
            return Err(invalid(
                "database_url",
                "secrets are not read from the configuration file: use database_url_file, or CLOUDARQ_DATABASE_URL",
            ));
        }
        let listen_text = env("CLOUDARQ_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8443".into());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|_| invalid("listen", format!("{listen_text:?} is not an address:port")))?;
        let issuer = env("CLOUDARQ_ISSUER").or(file.issuer).ok_or_else(|| {
            invalid(
                "issuer",
                "required: the service's public base URL, e.g. https://cloudarq.example.com",
            )
        })?;
        if !(issuer.starts_with("https://")
            || issuer.starts_with("http://127.0.0.1")
            || issuer.starts_with("http://localhost"))
            || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid(
                "issuer",
                format!("{issuer:?} is not an https:// URL"),
            ));
        }
        let issuer = issuer.trim_end_matches('/').to_owned();
        let audience = file.audience.unwrap_or_else(|| format!("{issuer}/api"));
        let behind_proxy = match env("CLOUDARQ_BEHIND_PROXY") {
            Some(v) => match v.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(invalid(
                        "CLOUDARQ_BEHIND_PROXY",
                        format!("{v:?} is not true or false"),
                    ));
                }
            },
            None => file.behind_proxy.unwrap_or(false),
        };
        let trusted_proxies = file
            .trusted_proxies
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p.parse()
                    .map_err(|_| invalid("trusted_proxies", format!("{p:?} is not an IP address")))
            })
            .collect::<Result<Vec<IpAddr>, _>>()?;
        if !behind_proxy && !trusted_proxies.is_empty() {
            return Err(invalid(
                "trusted_proxies",
                "only meaningful with behind_proxy = true",
            ));
        }
        if !behind_proxy && (file.tls_cert_file.is_none() || file.tls_key_file.is_none()) {
            return Err(invalid(
                "tls_cert_file",
                "the service speaks TLS: set tls_cert_file and tls_key_file, or behind_proxy = true when a proxy terminates TLS",
            ));
        }
        let cors_origins = file.cors_origins.unwrap_or_default();
        for o in &cors_origins {
            if !o.starts_with("https://") || o.ends_with('/') || o.contains('*') {
                return Err(invalid(
                    "cors_origins",
                    format!("{o:?} is not an https origin (scheme://host[:port], no wildcard)"),
                ));
            }
        }
        let database_url = match (
            env("CLOUDARQ_DATABASE_URL"),
            env("CLOUDARQ_DATABASE_URL_FILE")
                .map(PathBuf::from)
                .or(file.database_url_file),
        ) {
            (Some(u), _) => SecretString::from(u),
            (None, Some(p)) => read_secret("database_url_file", &p)?,
            (None, None) => {
                return Err(invalid(
                    "database_url_file",
                    "required (or CLOUDARQ_DATABASE_URL)",
                ));
            }
        };
        let tenant_database_url = match (
            env("CLOUDARQ_TENANT_DATABASE_URL"),
            env("CLOUDARQ_TENANT_DATABASE_URL_FILE")
                .map(PathBuf::from)
                .or(file.tenant_database_url_file),
        ) {
            (Some(u), _) => Some(SecretString::from(u)),
            (None, Some(p)) => Some(read_secret("tenant_database_url_file", &p)?),
            (None, None) => None,
        };
        let signing_keys_file = env("CLOUDARQ_SIGNING_KEYS_FILE")
            .map(PathBuf::from)
            .or(file.signing_keys_file)
            .ok_or_else(|| {
                invalid(
                    "signing_keys_file",
                    "required: `cloudarq serve keygen --keys FILE` writes one",
                )
            })?;
        let keyring_file = env("CLOUDARQ_KEYRING_FILE")
            .map(PathBuf::from)
            .or(file.keyring_file);
        let metrics_token = match (
            env("CLOUDARQ_METRICS_TOKEN"),
            env("CLOUDARQ_METRICS_TOKEN_FILE")
                .map(PathBuf::from)
                .or(file.metrics_token_file),
        ) {
            (Some(t), _) => Some(SecretString::from(t)),
            (None, Some(p)) => Some(read_secret("metrics_token_file", &p)?),
            (None, None) => None,
        };
        if let Some(t) = &metrics_token
            && (t.expose_secret().trim().len() < 32
                || t.expose_secret()
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(invalid(
                "metrics_token_file",
                "the scrape token must be at least 32 characters, without spaces",
            ));
        }
        let security_contact = file
            .security_contact
            .unwrap_or_else(|| "mailto:security@cloudarq.dev".into());
        if !(security_contact.starts_with("mailto:") || security_contact.starts_with("https://"))
            || security_contact
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid("security_contact", "a mailto: or https:// URI"));
        }
        if let Some(p) = &file.security_policy_url
            && (!p.starts_with("https://")
                || p.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(invalid("security_policy_url", "an https:// URL"));
        }
        Ok(Self {
            listen,
            issuer,
            audience,
            access_token_minutes: bounded(
                "access_token_minutes",
                file.access_token_minutes,
                10,
                1,
                15,
            )?,
            session_hours: bounded("session_hours", file.session_hours, 24, 1, 24)?,
            session_idle_minutes: bounded(
                "session_idle_minutes",
                file.session_idle_minutes,
                60,
                5,
                60,
            )?,
            behind_proxy,
            trusted_proxies,
            cors_origins,
            tls_cert_file: file.tls_cert_file,
            tls_key_file: file.tls_key_file,
            database_url,
            tenant_database_url,
            signing_keys_file,
            keyring_file,
            security_contact,
            security_policy_url: file.security_policy_url,
            rate_limits: RateLimits::from_file(file.rate_limits)?,
            connections: ConnectionSetup::from_file(file.connections, &env)?,
            worker: WorkerConfig::from_file(file.worker)?,
            metrics_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
        issuer = "https://cloudarq.example.com"
        behind_proxy = true
        signing_keys_file = "/k"
    "#;

    fn env_with<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn connection_settings_are_checked_and_named() {
        let env = [("CLOUDARQ_DATABASE_URL", "sqlite://x.db")];
        let with = |extra: &str| {
            ServiceConfig::from_toml_and_env(
                &format!("{BASE}\n[connections]\n{extra}"),
                env_with(&env),
            )
        };
        let ok = with(
            "principal_arn = \"arn:aws-us-gov:iam::111122223333:role/path/scanner\"\ntemplate_url = \"https://b.s3.amazonaws.com/t.yaml\"",
        )
        .unwrap();
        assert_eq!(ok.connections.role_name, "CloudArqAudit");
        assert!(ok.connections.principal_arn.is_some());
        for root in [
            "arn:aws:iam::111122223333:root",
            "arn:aws-cn:iam::111122223333:user/u",
        ] {
            assert!(with(&format!("principal_arn = {root:?}")).is_ok(), "{root}");
        }
        for (bad, field) in [
            (
                "principal_arn = \"arn:aws:iam::1111:root\"",
                "principal_arn",
            ),
            (
                "principal_arn = \"arn:aws:sts::111122223333:assumed-role/x/y\"",
                "principal_arn",
            ),
            (
                "principal_arn = \"arn:aws:iam::111122223333:group/g\"",
                "principal_arn",
            ),
            (
                "principal_arn = \"arn:aws:iam::111122223333:role/a b\"",
                "principal_arn",
            ),
            ("template_url = \"http://b/t.yaml\"", "template_url"),
            ("template_url = \"https://b/t.yaml\\n\"", "template_url"),
            ("role_name = \"a/b\"", "role_name"),
            ("role_name = \"\"", "role_name"),
            ("unknown = 1", "unknown"),
        ] {
            let err = with(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(field), "{bad}: {err:?}");
        }
        let none = ServiceConfig::from_toml_and_env(BASE, env_with(&env)).unwrap();
        assert_eq!(none.connections.principal_arn, None);
        assert_eq!(none.connections.template_url, None);
    }

    #[test]
    fn a_secret_in_the_file_is_refused_and_never_echoed() {
        let text = format!("{BASE}\ndatabase_url = \"postgres://u:sentinel-pw@db/x\"");
        let err = ServiceConfig::from_toml_and_env(&text, |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("database_url_file"), "{err}");
        assert!(!err.contains("sentinel-pw"), "{err}");
    }

    #[test]
    fn the_environment_overrides_the_file_and_debug_redacts_the_password() {
        let env = [
            ("CLOUDARQ_DATABASE_URL", "postgres://u:sentinel-pw@db/x"),
            ("CLOUDARQ_LISTEN", "127.0.0.1:9000"),
        ];
        let c = ServiceConfig::from_toml_and_env(
            &format!("{BASE}\nlisten = \"0.0.0.0:1\""),
            env_with(&env),
        )
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000".parse().unwrap());
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("sentinel-pw"), "{dbg}");
    }

    #[test]
    fn bad_values_name_their_setting() {
        let env = [("CLOUDARQ_DATABASE_URL", "sqlite://x.db")];
        for (extra, setting) in [
            ("access_token_minutes = 60", "access_token_minutes"),
            ("listen = \"nowhere\"", "listen"),
            ("trusted_proxies = [\"not-an-ip\"]", "trusted_proxies"),
            ("cors_origins = [\"*\"]", "cors_origins"),
            ("unknown_key = 1", "unknown_key"),
        ] {
            let err = ServiceConfig::from_toml_and_env(&format!("{BASE}\n{extra}"), env_with(&env))
                .unwrap_err()
                .to_string();
            assert!(err.contains(setting), "{extra}: {err}");
        }
        let no_tls = "issuer = \"https://x.example\"\nsigning_keys_file = \"/k\"";
        let err = ServiceConfig::from_toml_and_env(no_tls, env_with(&env))
            .unwrap_err()
            .to_string();
        assert!(err.contains("behind_proxy"), "{err}");
    }
}
