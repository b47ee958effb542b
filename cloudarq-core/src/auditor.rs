//! The embedding API: an [`Auditor`] collects one account into a
//! [`Snapshot`].

use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::SdkConfig;
use aws_types::sdk_config::StalledStreamProtectionConfig;
use cloudarq_model::{CollectionStats, Partition, Region, Service, Snapshot, Timestamp};

use crate::auth::{CredentialSource, LiveCounter, resolve};
use crate::aws::throttle::Throttle;
use crate::aws::{
    ApiService, AwsContext, RateLimits, RequestCounter, RetryPolicy, Transport, discover_regions,
    retry::default_http_client, retry_config, timeout_config,
};
use crate::collect;
use crate::error::CoreError;
use crate::progress::Progress;

/// The environment variable the `cloudarq` command reads for an endpoint
/// override (A4). The library never reads it: an [`AuditorBuilder`] without
/// [`endpoint_url`](AuditorBuilder::endpoint_url) talks to AWS, whatever the
/// process environment or the AWS profile say, so one variable cannot
/// redirect every tenant's scan in a shared worker.
pub const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL";

/// Collects an AWS account into an inventory [`Snapshot`].
///
/// Credentials are resolved (and a role assumed) at the start of every
/// [`collect`](Auditor::collect) and dropped when it returns.
///
/// ```no_run
/// use cloudarq_core::{Auditor, CredentialSource, ExternalId};
/// use cloudarq_model::Service;
///
/// # async fn run() -> Result<(), cloudarq_core::CoreError> {
/// let auditor = Auditor::builder(CredentialSource::assume_role(
///         "arn:aws:iam::123456789012:role/CloudArqAudit".parse()?,
///         Some(ExternalId::new("3f2a9c1e-customer-42".to_owned())?),
///         CredentialSource::DefaultChain { profile: None },
///     ))
///     .regions(["eu-west-1".parse()?, "us-east-1".parse()?])
///     .services([Service::S3, Service::Iam])
///     .build()?;
/// let snapshot = auditor.collect().await?;
/// println!("{} resources, {} gaps", snapshot.resources.len(), snapshot.gaps.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Auditor {
    source: CredentialSource,
    regions: Option<Vec<Region>>,
    services: Vec<Service>,
    endpoint_url: Option<String>,
    http_client: Option<SharedHttpClient>,
    home_region: Region,
    limits: RateLimits,
    retry: RetryPolicy,
    service_deadline: Option<Duration>,
    concurrency: usize,
    session_suffix: String,
    progress: Progress,
    live: LiveCounter,
}

/// How long one service in one region may take by default (see
/// [`AuditorBuilder::service_deadline`]).
pub const DEFAULT_SERVICE_DEADLINE: Duration = Duration::from_secs(3600);

/// Builds an [`Auditor`].
#[derive(Debug)]
pub struct AuditorBuilder {
    source: CredentialSource,
    regions: Option<Vec<Region>>,
    services: Vec<Service>,
    endpoint_url: Option<String>,
    http_client: Option<SharedHttpClient>,
    home_region: Option<Region>,
    limits: RateLimits,
    retry: RetryPolicy,
    service_deadline: Option<Duration>,
    concurrency: usize,
    session_suffix: String,
    progress: Progress,
}

impl Auditor {
    /// Starts building an auditor that authenticates with `source`.
    pub fn builder(source: CredentialSource) -> AuditorBuilder {
        AuditorBuilder {
            source,
            regions: None,
            services: Service::EVERY.to_vec(),
            endpoint_url: None,
            http_client: None,
            home_region: None,
            limits: RateLimits::default(),
            retry: RetryPolicy::default(),
            service_deadline: Some(DEFAULT_SERVICE_DEADLINE),
            concurrency: 8,
            session_suffix: "scan".to_owned(),
            progress: Progress::default(),
        }
    }

    /// Credential sets alive right now (0 when no scan runs).
    pub fn live_credential_sets(&self) -> usize {
        self.live.get()
    }

