//! The one AWS layer: builds clients per region, paces and counts requests,
//! follows paginators to the end, retries throttling, and turns failures
//! into coverage gaps. A collector only lists its calls and maps responses.

pub mod actions;
pub mod gap;
mod regions;
pub mod throttle;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use cloudarq_model::{AccountId, Arn, CoverageGap, Partition, Region};

pub use actions::{Action, ApiService};
pub use gap::CallError;
pub(crate) use regions::discover_regions;
pub use throttle::RateLimits;

/// Counts every HTTP attempt (retries included) the SDK sends.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestCounter(Arc<AtomicU64>);

impl RequestCounter {
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "CloudArqRequestCounter"
    }
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// An STS client whose requests are counted.
pub(crate) fn sts_client(conf: &SdkConfig, requests: &RequestCounter) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::config::Builder::from(conf)
        .interceptor(requests.clone())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

/// The retry policy: the SDK's adaptive mode, bounded.
pub(crate) fn retry_config(max_attempts: u32) -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(max_attempts.max(1))
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20))
}

/// Timeouts: a dead endpoint fails fast instead of hanging a scan.
pub(crate) fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(300))
        .build()
}

/// Everything a collector needs to call AWS for one scan.
#[derive(Debug)]
pub struct AwsContext {
    base: SdkConfig,
    endpoint_override: bool,
    partition: Partition,
    account_id: AccountId,
    home_region: Region,
    throttle: throttle::Throttle,
    requests: RequestCounter,
    gaps: Mutex<Vec<CoverageGap>>,
    concurrency: usize,
}

/// Pages read before a call failed, and the failure.
pub struct Paged<P> {
    /// Every page read.
    pub pages: Vec<P>,
    /// The error that stopped paging, if any.
    pub error: Option<CallError>,
}

macro_rules! client_fn {
    ($name:ident, $krate:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(&self, region: &Region) -> $krate::Client {
            let conf = $krate::config::Builder::from(&self.regional(region))
                .interceptor(self.requests.clone())
                .build();
            $krate::Client::from_conf(conf)
        }
    };
}

impl AwsContext {
    #[allow(
        clippy::too_many_arguments,
        reason = "one private constructor, called once by the auditor"
    )]
    pub(crate) fn new(
        base: SdkConfig,
        endpoint_override: bool,
        partition: Partition,
        account_id: AccountId,
        home_region: Region,
        limits: RateLimits,
        requests: RequestCounter,
        concurrency: usize,
    ) -> Self {
        Self {
            base,
            endpoint_override,
            partition,
            account_id,
            home_region,
            throttle: throttle::Throttle::new(limits),
            requests,
            gaps: Mutex::default(),
            concurrency: concurrency.max(1),
        }
    }

    fn regional(&self, region: &Region) -> SdkConfig {
        self.base
            .to_builder()
            .region(aws_types::region::Region::new(region.as_str().to_owned()))
            .build()
    }

    /// The audited account.
    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }
    /// The account's partition.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }
    /// The region for global services (IAM) and S3 Control.
    pub fn home_region(&self) -> &Region {
        &self.home_region
    }
    /// How many requests may run at once within one collector.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
    /// HTTP attempts sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.requests.get()
    }

    client_fn!(ec2, aws_sdk_ec2, "An EC2 client for `region`.");
    client_fn!(rds, aws_sdk_rds, "An RDS client for `region`.");
    client_fn!(
        s3control,
        aws_sdk_s3control,
        "An S3 Control client for `region`."
    );

    /// The IAM client (global; signed for the home region).
    pub fn iam(&self) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::config::Builder::from(&self.regional(&self.home_region))
            .interceptor(self.requests.clone())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// An S3 client for `region`; path-style when an endpoint override is set
    /// (emulators and S3-compatible stores need it).
    pub fn s3(&self, region: &Region) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.regional(region))
            .interceptor(self.requests.clone())
            .force_path_style(self.endpoint_override)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// Sends one request: paced by the service × region bucket, retried by
    /// the SDK, and classified on failure.
    pub async fn call<T, E, R, Fut>(
        &self,
        action: Action,
        region: Option<&Region>,
        fut: Fut,
    ) -> Result<T, CallError>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        self.throttle.acquire(action.service(), region).await;
        let out = fut.await.map_err(|e| gap::classify(&e));
        if let Err(e) = &out {
            tracing::debug!(action = action.iam_action(), region = region.map(Region::as_str), error = %e, "aws call failed");
        }
        out
    }

    /// Like [`call`](Self::call), but the error codes in `absent` mean "not
    /// configured" and become `Ok(None)` (for example `NoSuchBucketPolicy`).
    pub async fn call_optional<T, E, R, Fut>(
        &self,
        action: Action,
        region: Option<&Region>,
        absent: &[&str],
        fut: Fut,
    ) -> Result<Option<T>, CallError>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match self.call(action, region, fut).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code.as_deref().is_some_and(|c| absent.contains(&c)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Follows a paginator to the end, or to the first failure, which it
    /// records as a coverage gap; the pages read before it are kept.
    pub async fn paginate<P, E, R>(
        &self,
        action: Action,
        region: Option<&Region>,
        mut stream: PaginationStream<Result<P, SdkError<E, R>>>,
    ) -> Paged<P>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut pages = Vec::new();
        loop {
            self.throttle.acquire(action.service(), region).await;
            match stream.next().await {
                None => return Paged { pages, error: None },
                Some(Ok(p)) => pages.push(p),
                Some(Err(e)) => {
                    let error = gap::classify(&e);
                    self.record_gap(action, region, None, &error);
                    return Paged {
                        pages,
                        error: Some(error),
                    };
                }
            }
        }
    }

    /// Records that `action` failed, so what it would have read is a gap.
    pub fn record_gap(
        &self,
        action: Action,
        region: Option<&Region>,
        resource: Option<&Arn>,
        err: &CallError,
    ) {
        let Some(service) = action.service().audited() else {
            return;
        };
        let gap = CoverageGap {
            service,
            region: region.cloned(),
            action: action.iam_action().to_owned(),
            resource: resource.cloned(),
            kind: err.kind,
            error_code: err.code.clone(),
            message: err.message.chars().take(500).collect(),
        };
        tracing::warn!(
            service = %service,
            region = region.map(Region::as_str).unwrap_or("global"),
            action = action.iam_action(),
            resource_arn = resource.map(Arn::as_str).unwrap_or(""),
            kind = ?err.kind,
            "coverage gap"
        );
        self.gaps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(gap);
    }

    /// Takes the recorded gaps.
    pub(crate) fn take_gaps(&self) -> Vec<CoverageGap> {
        std::mem::take(
            &mut *self
                .gaps
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Builds an ARN in this account and partition.
    pub fn arn(&self, service: &str, region: Option<&Region>, resource: &str) -> Option<Arn> {
        Arn::build(
            &self.partition,
            service,
            region,
            Some(&self.account_id),
            resource,
        )
        .ok()
    }
}
