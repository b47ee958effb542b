//! The hosted service (issue 11): a multi-tenant HTTPS API over the store.
//!
//! - [`app`] builds the router from [`routes::all`], whose handlers carry
//!   their OpenAPI description, so `/openapi.json` and the router list the
//!   same routes; [`rbac::PERMISSIONS`] says who may call each.
//! - Every response gets the security headers of [`headers`]; every error is
//!   a problem document ([`error::ApiError`]).
//! - Handlers get a tenant scope only from [`auth::Identity`], i.e. from a
//!   verified access token and a live session; [`auth::Authority`] keeps the
//!   cross-tenant capability private.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use cloudarq_server::service::{AppState, app, config::ServiceConfig};
//! let config = ServiceConfig::load(std::path::Path::new("cloudarq.toml"))?;
//! let state = AppState::open(&config).await?;
//! let router = app(state);
//! # let _ = router; Ok(()) }
//! ```

pub mod auth;
pub mod config;
pub mod cookies;
pub mod error;
pub mod headers;
pub mod metrics;
pub mod password;
pub mod rbac;
pub mod routes;
pub mod tls;
pub mod tokens;
pub mod totp;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use cloudarq_store::sessions::SessionLimits;
use cloudarq_store::{Keyring, Store, StoreConfig};
use secrecy::ExposeSecret;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;

use self::auth::Authority;
use self::config::ServiceConfig;
use self::error::ApiError;
use self::password::Passwords;
use self::tokens::Tokens;

/// The largest request body (JSON) accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// The longest a request may take before it is answered 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The document's fixed parts; the paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "CloudArq API", description = "The hosted CloudArq service: sign in, manage users and connections, read scans and findings, request scans."),
    modifiers(&BearerScheme),
    // Enums named only by query parameters (utoipa registers body schemas itself).
    components(schemas(
        routes::findings::SeverityParam,
        routes::findings::StatusParam,
        routes::reports::FrameworkParam,
    )),
    tags(
        (name = "meta", description = "Health and security contact"),
        (name = "session", description = "Sign-in, refresh, sign-out"),
        (name = "connections", description = "AWS accounts connected to the tenant"),
        (name = "tenants", description = "Tenants (operators)"),
        (name = "settings", description = "The tenant's settings"),
        (name = "users", description = "The tenant's users and invitations"),
        (name = "scans", description = "Scans"),
        (name = "findings", description = "Findings"),
        (name = "mutelist", description = "Accepted risks"),
        (name = "schedules", description = "Scans queued on a schedule: an interval, or cron in a time zone"),
        (name = "reports", description = "Reports, changes between scans, score trends"),
        (name = "audit", description = "The tenant's audit log"),
    )
)]
struct ApiDoc;

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

struct Inner {
    store: Store,
    authority: Authority,
    tokens: Tokens,
    passwords: Passwords,
    limits: SessionLimits,
    issuer: String,
    behind_proxy: bool,
    trusted_proxies: Vec<IpAddr>,
    cors_origins: Vec<String>,
    security_contact: String,
    security_policy: Option<String>,
    rate_limits: config::RateLimits,
    connections: config::ConnectionSetup,
    metrics: metrics::Metrics,
    aws_base: AwsBase,
    clock: Clock,
}

/// The credentials the service assumes customer roles with (its own
/// principal's): the SDK's default chain unless a test sets others.
pub type AwsBase = Arc<dyn Fn() -> cloudarq_core::CredentialSource + Send + Sync>;

/// Where the service reads the time for second-factor codes (the system
/// clock; tests step it to reach the next TOTP step without waiting).
pub type Clock = Arc<dyn Fn() -> time::OffsetDateTime + Send + Sync>;