    /// The SDK configuration every client starts from; its HTTP client is
    /// the STS lane of `transport` (the clients of `AwsContext` get their own).
    async fn base_config(&self, transport: &Transport) -> SdkConfig {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(
                self.home_region.as_str().to_owned(),
            ))
            .retry_config(retry_config())
            .timeout_config(timeout_config())
            // Each attempt is bounded by the retry policy's own timeout,
            // which also reads the whole answer (aws/retry.rs); the SDK's
            // stalled-stream guard on top of it misfires when a busy
            // endpoint is slow to take a small request body, and turns a
            // slow answer into a gap that a retry would have filled.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .http_client(transport.client(ApiService::Sts, Some(&self.home_region)))
            .no_credentials();
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url.clone());
        }
        // The loader would take an endpoint from `AWS_ENDPOINT_URL`, the
        // service-specific `AWS_ENDPOINT_URL_<SERVICE>` or the profile's
        // `endpoint_url`: only the explicit one counts.
        let mut config = loader.load().await.into_builder();
        config.set_endpoint_url(self.endpoint_url.clone());
        config.set_service_config(Some(NoConfiguredEndpoints));
        config.build()
    }

    /// Checks the credentials without collecting anything: resolves them
    /// (assuming the role, with its External ID, when the source is a role)
    /// and asks STS who they are (`sts:GetCallerIdentity`). Returns the
    /// account they act in; the errors are [`collect`](Self::collect)'s
    /// for bad credentials or an unreachable endpoint. The temporary
    /// credentials are dropped before it returns.
    ///
    /// ```no_run
    /// use cloudarq_core::{Auditor, CredentialSource, ExternalId};
    /// # async fn f() -> Result<(), cloudarq_core::CoreError> {
    /// let account = Auditor::builder(CredentialSource::assume_role(
    ///     "arn:aws:iam::123456789012:role/CloudArqAudit".parse()?,
    ///     Some(ExternalId::new("cloudarq-0123456789abcdef".to_owned())?),
    ///     CredentialSource::DefaultChain { profile: None },
    /// ))
    /// .build()?
    /// .verify()
    /// .await?;
    /// assert_eq!(account.as_str(), "123456789012");
    /// # Ok(()) }
    /// ```
    pub async fn verify(&self) -> Result<cloudarq_model::AccountId, CoreError> {
        let session = self.session(RequestCounter::default()).await?;
        Ok(session.account_id)
    }

    /// The credentials resolved (the role assumed) on a fresh transport
    /// counting into `requests`, and the account they act in.
    async fn session(&self, requests: RequestCounter) -> Result<Session, CoreError> {
        let transport = Transport::new(
            self.http_client.clone().unwrap_or_else(default_http_client),
            Throttle::new(self.limits),
            self.retry,
            requests,
        );
        let sts_base = self.base_config(&transport).await;
        let provider = resolve(&self.source, &sts_base, &self.session_suffix, &self.live).await?;
        let config = sts_base.to_builder().credentials_provider(provider).build();
        let (account_id, partition) = self.whoami(&config).await?;
        Ok(Session {
            config,
            transport,
            account_id,
            partition,
        })
    }

    /// The collectors' context over `session`.
    fn context(&self, session: Session) -> AwsContext {
        let endpoint_override = session.config.endpoint_url().is_some();
        AwsContext::new(
            session.config,
            endpoint_override,
            session.partition,
            session.account_id,
            self.home_region.clone(),
            session.transport,
            self.concurrency,
            self.service_deadline,
        )
    }

    /// Lists the organization these credentials' account manages (or
    /// administers as delegated administrator), with every account's state
    /// and OU path; see [`organization`](crate::organization). Errors name
    /// the `organizations:` call that failed (an account outside any
    /// organization gets `AWSOrganizationsNotInUseException`). The
    /// credentials are dropped before it returns.
    pub async fn organization(&self) -> Result<crate::organization::Organization, CoreError> {
        let session = self.session(RequestCounter::default()).await?;
        crate::organization::list(&self.context(session)).await
    }

    /// Collects every configured service in every configured (or enabled)
    /// region. Failed calls become coverage gaps; only failures that make the
    /// whole scan meaningless (bad credentials, unreachable endpoint) are errors.
    pub async fn collect(&self) -> Result<Snapshot, CoreError> {
        let started = Instant::now();
        let collected_at = Timestamp::new(time::OffsetDateTime::now_utc());
        let requests = RequestCounter::default();
        let session = self.session(requests.clone()).await?;
        let (account_id, partition) = (session.account_id.clone(), session.partition.clone());
        let ctx = self.context(session);
        tracing::info!(account_id = %account_id, source = %self.source.describe(), "scan started");
        let (regions, mut gaps) = discover_regions(&ctx, self.regions.as_deref()).await;
        if regions.is_empty() {
            return Err(CoreError::NoRegions(
                "none of the requested regions is enabled".to_owned(),
            ));
        }
        let resources = collect::run(&ctx, &regions, &self.services, &self.progress).await;
        gaps.extend(ctx.take_gaps());
        gaps.sort();
        drop(ctx);
        let mut snapshot = Snapshot::new(account_id, partition, collected_at);
        snapshot.regions = regions;
        snapshot.services = self.services.clone();
        snapshot.resources.extend(resources);
        snapshot.gaps = gaps;
        snapshot.stats = CollectionStats {
            api_requests: requests.get(),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        tracing::info!(
            resources = snapshot.resources.len(),
            gaps = snapshot.gaps.len(),
            api_requests = snapshot.stats.api_requests,
            "scan finished"
        );
        Ok(snapshot)
    }

    async fn whoami(
        &self,
        config: &SdkConfig,
    ) -> Result<(cloudarq_model::AccountId, Partition), CoreError> {
        let sts = crate::aws::sts_client(config);
        let out = sts.get_caller_identity().send().await.map_err(|e| {
            let c = crate::aws::gap::classify(&e);
            match c.kind {
                cloudarq_model::GapKind::Unreachable => CoreError::Unreachable {
                    endpoint: self
                        .endpoint_url
                        .clone()
                        .unwrap_or_else(|| format!("sts.{}", self.home_region)),
                    detail: c.message,
                },
                cloudarq_model::GapKind::InvalidCredentials
                | cloudarq_model::GapKind::AccessDenied => CoreError::InvalidCredentials {
                    source_name: self.source.describe(),
                    code: c.code.unwrap_or_default(),
                    detail: c.message,
                },
                _ => CoreError::Aws {
                    action: "sts:GetCallerIdentity",
                    code: c.code.unwrap_or_else(|| "Error".to_owned()),
                    detail: c.message,
                },
            }
        })?;
        let account = out.account().unwrap_or_default().parse()?;
        let partition = out
            .arn()
            .and_then(|a| a.parse::<cloudarq_model::Arn>().ok())
            .and_then(|a| a.partition().parse().ok())
            .unwrap_or_else(|| Partition::of_region(&self.home_region));
        Ok((account, partition))
    }
}