/// The service's shared state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("issuer", &self.0.issuer)
            .finish_non_exhaustive()
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store would not open.
    #[error("store: {0}")]
    Store(#[from] cloudarq_store::StoreError),
    /// The keyring would not load.
    #[error("keyring: {0}")]
    Keyring(#[from] cloudarq_store::KeyringError),
    /// The signing keys would not load.
    #[error("{0}")]
    Keys(#[from] tokens::KeyError),
    /// Password hashing is broken.
    #[error("{0}")]
    Hash(#[from] password::HashError),
}

/// Opens the store of `config` (the service's and the workers'): its URLs,
/// its keyring (`CLOUDARQ_KEYRING`, when set, wins over the file), and the
/// workers' scan lease.
pub async fn open_store(
    config: &ServiceConfig,
) -> Result<(Store, cloudarq_store::JobRunner), StartError> {
    let keyring = Keyring::load(
        config
            .keyring_file
            .as_deref()
            .unwrap_or(std::path::Path::new("keyring.toml")),
    )?;
    let mut store_config = StoreConfig::new(config.database_url.expose_secret()).scan_lease(
        time::Duration::seconds(i64::from(config.worker.lease_seconds)),
    );
    if let Some(t) = &config.tenant_database_url {
        store_config = store_config.tenant_url(t.expose_secret());
    }
    Ok(Store::open(store_config, keyring).await?)
}

impl AppState {
    /// Opens the store and loads the keys of `config`.
    pub async fn open(config: &ServiceConfig) -> Result<Self, StartError> {
        let (store, runner) = open_store(config).await?;
        let tokens = Tokens::new(
            &config.signing_keys_file,
            &config.issuer,
            &config.audience,
            time::Duration::minutes(i64::from(config.access_token_minutes)),
            time::OffsetDateTime::now_utc(),
        )?;
        Ok(Self::new(
            store,
            Authority::new(runner),
            tokens,
            Passwords::new()?,
            config,
        ))
    }

    /// Assembles the state from parts (tests: a store opened elsewhere).
    pub fn new(
        store: Store,
        authority: Authority,
        tokens: Tokens,
        passwords: Passwords,
        config: &ServiceConfig,
    ) -> Self {
        Self(Arc::new(Inner {
            store,
            authority,
            tokens,
            passwords,
            limits: SessionLimits {
                absolute: time::Duration::hours(i64::from(config.session_hours)),
                idle: time::Duration::minutes(i64::from(config.session_idle_minutes)),
            },
            issuer: config.issuer.clone(),
            behind_proxy: config.behind_proxy,
            trusted_proxies: config.trusted_proxies.clone(),
            cors_origins: config.cors_origins.clone(),
            security_contact: config.security_contact.clone(),
            security_policy: config.security_policy_url.clone(),
            rate_limits: config.rate_limits,
            connections: config.connections.clone(),
            metrics: metrics::Metrics::new(config.metrics_token.clone()),
            aws_base: Arc::new(|| cloudarq_core::CredentialSource::DefaultChain { profile: None }),
            clock: Arc::new(time::OffsetDateTime::now_utc),
        }))
    }

    /// The same state calling AWS (connection tests) with credentials from
    /// `base` instead of the default chain (tests: static keys for moto).
    pub fn with_aws_base(self, base: AwsBase) -> Self {
        let mut inner = match Arc::try_unwrap(self.0) {
            Ok(i) => i,
            Err(shared) => return Self(shared),
        };
        inner.aws_base = base;
        Self(Arc::new(inner))
    }

    pub(crate) fn aws_base(&self) -> cloudarq_core::CredentialSource {
        (self.0.aws_base)()
    }

    /// The same state reading TOTP time from `clock`.
    pub fn with_clock(self, clock: Clock) -> Self {
        let mut inner = match Arc::try_unwrap(self.0) {
            Ok(i) => i,
            Err(shared) => return Self(shared),
        };
        inner.clock = clock;
        Self(Arc::new(inner))
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        (self.0.clock)()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }
    pub(crate) fn authority(&self) -> &Authority {
        &self.0.authority
    }
    /// The token issuer and verifier.
    pub fn tokens(&self) -> &Tokens {
        &self.0.tokens
    }
    /// Password hashing.
    pub fn passwords(&self) -> &Passwords {
        &self.0.passwords
    }
    pub(crate) fn session_limits(&self) -> SessionLimits {
        self.0.limits
    }
    pub(crate) fn issuer(&self) -> &str {
        &self.0.issuer
    }
    pub(crate) fn behind_proxy(&self) -> bool {
        self.0.behind_proxy
    }
    pub(crate) fn trusts_proxy(&self, ip: IpAddr) -> bool {
        self.0.trusted_proxies.contains(&ip)
    }
    pub(crate) fn rate_limits(&self) -> &config::RateLimits {
        &self.0.rate_limits
    }
    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }
    pub(crate) fn connection_setup(&self) -> &config::ConnectionSetup {
        &self.0.connections
    }
    pub(crate) fn security_contact(&self) -> &str {
        &self.0.security_contact
    }
    pub(crate) fn security_policy(&self) -> Option<&str> {
        self.0.security_policy.as_deref()
    }
}

/// The router and its OpenAPI document (3.1), built from the same routes.
pub fn router_and_openapi() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = utoipa_axum::router::OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::all())
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // The document describes itself.
    let openapi_path = utoipa::openapi::path::PathItem::new(
        utoipa::openapi::HttpMethod::Get,
        utoipa::openapi::path::OperationBuilder::new()
            .summary(Some("This document (OpenAPI 3.1)"))
            .tag("meta")
            .response(
                "200",
                utoipa::openapi::ResponseBuilder::new()
                    .description("The OpenAPI document")
                    .content(
                        "application/json",
                        utoipa::openapi::content::Content::new(
                            None::<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
                        ),
                    ),
            ),
    );
    doc.paths.paths.insert("/openapi.json".into(), openapi_path);
    // A mutelist entry names a built-in rule: the document lists them.
    let mut rule_ids: Vec<serde_json::Value> = cloudarq_rules::all()
        .iter()
        .map(|r| serde_json::Value::from(r.meta().id))
        .collect();
    rule_ids.push(serde_json::Value::Null);
    if let Some(components) = doc.components.as_mut()
        && let Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(entry))) =
            components.schemas.get_mut("NewEntry")
        && let Some(utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(rule))) =
            entry.properties.get_mut("rule_id")
    {
        rule.enum_values = Some(rule_ids);
    }
    (router, doc)
}