/// Resolved credentials and who they are.
struct Session {
    config: SdkConfig,
    transport: Transport,
    account_id: cloudarq_model::AccountId,
    partition: Partition,
}

impl AuditorBuilder {
    /// Scan these regions (default: every enabled region).
    pub fn regions(mut self, regions: impl IntoIterator<Item = Region>) -> Self {
        self.regions = Some(regions.into_iter().collect());
        self
    }
    /// Collect these services (default: all).
    pub fn services(mut self, services: impl IntoIterator<Item = Service>) -> Self {
        self.services = services.into_iter().collect();
        self
    }
    /// Send every request to this endpoint (moto, LocalStack). Without it,
    /// requests go to AWS: `AWS_ENDPOINT_URL` is not read (see [`ENDPOINT_ENV`]).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// Use this HTTP client (a proxy, a custom resolver, …).
    pub fn http_client(mut self, client: SharedHttpClient) -> Self {
        self.http_client = Some(client);
        self
    }
    /// The region for STS, IAM and region discovery (default: the first
    /// requested region, else `us-east-1`).
    pub fn home_region(mut self, region: Region) -> Self {
        self.home_region = Some(region);
        self
    }
    /// Client-side rate limits.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }
    /// Attempts per request, retries included (default 8; at least 1).
    /// Server errors, timeouts and broken connections get at most 3 of them
    /// (see [`RetryPolicy`]).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.retry = self.retry.with_max_attempts(n);
        self
    }
    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// How long the calls to one service in one region may take, counted
    /// from its first call (default [`DEFAULT_SERVICE_DEADLINE`]; `None`: no
    /// limit). When it passes, the calls still running are cut off and the
    /// remaining ones are not sent; each becomes a coverage gap of kind
    /// `deadline_exceeded` naming the service, region and deadline.
    pub fn service_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.service_deadline = deadline;
        self
    }
    /// Collectors running at once (default 8).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }
    /// Appended to the `cloudarq-` role session name, for example a scan id.
    pub fn session_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.session_suffix = suffix.into();
        self
    }

    /// Calls `f` as the collection advances (for a progress bar).
    pub fn on_progress(mut self, f: impl Fn(crate::ProgressEvent) + Send + Sync + 'static) -> Self {
        self.progress = Progress::new(f);
        self
    }

    /// Validates the configuration.
    pub fn build(self) -> Result<Auditor, CoreError> {
        // Only an explicit endpoint: the process environment is not read.
        let endpoint_url = self
            .endpoint_url
            .map(|u| validate_endpoint(&u, "endpoint URL"))
            .transpose()?;
        crate::auth::validate_session_suffix(&self.session_suffix)?;
        if self.services.is_empty() {
            return Err(CoreError::NoServices);
        }
        if matches!(&self.regions, Some(r) if r.is_empty()) {
            return Err(CoreError::NoRegions("the region list is empty".to_owned()));
        }
        if self.service_deadline.is_some_and(|d| d.is_zero()) {
            return Err(CoreError::InvalidDeadline(
                "the service deadline must be longer than zero".to_owned(),
            ));
        }
        let home_region = match (self.home_region, &self.regions) {
            (Some(h), _) => h,
            (None, Some(r)) if !r.is_empty() => r[0].clone(),
            _ => "us-east-1".parse()?,
        };
        Ok(Auditor {
            source: self.source,
            regions: self.regions,
            services: self.services,
            endpoint_url,
            http_client: self.http_client,
            home_region,
            limits: self.limits,
            retry: self.retry,
            service_deadline: self.service_deadline,
            concurrency: self.concurrency,
            session_suffix: self.session_suffix,
            progress: self.progress,
            live: LiveCounter::default(),
        })
    }
}

/// The per-service settings the SDK would read from the environment and the
/// profile: none, so no configured endpoint URL reaches a client.
#[derive(Debug)]
struct NoConfiguredEndpoints;

impl aws_types::service_config::LoadServiceConfig for NoConfiguredEndpoints {
    fn load_config(&self, _key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        None
    }
}

fn validate_endpoint(input: &str, what: &str) -> Result<String, CoreError> {
    let bad = |reason: String| CoreError::InvalidEndpoint {
        input: input.to_owned(),
        reason,
    };
    let url =
        url::Url::parse(input.trim()).map_err(|e| bad(format!("{what} does not parse: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!(
            "{what} must use http or https, not {}",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(format!("{what} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(format!("{what} must not carry credentials")));
    }
    Ok(input.trim().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_validated() {
        assert!(validate_endpoint("http://127.0.0.1:5000", "x").is_ok());
        for bad in [
            "",
            "127.0.0.1:5000",
            "ftp://host",
            "http://",
            "https://u:p@host",
        ] {
            let e = validate_endpoint(bad, "endpoint URL")
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }
}