/// The whole application: routes, `/openapi.json`, limits, CORS and headers.
pub fn app(state: AppState) -> Router {
    let (router, doc) = router_and_openapi();
    let doc = Arc::new(doc);
    let cors = cors(&state.0.cors_origins);
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(cors)
        .layer(axum::middleware::map_response(headers::apply))
        .with_state(state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if allowed.is_empty() {
        // No origin is allowed: no CORS headers are sent, so browsers keep
        // other sites' scripts out.
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static(cookies::CSRF_HEADER),
        ])
        .max_age(Duration::from_secs(600))
}

/// Runs the service until Ctrl-C or SIGTERM: TLS from the configured
/// certificate (reloaded when its files change), or plain HTTP behind a
/// proxy. Reloads the signing keys when their file changes.
pub async fn serve(config: ServiceConfig) -> anyhow::Result<()> {
    let state = AppState::open(&config).await?;
    let reload_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            match reload_state
                .tokens()
                .reload_if_changed(time::OffsetDateTime::now_utc())
            {
                Ok(true) => tracing::info!("signing keys reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "signing keys not reloaded"),
            }
        }
    });
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let handle = axum_server::Handle::new();
    let shutdown = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        shutdown.graceful_shutdown(Some(Duration::from_secs(20)));
    });
    if config.behind_proxy {
        tracing::info!(listen = %config.listen, "serving plain HTTP behind a proxy");
        axum_server::bind(config.listen)
            .handle(handle)
            .serve(app)
            .await?;
    } else {
        let (cert, key) = match (&config.tls_cert_file, &config.tls_key_file) {
            (Some(c), Some(k)) => (c.clone(), k.clone()),
            _ => anyhow::bail!("TLS needs tls_cert_file and tls_key_file"),
        };
        let rustls = tls::load(&cert, &key).await?;
        tls::spawn_reloader(rustls.clone(), cert, key);
        tracing::info!(listen = %config.listen, "serving HTTPS (TLS 1.2 and 1.3)");
        axum_server::bind_rustls(config.listen, rustls)
            .handle(handle)
            .serve(app)
            .await?;
    }
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
